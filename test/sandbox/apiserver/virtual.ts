// Resources the API server computes rather than stores: access/self/token reviews, TokenRequest,
// users/~, projects (a view of namespaces), imagestreamtags (a view of imagestreams), imagestreamimports,
// imagestreammappings (imagestreammappings.ts).
import type { Identity, KubeObject, ResourceAttributes, NonResourceAttributes } from '../types.ts';
import { ApiError, badRequest, methodNotAllowed, notFound } from './errors.ts';
import type { SandboxAuthRegistry } from './auth.ts';
import { jsonBody, sendJson } from './context.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';
import { decorate, deleteOptions } from './rest.ts';
import { createImageStreamMapping } from './imagestreammappings.ts';
import { writeImageStreamTag } from './imagestreamtags.ts';
import { queryOptions, validateWriteOptions } from './write-options.ts';
import { validateImageStreamImport } from './imagestream-strategy.ts';

/**
 * These resources are rest.Creater/NamedCreater/Updater storages behind kube-apiserver's generic handlers
 * (k8s.io/apiserver pkg/endpoints/handlers/create.go createHandler, update.go UpdateResource, release-1.30 @
 * 0cb74bf9ca3ff7fde416fafb0641ce9561ef0f2e), which decode and validate the CreateOptions/UpdateOptions from the query
 * before the body is decoded: the same 422 as for stored kinds (write-options.ts).
 */
function checkWriteOptions(ctx: RequestCtx, method: string): void {
  if (method === 'POST') validateWriteOptions('CreateOptions', queryOptions(ctx.url.searchParams));
  else if (method === 'PUT') validateWriteOptions('UpdateOptions', queryOptions(ctx.url.searchParams));
}

function userInfo(u: Identity) {
  const info: Record<string, unknown> = { username: u.username, groups: u.groups };
  if (u.uid) info.uid = u.uid;
  if (u.extra && Object.keys(u.extra).length) info.extra = u.extra;
  return info;
}

