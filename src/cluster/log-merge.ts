// Several pods' logs as one, in the order of the kubelet's timestamps (requested with timestamps=true, every line
// starts with RFC3339NanoFixed and a space: `2025-05-01T19:48:36.300593110Z …`). A k-way merge over the streams:
// it holds one chunk per pod and waits for a pod's next chunk only when that pod is next, so memory stays flat
// however long the logs are and a slow stdout slows the HTTP streams. Equal timestamps keep the pods' order.
import { StringDecoder } from 'node:string_decoder';

const MAX_LINE = 1 << 20;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * An RFC3339 time as a string that sorts like the time, to the nanosecond: UTC with nine fractional digits.
 * (Go's trimmed RFC3339Nano does not sort as text: `…05.1Z` > `…05.12Z`.) undefined when it is not one.
 */
export function timestampKey(ts: string): string | undefined {
  // The kubelet's own form on a UTC node is already the key.
  if (ts.length === 30 && ts.charCodeAt(29) === 90 && ts.charCodeAt(19) === 46 && RFC3339.test(ts)) return ts;
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  if (m[3] === 'Z') return `${m[1]}.${frac}Z`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** One pod's stream, read a chunk at a time: `buf` holds whole lines, the head line starts at `pos`. */
class PodLines {
  buf = '';
  pos = 0;
  /** The head line's timestamp key; a line without one sorts with the line before it. */
  key = '';
  private carry = '';
  private done = false;

  constructor(
    readonly index: number,
    readonly it: AsyncIterator<string>,
  ) {}

  /** Reads until a whole line is at `pos`; false at the end of the stream. */
  async fill(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      if (this.done) return false;
      this.pos = 0;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.buf = this.carry ? this.carry + '\n' : '';
        this.carry = '';
        continue;
      }
      const d = r.value;
      const nl = d.lastIndexOf('\n');
      if (nl < 0) {
        this.carry += d;
        this.buf = '';
        // A line longer than 1 MiB is passed on in pieces rather than held.
        if (this.carry.length > MAX_LINE) {
          this.buf = this.carry + '\n';
          this.carry = '';
        }
        continue;
      }
      this.buf = this.carry + d.slice(0, nl + 1);
      this.carry = d.slice(nl + 1);
    }
    this.key = this.keyAt(this.pos);
    return true;
  }

  /** Moves to the next line in `buf`; false when `buf` is used up (then fill()). */
  advance(): boolean {
    this.pos = this.buf.indexOf('\n', this.pos) + 1;
    if (this.pos >= this.buf.length) return false;
    this.key = this.keyAt(this.pos);
    return true;
  }

  private keyAt(p: number): string {
    const b = this.buf;
    const c = b.charCodeAt(p);
    if (c >= 48 && c <= 57 && b.charCodeAt(p + 4) === 45 && b.charCodeAt(p + 10) === 84) {
      const end = Math.min(b.length, p + 40);
      let sp = p + 19;
      while (sp < end && b.charCodeAt(sp) !== 32) sp++;
      const k = sp < end ? timestampKey(b.slice(p, sp)) : undefined;
      if (k) return k;
    }
    return this.key;
  }
}

function before(a: PodLines, b: PodLines): boolean {
  return a.key < b.key || (a.key === b.key && a.index < b.index);
}

/**
 * Merges text streams of timestamped log lines (index = pod order) and hands each run of consecutive lines of one
 * stream, whole lines only, to `emit` in timestamp order; a promise from `emit` is awaited before reading on.
 */
export async function mergeLogs(sources: Array<AsyncIterable<string>>, emit: (index: number, block: string) => Promise<void> | void): Promise<void> {
  const all = sources.map((s, i) => new PodLines(i, s[Symbol.asyncIterator]()));
  try {
    const live = (await Promise.all(all.map(async (p) => ((await p.fill()) ? p : undefined)))).filter((p): p is PodLines => p !== undefined);
    while (live.length) {
      let bi = 0;
      for (let i = 1; i < live.length; i++) if (before(live[i]!, live[bi]!)) bi = i;
      const best = live[bi]!;
      let next: PodLines | undefined;
      for (let i = 0; i < live.length; i++) if (i !== bi && (!next || before(live[i]!, next))) next = live[i]!;
      // Take lines of `best` while they come before the head of every other stream.
      const start = best.pos;
      let more: boolean;
      do more = best.advance();
      while (more && (!next || before(best, next)));
      const wait = emit(best.index, best.buf.slice(start, best.pos));
      if (wait) await wait;
      if (!more && !(await best.fill())) live.splice(bi, 1);
    }
  } finally {
    await Promise.allSettled(all.map((p) => p.it.return?.()));
  }
}

/** A response body as UTF-8 text chunks; ends quietly when the request is aborted. */
export async function* textChunks(body: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<string> {
  const dec = new StringDecoder('utf8');
  try {
    for await (const b of body) {
      const d = dec.write(b);
      if (d) yield d;
    }
  } catch (e) {
    if (signal.aborted || (e as Error).name === 'AbortError') return;
    throw e;
  }
  const rest = dec.end();
  if (rest) yield rest;
}
