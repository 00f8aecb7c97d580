// `regctl copy` end to end: open both sides, plan, check the push rights on this cluster's registry, then copy.
import { setMaxListeners } from 'node:events';
import type { Context } from '../../context.js';
import type { Platform } from '../content.js';
import type { Endpoint } from './refs.js';
import { Sessions, openDest, openSource, type SideFlags } from './open.js';
import { planCopy } from './plan.js';
import { runCopy, type ImageResult } from './engine.js';
import { Progress } from './progress.js';
import { checkPushRights } from './rights.js';
import type { RegistryDest } from './registry.js';
import { startSpinner } from '../../output/spinner.js';

export interface CopyRequest {
  src: Endpoint;
  dst: Endpoint;
  srcFlags: SideFlags;
  dstFlags: SideFlags;
  allTags: boolean;
  include: RegExp[];
  exclude: RegExp[];
  platform?: Platform;
  concurrency: number;
  dryRun: boolean;
  /** Print one line per image on stderr (no -o). */
  lines: boolean;
}

export interface PlanRow {
  source: string;
  destination: string;
  digest: string;
  platform?: string;
  manifests: number;
  blobs: number;
  bytes: number;
  upToDate: boolean;
}

export async function copyImages(ctx: Context, r: CopyRequest): Promise<{ plan: PlanRow[]; images: ImageResult[] }> {
  // One abort listener per request in flight.
  setMaxListeners(0, ctx.signal);
  const sessions = new Sessions(ctx);
  // May the user push to this cluster's registry? Asked while both ends open (host discovery, then one GET /v2/ to
  // the registry, side by side with the API requests), and decided first: a denied copy fails with the grant that
  // fixes it, having sent the registry nothing else. The image stream read on the way gives the destination's tags
  // without a HEAD per tag.
  let destination: RegistryDest | undefined;
  const rightsFor = async (ns: string, stream: string) => {
    const cluster = await ctx.cluster().catch(() => undefined);
    if (!cluster) return undefined;
    const registryKnows = async () => (destination ??= (await openDest(ctx, sessions, r.dst, r.dstFlags)).t as RegistryDest).repositoryExists(ctx.signal);
    return checkPushRights(cluster, ns, stream, registryKnows, (m) => ctx.log.warn(m), (m) => ctx.log.debug(m));
  };
  const bare = r.dst.kind === 'registry' && r.dst.cluster ? r.dst.ref.path.split('/') : undefined;
  const opening = Promise.all([openSource(ctx, sessions, r.src, r.srcFlags), openDest(ctx, sessions, r.dst, r.dstFlags)]);
  opening.catch(() => undefined); // a refused push is reported first; opening's own error comes from the await below
  const knownTags = bare ? await rightsFor(bare[0]!, bare[1]!) : undefined;
  const [s, d] = await opening;
  try {
    if (d.cluster) (d.t as RegistryDest).knownTags = bare ? knownTags : await rightsFor(d.cluster.namespace, d.cluster.stream);
    const plan = await ctx.spin('Reading the source', () =>
      planCopy(s.t, d.t, {
        srcRef: s.ref,
        dstTag: d.tag,
        allTags: r.allTags,
        include: r.include,
        exclude: r.exclude,
        platform: r.platform,
        signal: ctx.signal,
        concurrency: r.concurrency,
        defaultTag: r.dst.kind === 'registry' ? 'latest' : undefined,
        singleImage: r.dst.kind === 'docker-archive',
      }),
    );
    const rows: PlanRow[] = plan.map((p) => ({
      source: p.source,
      destination: p.destination,
      digest: p.top.digest,
      ...(p.platform ? { platform: p.platform } : {}),
      manifests: 1 + p.children.length,
      blobs: p.blobs.length,
      bytes: p.blobs.reduce((a, b) => a + Math.max(0, b.size), 0),
      upToDate: p.upToDate,
    }));
    if (r.dryRun) return { plan: rows, images: [] };
    const quiet = Boolean(ctx.globals.quiet);
    const spinner = await startSpinner(ctx.io, 'copying', { quiet, env: ctx.env });
    const progress = new Progress({
      update: ctx.io.stderrTTY && !quiet ? (t) => spinner.update(t) : undefined,
      line: (t) => {
        if (r.lines) ctx.log.info(t);
      },
    });
    try {
      const images = await runCopy(plan, s.t, d.t, { concurrency: r.concurrency, signal: ctx.signal, progress });
      return { plan: rows, images };
    } finally {
      progress.stop();
      spinner.stop();
    }
  } finally {
    await d.t.close?.();
    await s.t.close?.();
  }
}
