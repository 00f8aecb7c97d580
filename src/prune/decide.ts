// The decisions of `oc adm prune images` (openshift/oc pkg/cli/admin/prune/imageprune/prune.go): stage 1 removes
// old revisions from image streams' status.tags (pruneImageStreamTag/pruneImageStream), stage 2 deletes the images
// no stream references any more (pruneImage). Every decision carries a reason; the bytes a hard prune frees are the
// blobs that only pruned images reference.
import type { ImageRec, Inventory, StreamRec } from './model.js';
import type { Referrer } from './refs.js';

export interface PruneOptions {
  keepTagRevisions: number;
  keepYoungerThanMs: number;
  /** false: only images the registry manages (openshift.io/image.managed=true) are candidates. */
  all: boolean;
  now: number;
}

/** Why an image or history entry stays. */
export type KeepReason = 'in-use' | 'tag-revision' | 'younger' | 'stream-younger' | 'not-managed';
/** Why it goes. */
export type PruneReason = 'old-revision' | 'unreferenced' | 'image-missing';

export interface EntryDecision {
  tag: string;
  /** 1 = the tag's current image. */
  revision: number;
  image: string;
  reason: KeepReason | PruneReason;
  /** in-use: who uses it; `via` the tag when the tag (not the digest) is what they name. */
  referrers?: Referrer[];
  viaTag?: boolean;
}

export interface StreamDecision {
  kept: EntryDecision[];
  removed: EntryDecision[];
}

export interface LinkDeletions {
  layerLinks: string[];
  manifestLinks: string[];
}

const KEEP_PRIORITY: Record<string, number> = { 'in-use': 0, 'tag-revision': 1, younger: 2, 'stream-younger': 3 };

/** oc's referencesSample: up to four referrers, else three and "and N more". */
export function referrersSample(refs: Referrer[]): string {
  if (refs.length < 5) return refs.join(', ');
  return `${refs.slice(0, 3).join(', ')}, and ${refs.length - 3} more`;
}

/** The words for an entry's reason (built only for what is shown: 100,000 entries need not all have them). */
export function entryDetail(s: StreamRec, e: EntryDecision): string {
  const key = `${s.namespace}/${s.name}`;
  if (e.reason === 'stream-younger') return `${key} is younger than --keep-younger-than`;
  if (e.reason === 'in-use') return `${referrersSample(e.referrers ?? [])}${e.viaTag ? ` (via ${key}:${e.tag})` : ''}`;
  return `${key}:${e.tag} revision ${e.revision}`;
}

/** Stage 1 for one stream: which status.tags entries stay and which go (pruneImageStream + pruneImageStreamTag). */
export function decideStream(s: StreamRec, inv: Pick<Inventory, 'images' | 'usage'>, o: PruneOptions): StreamDecision {
  const cutoff = o.now - o.keepYoungerThanMs;
  const kept: EntryDecision[] = [];
  const removed: EntryDecision[] = [];
  const key = `${s.namespace}/${s.name}`;
  const streamYoung = s.created > cutoff;
  for (const t of s.tags) {
    t.items.forEach((item, i) => {
      const e = { tag: t.tag, revision: i + 1, image: item.image };
      if (streamYoung) return void kept.push({ ...e, reason: 'stream-younger' });
      if (item.created > cutoff) return void kept.push({ ...e, reason: 'younger' });
      if (i === 0) {
        const used = inv.usage.tags.get(`${key}:${t.tag}`);
        if (used?.length) return void kept.push({ ...e, reason: 'in-use', referrers: used, viaTag: true });
      }
      if (!inv.images.has(item.image)) return void removed.push({ ...e, reason: 'image-missing' });
      if (i < o.keepTagRevisions) return void kept.push({ ...e, reason: 'tag-revision' });
      const used = inv.usage.images.get(`${key}@${item.image}`);
      if (used?.length) return void kept.push({ ...e, reason: 'in-use', referrers: used });
      removed.push({ ...e, reason: 'old-revision' });
    });
  }
  return { kept, removed };
}

/**
 * The registry links a stream loses with the given entries (getRepositoryReferenceCounts, then a decrement per
 * removed entry): a layer link when no remaining entry's image has the blob, a manifest link when no remaining
 * entry is that image.
 */
