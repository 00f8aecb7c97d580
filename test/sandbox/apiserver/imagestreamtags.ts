// Writing ImageStreamTags (what `oc tag` sends): POST and PUT imagestreamtags/STREAM:TAG set one spec tag of the
// stream, creating the stream when missing (openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go
// Create/update). The stream write then runs the part of the image stream strategy a tag change needs
// (pkg/image/apiserver/registry/imagestream/strategy.go): spec tag generations, the TagVerifier's
// SubjectAccessReview for a source in another project (get imagestreams/layers), and tagsChanged, which resolves
// ImageStreamTag/ImageStreamImage sources (and DockerImage with reference: true) into status tag events.
// DockerImage tags are imported afterwards by openshift-controller-manager's image stream controller
// (pkg/image/controller/imagestream_controller.go handleImageStream: an ImageStreamImport of the tags whose
// generation is newer than their status), imitated in ../imagestream-controller.ts, which sees the stream update.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../types.ts';
import { ApiError, badRequest, conflict, notFound } from './errors.ts';
import { jsonBody, sendJson } from './context.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';
import { decorate } from './rest.ts';
import { defaultTagReference, tagRefChanged as strategyTagRefChanged, validateImageStreamTagWrite } from './imagestream-strategy.ts';

const IS_KEY = 'image.openshift.io/imagestreams';
const INTERNAL_REGISTRY = 'image-registry.openshift-image-registry.svc:5000';
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

type TagRef = Record<string, any>;

function invalid(stream: string, tag: string, field: string, what: string): ApiError {
  // Strategy.Validate wraps validateTagsAndLimits' Invalid error in a field.InternalError.
  const inner = `imagestreams "${stream}" is invalid: spec.tags[${tag}].${field}: ${what}`;
  return new ApiError(422, 'Invalid', `ImageStream.image.openshift.io "${stream}" is invalid: []: Internal error: ${inner}`, {
    name: stream,
    group: 'image.openshift.io',
    kind: 'ImageStream',
    causes: [{ reason: 'InternalError', message: `Internal error: ${inner}`, field: '[]' }],
  });
}

/** strategy.go: a tag not in the stored spec counts as changed (tagsChanged), else tagRefChanged (importMode too). */
function tagRefChanged(old: TagRef | undefined, next: TagRef, ns: string): boolean {
  return !old || strategyTagRefChanged(old, next, ns);
}

/** strategy.go parseFromReference: `<tag>`/`<id>` (this stream) or `<stream>:<tag>` / `<stream>@<id>`. */
export function parseFrom(streamName: string, from: TagRef): [string, string] | undefined {
  const sep = from.kind === 'ImageStreamTag' ? ':' : from.kind === 'ImageStreamImage' ? '@' : undefined;
  if (!sep) return undefined;
  const parts = String(from.name ?? '').split(sep);
  if (parts.length === 1) return [streamName, parts[0]!];
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  return undefined;
}

/** internalimageutil.LatestTaggedImage / ResolveImageID on a stream's status. */
export function resolveEvent(source: KubeObject, kind: string, tagOrId: string): any | undefined {
  const tags = ((source.status as any)?.tags ?? []) as any[];
  if (kind === 'ImageStreamTag') return tags.find((t) => t.tag === tagOrId)?.items?.[0];
  for (const t of tags) for (const item of t.items ?? []) if (item.image === tagOrId) return item;
  return undefined;
}

/** internalimageutil.AddTagEventToImageStream: a new first item unless it is the current one. */
export function addTagEvent(statusTags: any[], tag: string, event: any): void {
  let t = statusTags.find((x) => x.tag === tag);
  if (!t) statusTags.push((t = { tag, items: [] }));
  const cur = t.items?.[0];
  if (cur && cur.image === event.image && cur.dockerImageReference === event.dockerImageReference) return;
  t.items = [event, ...(t.items ?? [])];
  delete t.conditions;
}

/**
 * internalimageutil.UpdateTrackingTags: spec tags of this stream whose source is ImageStreamTag `updatedTag` of the
 * same stream (`<tag>` or `<stream>:<tag>`, this namespace) get the same event. Returns how many changed.
 */
