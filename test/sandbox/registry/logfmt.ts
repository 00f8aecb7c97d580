// Log lines in the registry's logrus text format (distribution: TextFormatter, RFC3339Nano timestamps,
// keys after time/level/msg sorted, values quoted only when logrus would quote them).

export const GO_VERSION = 'go1.22.9 (Red Hat 1.22.9-2.el9_5) X:strictfipsruntime';

export type Level = 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'panic';
export type Fields = Record<string, string | number | undefined>;

function needsQuoting(s: string): boolean {
  if (s.length === 0) return false;
  return !/^[A-Za-z0-9\-._/@^+]+$/.test(s);
}

function fmtValue(v: string | number): string {
  const s = String(v);
  return needsQuoting(s) ? JSON.stringify(s) : s;
}

/** RFC3339Nano in UTC with trailing zeros trimmed, like Go's time.Format(time.RFC3339Nano). */
export function rfc3339Nano(d: Date = new Date()): string {
  const iso = d.toISOString(); // 2026-11-24T10:00:00.123Z
  const subMs = Number(process.hrtime.bigint() % 1_000_000n);
  let frac = iso.slice(20, 23) + String(subMs).padStart(6, '0');
  frac = frac.replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

/** Go's time.Duration.String() for a duration in nanoseconds. */
export function goDuration(ns: number): string {
  ns = Math.max(0, Math.round(ns));
  const trim = (v: number, digits: number) => v.toFixed(digits).replace(/\.?0+$/, '');
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3, 3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6, 6)}ms`;
  const s = ns / 1e9;
  if (s < 60) return `${trim(s, 9)}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m${trim(rest, 9)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${trim(rest, 9)}s`;
}

export function logLine(level: Level, msg: string, fields: Fields = {}, time: Date = new Date()): string {
  const parts = [`time="${rfc3339Nano(time)}"`, `level=${level}`, `msg=${fmtValue(msg)}`];
  for (const k of Object.keys(fields).sort()) {
    const v = fields[k];
    if (v === undefined) continue;
    parts.push(`${k}=${fmtValue(v)}`);
  }
  return parts.join(' ');
}
