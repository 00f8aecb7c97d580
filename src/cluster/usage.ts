// Where the registry's bytes are (`regctl usage`): from the API alone, as the registry records pushes — each Image's
// dockerImageLayers (digest + size) and its config blob (digest dockerImageMetadata.Id; size = dockerImageMetadata.Size
// minus the distinct layers, since openshift-apiserver sets Size = config length + each distinct layer once), and each
// ImageStream's status.tags[].items (the tag history: every image the stream still holds).
//
// Units are projects, image streams or images. For a unit, over the distinct blobs its images reference:
//   total      = their bytes
//   exclusive  = bytes of the blobs no other unit references
//   shared     = total - exclusive
//   attributed = exclusive + its part of every shared blob: a blob referenced by k units is split into k whole-byte
//                parts of floor(size / k); the size mod k bytes left over go one each to the first of those units in
//                name order. So the attributed bytes of all units add up exactly to the registry's distinct bytes.
// A stream holding a manifest list holds the list's images (dockerImageManifests) too. Images referenced by no image
// stream form one more unit, `(no image stream)`, with --by project|stream.
// Manifest blobs are not counted (the API does not keep their size); images the registry does not manage (imported
// by reference) are left out unless `all`, since the registry stores their blobs only if it pulls them through.
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import type { ResourceRef } from './resources.js';

export type UsageBy = 'project' | 'stream' | 'image';
export const USAGE_BY: readonly UsageBy[] = ['project', 'stream', 'image'];
export const NO_STREAM = '(no image stream)';
export const ATTRIBUTION_RULE =
  'a blob referenced by k units is split into k parts of floor(size/k) bytes; the size mod k bytes left over go one each to the first of those units in name order';

const IMAGES: ResourceRef = { group: 'image.openshift.io', version: 'v1', resource: 'images', kind: 'Image', namespaced: false };
const STREAMS: ResourceRef = { group: 'image.openshift.io', version: 'v1', resource: 'imagestreams', kind: 'ImageStream', namespaced: true };
const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1/;

/** Blob digests interned as small integers, with their sizes. */
export class BlobIndex {
  private readonly ids = new Map<string, number>();
  readonly sizes: number[] = [];
  id(digest: string, size: number): number {
    let id = this.ids.get(digest);
    if (id === undefined) {
      id = this.sizes.length;
      this.ids.set(digest, id);
      this.sizes.push(size);
    } else if (!this.sizes[id] && size) this.sizes[id] = size;
    return id;
  }
  get count(): number {
    return this.sizes.length;
  }
}

export interface ImageEntry {
  /** Distinct blob ids: layers, then the config. */
  blobs: Uint32Array;
  layers: number;
  /** A manifest list's images (dockerImageManifests): a unit holding the list holds them too. */
  children?: string[];
}

export interface StreamEntry {
  namespace: string;
  name: string;
  /** Distinct image digests of the tag history. */
  images: string[];
}

export interface UsageInventory {
  blobs: BlobIndex;
  images: Map<string, ImageEntry>;
  streams: StreamEntry[];
  /** Images left out: not managed by the registry (without `all`). */
  unmanaged: Set<string>;
}

export function newInventory(): UsageInventory {
  return { blobs: new BlobIndex(), images: new Map(), streams: [], unmanaged: new Set() };
}

const isManaged = (img: Json) => img?.metadata?.annotations?.['openshift.io/image.managed'] === 'true';

/** Adds one Image object (only its digests and sizes are kept). */
export function addImage(inv: UsageInventory, img: Json, all = false): void {
  const name = String(img?.metadata?.name ?? '');
  if (!name) return;
  if (!all && !isManaged(img)) {
    inv.unmanaged.add(name);
    return;
  }
  const ids: number[] = [];
  const seen = new Set<string>();
  let layerBytes = 0;
  for (const l of (img.dockerImageLayers ?? []) as Json[]) {
    const d = String(l?.name ?? '');
    if (!d || seen.has(d)) continue;
    seen.add(d);
    const size = Number(l.size) || 0;
    layerBytes += size;
    ids.push(inv.blobs.id(d, size));
  }
  const md = img.dockerImageMetadata ?? {};
  const configDigest = String(md.Id ?? '');
  // Schema 2 / OCI images have a config blob; a manifest list's Id is its own digest, schema 1 has none.
  if (/^sha256:[0-9a-f]{64}$/.test(configDigest) && configDigest !== name && !seen.has(configDigest) && !SCHEMA1.test(String(img.dockerImageManifestMediaType ?? ''))) {
    const size = Math.max(0, (Number(md.Size) || 0) - layerBytes);
    ids.push(inv.blobs.id(configDigest, size));
  }
  const children = ((img.dockerImageManifests ?? []) as Json[]).map((m) => String(m?.digest ?? '')).filter(Boolean);
  inv.images.set(name, { blobs: Uint32Array.from(ids), layers: seen.size, ...(children.length ? { children } : {}) });
}

