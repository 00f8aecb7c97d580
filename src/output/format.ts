/** kubectl-style age: 45s, 12m, 3h20m, 5d, 2y. */
export function age(from: string | Date | undefined, now: Date = new Date()): string {
  if (!from) return '<unknown>';
  const ms = now.getTime() - new Date(from).getTime();
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Parses durations like 30s, 5m, 1h30m, 2h, 1d, plain seconds. */
export function parseDuration(v: string): number | undefined {
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'ms' ? n : unit === 's' ? n * 1e3 : unit === 'm' ? n * 6e4 : unit === 'h' ? n * 3.6e6 : n * 8.64e7;
    consumed += m[0].length;
  }
  return consumed === t.length && consumed > 0 ? total : undefined;
}
