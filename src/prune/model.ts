// The compact inventory a prune plan is computed from: images (blob ids, not objects), streams' tag
// histories, and what workloads use. Kept small so 100,000 images fit well within the memory budget.
import type { Json } from '../cluster/rest.js';
import type { Usage } from './refs.js';

export const MANAGED_ANNOTATION = 'openshift.io/image.managed';
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export class BlobTable {
  readonly ids = new Map<string, number>();
  readonly digests: string[] = [];
  readonly sizes: number[] = [];

  private readonly strings = new Map<string, string>();

  /** One flat copy per distinct string (a regex match would keep its whole source string alive). */
  intern(s: string): string {
    let v = this.strings.get(s);
    if (v === undefined) {
      v = (' ' + s).slice(1);
      this.strings.set(v, v);
    }
    return v;
  }

  id(digest: string, size: number): number {
    let i = this.ids.get(digest);
    if (i === undefined) {
      i = this.digests.length;
      this.ids.set(digest, i);
      this.digests.push(digest);
      this.sizes.push(size);
    } else if (size > this.sizes[i]!) this.sizes[i] = size;
    return i;
  }
}

export interface ImageRec {
  name: string;
  created: number;
  managed: boolean;
  /** Blob ids of the layers and (schema 2 / OCI) the config, each once. */
  blobs: number[];
  /** Blob id of the manifest itself (its size is known only when the Image carries the manifest). */
  manifest: number;
  /** `ns/name` of a managed image's dockerImageReference: the repository it was pushed to. */
  repo?: string;
}

export interface TagItem {
  image: string;
  created: number;
}

export interface StreamRec {
  namespace: string;
  name: string;
  created: number;
  tags: Array<{ tag: string; items: TagItem[] }>;
}

export interface Inventory {
  images: Map<string, ImageRec>;
  streams: StreamRec[];
  blobs: BlobTable;
  usage: Usage;
  /** Kinds whose list the API does not serve (e.g. deploymentconfigs without the DeploymentConfig capability). */
  skippedKinds: string[];
}

const time = (s: unknown): number => {
  const t = Date.parse(String(s ?? ''));
  return Number.isNaN(t) ? 0 : t;
};

/**
 * oc's getImageBlobs: the layers, plus the config of a schema 2 / OCI manifest (dockerImageMetadata.Id). The
 * config's size is what dockerImageMetadata.Size holds beyond the distinct layers.
 */
export function imageRec(img: Json, blobs: BlobTable): ImageRec {
  const ids = new Set<number>();
  const seen = new Set<string>();
  let layerBytes = 0;
  for (const l of (img.dockerImageLayers as Json[] | undefined) ?? []) {
    const name = String(l?.name ?? '');
    if (!name) continue;
    const size = Number(l.size) || 0;
    if (!seen.has(name)) {
      seen.add(name);
      layerBytes += size;
    }
    ids.add(blobs.id(name, size));
  }
  const meta = img.dockerImageMetadata as Json | undefined;
  const mt = img.dockerImageManifestMediaType;
  const configId = meta?.Id ?? meta?.id;
  if ((mt === SCHEMA2 || mt === OCI_MANIFEST) && configId) {
    const total = Number(meta?.Size ?? meta?.size) || 0;
    ids.add(blobs.id(String(configId), Math.max(0, total - layerBytes)));
  }
  const name = String(img.metadata?.name ?? '');
  const manifestSize = typeof img.dockerImageManifest === 'string' ? Buffer.byteLength(img.dockerImageManifest) : 0;
  const managed = img.metadata?.annotations?.[MANAGED_ANNOTATION] === 'true';
  // Only images pushed to this registry have their manifest linked in the repository their reference names.
  const m = managed ? /^[^/]+\/([^/@:]+\/[^/@:]+)(?:[:@]|$)/.exec(String(img.dockerImageReference ?? '')) : null;
  return {
    ...(m ? { repo: blobs.intern(m[1]!) } : {}),
    name,
    created: time(img.metadata?.creationTimestamp),
    managed,
    blobs: [...ids],
    manifest: blobs.id(name, manifestSize),
  };
}

export function streamRec(is: Json): StreamRec {
  return {
    namespace: String(is.metadata?.namespace ?? ''),
    name: String(is.metadata?.name ?? ''),
    created: time(is.metadata?.creationTimestamp),
    tags: ((is.status?.tags as Json[] | undefined) ?? []).map((t) => ({
      tag: String(t.tag ?? ''),
      items: ((t.items as Json[] | undefined) ?? []).map((i) => ({ image: String(i.image ?? ''), created: time(i.created) })),
    })),
  };
}
