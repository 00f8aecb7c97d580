// What a copy will do, computed before anything is sent: which source images (one tag, a digest, or every tag
// matching --include/--exclude), which manifests (a whole index, or the one --platform picks), which blobs, and
// under which tag each lands. `--dry-run` prints this.
import { RegctlError, UsageError } from '../../errors.js';
import { formatPlatform, orderedMap, selectPlatform, type Descriptor, type Platform } from '../content.js';
import type { BlobRef, DestView, ImageSource, Manifest, UpToDatePer } from './types.js';

export interface PlannedImage {
  source: string;
  destination: string;
  /** What the source is asked for (tag or digest; undefined: its only image). */
  srcRef?: string;
  /** The tag at the destination; undefined: by digest only. */
  dstTag?: string;
  /** The manifest put last (under dstTag): an index, or an image. */
  top: Manifest;
  /** An index's image manifests, put by digest before it. */
  children: Manifest[];
  /** Every blob, once (config and layers). */
  blobs: BlobRef[];
  platform?: string;
  /** The destination already has this digest under the tag: nothing to send. */
  upToDate: boolean;
  /** With upToDate: who said so. */
  upToDatePer?: UpToDatePer;
}

export interface PlanOptions {
  /** The source's tag or digest (from SRC). */
  srcRef?: string;
  /** The destination's tag (from DST). */
  dstTag?: string;
  allTags?: boolean;
  include?: RegExp[];
  exclude?: RegExp[];
  platform?: Platform;
  signal: AbortSignal;
  /** Default tag at the destination when neither DST nor the source names one (registries: latest). */
  defaultTag?: string;
  /** Tags planned at once (--concurrency). */
  concurrency?: number;
  /** Images of an index a destination cannot store (a docker archive): pick one platform. */
  singleImage?: boolean;
}

export function tagFilter(o: Pick<PlanOptions, 'include' | 'exclude'>): (t: string) => boolean {
  return (t) => (!o.include?.length || o.include.some((r) => r.test(t))) && !o.exclude?.some((r) => r.test(t));
}

function imageBlobs(m: Manifest, where: string): BlobRef[] {
  if (m.kind === 'schema1') throw new RegctlError(`${where} is a schema 1 manifest, which regctl copy does not convert`, { hint: 'use `skopeo copy --format v2s2` for schema 1 images' });
  const out: BlobRef[] = [];
  if (m.json.config?.digest) out.push({ digest: m.json.config.digest, size: Number(m.json.config.size), mediaType: m.json.config.mediaType });
  for (const l of (m.json.layers ?? []) as Array<Descriptor & { urls?: string[] }>) {
    // Non-distributable (foreign) layers stay where their urls point, as skopeo leaves them.
    if (l.urls?.length) continue;
    out.push({ digest: l.digest, size: Number(l.size), mediaType: l.mediaType });
  }
  return out;
}

async function planOne(src: ImageSource, dst: DestView, srcRef: string | undefined, dstTag: string | undefined, o: PlanOptions): Promise<PlannedImage> {
  let top = await src.manifest(srcRef);
  const where = `${src.name}${srcRef ? (srcRef.includes(':') ? `@${srcRef}` : `:${srcRef}`) : ''}`;
  const children: Manifest[] = [];
  let platform: string | undefined;
  if (top.kind === 'index') {
    const entries = (top.json.manifests ?? []) as Descriptor[];
    const want = o.platform ?? (o.singleImage ? { os: 'linux', architecture: 'amd64' } : undefined);
    if (want) {
      const pick = selectPlatform(entries, want);
      if (!pick) throw new UsageError(`${where} has no image for ${formatPlatform(want)}`, `its platforms: ${entries.map((e) => formatPlatform(e.platform)).filter(Boolean).join(', ') || 'none'}`);
      top = await src.manifest(pick.digest);
      platform = formatPlatform(pick.platform);
    } else {
      for (const e of entries) children.push(await src.manifest(e.digest));
    }
  }
  const seen = new Set<string>();
  const blobs: BlobRef[] = [];
  for (const m of top.kind === 'index' ? children : [top]) {
    if (m.kind === 'index') throw new RegctlError(`${where} nests an index inside an index, which regctl copy does not copy`, { hint: 'copy one platform with --platform' });
    for (const b of imageBlobs(m, where)) if (!seen.has(b.digest)) (seen.add(b.digest), blobs.push(b));
  }
  const ref = dstTag ?? top.digest;
  const current = await dst.manifestDigest(ref, o.signal);
  const upToDate = current === top.digest;
  return {
    source: where,
    destination: `${dst.name}${dstTag ? `:${dstTag}` : `@${top.digest}`}`,
    srcRef,
    dstTag,
    top,
    children,
    blobs,
    platform,
    upToDate,
    ...(upToDate ? { upToDatePer: dst.digestSource?.(ref) ?? 'destination' } : {}),
  };
}

export async function planCopy(src: ImageSource, dst: DestView, o: PlanOptions): Promise<PlannedImage[]> {
  if (o.allTags) {
    const keep = tagFilter(o);
    const tags = (await src.tags()).filter(keep).sort();
    if (!tags.length) throw new RegctlError(`${src.name} has no tags${o.include?.length || o.exclude?.length ? ' matching --include/--exclude' : ''}`, { hint: 'check the tags with `regctl tags` or drop the filters', exitCode: 5 });
    // Several tags at once: each is a manifest read and a HEAD at the destination.
    const out: PlannedImage[] = [];
    for await (const p of orderedMap(tags, (t) => planOne(src, dst, t, t, o), o.concurrency ?? 6)) out.push(p);
    return out;
  }
  const srcTag = o.srcRef && !o.srcRef.includes(':') ? o.srcRef : undefined;
  let dstTag = o.dstTag ?? srcTag;
  if (!dstTag && !o.srcRef) dstTag = (await src.tags().catch(() => []))[0];
  dstTag ??= o.srcRef?.includes(':') ? undefined : o.defaultTag;
  return [await planOne(src, dst, o.srcRef, dstTag, o)];
}
