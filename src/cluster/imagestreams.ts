// Image streams through the API: listing (paged), tags and the images they point at, deleting an
// ImageStreamTag, and ImageStreamImport (what `oc import-image` sends).
import type { Cluster, Json } from './cluster.js';
import { R } from './resources.js';
import { target, type CreateStep, type DeleteStep, type PatchStep, type Step } from '../plan/types.js';

export interface StreamTag {
  tag: string;
  /** The image the tag points at now (status.tags[].items[0]). */
  image?: string;
  dockerImageReference?: string;
  created?: string;
  /** spec.tags[].from, when the tag is imported or tracks another tag. */
  from?: { kind: string; name: string; namespace?: string };
  referencePolicy?: string;
  /** spec.tags[].importPolicy (what a re-import keeps). */
  importPolicy?: TagImportPolicy;
  /** The last import failure, from status.tags[].conditions. */
  importError?: string;
}

/** Pages of ImageStreams in a namespace (null = every namespace), with limit/continue. */
export async function* imageStreamPages(c: Cluster, namespace: string | null, o: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<Json[]> {
  let cont: string | undefined;
  do {
    if (o.signal?.aborted) return;
    const list = await c.list(R.imageStream, { namespace, limit: o.pageSize ?? 500, continue: cont });
    if (list.items.length) yield list.items;
    cont = list.metadata?.continue || undefined;
  } while (cont);
}

export function repositoryOf(is: Json): string {
  return `${is.metadata?.namespace}/${is.metadata?.name}`;
}

/** Tags of a stream: spec and status merged, sorted by name. */
export function streamTags(is: Json): StreamTag[] {
  const out = new Map<string, StreamTag>();
  for (const t of (is.spec?.tags ?? []) as Json[]) {
    if (!t?.name) continue;
    out.set(t.name, {
      tag: t.name,
      from: t.from ? { kind: t.from.kind, name: t.from.name, ...(t.from.namespace ? { namespace: t.from.namespace } : {}) } : undefined,
      referencePolicy: t.referencePolicy?.type,
      ...(t.importPolicy ? { importPolicy: t.importPolicy as TagImportPolicy } : {}),
    });
  }
  for (const t of (is.status?.tags ?? []) as Json[]) {
    if (!t?.tag) continue;
    const cur: StreamTag = out.get(t.tag) ?? { tag: t.tag };
    const item = (t.items ?? [])[0];
    if (item) {
      cur.image = item.image;
      cur.dockerImageReference = item.dockerImageReference;
      cur.created = item.created;
    }
    const failed = ((t.conditions ?? []) as Json[]).find((c) => c.type === 'ImportSuccess' && c.status === 'False');
    if (failed) cur.importError = failed.message || failed.reason;
    out.set(t.tag, cur);
  }
  return [...out.values()].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/** Tags whose current image is `digest`. */
export function tagsPointingAt(is: Json, digest: string): string[] {
  return streamTags(is)
    .filter((t) => t.image === digest)
    .map((t) => t.tag);
}

export function getImageStream(c: Cluster, namespace: string, name: string): Promise<Json | null> {
  return c.getOrNull(R.imageStream, name, namespace);
}

/**
 * `regctl delete`'s write as a plan step: DELETE imagestreamtags/NAME:TAG, no preconditions (openshift-apiserver's
 * ImageStreamTag Delete checks only a UID precondition, against the stream's UID, and ignores a resourceVersion).
 * Never sent with dryRun=All: that Delete passes DeleteOptions.DryRun on to the stream update only since the May 2025
 * z-streams of 4.16+ (pkg/image/apiserver/registry/imagestreamtag/rest.go); older clusters really delete.
 */
export function deleteTagStep(namespace: string, stream: string, tag: string, image: string | null): DeleteStep {
  return {
    action: 'delete',
    target: target(R.imageStreamTag, `${stream}:${tag}`, namespace),
    summary: `delete ImageStreamTag ${namespace}/${stream}:${tag}${image ? ` (image ${image})` : ''}`,
  };
}

/** DELETE imagestreamtags/NAME:TAG (the stream stays; the image stays until pruned). */
export async function deleteImageStreamTag(c: Cluster, namespace: string, stream: string, tag: string): Promise<void> {
  await c.delete(R.imageStreamTag, `${stream}:${tag}`, { namespace });
}

// ---------------------------------------------------------------------------------------------------------
// ImageStreamImport

export type ReferencePolicy = 'Source' | 'Local';

export interface TagImportPolicy {
  insecure?: boolean;
  scheduled?: boolean;
  importMode?: string;
}

export interface ImportRequest {
  namespace: string;
  stream: string;
  /** Import these (source reference → tag); empty with `repository`. */
  images: Array<{ from: string; tag: string; referencePolicy: ReferencePolicy; importPolicy?: TagImportPolicy }>;
  /** --all: every tag of this repository. */
  repository?: { from: string; referencePolicy: ReferencePolicy; importPolicy?: TagImportPolicy };
  insecure?: boolean;
  /** false = only report what would be imported (nothing changes). */
  import: boolean;
}

export function buildImageStreamImport(r: ImportRequest): Json {
  const spec: Json = { import: r.import, images: [] as Json[] };
  // The server replaces a tag's importPolicy with the import's: carry what the tag has (as oc does for insecure
  // and scheduled; regctl also keeps importMode, which oc resets to Legacy).
  const importPolicy = (p: TagImportPolicy | undefined): Json => {
    const out: Json = {};
    if (r.insecure || p?.insecure) out.insecure = true;
    if (p?.scheduled) out.scheduled = true;
    if (p?.importMode) out.importMode = p.importMode;
    return out;
  };
  // includeManifest: the answer then carries each image's config (dockerImageConfig), the only place the OS is.
  for (const i of r.images) {
    spec.images.push({ from: { kind: 'DockerImage', name: i.from }, to: { name: i.tag }, importPolicy: importPolicy(i.importPolicy), referencePolicy: { type: i.referencePolicy }, includeManifest: true });
  }
  if (r.repository) spec.repository = { from: { kind: 'DockerImage', name: r.repository.from }, importPolicy: importPolicy(r.repository.importPolicy), referencePolicy: { type: r.repository.referencePolicy }, includeManifest: true };
  return { metadata: { name: r.stream, namespace: r.namespace }, spec, status: {} };
}

/**
 * The JSON patch that sets spec.tags[].referencePolicy of existing tags (what `oc tag --reference-policy` changes): an
 * import never changes the policy of a tag that has one (openshift-apiserver ensureSpecTag). Each change is guarded
 * by a `test` of the tag's name at that index, so a concurrent reorder fails (409/422) instead of hitting the wrong tag.
 */
function referencePolicyOps(is: Json, tags: string[], policy: ReferencePolicy): Json[] {
  const ops: Json[] = [];
  ((is.spec?.tags ?? []) as Json[]).forEach((t, i) => {
    if (!tags.includes(t?.name)) return;
    ops.push({ op: 'test', path: `/spec/tags/${i}/name`, value: t.name }, { op: 'add', path: `/spec/tags/${i}/referencePolicy`, value: { type: policy } });
  });
  return ops;
}

/** The reference-policy change of existing tags as a plan step (one JSON patch, sent before the import). */
export function referencePolicyStep(is: Json, tags: string[], policy: ReferencePolicy): PatchStep {
  const ns = is.metadata.namespace as string;
  const name = is.metadata.name as string;
  return {
    action: 'patch',
    patchType: 'json',
    target: target(R.imageStream, name, ns),
    summary: `patch ImageStream ${ns}/${name} (reference policy ${policy} for ${tags.join(', ')})`,
    patch: referencePolicyOps(is, tags, policy),
  };
}

/** The command that puts the tags' previous policies back (the hint when the import fails after the patch). */
export function referencePolicyUndoCommand(is: Json, changes: Array<{ tag: string; from: ReferencePolicy }>): string {
  const ops = changes.flatMap((c) => referencePolicyOps(is, [c.tag], c.from));
  return `oc patch imagestream ${is.metadata.name} -n ${is.metadata.namespace} --type=json -p '${JSON.stringify(ops)}'`;
}

/**
 * The import as desired state (--render): a server-side apply of the stream's spec tags the ImageStreamImport would
 * write — from (DockerImage), importPolicy and referencePolicy per tag — which the image stream controller imports.
 */
export function desiredTagsStep(isi: Json): PatchStep {
  const ns = isi.metadata.namespace as string;
  const name = isi.metadata.name as string;
  const tags = ((isi.spec?.images ?? []) as Json[]).map((i) => ({
    name: i.to.name,
    from: { kind: 'DockerImage', name: i.from.name },
    importPolicy: { ...(i.importPolicy ?? {}), importMode: i.importPolicy?.importMode || 'Legacy' },
    referencePolicy: { type: i.referencePolicy?.type || 'Source' },
  }));
  const applyConfig = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name, namespace: ns }, spec: { tags } };
  return { action: 'patch', patchType: 'apply', target: target(R.imageStream, name, ns), summary: `apply ImageStream ${ns}/${name} (tags ${tags.map((t) => t.name).join(', ')})`, patch: applyConfig, applyConfig };
}

