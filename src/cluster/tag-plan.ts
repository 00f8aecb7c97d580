// `regctl tag` for the cluster's registry, the way `oc tag` does it (openshift/oc pkg/cli/tag/tag.go): the source
// becomes a TagReference (DockerImage, ImageStreamImage, or with --alias an ImageStreamTag) written as one
// ImageStreamTag per destination with PUT imagestreamtags/STREAM:TAG (the server creates the stream and the tag
// when missing, and resolves the source into the tag's history). A plan of exact writes is computed first
// (parse, read the source and destination streams, check access), then applied as plan steps through the plan
// engine (src/plan/engine.ts); --dry-run prints the Plan, --render the image streams' spec tags.
import type { Cluster, Json } from './cluster.js';
import { R, resourcePath } from './resources.js';
import { isApiError } from './api-error.js';
import { failedPartWay } from './partial.js';
import { AuthError, NotFoundError, UsageError } from '../errors.js';
import { assertOpenShiftRepository, formatReference, parseReference, type ImageReference } from '../registry/reference.js';
import * as is from './imagestreams.js';
import { target, type CreateStep, type PatchStep, type Step } from '../plan/types.js';

export type SourceKind = 'ImageStreamTag' | 'ImageStreamImage' | 'DockerImage';

export interface TagOptions {
  /** --source: imagestreamtag|istag|imagestreamimage|isimage|docker|dockerimage */
  source?: string;
  alias?: boolean;
  scheduled?: boolean;
  insecure?: boolean;
  referencePolicy?: string;
  /** The current project (context or -n). */
  namespace: string;
}

export interface TagFrom {
  kind: SourceKind;
  name: string;
  namespace?: string;
}

export interface TagWrite {
  namespace: string;
  imageStream: string;
  tag: string;
  from: TagFrom;
  referencePolicy: 'Source' | 'Local';
  importPolicy: { scheduled?: boolean; insecure?: boolean };
  alias: boolean;
  action: 'create' | 'update' | 'unchanged';
  /** The exact write (none when unchanged). */
  request?: { method: 'PUT'; path: string; body: Json };
}

export interface TagPlan {
  source: { input: string; kind: SourceKind; namespace?: string; reference: string; image?: string };
  writes: TagWrite[];
}

export interface Destination {
  input: string;
  namespace: string;
  stream: string;
  tag: string;
}

const SOURCE_KINDS: Record<string, SourceKind> = {
  imagestreamtag: 'ImageStreamTag',
  istag: 'ImageStreamTag',
  imagestreamimage: 'ImageStreamImage',
  isimage: 'ImageStreamImage',
  docker: 'DockerImage',
  dockerimage: 'DockerImage',
};

export const SOURCE_CHOICES = Object.keys(SOURCE_KINDS);

/** `[PROJECT/]STREAM:TAG` (oc parseStreamName + SplitImageStreamTag). */
export function parseDestination(input: string, namespace: string): Destination {
  const ref = parseReference(input, { what: 'destination', example: 'team/app:v2' });
  if (ref.hostExplicit) throw new UsageError(`invalid destination "${input}": a destination is an image stream tag, not a registry reference`, `give [PROJECT/]STREAM:TAG, e.g. ${ref.path}:${ref.tag ?? 'latest'}`);
  if (ref.digest || !ref.tag) throw new UsageError(`invalid destination "${input}": it must be of the form [PROJECT/]STREAM:TAG`, `add the tag, e.g. ${ref.path}:latest`);
  const withNs = ref.path.includes('/') ? ref : { ...ref, path: `${namespace}/${ref.path}`, namespace };
  assertOpenShiftRepository(withNs, input, 'destination');
  return { input, namespace: withNs.namespace!, stream: withNs.name, tag: ref.tag };
}

