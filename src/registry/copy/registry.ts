// A registry as copy source or destination (distribution spec, "Pushing blobs"/"Mounting a blob from another
// repository"): HEAD first, a cross-repository mount inside one registry, otherwise POST an upload session and PUT
// the whole blob as one streamed body (?digest= lets the registry check it too); manifests last.
import type { Readable } from 'node:stream';
import type { RegistryClient } from '../client.js';
import { httpError, RegistryHttpError } from '../errors.js';
import { fetchManifest, listTags, MANIFEST_ACCEPT } from '../content.js';
import type { BlobRef, DestView, ImageDest, ImageSource, Manifest } from './types.js';

interface Where {
  client: RegistryClient;
  host: string;
  repo: string;
  sessionKey: string;
}

async function drainText(body: Readable): Promise<string> {
  let s = '';
  for await (const c of body) if (s.length < 65536) s += String(c);
  return s;
}

export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly registry: { host: string; repo: string; sessionKey: string };
  constructor(private readonly w: Where) {
    this.name = `${w.host}/${w.repo}`;
    this.registry = { host: w.host, repo: w.repo, sessionKey: w.sessionKey };
  }

  tags(): Promise<string[]> {
    return listTags(this.w.client, this.w.repo);
  }

  async manifest(ref: string | undefined): Promise<Manifest> {
    const m = await fetchManifest(this.w.client, this.w.repo, ref ?? 'latest');
    return { raw: m.raw, json: m.json, digest: m.digest, mediaType: m.mediaType, kind: m.kind };
  }

  async blob(b: BlobRef, signal: AbortSignal): Promise<Readable> {
    const r = await this.w.client.stream(`/v2/${this.w.repo}/blobs/${b.digest}`, { signal });
    if (!r.ok) {
      const text = await drainText(r.body);
      throw httpError({ status: r.status, url: r.url, text: () => text }, 'GET');
    }
    return r.body;
  }
}

export class RegistryDest implements ImageDest {
  readonly name: string;
  readonly registry: { host: string; repo: string; sessionKey: string };
  /** Mounts the registry made (for the report and tests). */
  mounted = 0;
  /** This cluster's registry: the image stream's tags as the API server listed them (saves a HEAD per tag). */
  knownTags?: Map<string, string>;

  constructor(private readonly w: Where) {
    this.name = `${w.host}/${w.repo}`;
    this.registry = { host: w.host, repo: w.repo, sessionKey: w.sessionKey };
  }

  async hasBlob(b: BlobRef, signal: AbortSignal): Promise<boolean> {
    const r = await this.w.client.get(`/v2/${this.w.repo}/blobs/${b.digest}`, { method: 'HEAD', signal, maxRedirects: 0 });
    if (r.status === 200 || r.status === 307 || r.status === 302) return true;
    if (r.status === 404) return false;
    throw new RegistryHttpError(r.status, 'HEAD', r.url, undefined, `HTTP ${r.status}`);
  }

  /** 201: mounted. 202: the registry started a plain upload instead; it is cancelled (the caller uploads). */
  async mount(b: BlobRef, fromRepo: string, signal: AbortSignal): Promise<boolean> {
    const path = `/v2/${this.w.repo}/blobs/uploads/?mount=${encodeURIComponent(b.digest)}&from=${encodeURIComponent(fromRepo)}`;
    const scope = `repository:${this.w.repo}:pull,push repository:${fromRepo}:pull`;
    const r = await this.w.client.get(path, { method: 'POST', signal, scope, headers: { 'content-length': '0' } });
    if (r.status === 201) {
      this.mounted++;
      return true;
    }
    if (r.status === 202 && r.headers.location) {
      await this.w.client.get(new URL(r.headers.location, this.w.client.baseUrl).toString(), { method: 'DELETE', signal }).catch(() => undefined);
      return false;
    }
    if (r.status === 202) return false;
    throw httpError(r, 'POST');
  }

  async putBlob(b: BlobRef, body: Readable, signal: AbortSignal): Promise<void> {
    const start = await this.w.client.get(`/v2/${this.w.repo}/blobs/uploads/`, { method: 'POST', signal, headers: { 'content-length': '0' } });
    if (start.status !== 202 || !start.headers.location) {
      body.destroy();
      throw httpError(start, 'POST');
    }
    const loc = new URL(start.headers.location, this.w.client.baseUrl);
    loc.searchParams.set('digest', b.digest);
    const url = loc.host === new URL(this.w.client.baseUrl).host ? loc.pathname + loc.search : loc.toString();
    // The body streams once: the POST above got the token for this push scope, so the PUT is not answered 401.
    const put = await this.w.client.get(url, {
      method: 'PUT',
      body,
      signal,
      scope: `repository:${this.w.repo}:pull,push`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
    });
    if (put.status !== 201) throw httpError(put, 'PUT');
  }

  /** Does the registry serve this repository (an image stream with tags)? undefined when it will not say. */
  async repositoryExists(signal?: AbortSignal): Promise<boolean | undefined> {
    const r = await this.w.client.get(`/v2/${this.w.repo}/tags/list?n=1`, { signal });
    if (r.ok) return true;
    if (r.status === 404) return false;
    return undefined;
  }

  digestSource(ref: string): 'image-stream' | undefined {
    return this.knownTags && !ref.includes(':') ? 'image-stream' : undefined;
  }

  async manifestDigest(ref: string, signal: AbortSignal): Promise<string | undefined> {
    if (this.knownTags && !ref.includes(':')) return this.knownTags.get(ref);
    const r = await this.w.client.get(`/v2/${this.w.repo}/manifests/${ref}`, { method: 'HEAD', accept: MANIFEST_ACCEPT, signal });
    if (r.status === 404) return undefined;
    if (!r.ok) return undefined;
    return r.headers['docker-content-digest'];
  }

  async putManifest(m: Manifest, tag: string | undefined, signal: AbortSignal): Promise<void> {
    const res = await this.w.client.get(`/v2/${this.w.repo}/manifests/${tag ?? m.digest}`, {
      method: 'PUT',
      body: m.raw,
      signal,
      headers: { 'content-type': m.mediaType, 'content-length': String(m.raw.length) },
    });
    if (res.status !== 201) throw httpError(res, 'PUT');
  }
}

/**
 * This cluster's registry before its session is opened, for planning: the registry serves a repository's tags from
 * the image stream's status (openshift/image-registry pkg/dockerregistry/server/tagservice.go Get, through
 * pkg/imagestream/imagestream.go Tags: status.tags[].items[0].image), so a tag's digest is read there. A digest
 * reference asks the registry, opened then.
 */
export class StreamTagsView implements DestView {
  constructor(
    readonly name: string,
    private readonly tags: Map<string, string>,
    private readonly registry: () => Promise<ImageDest>,
  ) {}

  digestSource(ref: string): 'image-stream' | undefined {
    return ref.includes(':') ? undefined : 'image-stream';
  }

  async manifestDigest(ref: string, signal: AbortSignal): Promise<string | undefined> {
    if (!ref.includes(':')) return this.tags.get(ref);
    return (await this.registry()).manifestDigest(ref, signal);
  }
}
