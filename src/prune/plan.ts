// The PrunePlan object (-o json|yaml) and its human rendering.
import type { Decisions, PruneOptions } from './decide.js';
import type { Inventory } from './model.js';
import type { InvalidRef } from './refs.js';

export interface PlanImage {
  name: string;
  decision: 'keep' | 'prune';
  reason: string;
  detail?: string;
  created: string | null;
  /** Bytes of its layers, config and manifest (each once). */
  size: number;
}

export interface PlanStream {
  namespace: string;
  name: string;
  remove: Array<{ tag: string; revision: number; image: string; reason: string }>;
  layerLinks: string[];
  manifestLinks: string[];
}

export interface PrunePlan {
  options: { keepTagRevisions: number; keepYoungerThan: string; all: boolean; ignoreInvalidRefs: boolean };
  summary: {
    images: number;
    keep: number;
    prune: number;
    historyEntries: number;
    imageStreams: number;
    layerLinks: number;
    manifestLinks: number;
    blobs: number;
    bytesFreed: number;
  };
  images: PlanImage[];
  imageStreams: PlanStream[];
  blobs: Array<{ digest: string; size: number }>;
  invalidReferences: InvalidRef[];
  skippedKinds: string[];
}

const iso = (t: number): string | null => (t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

export function buildPlan(inv: Inventory, d: Decisions, o: PruneOptions & { keepYoungerThan: string; ignoreInvalidRefs: boolean }): PrunePlan {
  const images: PlanImage[] = d.images
    .map((x) => {
      const size = [...x.image.blobs, x.image.manifest].reduce((s, b) => s + inv.blobs.sizes[b]!, 0);
      return { name: x.image.name, decision: x.decision, reason: x.reason, ...(x.detail ? { detail: x.detail } : {}), created: iso(x.image.created), size, t: x.image.created };
    })
    .sort((a, b) => a.t - b.t || (a.name < b.name ? -1 : 1))
    .map(({ t: _t, ...rest }) => rest);
  const imageStreams: PlanStream[] = d.streams
    .map((s) => ({
      namespace: s.stream.namespace,
      name: s.stream.name,
      remove: s.removed.map((r) => ({ tag: r.tag, revision: r.revision, image: r.image, reason: r.reason })),
      layerLinks: s.links.layerLinks,
      manifestLinks: s.links.manifestLinks,
    }));
  const prune = images.filter((i) => i.decision === 'prune').length;
  return {
    options: { keepTagRevisions: o.keepTagRevisions, keepYoungerThan: o.keepYoungerThan, all: o.all, ignoreInvalidRefs: o.ignoreInvalidRefs },
    summary: {
      images: images.length,
      keep: images.length - prune,
      prune,
      historyEntries: imageStreams.reduce((n, s) => n + s.remove.length, 0),
      imageStreams: imageStreams.length,
      layerLinks: imageStreams.reduce((n, s) => n + s.layerLinks.length, 0),
      manifestLinks: imageStreams.reduce((n, s) => n + s.manifestLinks.length, 0),
      blobs: d.freedBlobs.length,
      bytesFreed: d.freedBytes,
    },
    images,
    imageStreams,
    blobs: d.freedBlobs.map((b) => ({ digest: inv.blobs.digests[b]!, size: inv.blobs.sizes[b]! })),
    invalidReferences: inv.usage.invalid,
    skippedKinds: inv.skippedKinds,
  };
}

/** 1536 → "1.5 KiB" (binary units, as du -h and go-units' BytesSize). */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function summaryLines(p: PrunePlan): string[] {
  const s = p.summary;
  return [
    `${s.images} images: keep ${s.keep}, prune ${s.prune}`,
    `${s.historyEntries} tag history entries in ${s.imageStreams} image streams, ${s.layerLinks} layer links and ${s.manifestLinks} manifest links to delete`,
    `a hard prune (prune apply --hard) then frees ${s.blobs} blobs: ${bytes(s.bytesFreed)} (${s.bytesFreed} bytes)`,
  ];
}