/** Flag checks of oc's Validate, before any request. */
export function validateTagFlags(o: TagOptions & { delete?: boolean }, dests: number): void {
  if (o.delete) {
    if (o.alias) throw new UsageError('--alias and --delete cannot be combined', 'drop --alias to delete tags');
    if (o.source || o.scheduled || o.insecure || o.referencePolicy) throw new UsageError('--source, --scheduled, --insecure and --reference-policy do not apply with --delete', 'give only the tags to delete: regctl tag -d [PROJECT/]STREAM:TAG…');
    return;
  }
  if (dests < 1) throw new UsageError('no destination given', 'regctl tag SOURCE [PROJECT/]STREAM:TAG… (or regctl tag -d STREAM:TAG… to delete)');
  if (o.alias && (o.scheduled || o.insecure)) throw new UsageError('--alias cannot be combined with --scheduled or --insecure', 'an alias tracks another tag of the stream; import flags are for external images');
}

function referencePolicyOf(v: string | undefined): 'Source' | 'Local' {
  if (v === undefined || v.toLowerCase() === 'source') return 'Source';
  if (v.toLowerCase() === 'local') return 'Local';
  throw new UsageError(`invalid --reference-policy "${v}"`, "use 'source' (pull from where the image lives) or 'local' (pull through the integrated registry)");
}

/** The source as oc classifies it (tag.go Complete). */
export function classifySource(input: string, o: TagOptions): { kind: SourceKind; ref: ImageReference } {
  const docker = input.startsWith('docker://');
  const ref = parseReference(input, { what: 'source', example: 'team/app:v1' });
  let kind: SourceKind | undefined = o.source ? SOURCE_KINDS[o.source.toLowerCase()] : undefined;
  if (o.source && !kind) throw new UsageError(`invalid --source "${o.source}"`, `use one of ${SOURCE_CHOICES.join(', ')}`);
  if (docker && kind && kind !== 'DockerImage') throw new UsageError(`--source ${o.source} names an image stream, but "${input}" is a docker:// reference`, 'drop docker:// or --source');
  if (kind && kind !== 'DockerImage') {
    if (ref.hostExplicit) throw new UsageError(`a registry host in SOURCE is only allowed for an external image (--source docker): "${input}"`, 'drop the host, or use --source docker');
    if (kind === 'ImageStreamTag' && !ref.tag) throw new UsageError(`--source ${o.source} needs STREAM:TAG in SOURCE`, `e.g. ${ref.path}:latest`);
    if (kind === 'ImageStreamImage' && !ref.digest) throw new UsageError(`--source ${o.source} needs STREAM@sha256:… in SOURCE`, `e.g. ${ref.path}@sha256:<digest>`);
  }
  if (!kind) {
    if (ref.hostExplicit || docker) kind = 'DockerImage';
    else if (ref.digest) kind = 'ImageStreamImage';
    else if (ref.tag) kind = 'ImageStreamTag';
    // oc would take a bare name as an external image on Docker Hub; regctl asks instead.
    else throw new UsageError(`"${input}" names neither a tag nor an image`, `give [PROJECT/]STREAM:TAG or STREAM@sha256:…, or --source docker for an external image (e.g. quay.io/org/${ref.name}:latest)`);
  }
  if (kind !== 'DockerImage') assertOpenShiftRepository(ref.path.includes('/') ? ref : { ...ref, path: `x/${ref.path}` }, input, 'source');
  if (kind !== 'DockerImage' && (o.scheduled || o.insecure)) throw new UsageError('--scheduled and --insecure apply only to external images', 'use --source docker with a registry reference, e.g. quay.io/org/app:1');
  if (o.alias && kind !== 'ImageStreamTag') throw new UsageError('--alias tracks a tag: the source must be STREAM:TAG', 'drop --alias, or give the source tag');
  return { kind, ref };
}

function specTag(stream: Json | null, tag: string): Json | undefined {
  return ((stream?.spec?.tags ?? []) as Json[]).find((t) => t?.name === tag);
}

