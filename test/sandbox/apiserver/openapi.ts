// /openapi/v2 and /openapi/v3 like kube-apiserver's kube-openapi handlers (pkg/handler, pkg/handler3): built-in kinds
// from the real Kubernetes 1.30 spec (data/openapi/kube-1.30-swagger.json), custom resources from their CRD's
// openAPIV3Schema (as apiextensions-apiserver's openapi builder does), the openshift-apiserver kinds from openshift/api's
// generated definitions (data/openapi/openshift-4.17-openapi.json), and any other kind as an open object
// (x-kubernetes-preserve-unknown-fields).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceType } from '../types.ts';
import type { RequestCtx } from './context.ts';
import { encodeOpenApiV2 } from './openapi-proto.ts';

type Json = Record<string, any>;
const SPEC: Json = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'openapi', 'kube-1.30-swagger.json'), 'utf8'));
// The openshift-apiserver kinds (image, user, project, …) from openshift/api's generated openapi.json (release-4.17).
const OPENSHIFT: Json = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'openapi', 'openshift-4.17-openapi.json'), 'utf8'));
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const BUILTIN = new Map<string, string>();
for (const [name, d] of Object.entries<Json>(SPEC.definitions)) {
  for (const g of (d['x-kubernetes-group-version-kind'] as Json[] | undefined) ?? []) BUILTIN.set(`${g.group}/${g.version}/${g.kind}`, name);
}

/** A built-in kind is one the upstream spec defines. */
export function builtinDefName(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): string | undefined {
  return BUILTIN.get(`${t.group}/${t.version}/${t.kind}`);
}

/** openshift-apiserver's definition of a kind it serves (com.github.openshift.api.image.v1.ImageStream), if carried. */
function openshiftDefName(t: Pick<ResourceType, 'group' | 'version' | 'kind' | 'schema'>): string | undefined {
  if (t.schema || !t.group.endsWith('.openshift.io')) return undefined;
  const name = `com.github.openshift.api.${t.group.split('.')[0]}.${t.version}.${t.kind}`;
  return OPENSHIFT.definitions[name] ? name : undefined;
}

/** Neither Kubernetes nor openshift-apiserver defines it: a CRD (or a kind whose schema the sandbox lacks). */
function isCustom(t: ResourceType): boolean {
  return !builtinDefName(t) && !openshiftDefName(t);
}

/** apiextensions-apiserver names CR definitions by the reversed group: io.openshift.config.v1.ClusterOperator. */
function customDefName(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): string {
  return `${t.group.split('.').reverse().join('.')}.${t.version}.${t.kind}`;
}

export function defNameOf(t: ResourceType): string {
  return builtinDefName(t) ?? openshiftDefName(t) ?? customDefName(t);
}

function typeMetaProps(): Json {
  const cm = SPEC.definitions['io.k8s.api.core.v1.ConfigMap'].properties;
  return { apiVersion: cm.apiVersion, kind: cm.kind, metadata: { $ref: `#/definitions/${OBJECT_META}`, description: cm.metadata.description } };
}

