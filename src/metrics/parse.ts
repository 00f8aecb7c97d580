// A small, strict parser for the Prometheus text exposition format (version 0.0.4), as served by
// promhttp. Two paths, which accept and reject exactly the same text: a hand-written scanner (char codes, and
// sticky single-class regexes for tokens) reads any line; lines shaped like earlier lines of their family are
// read by one sticky regular expression per shape (see Template). Linear time: the expressions are literal text
// and single character classes, with backtracking only inside one number token.

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
 * A parsed sample. Its fields are declared, so V8 defines them (as undefined) before the constructor assigns
 * them: `value` stays a tagged field, where integers need no heap box (about half the values of a typical
 * exposition: fewer objects for the garbage collector to move), and all samples keep one hidden class.
 */
class ParsedSample implements Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  declare timestampMs?: number;
  constructor(name: string, labels: Record<string, string>, value: number) {
    this.name = name;
    this.labels = labels;
    this.value = value;
  }
}

/**
 * Parses an exposition. Strict: invalid names, unknown escapes in label values, duplicate labels, a second
 * HELP/TYPE, TYPE after samples, families split into several groups, summary samples without `quantile`,
 * histogram buckets without `le` and malformed values all throw ParseError naming the line.
 */
export function parsePrometheusText(text: string): MetricFamily[] {
  return new Parser(text, LEARN_AFTER).run();
}

/** What a sample name needs besides its family: nothing, a valid `quantile`, a valid `le`; or it is invalid. */
const NEED_NOTHING = 0;
const NEED_QUANTILE = 1;
const NEED_LE = 2;
const BARE_HISTOGRAM = 3;

/** A sample name seen in the current family: the string itself (reused, not sliced again), family, need. */
interface NameInfo {
  name: string;
  family: MetricFamily;
  /** The family's samples array. */
  samples: Sample[];
  need: number;
  /** Lines of this name read by the general path so far. */
  general: number;
}

/**
 * A line shape seen in the current family: sample name, label names in order, no blanks inside the braces, no
 * escapes in the label values. One sticky regular expression matches and validates a whole line of that shape
 * (labels, value, timestamp, line end) in one native call, and hands over the label values as strings; any line
 * it does not match takes the general path, which reports errors. The last distinct values of each label
 * position are kept, so that a value repeated from a recent line is the same string (fewer strings kept alive).
 */
interface Template {
  re: RegExp;
  info: NameInfo;
  keys: string[];
  /** Capture index (1-based) of the `quantile` or `le` value the name needs checked, 0 when none. */
  special: number;
  vals: string[][];
  hits: number[];
}

/** A sample value as strconv.ParseFloat accepts it (see parseValue), then an optional timestamp, blanks, line end. */
const VALUE_SRC = String.raw`([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[nN][aA][nN]|[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)`;
const LINE_TAIL_SRC = String.raw`[ \t]+` + VALUE_SRC + String.raw`(?:[ \t]+(-?\d+))?[ \t]*(?:\r?\n|\r?$)`;
/** `="value"` without escapes; the label name precedes it. */
const LABEL_VALUE_SRC = String.raw`="([^"\\\n]*)"`;
/** A name gets a template once this many of its lines took the general path (a few lines: not worth one). */
const LEARN_AFTER = 8;
/** At most this many line shapes per family; lines of further shapes take the general path. */
const TEMPLATES_PER_FAMILY = 8;
/** Distinct label values remembered per label position. */
const VALUES_PER_POSITION = 16;

/** A label name, one object per distinct name in a parse (so names compare by identity). */
interface LabelName {
  name: string;
  /** `name="`: one startsWith recognizes the name and what follows it. */
  eq: string;
  kind: number;
}

/** Label names remembered per label position. */
const NAMES_PER_POSITION = 4;

/** Label names by kind: most are plain; `__proto__` must not be assigned; `quantile` and `le` are checked. */
const PLAIN = 0;
const PROTO = 1;
const QUANTILE = 2; // specials[0]: what NEED_QUANTILE checks
const LE = 3; // specials[1]: what NEED_LE checks

function kindOf(key: string): number {
  return key === '__proto__' ? PROTO : key === 'quantile' ? QUANTILE : key === 'le' ? LE : PLAIN;
}

/**
 * One parse. Consecutive lines mostly repeat their sample name, their label names (in the same order) and many
 * label values. A line of a shape seen before is read by that shape's template (one regular expression); other
 * lines by the general path, which recognizes names seen before with one comparison each. Both reuse the strings
 * of values seen on recent lines, so a parse keeps little besides the samples, their labels objects and the
 * label values that differ (moving what a parse keeps is most of the garbage collector's work, a third of a cold
 * parse).
 */