function sameTag(cur: Json | undefined, w: Omit<TagWrite, 'action' | 'request'>): boolean {
  if (!cur?.from) return false;
  const ns = (x?: string) => x || w.namespace;
  return (
    cur.from.kind === w.from.kind &&
    cur.from.name === w.from.name &&
    ns(cur.from.namespace) === ns(w.from.namespace) &&
    !cur.reference &&
    (cur.referencePolicy?.type ?? 'Source') === w.referencePolicy &&
    Boolean(cur.importPolicy?.scheduled) === Boolean(w.importPolicy.scheduled) &&
    Boolean(cur.importPolicy?.insecure) === Boolean(w.importPolicy.insecure)
  );
}

/** The ImageStreamTag oc sends (tag.go Run). */
function istagBody(w: Omit<TagWrite, 'action' | 'request'>): Json {
  const tag: Json = {
    name: w.tag,
    from: { kind: w.from.kind, name: w.from.name, ...(w.from.namespace ? { namespace: w.from.namespace } : {}) },
    reference: false,
    importPolicy: { ...(w.importPolicy.insecure ? { insecure: true } : {}), ...(w.importPolicy.scheduled ? { scheduled: true } : {}) },
    referencePolicy: { type: w.referencePolicy },
  };
  // generation 0: the server (re-)imports an external image.
  if (w.from.kind === 'DockerImage') tag.generation = 0;
  return { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: `${w.imageStream}:${w.tag}`, namespace: w.namespace }, tag };
}

async function readStream(c: Cluster, ns: string, name: string, forWhat: string, user: () => Promise<string>): Promise<Json | null> {
  try {
    return await is.getImageStream(c, ns, name);
  } catch (e) {
    if (isApiError(e, 403)) {
      throw new AuthError(`you may not read image stream ${ns}/${name} (${forWhat})`, { hint: `ask an admin of ${ns}: \`regctl grant viewer ${await user()} -n ${ns}\`` });
    }
    throw e;
  }
}

