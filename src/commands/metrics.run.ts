import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { MetricFamily } from '../metrics/parse.js';
import type { MetricsClient, Scrape } from '../metrics/fetch.js';
import { outputFormat } from './common.js';
import { obtainToken } from '../cluster/credentials.js';
import { AuthError, EXIT, RegctlError, UsageError } from '../errors.js';
import { parseDuration } from '../output/format.js';
import { writeAsync } from '../output/io.js';
import { envelope } from '../output/printer.js';
import { makeFilter, type NameFilter } from '../metrics/filter.js';
import { assertClusterRegistryHost } from '../cluster/registry-hosts.js';
import { discoverRegistryHost } from '../cluster/routes.js';
import { validateAccessOptions, registryFlagHost, INTERNAL_REGISTRY_HOST as INTERNAL_HOST } from '../registry/access.js';
import { USER_AGENT } from '../context.js';
import { ParseError, parsePrometheusText } from '../metrics/parse.js';
import { filterFamilies, filterRaw } from '../metrics/filter.js';
import { summarize } from '../metrics/summary.js';
import { seriesRates, summarizeRates } from '../metrics/rates.js';
import * as r from '../metrics/render.js';
import { readCAFile } from '../registry/trust.js';
import { FORMATS, type spec } from './metrics.js';

const MIN_INTERVAL_MS = 500;

type MetricsOptions = OptionsOf<typeof spec>;

interface Plan {
  format: (typeof FORMATS)[number];
  filter?: NameFilter;
  intervalMs?: number;
  count?: number;
}

/** Flag checks that need no I/O. */
export function validateMetricsOptions(o: MetricsOptions): Plan {
  const format = outputFormat(o, FORMATS) as Plan['format'];
  validateAccessOptions(o);
  if (o.namespace && !o.serviceAccount) throw new UsageError('-n/--namespace only applies with --service-account', 'add --service-account SA, or drop -n');
  if (o.raw && format !== 'table') throw new UsageError('--raw cannot be combined with -o', '--raw prints the Prometheus text as it came; use -o json for structured output');
  if (o.raw && o.watch) throw new UsageError('--raw cannot be combined with --watch', 'rates need parsing: drop --raw');
  let intervalMs: number | undefined;
  if (o.watch !== undefined) {
    intervalMs = parseDuration(o.watch);
    if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS) throw new UsageError(`invalid --watch interval "${o.watch}"`, 'use a duration of 500ms or more, e.g. 5s or 1m');
  }
  let count: number | undefined;
  if (o.count !== undefined) {
    if (o.watch === undefined) throw new UsageError('--count needs --watch', 'e.g. --watch 5s --count 3');
    if (!/^\d+$/.test(o.count) || Number(o.count) < 1) throw new UsageError(`invalid --count "${o.count}"`, 'give a whole number of reports, 1 or more');
    count = Number(o.count);
  }
  return { format, filter: makeFilter(o.filter), intervalMs, count };
}

export async function run(ctx: Context, _args: string[], o: MetricsOptions): Promise<number> {
  const plan = validateMetricsOptions(o);
  if (o.caFile) readCAFile(o.caFile);
  const cluster = await ctx.cluster(o.namespace);

  let host: string;
  let hostSource = 'flag';
  if (o.registry) {
    host = registryFlagHost(o.registry);
    await assertClusterRegistryHost(cluster, host, 'regctl metrics sends the cluster token only to them');
  } else if (o.internal) {
    host = INTERNAL_HOST;
    hostSource = 'internal';
  } else {
    const d = await ctx.spin('Finding the registry host', () => discoverRegistryHost(cluster, cluster.namespace));
    host = d.host;
    hostSource = d.source;
    ctx.log.debug(`registry host ${host} (from ${d.source})`);
  }
  const tok = await ctx.spin('Getting a token', () => obtainToken(ctx, cluster, { serviceAccount: o.serviceAccount, durationSeconds: 3600, noUsernameFlag: true }));
  // Host and trust through the one registry factory; the metrics endpoint is scraped with the same token.
  const session = await ctx.registry(o, { host: { name: host, source: hostSource }, credentials: { username: tok.username, token: tok.token, source: tok.source, rejectedHint: tok.rejectedHint }, check: false });
  const t = session.trust;

  const { MetricsClient } = await import('../metrics/fetch.js');
  const client = new MetricsClient(
    { host, trust: t.trust, token: tok.token, username: tok.username, tokenIsKubeconfigUser: tok.source === 'kubeconfig' || tok.source === 'token' },
    { env: ctx.env, timeoutMs: ctx.requestTimeoutMs, trace: ctx.trace, userAgent: USER_AGENT },
  );
  const first = await ctx.spin(`Reading ${client.url}`, () => client.scrape(ctx.signal, cluster));
  const families = await parseScrape(first, host);

  if (plan.intervalMs === undefined) {
    await printOnce(ctx, o, plan, first, families);
    return EXIT.ok;
  }
  return watch(ctx, plan, client, cluster, first, families);
}

