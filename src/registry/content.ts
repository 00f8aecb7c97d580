// What is in a registry: the catalog and tag lists (Link paging), manifests, manifest lists / OCI indexes and
// config blobs, over RegistryClient. Many requests run through a bounded pool on one keep-alive dispatcher
// with the one token the client already holds.
import { createHash } from 'node:crypto';
import type { RegistryClient } from './client.js';
import { httpError, nextLink } from './errors.js';
import { RegistryConnectionError, RegistryHttpError } from './errors.js';
import { RegctlError } from '../errors.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerV1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

/** Everything a registry may serve for a manifest, lists first so it never converts them away. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.dockerV1Signed, MEDIA.dockerV1];

const MAX_MANIFEST = 4 << 20;
const MAX_CONFIG = 8 << 20;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export type ManifestKind = 'image' | 'index' | 'schema1';

export interface FetchedManifest {
  /** sha256 of the bytes as served (what skopeo and podman call the digest). */
  digest: string;
  mediaType: string;
  kind: ManifestKind;
  size: number;
  raw: Buffer;
  json: any;
}

// ---------------------------------------------------------------------------------------------------------
// Concurrency

/** A counting semaphore: at most `limit` functions run at once. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('limit must be >= 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/**
 * Maps `source` through `fn` with up to `window` calls in flight, yielding results in source order as soon as
 * they are ready. Memory stays bounded by the window whatever the size of the source. `fn` should not throw
 * (return an error value instead); a throw ends the iteration with that error.
 */