/** Reads what the plan needs and checks access; writes nothing. */
export async function planTag(c: Cluster, input: string, destInputs: string[], o: TagOptions): Promise<TagPlan> {
  const referencePolicy = referencePolicyOf(o.referencePolicy);
  const { kind, ref } = classifySource(input, o);
  const dests = destInputs.map((d) => parseDestination(d, o.namespace));
  let who: string | undefined;
  const user = async () => (who ??= (await c.whoami().catch(() => ({ username: 'USER' }))).username || 'USER');

  const srcNs = kind === 'DockerImage' ? undefined : (ref.namespace ?? o.namespace);
  if (o.alias) {
    for (const d of dests) {
      if (d.namespace !== srcNs || d.stream !== ref.name) {
        throw new UsageError(`--alias works within one image stream: ${d.input} is not in ${srcNs}/${ref.name}`, `tag without --alias to copy the current image into ${d.namespace}/${d.stream}`);
      }
    }
  }
  for (const d of dests) {
    if (kind !== 'DockerImage' && d.namespace === srcNs && d.stream === ref.name && d.tag === ref.tag) {
      throw new UsageError(`${d.input} is the source itself`, 'give another destination tag');
    }
  }

  let fromKind: SourceKind = kind;
  let fromName: string;
  let image: string | undefined;
  if (kind === 'DockerImage') {
    fromName = formatReference(ref);
  } else if (kind === 'ImageStreamImage') {
    fromName = `${ref.name}@${ref.digest}`;
    const s = await readStream(c, srcNs!, ref.name, 'the source', user);
    if (!s) throw new NotFoundError(`image stream ${srcNs}/${ref.name} not found`, { hint: `list the image streams of ${srcNs}: regctl catalog -n ${srcNs}` });
    if (!((s.status?.tags ?? []) as Json[]).some((t) => ((t.items ?? []) as Json[]).some((i) => i.image === ref.digest))) {
      throw new NotFoundError(`image ${ref.digest} is not in image stream ${srcNs}/${ref.name}`, { hint: `list its tags and images: regctl tags ${srcNs}/${ref.name}` });
    }
    image = ref.digest;
  } else {
    fromName = `${ref.name}:${ref.tag}`;
    const s = await readStream(c, srcNs!, ref.name, 'the source', user);
    if (!s) throw new NotFoundError(`image stream ${srcNs}/${ref.name} not found`, { hint: `list the image streams of ${srcNs}: regctl catalog -n ${srcNs}` });
    const ev = ((s.status?.tags ?? []) as Json[]).find((t) => t.tag === ref.tag)?.items?.[0];
    if (!ev && !o.alias) throw new NotFoundError(`${srcNs}/${ref.name}:${ref.tag} does not point at an image, so it cannot be the source of a tag`, { hint: `list the tags: regctl tags ${srcNs}/${ref.name}` });
    if (!o.alias) {
      // Not an alias: the destination gets the image the source points at now.
      if (ev.image) {
        fromKind = 'ImageStreamImage';
        fromName = `${ref.name}@${ev.image}`;
      } else {
        fromKind = 'DockerImage';
        fromName = String(ev.dockerImageReference);
      }
    }
    image = ev?.image || undefined;
  }

  const writes: TagWrite[] = [];
  const streams = new Map<string, Json | null>();
  for (const d of dests) {
    const key = `${d.namespace}/${d.stream}`;
    if (!streams.has(key)) streams.set(key, await readStream(c, d.namespace, d.stream, 'the destination', user));
    // tag.go: a source in another project than the destination names its project.
    const fromNs = fromKind === 'DockerImage' ? undefined : ref.namespace ? srcNs : d.namespace !== o.namespace ? o.namespace : undefined;
    const base = {
      namespace: d.namespace,
      imageStream: d.stream,
      tag: d.tag,
      from: { kind: fromKind, name: fromName, ...(fromNs ? { namespace: fromNs } : {}) },
      referencePolicy,
      importPolicy: { ...(o.scheduled ? { scheduled: true } : {}), ...(o.insecure ? { insecure: true } : {}) },
      alias: Boolean(o.alias),
    };
    const cur = specTag(streams.get(key)!, d.tag);
    const statusHas = ((streams.get(key)?.status?.tags ?? []) as Json[]).some((t) => t.tag === d.tag);
    if (sameTag(cur, base)) writes.push({ ...base, action: 'unchanged' });
    else {
      const body = istagBody(base);
      writes.push({ ...base, action: cur || statusHas ? 'update' : 'create', request: { method: 'PUT', path: resourcePath(R.imageStreamTag, { namespace: d.namespace, name: `${d.stream}:${d.tag}` }), body } });
    }
  }

  // Access, checked before any write: update imagestreamtags where tags change, and (the server's TagVerifier)
  // pulling the source stream from another project.
  for (const ns of new Set(writes.filter((w) => w.request).map((w) => w.namespace))) {
    const can = await c.can({ verb: 'update', group: 'image.openshift.io', resource: 'imagestreamtags', namespace: ns });
    if (!can.allowed) {
      throw new AuthError(`you may not tag images in project ${ns} (update imagestreamtags.image.openshift.io)`, { hint: `ask an admin of ${ns}: \`regctl grant editor ${await user()} -n ${ns}\`` });
    }
  }
  for (const w of writes.filter((x) => x.request && x.from.namespace && x.from.namespace !== x.namespace)) {
    const stream = w.from.name.split(/[:@]/)[0]!;
    const can = await c.can({ verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: w.from.namespace, name: stream });
    if (!can.allowed) {
      throw new AuthError(`you may not pull ${w.from.namespace}/${stream}, so you cannot tag it into ${w.namespace}`, { hint: `ask an admin of ${w.from.namespace}: \`regctl grant puller ${await user()} -n ${w.from.namespace}\`` });
    }
  }
  return { source: { input, kind, ...(srcNs ? { namespace: srcNs } : {}), reference: kind === 'DockerImage' ? fromName : `${srcNs}/${ref.name}${ref.digest ? `@${ref.digest}` : `:${ref.tag}`}`, ...(image ? { image } : {}) }, writes };
}

