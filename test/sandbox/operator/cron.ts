// Standard cron schedules as kube-controller-manager's CronJob controller reads them (robfig/cron/v3
// ParseStandard): 5 fields (minute hour day-of-month month day-of-week) with lists, ranges, steps, `*`/`?`, month
// and weekday names, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly descriptors and `@every D`.
// Times are UTC (the controller manager's zone on OpenShift). Errors are robfig's (parser.go), which kube-apiserver
// returns as `spec.schedule: Invalid value: "…": <error>` (batch-admission.ts).

export interface Schedule {
  next(after: Date): Date;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

function field(spec: string, min: number, max: number, names?: string[]): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  const num = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return i + (names === MONTHS ? 1 : 0);
    if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
    return Number(s);
  };
  for (const part of spec.split(',')) {
    const [range, stepS] = part.split('/');
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [min, max];
      if (stepS === undefined) star = true;
    } else {
      const [a, b] = range!.split('-');
      lo = num(a!);
      hi = b !== undefined ? num(b) : stepS !== undefined ? max : lo;
    }
    const step = stepS !== undefined ? num(stepS) : 1;
    // robfig/cron v3 parser.go getRange, in its order and words.
    if (lo < min) throw new Error(`beginning of range (${lo}) below minimum (${min}): ${part}`);
    if (hi > max) throw new Error(`end of range (${hi}) above maximum (${max}): ${part}`);
    if (lo > hi) throw new Error(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step < 1) throw new Error(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

export function parseSchedule(spec: string): Schedule {
  let s = spec.trim();
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) s = s.slice(s.indexOf(' ') + 1).trim();
  const every = /^@every\s+(.+)$/.exec(s);
  if (every) {
    const ms = durationMs(every[1]!);
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + Math.max(1000, ms)) };
  }
  s = DESCRIPTORS[s] ?? s;
  const parts = s.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${spec}]`);
  const minute = field(parts[0]!, 0, 59);
  const hour = field(parts[1]!, 0, 23);
  const dom = field(parts[2]!, 1, 31);
  const month = field(parts[3]!, 1, 12, MONTHS);
  const dow = field(parts[4]!, 0, 6, DAYS); // robfig: dow bounds 0-6 (7 is refused, unlike Vixie cron)
  // robfig: with both day fields restricted, either matches; with one `*`, only the other counts.
  const dayOk = (d: Date): boolean => {
    const a = dom.set.has(d.getUTCDate());
    const b = dow.set.has(d.getUTCDay());
    return dom.star || dow.star ? a && b : a || b;
  };
  return {
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const limit = t.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() < limit) {
        if (!month.set.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!dayOk(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!hour.set.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minute.set.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return t;
      }
      throw new Error(`no time matches ${spec}`);
    },
  };
}

function durationMs(s: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) total += Number(m[1]) * unit[m[2]!]!;
  if (!total) throw new Error(`time: invalid duration "${s}"`);
  return total;
}
