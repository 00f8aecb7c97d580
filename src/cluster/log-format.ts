// Pure log-line logic for `regctl logs`: levels of logrus (registry) and klog (operator) lines, the
// JSON record of a line, and the shaper that turns blocks of complete lines into output (prefix, level
// filter, NDJSON). Works on blocks so the common cases cost a few native string operations per chunk.

export const LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'fatal', 'panic'] as const;
export type Level = (typeof LEVELS)[number];

const ALIASES: Record<string, Level> = { warn: 'warning', err: 'error', critical: 'fatal', crit: 'fatal' };

/** `warn`, `WARNING`, `error`… → the canonical level; undefined when unknown. */
export function normalizeLevel(s: string): Level | undefined {
  const l = s.toLowerCase();
  if ((LEVELS as readonly string[]).includes(l)) return l as Level;
  return ALIASES[l];
}

export function levelRank(l: Level): number {
  return LEVELS.indexOf(l);
}

const KLOG: Record<string, Level> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The kubelet's `--timestamps` prefix: RFC3339Nano then one space. Returns the index after the space, or 0. */
export function timestampEnd(line: string): number {
  if (line.length < 21 || !isDigit(line.charCodeAt(0)) || line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84) return 0;
  const sp = line.indexOf(' ');
  return sp > 0 && sp <= 40 ? sp + 1 : 0;
}

/** klog header `I1124 21:03:00.123456       1 file.go:123] msg` at `start`? */
function isKlog(line: string, start: number): boolean {
  return (
    KLOG[line[start] ?? ''] !== undefined &&
    isDigit(line.charCodeAt(start + 1)) &&
    isDigit(line.charCodeAt(start + 4)) &&
    line.charCodeAt(start + 5) === 32 &&
    line.charCodeAt(start + 8) === 58
  );
}

/** The level written in a line (logrus `level=`, klog severity letter, JSON "level"), or undefined. */
export function lineLevel(line: string, start = 0): Level | undefined {
  if (isKlog(line, start)) return KLOG[line[start]!];
  let p = line.indexOf('level=', start);
  while (p > start && line.charCodeAt(p - 1) !== 32) p = line.indexOf('level=', p + 6);
  if (p >= 0) {
    let v = p + 6;
    if (line.charCodeAt(v) === 34) v++;
    let e = v;
    while (e < line.length && line.charCodeAt(e) !== 32 && line.charCodeAt(e) !== 34) e++;
    return normalizeLevel(line.slice(v, e));
  }
  if (line.charCodeAt(start) === 123) {
    const j = line.indexOf('"level":"', start);
    if (j >= 0) {
      const e = line.indexOf('"', j + 9);
      if (e > 0) return normalizeLevel(line.slice(j + 9, e));
    }
  }
  if (line.startsWith('panic:', start)) return 'panic';
  if (line.startsWith('fatal error:', start)) return 'fatal';
  return undefined;
}

/** Go strconv.Unquote for a double-quoted string starting at `i` (the quote). Returns value and end index. */
export function unquoteGo(s: string, i: number): { value: string; end: number } | undefined {
  let j = i + 1;
  const close = s.indexOf('"', j);
  if (close < 0) return undefined;
  const fast = s.slice(j, close);
  if (fast.indexOf('\\') < 0) return { value: fast, end: close + 1 };
  let out = '';
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"') return { value: out, end: j + 1 };
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const n = s[j + 1];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', "'": "'" };
    if (n !== undefined && simple[n] !== undefined) {
      out += simple[n];
      j += 2;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = s.slice(j + 2, j + 2 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return undefined;
      const cp = parseInt(hex, 16);
      out += n === 'x' ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      j += 2 + len;
    } else if (n !== undefined && n >= '0' && n <= '7') {
      const oct = s.slice(j + 1, j + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      out += String.fromCharCode(parseInt(oct, 8));
      j += 4;
    } else return undefined;
  }
  return undefined;
}

/** logfmt as a flat [key, value, key, value, …] list; undefined when the text is not logfmt. */
export function logfmtPairs(s: string, start = 0): string[] | undefined {
  const out: string[] = [];
  let i = start;
  const n = s.length;
  while (i < n) {
    while (s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    let k = i;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c === 61 || c === 32) break;
      k++;
    }
    if (k === i || s.charCodeAt(k) !== 61) return undefined;
    const key = s.slice(i, k);
    let value: string;
    if (s.charCodeAt(k + 1) === 34) {
      const q = unquoteGo(s, k + 1);
      if (!q) return undefined;
      value = q.value;
      i = q.end;
    } else {
      let e = k + 1;
      while (e < n && s.charCodeAt(e) !== 32) e++;
      value = s.slice(k + 1, e);
      i = e;
    }
    out.push(key, value);
  }
  return out.length ? out : undefined;
}