/** The import as a plan step: the ImageStreamImport (spec.import: true) exactly as sent. */
export function importStep(isi: Json, what: string): CreateStep {
  const ns = isi.metadata.namespace as string;
  const name = isi.metadata.name as string;
  return { action: 'create', target: target(R.imageStreamImport, name, ns), summary: `create ImageStreamImport ${ns}/${name} (${what})`, object: isi };
}

export function createImageStreamImport(c: Cluster, isi: Json): Promise<Json> {
  return c.create(R.imageStreamImport, isi, { namespace: isi.metadata.namespace });
}

export interface ImportedTag {
  tag: string;
  from: string;
  status: 'Success' | 'Failure';
  digest?: string;
  dockerImageReference?: string;
  mediaType?: string;
  architecture?: string;
  os?: string;
  created?: string;
  size?: number;
  layers?: number;
  /** The tag's reference policy after the import (set by import-image). */
  referencePolicy?: ReferencePolicy;
  reason?: string;
  message?: string;
}

/**
 * The OS of an imported image. openshift-apiserver's dockerImageMetadata (docker10.DockerImage) has Architecture
 * but no OS field: the OS is only in the image config (`dockerImageConfig`, sent with includeManifest), or for
 * schema 1 in the manifest's newest v1Compatibility entry.
 */
