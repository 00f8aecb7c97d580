// Generic REST for stored resources: get/list/watch/create/update/patch/delete, status and scale subresources,
// dry-run, CR schema validation.
import { randomUUID } from 'node:crypto';
import type { KubeObject, ListOptions, ResourceType, Store, WatchEvent } from '../types.ts';
import { apiVersionOf, qualifiedKind, qualifiedResource } from '../resources.ts';
import { admit, invalidName, matchLabels, parseLabelSelector } from '../store.ts';
import { ApiError, badRequest, conflict, fromUnknown, methodNotAllowed, notFound } from './errors.ts';
import { applyPatch, patchTypeOf } from './patch.ts';
import { invalidMessage, validateCustomResource } from './validate.ts';
import { jsonBody, sendError, sendJson } from './context.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';
import { tableRequest, toTable } from './table.ts';
import { checkBody, directiveOf, dropFields, unknownFields, checkPatched } from './fieldvalidation.ts';
import { managerName, recordUpdate } from './managedfields.ts';
import { handleApply, isApplyPatch } from './apply.ts';
import { raceFault } from './faults.ts';
import { validateBuiltIn, validatesBuiltIn } from './secret-validation.ts';
import { queryOptions, validateWriteOptions } from './write-options.ts';
import { prepareImageStreamStatusUpdate, validateImageStream, validateImageStreamStatusUpdate } from './imagestream-strategy.ts';
import { imageStreamTagsChanged, linkImages } from './imagestream-tags-changed.ts';

const IMAGESTREAMS = 'image.openshift.io/imagestreams';
/**
 * Strategies whose AllowUnconditionalUpdate is false besides custom resources: an update must carry the
 * resourceVersion (openshift/openshift-apiserver release-4.17 pkg/image/apiserver/registry/imagestream/strategy.go and
 * image/strategy.go `AllowUnconditionalUpdate() bool { return false }`; the generic store.go Update refuses 0).
 */
const NO_UNCONDITIONAL_UPDATE = new Set([IMAGESTREAMS, 'image.openshift.io/images']);

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields openshift-apiserver computes on read (imagestream registry hostnames). */
export function decorate(store: Store, key: string, o: KubeObject): KubeObject {
  if (key === 'image.openshift.io/imagestreams') {
    const cfg = store.get('config.openshift.io/images', undefined, 'cluster') as any;
    const internal: string | undefined = cfg?.status?.internalRegistryHostname;
    const external: string[] = [...(cfg?.spec?.externalRegistryHostnames ?? []), ...(cfg?.status?.externalRegistryHostnames ?? [])];
    const status = (o.status ??= {}) as Record<string, unknown>;
    const repo = `${o.metadata.namespace}/${o.metadata.name}`;
    if (internal) status.dockerImageRepository = `${internal}/${repo}`;
    else status.dockerImageRepository ??= '';
    // Strategy.Decorate sets both on every read: no external host → "" (omitted), whatever a status write stored.
    if (external[0]) status.publicDockerImageRepository = `${external[0]}/${repo}`;
    else delete status.publicDockerImageRepository;
  }
  return o;
}

/** Object kinds the API server computes (reviews): no managedFields. */
const VIRTUAL_KEYS_NO_FIELDS = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/localsubjectaccessreviews', 'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews']);

/** A copy without the unknown fields the stored object already had (only what a request adds is reported). */
function pruneKnown<T>(obj: T, already: Set<string>): T {
  if (!already.size) return obj;
  const copy: any = structuredClone(obj);
  for (const f of already) {
    const parts = f.replace(/\[(\d+)\]/g, '.$1').split('.');
    const last = parts.pop()!;
    const parent = parts.reduce<any>((acc, k) => (acc == null ? undefined : acc[k]), copy);
    if (parent && typeof parent === 'object') delete parent[last];
  }
  return copy;
}

function validateOrThrow(t: ResourceType, obj: KubeObject): void {
  const causes = validateCustomResource(t, obj);
  if (causes.length) {
    const name = obj.metadata?.name ?? '';
    throw new ApiError(422, 'Invalid', invalidMessage(qualifiedKind(t), name, causes), { name, group: t.group, kind: t.kind, causes });
  }
}

