// Container log timestamps as a node has them: conmon stamps each line with CLOCK_REALTIME in nanoseconds
// (src/ctr_logging.c `set_k8s_timestamp`), the kubelet re-formats it as RFC3339NanoFixed — always nine
// fractional digits, `Z` on a UTC node (pkg/kubelet/kuberuntime/logs/logs.go `timeFormatOut`).
// A Date holds milliseconds, so a log line keeps the nanoseconds after its millisecond separately.

export interface LogTime {
  time: Date;
  /** Nanoseconds after `time`'s millisecond, 0–999 999. */
  nanos: number;
}

let last = 0n;

/** Now, in nanoseconds since the epoch: milliseconds from the wall clock, the rest from the monotonic clock; never repeats. */
export function nowLogTime(): LogTime {
  let ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (ns <= last) ns = last + 1n;
  last = ns;
  return { time: new Date(Number(ns / 1_000_000n)), nanos: Number(ns % 1_000_000n) };
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** `2026-01-02T03:04:05.123456789Z` (any RFC3339 time, up to nine fractional digits) → LogTime. */
export function parseLogTime(s: string): LogTime {
  const m = RFC3339.exec(s);
  const secs = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(secs)) throw new Error(`not an RFC3339 time: ${s}`);
  const frac = (m[2] ?? '').padEnd(9, '0');
  return { time: new Date(secs + Number(frac.slice(0, 3))), nanos: Number(frac.slice(3)) };
}

/** Go's RFC3339NanoFixed in UTC: `2006-01-02T15:04:05.000000000Z`. */
export function rfc3339NanoFixed(t: LogTime | { time: Date; nanos?: number }): string {
  return `${t.time.toISOString().slice(0, 23)}${String(t.nanos ?? 0).padStart(6, '0')}Z`;
}
