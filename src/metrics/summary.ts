// The registry-specific view of a scrape: requests, in-flight, latency, caches, errors, build info
// (metric families of openshift-behaviors.md §e).
import type { MetricFamily, Sample } from './parse.js';

export const FAMILY = {
  buildInfo: 'imageregistry_build_info',
  inFlight: 'imageregistry_http_in_flight_requests',
  requests: 'imageregistry_http_requests_total',
  requestDuration: 'imageregistry_http_request_duration_seconds',
  operationDuration: 'imageregistry_request_duration_seconds',
  digestCache: 'imageregistry_digest_cache_requests_total',
  digestCacheScoped: 'imageregistry_digest_cache_scoped_requests_total',
  storageErrors: 'imageregistry_storage_errors_total',
  pullthroughErrors: 'imageregistry_pullthrough_repository_errors_total',
  pullthroughCache: 'imageregistry_pullthrough_blobstore_cache_requests_total',
  blobDescriptorCache: 'registry_storage_cache_total',
  storageActions: 'registry_storage_action_seconds',
  processStart: 'process_start_time_seconds',
  processRss: 'process_resident_memory_bytes',
} as const;

/**
 * Storage error codes (openshift/image-registry pkg/dockerregistry/server/metrics/errorcodes.go) that are no
 * problem: PATH_NOT_FOUND is a lookup of something not stored (yet) — every push stats blobs before writing them.
 */
export const NORMAL_STORAGE_CODES: ReadonlySet<string> = new Set(['PATH_NOT_FOUND']);

/** The codes the operator alerts on (cluster-image-registry-operator manifests/09-prometheus-rules.yaml). */
export const STORAGE_ALERTS: Readonly<Record<string, string>> = {
  READ_ONLY_FILESYSTEM: 'ImageRegistryStorageReadOnly',
  DEVICE_OUT_OF_SPACE: 'ImageRegistryStorageFull',
};

/** normal: expected (PATH_NOT_FOUND); alert: a code the operator's alerts fire on; error: any other failure. */
export type StorageErrorKind = 'normal' | 'alert' | 'error';

export function storageErrorKind(code: string): StorageErrorKind {
  if (NORMAL_STORAGE_CODES.has(code)) return 'normal';
  return Object.hasOwn(STORAGE_ALERTS, code) ? 'alert' : 'error';
}

export interface StorageErrorRow {
  operation: string;
  code: string;
  count: number;
  kind: StorageErrorKind;
  /** The operator alert that fires on this code, when one does. */
  alert?: string;
}

export interface StorageErrors {
  /** Every failed storage-driver call, PATH_NOT_FOUND included. */
  total: number;
  /** Failures that are a problem: total without the normal codes. */
  problems: number;
  /** Normal PATH_NOT_FOUND lookups. */
  normal: number;
  /** Per operator alert whose code has counted (cumulative, since the registry started). */
  alerts: Array<{ alert: string; code: string; count: number }>;
  series: StorageErrorRow[];
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses); null without lookups. */
  hitRatio: number | null;
}

export interface LatencyRow {
  /** method (HTTP, lower-case) or operation (e.g. BlobStore.ServeBlob). */
  key: string;
  count: number;
  sumSeconds: number;
  meanSeconds: number | null;
  /** "0.5" → seconds (NaN when the summary has no observations in its window). */
  quantiles: Record<string, number>;
}

export interface MetricsSummary {
  buildInfo: Record<string, string> | null;
  inFlight: number | null;
  requests: { total: number; byMethodCode: Array<{ method: string; code: string; count: number }> };
  latency: LatencyRow[];
  operations: LatencyRow[];
  digestCache: CacheStats | null;
  digestCacheScoped: CacheStats | null;
  blobDescriptorCache: CacheStats | null;
  pullthroughCache: CacheStats | null;
  storageErrors: StorageErrors;
  pullthroughErrors: { total: number; series: Array<{ registry: string; operation: string; code: string; count: number }> };
  storageActions: Array<{ driver: string; action: string; count: number; p50: number | null; p90: number | null; p99: number | null }>;
  process: { startTimeSeconds: number | null; residentMemoryBytes: number | null };
}