/** logfmt pairs as an object (later keys win); undefined when the text is not logfmt. */
export function parseLogfmt(s: string, start = 0): Record<string, string> | undefined {
  const pairs = logfmtPairs(s, start);
  if (!pairs) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] !== '__proto__') out[pairs[i]!] = pairs[i + 1]!;
  return out;
}

export interface LogRecord {
  pod: string;
  container: string;
  /** The kubelet's receive timestamp (RFC3339Nano), when requested. */
  timestamp?: string;
  /** The line's own time (logrus time=, klog header), else the kubelet's timestamp; null when neither. */
  time: string | null;
  level: Level | null;
  msg: string;
  /** The other logfmt fields (logrus), or {source: "file.go:123"} for klog. */
  fields: Record<string, string>;
}

const MONTH_DAY = /^[IWEF](\d\d)(\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)\s+\d+ ([^\]\s]+)\] /;

interface ParsedLine {
  time: string | null;
  level: Level | null;
  msg: string;
  /** Flat [key, value, …] of the other fields. */
  fields: string[];
}

/** One log line (without the kubelet timestamp) split into time, level, message and fields. */
export function parseLine(line: string, kubeletTs: string | undefined, now: Date = new Date()): ParsedLine {
  if (isKlog(line, 0)) {
    const m = MONTH_DAY.exec(line);
    if (m) {
      // klog has no year: take the kubelet's, else this year (UTC).
      const year = kubeletTs ? kubeletTs.slice(0, 4) : String(now.getUTCFullYear());
      return { time: `${year}-${m[1]}-${m[2]}T${m[3]}Z`, level: KLOG[line[0]!]!, msg: line.slice(m[0].length), fields: ['source', m[4]!] };
    }
  }
  const pairs = line.indexOf('=') > 0 ? logfmtPairs(line) : undefined;
  if (pairs) {
    let time: string | undefined;
    let level: string | undefined;
    let msg: string | undefined;
    const fields: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      const k = pairs[i]!;
      const v = pairs[i + 1]!;
      if (k === 'time') time = v;
      else if (k === 'level') level = v;
      else if (k === 'msg') msg = v;
      else fields.push(k, v);
    }
    if (msg !== undefined || level !== undefined) {
      return { time: time ?? kubeletTs ?? null, level: level ? (normalizeLevel(level) ?? null) : null, msg: msg ?? '', fields };
    }
  }
  return { time: kubeletTs ?? null, level: lineLevel(line) ?? null, msg: line, fields: [] };
}

/** One log line (without the kubelet timestamp) → the JSON record. */
export function toRecord(pod: string, container: string, line: string, kubeletTs: string | undefined, now: Date = new Date()): LogRecord {
  const p = parseLine(line, kubeletTs, now);
  const fields: Record<string, string> = {};
  for (let i = 0; i < p.fields.length; i += 2) if (p.fields[i] !== '__proto__') fields[p.fields[i]!] = p.fields[i + 1]!;
  return { pod, container, ...(kubeletTs ? { timestamp: kubeletTs } : {}), time: p.time, level: p.level, msg: p.msg, fields };
}

