// Human and JSON renderings of a scrape and of rates between scrapes.
import type { IO } from '../output/io.js';
import { formatValue, type MetricFamily } from './parse.js';
import type { LatencyRow, MetricsSummary, CacheStats } from './summary.js';
import type { RatesSummary, SeriesRate } from './rates.js';

/** JSON.stringify that writes NaN/±Inf as Prometheus does ("NaN", "+Inf", "-Inf") instead of null. */
export function toJSONLine(data: unknown, indent?: number): string {
  return JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? formatValue(v) : v), indent);
}

interface Col<T> {
  header: string;
  value: (row: T) => string;
}

const ANSI = /\x1b\[[0-9;]*m/g;

function width(s: string): number {
  return s.indexOf('\x1b') < 0 ? s.length : s.replace(ANSI, '').length;
}

/**
 * The kubectl-style table of src/output/table.ts (upper-case headers, three spaces between columns) in linear
 * time: a --filter view can have tens of thousands of rows, which cli-table3 renders in quadratic time.
 */
export function renderTable<T>(io: IO, rows: T[], columns: Col<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c) => c.header.length);
  for (const row of cells) for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i]!, width(row[i]!));
  const line = (vals: string[]) => {
    let out = '';
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      out += i === vals.length - 1 ? v : v + ' '.repeat(widths[i]! - width(v) + 3);
    }
    return out.trimEnd();
  };
  const head = columns.map((c) => (io.colorOut ? io.out.bold(c.header.toUpperCase()) : c.header.toUpperCase()));
  const parts = [line(head)];
  for (const row of cells) parts.push(line(row));
  return parts.join('\n') + '\n';
}

function jsonValue(v: number): number | string {
  return Number.isFinite(v) ? v : formatValue(v);
}

/** The families for -o json, values already JSON-safe (so the big part needs no replacer callback). */
export function familiesJSON(families: MetricFamily[]): unknown[] {
  return families.map((f) => ({
    name: f.name,
    type: f.type,
    ...(f.help !== undefined ? { help: f.help } : {}),
    samples: f.samples.map((s) =>
      s.timestampMs === undefined ? { name: s.name, labels: s.labels, value: jsonValue(s.value) } : { name: s.name, labels: s.labels, value: jsonValue(s.value), timestampMs: s.timestampMs },
    ),
  }));
}

/** The -o json document: the small summary through the replacer, the families as they are. */
export function metricsDocument(head: Record<string, unknown>, summary: unknown, families: MetricFamily[]): string {
  const top = toJSONLine({ ...head, summary }, 2);
  const fams = JSON.stringify(familiesJSON(families), null, 2).replace(/\n/g, '\n  ');
  return `${top.slice(0, -2)},\n  "families": ${fams}\n}\n`;
}

/** 0.0123 → "12.3ms"; NaN/undefined → "-". */
export function seconds(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return formatValue(v);
  if (v === 0) return '0';
  if (v < 1e-3) return `${+(v * 1e6).toPrecision(3)}µs`;
  if (v < 1) return `${+(v * 1e3).toPrecision(3)}ms`;
  return `${+v.toPrecision(3)}s`;
}

export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (!Number.isFinite(v)) return formatValue(v);
  return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
}

function rate(v: number): string {
  if (!Number.isFinite(v)) return formatValue(v);
  return v.toFixed(2);
}

function percent(r: number | null): string {
  return r === null ? '-' : `${(r * 100).toFixed(1)}%`;
}

function cache(c: CacheStats | null): string {
  if (!c) return '-';
  return `${percent(c.hitRatio)} hits (${num(c.hits)} of ${num(c.hits + c.misses)})`;
}

