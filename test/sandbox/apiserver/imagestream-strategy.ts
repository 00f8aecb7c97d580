// openshift-apiserver's image stream strategies, for the parts a client notices on ImageStream writes
// (openshift/openshift-apiserver release-4.17 @ 8d7098cf3adcf718df56db0bc8df7647c131d0f9):
// - pkg/image/apis/image/v1/conversion.go: spec.tags and status.tags are maps inside the server, so a write keeps the
//   last entry of a repeated name and every answer lists them sorted by name;
// - pkg/image/apis/image/v1/defaults.go: a tag's referencePolicy.type defaults to Source, importPolicy.importMode to Legacy;
// - pkg/image/apiserver/registry/imagestream/strategy.go: spec tag generations (PrepareForCreate, prepareForUpdate,
//   updateSpecTagGenerationsForUpdate, ensureSpecTagGenerationsAreSet, tagRefChanged), the StatusStrategy
//   (PrepareForUpdate: spec.tags and spec.dockerImageRepository stay as stored, everything else — metadata, the rest of
//   spec, status — is the request's; updateObservedGenerationForStatusUpdate);
// - pkg/image/apis/image/validation/validation.go: ValidateImageStreamTagReference (every write of the main resource)
//   and ValidateImageStreamStatusUpdateWithWhitelister (a status write: every new dockerImageReference must parse).
import type { KubeObject } from '../types.ts';
import { ApiError } from './errors.ts';

type TagRef = Record<string, any>;

export interface Cause {
  reason: string;
  message: string;
  field: string;
}

/** Go's map-keyed list: the last entry of a name wins, sorted by name (conversion.go). */
function byName<T extends Record<string, any>>(list: unknown, key: string): T[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const m = new Map<string, T>();
  for (const x of list as T[]) if (x && typeof x === 'object') m.set(String(x[key] ?? ''), x);
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => m.get(k)!);
}

/** Defaults and map semantics the decoding gives every ImageStream written through the API. */
export function canonicalizeImageStream(obj: Record<string, any>): void {
  const spec = obj.spec;
  if (spec && typeof spec === 'object' && Array.isArray(spec.tags)) {
    spec.tags = byName<TagRef>(spec.tags, 'name');
    for (const t of spec.tags as TagRef[]) defaultTagReference(t);
  }
  const status = obj.status;
  if (status && typeof status === 'object' && Array.isArray(status.tags)) status.tags = byName(status.tags, 'tag');
}

/** SetDefaults_TagReferencePolicy, SetDefaults_TagImportPolicy (pkg/image/apis/image/v1/defaults.go). */
export function defaultTagReference(t: TagRef): void {
  if (!t.referencePolicy || typeof t.referencePolicy !== 'object') t.referencePolicy = {};
  if (!t.referencePolicy.type) t.referencePolicy.type = 'Source';
  if (!t.importPolicy || typeof t.importPolicy !== 'object') t.importPolicy = {};
  if (!t.importPolicy.importMode) t.importPolicy.importMode = 'Legacy';
}

const gen = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

/** strategy.go tagRefChanged: the source (namespace, name), reference, importMode, or a generation set to 0. */
export function tagRefChanged(old: TagRef, next: TagRef, streamNamespace: string): boolean {
  const from = next.from;
  if (!from) return false;
  if (!from.kind && !from.name) return false;
  const oldFrom = old.from ?? {};
  if ((oldFrom.namespace || streamNamespace) !== (from.namespace || streamNamespace)) return true;
  if ((oldFrom.name ?? '') !== (from.name ?? '')) return true;
  if (Boolean(old.reference) !== Boolean(next.reference)) return true;
  if ((old.importPolicy?.importMode ?? '') !== (next.importPolicy?.importMode ?? '')) return true;
  // tagRefGenerationChanged: both set, different, and the new one is 0.
  const o = gen(old.generation);
  const n = gen(next.generation);
  return o !== undefined && n !== undefined && o !== n && n === 0;
}

/** PrepareForCreate: the stream's generation is 1 and so is every spec tag's. */
function prepareForCreate(obj: Record<string, any>): void {
  for (const t of (obj.spec?.tags ?? []) as TagRef[]) t.generation = 1;
}

