// The image importer of openshift-apiserver, for the sandbox's imagestreamimports: reads the source registry
// through the router (HTTPS_PROXY, so only loopback is ever contacted), fills status.images / status.repository
// with the real digests and image metadata, and with spec.import updates the ImageStream (spec.tags with
// from/referencePolicy/generation, status.tags items and ImportSuccess conditions), creating it when missing.
// Images that live in the sandbox's own registry are also linked into the target repository (cross-repository
// blob mounts + the manifest by digest), so pulling the imported tag works, like the registry's pull-through.
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { createHash } from 'node:crypto';
import type { KubeObject, Store } from './types.ts';
import { dockerImageMetadata } from './image-metadata.ts';
import { prioritizeTags } from './tag-priority.ts';
import { updateTrackingTags } from './apiserver/imagestreamtags.ts';

export interface ImporterOptions {
  store: Store;
  /** The router's proxy URL (sb.proxyUrl): every source registry is reached through it. */
  proxyUrl: string;
  /** CAs the importer trusts (the ingress and service CAs). */
  caPems: string[];
  /** Sent as `Authorization: Bearer` to source registries (the sandbox registry accepts OpenShift tokens). */
  token?: string;
  /** Tags imported per repository (OpenShift's default limit is 50); the rest are reported as additionalTags. */
  maxTagsPerRepository?: number;
  /** Platform picked from a manifest list in the Legacy import mode. */
  architecture?: string;
}

export type ImportHook = (namespace: string, isi: KubeObject) => Promise<KubeObject>;

export interface Importer extends ImportHook {
  /** Links an image of the sandbox registry (HOST/NS/NAME@DIGEST) into another repository there (see linkInto). */
  link(dockerImageReference: string, targetRepository: string): Promise<void>;
  /** Closes the importer's connections. */
  close(): Promise<void>;
}

const IS_KEY = 'image.openshift.io/imagestreams';
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface SourceRef {
  host: string;
  path: string;
  tag?: string;
  digest?: string;
}