/** The schema of a non-built-in kind: the CRD's openAPIV3Schema with metadata → ObjectMeta, or an open object. */
function customSchema(t: ResourceType): Json {
  const gvk = [{ group: t.group, kind: t.kind, version: t.version }];
  if (t.schema) {
    const s = structuredClone(t.schema) as Json;
    s.properties = { ...(s.properties ?? {}), ...typeMetaProps(), ...Object.fromEntries(Object.entries(s.properties ?? {}).filter(([k]) => k !== 'metadata' && k !== 'apiVersion' && k !== 'kind')) };
    s.type ??= 'object';
    s['x-kubernetes-group-version-kind'] = gvk;
    return s;
  }
  return { type: 'object', description: `${t.kind} (openshift-apiserver; schema not carried by the sandbox)`, properties: typeMetaProps(), 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': gvk };
}

function listSchema(t: ResourceType, item: string): Json {
  const list = SPEC.definitions['io.k8s.api.core.v1.ConfigMapList'];
  return {
    ...structuredClone(list),
    description: `${t.listKind} is a list of ${t.kind}`,
    properties: { ...structuredClone(list.properties), items: { description: `List of ${t.resource}.`, type: 'array', items: { $ref: `#/definitions/${item}` } } },
    'x-kubernetes-group-version-kind': [{ group: t.group, kind: t.listKind, version: t.version }],
  };
}

/** Resolves `$ref` and single-element `allOf` wrappers (v2 or v3 style) against the definitions. */
export function resolveSchema(defs: Json, node: unknown): Json | undefined {
  let n = node as Json | undefined;
  for (let i = 0; i < 8 && isObj(n); i++) {
    if (typeof n.$ref === 'string') n = { ...defs[n.$ref.split('/').pop()!], ...Object.fromEntries(Object.entries(n).filter(([k]) => k !== '$ref')) };
    else if (Array.isArray(n.allOf) && n.allOf.length === 1 && !n.properties) {
      const { allOf, ...rest } = n;
      n = { ...(allOf[0] as Json), ...rest };
    } else return n;
  }
  return isObj(n) ? n : undefined;
}

// Served kinds and their schemas (a cluster version may bring other CRD schemas for the same resource).
const schemaIds = new WeakMap<object, number>();
let nextSchemaId = 1;
function typesSig(types: ResourceType[]): string {
  return types
    .map((t) => {
      let id = 0;
      if (t.schema) {
        id = schemaIds.get(t.schema) ?? 0;
        if (!id) schemaIds.set(t.schema, (id = nextSchemaId++));
      }
      return `${t.group}/${t.version}/${t.resource}#${id}`;
    })
    .join(',');
}

const defsCache = new Map<string, Json>();
/** The definitions every schema lookup uses: the upstream ones plus each served non-built-in kind. */
export function definitionsFor(types: ResourceType[]): Json {
  const sig = typesSig(types);
  let defs = defsCache.get(sig);
  if (!defs) {
    if (defsCache.size > 128) defsCache.clear();
    defsCache.set(sig, (defs = buildDefinitions(types)));
  }
  return defs;
}

function buildDefinitions(types: ResourceType[]): Json {
  const defs: Json = { ...SPEC.definitions, ...OPENSHIFT.definitions };
  for (const t of types) {
    const os = openshiftDefName(t);
    if (os) {
      // openshift-apiserver's OpenAPI config adds the group-version-kind of each served kind.
      defs[os] = { ...defs[os], 'x-kubernetes-group-version-kind': [{ group: t.group, kind: t.kind, version: t.version }] };
      if (defs[`${os}List`]) defs[`${os}List`] = { ...defs[`${os}List`], 'x-kubernetes-group-version-kind': [{ group: t.group, kind: t.listKind, version: t.version }] };
      continue;
    }
    if (builtinDefName(t)) continue;
    const name = customDefName(t);
    defs[name] = customSchema(t);
    defs[`${name}List`] = listSchema(t, name);
  }
  return defs;
}

/** The object schema of a kind (for field validation and server-side apply) and the definitions it refers to. */
export function kindSchema(types: ResourceType[], t: ResourceType): { schema: Json; defs: Json } {
  const defs = definitionsFor(types);
  return { schema: resolveSchema(defs, { $ref: `#/definitions/${defNameOf(t)}` })!, defs };
}

// ---------- paths ----------

const basePath = (t: ResourceType) => (t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`);

/** Paths of a kind the upstream spec does not have, made from the ConfigMap/ClusterRole operations (same REST verbs). */
function customPaths(t: ResourceType): Json {
  const base = basePath(t);
  const own = `${base}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.resource}`;
  // [template path, its kind, its plural, its definition, the path it becomes]
  const plan: Array<[string, string, string, string, string]> = t.namespaced
    ? [
        ['/api/v1/namespaces/{namespace}/configmaps', 'ConfigMap', 'configmaps', 'io.k8s.api.core.v1.ConfigMap', own],
        ['/api/v1/namespaces/{namespace}/configmaps/{name}', 'ConfigMap', 'configmaps', 'io.k8s.api.core.v1.ConfigMap', `${own}/{name}`],
        ['/api/v1/configmaps', 'ConfigMap', 'configmaps', 'io.k8s.api.core.v1.ConfigMap', `${base}/${t.resource}`],
        ['/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}/status', 'PersistentVolumeClaim', 'persistentvolumeclaims', 'io.k8s.api.core.v1.PersistentVolumeClaim', `${own}/{name}/status`],
      ]
    : [
        ['/apis/rbac.authorization.k8s.io/v1/clusterroles', 'ClusterRole', 'clusterroles', 'io.k8s.api.rbac.v1.ClusterRole', own],
        ['/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}', 'ClusterRole', 'clusterroles', 'io.k8s.api.rbac.v1.ClusterRole', `${own}/{name}`],
        ['/api/v1/nodes/{name}/status', 'Node', 'nodes', 'io.k8s.api.core.v1.Node', `${own}/{name}/status`],
      ];
  const def = defNameOf(t);
  const opId = t.group.split('.').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') + t.version[0]!.toUpperCase() + t.version.slice(1);
  const tag = `${t.group.replace(/\./g, '')}_${t.version}`;
  const verbs = new Set(t.verbs);
  const allowed = (op: string, p: string) =>
    op === 'parameters' || (op === 'get' && verbs.has(p.endsWith('}') || p.endsWith('status') ? 'get' : 'list')) || (op === 'post' && verbs.has('create')) ||
    (op === 'put' && verbs.has('update')) || (op === 'patch' && verbs.has('patch')) || (op === 'delete' && verbs.has(p.endsWith('}') ? 'delete' : 'deletecollection'));
  const out: Json = {};
  for (const [from, kind, plural, tdef, to] of plan) {
    if (from.endsWith('/status') && !t.subresources?.includes('status')) continue;
    const json = JSON.stringify(SPEC.paths[from])
      .replaceAll(`#/definitions/${tdef}List`, `#/definitions/${def}List`)
      .replaceAll(`#/definitions/${tdef}`, `#/definitions/${def}`)
      .replace(/"operationId":"([a-z]+)(CoreV1|RbacAuthorizationV1)/g, `"operationId":"$1${opId}`)
      .replace(/"tags":\["[^"]+"\]/g, `"tags":["${tag}"]`)
      .replaceAll(kind, t.kind)
      .replaceAll(plural, t.resource);
    const item = JSON.parse(json) as Json;
    for (const [op, v] of Object.entries<Json>(item)) {
      if (!allowed(op, to)) delete item[op];
      else if (isObj(v) && v['x-kubernetes-group-version-kind']) v['x-kubernetes-group-version-kind'] = { group: t.group, kind: t.kind, version: t.version };
    }
    // Custom resources take no strategic merge patch (apiextensions-apiserver); kubectl apply then sends a merge patch.
    if (t.schema && isObj(item.patch)) item.patch.consumes = (item.patch.consumes as string[]).filter((c) => c !== 'application/strategic-merge-patch+json');
    if (Object.keys(item).some((k) => k !== 'parameters')) out[to] = item;
  }
  return out;
}

function pathsFor(types: ResourceType[]): Json {
  const out: Json = {};
  for (const t of types) {
    if (builtinDefName(t)) {
      const base = basePath(t);
      for (const [p, item] of Object.entries<Json>(SPEC.paths)) {
        if (!p.startsWith(`${base}/`)) continue;
        const rest = p.slice(base.length + 1).replace(/^namespaces\/\{namespace\}\//, '');
        if (rest.split('/')[0] === t.resource && !(t.resource === 'namespaces' && p.includes('{namespace}'))) out[p] = item;
      }
    } else Object.assign(out, customPaths(t));
  }
  return out;
}

function collectRefs(node: unknown, defs: Json, into: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectRefs(n, defs, into));
  if (!isObj(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
      const name = v.slice('#/definitions/'.length);
      if (!into.has(name) && defs[name]) {
        into.add(name);
        collectRefs(defs[name], defs, into);
      }
    } else collectRefs(v, defs, into);
  }
}

// ---------- v2 ----------

/**
 * A custom schema as apiextensions-apiserver publishes it in v2 (ToStructuralOpenAPIV2): no oneOf/anyOf/not/nullable,
 * no type on int-or-string nodes, and no properties under x-kubernetes-preserve-unknown-fields (kubectl's client-side
 * validation would reject the fields the schema leaves open).
 */
function toV2Custom(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV2Custom);
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'oneOf' || k === 'anyOf' || k === 'not' || k === 'nullable' || k === 'x-kubernetes-validations') continue;
    out[k] = k === 'enum' || k === 'default' || k === 'example' || k === 'x-kubernetes-group-version-kind' ? v : toV2Custom(v);
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    delete out.format;
  }
  if (out['x-kubernetes-preserve-unknown-fields']) {
    delete out.properties;
    delete out.required;
    delete out.additionalProperties;
  }
  return out;
}

export function openApiV2(types: ResourceType[]): Json {
  const defs: Json = { ...definitionsFor(types) };
  for (const t of types) if (isCustom(t)) defs[customDefName(t)] = toV2Custom(defs[customDefName(t)]);
  const paths = pathsFor(types);
  const used = new Set<string>();
  collectRefs(paths, defs, used);
  collectRefs(SPEC.parameters, defs, used);
  for (const t of types) collectRefs({ $ref: `#/definitions/${defNameOf(t)}` }, defs, used);
  const definitions = Object.fromEntries([...used].sort().map((n) => [n, defs[n]]));
  return { swagger: '2.0', info: SPEC.info, paths, definitions, parameters: SPEC.parameters, securityDefinitions: SPEC.securityDefinitions, security: SPEC.security };
}

// ---------- v3 (per group-version, converted from the v2 form like kube-openapi's builder3 output) ----------

function toV3Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV3Schema);
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', '#/components/schemas/') : toV3Schema(v);
  // A reference with siblings (description, default) is wrapped in allOf, as in the published v3 documents.
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}