/**
 * prepareForUpdate (main resource): tag generations cannot be changed by a client except to 0; the stream's generation
 * is the stored one, plus one when the spec changed; then every new or changed tag, and one at 0 or unset, gets the
 * stream's generation. Returns the stream generation (store.ts bumps metadata.generation the same way).
 */
function prepareForUpdate(obj: Record<string, any>, old: Record<string, any>): number {
  const ns = String(obj.metadata?.namespace ?? old.metadata?.namespace ?? '');
  const tags = (obj.spec?.tags ?? []) as TagRef[];
  const oldTags = new Map(((old.spec?.tags ?? []) as TagRef[]).map((t) => [t.name, t]));
  // updateSpecTagGenerationsForUpdate
  for (const t of tags) {
    if (gen(t.generation) === 0) continue;
    const prev = oldTags.get(t.name);
    if (prev) {
      if (prev.generation === undefined || prev.generation === null) delete t.generation;
      else t.generation = prev.generation;
    }
  }
  const oldGen = Number(old.metadata?.generation ?? 0);
  const specChanged = JSON.stringify(canonicalSpec(obj.spec)) !== JSON.stringify(canonicalSpec(old.spec));
  const generation = specChanged || oldGen === 0 ? oldGen + 1 : oldGen;
  // ensureSpecTagGenerationsAreSet
  for (const t of tags) {
    const prev = oldTags.get(t.name);
    if (!prev || tagRefChanged(prev, t, ns)) delete t.generation;
    const g = gen(t.generation);
    if (g !== undefined && g !== 0) continue;
    t.generation = generation;
  }
  return generation;
}

/** A spec as Semantic.DeepEqual sees it: members in a fixed order, absent = null/empty. */
function canonicalSpec(spec: unknown): unknown {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || x === null) continue;
        out[k] = sort(x);
      }
      return out;
    }
    return v;
  };
  return sort(spec ?? {});
}

/** Every ImageStream write (store.ts admit): defaults, tag maps, generations. `old` is the stored stream on update. */
export function prepareImageStream(obj: Record<string, any>, old: Record<string, any> | undefined): void {
  canonicalizeImageStream(obj);
  if (!old) prepareForCreate(obj);
  else prepareForUpdate(obj, old);
}

/**
 * StatusStrategy.PrepareForUpdate: the stored spec.tags and spec.dockerImageRepository are kept, the rest of the
 * request (metadata, spec.lookupPolicy, status) is written; the generation is the stored one (rest.BeforeUpdate); a
 * new latest tag event without a generation gets one (updateObservedGenerationForStatusUpdate). Returns the object
 * to store.
 */
export function prepareImageStreamStatusUpdate(next: KubeObject, cur: KubeObject): KubeObject {
  const out = structuredClone(next) as Record<string, any>;
  canonicalizeImageStream(out);
  const curSpec = (cur.spec ?? {}) as Record<string, any>;
  const spec = (out.spec && typeof out.spec === 'object' ? out.spec : {}) as Record<string, any>;
  if (curSpec.tags === undefined) delete spec.tags;
  else spec.tags = structuredClone(curSpec.tags);
  if (curSpec.dockerImageRepository === undefined) delete spec.dockerImageRepository;
  else spec.dockerImageRepository = curSpec.dockerImageRepository;
  out.spec = spec;
  out.metadata = { ...out.metadata, generation: cur.metadata.generation };
  const generation = Number(cur.metadata.generation ?? 0);
  const oldStatusTags = new Map((((cur.status as any)?.tags ?? []) as any[]).map((t) => [t.tag, t]));
  const specTags = new Map(((spec.tags ?? []) as TagRef[]).map((t) => [t.name, t]));
  for (const t of ((out.status?.tags ?? []) as any[])) {
    const first = t.items?.[0];
    if (!first || (first.generation !== undefined && first.generation !== null && Number(first.generation) !== 0)) continue;
    const older = oldStatusTags.get(t.tag)?.items?.[0];
    const changed = older && (older.image !== first.image || older.dockerImageReference !== first.dockerImageReference || Number(older.generation ?? 0) > Number(first.generation ?? 0));
    const specGen = specTags.get(t.tag)?.generation;
    first.generation = !older || !changed || specGen === undefined || specGen === null ? generation : Number(specGen);
  }
  return out as KubeObject;
}

// ----- validation -----

/**
 * ValidateImageStreamName (validation.go): a path segment name that is one repository name component,
 * `[a-z0-9]+(?:[._-][a-z0-9]+)*` — `a_b` is a valid stream name, `a--b` is not (unlike a DNS subdomain).
 */
