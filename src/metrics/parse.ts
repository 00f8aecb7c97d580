// A small, strict parser for the Prometheus text exposition format (version 0.0.4), as served by
// promhttp. Hand-written scanner (char codes, and sticky single-class regexes for tokens): linear time,
// nothing that can backtrack.

export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';

export interface Sample {
  /** The sample's own name: for summaries/histograms also `<family>_sum`, `_count`, `_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exposition gives one. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class ParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ParseError';
  }
}

const TYPES = new Set<string>(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const EQUALS = 61;
const HASH = 35;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isLabelStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function isMetricName(s: string): boolean {
  if (!s.length || !isNameStart(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
// Sticky scanners: one native call per token instead of a JavaScript loop per character (this matters
// most on a cold start, before the JIT has compiled the loops). Single character classes: no backtracking.
const NAME_TAIL = /[a-zA-Z0-9_:]*/y;
const LABEL_TAIL = /[a-zA-Z0-9_]*/y;
const TOKEN = /[^ \t\r\n]*/y;

function scan(re: RegExp, t: string, i: number, end: number): number {
  re.lastIndex = i;
  re.test(t);
  return Math.min(re.lastIndex, end);
}
const INT = /^-?\d+$/;

/** Go's strconv.ParseFloat as used by expfmt: decimals, exponents, NaN and ±Inf (case-insensitive). */
export function parseValue(tok: string): number | undefined {
  if (FLOAT.test(tok)) return Number(tok);
  const l = tok.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === '+inf' || l === 'inf' || l === '+infinity' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return undefined;
}

/** Plain integers (most counters and bucket counts) without slicing a token; undefined for anything else. */
function parseIntFast(t: string, i: number, end: number): number | undefined {
  if (end - i > 15) return undefined;
  let v = 0;
  for (let k = i; k < end; k++) {
    const c = t.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return end > i ? v : undefined;
}

/** Formats a value the way Prometheus writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function setLabel(labels: Record<string, string>, k: string, v: string): void {
  if (k === '__proto__') Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
  else labels[k] = v;
}

/** Unescapes a HELP docstring: only `\\` and `\n` are escapes; any other backslash stays literal (as expfmt does). */
function unescapeHelp(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (n === '\\') {
        out += '\\';
        i++;
        continue;
      }
      if (n === 'n') {
        out += '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/**
 * Parses an exposition. Strict: invalid names, unknown escapes in label values, duplicate labels, a second
 * HELP/TYPE, TYPE after samples, families split into several groups, summary samples without `quantile`,
 * histogram buckets without `le` and malformed values all throw ParseError naming the line.
 */
export function parsePrometheusText(text: string): MetricFamily[] {
  return new Parser(text).run();
}

/** One parse. Each line is handled by a small method, which V8 optimizes after a few hundred lines. */
class Parser {
  private readonly families: MetricFamily[] = [];
  private readonly byName = new Map<string, MetricFamily>();
  private readonly closed = new Set<MetricFamily>();
  private readonly typed = new Set<MetricFamily>();
  private readonly helped = new Set<MetricFamily>();
  private current: MetricFamily | undefined;
  private lineNo = 0;
  private lastName = '';
  private readonly keyCache: string[] = [];
  private readonly seen: string[] = [];
  private readonly special: Special = {};

  constructor(private readonly text: string) {}

  run(): MetricFamily[] {
    const text = this.text;
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      this.lineNo++;
      let end = text.indexOf('\n', pos);
      if (end < 0) end = n;
      let lineEnd = end;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const i = skipBlank(text, pos, lineEnd);
      pos = end + 1;
      if (i >= lineEnd) continue;
      if (text.charCodeAt(i) === HASH) this.comment(i, lineEnd);
      else this.sample(i, lineEnd);
    }
    return this.families;
  }

  private family(name: string): MetricFamily {
    let f = this.byName.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      this.byName.set(name, f);
      this.families.push(f);
    } else if (this.closed.has(f)) {
      throw new ParseError(this.lineNo, `lines of metric family ${name} are not grouped together`);
    }
    if (this.current !== f) {
      if (this.current) this.closed.add(this.current);
      this.current = f;
    }
    return f;
  }

  /** The family a sample name belongs to (suffixes of summaries/histograms declared by TYPE). */
  private familyOfSample(name: string): MetricFamily {
    const cur = this.current;
    if (cur && (name === cur.name || belongs(cur, name))) return cur;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const f = this.byName.get(base);
      if (f && belongs(f, name)) return this.family(base);
    }
    return this.family(name);
  }

  /** "# HELP name doc" / "# TYPE name type"; any other comment is ignored. */
  private comment(i: number, lineEnd: number): void {
    const text = this.text;
    const lineNo = this.lineNo;
    const j = skipBlank(text, i + 1, lineEnd);
    if (j === i + 1) return;
    const kwEnd = skipToken(text, j, lineEnd);
    const kw = text.slice(j, kwEnd);
    if (kw !== 'HELP' && kw !== 'TYPE') return;
    let k = skipBlank(text, kwEnd, lineEnd);
    const nameEnd = skipToken(text, k, lineEnd);
    const name = text.slice(k, nameEnd);
    if (!isMetricName(name)) throw new ParseError(lineNo, `invalid metric name "${name}" in ${kw} line`);
    k = skipBlank(text, nameEnd, lineEnd);
    const f = this.family(name);
    if (kw === 'HELP') {
      if (this.helped.has(f)) throw new ParseError(lineNo, `second HELP line for metric ${name}`);
      this.helped.add(f);
      f.help = unescapeHelp(text.slice(k, lineEnd));
      return;
    }
    if (this.typed.has(f)) throw new ParseError(lineNo, `second TYPE line for metric ${name}`);
    if (f.samples.length) throw new ParseError(lineNo, `TYPE line for metric ${name} after its samples`);
    const tEnd = skipToken(text, k, lineEnd);
    const t = text.slice(k, tEnd);
    if (!TYPES.has(t)) throw new ParseError(lineNo, `unknown metric type "${t}" for ${name}`);
    if (skipBlank(text, tEnd, lineEnd) !== lineEnd) throw new ParseError(lineNo, `unexpected text after the type of ${name}`);
    this.typed.add(f);
    f.type = t as MetricType;
  }

  /** name [{labels}] value [timestamp] */
  private sample(i: number, lineEnd: number): void {
    const text = this.text;
    const lineNo = this.lineNo;
    if (!isNameStart(text.charCodeAt(i))) throw new ParseError(lineNo, `invalid metric name at "${text.slice(i, Math.min(lineEnd, i + 20))}"`);
    let j = scan(NAME_TAIL, text, i + 1, lineEnd);
    // Consecutive samples mostly share their name: reuse the string instead of slicing a new one.
    const last = this.lastName;
    const name = j - i === last.length && text.startsWith(last, i) ? last : (this.lastName = text.slice(i, j));
    const b = skipBlank(text, j, lineEnd);
    let from = -1;
    const special = this.special;
    special.quantile = special.le = undefined;
    if (b < lineEnd && text.charCodeAt(b) === LBRACE) {
      from = b + 1;
      this.seen.length = 0;
      j = parseLabels(text, from, lineEnd, lineNo, this.keyCache, null, this.seen, special);
    }
    if (j < lineEnd && text.charCodeAt(j) !== SPACE && text.charCodeAt(j) !== TAB) {
      throw new ParseError(lineNo, `invalid character "${text[j]}" after metric name ${name}`);
    }
    j = skipBlank(text, j, lineEnd);
    const vEnd = scan(TOKEN, text, j, lineEnd);
    if (vEnd === j) throw new ParseError(lineNo, `missing value for ${name}`);
    const value = parseIntFast(text, j, vEnd) ?? parseValue(text.slice(j, vEnd));
    if (value === undefined) throw new ParseError(lineNo, `invalid value "${text.slice(j, vEnd)}" for ${name}`);
    const sample = new ParsedSample(name, value, text, from, lineEnd);
    j = skipBlank(text, vEnd, lineEnd);
    if (j < lineEnd) {
      const tEnd = skipToken(text, j, lineEnd);
      const ts = text.slice(j, tEnd);
      if (!INT.test(ts)) throw new ParseError(lineNo, `invalid timestamp "${ts}" for ${name}`);
      sample.timestampMs = Number(ts);
      if (skipBlank(text, tEnd, lineEnd) !== lineEnd) throw new ParseError(lineNo, `unexpected text after the timestamp of ${name}`);
    }
    const f = this.familyOfSample(name);
    checkSample(f, sample.name, special, lineNo);
    f.samples.push(sample);
  }
}

/** name === base + suffix, without building the concatenation (this runs for every sample). */
function isSuffixed(name: string, base: string, suffix: string): boolean {
  return name.length === base.length + suffix.length && name.endsWith(suffix) && name.startsWith(base);
}

function belongs(f: MetricFamily, name: string): boolean {
  if (f.type === 'summary') return isSuffixed(name, f.name, '_sum') || isSuffixed(name, f.name, '_count');
  if (f.type === 'histogram') return isSuffixed(name, f.name, '_bucket') || isSuffixed(name, f.name, '_sum') || isSuffixed(name, f.name, '_count');
  return false;
}

/** The label values checkSample needs, captured while the labels are validated. */
interface Special {
  quantile?: string;
  le?: string;
}

function checkSample(f: MetricFamily, name: string, sp: Special, ln: number): void {
  if (f.type === 'summary' && name === f.name) {
    if (sp.quantile === undefined || parseValue(sp.quantile) === undefined) throw new ParseError(ln, `summary ${f.name} sample without a valid quantile label`);
  } else if (f.type === 'histogram') {
    if (name === f.name) throw new ParseError(ln, `histogram ${f.name} sample must be _bucket, _sum or _count`);
    if (isSuffixed(name, f.name, '_bucket') && (sp.le === undefined || parseValue(sp.le) === undefined)) {
      throw new ParseError(ln, `histogram bucket ${name} without a valid le label`);
    }
  }
}

/**
 * A sample whose labels object is built on first use. The parse has validated the label text completely; most
 * consumers (the summary) read the labels of a few families only, and not allocating an object and strings per
 * label for the rest is what keeps one parse of a large exposition fast (mostly garbage-collector time).
 */
class ParsedSample implements Sample {
  declare timestampMs?: number;
  #labels: Record<string, string> | undefined;
  readonly #text: string;
  readonly #from: number;
  readonly #end: number;