export function importedImageOS(img: Json): string | undefined {
  const parse = (s: unknown): Json | undefined => {
    if (typeof s !== 'string' || !s) return undefined;
    try {
      return JSON.parse(s) as Json;
    } catch {
      return undefined;
    }
  };
  const config = parse(img?.dockerImageConfig);
  if (typeof config?.os === 'string' && config.os) return config.os;
  const v1 = parse(parse(img?.dockerImageManifest)?.history?.[0]?.v1Compatibility);
  return typeof v1?.os === 'string' && v1.os ? v1.os : undefined;
}

function imported(tag: string, from: string, x: Json): ImportedTag {
  const ok = x?.status?.status === 'Success';
  const img = x?.image ?? {};
  const md = img.dockerImageMetadata ?? {};
  const out: ImportedTag = { tag, from, status: ok ? 'Success' : 'Failure' };
  if (img.metadata?.name) out.digest = img.metadata.name;
  if (img.dockerImageReference) out.dockerImageReference = img.dockerImageReference;
  if (img.dockerImageManifestMediaType) out.mediaType = img.dockerImageManifestMediaType;
  if (md.Architecture) out.architecture = md.Architecture;
  const os = importedImageOS(img);
  if (os) out.os = os;
  if (md.Created) out.created = md.Created;
  if (typeof md.Size === 'number') out.size = md.Size;
  if (Array.isArray(img.dockerImageLayers)) out.layers = img.dockerImageLayers.length;
  if (!ok) {
    out.reason = x?.status?.reason || 'Failure';
    out.message = x?.status?.message || 'import failed';
  }
  return out;
}

/** What the server imported (or would import), one entry per tag, from the answered ImageStreamImport. */
export function importResults(isi: Json): ImportedTag[] {
  const out: ImportedTag[] = [];
  const specImages = (isi.spec?.images ?? []) as Json[];
  ((isi.status?.images ?? []) as Json[]).forEach((x, i) => {
    const spec = specImages[i] ?? {};
    out.push(imported(x?.tag || spec.to?.name || '', spec.from?.name ?? '', x));
  });
  const repo = isi.status?.repository;
  if (repo) {
    const from = String(isi.spec?.repository?.from?.name ?? '');
    const base = from.replace(/[:@][^/]*$/, '');
    if (repo.status?.status === 'Failure' && !(repo.images ?? []).length) {
      out.push({ tag: '', from, status: 'Failure', reason: repo.status.reason || 'Failure', message: repo.status.message || 'import failed' });
    }
    for (const x of (repo.images ?? []) as Json[]) out.push(imported(x?.tag ?? '', `${base}:${x?.tag ?? ''}`, x));
  }
  return out;
}

/** Tags the server skipped in a repository import (beyond its per-repository limit). */
export function additionalTags(isi: Json): string[] {
  return (isi.status?.repository?.additionalTags ?? []) as string[];
}

/** The name of a plan deleting tags (and of its rendered policy): `delete-NS-STREAM-TAG`, `delete-NS-STREAM` for several tags of one stream, else `delete`. */
export function deleteTagsPlanName(steps: Step[]): string {
  const ts = steps.map((s) => ({ ns: s.target.namespace!, stream: s.target.name.split(':')[0]! }));
  const one = ts.every((t) => t.ns === ts[0]?.ns && t.stream === ts[0]?.stream);
  const n = !ts.length || !one ? 'delete' : steps.length === 1 ? `delete-${ts[0]!.ns}-${steps[0]!.target.name}` : `delete-${ts[0]!.ns}-${ts[0]!.stream}`;
  return n.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50).replace(/-+$/, '');
}