export function imageStreamNameError(name: string): string | undefined {
  if (/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) return undefined;
  return `Invalid value: ${JSON.stringify(name)}: must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"`;
}

const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOSTNAME = `${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?`;
const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const NAME = `(?:${HOSTNAME}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}))?$`);

/**
 * The error library-go's reference.Parse (pkg/image/reference → pkg/image/internal/reference Parse, ParseNamed) gives
 * a pull spec, or undefined when it parses. (The digest's own checks — algorithm, length — are not imitated.)
 */
export function referenceError(s: string): string | undefined {
  const m = REFERENCE.exec(s);
  if (!m) {
    if (s === '') return 'repository name must have at least one component';
    if (REFERENCE.test(s.toLowerCase())) return 'repository name must be lowercase';
    return 'invalid reference format';
  }
  if (m[1]!.length > 255) return 'repository name must not be more than 255 characters';
  return undefined;
}

/** field.Invalid's value as Go's %#v-ish printing shows a string. */
const q = (v: unknown) => JSON.stringify(String(v ?? ''));

/** ValidateImageStreamTagReference for every spec tag (ValidateImageStreamWithWhitelister, no whitelister). */
function tagReferenceCauses(obj: Record<string, any>): Cause[] {
  return ((obj.spec?.tags ?? []) as TagRef[]).flatMap((t) => tagCauses(t, `spec.tags[${t.name}]`));
}

/** ValidateImageStreamTagReference of one tag, its fields under `path`. */
function tagCauses(t: TagRef, path: string): Cause[] {
  const causes: Cause[] = [];
  {
    const from = t.from;
    if (from) {
      if (!from.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${path}.from.name` });
      if (from.kind === 'DockerImage') {
        const err = from.name ? referenceError(String(from.name)) : undefined;
        if (err) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: ${err}`, field: `${path}.from.name` });
      } else if (from.kind === 'ImageStreamImage' || from.kind === 'ImageStreamTag') {
        if (t.importPolicy?.scheduled) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: true: only tags pointing to Docker repositories may be scheduled for background import', field: `${path}.importPolicy.scheduled` });
      } else {
        causes.push({ reason: 'FieldValueRequired', message: "Required value: valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'", field: `${path}.from.kind` });
      }
    }
    const rp = t.referencePolicy?.type ?? '';
    if (rp !== 'Source' && rp !== 'Local') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(rp)}: valid values are "Source", "Local"`, field: `${path}.referencePolicy.type` });
    const im = t.importPolicy?.importMode ?? '';
    if (im && im !== 'Legacy' && im !== 'PreserveOriginal') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(im)}: invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'`, field: `${path}.importPolicy.importMode` });
  }
  return causes;
}

/**
 * An ImageStreamTag write's own validation (imagestreamtag/rest.go Create/update → rest.BeforeCreate/BeforeUpdate with
 * the istag strategy → ValidateImageStreamTagWithWhitelister / ValidateImageStreamTagUpdateWithWhitelister): the tag
 * reference under `tag.`, and `tag.annotations`, when given, equal to metadata.annotations. Throws the 422.
 */
