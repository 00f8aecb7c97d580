// CronJob schedules as the API server validates them and kube-controller-manager runs them: robfig/cron/v3
// ParseStandard (5 fields: minute hour day-of-month month day-of-week; lists, ranges, steps, `*`/`?`, month and
// weekday names, @yearly … @hourly, `@every D`), with kube's rule that a schedule may not carry TZ=/CRON_TZ=
// (kubernetes pkg/apis/batch/validation/validation.go validateScheduleFormat). Times are UTC: the CronJobs the
// operator renders have no timeZone, and the controller manager runs in UTC on OpenShift.

export interface CronSchedule {
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

interface Bounds {
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] };
const DOW: Bounds = { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Field {
  values: Set<number>;
  /** `*` or `?` without a step > 1: robfig's star bit (matters for the day fields). */
  star: boolean;
}

function parseInt10(s: string, expr: string): number {
  if (!/^-?\d+$/.test(s)) throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseValue(s: string, b: Bounds, expr: string): number {
  const i = b.names?.indexOf(s.toLowerCase()) ?? -1;
  if (i >= 0) return i + (b === MONTH ? 1 : 0);
  return parseInt10(s, expr);
}

function parseField(spec: string, b: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const expr of spec.split(',')) {
    const rangeAndStep = expr.split('/');
    const lowAndHigh = rangeAndStep[0]!.split('-');
    const single = lowAndHigh.length === 1;
    let start: number;
    let end: number;
    let exprStar = false;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
      [start, end, exprStar] = [b.min, b.max, true];
    } else {
      start = parseValue(lowAndHigh[0]!, b, expr);
      if (lowAndHigh.length === 1) end = start;
      else if (lowAndHigh.length === 2) end = parseValue(lowAndHigh[1]!, b, expr);
      else throw new Error(`too many hyphens: ${expr}`);
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      step = parseInt10(rangeAndStep[1]!, expr);
      if (single) end = b.max;
      if (step > 1) exprStar = false;
    } else if (rangeAndStep.length > 2) {
      throw new Error(`too many slashes: ${expr}`);
    }
    if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
    if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= exprStar;
  }
  return { values, star };
}

/** Go's time.ParseDuration for `@every` (units ns…h), in milliseconds. */
function goDurationMs(s: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  if (!/^([0-9.]+(ns|us|µs|ms|s|m|h))+$/.test(s)) throw new Error(`failed to parse duration @every ${s}: time: invalid duration "${s}"`);
  let total = 0;
  for (const m of s.matchAll(/([0-9.]+)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

/** Parses a schedule; throws an Error worded as the API server's (robfig/cron) on a bad one. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.includes('TZ')) throw new Error('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  const s = spec.trim();
  if (!s) throw new Error('empty spec string');
  if (s.startsWith('@every ')) {
    const ms = Math.max(1000, Math.floor(goDurationMs(s.slice(7).trim()) / 1000) * 1000);
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + ms) };
  }
  let expanded = s;
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s];
    if (!d) throw new Error(`unrecognized descriptor: ${s}`);
    expanded = d;
  }
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const [minute, hour, dom, month, dow] = [parseField(parts[0]!, MINUTE), parseField(parts[1]!, HOUR), parseField(parts[2]!, DOM), parseField(parts[3]!, MONTH), parseField(parts[4]!, DOW)];
  const dayMatches = (t: Date): boolean => {
    const a = dom.values.has(t.getUTCDate());
    const b = dow.values.has(t.getUTCDay());
    return dom.star || dow.star ? a && b : a || b;
  };
  return {
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const limit = t.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() < limit) {
        if (!month.values.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hour.values.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minute.values.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else {
          return t;
        }
      }
      throw new Error(`no time in the next five years matches ${spec}`);
    },
  };
}

/** The API server's complaint about a schedule, or undefined when it accepts it. */
export function scheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
