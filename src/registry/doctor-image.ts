// Push and pull through the registry v2 API for `regctl doctor --push-test/--pull-test`: monolithic blob
// uploads (POST then PUT ?digest=), a manifest PUT by tag, and pulls whose digests are checked.
import { createHash } from 'node:crypto';
import type { RegistryClient } from './client.js';
import { httpError } from './errors.js';
import { fetchManifest, selectPlatform, type Descriptor } from './content.js';
import { RegctlError } from '../errors.js';

export interface PushBlob {
  digest: string;
  data: Buffer;
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** Uploads a blob unless the repository has it; returns what happened. */
export async function uploadBlob(client: RegistryClient, repo: string, b: PushBlob, signal?: AbortSignal): Promise<'exists' | 'uploaded'> {
  const head = await client.get(`/v2/${repo}/blobs/${b.digest}`, { method: 'HEAD', signal, maxRedirects: 0 });
  if (head.status === 200 || head.status === 307) return 'exists';
  const start = await client.get(`/v2/${repo}/blobs/uploads/`, { method: 'POST', signal, headers: { 'content-length': '0' } });
  if (start.status !== 202 || !start.headers.location) throw httpError(start, 'POST');
  const loc = new URL(start.headers.location, client.baseUrl);
  loc.searchParams.set('digest', b.digest);
  const put = await client.get(loc.pathname + loc.search, {
    method: 'PUT',
    body: b.data,
    signal,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.data.length) },
  });
  if (put.status !== 201) throw httpError(put, 'PUT');
  return 'uploaded';
}

/** PUT a manifest under a tag; returns the digest the registry reports. */
export async function putManifest(client: RegistryClient, repo: string, tag: string, body: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
  const res = await client.get(`/v2/${repo}/manifests/${tag}`, { method: 'PUT', body, signal, headers: { 'content-type': mediaType, 'content-length': String(body.length) } });
  if (res.status !== 201) throw httpError(res, 'PUT');
  return res.headers['docker-content-digest'] ?? sha256(body);
}

export interface PullResult {
  digest: string;
  mediaType: string;
  /** Blobs downloaded and checked against their digests. */
  fetched: string[];
  /** Blobs only checked for presence (HEAD). */
  checked: string[];
  bytes: number;
}

async function getBlob(client: RegistryClient, repo: string, digest: string, signal?: AbortSignal): Promise<number> {
  const res = await client.get(`/v2/${repo}/blobs/${digest}`, { signal });
  if (!res.ok) throw httpError(res, 'GET');
  if (sha256(res.body) !== digest) throw new RegctlError(`blob ${digest} of ${repo} does not match its digest`, { hint: 'the registry storage may be corrupt; see `regctl logs`' });
  return res.body.length;
}

/**
 * Pulls `repo:ref`: the manifest (an index resolves to linux/amd64 or its first entry), the config blob, and
 * layers up to `maxLayerBytes` each in full (larger ones are only checked with HEAD).
 */
export async function pullImage(client: RegistryClient, repo: string, ref: string, o: { maxLayerBytes: number; signal?: AbortSignal }): Promise<PullResult> {
  let m = await fetchManifest(client, repo, ref, { signal: o.signal });
  if (m.kind === 'index') {
    const entries = (m.json.manifests ?? []) as Descriptor[];
    const pick = selectPlatform(entries, { os: 'linux', architecture: 'amd64' }) ?? entries[0];
    if (!pick) throw new RegctlError(`${repo}:${ref} is an empty image index`);
    m = await fetchManifest(client, repo, pick.digest, { signal: o.signal });
  }
  if (m.kind === 'schema1') throw new RegctlError(`${repo}:${ref} is a schema 1 manifest, which this test does not pull`);
  const out: PullResult = { digest: m.digest, mediaType: m.mediaType, fetched: [], checked: [], bytes: m.size };
  const config = m.json.config as Descriptor | undefined;
  if (config?.digest) {
    out.bytes += await getBlob(client, repo, config.digest, o.signal);
    out.fetched.push(config.digest);
  }
  for (const l of (m.json.layers ?? []) as Descriptor[]) {
    if (l.size <= o.maxLayerBytes) {
      out.bytes += await getBlob(client, repo, l.digest, o.signal);
      out.fetched.push(l.digest);
    } else {
      const h = await client.get(`/v2/${repo}/blobs/${l.digest}`, { method: 'HEAD', signal: o.signal, maxRedirects: 0 });
      if (!(h.status === 200 || h.status === 307 || h.status === 302)) throw httpError(h, 'HEAD');
      out.checked.push(l.digest);
    }
  }
  return out;
}