export function byName(families: MetricFamily[]): Map<string, MetricFamily> {
  return new Map(families.map((f) => [f.name, f]));
}

function samplesOf(m: Map<string, MetricFamily>, family: string, sampleName = family): Sample[] {
  const f = m.get(family);
  if (!f) return [];
  return f.samples.filter((s) => s.name === sampleName);
}

function single(m: Map<string, MetricFamily>, family: string): number | null {
  const s = samplesOf(m, family);
  return s.length ? s.reduce((a, x) => a + x.value, 0) : null;
}

function cacheStats(m: Map<string, MetricFamily>, family: string, hit = 'Hit', miss = 'Miss'): CacheStats | null {
  const s = samplesOf(m, family);
  if (!s.length) return null;
  let hits = 0;
  let misses = 0;
  for (const x of s) {
    const t = (x.labels.type ?? '').toLowerCase();
    if (t === hit.toLowerCase()) hits += x.value;
    else if (t === miss.toLowerCase()) misses += x.value;
  }
  return { hits, misses, hitRatio: hits + misses > 0 ? hits / (hits + misses) : null };
}

/** Plain code-unit order: stable and fast (localeCompare is slow on tens of thousands of rows). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sums the values of a family's samples named like the family, grouped by the values of `keys` (other labels,
 * e.g. repository, are summed over): rows in the order their groups first appear. Nested maps, one level per key:
 * label values are strings the parser reuses from line to line, so no key string is built and hashed per sample.
 */
function sumBy<K extends string>(m: Map<string, MetricFamily>, family: string, keys: readonly K[]): Array<Record<K, string> & { count: number }> {
  type Row = Record<K, string> & { count: number };
  const out: Row[] = [];
  const f = m.get(family);
  if (!f) return out;
  const root = new Map<string, unknown>();
  const last = keys.length - 1;
  for (const s of f.samples) {
    if (s.name !== family) continue;
    const labels = s.labels;
    let level = root;
    for (let i = 0; i < last; i++) {
      const v = labels[keys[i]!] ?? '';
      let next = level.get(v) as Map<string, unknown> | undefined;
      if (!next) level.set(v, (next = new Map()));
      level = next;
    }
    const v = labels[keys[last]!] ?? '';
    const row = level.get(v) as Row | undefined;
    if (row) {
      row.count += s.value;
      continue;
    }
    const r = {} as Record<string, string | number>;
    for (const k of keys) r[k] = labels[k] ?? '';
    r.count = s.value;
    level.set(v, r);
    out.push(r as Row);
  }
  return out;
}

const QUANTILES = ['0.5', '0.9', '0.99'];

/** A row being added up: histogram bucket counts (by index in `les`), or the busiest summary series so far. */
type GroupRow = LatencyRow & { buckets?: number[]; busiest?: Record<string, string>; busiestCount: number };

/**
 * Rows of a summary or histogram family grouped by one label: count, sum, mean and quantiles. Counts and sums add
 * up over the other labels. Histogram quantiles come from the added-up buckets; summary quantiles cannot be added,
 * so they are those of the busiest series of the group (the one with the largest _count).
 */
