// `regctl copy` end to end: open both sides, plan, check the push rights on this cluster's registry, then copy.
import { setMaxListeners } from 'node:events';
import type { Context } from '../../context.js';
import type { Platform } from '../content.js';
import type { ImageDest, UpToDatePer } from './types.js';
import type { Endpoint } from './refs.js';
import { Sessions, openDest, openSource, type Opened, type SideFlags } from './open.js';
import { planCopy } from './plan.js';
import { runCopy, upToDateResult, type ImageResult } from './engine.js';
import { Progress } from './progress.js';
import { checkPushRights } from './rights.js';
import { StreamTagsView, type RegistryDest } from './registry.js';
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
  upToDatePer?: UpToDatePer;
}

export async function copyImages(ctx: Context, r: CopyRequest): Promise<{ plan: PlanRow[]; images: ImageResult[] }> {
  // One abort listener per request in flight.
  setMaxListeners(0, ctx.signal);
  const sessions = new Sessions(ctx);
  // May the user push to this cluster's registry? Asked (with SelfSubjectAccessReviews) while the source opens, and
  // decided first: a denied copy fails with the grant that fixes it, having sent the registry nothing. The image
  // stream read on the way gives the destination's tags without a HEAD per tag. This cluster's registry named
  // without a host (PROJECT/STREAM): the registry serves the stream's tags (StreamTagsView), so the plan is made
  // from the stream and the registry is opened only when something is to be sent or a digest asked — a no-change
  // re-copy makes no registry request at all. Any other destination opens side by side with the source.
  let opened: Promise<Opened<ImageDest>> | undefined;
  const openDestination = () => (opened ??= openDest(ctx, sessions, r.dst, r.dstFlags));
  const rightsFor = async (ns: string, stream: string) => {
    const cluster = await ctx.cluster().catch(() => undefined);
    if (!cluster) return undefined;
    const registryKnows = async () => ((await openDestination()).t as RegistryDest).repositoryExists(ctx.signal);
    return checkPushRights(cluster, ns, stream, registryKnows, (m) => ctx.log.warn(m), (m) => ctx.log.debug(m));
  };
  const bare = r.dst.kind === 'registry' && r.dst.cluster ? r.dst.ref.path.split('/') : undefined;
  const source = openSource(ctx, sessions, r.src, r.srcFlags);
  source.catch(() => undefined); // a refused push is reported first; opening's own error comes from the await below
  if (!bare) openDestination().catch(() => undefined);
  const host = bare?.length === 2 ? sessions.clusterHost(r.dstFlags) : undefined;
  host?.catch(() => undefined);
  const knownTags = bare ? await rightsFor(bare[0]!, bare[1]!) : undefined;
  // A new (or empty) stream: every image is to be sent, so the registry is opened while the source is read.
  if (knownTags?.size === 0) openDestination().catch(() => undefined);
  const s = await source;
  const hostName = knownTags && !opened ? await host?.catch(() => undefined) : undefined;
  const streamView = knownTags && hostName && !opened ? new StreamTagsView(`${hostName}/${bare!.join('/')}`, knownTags, async () => (await openDestination()).t) : undefined;
  let d: Opened<ImageDest> | undefined;
  try {
    if (!streamView) {
      d = await openDestination();
      if (d.cluster) (d.t as RegistryDest).knownTags = bare ? knownTags : await rightsFor(d.cluster.namespace, d.cluster.stream);
    }
    const plan = await ctx.spin('Reading the source', () =>
      planCopy(s.t, streamView ?? d!.t, {
        srcRef: s.ref,
        dstTag: d ? d.tag : r.dst.kind === 'registry' ? r.dst.ref.tag : undefined,
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
      ...(p.upToDatePer ? { upToDatePer: p.upToDatePer } : {}),
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
      if (streamView && !opened && plan.every((p) => p.upToDate)) return { plan: rows, images: plan.map((p) => upToDateResult(p, progress)) };
      if (!d) {
        d = await openDestination();
        (d.t as RegistryDest).knownTags = knownTags;
      }
      const images = await runCopy(plan, s.t, d.t, { concurrency: r.concurrency, signal: ctx.signal, progress });
      return { plan: rows, images };
    } finally {
      progress.stop();
      spinner.stop();
    }
  } finally {
    await (d ?? (opened ? await opened.catch(() => undefined) : undefined))?.t.close?.();
    await s.t.close?.();
  }
}