function checkTypeMeta(t: ResourceType, obj: any): void {
  if (!isObj(obj)) throw badRequest('the body of the request was not a JSON object');
  if (obj.kind && obj.kind !== t.kind && !(t.resource === 'deployments' && obj.kind === 'Scale')) {
    throw badRequest(`the API version in the data (${obj.apiVersion ?? ''}) does not match the expected API version (${apiVersionOf(t)})`);
  }
  obj.metadata ??= {};
}

function isDryRun(ctx: RequestCtx): boolean {
  return ctx.url.searchParams.getAll('dryRun').includes('All');
}

/** A resourceVersion the etcd3 versioner reads as set (ObjectResourceVersion: a uint64 other than 0). */
function setOnCreate(rv: unknown): boolean {
  return typeof rv === 'string' && /^\d+$/.test(rv) && BigInt(rv) !== 0n && BigInt(rv) < 2n ** 64n;
}

/**
 * Stores without ReturnDeletedObject answer a finished delete with a Status, not the object
 * (registry/generic/registry/store.go finalizeDelete, release-1.30): custom resources
 * (apiextensions-apiserver registry/customresource/etcd.go), ConfigMaps and Secrets (kubernetes pkg/registry/core/
 * {configmap,secret}/storage/storage.go), RoleBindings and ClusterRoleBindings (pkg/registry/rbac/{rolebinding,
 * clusterrolebinding}/storage/storage.go). Other kinds keep answering with the object here (pods and service accounts
 * do upstream; the rest is not checked).
 */
const DELETED_AS_STATUS = new Set([
  '/configmaps',
  '/secrets',
  'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterrolebindings',
  // openshift/openshift-apiserver release-4.17 pkg/image/apiserver/registry/imagestream/etcd/etcd.go and
  // image/etcd/etcd.go: registry.Store without ReturnDeletedObject.
  IMAGESTREAMS,
  'image.openshift.io/images',
]);
const deletedAsStatus = (t: ResourceType, key: string) => Boolean(t.schema) || DELETED_AS_STATUS.has(key);

function deletedStatus(t: ResourceType, o: KubeObject) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: o.metadata.name, ...(t.group ? { group: t.group } : {}), kind: t.resource, uid: o.metadata.uid } };
}

/** An error that is no API status (responsewriters/status.go ErrorToAPIStatus): the code, the message, no reason. */
class UnknownError extends ApiError {
  constructor(code: number, message: string) {
    super(code, '', message);
  }
  override status() {
    const { reason: _r, ...s } = super.status();
    return s;
  }
}

export interface DeleteOptions {
  dryRun?: string[];
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  orphanDependents?: boolean;
}

/**
 * A DELETE's options as handlers/delete.go (DeleteResource) reads them: the body is always read; a body, when there is
 * one, is the DeleteOptions (the query is then not consulted), else the query parameters are.
 */
export async function deleteOptions(ctx: RequestCtx): Promise<DeleteOptions> {
  const buf = await ctx.body();
  let out: DeleteOptions;
  if (buf.length) {
    const o = await jsonBody(ctx);
    // (An undecodable body is a 400 here, as jsonBody answers every body; upstream's decoder errors differ in wording.)
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw badRequest('error decoding request body: DeleteOptions must be an object');
    if (o.dryRun !== undefined && o.dryRun !== null && !(Array.isArray(o.dryRun) && o.dryRun.every((v: unknown) => typeof v === 'string'))) {
      throw badRequest('error decoding request body: DeleteOptions.dryRun must be a list of strings');
    }
    out = o as DeleteOptions;
  } else {
    const q = ctx.url.searchParams;
    out = {};
    if (q.getAll('dryRun').length) out.dryRun = q.getAll('dryRun');
    if (q.get('propagationPolicy')) out.propagationPolicy = q.get('propagationPolicy')!;
    if (q.get('gracePeriodSeconds')) out.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
    if (q.has('orphanDependents')) out.orphanDependents = !['0', 'false'].includes(q.get('orphanDependents')!.toLowerCase());
  }
  // ValidateDeleteOptions (handlers/delete.go), before the object is looked at: a dryRun other than All is refused.
  validateWriteOptions('DeleteOptions', { dryRun: out.dryRun ?? undefined, propagationPolicy: out.propagationPolicy ?? undefined });
  return out;
}

