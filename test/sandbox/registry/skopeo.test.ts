// End to end: skopeo (containers/image, Go) → HTTPS_PROXY router → TLS → registry front → docker-registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCA } from '../pki.ts';
import { startRouter, type RouterHandle } from '../router/router.ts';
import { startRegistry, type RegistryHandle } from './index.ts';
import { buildImage, writeDirImage } from './testing/image.ts';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';

const run = promisify(execFile);
const HOST = 'default-route-openshift-image-registry.apps.sandbox.test';

let api: FakeApiServer;
let reg: RegistryHandle;
let router: RouterHandle;
let dir: string;
const logs: string[] = [];
const img = buildImage('pushed by skopeo\n');

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, HTTPS_PROXY: router.proxyUrl, HTTP_PROXY: router.proxyUrl, NO_PROXY: '', no_proxy: '' };
}

async function authfile(name: string, token: string): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, JSON.stringify({ auths: { [HOST]: { auth: Buffer.from(`user:${token}`).toString('base64') } } }));
  return f;
}

async function skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await run('skopeo', args, { env: env(), timeout: 45_000 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'regctl-skopeo-test-'));
  api = await startFakeApiServer({
    namespaces: ['team'],
    users: {
      'tok-registry': { username: 'system:serviceaccount:openshift-image-registry:registry', rules: [{ verb: '*', resource: 'imagestreams' }, { verb: '*', resource: 'imagestreams/status' }, { verb: 'create', resource: 'subjectaccessreviews' }, { verb: 'create', resource: 'imagestreammappings' }, { verb: 'create', resource: 'images' }] },
      'tok-dev': { username: 'dev', rules: [{ verb: '*', resource: 'imagestreams/layers', namespace: 'team' }, { verb: 'create', resource: 'imagestreams', namespace: 'team' }] },
      'tok-nobody': { username: 'nobody', rules: [] },
    },
  });
  reg = await startRegistry({ apiServerUrl: api.url, apiCaPem: api.caPem, dataDir: path.join(dir, 'data'), registryToken: 'tok-registry', log: (l) => logs.push(l) });
  const ca = await createCA('ingress-operator@sandbox');
  const wildcard = await ca.issue({ commonName: '*.apps.sandbox.test', dnsNames: ['*.apps.sandbox.test'] });
  router = await startRouter({
    resolve: (h, p) => (h === HOST && p === 443 ? { backend: reg.backendUrl, ...wildcard } : undefined),
    defaultCert: wildcard,
  });
  await mkdir(path.join(dir, 'certs'));
  await writeFile(path.join(dir, 'certs', 'ca.crt'), ca.certPem);
  await writeDirImage(path.join(dir, 'src'), img);
});

afterAll(async () => {
  await router?.close();
  await reg?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('skopeo through the router', () => {
  it('pushes, inspects, lists tags and pulls', async () => {
    const auth = await authfile('auth.json', 'tok-dev');
    const certs = path.join(dir, 'certs');
    const push = await skopeo(['copy', '--authfile', auth, '--dest-cert-dir', certs, `dir:${path.join(dir, 'src')}`, `docker://${HOST}/team/app:v1`]);
    expect(push.stderr).toBe('');
    expect(push.ok).toBe(true);
    expect(api.streams.get('team/app')?.status?.tags?.[0]?.items?.[0]?.image).toBe(img.manifestDigest);

    const inspect = await skopeo(['inspect', '--authfile', auth, '--cert-dir', certs, `docker://${HOST}/team/app:v1`]);
    expect(inspect.ok).toBe(true);
    expect(JSON.parse(inspect.stdout).Digest).toBe(img.manifestDigest);

    const tags = await skopeo(['list-tags', '--authfile', auth, '--cert-dir', certs, `docker://${HOST}/team/app`]);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);

    const pull = await skopeo(['copy', '--authfile', auth, '--src-cert-dir', certs, `docker://${HOST}/team/app:v1`, `dir:${path.join(dir, 'dst')}`]);
    expect(pull.stderr).toBe('');
    expect(pull.ok).toBe(true);
    const layer = img.layers[0]!.digest.slice('sha256:'.length);
    expect(await readFile(path.join(dir, 'dst', layer))).toEqual(img.layers[0]!.data);

    const forwarded = logs.find((l) => l.includes('msg="response completed"') && l.includes('vars.reference=v1'));
    expect(forwarded).toContain(`http.request.host=${HOST}`);
  });

  it('works for curl with HTTPS_PROXY too', async () => {
    const r = await run('curl', ['-sS', '-i', '--cacert', path.join(dir, 'certs', 'ca.crt'), `https://${HOST}/v2/`], { env: env(), timeout: 20_000 });
    expect(r.stdout).toMatch(/^HTTP\/1\.1 401/m);
    expect(r.stdout).toMatch(new RegExp(`^www-authenticate: Bearer realm="https://${HOST.replace(/\./g, '\\.')}/openshift/token"\\r?$`, 'im'));
  });

  it('fails with unauthorized for a user without access, and without a certificate trust', async () => {
    const auth = await authfile('nobody.json', 'tok-nobody');
    const certs = path.join(dir, 'certs');
    const denied = await skopeo(['inspect', '--authfile', auth, '--cert-dir', certs, `docker://${HOST}/team/app:v1`]);
    expect(denied.ok).toBe(false);
    expect(denied.stderr).toMatch(/unauthorized|authentication required/i);
    const untrusted = await skopeo(['inspect', '--authfile', auth, `docker://${HOST}/team/app:v1`]);
    expect(untrusted.ok).toBe(false);
    expect(untrusted.stderr).toMatch(/x509|certificate/i);
  });
});
