// A plain-HTTP fake registry for the content tests: the OpenShift token flow, _catalog and tags/list with Link
// paging, manifests (image, index), config blobs; it counts connections, token fetches and requests in flight.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';

export const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface FakeImage {
  manifest: Buffer;
  digest: string;
  mediaType: string;
}

export interface ContentFake {
  url: string;
  host: string;
  repos: string[];
  tags: Map<string, string[]>;
  manifests: Map<string, FakeImage>;
  blobs: Map<string, Buffer>;
  stats: { connections: number; tokenFetches: number; inFlight: number; maxInFlight: number; requests: number; paths: string[] };
  /** Served with the wrong Docker-Content-Digest. */
  tamper: Set<string>;
  /** path → [status, times]: answer that status (no body) that many times first. */
  flaky: Map<string, [number, number]>;
  delayMs: number;
  close(): Promise<void>;
}

export function makeImage(o: { arch?: string; os?: string; labels?: Record<string, string>; layers?: number; created?: string } = {}) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: o.arch ?? 'amd64',
      os: o.os ?? 'linux',
      created: o.created ?? '2026-01-02T03:04:05Z',
      config: { Labels: o.labels ?? null, Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'], ExposedPorts: { '8080/tcp': {} } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layers = Array.from({ length: o.layers ?? 2 }, (_, i) => Buffer.from(`layer ${i} ${o.arch ?? 'amd64'}`));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: sha(l) })),
    }),
  );
  return { config, layers, manifest, digest: sha(manifest), mediaType: 'application/vnd.docker.distribution.manifest.v2+json' };
}

export async function startContentFake(): Promise<ContentFake> {
  const repos: string[] = [];
  const tags = new Map<string, string[]>();
  const manifests = new Map<string, FakeImage>();
  const blobs = new Map<string, Buffer>();
  const tamper = new Set<string>();
  const flaky = new Map<string, [number, number]>();
  const stats = { connections: 0, tokenFetches: 0, inFlight: 0, maxInFlight: 0, requests: 0, paths: [] as string[] };
  const TOKEN = 'sha256~fake-token';
  const sockets = new Set<Socket>();
  const fake: Partial<ContentFake> = { delayMs: 0 };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
    res.end(text);
  };
  const page = (all: string[], url: URL, def: number) => {
    const n = Number(url.searchParams.get('n') ?? def);
    const last = url.searchParams.get('last');
    const start = last ? all.findIndex((x) => x > last) : 0;
    const items = start < 0 ? [] : all.slice(start, start + n);
    return { items, n, full: items.length === n };
  };

  const server = http.createServer({ keepAlive: true }, async (req, res) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => stats.inFlight--);
    const url = new URL(req.url!, `http://${req.headers.host}`);
    stats.paths.push(`${req.method} ${url.pathname}${url.search}`);
    if (fake.delayMs) await new Promise((r) => setTimeout(r, fake.delayMs));
    if (url.pathname === '/openshift/token') {
      stats.tokenFetches++;
      return json(res, 200, { token: TOKEN, access_token: TOKEN });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/openshift/token"` });
    }
    if (url.pathname === '/v2/') return json(res, 200, {});
    const fl = flaky.get(url.pathname);
    if (fl && fl[1] > 0) {
      fl[1]--;
      res.writeHead(fl[0], { 'content-length': '0' });
      return res.end();
    }
    if (url.pathname === '/v2/_catalog') {
      const nRaw = Number(url.searchParams.get('n') ?? 100);
      if (nRaw > 1000) return json(res, 400, { errors: [{ code: 'PAGINATION_NUMBER_INVALID', message: 'invalid number of results requested' }] });
      const p = page(repos, url, 100);
      const headers: Record<string, string> = {};
      if (p.full) headers.link = `</v2/_catalog?last=${encodeURIComponent(p.items[p.items.length - 1]!)}&n=${p.n}>; rel="next"`;
      return json(res, 200, { repositories: p.items }, headers);
    }
    let m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (m) {
      const all = tags.get(m[1]!);
      if (!all) return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
      const p = page(all, url, 3);
      const headers: Record<string, string> = {};
      if (p.full) headers.link = `</v2/${m[1]}/tags/list?last=${p.items[p.items.length - 1]}&n=${p.n}>; rel="next"`;
      return json(res, 200, { name: m[1], tags: p.items }, headers);
    }
    m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (m) {
      const img = manifests.get(`${m[1]}@${m[2]}`);
      if (!img) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      const digest = tamper.has(`${m[1]}@${m[2]}`) ? sha('tampered') : img.digest;
      res.writeHead(200, { 'content-type': img.mediaType, 'docker-content-digest': digest, 'content-length': String(img.manifest.length) });
      return res.end(req.method === 'HEAD' ? undefined : img.manifest);
    }
    m = /^\/v2\/(.+)\/blobs\/(.+)$/.exec(url.pathname);
    if (m) {
      const b = blobs.get(m[2]!);
      if (!b) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(b.length) });
      return res.end(b);
    }
    json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });
  server.on('connection', (s: Socket) => {
    stats.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    repos,
    tags,
    manifests,
    blobs,
    stats,
    tamper,
    flaky,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  }) as ContentFake;
}

/** Registers an image under repo:tag (and repo@digest) with its blobs. */
export function addImage(f: ContentFake, repo: string, tag: string, img: ReturnType<typeof makeImage>): void {
  const fi = { manifest: img.manifest, digest: img.digest, mediaType: img.mediaType };
  f.manifests.set(`${repo}@${tag}`, fi);
  f.manifests.set(`${repo}@${img.digest}`, fi);
  f.blobs.set(sha(img.config), img.config);
  for (const l of img.layers) f.blobs.set(sha(l), l);
}

/** An OCI index of the given images under repo:tag. */
export function addIndex(f: ContentFake, repo: string, tag: string, images: Array<{ img: ReturnType<typeof makeImage>; platform: Record<string, string> }>): FakeImage {
  for (const { img } of images) addImage(f, repo, img.digest, img);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map(({ img, platform }) => ({ mediaType: img.mediaType, size: img.manifest.length, digest: img.digest, platform })),
    }),
  );
  const fi = { manifest, digest: sha(manifest), mediaType: 'application/vnd.oci.image.index.v1+json' };
  f.manifests.set(`${repo}@${tag}`, fi);
  f.manifests.set(`${repo}@${fi.digest}`, fi);
  return fi;
}