async function parseScrape(s: Scrape, host: string): Promise<MetricFamily[]> {
  try {
    return parsePrometheusText(s.text);
  } catch (e) {
    if (e instanceof ParseError) {
      throw new RegctlError(`cannot parse the metrics of ${host} (${s.contentType || 'no content type'}): ${e.message}`, {
        hint: 'see what it sent with `regctl metrics --raw`; is this host the OpenShift registry?',
      });
    }
    throw e;
  }
}

async function printOnce(ctx: Context, o: MetricsOptions, plan: Plan, s: Scrape, families: MetricFamily[]): Promise<void> {
  if (o.raw) {
    await writeAsync(ctx.io.stdout, plan.filter ? filterRaw(s.text, families, plan.filter) : s.text);
    return;
  }
  const shown = filterFamilies(families, plan.filter);
  if (plan.format === 'json') {
    const head = envelope('RegistryMetrics', { endpoint: s.url, scrapedAt: s.at.toISOString() });
    await writeAsync(ctx.io.stdout, r.metricsDocument(head, summarize(families), shown));
    return;
  }
  if (plan.filter) {
    const rows = seriesRates([], shown, 0);
    if (!rows.length) ctx.log.warn(`no metric family matches --filter ${o.filter}`);
    await writeAsync(ctx.io.stdout, r.renderSeries(ctx.io, rows, false));
    return;
  }
  await writeAsync(ctx.io.stdout, r.renderSummary(ctx.io, summarize(families), s.url, plan.format === 'wide', ctx.now()));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

/** process_start_time_seconds: tells one registry process from another (restart, or another replica). */
function instanceOf(families: MetricFamily[]): number | undefined {
  return families.find((f) => f.name === 'process_start_time_seconds')?.samples[0]?.value;
}

async function watch(ctx: Context, plan: Plan, client: MetricsClient, cluster: import('../cluster/cluster.js').Cluster, first: Scrape, firstFamilies: MetricFamily[]): Promise<number> {
  const interval = plan.intervalMs!;
  ctx.log.info(`Scraping ${client.url} every ${interval / 1000}s; per-second rates follow (Ctrl-C to stop)`);
  let prev = { scrape: first, families: firstFamilies };
  let reports = 0;
  let failures = 0;
  const started = Date.now();
  let tick = 0;
  while (!ctx.signal.aborted && (plan.count === undefined || reports < plan.count)) {
    tick++;
    await sleep(started + tick * interval - Date.now(), ctx.signal);
    if (ctx.signal.aborted) break;
    let cur: { scrape: Scrape; families: MetricFamily[] };
    try {
      const s = await client.scrape(ctx.signal, cluster);
      cur = { scrape: s, families: await parseScrape(s, client.url) };
      failures = 0;
    } catch (e) {
      if (ctx.signal.aborted) break;
      if (e instanceof AuthError || e instanceof UsageError || ++failures >= 3) throw e;
      ctx.log.warn(`scrape failed (${(e as Error).message.split('\n')[0]}); retrying in ${interval / 1000}s`);
      continue;
    }
    const a = instanceOf(prev.families);
    const b = instanceOf(cur.families);
    if (a !== undefined && b !== undefined && a !== b) {
      ctx.log.warn('answered by another registry process (restart, or another replica): rates start over from this scrape');
      prev = cur;
      continue;
    }
    const seconds = (cur.scrape.at.getTime() - prev.scrape.at.getTime()) / 1000;
    const rates = summarizeRates(prev.families, cur.families, seconds);
    const series = plan.filter ? seriesRates(filterFamilies(prev.families, plan.filter), filterFamilies(cur.families, plan.filter), seconds) : undefined;
    if (plan.format === 'json') {
      const doc = envelope('RegistryMetricsRates', {
        endpoint: client.url,
        time: cur.scrape.at.toISOString(),
        ...rates,
        ...(series ? { series: series.map((x) => ({ name: x.name, type: x.type, labels: x.labels, value: x.value, perSecond: x.perSecond })) } : {}),
      });
      await writeAsync(ctx.io.stdout, r.toJSONLine(doc) + '\n');
    } else {
      let text = series ? `${ctx.io.out.bold(cur.scrape.at.toISOString())}  ${seconds.toFixed(1)}s\n${r.renderSeries(ctx.io, series, true)}\n` : r.renderRates(ctx.io, rates, cur.scrape.at);
      if (ctx.io.stdoutTTY) text = '\x1b[2J\x1b[H' + text;
      await writeAsync(ctx.io.stdout, text);
    }
    reports++;
    prev = cur;
  }
  return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
