import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { closeAllDispatchers } from '../../src/registry/http.js';
import {
  Limiter,
  catalogPages,
  classifyManifest,
  fetchManifest,
  headManifest,
  humanSize,
  imageDetails,
  inspectImage,
  listTags,
  orderedMap,
  parsePlatform,
  repositoryTags,
  selectPlatform,
  MEDIA,
} from '../../src/registry/content.js';
import { addImage, addIndex, makeImage, sha, startContentFake, type ContentFake } from './content-fake.ts';

let f: ContentFake;
const img = makeImage({ labels: { 'io.k8s.display-name': 'app' } });
const arm = makeImage({ arch: 'arm64', layers: 1 });

function client(): RegistryClient {
  return new RegistryClient({ host: f.host, scheme: 'http', credentials: { username: 'user', token: 'sha256~user-token' }, env: {}, timeoutMs: 10_000 });
}

beforeAll(async () => {
  f = await startContentFake();
  for (let i = 0; i < 250; i++) f.repos.push(`ns${String(i % 7).padStart(2, '0')}/repo-${String(i).padStart(3, '0')}`);
  f.repos.sort();
  for (const r of f.repos) f.tags.set(r, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  addImage(f, 'team/app', 'v1', img);
  addImage(f, 'team/app', 'latest', img);
  f.tags.set('team/app', ['latest', 'v1']);
  addIndex(f, 'team/multi', 'latest', [
    { img, platform: { os: 'linux', architecture: 'amd64' } },
    { img: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
});
afterAll(async () => {
  await closeAllDispatchers();
  await f?.close();
});

describe('catalog and tags with Link paging', () => {
  it('follows every _catalog page', async () => {
    const c = client();
    await c.ping();
    const pages: string[][] = [];
    for await (const p of catalogPages(c, { pageSize: 100 })) pages.push(p);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(pages.flat()).toEqual(f.repos);
    expect(f.stats.paths.filter((p) => p.includes('_catalog')).slice(-3)).toEqual([
      'GET /v2/_catalog?n=100',
      `GET /v2/_catalog?last=${encodeURIComponent(f.repos[99]!)}&n=100`,
      `GET /v2/_catalog?last=${encodeURIComponent(f.repos[199]!)}&n=100`,
    ]);
  });

  it('lets the registry choose the page size when n is too large for it', async () => {
    const all: string[] = [];
    for await (const p of catalogPages(client(), { pageSize: 5000 })) all.push(...p);
    expect(all).toEqual(f.repos);
  });

  it('lists every tag page', async () => {
    expect(await listTags(client(), f.repos[0]!)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(await listTags(client(), f.repos[0]!, { pageSize: 5 })).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('retries transient answers (the registry\'s body-less 400, 503) but not real errors', async () => {
    f.flaky.set(`/v2/${f.repos[1]}/tags/list`, [400, 2]);
    f.flaky.set('/v2/team/app/manifests/v1', [503, 1]);
    expect((await repositoryTags(client(), f.repos[1]!, { retryDelayMs: 1 })).tags).toHaveLength(7);
    expect((await repositoryTags(client(), 'team/app', { digests: true, retryDelayMs: 1 })).digests).toEqual({ latest: img.digest, v1: img.digest });
    f.flaky.set(`/v2/${f.repos[2]}/tags/list`, [400, 3]);
    await expect(repositoryTags(client(), f.repos[2]!, { retryDelayMs: 1 })).rejects.toMatchObject({ status: 400 });
    f.flaky.delete(`/v2/${f.repos[2]}/tags/list`);
    await expect(repositoryTags(client(), 'team/none', { retryDelayMs: 1 })).rejects.toMatchObject({ status: 404 });
  });

  it('resolves digests per tag through a limiter', async () => {
    const r = await repositoryTags(client(), 'team/app', { limiter: new Limiter(2), digests: true });
    expect(r).toEqual({ name: 'team/app', tags: ['latest', 'v1'], digests: { latest: img.digest, v1: img.digest } });
  });

  it('lists 120 repositories with a bounded pool, one token and reused connections', async () => {
    await closeAllDispatchers();
    const before = { ...f.stats };
    f.delayMs = 2;
    const c = client();
    await c.ping();
    const limiter = new Limiter(8);
    const names: string[] = [];
    const repos = f.repos.slice(0, 120);
    let tags = 0;
    for await (const r of orderedMap(repos, (n) => repositoryTags(c, n, { limiter }), 32)) {
      names.push(r.name);
      tags += r.tags.length;
    }
    f.delayMs = 0;
    expect(names).toEqual(repos);
    expect(tags).toBe(120 * 7);
    expect(f.stats.tokenFetches - before.tokenFetches).toBe(1);
    expect(f.stats.maxInFlight).toBeLessThanOrEqual(8);
    // keep-alive: a handful of connections for 360 requests (undici may open one more while the last one is released)
    expect(f.stats.connections - before.connections).toBeLessThanOrEqual(16);
    // 120 repos × 3 tag pages + the ping, its challenge and the token
    expect(f.stats.requests - before.requests).toBe(120 * 3 + 3);
  });
});

describe('manifests', () => {
  it('fetches an image manifest and computes its digest from the bytes', async () => {
    const m = await fetchManifest(client(), 'team/app', 'v1');
    expect(m).toMatchObject({ digest: img.digest, mediaType: MEDIA.dockerManifest, kind: 'image', size: img.manifest.length });
    expect(m.raw.equals(img.manifest)).toBe(true);
    expect((await fetchManifest(client(), 'team/app', img.digest)).digest).toBe(img.digest);
    expect(await headManifest(client(), 'team/app', 'v1')).toEqual({ digest: img.digest, mediaType: MEDIA.dockerManifest, size: img.manifest.length });
  });

  it('refuses a manifest whose bytes do not match the digest the registry gives', async () => {
    f.tamper.add('team/app@latest');
    await expect(fetchManifest(client(), 'team/app', 'latest')).rejects.toThrow(/digest mismatch for team\/app@latest/);
    f.tamper.delete('team/app@latest');
  });

  it('404 is a RegistryHttpError with the distribution message', async () => {
    await expect(fetchManifest(client(), 'team/app', 'nope')).rejects.toMatchObject({ name: 'RegistryHttpError', status: 404, message: 'manifest unknown' });
    await expect(headManifest(client(), 'team/app', 'nope')).rejects.toMatchObject({ status: 404 });
  });

  it('inspects an image: config, layers, labels, size', async () => {
    const r = await inspectImage(client(), 'team/app', 'v1');
    expect(r.kind).toBe('image');
    expect(r.manifests).toBeUndefined();
    expect(r.image).toMatchObject({
      digest: img.digest,
      os: 'linux',
      architecture: 'amd64',
      created: '2026-01-02T03:04:05Z',
      labels: { 'io.k8s.display-name': 'app' },
      cmd: ['/bin/sh'],
      exposedPorts: ['8080/tcp'],
      config: { digest: sha(img.config), size: img.config.length },
      size: img.config.length + img.layers.reduce((a, l) => a + l.length, 0),
    });
    expect(r.image!.layers.map((l) => l.digest)).toEqual(img.layers.map((l) => sha(l)));
  });

  it('inspects an index: lists platforms and resolves one', async () => {
    const r = await inspectImage(client(), 'team/multi', 'latest');
    expect(r.kind).toBe('index');
    expect(r.mediaType).toBe(MEDIA.ociIndex);
    expect(r.manifests!.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(r.platform).toBe('linux/amd64');
    expect(r.image!.digest).toBe(img.digest);
    const a = await inspectImage(client(), 'team/multi', 'latest', { platform: parsePlatform('linux/arm64')! });
    expect(a.platform).toBe('linux/arm64/v8');
    expect(a.image).toMatchObject({ digest: arm.digest, architecture: 'arm64' });
    const none = await inspectImage(client(), 'team/multi', 'latest', { platform: parsePlatform('linux/s390x')! });
    expect(none.image).toBeUndefined();
    const listed = await inspectImage(client(), 'team/multi', 'latest', { platform: false });
    expect(listed.image).toBeUndefined();
  });
});

describe('pure helpers', () => {
  it('classifies manifests by content type, field and shape', () => {
    expect(classifyManifest({ schemaVersion: 2, manifests: [] }, 'application/vnd.docker.distribution.manifest.list.v2+json')).toEqual({ mediaType: MEDIA.dockerList, kind: 'index' });
    expect(classifyManifest({ schemaVersion: 2, manifests: [] })).toEqual({ mediaType: MEDIA.ociIndex, kind: 'index' });
    expect(classifyManifest({ schemaVersion: 2, config: {}, layers: [] }, 'application/json')).toEqual({ mediaType: MEDIA.ociManifest, kind: 'image' });
    expect(classifyManifest({ schemaVersion: 2, config: {} }, `${MEDIA.ociManifest}; charset=utf-8`)).toEqual({ mediaType: MEDIA.ociManifest, kind: 'image' });
    expect(classifyManifest({ schemaVersion: 1, fsLayers: [], signatures: [] })).toEqual({ mediaType: MEDIA.dockerV1Signed, kind: 'schema1' });
  });

  it('reads schema1 manifests (layers in pull order, v1Compatibility config)', () => {
    const json = { schemaVersion: 1, fsLayers: [{ blobSum: 'sha256:top' }, { blobSum: 'sha256:base' }], history: [{ v1Compatibility: JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2020-01-01T00:00:00Z' }) }] };
    const d = imageDetails({ digest: 'sha256:x', mediaType: MEDIA.dockerV1, kind: 'schema1', size: 10, raw: Buffer.alloc(0), json }, undefined);
    expect(d.layers.map((l) => l.digest)).toEqual(['sha256:base', 'sha256:top']);
    expect(d).toMatchObject({ architecture: 'amd64', created: '2020-01-01T00:00:00Z' });
  });

  it('parses and selects platforms', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux')).toBeUndefined();
    expect(parsePlatform('a/b/c/d')).toBeUndefined();
    const ms = [
      { digest: '1', mediaType: '', size: 0, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { digest: '2', mediaType: '', size: 0, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: '3', mediaType: '', size: 0, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ];
    expect(selectPlatform(ms, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe('2');
    expect(selectPlatform(ms, { os: 'linux', architecture: 'arm' })?.digest).toBe('1');
    expect(selectPlatform(ms, { os: 'linux', architecture: 'arm64' })?.digest).toBe('3');
    expect(selectPlatform(ms, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });

  it('prints sizes like podman', () => {
    expect(humanSize(999)).toBe('999 B');
    expect(humanSize(1234)).toBe('1.23 kB');
    expect(humanSize(45_600_000)).toBe('45.6 MB');
    expect(humanSize(123_456_789_012)).toBe('123 GB');
  });
});

describe('Limiter and orderedMap', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs at most `limit` functions at once', async () => {
    const l = new Limiter(3);
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        l.run(async () => {
          active++;
          max = Math.max(max, active);
          await sleep(i % 3);
          active--;
        }),
      ),
    );
    expect(max).toBe(3);
    await expect(l.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await l.run(async () => 42)).toBe(42);
  });

  it('yields in source order with a bounded window', async () => {
    let started = 0;
    let yielded = 0;
    let maxAhead = 0;
    const out: number[] = [];
    async function* source() {
      for (let i = 0; i < 50; i++) yield i;
    }
    for await (const v of orderedMap(source(), async (i) => {
      started++;
      maxAhead = Math.max(maxAhead, started - yielded);
      await sleep((50 - i) % 4);
      return i * 2;
    }, 5)) {
      yielded++;
      out.push(v);
    }
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    // the window in flight, plus the finished head being handed over
    expect(maxAhead).toBeLessThanOrEqual(6);
  });

  it('stops pulling from the source when the consumer breaks, and propagates errors', async () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    }
    for await (const v of orderedMap(source(), async (i) => i, 4)) if (v === 10) break;
    expect(pulled).toBeLessThan(20);
    const run = async () => {
      for await (const _ of orderedMap([1, 2, 3], async (i) => (i === 2 ? Promise.reject(new Error('two')) : i), 2)) void _;
    };
    await expect(run()).rejects.toThrow('two');
  });
});