function listOptions(ctx: RequestCtx, rr: ResourceRequest): ListOptions {
  const q = ctx.url.searchParams;
  const lo: ListOptions = {};
  if (q.get('labelSelector')) lo.labelSelector = q.get('labelSelector')!;
  const fs = [q.get('fieldSelector'), rr.name && rr.watch ? `metadata.name=${rr.name}` : ''].filter(Boolean).join(',');
  if (fs) lo.fieldSelector = fs;
  const limit = Number(q.get('limit') ?? 0);
  if (limit > 0) lo.limit = limit;
  if (q.get('continue')) lo.continue = q.get('continue')!;
  return lo;
}

function listObject(t: ResourceType, items: KubeObject[], resourceVersion: string, cont?: string) {
  const metadata: Record<string, unknown> = { resourceVersion };
  if (cont) metadata.continue = cont;
  return { kind: t.listKind, apiVersion: apiVersionOf(t), metadata, items };
}

function scaleOf(t: ResourceType, o: KubeObject): KubeObject {
  const spec = (o.spec ?? {}) as any;
  const status = (o.status ?? {}) as any;
  const sel = spec.selector?.matchLabels as Record<string, string> | undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: sel ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : '' },
  };
}

/** Writes through the store, or (dry run) simulates the write after the same checks. */
function storeCreate(ctx: RequestCtx, t: ResourceType, key: string, obj: KubeObject, dry: boolean): KubeObject {
  const store = ctx.opts.store;
  if (!dry) return store.create(key, obj);
  const md = obj.metadata;
  if (!md.name && md.generateName) md.name = `${md.generateName}${randomUUID().slice(0, 5)}`;
  if (!md.name) throw new ApiError(422, 'Invalid', `${qualifiedKind(t)} "" is invalid: metadata.name: Required value: name or generateName is required`);
  // The strategy validates a dry-run create as a real one (registry/generic/registry/store.go create: BeforeCreate
  // runs before Storage.Create(dryRun)): an invalid name is 422 here too (was: only real creates checked it).
  const badName = invalidName(t, md.name);
  if (badName) throw badName;
  if (t.namespaced && !store.get('/namespaces', undefined, md.namespace!)) throw new ApiError(404, 'NotFound', `namespaces "${md.namespace}" not found`, { name: md.namespace, kind: 'namespaces' });
  if (store.get(key, md.namespace, md.name)) throw new ApiError(409, 'AlreadyExists', `${t.group ? `${t.resource}.${t.group}` : t.resource} "${md.name}" already exists`, { name: md.name, group: t.group, kind: t.resource });
  return { ...obj, apiVersion: apiVersionOf(t), kind: t.kind, metadata: { ...md, uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), generation: 1 } };
}

function storeUpdate(ctx: RequestCtx, t: ResourceType, key: string, obj: KubeObject, dry: boolean, subresource?: 'status', whole = false): KubeObject {
  const store = ctx.opts.store;
  // The image stream strategy ran in the handler (admit) and must not run twice: its tag generations are not idempotent.
  // Its tagsChanged wrote the status of a main-resource write (imagestream-tags-changed.ts).
  if (!dry) return store.update(key, obj, subresource ? { subresource, ...(whole ? { whole } : {}) } : key === IMAGESTREAMS ? { admitted: true, withStatus: true } : undefined);
  const cur = store.get(key, obj.metadata.namespace, obj.metadata.name!);
  if (!cur) throw notFound(t, obj.metadata.name!);
  if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) throw conflict(t, obj.metadata.name!);
  if (subresource && whole) {
    const md = cur.metadata;
    return { ...obj, metadata: { ...obj.metadata, uid: md.uid, creationTimestamp: md.creationTimestamp, generation: md.generation, resourceVersion: md.resourceVersion } };
  }
  if (subresource) return { ...cur, status: obj.status };
  const out: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion, uid: cur.metadata.uid } };
  // As the real update would store it: a main-resource write keeps the status of a kind with a status subresource.
  if (t.subresources?.includes('status') && key !== IMAGESTREAMS) {
    if (cur.status === undefined) delete out.status;
    else out.status = cur.status;
  }
  return out;
}

function consumeConflictFault(ctx: RequestCtx, t: ResourceType, name: string): void {
  const f = ctx.opts.faults;
  if (f.conflictNextWrites > 0) {
    f.conflictNextWrites--;
    throw conflict(t, name);
  }
}