export function summaryRows(m: Map<string, MetricFamily>, family: string, label: string): LatencyRow[] {
  const f = m.get(family);
  if (!f) return [];
  const countName = `${family}_count`;
  const sumName = `${family}_sum`;
  const bucketName = `${family}_bucket`;
  const isSummary = f.type === 'summary';
  const isHistogram = f.type === 'histogram';
  const rows = new Map<string, GroupRow>();
  // Consecutive samples mostly belong to one series, so to one row: look the row up when the key changes.
  let lastKey: string | undefined;
  let lastRow: GroupRow | undefined;
  const row = (s: Sample): GroupRow => {
    const key = s.labels[label] ?? '';
    if (key === lastKey) return lastRow!;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, count: 0, sumSeconds: 0, meanSeconds: null, quantiles: {}, busiestCount: 0 }));
    lastKey = key;
    return (lastRow = r);
  };
  if (isSummary) {
    // First the busiest series of each group, then its quantiles.
    for (const s of f.samples) {
      if (s.name !== countName) continue;
      const r = row(s);
      r.count += s.value;
      if (!r.busiest || s.value > r.busiestCount) {
        r.busiest = s.labels;
        r.busiestCount = s.value;
      }
    }
  }
  // Histogram buckets: each distinct `le` once (its number, its index in the rows' bucket arrays).
  const leIndex = new Map<string | undefined, number>();
  const les: number[] = [];
  for (const s of f.samples) {
    const name = s.name;
    if (name === sumName) row(s).sumSeconds += s.value;
    else if (name === countName) {
      if (!isSummary) row(s).count += s.value;
    } else if (isSummary && name === family) {
      const q = s.labels.quantile;
      if (q === undefined) continue;
      const r = row(s);
      if (!r.busiest || sameSeries(s.labels, r.busiest, 'quantile')) r.quantiles[q] = s.value;
    } else if (isHistogram && name === bucketName) {
      const r = row(s);
      const text = s.labels.le;
      let i = leIndex.get(text);
      if (i === undefined) {
        leIndex.set(text, (i = les.length));
        les.push(text === '+Inf' ? Infinity : Number(text));
      }
      // Sparse: a row has the buckets its samples have.
      const b = (r.buckets ??= []);
      b[i] = (b[i] ?? 0) + s.value;
    }
  }
  const out: LatencyRow[] = [];
  for (const r of rows.values()) {
    const quantiles = r.quantiles;
    if (r.buckets) {
      // Buckets of equal bounds (e.g. "1" and "1.0") add up. forEach skips the holes.
      const byLe = new Map<number, number>();
      r.buckets.forEach((count, i) => byLe.set(les[i]!, (byLe.get(les[i]!) ?? 0) + count));
      const b = [...byLe].map(([le, count]) => ({ le, count }));
      for (const q of QUANTILES) quantiles[q] = histogramQuantile(Number(q), b) ?? NaN;
    }
    out.push({ key: r.key, count: r.count, sumSeconds: r.sumSeconds, meanSeconds: r.count > 0 ? r.sumSeconds / r.count : null, quantiles });
  }
  return out.sort((a, b) => cmp(a.key, b.key));
}

/** Whether two label sets are equal apart from the label `drop` (no strings built). */
function sameSeries(a: Record<string, string>, b: Record<string, string>, drop: string): boolean {
  let n = 0;
  for (const k in a) {
    if (k === drop) continue;
    if (!Object.hasOwn(b, k) || b[k] !== a[k]) return false;
    n++;
  }
  for (const k in b) if (k !== drop) n--;
  return n === 0;
}

/**
 * Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank; the +Inf bucket
 * answers the upper bound of the previous one. Buckets are cumulative counts keyed by `le`.
 */