function toV3Param(p: Json): Json {
  const param = p.$ref ? SPEC.parameters[String(p.$ref).split('/').pop()!] : p;
  const { type, uniqueItems, items, ...rest } = param as Json;
  const schema: Json = { type };
  if (uniqueItems) schema.uniqueItems = true;
  if (items) schema.items = items;
  return { ...rest, schema };
}

function toV3Operation(op: Json): Json {
  const { consumes, produces, parameters, responses, schemes: _s, ...rest } = op;
  const out: Json = { ...rest };
  const params: Json[] = [];
  for (const p of (parameters as Json[] | undefined) ?? []) {
    const param = p.$ref ? SPEC.parameters[String(p.$ref).split('/').pop()!] : p;
    if (param.in === 'body') {
      out.requestBody = { content: Object.fromEntries(((consumes as string[] | undefined) ?? ['*/*']).map((c) => [c, { schema: toV3Schema(param.schema) }])), required: true };
    } else params.push(toV3Param(param));
  }
  if (params.length) out.parameters = params;
  out.responses = Object.fromEntries(
    Object.entries<Json>(responses ?? {}).map(([code, r]) => [code, r.schema ? { description: r.description, content: Object.fromEntries(((produces as string[] | undefined) ?? ['application/json']).map((c) => [c, { schema: toV3Schema(r.schema) }])) } : { description: r.description }]),
  );
  return out;
}