const q = JSON.stringify;

/** The JSON text of toRecord(…), assembled directly (this runs for every line of -o json). */
export function recordJSON(head: string, line: string, kubeletTs: string | undefined): string {
  const p = parseLine(line, kubeletTs);
  let f = '{';
  // Later keys win, as in an object (logrus never repeats a key; this keeps the JSON clean if a line does).
  for (let i = 0; i < p.fields.length; i += 2) {
    for (let j = i + 2; j < p.fields.length; j += 2) {
      if (p.fields[j] === p.fields[i]) {
        p.fields[i] = '';
        break;
      }
    }
  }
  let first = true;
  for (let i = 0; i < p.fields.length; i += 2) {
    const k = p.fields[i]!;
    if (!k || k === '__proto__') continue;
    f += (first ? '' : ',') + q(k) + ':' + q(p.fields[i + 1]);
    first = false;
  }
  return (
    head +
    (kubeletTs ? ',"timestamp":' + q(kubeletTs) : '') +
    ',"time":' + (p.time === null ? 'null' : q(p.time)) +
    ',"level":' + (p.level === null ? 'null' : '"' + p.level + '"') +
    ',"msg":' + q(p.msg) +
    ',"fields":' + f + '}}\n'
  );
}

export interface ShaperOptions {
  pod: string;
  container: string;
  /** Prepended to every output line in text mode (e.g. "[pod] "), possibly coloured. */
  prefix?: string;
  /** Keep lines at this level or above. Lines without a level take the level of the line before them. */
  minLevel?: Level;
  json?: boolean;
  /** The lines carry the kubelet's timestamp (requested with timestamps=true). */
  hasTimestamps?: boolean;
  /** Text mode: keep the kubelet timestamp in the output (--timestamps). */
  showTimestamps?: boolean;
}

/** Turns blocks of complete lines (each ending in "\n") of one container into output text. */
export class LineShaper {
  private lastRank = -1;
  private head?: string;
  private readonly minRank: number;
  /** Looks at each line (filter, JSON, timestamp stripping): needs whole lines. */
  readonly perLine: boolean;

  constructor(private readonly o: ShaperOptions) {
    this.minRank = o.minLevel ? levelRank(o.minLevel) : -1;
    this.perLine = Boolean(o.json || o.minLevel || (o.hasTimestamps && !o.showTimestamps));
  }

  shape(block: string): string {
    if (!block) return '';
    if (!this.perLine) {
      const p = this.o.prefix;
      if (!p) return block;
      return p + block.slice(0, -1).replaceAll('\n', '\n' + p) + '\n';
    }
    let out = '';
    let pos = 0;
    while (pos < block.length) {
      let end = block.indexOf('\n', pos);
      if (end < 0) end = block.length;
      const line = block.slice(pos, end);
      pos = end + 1;
      const r = this.shapeLine(line);
      if (r !== undefined) out += r;
    }
    return out;
  }

  private shapeLine(line: string): string | undefined {
    const tsEnd = this.o.hasTimestamps ? timestampEnd(line) : 0;
    if (this.minRank >= 0) {
      const l = lineLevel(line, tsEnd);
      if (l) this.lastRank = levelRank(l);
      if (this.lastRank < this.minRank) return undefined;
    }
    if (this.o.json) {
      this.head ??= '{"pod":' + q(this.o.pod) + ',"container":' + q(this.o.container);
      return recordJSON(this.head, tsEnd ? line.slice(tsEnd) : line, tsEnd ? line.slice(0, tsEnd - 1) : undefined);
    }
    const text = tsEnd && !this.o.showTimestamps ? line.slice(tsEnd) : line;
    return (this.o.prefix ?? '') + text + '\n';
  }
}
