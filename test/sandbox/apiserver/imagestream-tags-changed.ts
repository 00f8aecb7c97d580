// The part of openshift-apiserver's image stream Strategy.Validate that changes the stream, on plain ImageStream
// writes (create, update, patch, server-side apply): validateTagsAndLimits → TagVerifier.Verify (a source in another
// project needs `get imagestreams/layers` there) and tagsChanged (a new or changed spec tag whose source is an
// ImageStreamTag/ImageStreamImage — of this stream or another — or a DockerImage with `reference: true` gets a status tag
// event at once; the other stream's internal-registry reference becomes this stream's), then
// updateChangedTrackingTags, and on create every event takes the stream's creationTimestamp.
// openshift/openshift-apiserver release-4.17 @ 8d7098cf3adcf718df56db0bc8df7647c131d0f9
// pkg/image/apiserver/registry/imagestream/strategy.go (validateTagsAndLimits, tagsChanged, TagVerifier.Verify,
// updateChangedTrackingTags, tagReferenceToTagEvent), pkg/image/apiserver/internal/imageutil/helpers.go
// (AddTagEventToImageStream, UpdateTrackingTags, ResolveImageID, LatestTaggedImage).
// ImageStreamTag writes keep their own copy of this in imagestreamtags.ts.
import type { KubeObject } from '../types.ts';
import type { RequestCtx } from './context.ts';
import { tagRefChanged } from './imagestream-strategy.ts';
import { addTagEvent, parseFrom, resolveEvent, updateTrackingTags } from './imagestreamtags.ts';

const IS_KEY = 'image.openshift.io/imagestreams';
const INTERNAL_REGISTRY = 'image-registry.openshift-image-registry.svc:5000';
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

type TagRef = Record<string, any>;
interface Cause {
  reason: string;
  message: string;
  field: string;
}

const q = (v: unknown) => JSON.stringify(String(v ?? ''));

/** field.InternalError(field.NewPath("")) around kerrors.NewInvalid(Kind "imagestreams"), as Strategy.Validate wraps it. */
function internalError(name: string, causes: Cause[]): Cause {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const inner = `imagestreams "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return { reason: 'InternalError', message: `Internal error: ${inner}`, field: '[]' };
}

/**
 * Runs TagVerifier and tagsChanged on `stream` (spec tags already prepared; status = the stored one, or {} on create),
 * changing its status in place. Returns the cause Strategy.Validate reports (none when all went well; the field
 * validation's causes follow it in the same 422, see validateImageStream) and the other streams' images the new events
 * point at in the integrated registry (the sandbox links them into this repository, as imagestreamtags.ts does).
 */
export function imageStreamTagsChanged(ctx: RequestCtx, old: KubeObject | undefined, stream: KubeObject): { links: string[]; causes: Cause[] } {
  const env = { store: ctx.opts.store, authorizer: ctx.opts.authorizer, user: ctx.user };
  const ns = String(stream.metadata.namespace ?? '');
  const name = String(stream.metadata.name ?? '');
  const specTags = ((stream.spec as any)?.tags ?? []) as TagRef[];
  const oldTags = new Map((((old?.spec as any)?.tags ?? []) as TagRef[]).map((t) => [t.name, t]));
  const changed = (t: TagRef) => !oldTags.has(t.name) || tagRefChanged(oldTags.get(t.name)!, t, ns);
  const causes: Cause[] = [];

  // TagVerifier.Verify
  const byStream = new Map<string, { ns: string; stream: string; tags: string[] }>();
  for (const t of specTags) {
    const from = t.from;
    if (!from || !from.namespace || from.namespace === ns || !changed(t)) continue;
    const src = parseFrom(name, from);
    if (!src) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>`, field: `spec.tags[${t.name}].from.name` });
      continue;
    }
    const k = `${from.namespace}/${src[0]}`;
    if (!byStream.has(k)) byStream.set(k, { ns: from.namespace, stream: src[0], tags: [] });
    byStream.get(k)!.tags.push(t.name);
  }
  for (const s of byStream.values()) {
    const d = env.authorizer.authorize(env.user, { verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: s.ns, name: s.stream });
    if (d.allowed) continue;
    for (const tag of s.tags) causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${s.ns}/${s.stream}: ${q(d.reason ?? '')} ""`, field: `spec.tags[${tag}].from` });
  }

  // tagsChanged
  const status = (stream.status ??= {}) as Record<string, any>;
  const statusTags: any[] = (status.tags ??= []);
  const links: string[] = [];
  for (const t of specTags) {
    if (!changed(t) || !t.from) continue;
    const from = t.from;
    const generation = Number(t.generation ?? stream.metadata.generation ?? 1);
    const path = `spec.tags[${t.name}].from`;
    if (from.kind === 'DockerImage' && from.name) {
      if (t.reference) addTagEvent(statusTags, t.name, { created: now(), dockerImageReference: from.name, image: '', generation });
      continue;
    }
    const src = parseFrom(name, from);
    if (!src) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>`, field: `${path}.name` });
      continue;
    }
    const srcNs = from.namespace || ns;
    const same = srcNs === ns && src[0] === name;
    const source = same ? { ...stream, status: { tags: statusTags } } : env.store.get(IS_KEY, srcNs, src[0]);
    if (!source) {
      causes.push({ reason: 'FieldValueNotFound', message: `Not found: ${q(from.name)}`, field: `${path}.name` });
      continue;
    }
    const ev = resolveEvent(source as KubeObject, from.kind, src[1]);
    if (!ev) {
      // ResolveImageID: an unknown image is an error; an unknown tag is not (the tag waits for it).
      if (from.kind === 'ImageStreamImage') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: error generating tag event: imagestreamimage.image.openshift.io "${src[1]}" not found`, field: `${path}.name` });
      continue;
    }
    let ref = String(ev.dockerImageReference ?? '');
    const m = new RegExp(`^${INTERNAL_REGISTRY.replace(/[.]/g, '\\.')}/${srcNs}/${src[0]}@(.+)$`).exec(ref);
    if (!t.reference && m) {
      if (!same) links.push(ref);
      ref = `${INTERNAL_REGISTRY}/${ns}/${name}@${m[1]}`;
    }
    addTagEvent(statusTags, t.name, { created: now(), dockerImageReference: ref, image: ev.image, generation });
  }
  if (causes.length) return { links, causes: [internalError(name, causes)] };

  // updateChangedTrackingTags: tags whose latest event changed carry their aliases along.
  const oldStatus = new Map((((old?.status as any)?.tags ?? []) as any[]).map((t) => [t.tag, t]));
  for (const t of [...statusTags]) {
    const first = t.items?.[0];
    if (!first) continue;
    if (old) {
      const was = oldStatus.get(t.tag)?.items?.[0];
      if (was && JSON.stringify(was) === JSON.stringify(first)) continue;
    }
    updateTrackingTags(stream, statusTags, t.tag, first);
  }
  if (!old && stream.metadata.creationTimestamp) for (const t of statusTags) for (const it of t.items ?? []) it.created = stream.metadata.creationTimestamp;
  statusTags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  if (!statusTags.length) delete status.tags;
  return { links, causes: [] };
}

/**
 * The registry serves an image any stream references from its shared storage; the sandbox's registry keeps images per
 * repository, so an image of another stream a new event points at is linked into this one (as imagestreamtags.ts does).
 */
export async function linkImages(ctx: RequestCtx, links: string[], stream: KubeObject): Promise<void> {
  const hook = ctx.opts.hooks?.linkImage;
  if (!hook) return;
  for (const l of links) await hook(l, `${stream.metadata.namespace}/${stream.metadata.name}`).catch(() => undefined);
}