export async function* orderedMap<T, R>(source: Iterable<T> | AsyncIterable<T>, fn: (item: T, index: number) => Promise<R>, window: number): AsyncGenerator<R> {
  if (!(window >= 1)) throw new RangeError('window must be >= 1');
  const it = (Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  const pending: Array<Promise<R>> = [];
  let index = 0;
  let done = false;
  const fill = async () => {
    while (!done && pending.length < window) {
      const n = await it.next();
      if (n.done) {
        done = true;
        break;
      }
      const p = fn(n.value, index++);
      p.catch(() => undefined); // observed when its turn comes
      pending.push(p);
    }
  };
  try {
    await fill();
    while (pending.length) {
      const r = await pending.shift()!;
      await fill();
      yield r;
    }
  } finally {
    if (!done) await it.return?.();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Catalog and tags

export interface PageOptions {
  /** `n` sent with the first request (the registry's Link carries it on). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Repository names of `/v2/_catalog`, one array per page, following Link rel="next". */
export async function* catalogPages(client: RegistryClient, o: PageOptions = {}): AsyncGenerator<string[]> {
  let path: string | undefined = o.pageSize ? `/v2/_catalog?n=${o.pageSize}` : '/v2/_catalog';
  const seen = new Set<string>();
  let retriedWithoutN = false;
  while (path && !seen.has(path)) {
    seen.add(path);
    let res;
    try {
      res = await client.getJSON<{ repositories?: string[] }>(path, { signal: o.signal });
    } catch (e) {
      // A registry with a smaller maximum page: let it choose.
      if (e instanceof RegistryHttpError && e.status === 400 && e.errorCode === 'PAGINATION_NUMBER_INVALID' && !retriedWithoutN && seen.size === 1) {
        retriedWithoutN = true;
        path = '/v2/_catalog';
        seen.clear();
        continue;
      }
      throw e;
    }
    const repos = res.data?.repositories ?? [];
    if (repos.length) yield repos;
    path = nextLink(res.headers.link);
  }
}

/** Every tag of a repository (all Link pages). */
export async function listTags(client: RegistryClient, repository: string, o: PageOptions = {}): Promise<string[]> {
  const tags: string[] = [];
  const first = `/v2/${repository}/tags/list${o.pageSize ? `?n=${o.pageSize}` : ''}`;
  for await (const page of client.pages<{ tags?: string[] | null }>(first, { signal: o.signal })) tags.push(...(page?.tags ?? []));
  return tags;
}

// ---------------------------------------------------------------------------------------------------------
// Manifests

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

function baseType(ct: string | undefined): string {
  return (ct ?? '').split(';')[0]!.trim().toLowerCase();
}

const KNOWN = new Set<string>(Object.values(MEDIA));

/** The media type and kind of a manifest from its Content-Type, its mediaType field or its shape. */
export function classifyManifest(json: any, contentType?: string): { mediaType: string; kind: ManifestKind } {
  const ct = baseType(contentType);
  let mediaType = typeof json?.mediaType === 'string' && json.mediaType ? json.mediaType : KNOWN.has(ct) ? ct : '';
  if (!mediaType) {
    if (json?.schemaVersion === 1) mediaType = json.signatures ? MEDIA.dockerV1Signed : MEDIA.dockerV1;
    else if (Array.isArray(json?.manifests)) mediaType = MEDIA.ociIndex;
    else if (json?.config) mediaType = MEDIA.ociManifest;
    else mediaType = ct || 'application/octet-stream';
  }
  const kind: ManifestKind =
    mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || Array.isArray(json?.manifests)
      ? 'index'
      : mediaType === MEDIA.dockerV1 || mediaType === MEDIA.dockerV1Signed || json?.schemaVersion === 1
        ? 'schema1'
        : 'image';
  return { mediaType, kind };
}

export interface FetchOptions {
  signal?: AbortSignal;
}

/** GET a manifest by tag or digest; its digest is computed from the bytes and checked against the registry's. */
export async function fetchManifest(client: RegistryClient, repository: string, reference: string, o: FetchOptions = {}): Promise<FetchedManifest> {
  const res = await client.get(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT, signal: o.signal });
  if (!res.ok) throw httpError(res, 'GET');
  const raw = res.body;
  if (raw.length > MAX_MANIFEST) throw new RegctlError(`the manifest of ${repository}:${reference} is larger than 4 MiB`, { hint: 'this does not look like an image manifest' });
  let json: any;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RegctlError(`the registry served an unreadable manifest for ${repository}@${reference} (not JSON)`, { hint: 'run again with -v to see the request' });
  }
  const { mediaType, kind } = classifyManifest(json, res.headers['content-type']);
  // schema1 signed manifests are digested without their signatures: trust the registry's header there.
  const served = res.headers['docker-content-digest'];
  const digest = kind === 'schema1' && served ? served : sha256(raw);
  const expected = reference.includes(':') ? reference : served;
  if (kind !== 'schema1' && expected?.startsWith('sha256:') && expected !== digest) {
    throw new RegctlError(`digest mismatch for ${repository}@${reference}: the registry said ${expected}, the bytes are ${digest}`, {
      hint: 'something between you and the registry changed the manifest; check proxies and try again',
    });
  }
  return { digest, mediaType, kind, size: raw.length, raw, json };
}

/** HEAD a manifest: digest, media type and size without the body (GET when the registry gives no digest). */
export async function headManifest(client: RegistryClient, repository: string, reference: string, o: FetchOptions = {}): Promise<{ digest: string; mediaType: string; size: number }> {
  const res = await client.get(`/v2/${repository}/manifests/${reference}`, { method: 'HEAD', accept: MANIFEST_ACCEPT, signal: o.signal });
  if (res.ok && res.headers['docker-content-digest']) {
    return { digest: res.headers['docker-content-digest'], mediaType: baseType(res.headers['content-type']), size: Number(res.headers['content-length'] ?? 0) };
  }
  if (!res.ok && res.status !== 405) throw new RegistryHttpError(res.status, 'HEAD', res.url, undefined, res.status === 404 ? `manifest unknown: ${repository}:${reference}` : `HTTP ${res.status}`);
  const m = await fetchManifest(client, repository, reference, o);
  return { digest: m.digest, mediaType: m.mediaType, size: m.size };
}

/** GET a blob that is small by nature (an image config), verifying its digest. */
export async function fetchSmallBlob(client: RegistryClient, repository: string, digest: string, o: FetchOptions = {}): Promise<Buffer> {
  const res = await client.get(`/v2/${repository}/blobs/${digest}`, { signal: o.signal });
  if (!res.ok) throw httpError(res, 'GET');
  if (res.body.length > MAX_CONFIG) throw new RegctlError(`the config blob ${digest} of ${repository} is larger than 8 MiB`);
  if (digest.startsWith('sha256:') && sha256(res.body) !== digest) {
    throw new RegctlError(`digest mismatch for blob ${digest} of ${repository}`, { hint: 'something between you and the registry changed the blob; try again' });
  }
  return res.body;
}

export async function fetchBlobJSON<T = any>(client: RegistryClient, repository: string, digest: string, o: FetchOptions = {}): Promise<T> {
  const body = await fetchSmallBlob(client, repository, digest, o);
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new RegctlError(`the config blob ${digest} of ${repository} is not JSON`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Platforms and image details

export function parsePlatform(s: string): Platform | undefined {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) return undefined;
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return '';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The index entry for a platform: exact variant when asked, else the first os/arch match. */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture);
  if (want.variant) return candidates.find((m) => m.platform?.variant === want.variant);
  return candidates.find((m) => !m.platform?.variant || (want.architecture === 'arm64' && m.platform.variant === 'v8')) ?? candidates[0];
}

export interface LayerInfo {
  digest: string;
  mediaType: string;
  size: number;
}

export interface ImageDetails {
  digest: string;
  mediaType: string;
  manifestSize: number;
  created?: string;
  author?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  /** Config plus layers: what a pull downloads (compressed). */
  size: number;
  labels: Record<string, string>;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  user?: string;
  workingDir?: string;
  exposedPorts: string[];
  config?: LayerInfo;
  layers: LayerInfo[];
}

export interface IndexEntry {
  digest: string;
  mediaType: string;
  size: number;
  platform: string;
}

export interface Inspection {
  digest: string;
  mediaType: string;
  kind: ManifestKind;
  manifestSize: number;
  /** For an index: its entries. */
  manifests?: IndexEntry[];
  /** The image: the manifest itself, or the platform chosen from an index (undefined when none matched). */
  image?: ImageDetails;
  /** For an index: the platform that was resolved. */
  platform?: string;
}

function descriptor(d: any): LayerInfo {
  return { digest: String(d?.digest ?? ''), mediaType: String(d?.mediaType ?? ''), size: Number(d?.size ?? 0) };
}

/** Image details from a manifest (image kind) and its config JSON (if any). */
export function imageDetails(m: FetchedManifest, config: any | undefined): ImageDetails {
  const cfg = config?.config ?? {};
  let layers: LayerInfo[];
  let configDesc: LayerInfo | undefined;
  if (m.kind === 'schema1') {
    layers = [...((m.json.fsLayers ?? []) as Array<{ blobSum: string }>)].reverse().map((l) => ({ digest: l.blobSum, mediaType: '', size: 0 }));
    let v1: any = {};
    try {
      v1 = JSON.parse(m.json.history?.[0]?.v1Compatibility ?? '{}');
    } catch {
      v1 = {};
    }
    config = v1;
  } else {
    layers = ((m.json.layers ?? []) as unknown[]).map(descriptor);
    configDesc = m.json.config ? descriptor(m.json.config) : undefined;
  }
  const c = config?.config ?? cfg;
  const labels = (c?.Labels ?? {}) as Record<string, string> | null;
  return {
    digest: m.digest,
    mediaType: m.mediaType,
    manifestSize: m.size,
    created: config?.created || undefined,
    author: config?.author || undefined,
    os: config?.os || undefined,
    architecture: config?.architecture || undefined,
    variant: config?.variant || undefined,
    size: (configDesc?.size ?? 0) + layers.reduce((a, l) => a + l.size, 0),
    labels: labels ?? {},
    env: (c?.Env ?? []) as string[],
    entrypoint: (c?.Entrypoint ?? null) as string[] | null,
    cmd: (c?.Cmd ?? null) as string[] | null,
    user: c?.User || undefined,
    workingDir: c?.WorkingDir || undefined,
    exposedPorts: Object.keys(c?.ExposedPorts ?? {}),
    config: configDesc,
    layers,
  };
}

async function imageOf(client: RegistryClient, repository: string, m: FetchedManifest, o: FetchOptions): Promise<ImageDetails> {
  if (m.kind === 'schema1' || !m.json.config?.digest) return imageDetails(m, undefined);
  const config = await fetchBlobJSON(client, repository, m.json.config.digest, o);
  return imageDetails(m, config);
}

export interface InspectOptions extends FetchOptions {
  /** For an index: the platform to resolve; default linux/amd64. false → do not resolve. */
  platform?: Platform | false;
}

/** The manifest (and config) behind `reference`; an index is listed and the requested platform resolved. */
export async function inspectImage(client: RegistryClient, repository: string, reference: string, o: InspectOptions = {}): Promise<Inspection> {
  const m = await fetchManifest(client, repository, reference, o);
  const out: Inspection = { digest: m.digest, mediaType: m.mediaType, kind: m.kind, manifestSize: m.size };
  if (m.kind !== 'index') {
    out.image = await imageOf(client, repository, m, o);
    return out;
  }
  const entries = ((m.json.manifests ?? []) as any[]).map((d) => ({ ...descriptor(d), platform: d?.platform as Platform | undefined }));
  out.manifests = entries.map((e) => ({ digest: e.digest, mediaType: e.mediaType, size: e.size, platform: formatPlatform(e.platform) }));
  if (o.platform === false) return out;
  const want = o.platform ?? { os: 'linux', architecture: 'amd64' };
  const chosen = selectPlatform(entries, want);
  if (!chosen) return out;
  const child = await fetchManifest(client, repository, chosen.digest, o);
  out.platform = formatPlatform(chosen.platform);
  out.image = await imageOf(client, repository, child, o);
  return out;
}

/** Human size: 1.2 MB (SI, like podman). */
export function humanSize(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

export interface RepositoryTags {
  name: string;
  tags: string[];
  /** tag → manifest digest, when asked for. */
  digests?: Record<string, string>;
  error?: string;
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/**
 * Worth another try in a bulk listing: a dropped connection, 429/502/503/504, or the OpenShift registry's
 * body-less 400 (it could not reach the API server to check the authorization).
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof RegistryConnectionError) return TRANSIENT_CODES.has(e.code);
  if (e instanceof RegistryHttpError) return [429, 502, 503, 504].includes(e.status) || (e.status === 400 && !e.errorCode);
  return false;
}

/** Runs fn, retrying transient failures (see isTransient) with a short growing pause. */
export async function withRetry<T>(fn: () => Promise<T>, o: { retries?: number; delayMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  const retries = o.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isTransient(e) || o.signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, (o.delayMs ?? 200) * (attempt + 1)));
    }
  }
}

/** Code-unit order, as distribution sorts repository names (locale-independent, stable across runs). */
export function cmpTags(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The tags of one repository, and with `digests` the digest of each (HEAD requests through the limiter). */
export async function repositoryTags(
  client: RegistryClient,
  name: string,
  o: { limiter?: Limiter; digests?: boolean; signal?: AbortSignal; retryDelayMs?: number } = {},
): Promise<RepositoryTags> {
  const run = <T>(fn: () => Promise<T>) => withRetry(() => (o.limiter ? o.limiter.run(fn) : fn()), { signal: o.signal, delayMs: o.retryDelayMs });
  // The OpenShift registry lists a stream's tags in Go map order (random, per request): sort them for printing.
  const tags = (await run(() => listTags(client, name, { signal: o.signal }))).sort(cmpTags);
  if (!o.digests) return { name, tags };
  const ds = await Promise.all(tags.map((t) => run(() => headManifest(client, name, t, { signal: o.signal }))));
  return { name, tags, digests: Object.fromEntries(tags.map((t, i) => [t, ds[i]!.digest])) };
}
