// Digest and size checked while the bytes flow: the stream fails at its end (before the destination commits)
// when what went through is not what the descriptor names.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RegctlError } from '../../errors.js';
import type { BlobRef } from './types.js';

export class DigestVerifier extends Transform {
  private readonly hash;
  bytes = 0;

  constructor(
    private readonly blob: BlobRef,
    private readonly from: string,
    private readonly onBytes?: (n: number) => void,
  ) {
    super({ highWaterMark: 256 << 10 });
    const alg = blob.digest.split(':')[0]!;
    if (alg !== 'sha256' && alg !== 'sha512') throw new RegctlError(`cannot verify ${blob.digest} from ${from}: unsupported digest algorithm ${alg}`);
    this.hash = createHash(alg);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.blob.size >= 0 && this.bytes > this.blob.size) return cb(mismatch(this.blob, this.from, `more than the ${this.blob.size} bytes its descriptor names`));
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const got = `${this.blob.digest.split(':')[0]}:${this.hash.digest('hex')}`;
    if (this.blob.size >= 0 && this.bytes !== this.blob.size) return cb(mismatch(this.blob, this.from, `${this.bytes} bytes, not ${this.blob.size}`));
    if (got !== this.blob.digest) return cb(mismatch(this.blob, this.from, `its bytes are ${got}`));
    cb();
  }
}

function mismatch(b: BlobRef, from: string, why: string): RegctlError {
  return new RegctlError(`blob ${b.digest} from ${from} does not match its digest: ${why}; nothing was committed for it`, {
    hint: 'the source is corrupt or something in between changed the bytes; check the source (and proxies) and run the copy again',
  });
}