class ImportFailure extends Error {
  constructor(
    readonly reason: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Fetched {
  digest: string;
  mediaType: string;
  raw: Buffer;
  json: any;
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function parseSource(name: string): SourceRef {
  let s = name;
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
  }
  const slash = s.indexOf('/');
  const first = slash > 0 ? s.slice(0, slash) : '';
  let host = 'docker.io';
  if (first && (/[.:]/.test(first) || first === 'localhost')) {
    host = first;
    s = s.slice(slash + 1);
  } else if (!s.includes('/')) s = `library/${s}`;
  let tag: string | undefined;
  const colon = s.lastIndexOf(':');
  if (colon >= 0 && !s.slice(colon).includes('/')) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  if (host === 'docker.io') host = 'registry-1.docker.io';
  return { host, path: s, tag, digest };
}

export function createImporter(o: ImporterOptions): Importer {
  const secure = new ProxyAgent({ uri: o.proxyUrl, requestTls: { ca: o.caPems } });
  const insecure = new ProxyAgent({ uri: o.proxyUrl, requestTls: { rejectUnauthorized: false } });
  const maxTags = o.maxTagsPerRepository ?? 50;
  const arch = o.architecture ?? 'amd64';

  async function get(src: SourceRef, path: string, accept: string | undefined, dispatcher: Dispatcher): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`https://${src.host}${path}`, {
        dispatcher,
        headers: { ...(accept ? { accept } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), 'user-agent': 'openshift-apiserver/sandbox' },
        headersTimeout: 20_000,
        bodyTimeout: 20_000,
      });
    } catch (e) {
      const cause = (e as any)?.cause?.code ?? (e as any)?.code ?? '';
      throw new ImportFailure('InternalError', 500, `Internal error occurred: ${src.host}/${src.path}: Get "https://${src.host}/v2/": ${(e as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    const body = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers, body };
  }

  function failFor(status: number, src: SourceRef, ref: string): ImportFailure {
    const image = `${src.host}/${src.path}${ref.includes(':') ? '@' : ':'}${ref}`;
    if (status === 401 || status === 403) return new ImportFailure('Unauthorized', 401, `you may not have access to the container image "${image}"`);
    if (status === 404) return new ImportFailure('NotFound', 404, `dockerimage.image.openshift.io "${image}" not found`);
    return new ImportFailure('InternalError', 500, `Internal error occurred: ${image}: the registry answered ${status}`);
  }

  async function manifest(src: SourceRef, ref: string, d: Dispatcher): Promise<Fetched> {
    const r = await get(src, `/v2/${src.path}/manifests/${ref}`, ACCEPT, d);
    if (r.status !== 200) throw failFor(r.status, src, ref);
    const json = JSON.parse(r.body.toString('utf8'));
    const mediaType = json.mediaType || r.headers['content-type']?.split(';')[0] || '';
    return { digest: sha256(r.body), mediaType, raw: r.body, json };
  }

  async function imageObject(src: SourceRef, m: Fetched, d: Dispatcher): Promise<KubeObject> {
    const cfgDesc = m.json.config;
    let configBytes: Buffer = Buffer.alloc(0);
    let config: any = {};
    if (cfgDesc?.digest) {
      const r = await get(src, `/v2/${src.path}/blobs/${cfgDesc.digest}`, undefined, d);
      if (r.status !== 200) throw failFor(r.status, src, cfgDesc.digest);
      configBytes = r.body;
      config = JSON.parse(r.body.toString('utf8'));
    }
    const layers = ((m.json.layers ?? []) as any[]).map((l) => ({ name: l.digest, size: l.size, mediaType: l.mediaType }));
    // The raw manifest and config ride along until the handler drops them (no includeManifest) or stores the Image.
    return {
      kind: 'Image',
      apiVersion: 'image.openshift.io/v1',
      metadata: { name: m.digest, annotations: { 'image.openshift.io/dockerLayersOrder': 'ascending' } },
      dockerImageReference: `${src.host}/${src.path}@${m.digest}`,
      dockerImageMetadata: dockerImageMetadata(configBytes, config, m.json),
      dockerImageMetadataVersion: '1.0',
      dockerImageManifest: m.raw.toString('utf8'),
      ...(cfgDesc?.digest ? { dockerImageConfig: configBytes.toString('utf8') } : {}),
      dockerImageManifestMediaType: m.mediaType,
      dockerImageLayers: layers,
    };
  }

  /**
   * Links the image into `target` on the same registry (cross-repository blob mounts, then the manifest by digest,
   * which the front stores without touching image streams), so the imported tag can be pulled. Best effort: a
   * source that is not the sandbox registry simply refuses.
   */
  async function linkInto(src: SourceRef, target: string, fetched: Fetched[], d: Dispatcher): Promise<void> {
    const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) => {
      const r = await request(`https://${src.host}${path}`, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: d,
        headers: { ...headers, ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
        body,
        headersTimeout: 20_000,
        bodyTimeout: 20_000,
      });
      await r.body.dump();
      return r.statusCode;
    };
    try {
      for (const m of [...fetched].reverse()) {
        for (const b of [m.json.config, ...(m.json.layers ?? [])].filter((x) => x?.digest)) {
          const st = await send('POST', `/v2/${target}/blobs/uploads/?mount=${encodeURIComponent(b.digest)}&from=${encodeURIComponent(src.path)}`, { 'content-length': '0' });
          if (st !== 201) return;
        }
        const st = await send('PUT', `/v2/${target}/manifests/${m.digest}`, { 'content-type': m.mediaType }, m.raw);
        if (st !== 201) return;
      }
    } catch {
      // not linkable: the tag still records the image, pulls of it just fail (no pull-through here)
    }
  }

  /** One image: the manifest (resolved from a list by platform unless PreserveOriginal), its config, the Image. */
  async function importOne(src: SourceRef, spec: any, target: string | undefined, doImport: boolean): Promise<{ image: KubeObject; manifests?: KubeObject[] }> {
    const d = spec?.importPolicy?.insecure ? insecure : secure;
    const ref = src.digest ?? src.tag ?? 'latest';
    const top = await manifest(src, ref, d);
    const isList = Array.isArray(top.json.manifests);
    if (isList && spec?.importPolicy?.importMode === 'PreserveOriginal') {
      const children: Fetched[] = [];
      const images: KubeObject[] = [];
      for (const c of top.json.manifests as any[]) {
        const m = await manifest(src, c.digest, d);
        children.push(m);
        images.push(await imageObject(src, m, d));
      }
      if (doImport && target) await linkInto(src, target, [top, ...children], d);
      const image: KubeObject = {
        kind: 'Image',
        apiVersion: 'image.openshift.io/v1',
        metadata: { name: top.digest },
        dockerImageReference: `${src.host}/${src.path}@${top.digest}`,
        // manifestListToImage: only Id and Created (now); no manifest, config or layers.
        dockerImageMetadata: { kind: 'DockerImage', apiVersion: '1.0', Id: top.digest, Created: now(), ContainerConfig: {} },
        dockerImageMetadataVersion: '1.0',
        dockerImageManifestMediaType: top.mediaType,
        dockerImageManifests: (top.json.manifests as any[]).map((c) => ({
          digest: c.digest,
          mediaType: c.mediaType,
          manifestSize: c.size,
          architecture: c.platform?.architecture ?? '',
          os: c.platform?.os ?? '',
          ...(c.platform?.variant ? { variant: c.platform.variant } : {}),
        })),
      };
      return { image, manifests: images };
    }
    let m = top;
    const chain = [top];
    if (isList) {
      const pick = (top.json.manifests as any[]).find((c) => c.platform?.os === 'linux' && c.platform?.architecture === arch) ?? top.json.manifests[0];
      if (!pick) throw new ImportFailure('NotFound', 404, `${src.host}/${src.path}:${ref}: the manifest list is empty`);
      m = await manifest(src, pick.digest, d);
      chain.push(m);
    }
    const image = await imageObject(src, m, d);
    if (doImport && target) await linkInto(src, target, isList ? [top, m] : [m], d);
    return { image };
  }

  function failure(e: unknown): Record<string, unknown> {
    if (e instanceof ImportFailure) return { metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code };
    return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${(e as Error).message}`, reason: 'InternalError', code: 500 };
  }

  async function listTags(src: SourceRef, d: Dispatcher): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${src.path}/tags/list`;
    for (let i = 0; path && i < 100; i++) {
      const r = await get(src, path, 'application/json', d);
      if (r.status !== 200) throw failFor(r.status, src, 'latest');
      tags.push(...((JSON.parse(r.body.toString('utf8')).tags ?? []) as string[]));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(r.headers.link ?? '');
      path = link?.[1];
    }
    return tags;
  }

  interface Outcome {
    tag: string;
    from: string;
    spec: any;
    ok: boolean;
    image?: KubeObject;
    failure?: Record<string, unknown>;
    /** From spec.repository (applied before spec.images). */
    repository?: boolean;
  }

  function updateStream(ns: string, name: string, outcomes: Outcome[], repository: string | undefined): KubeObject {
    for (let attempt = 0; ; attempt++) {
      try {
        return applyOnce(ns, name, outcomes, repository);
      } catch (e) {
        if ((e as any)?.code === 409 && attempt < 5) continue;
        throw e;
      }
    }
  }

  function applyOnce(ns: string, name: string, outcomes: Outcome[], repository: string | undefined): KubeObject {
    let cur = o.store.get(IS_KEY, ns, name);
    const gen = cur ? Number(cur.metadata.generation ?? 1) + 1 : 1;
    const specTags = [...(((cur?.spec as any)?.tags ?? []) as any[])];
    // rest.go createImages: the repository's tags first, then spec.images (so an image's import policy wins).
    const ordered = [...outcomes.filter((x) => x.repository), ...outcomes.filter((x) => !x.repository)];
    for (const x of ordered.filter((x) => x.ok)) {
      const i = specTags.findIndex((t) => t.name === x.tag);
      // rest.go ensureSpecTag: an import never changes the reference policy a tag already has; only a new tag
      // takes the import's (defaulted to Source). The import policy is replaced by the import's.
      const kept = i >= 0 ? specTags[i]?.referencePolicy?.type : undefined;
      const entry = {
        name: x.tag,
        annotations: null,
        from: { kind: 'DockerImage', name: x.from },
        generation: gen,
        importPolicy: { ...(x.spec?.importPolicy ?? {}), importMode: x.spec?.importPolicy?.importMode ?? 'Legacy' },
        referencePolicy: { type: kept || (x.spec?.referencePolicy?.type === 'Local' ? 'Local' : 'Source') },
      };
      if (i >= 0) specTags[i] = entry;
      else specTags.push(entry);
    }
    specTags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const spec = { lookupPolicy: { local: false }, ...((cur?.spec as object) ?? {}), tags: specTags, ...(repository ? { dockerImageRepository: repository } : {}) };
    // rest.go Create: the stream written by an import carries the dockerRepositoryCheck annotation (the image stream
    // controller's needsImport then only imports tags whose generation is newer than their status).
    const checked = { 'openshift.io/image.dockerRepositoryCheck': now() };
    if (!cur) cur = o.store.create(IS_KEY, { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name, namespace: ns, annotations: checked }, spec });
    else cur = o.store.update(IS_KEY, { ...cur, metadata: { ...cur.metadata, annotations: { ...((cur.metadata.annotations as object) ?? {}), ...checked } }, spec });
    const g = Number(cur.metadata.generation ?? gen);
    const status = ((cur.status ?? {}) as any) as { tags?: any[] };
    const statusTags = [...(status.tags ?? [])];
    for (const x of outcomes) {
      let t = statusTags.find((s) => s.tag === x.tag);
      if (!t) {
        t = { tag: x.tag, items: [] };
        statusTags.push(t);
      }
      if (x.ok) {
        const digest = x.image!.metadata.name!;
        const items = (t.items ?? []).filter((i: any) => i.image !== digest);
        t.items = [{ created: now(), dockerImageReference: x.image!.dockerImageReference, image: digest, generation: g }, ...items];
        delete t.conditions;
      } else {
        t.conditions = [{ type: 'ImportSuccess', status: 'False', lastTransitionTime: now(), reason: x.failure!.reason, message: x.failure!.message, generation: g }];
        t.items ??= [];
      }
    }
    // The stream update's strategy (updateChangedTrackingTags): aliases of an imported tag follow it.
    for (const x of outcomes.filter((y) => y.ok)) updateTrackingTags(cur, statusTags, x.tag, statusTags.find((s) => s.tag === x.tag).items[0]);
    statusTags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    return o.store.update(IS_KEY, { ...cur, status: { ...status, tags: statusTags } }, { subresource: 'status' });
  }

  function storeImage(image: KubeObject): void {
    try {
      // PrepareImageForCreate: the raw manifest and config are not stored.
      if (!o.store.get('image.openshift.io/images', undefined, image.metadata.name!)) o.store.create('image.openshift.io/images', withoutRaw(image, false));
    } catch {
      // The store may refuse `sha256:` names; the imagestreamtag view then shows a minimal image.
    }
  }

  /** rest.go clearManifests: the status keeps dockerImageManifest/dockerImageConfig only where the spec asked (includeManifest). */
  function withoutRaw(image: KubeObject, keep: unknown): KubeObject {
    if (keep === true) return image;
    const { dockerImageManifest: _m, dockerImageConfig: _c, ...rest } = image as KubeObject & { dockerImageManifest?: string; dockerImageConfig?: string };
    return rest as KubeObject;
  }

  const hook: ImportHook = async (namespace, isi) => {
    const out = structuredClone(isi) as any;
    const name = String(out.metadata?.name ?? '');
    const doImport = Boolean(out.spec?.import);
    const target = `${namespace}/${name}`;
    const outcomes: Outcome[] = [];
    out.status = {};

    const images: any[] = [];
    for (const spec of (out.spec?.images ?? []) as any[]) {
      const fromName = String(spec?.from?.name ?? '');
      const src = parseSource(fromName);
      const tag = spec?.to?.name ?? src.tag ?? 'latest';
      try {
        if (spec?.from?.kind && spec.from.kind !== 'DockerImage') throw new ImportFailure('Invalid', 422, `from.kind: only DockerImage is supported, not ${spec.from.kind}`);
        const r = await importOne(src, spec, doImport ? target : undefined, doImport);
        images.push({ status: { metadata: {}, status: 'Success' }, tag, image: withoutRaw(r.image, spec?.includeManifest), ...(r.manifests ? { manifests: r.manifests } : {}) });
        outcomes.push({ tag, from: fromName, spec, ok: true, image: r.image });
      } catch (e) {
        const f = failure(e);
        images.push({ status: f, tag });
        outcomes.push({ tag, from: fromName, spec, ok: false, failure: f });
      }
    }
    out.status.images = images;

    const repoSpec = out.spec?.repository;
    let repository: string | undefined;
    if (repoSpec?.from?.name) {
      const fromName = String(repoSpec.from.name);
      const src = parseSource(fromName);
      const d = repoSpec.importPolicy?.insecure ? insecure : secure;
      try {
        const all = prioritizeTags(await listTags(src, d));
        const chosen = all.slice(0, maxTags);
        const repoImages: any[] = [];
        for (const tag of chosen) {
          const from = `${fromName.replace(/[:@][^/]*$/, '')}:${tag}`;
          try {
            const r = await importOne({ ...src, tag, digest: undefined }, repoSpec, doImport ? target : undefined, doImport);
            repoImages.push({ status: { metadata: {}, status: 'Success' }, tag, image: withoutRaw(r.image, repoSpec.includeManifest) });
            outcomes.push({ tag, from, spec: repoSpec, ok: true, image: r.image, repository: true });
          } catch (e) {
            const f = failure(e);
            repoImages.push({ status: f, tag });
            outcomes.push({ tag, from, spec: repoSpec, ok: false, failure: f, repository: true });
          }
        }
        out.status.repository = { status: { metadata: {}, status: 'Success' }, images: repoImages, additionalTags: all.slice(maxTags) };
        repository = fromName.replace(/[:@][^/]*$/, '');
      } catch (e) {
        out.status.repository = { status: failure(e), images: [], additionalTags: [] };
      }
    }

    if (doImport && outcomes.length) {
      for (const x of outcomes) if (x.image) storeImage(x.image);
      out.status.import = updateStream(namespace, name, outcomes, repository);
    }
    out.kind = 'ImageStreamImport';
    out.apiVersion = 'image.openshift.io/v1';
    out.metadata = { ...out.metadata, namespace, creationTimestamp: null };
    return out;
  };
  const link = async (dockerImageReference: string, targetRepository: string): Promise<void> => {
    const src = parseSource(dockerImageReference);
    const top = await manifest(src, src.digest ?? src.tag ?? 'latest', secure);
    const children: Fetched[] = [];
    for (const c of (Array.isArray(top.json.manifests) ? top.json.manifests : []) as any[]) children.push(await manifest(src, c.digest, secure));
    await linkInto(src, targetRepository, [top, ...children], secure);
  };
  return Object.assign(hook, { link, close: async () => void (await Promise.allSettled([secure.close(), insecure.close()])) });
}