export function validateImageStreamTagWrite(name: string, tag: TagRef | undefined, annotations: unknown): void {
  if (!tag) return;
  const causes = tagCauses(tag, 'tag');
  if (tag.annotations != null && JSON.stringify(canonicalSpec(tag.annotations)) !== JSON.stringify(canonicalSpec(annotations ?? {}))) {
    causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "<map>": tag annotations must not be provided or must be equal to the object meta annotations', field: 'tag.annotations' });
  }
  if (!causes.length) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new ApiError(422, 'Invalid', `ImageStreamTag.image.openshift.io "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { name, group: 'image.openshift.io', kind: 'ImageStreamTag', causes });
}

/**
 * ImageStreamImport's create validation, before anything is imported (imagestreamimport/rest.go Create →
 * rest.BeforeCreate → strategy.go Validate → validation.go ValidateImageStreamImport): only DockerImage sources, a
 * pull spec each (`*` passes), a target tag name when `to` is given, a repository without tag or digest, import
 * modes, at least one image or a repository, the stream name rule. Throws the 422.
 */
export function validateImageStreamImport(isi: Record<string, any>): void {
  const causes: Cause[] = [];
  const spec = isi.spec ?? {};
  const images = Array.isArray(spec.images) ? spec.images : [];
  images.forEach((im: any, i: number) => {
    const path = `spec.images[${i}]`;
    const from = im?.from ?? {};
    if (from.kind === 'DockerImage') {
      if (im.to && !im.to.name) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "": the name of the target tag must be specified', field: `${path}.to.name` });
      if (!from.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${path}.from.name` });
      else if (from.name !== '*') {
        const err = referenceError(String(from.name));
        if (err) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: ${err}`, field: `${path}.from.name` });
      }
    } else {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.kind)}: only DockerImage is supported`, field: `${path}.from.kind` });
    }
    causes.push(...importModeCauses(im?.importPolicy, `${path}.importPolicy`));
  });
  const repo = spec.repository;
  if (repo) {
    const from = repo.from ?? {};
    if (from.kind === 'DockerImage') {
      if (!from.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value: container image references require a name', field: 'spec.repository.from.name' });
      else {
        const err = referenceError(String(from.name));
        const m = err ? undefined : REFERENCE.exec(String(from.name));
        if (err) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: ${err}`, field: 'spec.repository.from.name' });
        else if (m && (m[2] || m[3])) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.name)}: you must specify an image repository, not a tag or ID`, field: 'spec.repository.from.name' });
      }
    } else {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(from.kind)}: only DockerImage is supported`, field: 'spec.repository.from.kind' });
    }
    causes.push(...importModeCauses(repo.importPolicy, 'spec.repository.importPolicy'));
  }
  if (!images.length && !repo) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "null": you must specify at least one image or a repository import', field: 'spec.images' });
  const name = String(isi.metadata?.name ?? '');
  if (!name) causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  else {
    const why = imageStreamNameError(name);
    if (why) causes.push({ reason: 'FieldValueInvalid', message: why, field: 'metadata.name' });
  }
  if (!causes.length) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new ApiError(422, 'Invalid', `ImageStreamImport.image.openshift.io "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { name, group: 'image.openshift.io', kind: 'ImageStreamImport', causes });
}

function importModeCauses(policy: any, path: string): Cause[] {
  const im = policy?.importMode ?? '';
  if (!im || im === 'Legacy' || im === 'PreserveOriginal') return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${q(im)}: invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'`, field: `${path}.importMode` }];
}

/** ValidateImageStreamStatusUpdateWithWhitelister: every dockerImageReference not already in the stored status must parse. */
function statusUpdateCauses(next: Record<string, any>, cur: Record<string, any>): Cause[] {
  const known = new Set<string>();
  for (const t of ((cur.status?.tags ?? []) as any[])) for (const it of (t.items ?? []) as any[]) known.add(String(it?.dockerImageReference ?? ''));
  const causes: Cause[] = [];
  for (const t of ((next.status?.tags ?? []) as any[])) {
    ((t.items ?? []) as any[]).forEach((it, i) => {
      const ref = String(it?.dockerImageReference ?? '');
      if (known.has(ref)) return;
      const err = referenceError(ref);
      if (err) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${q(ref)}: ${err}`, field: `status.tags[${t.tag}].items[${i}].dockerImageReference` });
    });
  }
  return causes;
}

function invalid(name: string, causes: Cause[]): ApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  return new ApiError(422, 'Invalid', `ImageStream.image.openshift.io "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { name, group: 'image.openshift.io', kind: 'ImageStream', causes });
}

/**
 * Strategy.Validate / ValidateUpdate (after PrepareForCreate/Update): `first` are validateTagsAndLimits' causes
 * (imagestream-tags-changed.ts), then the field validation of the spec tags, all in one 422.
 */
export function validateImageStream(obj: KubeObject, first: Cause[] = []): void {
  const causes = [...first, ...tagReferenceCauses(obj as Record<string, any>)];
  if (causes.length) throw invalid(obj.metadata?.name ?? '', causes);
}

/** StatusStrategy.ValidateUpdate (the LimitRange check on image counts is not imitated). */
export function validateImageStreamStatusUpdate(next: KubeObject, cur: KubeObject): void {
  const causes = statusUpdateCauses(next as Record<string, any>, cur as Record<string, any>);
  if (causes.length) throw invalid(next.metadata?.name ?? '', causes);
}
