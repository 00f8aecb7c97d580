// What a copy shows while it runs, on stderr: on a terminal one redrawn block (the total with its rate, then each
// layer in flight); when piped, one line per image as it finishes. Nothing with --quiet.
import { humanSize } from '../content.js';
import type { BlobRef } from './types.js';

export interface ProgressSink {
  /** The redrawn block (a terminal); undefined when piped. */
  update?(text: string): void;
  /** One line per finished image. */
  line(text: string): void;
}

export class Progress {
  private readonly active = new Map<string, { size: number; done: number }>();
  private sent = 0;
  private total = 0;
  private readonly started = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(private readonly sink: ProgressSink) {
    if (sink.update) {
      this.timer = setInterval(() => this.redraw(), 200);
      this.timer.unref();
    }
  }

  addTotal(n: number): void {
    this.total += n;
  }

  start(b: BlobRef): void {
    this.active.set(b.digest, { size: b.size, done: 0 });
  }

  bytes(b: BlobRef, n: number): void {
    this.sent += n;
    const a = this.active.get(b.digest);
    if (!a) return;
    // A layer's first bytes show at once; after that the timer redraws.
    const first = a.done === 0 && n > 0;
    a.done += n;
    if (first && this.sink.update) this.redraw();
  }

  done(b: BlobRef): void {
    this.active.delete(b.digest);
  }

  rate(): string {
    const s = (Date.now() - this.started) / 1000;
    return s > 0 ? `${humanSize(Math.round(this.sent / s))}/s` : '';
  }

  private redraw(): void {
    const lines = [`copying: ${humanSize(this.sent)} sent${this.total ? ` of up to ${humanSize(this.total)}` : ''}, ${this.rate()}`];
    for (const [d, a] of [...this.active].slice(0, 8)) {
      if (a.done === 0) continue;
      const pct = a.size > 0 ? ` ${Math.floor((100 * a.done) / a.size)}%` : '';
      lines.push(`  ${d.slice(7, 19)} ${humanSize(a.done)} / ${humanSize(a.size)}${pct}`);
    }
    this.sink.update!(lines.join('\n'));
  }

  line(text: string): void {
    this.sink.line(text);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
