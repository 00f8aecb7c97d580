// Per-second rates between two scrapes, with Prometheus' counter-reset rule.
import type { MetricFamily, Sample } from './parse.js';
import { byName, cmp, FAMILY, type MetricsSummary, NORMAL_STORAGE_CODES, summarize } from './summary.js';

/** name{k="v",…} with labels sorted: identifies one series across scrapes. */
export function seriesKey(s: Sample): string {
  const keys = Object.keys(s.labels);
  if (!keys.length) return s.name;
  keys.sort();
  let out = s.name + '{';
  for (let i = 0; i < keys.length; i++) out += (i ? ',' : '') + keys[i] + '=' + JSON.stringify(s.labels[keys[i]!]);
  return out + '}';
}

/** Samples that only go up: counters, and the _count/_sum/_bucket samples of summaries and histograms. */
export function isCumulative(f: MetricFamily, s: Sample): boolean {
  if (f.type === 'counter') return true;
  if (f.type === 'summary') return s.name !== f.name;
  if (f.type === 'histogram') return true;
  return false;
}

/**
 * Increase of a cumulative series between scrapes. A drop means the registry restarted (counter reset):
 * the increase is then the new value, as in Prometheus' rate(). A series absent before counts from 0
 * (labelled families appear at their first observation).
 */
export function increase(prev: number | undefined, cur: number): number {
  if (prev === undefined) return cur;
  if (!Number.isFinite(prev) || !Number.isFinite(cur)) return NaN;
  return cur >= prev ? cur - prev : cur;
}

export function valuesByKey(families: MetricFamily[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of families) for (const s of f.samples) m.set(seriesKey(s), s.value);
  return m;
}

export interface SeriesRate {
  family: string;
  type: MetricFamily['type'];
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Per second over the interval for cumulative series; null for gauges and untyped. */
  perSecond: number | null;
}

/** Every series of `cur` with its per-second rate since `prev` (cumulative series only). */
export function seriesRates(prev: MetricFamily[], cur: MetricFamily[], seconds: number): SeriesRate[] {
  const before = valuesByKey(prev);
  const out: SeriesRate[] = [];
  for (const f of cur) {
    for (const s of f.samples) {
      const cumulative = isCumulative(f, s);
      out.push({
        family: f.name,
        type: f.type,
        name: s.name,
        labels: s.labels,
        value: s.value,
        perSecond: cumulative && seconds > 0 ? increase(before.get(seriesKey(s)), s.value) / seconds : null,
      });
    }
  }
  return out;
}

export interface RatesSummary {
  intervalSeconds: number;
  inFlight: number | null;
  requests: { perSecond: number; byMethodCode: Array<{ method: string; code: string; perSecond: number }> };
  /** Requests per second and mean latency over the interval; quantiles as the registry reports them now. */
  latency: Array<{ method: string; perSecond: number; meanSeconds: number | null; quantiles: Record<string, number> }>;
  digestCache: { lookupsPerSecond: number; hitRatio: number | null } | null;
  /** Every failed storage-driver call, PATH_NOT_FOUND included. */
  storageErrorsPerSecond: number;
  /** Without the normal PATH_NOT_FOUND lookups. */
  storageProblemsPerSecond: number;
  pullthroughErrorsPerSecond: number;
}

/** The summary view's numbers as rates between two scrapes taken `seconds` apart. */
export function summarizeRates(prev: MetricFamily[], cur: MetricFamily[], seconds: number): RatesSummary {
  const before = valuesByKey(prev);
  const pm = byName(cur);
  const inc = (s: Sample) => increase(before.get(seriesKey(s)), s.value);
  const per = (x: number) => (seconds > 0 ? x / seconds : 0);
  const samples = (family: string, name = family) => (pm.get(family)?.samples ?? []).filter((s) => s.name === name);

  // Per (method, code) over every other label (e.g. one series per repository), as the summary does.
  const mc = new Map<string, { method: string; code: string; perSecond: number }>();
  for (const s of samples(FAMILY.requests)) {
    const method = s.labels.method ?? '';
    const code = s.labels.code ?? '';
    const k = `${method} ${code}`;
    const r = mc.get(k);
    if (r) r.perSecond += per(inc(s));
    else mc.set(k, { method, code, perSecond: per(inc(s)) });
  }
  const byMethodCode = [...mc.values()].sort((a, b) => cmp(a.method, b.method) || cmp(a.code, b.code));

  const now: MetricsSummary = summarize(cur);
  const dCount = new Map<string, number>();
  const dSum = new Map<string, number>();
  for (const s of samples(FAMILY.requestDuration, `${FAMILY.requestDuration}_count`)) dCount.set(s.labels.method ?? '', (dCount.get(s.labels.method ?? '') ?? 0) + inc(s));
  for (const s of samples(FAMILY.requestDuration, `${FAMILY.requestDuration}_sum`)) dSum.set(s.labels.method ?? '', (dSum.get(s.labels.method ?? '') ?? 0) + inc(s));
  const latency = now.latency.map((row) => {
    const c = dCount.get(row.key) ?? 0;
    return { method: row.key, perSecond: per(c), meanSeconds: c > 0 ? (dSum.get(row.key) ?? 0) / c : null, quantiles: row.quantiles };
  });

  let digestCache: RatesSummary['digestCache'] = null;
  const dc = samples(FAMILY.digestCache);
  if (dc.length) {
    let hits = 0;
    let misses = 0;
    for (const s of dc) {
      const t = (s.labels.type ?? '').toLowerCase();
      if (t === 'hit') hits += inc(s);
      else if (t === 'miss') misses += inc(s);
    }
    digestCache = { lookupsPerSecond: per(hits + misses), hitRatio: hits + misses > 0 ? hits / (hits + misses) : null };
  }
  const total = (family: string) => samples(family).reduce((a, s) => a + inc(s), 0);
  return {
    intervalSeconds: seconds,
    inFlight: now.inFlight,
    requests: { perSecond: byMethodCode.reduce((a, r) => a + r.perSecond, 0), byMethodCode },
    latency,
    digestCache,
    storageErrorsPerSecond: per(total(FAMILY.storageErrors)),
    storageProblemsPerSecond: per(samples(FAMILY.storageErrors).reduce((a, s) => a + (NORMAL_STORAGE_CODES.has(s.labels.code ?? '') ? 0 : inc(s)), 0)),
    pullthroughErrorsPerSecond: per(total(FAMILY.pullthroughErrors)),
  };
}