class Parser {
  private readonly families: MetricFamily[] = [];
  private readonly byName = new Map<string, MetricFamily>();
  private readonly closed = new Set<MetricFamily>();
  private readonly typed = new Set<MetricFamily>();
  private readonly helped = new Set<MetricFamily>();
  private current: MetricFamily | undefined;
  private lineNo = 0;
  /** Sample names of the current family seen so far (at most a few: the family's name and its suffixes). */
  private names: NameInfo[] = [];
  /** Line shapes of the current family, and the one the last line had (null: none yet, or given up). */
  private templates: Template[] = [];
  private last: Template | null = null;
  /** Lines of the current family that templates read, and that none of them matched (then true: given up). */
  private matched = 0;
  private missed = 0;
  private noTemplates = false;
  /** The label names of this parse, and those seen last at each position of a label set (a ring, like values). */
  private readonly labelNames = new Map<string, LabelName>();
  private readonly namesAt: LabelName[][] = [];
  private readonly nameHits: number[] = [];
  /** The names of the label set being read (of the last one, once read), by position. */
  private readonly keys: LabelName[] = [];
  /** Label values by position: the distinct values seen last, and the slot of the value the last line had. */
  private readonly vals: string[][] = [];
  private readonly hits: number[] = [];
  /** Index of the next backslash at or after the last place looked at (text.length: none). */
  private bs = -1;
  /** Outputs of labelSet(): the index after `}`, the number of labels, and the values of `quantile` and `le`. */
  private pos = 0;
  private count = 0;
  private readonly specials: Array<string | undefined> = [undefined, undefined];
  /** `quantile`/`le` values found valid (a few distinct ones repeat on every line of a family). */
  private readonly validSpecials = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly learnAfter: number,
  ) {}

  run(): MetricFamily[] {
    const text = this.text;
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      this.lineNo++;
      const next = this.last === null ? -1 : this.matchTemplate(pos);
      pos = next >= 0 ? next : this.line(pos);
    }
    return this.families;
  }

  /** Reads the line at `pos` on the general path; returns the index of the next line. */
  private line(pos: number): number {
    const text = this.text;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    let i = pos;
    let c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i = skipBlank(text, i, lineEnd);
      c = text.charCodeAt(i);
    }
    if (i < lineEnd) {
      if (c === HASH) this.comment(i, lineEnd);
      else this.sample(i, lineEnd);
    }
    return end + 1;
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
      // Names and templates belong to the current family: a line that matches one belongs to it.
      if (this.current) this.closed.add(this.current);
      this.current = f;
      this.names = [];
      this.templates = [];
      this.last = null;
      this.matched = this.missed = 0;
      this.noTemplates = false;
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

  /** name [{labels}] value [timestamp]: the general path. Checks in the order of the line (which error is reported). */
  private sample(i: number, lineEnd: number): void {
    const text = this.text;
    const lineNo = this.lineNo;
    let info: NameInfo | undefined;
    const names = this.names;
    for (let k = 0; k < names.length; k++) {
      const e = names[k]!;
      if (text.startsWith(e.name, i) && !isNameChar(text.charCodeAt(i + e.name.length))) {
        info = e;
        break;
      }
    }
    let name: string;
    if (info !== undefined) name = info.name;
    else {
      if (!isNameStart(text.charCodeAt(i))) throw new ParseError(lineNo, `invalid metric name at "${text.slice(i, Math.min(lineEnd, i + 20))}"`);
      name = text.slice(i, scan(NAME_TAIL, text, i + 1, lineEnd));
    }
    let j = i + name.length;
    let labels: Record<string, string>;
    let count = -1;
    let c = text.charCodeAt(j);
    if (c === SPACE || c === TAB) {
      const b = skipBlank(text, j, lineEnd);
      if (b < lineEnd && text.charCodeAt(b) === LBRACE) c = text.charCodeAt((j = b));
    }
    const specials = this.specials;
    specials[0] = specials[1] = undefined;
    if (c === LBRACE) {
      labels = this.labelSet(j + 1, lineEnd);
      count = this.count;
      j = this.pos;
      c = text.charCodeAt(j);
    } else {
      labels = {};
    }
    if (j < lineEnd && c !== SPACE && c !== TAB) throw new ParseError(lineNo, `invalid character "${text[j]}" after metric name ${name}`);
    j = skipBlank(text, j, lineEnd);
    const vEnd = scan(TOKEN, text, j, lineEnd);
    if (vEnd === j) throw new ParseError(lineNo, `missing value for ${name}`);
    let value = parseIntFast(text, j, vEnd);
    if (value === undefined) {
      value = parseValue(text.slice(j, vEnd));
      if (value === undefined) throw new ParseError(lineNo, `invalid value "${text.slice(j, vEnd)}" for ${name}`);
    }
    const sample = new ParsedSample(name, labels, value);
    j = skipBlank(text, vEnd, lineEnd);
    if (j < lineEnd) {
      const tEnd = skipToken(text, j, lineEnd);
      let ts = parseIntFast(text, j, tEnd);
      if (ts === undefined) {
        const tok = text.slice(j, tEnd);
        if (!INT.test(tok)) throw new ParseError(lineNo, `invalid timestamp "${tok}" for ${name}`);
        ts = Number(tok);
      }
      if (skipBlank(text, tEnd, lineEnd) !== lineEnd) throw new ParseError(lineNo, `unexpected text after the timestamp of ${name}`);
      sample.timestampMs = ts;
    }
    info ??= this.newName(name);
    if (info.need !== NEED_NOTHING) this.check(info, specials[info.need - 1]);
    info.samples.push(sample);
    if (count !== 0 && ++info.general >= this.learnAfter && this.templates.length < TEMPLATES_PER_FAMILY && !this.noTemplates) this.learn(info, count);
  }

  /** A sample name not seen yet in the current family, once its line is read: resolved to its family. */
  private newName(name: string): NameInfo {
    const family = this.familyOfSample(name);
    let need = NEED_NOTHING;
    if (family.type === 'summary' && name === family.name) need = NEED_QUANTILE;
    else if (family.type === 'histogram') need = name === family.name ? BARE_HISTOGRAM : isSuffixed(name, family.name, '_bucket') ? NEED_LE : NEED_NOTHING;
    const info: NameInfo = { name, family, samples: family.samples, need, general: 0 };
    if (this.names.length < 8) this.names.push(info);
    return info;
  }

  /** Throws unless the sample has what its name needs: `v` is the value of its `quantile` or `le` label. */
  private check(info: NameInfo, v: string | undefined): void {
    const f = info.family;
    if (info.need === BARE_HISTOGRAM) throw new ParseError(this.lineNo, `histogram ${f.name} sample must be _bucket, _sum or _count`);
    if (v !== undefined && this.validSpecials.has(v)) return;
    if (v === undefined || parseValue(v) === undefined) {
      throw new ParseError(this.lineNo, info.need === NEED_QUANTILE ? `summary ${f.name} sample without a valid quantile label` : `histogram bucket ${info.name} without a valid le label`);
    }
    if (this.validSpecials.size < 1024) this.validSpecials.add(v);
  }

  /** Adds a template for lines shaped like the one just read: its name, and `count` labels named as in `keys`. */
  private learn(info: NameInfo, count: number): void {
    const n = count < 0 ? 0 : count;
    const keys = this.keys.slice(0, n).map((k) => k.name);
    for (const tp of this.templates) {
      if (tp.info !== info || tp.keys.length !== n) continue;
      let same = true;
      for (let k = 0; k < n; k++) if (tp.keys[k] !== keys[k]) same = false;
      if (same) return;
    }
    if (keys.includes('__proto__')) return;
    const special = info.need === NEED_QUANTILE ? keys.indexOf('quantile') + 1 : info.need === NEED_LE ? keys.indexOf('le') + 1 : 0;
    // Names ([a-zA-Z0-9_:]) and label names ([a-zA-Z0-9_]) have no character special in a regular expression.
    const labels = n ? String.raw`\{` + keys.map((k) => k + LABEL_VALUE_SRC).join(',') + String.raw`\}` : '';
    const re = new RegExp(info.name + labels + LINE_TAIL_SRC, 'y');
    const tp: Template = { re, info, keys, special, vals: keys.map(() => []), hits: keys.map(() => 0) };
    this.templates.push(tp);
    this.last = tp;
  }

  /**
   * Reads the line at `pos` with a template of the current family (the last one used first); returns the index
   * of the next line, or -1 when no template matches (the general path then reads the line).
   */
  private matchTemplate(pos: number): number {
    const text = this.text;
    let tp = this.last!;
    let re = tp.re;
    re.lastIndex = pos;
    let m = re.exec(text);
    if (m === null) {
      const all = this.templates;
      for (let k = 0; k < all.length && m === null; k++) {
        if (all[k] === tp) continue;
        re = all[k]!.re;
        re.lastIndex = pos;
        m = re.exec(text);
        if (m !== null) this.last = tp = all[k]!;
      }
      if (m === null) {
        // A family whose lines mostly have other shapes: stop trying (and learning) templates for it.
        const missed = ++this.missed;
        if (missed > this.matched && missed >= 64) {
          this.last = null;
          this.noTemplates = true;
        }
        return -1;
      }
    }
    this.matched++;
    const keys = tp.keys;
    const n = keys.length;
    const labels: Record<string, string> = {};
    const sp = tp.special - 1;
    let sv = '';
    for (let k = 0; k < n; k++) {
      const lv = reuse(tp.vals[k]!, tp.hits, k, m[k + 1]!);
      labels[keys[k]!] = lv;
      if (k === sp) sv = lv;
    }
    const v = m[n + 1]!;
    let value = +v;
    // The expression only matched a valid value: Number() reads decimals; NaN means one of the words.
    if (value !== value) value = parseValue(v)!;
    if (sp >= 0 && !this.validSpecials.has(sv)) this.check(tp.info, sv);
    const sample = new ParsedSample(tp.info.name, labels, value);
    const ts = m[n + 2];
    if (ts !== undefined) sample.timestampMs = +ts;
    tp.info.samples.push(sample);
    return re.lastIndex;
  }

  /**
   * Parses `name="value",…}` starting after `{`; sets `pos` to the index after `}`, `count` to the number of
   * labels; returns the labels (an object per sample, label names in the order of the line).
   */
  private labelSet(i: number, end: number): Record<string, string> {
    const t = this.text;
    const keys = this.keys;
    const labels: Record<string, string> = {};
    for (let pos = 0; ; pos++) {
      let ln = this.knownName(pos, i);
      let vs: number;
      if (ln !== undefined) vs = i + ln.eq.length;
      else {
        i = skipBlank(t, i, end);
        if (i >= end) throw new ParseError(this.lineNo, 'unterminated label set');
        if (t.charCodeAt(i) === RBRACE) {
          this.pos = i + 1;
          this.count = pos;
          return labels;
        }
        if (!isLabelStart(t.charCodeAt(i))) throw new ParseError(this.lineNo, `invalid label name at "${t.slice(i, Math.min(end, i + 20))}"`);
        let j = scan(LABEL_TAIL, t, i + 1, end);
        ln = this.labelName(pos, t.slice(i, j));
        j = skipBlank(t, j, end);
        if (t.charCodeAt(j) !== EQUALS) throw new ParseError(this.lineNo, `expected "=" after label name ${ln.name}`);
        j = skipBlank(t, j + 1, end);
        if (t.charCodeAt(j) !== QUOTE) throw new ParseError(this.lineNo, `expected '"' to start the value of label ${ln.name}`);
        vs = j + 1;
      }
      const key = ln.name;
      const kind = ln.kind;
      // A duplicate is reported once its value is read (errors in the value come first).
      let dup = false;
      for (let q = 0; q < pos; q++) if (keys[q] === ln) dup = true;
      keys[pos] = ln;
      let close = t.indexOf('"', vs);
      if (this.bs < vs) {
        const b = t.indexOf('\\', vs);
        this.bs = b < 0 ? t.length : b;
      }
      let value: string;
      if (close >= 0 && close < end && this.bs > close) value = this.value(pos, vs, close);
      else {
        value = this.escapedValue(vs, end, key);
        close = this.pos;
      }
      if (dup) throw new ParseError(this.lineNo, `duplicate label ${key}`);
      if (kind === PLAIN) labels[key] = value;
      else if (kind === PROTO) Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
      else {
        labels[key] = value;
        this.specials[kind - QUANTILE] = value;
      }
      i = close + 1;
      let c = t.charCodeAt(i);
      if (c !== COMMA && c !== RBRACE) {
        i = skipBlank(t, i, end);
        c = t.charCodeAt(i);
      }
      if (c === COMMA && i < end) {
        i++;
        continue;
      }
      if (c === RBRACE && i < end) {
        this.pos = i + 1;
        this.count = pos + 1;
        return labels;
      }
      throw new ParseError(this.lineNo, `expected "," or "}" after the value of label ${key}`);
    }
  }

  /**
   * The label name at `i` when it is one of the names last seen at label position `pos` directly followed by
   * `="` (the one the last label set had there first); undefined otherwise.
   */
  private knownName(pos: number, i: number): LabelName | undefined {
    const ring = this.namesAt[pos];
    if (ring === undefined) return undefined;
    const t = this.text;
    const h = this.nameHits[pos]!;
    if (t.startsWith(ring[h]!.eq, i)) return ring[h];
    for (let k = 0; k < ring.length; k++) {
      if (k !== h && t.startsWith(ring[k]!.eq, i)) {
        this.nameHits[pos] = k;
        return ring[k];
      }
    }
    return undefined;
  }

  /** The label name `name` (read at label position `pos`), remembered for that position. */
  private labelName(pos: number, name: string): LabelName {
    let ln = this.labelNames.get(name);
    if (ln === undefined) this.labelNames.set(name, (ln = { name, eq: name + '="', kind: kindOf(name) }));
    let ring = this.namesAt[pos];
    if (ring === undefined) ring = this.namesAt[pos] = [];
    const at = ring.indexOf(ln);
    if (at >= 0) this.nameHits[pos] = at;
    else if (ring.length < NAMES_PER_POSITION) {
      this.nameHits[pos] = ring.length;
      ring.push(ln);
    } else {
      const h = (this.nameHits[pos]! + 1) % NAMES_PER_POSITION;
      ring[h] = ln;
      this.nameHits[pos] = h;
    }
    return ln;
  }

  /**
   * The label value text[vs, close) (no escapes) at label position `pos`: a string made before when one of the
   * last distinct values of this position has the same text (the one the last line had, or the one after it in
   * the ring, for values that cycle like `le`), else a new slice.
   */
  private value(pos: number, vs: number, close: number): string {
    const t = this.text;
    const len = close - vs;
    let ring = this.vals[pos];
    if (ring === undefined) {
      ring = this.vals[pos] = [];
      this.hits[pos] = 0;
    }
    const h = this.hits[pos]!;
    let v = ring[h];
    if (v !== undefined && v.length === len && t.startsWith(v, vs)) return v;
    const h2 = h + 1 < ring.length ? h + 1 : 0;
    v = ring[h2];
    if (v !== undefined && v.length === len && t.startsWith(v, vs)) {
      this.hits[pos] = h2;
      return v;
    }
    return remember(ring, this.hits, pos, h2, t.slice(vs, close));
  }

  /** A label value with escapes (or unterminated) from `vs`; sets `pos` to its closing quote. */
  private escapedValue(vs: number, end: number, key: string): string {
    const t = this.text;
    let v = '';
    let from = vs;
    let k = vs;
    for (;;) {
      if (k >= end) throw new ParseError(this.lineNo, `unterminated value of label ${key}`);
      const c = t.charCodeAt(k);
      if (c === QUOTE) break;
      if (c !== BACKSLASH) {
        k++;
        continue;
      }
      const nx = t[k + 1];
      if (nx !== '\\' && nx !== '"' && nx !== 'n') throw new ParseError(this.lineNo, `invalid escape "\\${nx ?? ''}" in the value of label ${key}`);
      v += t.slice(from, k) + (nx === 'n' ? '\n' : nx);
      k += 2;
      from = k;
    }
    this.pos = k;
    return v + t.slice(from, k);
  }
}

