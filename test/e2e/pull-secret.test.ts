// `regctl pull-secret` on the sandbox (seed 003): dockerconfigjson Secrets from --password-stdin or an auth
// file, linking to service accounts like `oc secrets link`, idempotence, and no password in any output.
// skopeo, given the Secret's .dockerconfigjson as its auth file, proves the content is what clients expect.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { buildImage, writeDirImage } from '../sandbox/registry/testing/image.js';
import { runCli } from '../helpers/cli.js';

const NS = 'myapp';
const PASSWORD = 'pw-Very-Secret-42';
let sb: Sandbox;
let tmp: string;
const regctl = (args: string[], input?: string) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, input });
const secret = (name: string): any => sb.store.get('/secrets', NS, name);
const sa = (name: string): any => sb.store.get('/serviceaccounts', NS, name);
const dockerconfig = (name: string) => JSON.parse(Buffer.from(secret(name).data['.dockerconfigjson'], 'base64').toString());
const b64 = (s: string) => Buffer.from(s).toString('base64');
const noSecrets = (out: string, password: string) => {
  expect(out).not.toContain(password);
  expect(out).not.toContain(b64(password));
  expect(out).not.toContain(b64(`me:${password}`));
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-pull-secret-e2e-'));
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => !!s.get('/serviceaccounts', NS, 'default') && !!s.get('/serviceaccounts', NS, 'builder'));
});
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pull-secret create --password-stdin --link', () => {
  it('creates the dockerconfigjson Secret and links it: default for pull, builder for mount', async () => {
    const r = await regctl(['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '--link', 'default,builder', '-n', NS], `${PASSWORD}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('secret/quaycreds created\nserviceaccount/default linked\nserviceaccount/builder linked\n');
    expect(r.stderr).toBe(
      [
        'Created secret quaycreds in myapp (kubernetes.io/dockerconfigjson for quay.io)',
        'Linked quaycreds to serviceaccount default for pull (imagePullSecrets)',
        'Linked quaycreds to serviceaccount builder for mount (secrets)',
        '',
      ].join('\n'),
    );
    noSecrets(r.all, PASSWORD);
    expect(secret('quaycreds').type).toBe('kubernetes.io/dockerconfigjson');
    expect(dockerconfig('quaycreds')).toEqual({ auths: { 'quay.io': { username: 'me', password: PASSWORD, auth: b64(`me:${PASSWORD}`) } } });
    expect(sa('default').imagePullSecrets).toContainEqual({ name: 'quaycreds' });
    expect((sa('default').secrets ?? []).map((s: any) => s.name)).not.toContain('quaycreds');
    expect(sa('builder').secrets).toContainEqual({ name: 'quaycreds' });
    expect((sa('builder').imagePullSecrets ?? []).map((s: any) => s.name)).not.toContain('quaycreds');
  });

  it('is idempotent: the same credentials and links write nothing', async () => {
    const rv = [secret('quaycreds').metadata.resourceVersion, sa('default').metadata.resourceVersion, sa('builder').metadata.resourceVersion];
    const r = await regctl(['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '--link', 'default', '--link', 'builder', '-n', NS], PASSWORD);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('secret/quaycreds unchanged\nserviceaccount/default unchanged\nserviceaccount/builder unchanged\n');
    expect([secret('quaycreds').metadata.resourceVersion, sa('default').metadata.resourceVersion, sa('builder').metadata.resourceVersion]).toEqual(rv);
  });

  it('--dry-run -o yaml shows the Plan (the redacted patch) and changes nothing; a new password then rotates it', async () => {
    const dry = await regctl(['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '-n', NS, '--dry-run', '-o', 'yaml'], 'rotated-Secret-99');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('kind: Plan');
    expect(dry.stdout).toContain('summary: patch Secret myapp/quaycreds (new credentials for quay.io)');
    expect(dry.stdout).toContain('.dockerconfigjson: <redacted>');
    expect(dry.stderr).toMatch(/\(dry run\) would update secret quaycreds/);
    noSecrets(dry.all, 'rotated-Secret-99');
    expect(dockerconfig('quaycreds').auths['quay.io'].password).toBe(PASSWORD);

    const r = await regctl(['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '-n', NS], 'rotated-Secret-99');
    expect(r.stdout).toBe('secret/quaycreds configured\n');
    expect(dockerconfig('quaycreds').auths['quay.io'].password).toBe('rotated-Secret-99');
  });

  it('checks the service accounts before writing anything; refuses to overwrite a Secret of another type', async () => {
    const r = await regctl(['pull-secret', 'create', 'other', '--server', 'quay.io', '--username', 'me', '--password-stdin', '--link', 'nosuchsa', '-n', NS], PASSWORD);
    expect(r.code).toBe(5);
    expect(r.stderr.split('\n')[0]).toBe('error: serviceaccounts "nosuchsa" not found in myapp');
    expect(secret('other')).toBeUndefined();

    sb.store.create('/secrets', { metadata: { name: 'opaque', namespace: NS }, type: 'Opaque', data: { a: b64('b') } });
    const t = await regctl(['pull-secret', 'create', 'opaque', '--server', 'quay.io', '--username', 'me', '--password-stdin', '-n', NS], PASSWORD);
    expect(t.code).toBe(2);
    expect(t.stderr.split('\n')[0]).toBe('error: secret opaque already exists in myapp with type Opaque');
    noSecrets(t.all, PASSWORD);
  });

  it('forbidden: exit 4 with the Kubernetes message', async () => {
    const r = await runCli(['--context', 'developer', 'pull-secret', 'create', 'dev', '--server', 'quay.io', '--username', 'me', '--password-stdin', '-n', NS], {
      env: { KUBECONFIG: sb.kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' },
      input: PASSWORD,
    });
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: forbidden: secrets "dev" is forbidden: User "developer" cannot get resource "secrets"/);
    noSecrets(r.all, PASSWORD);
  });
});

describe('pull-secret create --from-authfile and link', () => {
  it('copies one registry\'s entry from a podman auth file; the Secret works as an auth file for skopeo', async () => {
    // The admin pushes an image to the exposed registry; the pull secret holds a token for it.
    sb.store.update('imageregistry.operator.openshift.io/configs', { ...(sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster') as any), spec: { ...(sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster') as any).spec, defaultRoute: true } });
    await sb.waitFor((s) => ((s.get('route.openshift.io/routes', 'openshift-image-registry', 'default-route')?.status as any)?.ingress ?? []).some((i: any) => (i.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True')), 15_000);
    const host = sb.defaultRouteHost;
    const token = sb.tokens.admin!;
    const authfile = path.join(tmp, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: b64(`user:${token}`) }, 'quay.io': { auth: b64('q:qpass') } } }), { mode: 0o600 });

    const r = await regctl(['pull-secret', 'create', 'regtoken', '--from-authfile', authfile, '--registry', host, '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('secret/regtoken created\n');
    expect(r.all).not.toContain(token);
    expect(Object.keys(dockerconfig('regtoken').auths)).toEqual([host]);
    expect(dockerconfig('regtoken').auths[host]).toEqual({ username: 'user', password: token, auth: b64(`user:${token}`) });

    const certs = path.join(tmp, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    await writeDirImage(path.join(tmp, 'src'), buildImage('pull secret test\n'));
    const fromSecret = path.join(tmp, 'from-secret.json');
    fs.writeFileSync(fromSecret, Buffer.from(secret('regtoken').data['.dockerconfigjson'], 'base64'), { mode: 0o600 });
    const skopeo = promisify(execFile);
    const skEnv = { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    const ref = `docker://${host}/${NS}/app:v1`;
    await skopeo('skopeo', ['copy', '--dest-authfile', fromSecret, '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, ref], { env: skEnv, timeout: 45_000 });
    const inspect = await skopeo('skopeo', ['inspect', '--authfile', fromSecret, '--cert-dir', certs, ref], { env: skEnv, timeout: 45_000 });
    expect(JSON.parse(inspect.stdout).Name).toBe(`${host}/${NS}/app`);
  });

  it('link: --for pull,mount, idempotent, missing secret is exit 5', async () => {
    const r = await regctl(['pull-secret', 'link', 'regtoken', 'default', '--for', 'pull,mount', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('serviceaccount/default linked\n');
    expect(sa('default').imagePullSecrets).toContainEqual({ name: 'regtoken' });
    expect(sa('default').secrets).toContainEqual({ name: 'regtoken' });
    const again = await regctl(['pull-secret', 'link', 'regtoken', 'default', '--for', 'pull,mount', '-n', NS]);
    expect(again.stdout).toBe('serviceaccount/default unchanged\n');
    expect(sa('default').imagePullSecrets.filter((s: any) => s.name === 'regtoken')).toHaveLength(1);
    const missing = await regctl(['pull-secret', 'link', 'nosuch', 'default', '-n', NS]);
    expect(missing.code).toBe(5);
    expect(missing.stderr.split('\n')[0]).toBe('error: secrets "nosuch" not found in myapp');
  });

  // `oc secrets link default regtoken --for pull` (seed 003) typed as is: the hint was to create a secret named
  // "default". Now a usage error with the command in regctl's order; nothing is written.
  it('link/unlink with oc\'s order (SA first, then the secret): exit 2 naming the command in regctl\'s order', async () => {
    const before = JSON.stringify(sa('default'));
    const r = await regctl(['pull-secret', 'link', 'default', 'regtoken', '--for', 'pull', '-n', NS]);
    expect(r.code, r.all).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: "default" is a service account and "regtoken" a secret in myapp: regctl pull-secret link takes the secret first, then the service accounts (oc secrets link takes them the other way round)\n' +
        'hint: `regctl pull-secret link regtoken default --for pull -n myapp`\n',
    );
    const u = await regctl(['pull-secret', 'unlink', 'default', 'regtoken', '-n', NS]);
    expect(u.code, u.all).toBe(2);
    expect(u.stderr.split('\n')[1]).toBe('hint: `regctl pull-secret unlink regtoken default -n myapp`');
    expect(JSON.stringify(sa('default'))).toBe(before);
    expect(secret('default')).toBeUndefined();
  });
});