export interface AppliedTag {
  write: TagWrite;
  result: 'created' | 'updated' | 'unchanged';
  /** The image the tag points at after the write (absent while an external image is still being imported). */
  image?: string;
}

const fromText = (f: TagFrom) => `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`;

/** The write of a tag as a plan step: PUT imagestreamtags/STREAM:TAG (tag.go), or with `post` the fallback POST. */
export function tagStep(w: TagWrite, post = false): CreateStep {
  const step: CreateStep = {
    action: 'create',
    target: target(R.imageStreamTag, `${w.imageStream}:${w.tag}`, w.namespace),
    summary: `${w.action === 'create' ? 'create' : 'update'} ImageStreamTag ${w.namespace}/${w.imageStream}:${w.tag} (from ${fromText(w.from)})`,
    object: w.request!.body,
  };
  return post ? step : { ...step, put: true };
}

/** The steps a run sends (the unchanged tags need none). */
export function tagSteps(plan: TagPlan): Step[] {
  return plan.writes.filter((w) => w.request).map((w) => tagStep(w));
}

/**
 * --render: the desired state a GitOps engine applies, the image streams with only the spec tags regctl sets
 * (server-side apply merges spec.tags by name, patchMergeKey in openshift/api image/v1), unchanged ones included.
 */
export function renderSteps(plan: TagPlan): PatchStep[] {
  const byStream = new Map<string, TagWrite[]>();
  for (const w of plan.writes) {
    const k = `${w.namespace}/${w.imageStream}`;
    byStream.set(k, [...(byStream.get(k) ?? []), w]);
  }
  return [...byStream.values()].map((ws) => {
    const { namespace, imageStream } = ws[0]!;
    const tags = ws.map((w) => ({
      name: w.tag,
      from: { kind: w.from.kind, name: w.from.name, ...(w.from.namespace ? { namespace: w.from.namespace } : {}) },
      importPolicy: { ...(w.importPolicy.insecure ? { insecure: true } : {}), ...(w.importPolicy.scheduled ? { scheduled: true } : {}) },
      referencePolicy: { type: w.referencePolicy },
    }));
    const applyConfig = { spec: { tags } } as Json;
    return {
      action: 'patch',
      target: target(R.imageStream, imageStream, namespace),
      summary: `apply ImageStream ${namespace}/${imageStream} (spec tags ${ws.map((w) => w.tag).join(', ')})`,
      patchType: 'apply',
      patch: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: imageStream, namespace }, ...applyConfig },
      applyConfig,
    } satisfies PatchStep;
  });
}

/**
 * Writes the plan in order, each step sent by `send` (the plan engine); when a write fails, deletes the tags this
 * run created, or names what is left.
 */
export async function applyTag(c: Cluster, plan: TagPlan, send: (s: Step) => Promise<Json>): Promise<AppliedTag[]> {
  const done: AppliedTag[] = [];
  for (const w of plan.writes) {
    if (!w.request) {
      done.push({ write: w, result: 'unchanged' });
      continue;
    }
    try {
      let res: Json;
      try {
        res = await send(tagStep(w));
      } catch (e) {
        // tag.go: servers that cannot update may still create.
        if (!isApiError(e, 404) && !isApiError(e, 405)) throw e;
        res = await send(tagStep(w, true));
      }
      done.push({ write: w, result: w.action === 'create' ? 'created' : 'updated', ...(res?.image?.metadata?.name ? { image: res.image.metadata.name } : {}) });
    } catch (e) {
      if (!done.some((d) => d.result !== 'unchanged')) throw e;
      const name = (x: TagWrite) => `${x.namespace}/${x.imageStream}:${x.tag}`;
      const changed = done.filter((d) => d.result !== 'unchanged');
      const created = changed.filter((d) => d.result === 'created');
      const rest = plan.writes.slice(plan.writes.indexOf(w)).filter((x) => x.request).map(name);
      throw await failedPartWay(e, {
        step: `tagging ${name(w)}`,
        left: `${changed.map((d) => name(d.write)).join(', ')} tagged, ${rest.join(', ')} not`,
        finish: `regctl tag ${plan.source.input} ${rest.join(' ')}`,
        undoCommand: `regctl tag -d ${changed.map((d) => name(d.write)).join(' ')}`,
        ...(created.length === changed.length ? { undo: async () => { for (const d of created) await is.deleteImageStreamTag(c, d.write.namespace, d.write.imageStream, d.write.tag); } } : {}),
      });
    }
  }
  return done;
}

