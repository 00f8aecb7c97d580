// Runs a copy plan: for each image its blobs (in parallel, through BlobMover), then an index's image manifests
// by digest, then the top manifest under its tag, so a destination never names content it does not hold and an
// interrupted copy resumes by sending only what is missing. Images run side by side within --concurrency.
import { humanSize } from '../content.js';
import { Limiter } from '../content.js';
import { BlobMover } from './blobs.js';
import type { PlannedImage } from './plan.js';
import type { Progress } from './progress.js';
import type { ImageDest, ImageSource, UpToDatePer } from './types.js';

export interface ImageResult {
  source: string;
  destination: string;
  digest: string;
  platform?: string;
  bytesSent: number;
  bytesSkipped: number;
  blobsSent: number;
  blobsSkipped: number;
  blobsMounted: number;
  upToDate: boolean;
  /** With upToDate: who said so ('image-stream': this cluster's image stream, the registry not asked). */
  upToDatePer?: UpToDatePer;
  seconds: number;
}

function emptyResult(img: PlannedImage): ImageResult {
  return {
    source: img.source,
    destination: img.destination,
    digest: img.top.digest,
    ...(img.platform ? { platform: img.platform } : {}),
    bytesSent: 0,
    bytesSkipped: 0,
    blobsSent: 0,
    blobsSkipped: 0,
    blobsMounted: 0,
    upToDate: img.upToDate,
    ...(img.upToDatePer ? { upToDatePer: img.upToDatePer } : {}),
    seconds: 0,
  };
}

/** An image the plan found up to date: nothing sent, the destination not touched. */
export function upToDateResult(img: PlannedImage, progress: Progress): ImageResult {
  const r = emptyResult(img);
  r.bytesSkipped = img.blobs.reduce((a, b) => a + Math.max(0, b.size), 0);
  r.blobsSkipped = img.blobs.length;
  progress.line(`${img.destination} is up to date (${img.top.digest}${img.upToDatePer === 'image-stream' ? ', per the image stream' : ''})`);
  return r;
}

export async function runCopy(images: PlannedImage[], src: ImageSource, dst: ImageDest, o: { concurrency: number; signal: AbortSignal; progress: Progress }): Promise<ImageResult[]> {
  const perBlob = new Map<string, number>();
  const mover = new BlobMover(src, dst, o.concurrency, {
    start: (b) => o.progress.start(b),
    bytes: (b, n) => {
      perBlob.set(b.digest, (perBlob.get(b.digest) ?? 0) + n);
      o.progress.bytes(b, n);
    },
    done: (b) => o.progress.done(b),
  }, o.signal);
  for (const img of images) if (!img.upToDate) o.progress.addTotal(img.blobs.reduce((a, b) => a + Math.max(0, b.size), 0));
  const imageLimiter = new Limiter(Math.max(1, o.concurrency));
  const results = await Promise.all(
    images.map((img) =>
      imageLimiter.run(async (): Promise<ImageResult> => {
        if (img.upToDate) return upToDateResult(img, o.progress);
        const t0 = Date.now();
        const r = emptyResult(img);
        const outcomes = await Promise.all(img.blobs.map((b) => mover.move(b).then((how) => ({ b, how }))));
        for (const { b, how } of outcomes) {
          if (how === 'sent') {
            r.bytesSent += perBlob.get(b.digest) ?? b.size;
            r.blobsSent++;
          } else {
            r.bytesSkipped += Math.max(0, b.size);
            if (how === 'mounted') r.blobsMounted++;
            else r.blobsSkipped++;
          }
        }
        for (const c of img.children) await dst.putManifest(c, undefined, o.signal);
        await dst.putManifest(img.top, img.dstTag, o.signal);
        r.seconds = Math.round((Date.now() - t0) / 10) / 100;
        o.progress.line(
          `copied ${img.source} → ${img.destination} (${img.top.digest}): ${humanSize(r.bytesSent)} sent, ${humanSize(r.bytesSkipped)} already there${r.blobsMounted ? ` (${r.blobsMounted} mounted)` : ''}, ${r.seconds}s`,
        );
        return r;
      }),
    ),
  );
  await dst.finish?.();
  return results;
}
