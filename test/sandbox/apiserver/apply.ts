// Server-side apply: PATCH with Content-Type application/apply-patch+yaml (kube-apiserver handlers/patch.go
// applyPatcher + managedfields FieldManager.Apply). Creates the object when missing, merges it otherwise, records the
// manager's Apply entry in metadata.managedFields, answers 409 on conflicts unless force=true.
import yaml from 'js-yaml';
import type { KubeObject, ResourceType } from '../types.ts';
import { apiVersionOf } from '../resources.ts';
import { admit } from '../store.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';
import { ApiError, badRequest } from './errors.ts';
import { directiveOf, unknownFields } from './fieldvalidation.ts';
import { applyConfig, conflictMessage, pathString, printManager } from './managedfields.ts';
import { validateBuiltIn, validatesBuiltIn } from './secret-validation.ts';
import { validateImageStream } from './imagestream-strategy.ts';
import { imageStreamTagsChanged, linkImages } from './imagestream-tags-changed.ts';
import { forceOf } from './write-options.ts';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isApplyPatch(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/apply-patch+yaml';
}

export interface ApplyDeps {
  validate(t: ResourceType, obj: KubeObject): void;
  /** The sandbox's write faults (conflictNextWrites). */
  beforeWrite(name: string): void;
  create(obj: KubeObject): KubeObject;
  update(obj: KubeObject): KubeObject;
  send(code: number, obj: KubeObject): void;
}

const gvkString = (t: ResourceType) => `${t.group}/${t.version}, Kind=${t.kind}`;

export async function handleApply(ctx: RequestCtx, rr: ResourceRequest, deps: ApplyDeps): Promise<void> {
  const { t } = rr;
  const name = rr.name!;
  const q = ctx.url.searchParams;
  const manager = q.get('fieldManager') ?? '';
  if (!manager) {
    const cause = { reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' };
    throw new ApiError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: fieldManager: ${cause.message}`, { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [cause] });
  }
  const force = forceOf(q);
  // fieldValidation only governs duplicate fields for apply (parsed YAML has none left); the value is still checked.
  directiveOf(ctx, 'PatchOptions');
  if (rr.subresource) throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json');
  const text = (await ctx.body()).toString('utf8');
  let config: unknown;
  try {
    config = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObj(config)) throw badRequest('error decoding YAML: the patch is not an object');
  const cfg = config as KubeObject;
  if (cfg.apiVersion !== apiVersionOf(t)) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${cfg.apiVersion ?? ''}, expected: ${apiVersionOf(t)}`);
  }
  if (cfg.kind !== t.kind) throw badRequest(`the kind in the apply patch (${String(cfg.kind ?? '')}) does not match the kind ${t.kind}`);
  cfg.metadata = isObj(cfg.metadata) ? cfg.metadata : {};
  if (cfg.metadata.managedFields !== undefined && cfg.metadata.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  if (cfg.metadata.name && cfg.metadata.name !== name) throw badRequest(`the name of the object (${cfg.metadata.name}) does not match the name on the URL (${name})`);
  if (t.namespaced && cfg.metadata.namespace && cfg.metadata.namespace !== rr.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  // structured-merge-diff types the patch against the schema: an unknown field is an error whatever fieldValidation says.
  const unknown = unknownFields([t], t, cfg);
  if (unknown.length) {
    const errs = unknown.map((f) => `.${f.replace(/\[(\d+)\]/g, '[$1]')}: field not declared in schema`);
    const body = errs.length === 1 ? errs[0] : `errors:\n  ${errs.join('\n  ')}`;
    throw new ApiError(500, '', `failed to create typed patch object (${cfg.metadata.namespace ?? rr.namespace ?? ''}/${cfg.metadata.name ?? name}; ${gvkString(t)}): ${body}`);
  }

  const store = ctx.opts.store;
  const cur = store.get(rr.key, rr.namespace, name);
  const live: KubeObject = cur ?? { apiVersion: apiVersionOf(t), kind: t.kind, metadata: { name, ...(t.namespaced ? { namespace: rr.namespace } : {}) } };
  const { object, conflicts } = applyConfig(t, live, cfg, manager, force);
  if (conflicts.length) {
    const causes = conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
    throw new ApiError(409, 'Conflict', conflictMessage(conflicts), { causes });
  }
  object.apiVersion = apiVersionOf(t);
  object.kind = t.kind;
  object.metadata.name = name;
  if (t.namespaced) object.metadata.namespace = rr.namespace;
  // A resourceVersion in the applied configuration is a precondition (kubectl diff --server-side locks with it).
  if (cur && !cfg.metadata.resourceVersion) object.metadata.resourceVersion = cur.metadata.resourceVersion;
  const old = cur && validatesBuiltIn(rr.key) ? structuredClone(cur) : cur;
  // ImageStream Strategy.PrepareForCreate drops a new stream's status; Validate checks its spec tags (imagestream-strategy.ts).
  const isImageStream = rr.key === 'image.openshift.io/imagestreams';
  if (isImageStream && !cur) object.status = {};
  admit(rr.key, object, cur, (k, n) => store.get(k, undefined, n));
  if (t.schema) deps.validate(t, object);
  let links: string[] = [];
  if (isImageStream) {
    // Strategy.PrepareForUpdate keeps the stored status; Validate's tagsChanged adds the new tags' events.
    if (cur) object.status = structuredClone(cur.status ?? {});
    const changed = imageStreamTagsChanged(ctx, cur, object);
    links = changed.links;
    validateImageStream(object, changed.causes);
  }
  if (!cur || !cfg.metadata.resourceVersion || cfg.metadata.resourceVersion === cur.metadata.resourceVersion) validateBuiltIn(rr.key, t, object, old);
  deps.beforeWrite(name);
  const written = cur ? deps.update(object) : deps.create(object);
  if (isImageStream && !ctx.url.searchParams.getAll('dryRun').includes('All')) await linkImages(ctx, links, written);
  return deps.send(cur ? 200 : 201, written);
}