/**
 * A template's label value `v` (a new string) or an equal one among the last distinct values of its position:
 * the one the previous line had, or the one after it in the ring (values that cycle, like `le`).
 */
function reuse(ring: string[], hits: number[], k: number, v: string): string {
  const h = hits[k]!;
  const a = ring[h];
  if (a === v) return a;
  const h2 = h + 1 < ring.length ? h + 1 : 0;
  const b = ring[h2];
  if (b === v) {
    hits[k] = h2;
    return b;
  }
  return remember(ring, hits, k, h2, v);
}

/** Adds a value to a position's ring (replacing the slot after the last one used once it is full). */
function remember(ring: string[], hits: number[], k: number, next: number, v: string): string {
  if (ring.length < VALUES_PER_POSITION) {
    hits[k] = ring.length;
    ring.push(v);
  } else {
    ring[next] = v;
    hits[k] = next;
  }
  return v;
}

/** name === base + suffix, without building the concatenation. */
function isSuffixed(name: string, base: string, suffix: string): boolean {
  return name.length === base.length + suffix.length && name.endsWith(suffix) && name.startsWith(base);
}

function belongs(f: MetricFamily, name: string): boolean {
  if (f.type === 'summary') return isSuffixed(name, f.name, '_sum') || isSuffixed(name, f.name, '_count');
  if (f.type === 'histogram') return isSuffixed(name, f.name, '_bucket') || isSuffixed(name, f.name, '_sum') || isSuffixed(name, f.name, '_count');
  return false;
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