export async function handleResource(ctx: RequestCtx, rr: ResourceRequest): Promise<void> {
  const { store } = ctx.opts;
  const { t, key } = rr;
  const method = ctx.req.method ?? 'GET';
  const dry = isDryRun(ctx);
  const sub = rr.subresource;
  if (sub && sub !== 'status' && sub !== 'scale') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  if (sub && !(t.subresources ?? []).includes(sub)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

  // ----- reads -----
  if (method === 'GET') {
    if (rr.watch || ctx.url.searchParams.get('watch') === 'true' || ctx.url.searchParams.get('watch') === '1') return watch(ctx, rr);
    const table = sub ? undefined : tableRequest(ctx);
    if (rr.name) {
      const o = store.get(key, rr.namespace, rr.name);
      if (!o) throw notFound(t, rr.name);
      if (sub === 'scale') return sendJson(ctx.res, 200, scaleOf(t, o));
      const out = decorate(store, key, o);
      return sendJson(ctx.res, 200, table ? toTable(t, out, table) : out);
    }
    const r = store.list(key, rr.namespace, listOptions(ctx, rr));
    const list = listObject(t, r.items.map((o) => decorate(store, key, o)), r.resourceVersion, r.continue);
    return sendJson(ctx.res, 200, table ? toTable(t, list, table) : list);
  }

  // ----- create -----
  if (method === 'POST') {
    if (rr.name) throw methodNotAllowed();
    validateWriteOptions('CreateOptions', queryOptions(ctx.url.searchParams));
    const obj = (await jsonBody(ctx)) as KubeObject;
    checkTypeMeta(t, obj);
    const unknownInBody = checkBody(ctx, [t], t, obj, directiveOf(ctx, 'CreateOptions'));
    // Decoding into the Go type drops unknown fields (custom resources are pruned by their schema below).
    if (!t.schema) dropFields(obj, unknownInBody);
    if (t.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== rr.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = rr.namespace;
    }
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    // ImageStream Strategy.PrepareForCreate (openshift-apiserver release-4.17 imagestream/strategy.go): the request's
    // status is dropped (dockerImageRepository is computed, see decorate).
    if (key === IMAGESTREAMS) obj.status = {};
    // Strategy/admission (route host allocation) runs before validation, as in openshift-apiserver.
    admit(key, obj, undefined, (k, n) => store.get(k, undefined, n));
    validateOrThrow(t, obj);
    const changed = key === IMAGESTREAMS ? imageStreamTagsChanged(ctx, undefined, obj) : { links: [], causes: [] };
    if (key === IMAGESTREAMS) validateImageStream(obj, changed.causes);
    validateBuiltIn(key, t, obj);
    consumeConflictFault(ctx, t, obj.metadata.name ?? '');
    // etcd3 store.go Create (k8s.io/apiserver release-1.30): an object that carries a resourceVersion is refused with
    // storage.ErrResourceVersionSetOnCreate, a plain error the handler answers as 500 without a reason (nothing is
    // written, and it is not retried). A dry run never reaches etcd (registry/generic/registry/dryrun.go) and passes.
    if (!dry && setOnCreate(obj.metadata.resourceVersion)) throw new UnknownError(500, 'resourceVersion should not be set on objects to be created');
    if (!VIRTUAL_KEYS_NO_FIELDS.has(key)) recordUpdate(t, undefined, obj, managerName(ctx.url.searchParams.get('fieldManager'), ctx.req.headers['user-agent']));
    const created = storeCreate(ctx, t, key, obj, dry);
    if (!dry) await linkImages(ctx, changed.links, created);
    return sendJson(ctx.res, 201, decorate(store, key, created));
  }

  if (!rr.name) {
    if (method === 'DELETE') return deleteCollection(ctx, rr);
    throw methodNotAllowed();
  }
  const name = rr.name;

  // ----- update / patch -----
  // The options are checked before the object is looked at (handlers/update.go, patch.go: after the patch's media type).
  if (method === 'PUT') validateWriteOptions('UpdateOptions', queryOptions(ctx.url.searchParams));
  if (method === 'PATCH' && (isApplyPatch(ctx.req.headers['content-type']) || patchTypeOf(ctx.req.headers['content-type']))) {
    validateWriteOptions('PatchOptions', queryOptions(ctx.url.searchParams), isApplyPatch(ctx.req.headers['content-type']));
  }
  if (method === 'PATCH' && isApplyPatch(ctx.req.headers['content-type'])) {
    return handleApply(ctx, rr, {
      validate: validateOrThrow,
      beforeWrite: (n) => consumeConflictFault(ctx, t, n),
      create: (o) => storeCreate(ctx, t, key, o, dry),
      update: (o) => storeUpdate(ctx, t, key, o, dry),
      send: (code, o) => sendJson(ctx.res, code, decorate(store, key, o)),
    });
  }
  if (method === 'PUT' || method === 'PATCH') {
    const found = store.get(key, rr.namespace, name);
    let next: KubeObject;
    const input = method === 'PUT' ? await jsonBody(ctx) : undefined;
    if (method === 'PUT') {
      checkTypeMeta(t, input);
      // handlers/update.go checks the namespace and then the name (checkName, handlers/rest.go) before the store is
      // asked: a body without metadata.name does not match the URL either.
      if (t.namespaced && input.metadata.namespace && input.metadata.namespace !== rr.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if ((input.metadata.name ?? '') !== name) throw badRequest(`the name of the object (${input.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    if (!found) throw notFound(t, name);
    const cur = found;
    if (method === 'PUT') {
      if (!sub) {
        const known = new Set(unknownFields([t], t, cur));
        checkBody(ctx, [t], t, pruneKnown(input, known), directiveOf(ctx, 'UpdateOptions'));
        if (!t.schema) dropFields(input, unknownFields([t], t, input));
      }
      next = input;
    } else {
      const pt = patchTypeOf(ctx.req.headers['content-type']);
      if (!pt) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${t.schema ? '' : ', application/strategic-merge-patch+json'}`);
      if (pt === 'strategic' && t.schema) throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      const patch = await jsonBody(ctx);
      const base = sub === 'scale' ? scaleOf(t, cur) : cur;
      const directive = directiveOf(ctx, 'PatchOptions');
      const patched = applyPatch(pt, base, patch) as KubeObject;
      if (!isObj(patched)) throw new ApiError(422, 'Invalid', 'the patched object is not a JSON object');
      if (!sub) {
        const known = new Set(unknownFields([t], t, cur));
        const inPatched = unknownFields([t], t, patched);
        if (inPatched.some((f) => !known.has(f))) checkPatched(ctx, [t], t, pruneKnown(patched, known), directive);
        if (!t.schema) dropFields(patched, inPatched);
      }
      next = patched;
      if (!isObj(next.metadata)) next.metadata = {};
      // handlers/patch.go applyPatch: the patched object's namespace must be the request's (EnsureObjectNamespace-
      // MatchesRequestNamespace) and its name the URL's (checkName): a patch that changes or drops either is a 400.
      const pmd = next.metadata;
      if (t.namespaced && pmd.namespace && pmd.namespace !== rr.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if ((pmd.name ?? '') !== name) throw badRequest(`the name of the object (${pmd.name ?? ''}) does not match the name on the URL (${name})`);
    }
    // registry/generic/registry/store.go Update: the resourceVersion the written object carries (a PUT's, or whatever
    // the patch left of the current one: a JSON patch may replace or remove it, a merge patch set it or null it) is the
    // precondition. None (or 0): an unconditional update where the strategy allows it, never for custom resources.
    const rv = next.metadata.resourceVersion;
    if (!rv || rv === '0') {
      if ((t.schema || NO_UNCONDITIONAL_UPDATE.has(key)) && sub !== 'scale') {
        const cause = { reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' };
        throw new ApiError(422, 'Invalid', `${qualifiedResource(t)} "${name}" is invalid: metadata.resourceVersion: ${cause.message}`, { name, group: t.group, kind: t.resource, causes: [cause] });
      }
      next.metadata.resourceVersion = cur.metadata.resourceVersion;
    }
    next.metadata.name = name;
    if (t.namespaced) next.metadata.namespace = rr.namespace;
    else delete next.metadata.namespace;
    if (sub === 'scale') {
      const replicas = (next.spec as any)?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`);
      const updated = structuredClone(cur);
      (updated.spec as any) = { ...(updated.spec as object), replicas };
      updated.metadata.resourceVersion = next.metadata.resourceVersion;
      consumeConflictFault(ctx, t, name);
      const saved = storeUpdate(ctx, t, key, updated, dry);
      return sendJson(ctx.res, 200, scaleOf(t, saved));
    }
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    // (A patched object may share members with cur, which admission changes: validation compares with a copy.)
    const old = validatesBuiltIn(key) ? structuredClone(cur) : cur;
    if (sub !== 'status') admit(key, next, cur, (k, n) => store.get(k, undefined, n));
    let links: string[] = [];
    const rvMatches = !(next.metadata.resourceVersion && next.metadata.resourceVersion !== cur.metadata.resourceVersion);
    // openshift-apiserver's ImageStream StatusStrategy writes the request but the stored spec tags (imagestream-strategy.ts).
    const wholeStatus = key === IMAGESTREAMS && sub === 'status';
    if (wholeStatus && rvMatches) {
      next = prepareImageStreamStatusUpdate(next, cur);
      validateImageStreamStatusUpdate(next, cur);
    }
    if (t.schema) {
      // Validate the whole object as it will be stored.
      const candidate = structuredClone(next);
      if (sub === 'status') candidate.spec = cur.spec;
      else if (t.subresources?.includes('status')) candidate.status = cur.status;
      validateOrThrow(t, candidate);
      if (sub === 'status') next.status = candidate.status;
      else {
        for (const k of Object.keys(next)) if (!(k in candidate)) delete next[k];
        Object.assign(next, candidate, { status: next.status });
      }
    }
    consumeConflictFault(ctx, t, name);
    await raceFault(ctx, t, name);
    // The strategy's ValidateUpdate runs against the stored object once its resourceVersion matched (else: 409 below);
    // rest.BeforeUpdate runs for a status update too.
    if (sub !== 'scale' && rvMatches) {
      // rest.BeforeUpdate (k8s.io/apiserver registry/rest/update.go, release-1.30): a missing uid is the stored one; a
      // different one fails ValidateObjectMetaAccessorUpdate (apimachinery api/validation/objectmeta.go): immutable.
      const uid = next.metadata.uid;
      if (uid && uid !== cur.metadata.uid) {
        const cause = { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(uid)}: field is immutable`, field: 'metadata.uid' };
        throw new ApiError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: metadata.uid: ${cause.message}`, { name, group: t.group, kind: t.kind, causes: [cause] });
      }
      if (!sub) validateBuiltIn(key, t, next, old);
      if (!sub && key === IMAGESTREAMS) {
        // Strategy.PrepareForUpdate put the stored status back; Validate's tagsChanged adds the new tags' events.
        next.status = structuredClone(cur.status ?? {});
        const changed = imageStreamTagsChanged(ctx, cur, next);
        links = changed.links;
        validateImageStream(next, changed.causes);
      }
    }
    if (!sub) recordUpdate(t, cur, next, managerName(ctx.url.searchParams.get('fieldManager'), ctx.req.headers['user-agent']));
    const saved = storeUpdate(ctx, t, key, next, dry, sub === 'status' ? 'status' : undefined, wholeStatus);
    if (!dry) await linkImages(ctx, links, saved);
    return sendJson(ctx.res, 200, decorate(store, key, saved));
  }

  // ----- delete -----
  if (method === 'DELETE') {
    if (sub) throw methodNotAllowed();
    // kube-apiserver's DeleteResource (k8s.io/apiserver pkg/endpoints/handlers/delete.go): a body is the whole
    // DeleteOptions and the query (dryRun included) is then not read; without a body the query is. They are
    // validated before the object is looked at.
    const opts = await deleteOptions(ctx);
    const cur = store.get(key, rr.namespace, name);
    if (!cur) throw notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== cur.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.group ? `${t.resource}.${t.group}` : t.resource} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`, { name, group: t.group, kind: t.resource });
    }
    if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.group ? `${t.resource}.${t.group}` : t.resource} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`, { name, group: t.group, kind: t.resource });
    }
    const answer = (o: KubeObject, pending: boolean) => (pending || !deletedAsStatus(t, key) ? o : deletedStatus(t, o));
    if (Array.isArray(opts.dryRun) && opts.dryRun.includes('All')) return sendJson(ctx.res, 200, answer(cur, Boolean(cur.metadata.finalizers?.length)));
    const gone = store.delete(key, rr.namespace, name);
    // An object kept by its finalizers is answered 200 with its deletionTimestamp; 202 only when the client also
    // asked orphanDependents=false (handlers/delete.go, "for backwards compatibility").
    const pending = Boolean(gone.metadata.deletionTimestamp && store.get(key, rr.namespace, name));
    return sendJson(ctx.res, pending && opts.orphanDependents === false ? 202 : 200, answer(gone, pending));
  }
  throw methodNotAllowed();
}

async function deleteCollection(ctx: RequestCtx, rr: ResourceRequest): Promise<void> {
  const { store } = ctx.opts;
  // handlers/delete.go DeleteCollection reads its DeleteOptions as DeleteResource does: the body when there is one.
  const opts = await deleteOptions(ctx);
  const r = store.list(rr.key, rr.namespace, listOptions(ctx, rr));
  const dry = Boolean(opts.dryRun?.includes('All'));
  const out: KubeObject[] = [];
  for (const o of r.items) out.push(dry ? o : store.delete(rr.key, o.metadata.namespace, o.metadata.name!));
  sendJson(ctx.res, 200, listObject(rr.t, out, r.resourceVersion));
}

function watch(ctx: RequestCtx, rr: ResourceRequest): void {
  const { store } = ctx.opts;
  const { res, req } = ctx;
  const q = ctx.url.searchParams;
  const lo = listOptions(ctx, rr);
  const labelReqs = lo.labelSelector ? parseLabelSelector(lo.labelSelector) : undefined;
  // Validate the field selector up front (throws BadRequest on unknown fields).
  if (lo.fieldSelector) store.list(rr.key, rr.namespace, { fieldSelector: lo.fieldSelector, limit: 1 });
  const rv = q.get('resourceVersion') ?? undefined;
  // `kubectl get -w`: each event's object is a Table of one row; only the first carries the column definitions.
  const table = tableRequest(ctx);
  let headers = true;
  const present = (o: KubeObject): unknown => {
    if (!table) return o;
    const out = toTable(rr.t, o, table, Date.now(), headers);
    headers = false;
    return out;
  };

  const write = (e: { type: string; object: unknown }) => {
    if (!res.writableEnded) res.write(JSON.stringify(e) + '\n');
  };
  let started = false;
  const begin = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' }); // HTTP/1.1: chunked by Node
    res.flushHeaders();
  };
  let stop: (() => void) | undefined;
  const passes = (o: KubeObject) => (!labelReqs || matchLabels(labelReqs, o.metadata.labels)) && (!lo.fieldSelector || matchesFields(lo.fieldSelector, o));
  // The watch cache judges a change by both states (k8s.io/apiserver pkg/storage/cacher/cache_watcher.go
  // convertToWatchEvent, release-1.30): an object that comes into the selection is ADDED, one that leaves it is
  // DELETED (its previous content with the new resourceVersion), one outside before and after is not sent.
  const onEvent = (e: WatchEvent) => {
    let type = e.type;
    let object = e.object;
    const now = passes(e.object);
    if (e.type === 'MODIFIED' && e.prevObject && (labelReqs || lo.fieldSelector)) {
      const before = passes(e.prevObject);
      if (!now && !before) return;
      if (now && !before) type = 'ADDED';
      if (!now && before) {
        type = 'DELETED';
        object = { ...e.prevObject, metadata: { ...e.prevObject.metadata, resourceVersion: e.object.metadata.resourceVersion } };
      }
    } else if (!now) return;
    begin();
    write({ type, object: present(decorate(store, rr.key, object)) });
  };
  try {
    stop = store.watch(rr.key, rr.namespace, rv, onEvent);
  } catch (e) {
    const err = fromUnknown(e);
    if (err.code === 410) {
      begin();
      write({ type: 'ERROR', object: err.status() });
      res.end();
      return;
    }
    sendError(res, err);
    return;
  }
  begin();
  const finish = () => {
    stop?.();
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  // Without timeoutSeconds kube-apiserver picks 30-60 min; keep a generous cap so tests never hang forever.
  const timer = setTimeout(finish, (timeout > 0 ? timeout : 1800) * 1000);
  timer.unref();
  req.on('close', finish);
  res.on('close', finish);
}

function matchesFields(sel: string, o: KubeObject): boolean {
  for (const part of sel.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = part.match(/^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) return false;
    const path = m[1]!.split('.');
    const actual = String(path.reduce<any>((acc, k) => (acc == null ? undefined : acc[k]), o) ?? '');
    if ((m[2] === '!=') === (actual === m[3])) return false;
  }
  return true;
}