  constructor(
    public name: string,
    public value: number,
    text: string,
    from: number,
    end: number,
  ) {
    this.#text = text;
    this.#from = from;
    this.#end = end;
  }

  get labels(): Record<string, string> {
    if (!(#text in this)) return {};
    if (this.#labels === undefined) {
      this.#labels = {};
      if (this.#from >= 0) parseLabels(this.#text, this.#from, this.#end, 0, [], this.#labels, [], {});
    }
    return this.#labels;
  }

  set labels(v: Record<string, string>) {
    this.#labels = v;
  }

  toJSON(): Sample {
    return this.timestampMs === undefined
      ? { name: this.name, labels: this.labels, value: this.value }
      : { name: this.name, labels: this.labels, value: this.value, timestampMs: this.timestampMs };
  }
}

function skipBlank(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

function skipToken(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === SPACE || c === TAB) break;
    i++;
  }
  return i;
}

/**
 * Label names repeat on every line, in the same order: reuse the name seen at the same position in the previous
 * label set instead of slicing a new string (one comparison; fewer allocations, less GC).
 */
function internKey(byPosition: string[], t: string, i: number, j: number, pos: number): string {
  const c = byPosition[pos];
  if (c !== undefined && c.length === j - i && t.startsWith(c, i)) return c;
  const key = t.slice(i, j);
  byPosition[pos] = key;
  return key;
}

const PLAIN_VALUE = /[^"\\\n]*/y;

/**
 * Parses `name="value",…}` starting after `{`; returns the index after `}`. With `labels` null it only validates
 * (duplicates through `seen`), keeping the values of `quantile` and `le` in `special`; otherwise it fills `labels`.
 */
function parseLabels(
  t: string,
  i: number,
  end: number,
  ln: number,
  keyCache: string[],
  labels: Record<string, string> | null,
  seen: string[],
  special: Special,
): number {
  for (let pos = 0; ; pos++) {
    i = skipBlank(t, i, end);
    if (i >= end) throw new ParseError(ln, 'unterminated label set');
    if (t.charCodeAt(i) === RBRACE) return i + 1;
    if (!isLabelStart(t.charCodeAt(i))) throw new ParseError(ln, `invalid label name at "${t.slice(i, Math.min(end, i + 20))}"`);
    let j = scan(LABEL_TAIL, t, i + 1, end);
    const key = internKey(keyCache, t, i, j, pos);
    j = skipBlank(t, j, end);
    if (t.charCodeAt(j) !== EQUALS) throw new ParseError(ln, `expected "=" after label name ${key}`);
    j = skipBlank(t, j + 1, end);
    if (t.charCodeAt(j) !== QUOTE) throw new ParseError(ln, `expected '"' to start the value of label ${key}`);
    j++;
    // Fast path: no backslash or line end before the closing quote.
    PLAIN_VALUE.lastIndex = j;
    PLAIN_VALUE.test(t);
    let close = PLAIN_VALUE.lastIndex;
    let value: string | undefined;
    const want = labels !== null || key === 'quantile' || key === 'le';
    if (close < end && t.charCodeAt(close) === QUOTE) {
      if (want) value = t.slice(j, close);
    } else {
      let v = '';
      let k = j;
      for (;;) {
        if (k >= end) throw new ParseError(ln, `unterminated value of label ${key}`);
        const c = t.charCodeAt(k);
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          const nx = t[k + 1];
          if (nx === '\\') v += '\\';
          else if (nx === '"') v += '"';
          else if (nx === 'n') v += '\n';
          else throw new ParseError(ln, `invalid escape "\\${nx ?? ''}" in the value of label ${key}`);
          k += 2;
          continue;
        }
        v += t[k];
        k++;
      }
      close = k;
      value = v;
    }
    j = close + 1;
    if (labels) {
      if (Object.prototype.hasOwnProperty.call(labels, key)) throw new ParseError(ln, `duplicate label ${key}`);
      setLabel(labels, key, value!);
    } else {
      if (seen.includes(key)) throw new ParseError(ln, `duplicate label ${key}`);
      seen.push(key);
      if (key === 'quantile') special.quantile = value;
      else if (key === 'le') special.le = value;
    }
    j = skipBlank(t, j, end);
    const c = t.charCodeAt(j);
    if (c === COMMA) {
      i = j + 1;
      continue;
    }
    if (c === RBRACE) return j + 1;
    throw new ParseError(ln, `expected "," or "}" after the value of label ${key}`);
  }
}