export function histogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number | null {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  if (b.length < 2 || b[b.length - 1]!.le !== Infinity) return null;
  const total = b[b.length - 1]!.count;
  if (!(total > 0)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * total;
  let i = b.findIndex((x) => x.count >= rank);
  if (i < 0) i = b.length - 1;
  if (i === b.length - 1) return b[b.length - 2]!.le;
  const upper = b[i]!.le;
  const lower = i === 0 ? (upper > 0 ? 0 : upper) : b[i - 1]!.le;
  const below = i === 0 ? 0 : b[i - 1]!.count;
  const inBucket = b[i]!.count - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

function storageActions(m: Map<string, MetricFamily>): MetricsSummary['storageActions'] {
  const f = m.get(FAMILY.storageActions);
  if (!f || f.type !== 'histogram') return [];
  const groups = new Map<string, { driver: string; action: string; count: number; buckets: Array<{ le: number; count: number }> }>();
  const countName = `${f.name}_count`;
  const bucketName = `${f.name}_bucket`;
  for (const s of f.samples) {
    const driver = s.labels.driver ?? '';
    const action = s.labels.action ?? '';
    const k = `${driver}\u0000${action}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { driver, action, count: 0, buckets: [] }));
    if (s.name === countName) g.count = s.value;
    else if (s.name === bucketName) g.buckets.push({ le: Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), count: s.value });
  }
  return [...groups.values()]
    .map((g) => ({
      driver: g.driver,
      action: g.action,
      count: g.count,
      p50: histogramQuantile(0.5, g.buckets),
      p90: histogramQuantile(0.9, g.buckets),
      p99: histogramQuantile(0.99, g.buckets),
    }))
    .sort((a, b) => cmp(a.driver, b.driver) || cmp(a.action, b.action));
}

export function classifyStorageErrors(rows: Array<{ operation: string; code: string; count: number }>): StorageErrors {
  const series: StorageErrorRow[] = [];
  const alerts = new Map<string, { alert: string; code: string; count: number }>();
  let total = 0;
  let normal = 0;
  for (const r of rows) {
    const kind = storageErrorKind(r.code);
    const alert = kind === 'alert' ? STORAGE_ALERTS[r.code] : undefined;
    series.push(alert ? { ...r, kind, alert } : { ...r, kind });
    total += r.count;
    if (kind === 'normal') normal += r.count;
    if (alert && r.count > 0) {
      const a = alerts.get(alert) ?? { alert, code: r.code, count: 0 };
      a.count += r.count;
      alerts.set(alert, a);
    }
  }
  return { total, problems: total - normal, normal, alerts: [...alerts.values()].sort((a, b) => cmp(a.alert, b.alert)), series };
}

export function summarize(families: MetricFamily[]): MetricsSummary {
  const m = byName(families);
  const build = samplesOf(m, FAMILY.buildInfo)[0];
  const requests = sumBy(m, FAMILY.requests, ['method', 'code']).sort((a, b) => cmp(a.method, b.method) || cmp(a.code, b.code));
  const storageErrors = sumBy(m, FAMILY.storageErrors, ['operation', 'code']).sort((a, b) => b.count - a.count || cmp(a.operation, b.operation) || cmp(a.code, b.code));
  const pullthroughErrors = sumBy(m, FAMILY.pullthroughErrors, ['registry', 'operation', 'code']).sort((a, b) => b.count - a.count || cmp(a.registry, b.registry));
  const sum = (xs: Array<{ count: number }>) => xs.reduce((a, x) => a + x.count, 0);
  return {
    buildInfo: build ? { ...build.labels } : null,
    inFlight: single(m, FAMILY.inFlight),
    requests: { total: sum(requests), byMethodCode: requests },
    latency: summaryRows(m, FAMILY.requestDuration, 'method'),
    operations: summaryRows(m, FAMILY.operationDuration, 'operation'),
    digestCache: cacheStats(m, FAMILY.digestCache),
    digestCacheScoped: cacheStats(m, FAMILY.digestCacheScoped),
    blobDescriptorCache: cacheStats(m, FAMILY.blobDescriptorCache),
    pullthroughCache: cacheStats(m, FAMILY.pullthroughCache),
    storageErrors: classifyStorageErrors(storageErrors),
    pullthroughErrors: { total: sum(pullthroughErrors), series: pullthroughErrors },
    storageActions: storageActions(m),
    process: { startTimeSeconds: single(m, FAMILY.processStart), residentMemoryBytes: single(m, FAMILY.processRss) },
  };
}