/** Adds one ImageStream: the images of its whole tag history. */
export function addStream(inv: UsageInventory, is: Json): void {
  const images = new Set<string>();
  for (const t of (is?.status?.tags ?? []) as Json[]) for (const it of (t?.items ?? []) as Json[]) if (it?.image) images.add(String(it.image));
  inv.streams.push({ namespace: String(is?.metadata?.namespace ?? ''), name: String(is?.metadata?.name ?? ''), images: [...images] });
}

export interface UsageUnit {
  /** The unit's key: PROJECT, PROJECT/STREAM or the image digest; `(no image stream)` for images no stream holds. */
  name: string;
  project?: string;
  stream?: string;
  image?: string;
  /** --by image: how many streams hold the image, and the first of them. */
  streams?: number;
  firstStream?: string;
  images: number;
  /** History entries naming an image the API does not have (or one left out as unmanaged). */
  missingImages?: number;
  blobs: number;
  exclusive: number;
  shared: number;
  total: number;
  attributed: number;
}

export interface UsageReport {
  by: UsageBy;
  namespace?: string;
  attribution: string;
  registry: { images: number; imageStreams: number; projects: number; blobs: number; bytes: number; unmanagedImages: number };
  /** The units shown (after -n and --top) and their attributed bytes added up. */
  shown: { units: number; of: number; attributed: number };
  units: UsageUnit[];
}

interface UnitDef {
  key: string;
  sortKey: string;
  images: string[];
  project?: string;
  stream?: string;
  image?: string;
}

/** The images a unit holds: those named, and the images of the manifest lists among them. */
function withChildren(inv: UsageInventory, names: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const d of names) {
    out.add(d);
    for (const c of inv.images.get(d)?.children ?? []) out.add(c);
  }
  return [...out];
}

function unitsOf(inv: UsageInventory, by: UsageBy): UnitDef[] {
  const inStream = new Set<string>();
  for (const s of inv.streams) for (const d of withChildren(inv, s.images)) inStream.add(d);
  const orphans = [...inv.images.keys()].filter((d) => !inStream.has(d));
  // The pseudo-unit sorts after every real one.
  const noStream = (): UnitDef => ({ key: NO_STREAM, sortKey: '\uffff', images: orphans });
  if (by === 'image') return [...inv.images.keys()].map((d) => ({ key: d, sortKey: d, images: [d], image: d }));
  if (by === 'stream') {
    const units: UnitDef[] = inv.streams.map((s) => ({ key: `${s.namespace}/${s.name}`, sortKey: `${s.namespace}/${s.name}`, images: withChildren(inv, s.images), project: s.namespace, stream: s.name }));
    if (orphans.length) units.push(noStream());
    return units;
  }
  const byNs = new Map<string, Set<string>>();
  for (const s of inv.streams) {
    let set = byNs.get(s.namespace);
    if (!set) byNs.set(s.namespace, (set = new Set()));
    for (const d of withChildren(inv, s.images)) set.add(d);
  }
  const units: UnitDef[] = [...byNs].map(([ns, set]) => ({ key: ns, sortKey: ns, images: [...set], project: ns }));
  if (orphans.length) units.push(noStream());
  return units;
}