function bytes(b: number | null): string {
  if (b === null) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${+b.toPrecision(3)}${u[i]}`;
}

function q(r: { quantiles: Record<string, number> }, k: string): string {
  return seconds(r.quantiles[k]);
}

function latencyTable(io: IO, title: string, keyHeader: string, rows: LatencyRow[]): string[] {
  if (!rows.length) return [];
  return [
    io.out.bold(title),
    renderTable(io, rows, [
      { header: keyHeader, value: (r) => r.key },
      { header: 'count', value: (r) => num(r.count) },
      { header: 'mean', value: (r) => seconds(r.meanSeconds) },
      { header: 'p50', value: (r) => q(r, '0.5') },
      { header: 'p90', value: (r) => q(r, '0.9') },
      { header: 'p99', value: (r) => q(r, '0.99') },
    ]).trimEnd(),
    '',
  ];
}

export function renderSummary(io: IO, s: MetricsSummary, endpoint: string, wide: boolean, now: Date = new Date()): string {
  const c = io.out;
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${c.bold(k.padEnd(20))}${v}`);
  const b = s.buildInfo;
  kv('Registry', b ? `${b.gitVersion ?? '?'}${b.gitCommit ? ` (commit ${b.gitCommit})` : ''}` : '(no imageregistry_build_info)');
  kv('Endpoint', endpoint);
  if (s.process.startTimeSeconds) {
    const up = Math.max(0, now.getTime() / 1000 - s.process.startTimeSeconds);
    kv('Up', `${up >= 86400 ? `${Math.floor(up / 86400)}d` : up >= 3600 ? `${Math.floor(up / 3600)}h` : `${Math.floor(up / 60)}m`}${s.process.residentMemoryBytes ? `, ${bytes(s.process.residentMemoryBytes)} resident` : ''}`);
  }
  kv('Requests', `${num(s.requests.total)} total, ${s.inFlight === null ? '-' : num(s.inFlight)} in flight`);
  kv('Digest cache', cache(s.digestCache) + (s.digestCacheScoped ? `; scoped ${cache(s.digestCacheScoped)}` : ''));
  if (s.blobDescriptorCache) kv('Blob descriptors', cache(s.blobDescriptorCache));
  if (s.pullthroughCache) kv('Pull-through cache', cache(s.pullthroughCache));
  const errColour = (n: number) => (n > 0 ? c.yellow(num(n)) : num(n));
  kv('Storage errors', storageErrorsLine(io, s.storageErrors));
  kv('Pull-through errors', errColour(s.pullthroughErrors.total));
  lines.push('');
  if (s.requests.byMethodCode.length) {
    lines.push(c.bold('Requests by method and code'));
    lines.push(
      renderTable(io, s.requests.byMethodCode, [
        { header: 'method', value: (r) => r.method.toUpperCase() },
        { header: 'code', value: (r) => (r.code.startsWith('5') ? c.red(r.code) : r.code.startsWith('4') ? c.yellow(r.code) : r.code) },
        { header: 'count', value: (r) => num(r.count) },
      ]).trimEnd(),
      '',
    );
  }
  lines.push(...latencyTable(io, 'Request latency by method', 'method', s.latency.map((r) => ({ ...r, key: r.key.toUpperCase() }))));
  if (wide) lines.push(...latencyTable(io, 'Latency by operation', 'operation', s.operations));
  if (wide && s.storageActions.length) {
    lines.push(
      c.bold('Storage driver actions'),
      renderTable(io, s.storageActions, [
        { header: 'driver', value: (r) => r.driver },
        { header: 'action', value: (r) => r.action },
        { header: 'count', value: (r) => num(r.count) },
        { header: 'p50', value: (r) => seconds(r.p50) },
        { header: 'p90', value: (r) => seconds(r.p90) },
        { header: 'p99', value: (r) => seconds(r.p99) },
      ]).trimEnd(),
      '',
    );
  }
  // Only PATH_NOT_FOUND lookups: nothing to look at unless -o wide.
  if (s.storageErrors.series.length && (wide || s.storageErrors.problems > 0)) {
    lines.push(
      c.bold('Storage errors'),
      renderTable(io, s.storageErrors.series, [
        { header: 'operation', value: (r) => r.operation },
        { header: 'code', value: (r) => (r.kind === 'alert' ? c.red(r.code) : r.kind === 'error' ? c.yellow(r.code) : r.code) },
        { header: 'count', value: (r) => num(r.count) },
        { header: 'meaning', value: (r) => (r.alert ? `operator alert ${r.alert}` : r.kind === 'normal' ? 'normal: not stored (yet)' : 'failed') },
      ]).trimEnd(),
      '',
    );
  }
  if (s.pullthroughErrors.series.length) {
    lines.push(
      c.bold('Pull-through errors'),
      renderTable(io, s.pullthroughErrors.series, [
        { header: 'registry', value: (r) => r.registry },
        { header: 'operation', value: (r) => r.operation },
        { header: 'code', value: (r) => r.code },
        { header: 'count', value: (r) => num(r.count) },
      ]).trimEnd(),
      '',
    );
  }
  return lines.join('\n') + '\n';
}