function attrsFromSpec(spec: any, forcedNs?: string): ResourceAttributes | NonResourceAttributes {
  if (spec?.resourceAttributes) {
    const r = spec.resourceAttributes;
    const a: ResourceAttributes = { verb: r.verb ?? '', group: r.group ?? '', resource: r.resource ?? '' };
    if (r.subresource) a.subresource = r.subresource;
    const ns = forcedNs ?? r.namespace;
    if (ns) a.namespace = ns;
    if (r.name) a.name = r.name;
    return a;
  }
  if (spec?.nonResourceAttributes) return { verb: spec.nonResourceAttributes.verb ?? '', path: spec.nonResourceAttributes.path ?? '' };
  throw new ApiError(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified', {});
}

function review(ctx: RequestCtx, body: any, subject: Identity, kind: string, group: string, ns?: string): void {
  const attrs = attrsFromSpec(body.spec, ns);
  const d = ctx.opts.authorizer.authorize(subject, attrs);
  const status: Record<string, unknown> = { allowed: d.allowed };
  if (d.reason) status.reason = d.reason;
  const metadata: Record<string, unknown> = { creationTimestamp: null };
  if (ns) metadata.namespace = ns;
  sendJson(ctx.res, 201, { kind, apiVersion: `${group}/v1`, metadata, spec: body.spec, status });
}

function subjectFromSpec(spec: any): Identity {
  if (!spec?.user && !spec?.groups?.length) {
    throw new ApiError(422, 'Invalid', 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified', {});
  }
  const u: Identity = { username: spec.user ?? '', groups: spec.groups ?? [] };
  if (spec.uid) u.uid = spec.uid;
  if (spec.extra) u.extra = spec.extra;
  return u;
}

function imageStreamTag(ctx: RequestCtx, is: KubeObject, tag: string): KubeObject | undefined {
  const st = ((is.status as any)?.tags ?? []).find((x: any) => x.tag === tag);
  const specTag = ((is.spec as any)?.tags ?? []).find((x: any) => x.name === tag);
  const item = st?.items?.[0];
  if (!item) return undefined;
  const img = ctx.opts.store.get('image.openshift.io/images', undefined, item.image);
  return {
    kind: 'ImageStreamTag',
    apiVersion: 'image.openshift.io/v1',
    metadata: {
      name: `${is.metadata.name}:${tag}`,
      namespace: is.metadata.namespace,
      uid: is.metadata.uid,
      resourceVersion: is.metadata.resourceVersion,
      creationTimestamp: item.created ?? is.metadata.creationTimestamp,
    },
    tag: specTag ?? null,
    generation: item.generation ?? is.metadata.generation ?? 1,
    lookupPolicy: (is.spec as any)?.lookupPolicy ?? { local: false },
    image: img ?? { metadata: { name: item.image }, dockerImageReference: item.dockerImageReference },
  };
}

/** True when the request was fully handled here. */
export async function handleVirtual(ctx: RequestCtx, rr: ResourceRequest): Promise<boolean> {
  const { store } = ctx.opts;
  const method = ctx.req.method ?? 'GET';
  const k = rr.key;

  if (k === 'authorization.k8s.io/selfsubjectaccessreviews' || k === 'authorization.k8s.io/subjectaccessreviews' || k === 'authorization.k8s.io/localsubjectaccessreviews') {
    if (method !== 'POST') throw methodNotAllowed();
    checkWriteOptions(ctx, method);
    const body = await jsonBody(ctx);
    const kind = rr.t.kind;
    if (k.endsWith('/selfsubjectaccessreviews')) review(ctx, body, ctx.user, kind, 'authorization.k8s.io');
    else {
      if (k.endsWith('/localsubjectaccessreviews')) {
        const specNs = body.spec?.resourceAttributes?.namespace;
        if (specNs && specNs !== rr.namespace) throw new ApiError(422, 'Invalid', `LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "${specNs}": must match metadata.namespace`, {});
      }
      review(ctx, body, subjectFromSpec(body.spec), kind, 'authorization.k8s.io', rr.namespace);
    }
    return true;
  }

  if (k === 'authentication.k8s.io/selfsubjectreviews') {
    if (method !== 'POST') throw methodNotAllowed();
    checkWriteOptions(ctx, method);
    await ctx.body();
    sendJson(ctx.res, 201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: userInfo(ctx.user) } });
    return true;
  }

  if (k === 'authentication.k8s.io/tokenreviews') {
    if (method !== 'POST') throw methodNotAllowed();
    checkWriteOptions(ctx, method);
    const body = await jsonBody(ctx);
    const u = body.spec?.token ? ctx.opts.auth.lookup(String(body.spec.token)) : undefined;
    const status: Record<string, unknown> = u ? { authenticated: true, user: userInfo(u), audiences: body.spec?.audiences ?? ['https://kubernetes.default.svc'] } : { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' };
    sendJson(ctx.res, 201, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: body.spec, status });
    return true;
  }

  if (k === 'user.openshift.io/users' && rr.name === '~' && method === 'GET') {
    // A stored User (created at OAuth login) is returned as is; otherwise (kube:admin, certificates) one is built from the request identity.
    const stored = store.get(k, undefined, ctx.user.username);
    sendJson(
      ctx.res,
      200,
      stored ?? {
        kind: 'User',
        apiVersion: 'user.openshift.io/v1',
        metadata: { name: ctx.user.username, ...(ctx.user.uid ? { uid: ctx.user.uid } : {}), creationTimestamp: null },
        identities: null,
        groups: ctx.user.groups,
      },
    );
    return true;
  }

  if (k === '/serviceaccounts' && rr.subresource === 'token') {
    if (method !== 'POST') throw methodNotAllowed();
    checkWriteOptions(ctx, method);
    const body = await jsonBody(ctx);
    const sa = store.get('/serviceaccounts', rr.namespace, rr.name!);
    if (!sa) throw notFound(rr.t, rr.name!);
    const exp = Number(body.spec?.expirationSeconds ?? 3600);
    if (!Number.isInteger(exp) || exp < 600) {
      throw new ApiError(422, 'Invalid', `TokenRequest.authentication.k8s.io "${rr.name}" is invalid: spec.expirationSeconds: Invalid value: ${body.spec?.expirationSeconds}: may not specify a duration less than 10 minutes`, { name: rr.name, group: 'authentication.k8s.io', kind: 'TokenRequest', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes`, field: 'spec.expirationSeconds' }] });
    }
    const auth = ctx.opts.auth as SandboxAuthRegistry;
    const { token, expiresAt } = auth.issueServiceAccountToken(rr.namespace!, rr.name!, { ttlSeconds: exp, uid: sa.metadata.uid });
    sendJson(ctx.res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: rr.name, namespace: rr.namespace, creationTimestamp: null },
      spec: { audiences: body.spec?.audiences ?? ['https://kubernetes.default.svc'], expirationSeconds: exp, boundObjectRef: body.spec?.boundObjectRef ?? null },
      status: { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    });
    return true;
  }

  if (k === 'project.openshift.io/projects') {
    const toProject = (ns: KubeObject): KubeObject => ({
      kind: 'Project',
      apiVersion: 'project.openshift.io/v1',
      metadata: ns.metadata,
      spec: ns.spec ?? { finalizers: ['kubernetes'] },
      status: ns.status ?? { phase: 'Active' },
    });
    if (method === 'GET' && rr.name) {
      const ns = store.get('/namespaces', undefined, rr.name);
      if (!ns) throw notFound(rr.t, rr.name);
      sendJson(ctx.res, 200, toProject(ns));
      return true;
    }
    if (method === 'GET') {
      const all = store.list('/namespaces', undefined, { labelSelector: ctx.url.searchParams.get('labelSelector') ?? undefined });
      const seeAll = ctx.opts.authorizer.authorize(ctx.user, { verb: 'list', group: '', resource: 'namespaces' }).allowed;
      const items = all.items.filter(
        (ns) => seeAll || ctx.opts.authorizer.authorize(ctx.user, { verb: 'get', group: 'project.openshift.io', resource: 'projects', namespace: ns.metadata.name, name: ns.metadata.name }).allowed,
      );
      sendJson(ctx.res, 200, { kind: 'ProjectList', apiVersion: 'project.openshift.io/v1', metadata: { resourceVersion: all.resourceVersion }, items: items.map(toProject) });
      return true;
    }
    if (method === 'POST') {
      checkWriteOptions(ctx, method);
      const body = await jsonBody(ctx);
      const ns = store.create('/namespaces', { metadata: { name: body.metadata?.name, labels: body.metadata?.labels, annotations: body.metadata?.annotations } });
      sendJson(ctx.res, 201, toProject(ns));
      return true;
    }
    if (method === 'DELETE' && rr.name) {
      if (!store.get('/namespaces', undefined, rr.name)) throw notFound(rr.t, rr.name);
      store.delete('/namespaces', undefined, rr.name);
      sendJson(ctx.res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: rr.name, group: 'project.openshift.io', kind: 'projects' } });
      return true;
    }
    throw methodNotAllowed();
  }

  if (k === 'image.openshift.io/imagestreamtags') {
    if (method === 'GET' && rr.name) {
      const [stream, tag] = rr.name.split(':');
      if (!stream || !tag || rr.name.split(':').length !== 2) throw badRequest(`"${rr.name}" is an invalid imagestreamtag name: must be of the form <stream_name>:<tag>`);
      const is = store.get('image.openshift.io/imagestreams', rr.namespace, stream);
      const ist = is && imageStreamTag(ctx, decorate(store, 'image.openshift.io/imagestreams', is), tag);
      if (!ist) throw notFound(rr.t, rr.name);
      sendJson(ctx.res, 200, ist);
      return true;
    }
    if (method === 'GET') {
      const streams = store.list('image.openshift.io/imagestreams', rr.namespace);
      const items: KubeObject[] = [];
      for (const is of streams.items) {
        for (const st of ((is.status as any)?.tags ?? []) as Array<{ tag: string }>) {
          const ist = imageStreamTag(ctx, is, st.tag);
          if (ist) items.push(ist);
        }
      }
      sendJson(ctx.res, 200, { kind: 'ImageStreamTagList', apiVersion: 'image.openshift.io/v1', metadata: { resourceVersion: streams.resourceVersion }, items });
      return true;
    }
    if (method === 'DELETE' && rr.name) {
      // openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go (release-4.17) Delete, behind
      // kube-apiserver's DeleteResource, which reads and decodes a DeleteOptions body first.
      const options = await deleteOptions(ctx);
      const parts = rr.name.split(':');
      const [stream, tag] = parts;
      if (rr.name.includes('@') || parts.length !== 2 || !stream || !tag) throw badRequest('ImageStreamTags must be retrieved with <name>:<tag>');
      const is = store.get('image.openshift.io/imagestreams', rr.namespace, stream);
      // The stream's Get runs in this request's context: its NotFound names imagestreamtags and the stream.
      if (!is) throw notFound(rr.t, stream);
      // Only a UID precondition is checked, against the stream's UID; a resourceVersion precondition is ignored.
      const uid = options.preconditions?.uid;
      if (uid && uid !== is.metadata.uid) throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on imagestreamtags.image.openshift.io "${rr.name}": the UID precondition was not met`, { name: rr.name, group: 'image.openshift.io', kind: 'imagestreamtags' });
      const spec = (is.spec ?? {}) as any;
      const status = (is.status ?? {}) as any;
      const inSpec = (spec.tags ?? []).some((x: any) => x.name === tag);
      const inStatus = (status.tags ?? []).some((x: any) => x.tag === tag);
      if (!inSpec && !inStatus) throw notFound(rr.t, rr.name);
      // The stream update carries the DeleteOptions' dryRun (DeleteOptionsToSupportedUpdateOptions, 2025-05 onwards);
      // 4.14 drops it (imageStreamTagDryRun false) and really deletes.
      if (ctx.opts.imageStreamTagDryRun === false || !options.dryRun?.includes('All')) {
        spec.tags = (spec.tags ?? []).filter((x: any) => x.name !== tag);
        is.spec = spec;
        const updated = store.update('image.openshift.io/imagestreams', is);
        status.tags = (status.tags ?? []).filter((x: any) => x.tag !== tag);
        store.update('image.openshift.io/imagestreams', { ...updated, status }, { subresource: 'status' });
      }
      // Delete returns &metav1.Status{Status: Success}: the handler sends it as is (no code, no details).
      sendJson(ctx.res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
      return true;
    }
    if (method === 'POST' || (method === 'PUT' && rr.name)) {
      checkWriteOptions(ctx, method);
      await writeImageStreamTag(ctx, rr);
      return true;
    }
    throw methodNotAllowed();
  }

  if (k === 'image.openshift.io/imagestreamimports') {
    if (method !== 'POST') throw methodNotAllowed();
    checkWriteOptions(ctx, method);
    const body = await jsonBody(ctx);
    // rest.BeforeCreate with the import strategy validates the request before anything is imported.
    validateImageStreamImport(body ?? {});
    const hook = ctx.opts.hooks?.importImage;
    if (!hook) throw new ApiError(501, 'NotImplemented', 'image import is not available in this sandbox (no importImage hook)', { group: 'image.openshift.io', kind: 'imagestreamimports' });
    body.metadata = { ...(body.metadata ?? {}), namespace: rr.namespace };
    const out = await hook(rr.namespace!, body);
    sendJson(ctx.res, 201, out);
    return true;
  }

  if (k === 'image.openshift.io/imagestreammappings') {
    if (method === 'POST' && !rr.name) checkWriteOptions(ctx, method);
    await createImageStreamMapping(ctx, rr);
    return true;
  }

  // imagestreams/layers and imagestreams/secrets: read-only views.
  if (k === 'image.openshift.io/imagestreams' && (rr.subresource === 'layers' || rr.subresource === 'secrets')) {
    if (method !== 'GET') throw methodNotAllowed();
    const is = store.get(k, rr.namespace, rr.name!);
    if (!is) throw notFound(rr.t, rr.name!);
    if (rr.subresource === 'secrets') {
      sendJson(ctx.res, 200, { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: store.list('/secrets', rr.namespace).items.filter((s) => String(s.type ?? '').includes('dockercfg') || String(s.type ?? '').includes('dockerconfigjson')) });
    } else {
      sendJson(ctx.res, 200, { kind: 'ImageStreamLayers', apiVersion: 'image.openshift.io/v1', metadata: { name: rr.name, namespace: rr.namespace }, blobs: {}, images: {} });
    }
    return true;
  }
  return false;
}