/** The usage of every unit (computed over the whole registry), then filtered to `namespace` and cut to `top`. */
export function computeUsage(inv: UsageInventory, o: { by: UsageBy; namespace?: string; top?: number }): UsageReport {
  const units = unitsOf(inv, o.by).sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const nBlobs = inv.blobs.count;
  const sizes = inv.blobs.sizes;
  // mark[b] = 1 + the last unit that listed blob b: each unit's distinct blobs without a Set per unit.
  const mark = new Uint32Array(nBlobs);
  const eachBlob = (u: number, def: UnitDef, fn: (b: number) => void) => {
    for (const d of def.images) {
      const img = inv.images.get(d);
      if (!img) continue;
      for (const b of img.blobs) {
        if (mark[b] === u + 1) continue;
        mark[b] = u + 1;
        fn(b);
      }
    }
  };
  const refs = new Uint32Array(nBlobs);
  units.forEach((def, u) => eachBlob(u, def, (b) => refs[b]!++));
  mark.fill(0);
  const given = new Uint32Array(nBlobs); // how many of a blob's units already got their part (in name order)

  // --by image: which streams hold each image.
  const holders = new Map<string, { n: number; first: string }>();
  if (o.by === 'image') {
    for (const s of inv.streams) {
      for (const d of withChildren(inv, s.images)) {
        const h = holders.get(d);
        const name = `${s.namespace}/${s.name}`;
        if (!h) holders.set(d, { n: 1, first: name });
        else {
          h.n++;
          if (name < h.first) h.first = name;
        }
      }
    }
  }
  const nsOfImage = o.by === 'image' && o.namespace ? new Set(inv.streams.filter((s) => s.namespace === o.namespace).flatMap((s) => withChildren(inv, s.images))) : undefined;

  const out: UsageUnit[] = [];
  units.forEach((def, u) => {
    let blobs = 0;
    let total = 0;
    let exclusive = 0;
    let attributed = 0;
    eachBlob(u, def, (b) => {
      const size = sizes[b]!;
      const k = refs[b]!;
      blobs++;
      total += size;
      if (k === 1) {
        exclusive += size;
        attributed += size;
      } else {
        attributed += Math.floor(size / k) + (given[b]! < size % k ? 1 : 0);
      }
      given[b]!++;
    });
    const show = !o.namespace || (o.by === 'image' ? nsOfImage!.has(def.key) : def.project === o.namespace);
    if (!show) return;
    const present = def.images.filter((d) => inv.images.has(d)).length;
    const h = def.image !== undefined ? holders.get(def.image) : undefined;
    out.push({
      name: def.key,
      ...(def.project !== undefined ? { project: def.project } : {}),
      ...(def.stream !== undefined ? { stream: def.stream } : {}),
      ...(def.image !== undefined ? { image: def.image, streams: h?.n ?? 0, ...(h ? { firstStream: h.first } : {}) } : {}),
      images: present,
      ...(present < def.images.length ? { missingImages: def.images.length - present } : {}),
      blobs,
      exclusive,
      shared: total - exclusive,
      total,
      attributed,
    });
  });

  out.sort((a, b) => b.attributed - a.attributed || b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = o.top !== undefined ? out.slice(0, o.top) : out;
  let bytes = 0;
  for (const s of sizes) bytes += s;
  return {
    by: o.by,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    attribution: ATTRIBUTION_RULE,
    registry: {
      images: inv.images.size,
      imageStreams: inv.streams.length,
      projects: new Set(inv.streams.map((s) => s.namespace)).size,
      blobs: nBlobs,
      bytes,
      unmanagedImages: inv.unmanaged.size,
    },
    shown: { units: shown.length, of: out.length, attributed: shown.reduce((n, x) => n + x.attributed, 0) },
    units: shown,
  };
}

/** Lists every item of a cluster-scoped or all-namespaces list in pages (limit/continue); a page's items are handed
 *  over and dropped. An expired continue token (410) starts the list again once, from a fresh `reset`. */
async function eachPage(c: Cluster, ref: ResourceRef, pageSize: number, reset: () => void, onItems: (items: Json[]) => void, signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let cont: string | undefined;
    try {
      do {
        if (signal?.aborted) throw signal.reason ?? new Error('interrupted');
        const list = await c.list(ref, { namespace: null, limit: pageSize, continue: cont });
        onItems(list.items as Json[]);
        cont = list.metadata?.continue || undefined;
      } while (cont);
      return;
    } catch (e) {
      if (attempt > 0 || cont === undefined || !isApiError(e, 410)) throw e;
      reset();
    }
  }
}

/** Reads the images and image streams of the whole cluster in pages (the two lists side by side), keeping only
 *  digests and sizes. */
export async function loadUsageInventory(c: Cluster, o: { all?: boolean; pageSize?: number; signal?: AbortSignal } = {}): Promise<UsageInventory> {
  const inv = newInventory();
  const pageSize = o.pageSize ?? 500;
  await Promise.all([
    eachPage(c, IMAGES, pageSize, () => {
      inv.blobs = new BlobIndex();
      inv.images.clear();
      inv.unmanaged.clear();
    }, (items) => {
      for (const it of items) addImage(inv, it, o.all);
    }, o.signal),
    eachPage(c, STREAMS, pageSize, () => (inv.streams.length = 0), (items) => {
      for (const it of items) addStream(inv, it);
    }, o.signal),
  ]);
  return inv;
}