/** "0", "0 (12 PATH_NOT_FOUND: normal)", "3 — alert ImageRegistryStorageFull (DEVICE_OUT_OF_SPACE)". */
function storageErrorsLine(io: IO, e: MetricsSummary['storageErrors']): string {
  const c = io.out;
  let text = e.problems > 0 ? (e.alerts.length ? c.red(num(e.problems)) : c.yellow(num(e.problems))) : '0';
  if (e.alerts.length) text += c.red(` — operator alert ${e.alerts.map((a) => `${a.alert} (${a.code})`).join(', ')}`);
  if (e.normal > 0) text += ` (${num(e.normal)} PATH_NOT_FOUND: normal)`;
  return text;
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (!keys.length) return '';
  return keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
}

/** The --filter table: one row per series; with rates a RATE/S column for counters. */
export function renderSeries(io: IO, rows: SeriesRate[], withRates: boolean): string {
  if (!rows.length) return '';
  return renderTable(io, rows, [
    { header: 'name', value: (r) => r.name },
    { header: 'type', value: (r) => r.type },
    { header: 'labels', value: (r) => labelText(r.labels) },
    { header: 'value', value: (r) => num(r.value) },
    ...(withRates ? [{ header: 'rate/s', value: (r: SeriesRate) => (r.perSecond === null ? '' : rate(r.perSecond)) }] : []),
  ]);
}

export function renderRates(io: IO, r: RatesSummary, at: Date): string {
  const c = io.out;
  const lines: string[] = [];
  const dc = r.digestCache;
  lines.push(
    `${c.bold(at.toISOString())}  ${num(+r.intervalSeconds.toFixed(3))}s  ` +
      `${rate(r.requests.perSecond)} req/s  ${r.inFlight === null ? '-' : num(r.inFlight)} in flight  ` +
      `digest cache ${dc ? `${percent(dc.hitRatio)} hits, ${rate(dc.lookupsPerSecond)}/s` : '-'}  ` +
      `storage errors ${rate(r.storageProblemsPerSecond)}/s  pull-through errors ${rate(r.pullthroughErrorsPerSecond)}/s`,
  );
  const active = r.requests.byMethodCode.filter((x) => x.perSecond !== 0);
  if (active.length) {
    lines.push(
      renderTable(io, active, [
        { header: 'method', value: (x) => x.method.toUpperCase() },
        { header: 'code', value: (x) => x.code },
        { header: 'req/s', value: (x) => rate(x.perSecond) },
      ]).trimEnd(),
    );
  }
  const lat = r.latency.filter((x) => x.perSecond !== 0);
  if (lat.length) {
    lines.push(
      renderTable(io, lat, [
        { header: 'method', value: (x) => x.method.toUpperCase() },
        { header: 'req/s', value: (x) => rate(x.perSecond) },
        { header: 'mean', value: (x) => seconds(x.meanSeconds) },
        { header: 'p50', value: (x) => q(x, '0.5') },
        { header: 'p90', value: (x) => q(x, '0.9') },
        { header: 'p99', value: (x) => q(x, '0.99') },
      ]).trimEnd(),
    );
  }
  return lines.join('\n') + '\n\n';
}
