// Moving blobs: HEAD at the destination first, a cross-repository mount when source and destination are two
// repositories of one registry reached with the same credentials, else a streamed upload verified while it
// flows. One limiter bounds the transfers in flight (--concurrency); a blob shared by several images of one
// copy is sent once.
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { Limiter, withRetry } from '../content.js';
import { DigestVerifier } from './verify.js';
import type { BlobRef, ImageDest, ImageSource } from './types.js';

export type BlobOutcome = 'exists' | 'mounted' | 'sent';

export interface BlobEvents {
  start(b: BlobRef): void;
  bytes(b: BlobRef, n: number): void;
  done(b: BlobRef, how: BlobOutcome): void;
}

export class BlobMover {
  private readonly limiter: Limiter;
  private readonly inflight = new Map<string, Promise<BlobOutcome>>();

  constructor(
    private readonly src: ImageSource,
    private readonly dst: ImageDest,
    concurrency: number,
    private readonly events: BlobEvents,
    private readonly signal: AbortSignal,
  ) {
    this.limiter = new Limiter(concurrency);
  }

  private canMount(): boolean {
    const s = this.src.registry;
    const d = this.dst.registry;
    return Boolean(s && d && this.dst.mount && s.sessionKey === d.sessionKey && s.repo !== d.repo);
  }

  /** Resolves to what happened; a blob already moved (or moving) in this copy is not sent again. */
  move(b: BlobRef): Promise<BlobOutcome> {
    let p = this.inflight.get(b.digest);
    if (p) return p.then((how) => (how === 'sent' ? 'exists' : how));
    p = this.limiter.run(() => this.moveNow(b));
    this.inflight.set(b.digest, p);
    return p;
  }

  private async moveNow(b: BlobRef): Promise<BlobOutcome> {
    const signal = this.signal;
    this.events.start(b);
    if (await withRetry(() => this.dst.hasBlob(b, signal), { signal })) {
      this.events.done(b, 'exists');
      return 'exists';
    }
    if (this.canMount() && (await withRetry(() => this.dst.mount!(b, this.src.registry!.repo, signal), { signal }))) {
      this.events.done(b, 'mounted');
      return 'mounted';
    }
    let sentBefore = 0;
    await withRetry(
      async () => {
        // A failed attempt's bytes are taken back from the progress before the next one starts.
        if (sentBefore) this.events.bytes(b, -sentBefore);
        sentBefore = 0;
        const body = await this.src.blob(b, signal);
        const verify = new DigestVerifier(b, this.src.name, (n) => {
          sentBefore += n;
          this.events.bytes(b, n);
        });
        const out = new PassThrough({ highWaterMark: 256 << 10 });
        const flowing = pipeline(body, verify, out).catch((e) => {
          out.destroy(e);
          throw e;
        });
        const put = this.dst.putBlob(b, out, signal).catch((e) => {
          body.destroy();
          out.destroy();
          throw e;
        });
        await Promise.all([put, flowing]);
      },
      { signal },
    );
    this.events.done(b, 'sent');
    return 'sent';
  }
}