export interface DeletedTagResult {
  namespace: string;
  imageStream: string;
  tag: string;
  image: string | null;
  result: 'deleted' | 'would delete' | 'not found';
}

/** -d: DELETE imagestreamtags/STREAM:TAG for each (as `regctl delete`); a tag already gone is reported, not an error. */
export async function deleteTags(c: Cluster, dests: Destination[], dryRun: boolean, send: (s: Step) => Promise<unknown>): Promise<{ results: DeletedTagResult[]; steps: Step[] }> {
  const steps: Step[] = [];
  const out: DeletedTagResult[] = [];
  const streams = new Map<string, Json | null>();
  for (const d of dests) {
    const key = `${d.namespace}/${d.stream}`;
    if (!streams.has(key)) streams.set(key, await is.getImageStream(c, d.namespace, d.stream));
  }
  const present = dests.filter((d) => {
    const s = streams.get(`${d.namespace}/${d.stream}`);
    return s && is.streamTags(s).some((t) => t.tag === d.tag);
  });
  {
    for (const ns of new Set(present.map((d) => d.namespace))) {
      const can = await c.can({ verb: 'delete', group: 'image.openshift.io', resource: 'imagestreamtags', namespace: ns });
      if (!can.allowed) {
        const who = (await c.whoami().catch(() => ({ username: 'USER' }))).username || 'USER';
        throw new AuthError(`you may not delete tags in project ${ns} (delete imagestreamtags.image.openshift.io)`, { hint: `ask an admin of ${ns}: \`regctl grant editor ${who} -n ${ns}\`` });
      }
    }
  }
  const deleted: DeletedTagResult[] = [];
  for (const d of dests) {
    const s = streams.get(`${d.namespace}/${d.stream}`);
    const tag = s ? is.streamTags(s).find((t) => t.tag === d.tag) : undefined;
    const base = { namespace: d.namespace, imageStream: d.stream, tag: d.tag, image: tag?.image ?? null };
    if (!tag) {
      out.push({ ...base, result: 'not found' });
      continue;
    }
    const step = is.deleteTagStep(d.namespace, d.stream, d.tag, tag.image ?? null);
    steps.push(step);
    if (dryRun) {
      out.push({ ...base, result: 'would delete' });
      continue;
    }
    try {
      await send(step);
      const r = { ...base, result: 'deleted' as const };
      out.push(r);
      deleted.push(r);
    } catch (e) {
      if (isApiError(e, 404)) {
        out.push({ ...base, result: 'not found' });
        continue;
      }
      if (!deleted.length) throw e;
      const rest = dests.slice(dests.indexOf(d)).map((x) => `${x.namespace}/${x.stream}:${x.tag}`);
      throw await failedPartWay(e, {
        step: `deleting ${d.namespace}/${d.stream}:${d.tag}`,
        left: `${deleted.map((r) => `${r.namespace}/${r.imageStream}:${r.tag}`).join(', ')} deleted, ${rest.join(', ')} not`,
        finish: `regctl tag -d ${rest.join(' ')}`,
        undoCommand: deleted.filter((r) => r.image).map((r) => `regctl tag ${r.namespace}/${r.imageStream}@${r.image} ${r.namespace}/${r.imageStream}:${r.tag}`).join(' && '),
      });
    }
  }
  return { results: out, steps };
}