export function linkDeletions(s: StreamRec, images: Map<string, ImageRec>, digests: string[], removed: ReadonlySet<string>): LinkDeletions {
  const manifests = new Map<string, number>();
  const blobs = new Map<number, number>();
  const gone: ImageRec[] = [];
  for (const t of s.tags) {
    t.items.forEach((item, i) => {
      const img = images.get(item.image);
      if (!img) return;
      manifests.set(img.name, (manifests.get(img.name) ?? 0) + 1);
      for (const b of img.blobs) blobs.set(b, (blobs.get(b) ?? 0) + 1);
      if (removed.has(entryKey(t.tag, i + 1, item.image))) gone.push(img);
    });
  }
  const layerLinks: string[] = [];
  const manifestLinks: string[] = [];
  for (const img of gone) {
    const m = manifests.get(img.name)! - 1;
    manifests.set(img.name, m);
    if (m === 0) manifestLinks.push(img.name);
    for (const b of img.blobs) {
      const n = blobs.get(b)! - 1;
      blobs.set(b, n);
      if (n === 0) layerLinks.push(digests[b]!);
    }
  }
  return { layerLinks, manifestLinks };
}

export const entryKey = (tag: string, revision: number, image: string): string => `${tag}\u0000${revision}\u0000${image}`;

export interface ImageDecision {
  image: ImageRec;
  decision: 'keep' | 'prune';
  reason: KeepReason | PruneReason;
  detail?: string;
}

export interface Decisions {
  /** Streams that lose entries (the kept ones are folded into the images' reasons). */
  streams: Array<{ stream: StreamRec; removed: EntryDecision[]; links: LinkDeletions }>;
  images: ImageDecision[];
  /** Blob ids only pruned images reference (manifests included). */
  freedBlobs: number[];
  freedBytes: number;
}

/** Both stages over the whole inventory. */
export function decide(inv: Inventory, o: PruneOptions): Decisions {
  const cutoff = o.now - o.keepYoungerThanMs;
  const streams: Decisions['streams'] = [];
  const keptBy = new Map<string, { reason: KeepReason; stream: StreamRec; entry: EntryDecision }>();
  const everReferenced = new Set<string>();
  for (const s of inv.streams) {
    const d = decideStream(s, inv, o);
    for (const k of d.kept) {
      const cur = keptBy.get(k.image);
      if (!cur || KEEP_PRIORITY[k.reason]! < KEEP_PRIORITY[cur.reason]!) keptBy.set(k.image, { reason: k.reason as KeepReason, stream: s, entry: k });
    }
    if (!d.removed.length) continue;
    for (const r of d.removed) everReferenced.add(r.image);
    const links = linkDeletions(s, inv.images, inv.blobs.digests, new Set(d.removed.map((r) => entryKey(r.tag, r.revision, r.image))));
    streams.push({ stream: s, removed: d.removed, links });
  }

  const counts = new Int32Array(inv.blobs.digests.length);
  for (const img of inv.images.values()) {
    counts[img.manifest]!++;
    for (const b of img.blobs) counts[b]!++;
  }
  const images: ImageDecision[] = [];
  const freedBlobs: number[] = [];
  let freedBytes = 0;
  for (const img of inv.images.values()) {
    const kept = keptBy.get(img.name);
    let d: ImageDecision;
    if (kept) d = { image: img, decision: 'keep', reason: kept.reason, detail: entryDetail(kept.stream, kept.entry) };
    else if (!o.all && !img.managed) d = { image: img, decision: 'keep', reason: 'not-managed', detail: 'not pushed to the registry (use --all to include it)' };
    else if (img.created > cutoff) d = { image: img, decision: 'keep', reason: 'younger' };
    else d = { image: img, decision: 'prune', reason: everReferenced.has(img.name) ? 'old-revision' : 'unreferenced' };
    images.push(d);
    if (d.decision !== 'prune') continue;
    for (const b of [...img.blobs, img.manifest]) {
      if (--counts[b]! === 0) {
        freedBlobs.push(b);
        freedBytes += inv.blobs.sizes[b]!;
      }
    }
  }
  return { streams, images, freedBlobs, freedBytes };
}