export function updateTrackingTags(stream: KubeObject, statusTags: any[], updatedTag: string, event: any): number {
  let n = 0;
  for (const ref of ((stream.spec as any)?.tags ?? []) as TagRef[]) {
    const from = ref.from;
    if (!from || from.kind !== 'ImageStreamTag') continue;
    if ((from.namespace || stream.metadata.namespace) !== stream.metadata.namespace) continue;
    const name = String(from.name ?? '');
    const [refStream, refTag] = name.includes(':') ? name.split(':') : [stream.metadata.name, name];
    if (refStream !== stream.metadata.name || refTag !== updatedTag || ref.name === updatedTag) continue;
    const before = JSON.stringify(statusTags.find((t) => t.tag === ref.name)?.items?.[0] ?? null);
    addTagEvent(statusTags, ref.name, { ...event });
    if (JSON.stringify(statusTags.find((t) => t.tag === ref.name)?.items?.[0] ?? null) !== before) n++;
  }
  return n;
}

/** POST/PUT imagestreamtags/NAME:TAG. */
export async function writeImageStreamTag(ctx: RequestCtx, rr: ResourceRequest): Promise<void> {
  const { store } = ctx.opts;
  const method = ctx.req.method ?? 'GET';
  const body = await jsonBody(ctx);
  const id = method === 'POST' ? String(body?.metadata?.name ?? '') : rr.name!;
  const parts = id.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw method === 'POST' ? badRequest(`"${id}" must be of the form <stream_name>:<tag>`) : badRequest('ImageStreamTags must be retrieved with <name>:<tag>');
  }
  if (method === 'PUT' && body?.metadata?.name && body.metadata.name !== id) {
    throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${id})`);
  }
  const [streamName, tag] = parts as [string, string];
  const ns = rr.namespace!;
  const existing = store.get(IS_KEY, ns, streamName);
  const specTags: TagRef[] = structuredClone(((existing?.spec as any)?.tags ?? []) as TagRef[]);
  const oldTag = specTags.find((t) => t.name === tag);
  if (method === 'POST' && oldTag) {
    throw new ApiError(409, 'AlreadyExists', `imagestreamtag.image.openshift.io "${id}" already exists`, { name: id, group: 'image.openshift.io', kind: 'imagestreamtag' });
  }
  if (method === 'PUT') {
    const rv = body?.metadata?.resourceVersion;
    if (rv && !existing) throw notFound(rr.t, id);
    if (rv && existing && rv !== existing.metadata.resourceVersion) throw conflict(rr.t, id);
    if (!oldTag && !body?.tag) throw badRequest(`imagestreamtag ${tag} is not a spec tag in imagestream ${ns}/${streamName}, cannot be updated`);
  }
  let tagRef: TagRef | undefined = oldTag;
  if (body?.tag) {
    const fromBody: TagRef = { ...structuredClone(body.tag), name: tag };
    // The ImageStreamTag is decoded with the v1 defaults (referencePolicy Source, importMode Legacy).
    defaultTagReference(fromBody);
    validateImageStreamTagWrite(id, fromBody, body?.metadata?.annotations);
    tagRef = fromBody;
  }
  if (tagRef) {
    tagRef.annotations = body?.metadata?.annotations ?? null;
    const i = specTags.findIndex((t) => t.name === tag);
    if (i >= 0) specTags[i] = tagRef;
    else specTags.push(tagRef);
  }

  // Generations (PrepareForCreate / prepareForUpdate + ensureSpecTagGenerationsAreSet).
  const specChanged = JSON.stringify(specTags) !== JSON.stringify((existing?.spec as any)?.tags ?? []);
  const generation = existing ? Number(existing.metadata.generation ?? 1) + (specChanged ? 1 : 0) : 1;
  const changed = tagRef && tagRef.from && tagRefChanged(oldTag, tagRef, ns);
  if (tagRef && (!existing || changed || tagRef.generation == null || tagRef.generation === 0)) tagRef.generation = generation;
  else if (tagRef && oldTag) tagRef.generation = oldTag.generation;

  const statusTags: any[] = structuredClone(((existing?.status as any)?.tags ?? []) as any[]);
  let linkFrom: string | undefined;
  if (tagRef?.from && changed) {
    const from = tagRef.from;
    if (from.namespace && from.namespace !== ns) {
      // TagVerifier.Verify: may this user pull the source stream?
      const src = parseFrom(streamName, from);
      if (src) {
        const d = ctx.opts.authorizer.authorize(ctx.user, { verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: from.namespace, name: src[0] });
        if (!d.allowed) throw invalid(streamName, tag, 'from', `Forbidden: ${from.namespace}/${src[0]}: "${d.reason ?? ''}" ""`);
      }
    }
    if (from.kind === 'DockerImage' && from.name) {
      if (tagRef.reference) addTagEvent(statusTags, tag, { created: now(), dockerImageReference: from.name, image: '', generation });
    } else {
      const src = parseFrom(streamName, from);
      if (!src) throw invalid(streamName, tag, 'from.name', `Invalid value: "${from.name}": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>`);
      const srcNs = from.namespace || ns;
      const sameStream = srcNs === ns && src[0] === streamName;
      const source = sameStream ? (existing ?? { metadata: { name: streamName, namespace: ns }, status: { tags: [] } }) : store.get(IS_KEY, srcNs, src[0]);
      if (!source) throw invalid(streamName, tag, 'from.name', `Not found: "${from.name}"`);
      const ev = resolveEvent(sameStream ? { ...source, status: { tags: statusTags } } : source, from.kind, src[1]);
      // ResolveImageID: an unknown image is an error (an unknown tag is not).
      if (!ev && from.kind === 'ImageStreamImage') {
        throw invalid(streamName, tag, 'from.name', `Invalid value: "${from.name}": error generating tag event: imagestreamimage.image.openshift.io "${src[1]}" not found`);
      }
      if (ev) {
        let ref = String(ev.dockerImageReference ?? '');
        // Not a reference tag: an image of the other stream in the integrated registry is pulled from this one.
        const m = new RegExp(`^${INTERNAL_REGISTRY.replace(/[.]/g, '\\.')}/${srcNs}/${src[0]}@(.+)$`).exec(ref);
        if (!tagRef.reference && m && !sameStream) {
          linkFrom = ref;
          ref = `${INTERNAL_REGISTRY}/${ns}/${streamName}@${m[1]}`;
        }
        addTagEvent(statusTags, tag, { created: now(), dockerImageReference: ref, image: ev.image, generation });
        // updateChangedTrackingTags: aliases of the tag just written follow it.
        updateTrackingTags({ ...(existing ?? { metadata: { name: streamName, namespace: ns } }), spec: { tags: specTags } } as KubeObject, statusTags, tag, statusTags.find((t) => t.tag === tag).items[0]);
      }
    }
  }

  const spec = { lookupPolicy: { local: false }, ...((existing?.spec as object) ?? {}), tags: specTags };
  statusTags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const metadata = { name: streamName, namespace: ns, ...(body?.metadata?.labels ? { labels: body.metadata.labels } : {}) };
  let stream: KubeObject;
  if (ctx.opts.imageStreamTagDryRun !== false && ctx.url.searchParams.getAll('dryRun').includes('All')) {
    // The stream create/update carries the request's dryRun (release-4.16+, 2025-05 onwards:
    // CreateOptionsToSupported*/UpdateOptionsToSupported* in internal/imageutil/helpers.go): nothing is written.
    // 4.14 drops it (imageStreamTagDryRun false): the write below happens.
    stream = existing
      ? { ...existing, spec, status: { ...((existing.status as object) ?? {}), tags: statusTags } }
      : { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { ...metadata, uid: randomUUID(), creationTimestamp: now() }, spec, status: { tags: statusTags } };
  } else {
    stream = existing ? store.update(IS_KEY, { ...existing, spec }) : store.create(IS_KEY, { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata, spec });
    stream = store.update(IS_KEY, { ...stream, status: { ...((stream.status as object) ?? {}), tags: statusTags } }, { subresource: 'status' });
    stream = decorate(store, IS_KEY, stream);
    // The registry serves an image any stream references from its shared storage; the sandbox's registry keeps
    // images per repository, so the image is linked into this repository (as the importer does).
    if (linkFrom && ctx.opts.hooks?.linkImage) await ctx.opts.hooks.linkImage(linkFrom, `${ns}/${streamName}`).catch(() => undefined);
  }

  const item = statusTags.find((t) => t.tag === tag)?.items?.[0];
  const image = item?.image ? (store.get('image.openshift.io/images', undefined, item.image) ?? { metadata: { name: item.image }, dockerImageReference: item.dockerImageReference }) : null;
  const out = {
    kind: 'ImageStreamTag',
    apiVersion: 'image.openshift.io/v1',
    metadata: { name: id, namespace: ns, uid: stream.metadata.uid, resourceVersion: stream.metadata.resourceVersion, creationTimestamp: stream.metadata.creationTimestamp, ...(tagRef?.annotations ? { annotations: tagRef.annotations } : {}) },
    tag: tagRef ?? null,
    generation: item?.generation ?? stream.metadata.generation ?? 1,
    lookupPolicy: (stream.spec as any)?.lookupPolicy ?? { local: false },
    image,
  };
  sendJson(ctx.res, method === 'POST' || !oldTag ? 201 : 200, out);

  // DockerImage tags are imported by the image stream controller (../imagestream-controller.ts), which sees this update.
}