export function openApiV3GroupVersion(types: ResourceType[], gv: string): Json | undefined {
  const mine = types.filter((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`) === gv);
  if (!mine.length) return undefined;
  const v2 = openApiV2(types);
  const paths = pathsFor(mine);
  const used = new Set<string>();
  collectRefs(paths, v2.definitions, used);
  for (const t of mine) collectRefs({ $ref: `#/definitions/${defNameOf(t)}` }, v2.definitions, used);
  const v3paths: Json = {};
  for (const [p, item] of Object.entries<Json>(paths)) {
    const conv: Json = {};
    for (const [k, v] of Object.entries<Json>(item)) conv[k] = k === 'parameters' ? (v as unknown as Json[]).map(toV3Param) : toV3Operation(v);
    v3paths[p] = conv;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SPEC.info.version },
    paths: v3paths,
    components: {
      schemas: Object.fromEntries([...used].sort().map((n) => [n, toV3Schema(v2.definitions[n])])),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

// ---------- HTTP ----------

const etagOf = (body: string) => createHash('sha512').update(body).digest('hex').toUpperCase();

/** kube-openapi serves JSON or protobuf; the sandbox has only JSON (a protobuf-only Accept gets 406, like an unknown type). */
function acceptsJson(ctx: RequestCtx): boolean {
  const accept = String(ctx.req.headers.accept ?? '*/*');
  return accept.split(',').some((a) => {
    const mt = a.split(';')[0]!.trim().toLowerCase();
    return mt === 'application/json' || mt === '*/*' || mt === 'application/*' || mt === '';
  });
}

function send(ctx: RequestCtx, body: string, extra: Record<string, string> = {}): void {
  const etag = `"${etagOf(body)}"`;
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, { ETag: etag, ...extra });
    return void ctx.res.end();
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag, Vary: 'Accept', 'Content-Length': Buffer.byteLength(body), ...extra });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

/** handler3 answers an Accept it cannot serve with a bare 406 (no Status body). */
function notAcceptable(ctx: RequestCtx): true {
  ctx.res.writeHead(406, { Vary: 'Accept', 'Content-Length': 0 });
  ctx.res.end();
  return true;
}

/** The v2 handler's negotiation: the protobuf form when the client lists it before JSON. */
function prefersProtobuf(ctx: RequestCtx): boolean {
  const types = String(ctx.req.headers.accept ?? '').split(',').map((a) => a.split(';')[0]!.trim().toLowerCase());
  const pb = types.findIndex((t) => t === 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' || t === 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const js = types.findIndex((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
  return pb >= 0 && (js < 0 || pb < js);
}

/** The protobuf form carries the ETag of the JSON form (kube-openapi computes it once, from the JSON). */
function sendBytes(ctx: RequestCtx, body: Buffer, contentType: string, jsonForm: string): void {
  const etag = `"${etagOf(jsonForm)}"`;
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, { ETag: etag });
    return void ctx.res.end();
  }
  ctx.res.writeHead(200, { 'Content-Type': contentType, ETag: etag, Vary: 'Accept', 'Content-Length': body.length });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

const protoCache = new Map<string, Buffer>();
const cache = new Map<string, string>();
function cached(key: string, make: () => unknown): string {
  let s = cache.get(key);
  if (s === undefined) {
    s = JSON.stringify(make());
    if (cache.size > 64) cache.clear();
    cache.set(key, s);
  }
  return s;
}

/** Answers /openapi/v2, /openapi/v3 and /openapi/v3/<gv>; false when the path is not one of them. */
export function handleOpenApi(ctx: RequestCtx, allTypes: ResourceType[]): boolean {
  const path = ctx.url.pathname.replace(/\/+$/, '');
  if (path !== '/openapi/v2' && !path.startsWith('/openapi/v3')) return false;
  // A core kind the trimmed kube document lacks (persistentvolumes, served for the PV controller in
  // operator/volumes.ts) is left out of the documents rather than described as a custom resource.
  const types = allTypes.filter((t) => t.group || builtinDefName(t));
  // The served set changes with CRDs/capabilities; key the cache by it.
  const sig = typesSig(types);
  if (path === '/openapi/v2') {
    if (prefersProtobuf(ctx)) {
      let pb = protoCache.get(sig);
      if (!pb) {
        if (protoCache.size > 8) protoCache.clear();
        protoCache.set(sig, (pb = encodeOpenApiV2(openApiV2(types))));
      }
      sendBytes(ctx, pb, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', cached(`v2|${sig}`, () => openApiV2(types)));
      return true;
    }
    if (!acceptsJson(ctx)) return notAcceptable(ctx);
    send(ctx, cached(`v2|${sig}`, () => openApiV2(types)));
    return true;
  }
  if (!acceptsJson(ctx)) return notAcceptable(ctx);
  const gvs = [...new Set(types.map((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`)))].sort();
  if (path === '/openapi/v3') {
    const paths: Json = {};
    for (const gv of gvs) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${etagOf(cached(`v3|${gv}|${sig}`, () => openApiV3GroupVersion(types, gv)))}` };
    send(ctx, JSON.stringify({ paths }));
    return true;
  }
  const gv = path.slice('/openapi/v3/'.length);
  if (!gvs.includes(gv)) return false;
  const body = cached(`v3|${gv}|${sig}`, () => openApiV3GroupVersion(types, gv));
  const hash = ctx.url.searchParams.get('hash');
  if (hash) {
    const etag = etagOf(body);
    if (hash !== etag) {
      // handler3: an outdated hash is redirected to the current one.
      ctx.res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${etag}`, 'Content-Length': 0 });
      ctx.res.end();
      return true;
    }
    send(ctx, body, { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 86400_000).toUTCString() });
    return true;
  }
  send(ctx, body);
  return true;
}
