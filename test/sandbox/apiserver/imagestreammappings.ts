// POST imagestreammappings: what openshift-apiserver's imagestreammapping REST does when the registry
// records a pushed manifest. Finds the ImageStream (NotFound when missing: it never creates one; the
// registry then creates it with the pushing user's token and retries), creates the Image (cluster-scoped)
// if missing (the store applies the image strategy, image-strategy.ts), and prepends a tag event to
// status.tags[tag].items. RBAC (create imagestreammappings in the namespace) and the namespace's existence are
// checked by the dispatcher before this runs.
import type { KubeObject } from '../types.ts';
import { ApiError, methodNotAllowed } from './errors.ts';
import { jsonBody, sendJson } from './context.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';
import { decorate } from './rest.ts';
import { updateTrackingTags } from './imagestreamtags.ts';

const IS_KEY = 'image.openshift.io/imagestreams';
const IMAGE_KEY = 'image.openshift.io/images';

function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function invalid(name: string, field: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `ImageStreamMapping.image.openshift.io "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: 'image.openshift.io',
    kind: 'ImageStreamMapping',
    causes: [{ reason: 'FieldValueRequired', message, field }],
  });
}

export async function createImageStreamMapping(ctx: RequestCtx, rr: ResourceRequest): Promise<void> {
  if ((ctx.req.method ?? 'GET') !== 'POST' || rr.name) throw methodNotAllowed();
  const { store } = ctx.opts;
  const ns = rr.namespace!;
  const body = await jsonBody(ctx);
  const name = String(body?.metadata?.name ?? '');
  const tag = String(body?.tag ?? '');
  const image = body?.image ?? {};
  const digest = String(image?.metadata?.name ?? '');
  if (!name) throw invalid('', 'metadata.name', 'Required value');
  if (!tag) throw invalid(name, 'tag', 'Required value');
  if (!digest) throw invalid(name, 'image.metadata.name', 'Required value');
  if (!image.dockerImageReference) throw invalid(name, 'image.dockerImageReference', 'Required value');

  // findStreamForMapping comes first. The generic store names the resource of the request
  // (imagestreammappings), not imagestreams: the registry relies on that kind to auto-provision.
  let stream = store.get(IS_KEY, ns, name);
  if (!stream) {
    throw new ApiError(404, 'NotFound', `imagestreammappings.image.openshift.io "${name}" not found`, { name, group: 'image.openshift.io', kind: 'imagestreammappings' });
  }

  // CreateImage (the store applies the image strategy: metadata filled, raw manifest dropped); AlreadyExists is fine.
  let existed = Boolean(store.get(IMAGE_KEY, undefined, digest));
  if (!existed) {
    const img: KubeObject = {
      ...structuredClone(image),
      apiVersion: 'image.openshift.io/v1',
      kind: 'Image',
      metadata: { name: digest, ...(image.metadata?.annotations ? { annotations: { ...image.metadata.annotations } } : {}), ...(image.metadata?.labels ? { labels: image.metadata.labels } : {}) },
    };
    try {
      store.create(IMAGE_KEY, img);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      existed = true;
    }
  }

  stream = structuredClone(stream);
  const status = (stream.status ??= {}) as { dockerImageRepository?: string; tags?: Array<{ tag: string; items?: any[]; conditions?: unknown }> };
  // The hostnames are computed on read (decorate); publicDockerImageRepository is not persisted so it follows the config.
  status.dockerImageRepository = String((decorate(store, IS_KEY, structuredClone(stream)).status as any)?.dockerImageRepository ?? '');
  // rest.go Create: an image that already existed and is managed by the registry (pushed into another stream
  // before) gets this stream's own reference in the tag event.
  let ref = String(image.dockerImageReference);
  if (existed && image.metadata?.annotations?.['openshift.io/image.managed'] === 'true' && status.dockerImageRepository) ref = `${status.dockerImageRepository}@${digest}`;
  const tags = (status.tags ??= []);
  let entry = tags.find((t) => t.tag === tag);
  if (!entry) {
    entry = { tag, items: [] };
    tags.push(entry);
    tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }
  entry.items ??= [];
  const latest = entry.items[0];
  if (latest?.image !== digest || latest?.dockerImageReference !== ref) {
    entry.items.unshift({ created: nowSeconds(), dockerImageReference: ref, image: digest, generation: Number(stream.metadata.generation ?? 1) });
    delete entry.conditions;
    // rest.go Create: internalimageutil.UpdateTrackingTags (tags that alias this one follow it).
    updateTrackingTags(stream, tags, tag, entry.items[0]);
    tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    store.update(IS_KEY, stream, { subresource: 'status' });
  }
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
}
