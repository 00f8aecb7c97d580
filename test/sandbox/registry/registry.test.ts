import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startRegistry, type RegistryHandle } from './index.ts';
import { buildImage, sha256, type TestImage } from './testing/image.ts';
import { seedStream, startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';

let api: FakeApiServer;
let reg: RegistryHandle;
let dataDir: string;
const logs: string[] = [];
const img = buildImage();

const basic = (tok: string, user = 'whoever') => 'Basic ' + Buffer.from(`${user}:${tok}`).toString('base64');
const bearer = (tok: string) => `Bearer ${tok}`;

async function call(method: string, p: string, o: { auth?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.auth) headers.authorization = o.auth;
  const res = await request(new URL(p, reg.backendUrl), { method: method as any, headers, body: o.body });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, buf, text: buf.toString('utf8'), json: () => JSON.parse(buf.toString('utf8')) };
}

async function push(repo: string, tagOrDigest: string, image: TestImage, auth: string) {
  for (const b of [image.config, ...image.layers]) {
    const start = await call('POST', `/v2/${repo}/blobs/uploads/`, { auth });
    expect(start.status).toBe(202);
    const loc = new URL(String(start.headers.location), reg.backendUrl);
    loc.searchParams.set('digest', b.digest);
    const put = await call('PUT', loc.pathname + loc.search, { auth, body: b.data, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(201);
  }
  return call('PUT', `/v2/${repo}/manifests/${tagOrDigest}`, { auth, body: image.manifest, headers: { 'content-type': image.manifestMediaType } });
}

beforeAll(async () => {
  api = await startFakeApiServer({
    namespaces: ['team', 'public', 'other'],
    users: {
      'tok-admin': { username: 'kube:admin', rules: [{ verb: '*', resource: '*' }] },
      'tok-registry': {
        username: 'system:serviceaccount:openshift-image-registry:registry',
        rules: [
          { verb: '*', resource: 'imagestreams' },
          { verb: '*', resource: 'imagestreams/status' },
          { verb: 'create', resource: 'subjectaccessreviews' },
          { verb: 'create', resource: 'imagestreammappings' },
          { verb: 'create', resource: 'images' },
        ],
      },
      // dev holds system:image-builder's registry rules in team (push, and create imagestreams for new names).
      'tok-pusher': { username: 'dev', rules: [{ verb: 'get', resource: 'imagestreams/layers', namespace: 'team' }, { verb: 'update', resource: 'imagestreams/layers', namespace: 'team' }, { verb: 'create', resource: 'imagestreams', namespace: 'team' }] },
      // system:image-pusher only: get/update imagestreams/layers, no create imagestreams.
      'tok-pusher-only': { username: 'pusher', rules: [{ verb: 'get', resource: 'imagestreams/layers', namespace: 'team' }, { verb: 'update', resource: 'imagestreams/layers', namespace: 'team' }] },
      'tok-puller': { username: 'viewer', rules: [{ verb: 'get', resource: 'imagestreams/layers', namespace: 'team' }] },
      'tok-nobody': { username: 'nobody', rules: [] },
      'tok-nossar': { username: 'restricted', rules: [], noSsar: true },
      'tok-metrics': { username: 'prometheus', rules: [{ verb: 'get', resource: 'registry/metrics' }] },
    },
    anonymousRules: [{ verb: 'get', resource: 'imagestreams/layers', namespace: 'public' }],
  });
  dataDir = await mkdtemp(path.join(tmpdir(), 'regctl-registry-test-'));
  reg = await startRegistry({ apiServerUrl: api.url, apiCaPem: api.caPem, dataDir, registryToken: 'tok-registry', log: (l) => logs.push(l), authCacheMs: 0 });
});

afterAll(async () => {
  await reg?.close();
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('registry front: authentication', () => {
  it('serves /healthz without auth', async () => {
    const r = await call('GET', '/healthz');
    expect(r.status).toBe(200);
  });

  it('challenges with a Bearer realm on the request host', async () => {
    const r = await call('GET', '/v2/');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(`Bearer realm="https://${new URL(reg.backendUrl).host}/openshift/token"`);
    expect(r.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(r.headers['x-registry-supports-signatures']).toBe('1');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
    const fwd = await call('GET', '/v2/', { headers: { 'x-forwarded-host': 'default-route-openshift-image-registry.apps.x.test', 'x-forwarded-proto': 'https' } });
    expect(fwd.headers['www-authenticate']).toBe('Bearer realm="https://default-route-openshift-image-registry.apps.x.test/openshift/token"');
  });

  it('rejects empty Basic passwords and bad tokens with Basic challenges', async () => {
    const empty = await call('GET', '/v2/', { auth: basic('') });
    expect(empty.status).toBe(401);
    expect(empty.headers['www-authenticate']).toBe('Basic realm=openshift,error="failed to decode credentials"');
    const bad = await call('GET', '/v2/', { auth: basic('wrong') });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
    const badBearer = await call('GET', '/v2/', { auth: bearer('wrong') });
    expect(badBearer.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
  });

  it('accepts Basic with any username and Bearer tokens on /v2/', async () => {
    for (const auth of [basic('tok-nobody', 'anything'), bearer('tok-nobody'), bearer('anonymous')]) {
      const r = await call('GET', '/v2/', { auth });
      expect(r.status).toBe(200);
      expect(r.text).toBe('{}');
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  it('implements /openshift/token', async () => {
    expect((await call('GET', '/openshift/token')).json()).toEqual({ token: 'anonymous', access_token: 'anonymous' });
    const ok = await call('GET', '/openshift/token?scope=repository:team/app:pull&service=x', { auth: basic('tok-puller', 'user') });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ token: 'tok-puller', access_token: 'tok-puller' });
    expect((await call('GET', '/openshift/token', { auth: basic('nope') })).status).toBe(401);
    const notBasic = await call('GET', '/openshift/token', { auth: bearer('tok-puller') });
    expect(notBasic.status).toBe(401);
    expect(notBasic.text).toBe('');
    const badScope = await call('GET', '/openshift/token?scope=repository:app:pull');
    expect(badScope.status).toBe(401);
    expect(badScope.json().details).toContain('it must be of the format <project>/<name>');
  });
});

describe('registry front: push, pull, image streams', () => {
  it('pushes with plain HTTP calls and records the tag in the image stream', async () => {
    const r = await push('team/app', 'v1', img, basic('tok-pusher'));
    expect(r.status).toBe(201);
    expect(r.headers['docker-content-digest']).toBe(img.manifestDigest);
    const s = api.streams.get('team/app');
    expect(s.status.dockerImageRepository).toBe('image-registry.openshift-image-registry.svc:5000/team/app');
    expect(s.status.tags).toHaveLength(1);
    expect(s.status.tags[0].tag).toBe('v1');
    expect(s.status.tags[0].items[0]).toMatchObject({
      dockerImageReference: `image-registry.openshift-image-registry.svc:5000/team/app@${img.manifestDigest}`,
      image: img.manifestDigest,
      generation: 1,
    });
    expect(s.status.tags[0].items[0].created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('pulls by tag and by digest, blobs and tags', async () => {
    const auth = bearer('tok-puller');
    const m = await call('GET', '/v2/team/app/manifests/v1', { auth, headers: { accept: img.manifestMediaType } });
    expect(m.status).toBe(200);
    expect(m.headers['docker-content-digest']).toBe(img.manifestDigest);
    expect(sha256(m.buf)).toBe(img.manifestDigest);
    const head = await call('HEAD', `/v2/team/app/manifests/${img.manifestDigest}`, { auth, headers: { accept: img.manifestMediaType } });
    expect(head.status).toBe(200);
    const blob = await call('GET', `/v2/team/app/blobs/${img.layers[0]!.digest}`, { auth });
    expect(blob.status).toBe(200);
    expect(sha256(blob.buf)).toBe(img.layers[0]!.digest);
    expect((await call('GET', '/v2/team/app/tags/list', { auth })).json()).toEqual({ name: 'team/app', tags: ['v1'] });
    const missing = await call('GET', '/v2/team/app/manifests/nope', { auth });
    expect(missing.status).toBe(404);
    expect(missing.json().errors[0].code).toBe('MANIFEST_UNKNOWN');
  });

  it('serves the signature extension skopeo uses (X-Registry-Supports-Signatures)', async () => {
    const p = `/extensions/v2/team/app/signatures/${img.manifestDigest}`;
    expect((await call('GET', p, { auth: bearer('tok-puller') })).json()).toEqual({ signatures: [] });
    expect((await call('GET', p, { auth: bearer('tok-nobody') })).status).toBe(401);
    const sig = { schemaVersion: 2, type: 'atomic', name: `${img.manifestDigest}@0123456789abcdef0123456789abcdef`, content: Buffer.from('sig').toString('base64') };
    expect((await call('PUT', p, { auth: bearer('tok-pusher'), body: JSON.stringify(sig) })).status).toBe(401);
    expect((await call('PUT', p, { auth: bearer('tok-admin'), body: JSON.stringify(sig) })).status).toBe(201);
    expect((await call('GET', p, { auth: bearer('tok-puller') })).json()).toEqual({ signatures: [sig] });
  });

  it('denies push without update and pull without get', async () => {
    const start = await call('POST', '/v2/team/app/blobs/uploads/', { auth: bearer('tok-puller') });
    expect(start.status).toBe(401);
    expect(start.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
    expect(start.json().errors[0].detail).toEqual([
      { Type: 'repository', Class: '', Name: 'team/app', Action: 'pull' },
      { Type: 'repository', Class: '', Name: 'team/app', Action: 'push' },
    ]);
    const pull = await call('GET', '/v2/team/app/manifests/v1', { auth: bearer('tok-nobody') });
    expect(pull.status).toBe(401);
    expect(pull.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
    const noCreds = await call('GET', '/v2/team/app/manifests/v1');
    expect(noCreds.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });

  it('allows anonymous pulls where system:anonymous may pull, also as fallback when SSARs are forbidden', async () => {
    expect((await push('public/base', 'latest', img, bearer('tok-admin'))).status).toBe(201);
    const anon = await call('GET', '/v2/public/base/manifests/latest', { auth: bearer('anonymous'), headers: { accept: img.manifestMediaType } });
    expect(anon.status).toBe(200);
    expect((await call('GET', '/v2/team/app/manifests/v1', { auth: bearer('anonymous') })).status).toBe(401);
    expect((await call('GET', '/v2/public/base/manifests/latest', { auth: bearer('tok-nossar'), headers: { accept: img.manifestMediaType } })).status).toBe(200);
  });

  it('requires <project>/<name> repository names', async () => {
    for (const p of ['/v2/app/manifests/latest', '/v2/a/b/c/manifests/latest']) {
      const r = await call('GET', p, { auth: bearer('tok-admin') });
      expect(r.status).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ code: 'NAME_INVALID' });
      expect(r.json().errors[0].detail).toContain('it must be of the format <project>/<name>');
    }
  });

  it('refuses a tag push into a project that does not exist: 403 DENIED (image-registry maps the namespace NotFound to Forbidden)', async () => {
    const r = await push('missing/app', 'v1', img, bearer('tok-admin'));
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    expect(api.streams.has('missing/app')).toBe(false);
  });

  it('a push to a new stream creates it with the pusher\'s token; without create imagestreams → 403 DENIED', async () => {
    const image = buildImage('pusher only\n');
    const denied = await push('team/brand-new', 'v1', image, bearer('tok-pusher-only'));
    expect(denied.status).toBe(403);
    expect(denied.json()).toEqual({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    expect(api.streams.has('team/brand-new')).toBe(false);
    expect(logs.some((l) => l.includes('manifestService.Put: imagestreammapping got access denied for image team/brand-new@') && l.includes('denied creating ImageStream team/brand-new'))).toBe(true);
    // With create imagestreams: mapping (NotFound), the stream created with the user's token, mapping again.
    const before = api.requests.length;
    expect((await push('team/brand-new', 'v1', image, bearer('tok-pusher'))).status).toBe(201);
    expect(api.requests.slice(before).filter((r) => r.includes('/namespaces/team/'))).toEqual([
      'POST /apis/image.openshift.io/v1/namespaces/team/imagestreammappings',
      'POST /apis/image.openshift.io/v1/namespaces/team/imagestreams',
      'POST /apis/image.openshift.io/v1/namespaces/team/imagestreammappings',
    ]);
    expect(api.streams.get('team/brand-new').status.tags[0].tag).toBe('v1');
    // An existing stream needs no create: the pusher-only user may push to it.
    expect((await push('team/brand-new', 'v2', image, bearer('tok-pusher-only'))).status).toBe(201);
    api.streams.delete('team/brand-new');
  });

  it('refuses deleting a manifest referenced by an image stream tag (405 UNSUPPORTED), deletes an untagged one; by tag: 202, nothing deleted', async () => {
    const tagged = await call('DELETE', `/v2/team/app/manifests/${img.manifestDigest}`, { auth: bearer('tok-admin') });
    expect(tagged.status).toBe(405);
    expect(tagged.json()).toEqual({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] });
    const byTag = await call('DELETE', '/v2/team/app/manifests/v1', { auth: bearer('tok-admin') });
    expect(byTag.status).toBe(202);
    expect((await call('GET', '/v2/team/app/manifests/v1', { auth: bearer('tok-admin') })).status).toBe(200);
    const other = buildImage('untagged\n');
    expect((await push('team/scratch', other.manifestDigest, other, bearer('tok-pusher'))).status).toBe(201);
    expect(api.streams.has('team/scratch')).toBe(false);
    const denied = await call('DELETE', `/v2/team/scratch/manifests/${other.manifestDigest}`, { auth: bearer('tok-pusher') });
    expect(denied.status).toBe(401);
    expect(denied.json().errors[0].detail).toEqual([{ Type: 'repository', Class: '', Name: 'team/scratch', Action: '*' }]);
    const ok = await call('DELETE', `/v2/team/scratch/manifests/${other.manifestDigest}`, { auth: bearer('tok-admin') });
    expect(ok.status).toBe(202);
  });
});

describe('registry front: catalog', () => {
  it('lists image streams with distribution paging', async () => {
    for (const n of ['a1', 'a2', 'a3']) seedStream(api, 'other', n);
    const all = ['other/a1', 'other/a2', 'other/a3', 'public/base', 'team/app'];
    const auth = bearer('tok-admin');
    const full = await call('GET', '/v2/_catalog', { auth });
    expect(full.json()).toEqual({ repositories: all });
    expect(full.headers.link).toBeUndefined();
    const p1 = await call('GET', '/v2/_catalog?n=2', { auth });
    expect(p1.json()).toEqual({ repositories: all.slice(0, 2) });
    expect(p1.headers.link).toBe('</v2/_catalog?last=other%2Fa2&n=2>; rel="next"');
    const p2 = await call('GET', '/v2/_catalog?last=other%2Fa2&n=2', { auth });
    expect(p2.json()).toEqual({ repositories: all.slice(2, 4) });
    const p3 = await call('GET', '/v2/_catalog?last=public%2Fbase&n=2', { auth });
    expect(p3.json()).toEqual({ repositories: ['team/app'] });
    expect(p3.headers.link).toBeUndefined();
    expect((await call('GET', '/v2/_catalog?n=0', { auth })).json()).toEqual({ repositories: [] });
    for (const n of ['abc', '-1', '1001']) {
      const bad = await call('GET', `/v2/_catalog?n=${n}`, { auth });
      expect(bad.status).toBe(400);
      expect(bad.json().errors[0].code).toBe('PAGINATION_NUMBER_INVALID');
    }
  });

  it('needs cluster-wide list imagestreams', async () => {
    const r = await call('GET', '/v2/_catalog', { auth: bearer('tok-pusher') });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
    expect(r.json().errors[0].detail).toEqual([{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }]);
  });
});

describe('registry front: metrics and logs', () => {
  it('serves metrics to callers allowed registry/metrics', async () => {
    expect((await call('GET', '/extensions/v2/metrics')).headers['www-authenticate']).toMatch(/^Bearer realm=/);
    const denied = await call('GET', '/extensions/v2/metrics', { auth: basic('tok-pusher') });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm=openshift,error="access denied"');
    const r = await call('GET', '/extensions/v2/metrics', { auth: basic('tok-metrics', 'anyuser') });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const family of [
      'imageregistry_build_info',
      'imageregistry_http_in_flight_requests',
      'imageregistry_http_requests_total',
      'imageregistry_http_request_duration_seconds',
      'imageregistry_http_request_size_bytes',
      'imageregistry_http_response_size_bytes',
      'imageregistry_digest_cache_requests_total',
      'registry_storage_cache_total',
      'process_resident_memory_bytes',
      'go_goroutines',
    ])
      expect(r.text).toContain(`# TYPE ${family} `);
    const m = /^imageregistry_http_requests_total\{code="200",method="get"\} (\d+)$/m.exec(r.text);
    expect(Number(m?.[1])).toBeGreaterThan(3);
    expect(r.text).toMatch(/^imageregistry_http_request_duration_seconds\{method="get",quantile="0\.99"\} /m);
    expect(r.text).toMatch(/^imageregistry_http_request_duration_seconds_count\{method="put"\} \d+$/m);
    expect(r.text).toMatch(/^imageregistry_digest_cache_requests_total\{type="(Hit|Miss)"\} \d+$/m);
    expect(reg.metrics.requestsTotal.get({ code: '401', method: 'get' })).toBeGreaterThan(0);
  });

  it('logs one logrus line per request and never a token', async () => {
    const completed = logs.find((l) => l.includes('msg="response completed"') && l.includes('http.request.uri=/v2/ '));
    expect(completed).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z" level=info msg="response completed" go\.version="go1\.22\.9 \(Red Hat 1\.22\.9-2\.el9_5\) X:strictfipsruntime" http\.request\.host="127\.0\.0\.1:\d+" http\.request\.id=[0-9a-f-]{36} http\.request\.method=GET http\.request\.remoteaddr="127\.0\.0\.1:\d+" http\.request\.uri=\/v2\/ /);
    expect(completed).toMatch(/http\.response\.contenttype=application\/json http\.response\.duration=\S+ http\.response\.status=200 http\.response\.written=2 openshift\.auth\.user=\S+/);
    expect(logs.some((l) => /level=warning msg="error authorizing context: authorization header required"/.test(l))).toBe(true);
    expect(logs.some((l) => /level=warning msg="error authorizing context: access denied"/.test(l))).toBe(true);
    expect(logs.some((l) => /level=error msg="response completed with error" .*err\.code="name invalid"/.test(l))).toBe(true);
    expect(logs.some((l) => /openshift\.auth\.user=dev .*vars\.name=team\/app vars\.reference=v1/.test(l))).toBe(true);
    expect(logs.join('\n')).not.toMatch(/tok-/);
  });

  it('close() stops docker-registry', async () => {
    const pidUrl = reg.distributionUrl;
    await reg.close();
    await expect(request(pidUrl + '/v2/')).rejects.toThrow();
  });
});
