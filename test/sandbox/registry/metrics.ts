// Prometheus text exposition for the registry front: counters, gauges and summaries kept in memory,
// named and described like openshift/image-registry's metrics (pkg/dockerregistry/server/metrics).

type Labels = Record<string, string>;

const QUANTILES = [0.5, 0.9, 0.99];
const WINDOW = 1000;

function labelKey(l: Labels): string {
  return JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));
}

function fmtLabels(l: Labels, extra?: Labels): string {
  const all = { ...l, ...extra };
  const keys = Object.keys(all).sort();
  if (!keys.length) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return '{' + keys.map((k) => `${k}="${esc(all[k]!)}"`).join(',') + '}';
}

function fmtNum(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary';
  render(): string[];
}

export class Counter implements Family {
  readonly type = 'counter' as const;
  private values = new Map<string, { labels: Labels; v: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    const e = this.values.get(k) ?? { labels, v: 0 };
    e.v += by;
    this.values.set(k, e);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.v ?? 0;
  }
  render(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${fmtLabels(e.labels)} ${fmtNum(e.v)}`);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge' as const;
  private values = new Map<string, { labels: Labels; v: number | (() => number) }>();
  constructor(readonly name: string, readonly help: string) {}
  set(v: number | (() => number), labels: Labels = {}): void {
    this.values.set(labelKey(labels), { labels, v });
  }
  add(by: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    const e = this.values.get(k);
    const cur = e ? (typeof e.v === 'function' ? e.v() : e.v) : 0;
    this.values.set(k, { labels, v: cur + by });
  }
  get(labels: Labels = {}): number {
    const e = this.values.get(labelKey(labels));
    return e ? (typeof e.v === 'function' ? e.v() : e.v) : 0;
  }
  render(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${fmtLabels(e.labels)} ${fmtNum(typeof e.v === 'function' ? e.v() : e.v)}`);
  }
}

/** A summary whose quantiles are computed over the last WINDOW observations per label set. */
export class Summary implements Family {
  readonly type = 'summary' as const;
  private values = new Map<string, { labels: Labels; window: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly alwaysPresent = false) {
    if (alwaysPresent) this.values.set(labelKey({}), { labels: {}, window: [], sum: 0, count: 0 });
  }
  observe(v: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    const e = this.values.get(k) ?? { labels, window: [], sum: 0, count: 0 };
    e.window.push(v);
    if (e.window.length > WINDOW) e.window.shift();
    e.sum += v;
    e.count += 1;
    this.values.set(k, e);
  }
  count(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.count ?? 0;
  }
  render(): string[] {
    const out: string[] = [];
    for (const e of this.values.values()) {
      const sorted = [...e.window].sort((a, b) => a - b);
      for (const q of QUANTILES) {
        const v = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
        out.push(`${this.name}${fmtLabels(e.labels, { quantile: String(q) })} ${fmtNum(v)}`);
      }
      out.push(`${this.name}_sum${fmtLabels(e.labels)} ${fmtNum(e.sum)}`);
      out.push(`${this.name}_count${fmtLabels(e.labels)} ${fmtNum(e.count)}`);
    }
    return out;
  }
}

export interface RegistryMetrics {
  buildInfo: Gauge;
  inFlight: Gauge;
  requestsTotal: Counter;
  requestDuration: Summary;
  requestSize: Summary;
  responseSize: Summary;
  operationDuration: Summary;
  storageDuration: Summary;
  storageErrors: Counter;
  digestCache: Counter;
  digestCacheScoped: Counter;
  storageCache: Counter;
  promhttpRequests: Counter;
  /** Prometheus text exposition format (version 0.0.4). */
  render(): string;
}

export function createMetrics(): RegistryMetrics {
  const startSeconds = Math.floor(Date.now() / 1000 - process.uptime());
  const families: Family[] = [];
  const add = <T extends Family>(f: T): T => (families.push(f), f);

  const goGoroutines = add(new Gauge('go_goroutines', 'Number of goroutines that currently exist.'));
  goGoroutines.set(() => 12 + Math.max(0, m.inFlight.get()));
  const goThreads = add(new Gauge('go_threads', 'Number of OS threads created.'));
  goThreads.set(11);
  const goMemAlloc = add(new Gauge('go_memstats_alloc_bytes', 'Number of bytes allocated and still in use.'));
  goMemAlloc.set(() => process.memoryUsage().heapUsed);
  const goInfo = add(new Gauge('go_info', 'Information about the Go environment.'));
  goInfo.set(1, { version: 'go1.22.9 (Red Hat 1.22.9-2.el9_5) X:strictfipsruntime' });

  const m: RegistryMetrics = {
    buildInfo: add(new Gauge('imageregistry_build_info', "A metric with a constant '1' value labeled by major, minor, git commit & git version from which the image registry was built.")),
    digestCache: add(new Counter('imageregistry_digest_cache_requests_total', 'Total number of requests without scope to the digest cache.')),
    digestCacheScoped: add(new Counter('imageregistry_digest_cache_scoped_requests_total', 'Total number of scoped requests to the digest cache.')),
    inFlight: add(new Gauge('imageregistry_http_in_flight_requests', 'A gauge of requests currently being served by the registry.')),
    requestDuration: add(new Summary('imageregistry_http_request_duration_seconds', 'A histogram of latencies for requests to the registry.')),
    requestSize: add(new Summary('imageregistry_http_request_size_bytes', 'A histogram of sizes of requests to the registry.', true)),
    requestsTotal: add(new Counter('imageregistry_http_requests_total', 'A counter for requests to the registry.')),
    responseSize: add(new Summary('imageregistry_http_response_size_bytes', 'A histogram of response sizes for requests to the registry.', true)),
    operationDuration: add(new Summary('imageregistry_request_duration_seconds', 'Request latency in seconds for each operation.')),
    storageDuration: add(new Summary('imageregistry_storage_duration_seconds', 'Latency of operations with the storage.')),
    storageErrors: add(new Counter('imageregistry_storage_errors_total', 'Cumulative number of failed operations with the storage.')),
    storageCache: add(new Counter('registry_storage_cache_total', 'The number of cache request received')),
    promhttpRequests: add(new Counter('promhttp_metric_handler_requests_total', 'Total number of scrapes by HTTP status code.')),
    render() {
      const lines: string[] = [];
      const sorted = [...families].sort((a, b) => a.name.localeCompare(b.name));
      for (const f of sorted) {
        const body = f.render();
        if (!body.length) continue;
        lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...body);
      }
      return lines.join('\n') + '\n';
    },
  };
  m.buildInfo.set(1, { gitCommit: 'd4cce00', gitVersion: 'v4.17.0-202601190000.p0.gd4cce00.assembly.stream.el9-d4cce00', major: '4', minor: '17' });
  m.inFlight.set(0);

  const cpu = add(new Gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.'));
  cpu.set(() => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  });
  const rss = add(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.'));
  rss.set(() => process.memoryUsage().rss);
  const start = add(new Gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.'));
  start.set(startSeconds);
  const maxFds = add(new Gauge('process_max_fds', 'Maximum number of open file descriptors.'));
  maxFds.set(1048576);
  const inflightScrapes = add(new Gauge('promhttp_metric_handler_requests_in_flight', 'Current number of scrapes being served.'));
  inflightScrapes.set(1);
  return m;
}
