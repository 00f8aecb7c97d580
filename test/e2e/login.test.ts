// regctl login end to end: after `regctl expose --default-route --trust`, skopeo pushes and inspects using only
// the auth file and certs dir regctl wrote — as kube:admin, with a service-account token, and after a
// username/password (OAuth) login — plus every failure the issue names.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { USERS } from '../sandbox/profiles.ts';
import { loginEnv, mode, readAuth, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';

let sb: Sandbox;
let t: LoginEnv;
let host: string;
let hostCerts: string;
const PROJECT = 'devproj';

function grant(name: string, role: string, subject: Record<string, string>) {
  sb.store.create('rbac.authorization.k8s.io/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: PROJECT },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject],
  });
}

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'login');
  sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROJECT } });
  sb.store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pipeline', namespace: PROJECT } });
  grant('developer-push', 'system:image-builder', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'developer' });
  grant('pipeline-push', 'system:image-builder', { kind: 'ServiceAccount', name: 'pipeline', namespace: PROJECT });
  const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir]);
  if (r.code !== 0) throw new Error(`expose failed: ${r.all}`);
  host = r.stdout.trim();
  hostCerts = path.join(t.certsDir, host);
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

async function pushAndInspect(authfile: string, repo: string) {
  const push = await t.skopeo(['copy', '--authfile', authfile, '--dest-cert-dir', hostCerts, `dir:${t.imageDir}`, `docker://${host}/${repo}:v1`]);
  expect(push.stderr + push.stdout).not.toMatch(/tls-verify|x509/);
  expect(push.ok, push.stderr).toBe(true);
  const inspect = await t.skopeo(['inspect', '--authfile', authfile, '--cert-dir', hostCerts, `docker://${host}/${repo}:v1`]);
  expect(inspect.ok, inspect.stderr).toBe(true);
  expect(JSON.parse(inspect.stdout).Name).toBe(`${host}/${repo}`);
}

describe('login, then skopeo with only the auth file and certs dir', () => {
  it('as kube:admin with the kubeconfig token', async () => {
    const authfile = path.join(t.tmp, 'admin', 'auth.json');
    const r = await t.cli(['login', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Login Succeeded! Saved credentials for ${host} into ${authfile}\n`);
    expect(readAuth(authfile, host)).toEqual({ username: 'kubeadmin', password: sb.tokens.admin });
    expect(fs.readFileSync(authfile, 'utf8')).toMatch(/^\{\n\t"auths": \{\n\t\t"/);
    expect(mode(authfile)).toBe(0o600);
    expect(mode(path.dirname(authfile))).toBe(0o700);
    expect(r.all).not.toContain(sb.tokens.admin!);
    await pushAndInspect(authfile, 'default/admin-app');
  });

  it('with a short-lived service-account token (--service-account, TokenRequest)', async () => {
    const authfile = path.join(t.tmp, 'sa.json');
    const r = await t.cli(['login', '--service-account', 'pipeline', '-n', PROJECT, '--duration', '30m', '--authfile', authfile, '--certs-dir', t.certsDir, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ registry: host, username: `systemserviceaccount${PROJECT}pipeline`, credentials: 'service-account', authfile, verified: true, trust: 'certs.d' });
    const left = new Date(out.expiresAt).getTime() - Date.now();
    expect(left).toBeGreaterThan(25 * 60_000);
    expect(left).toBeLessThanOrEqual(30 * 60_000 + 5_000);
    const cred = readAuth(authfile, host)!;
    expect(sb.auth.lookup(cred.password)?.username).toBe(`system:serviceaccount:${PROJECT}:pipeline`);
    expect(r.all).not.toContain(cred.password);
    await pushAndInspect(authfile, `${PROJECT}/ci-app`);
  });

  it('--duration without --service-account is a usage error (exit 2, hint names -z), nothing written; -z alone still gets 1h', async () => {
    const authfile = path.join(t.tmp, 'duration-only.json');
    const r = await t.cli(['login', '--duration', '1h', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(2);
    expectOneError(r, /^error: --duration only applies with --service-account/, /-z SA/);
    expect(fs.existsSync(authfile)).toBe(false);
    const sa = path.join(t.tmp, 'sa-default.json');
    const d = await t.cli(['login', '-z', 'pipeline', '-n', PROJECT, '--authfile', sa, '--certs-dir', t.certsDir, '-o', 'json']);
    expect(d.code, d.all).toBe(0);
    const left = new Date(JSON.parse(d.stdout).expiresAt).getTime() - Date.now();
    expect(left).toBeGreaterThan(55 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000 + 5_000);
  });

  it('after a username/password login (OAuth challenging client, --password-stdin)', async () => {
    const authfile = path.join(t.tmp, 'developer.json');
    const r = await t.cli(['login', '--username', 'developer', '--password-stdin', '--authfile', authfile, '--certs-dir', t.certsDir], { input: `${USERS.developer}\n` });
    expect(r.code, r.all).toBe(0);
    const cred = readAuth(authfile, host)!;
    expect(cred.username).toBe('developer');
    expect(cred.password).toMatch(/^sha256~/);
    expect(sb.auth.lookup(cred.password)?.username).toBe('developer');
    expect(r.all).not.toContain(cred.password);
    expect(r.all).not.toContain(USERS.developer + '\n');
    await pushAndInspect(authfile, `${PROJECT}/dev-app`);
  });

  it('host discovery prefers image.config spec.externalRegistryHostnames[0]', async () => {
    const img = sb.store.get('config.openshift.io/images', undefined, 'cluster')!;
    const prev = structuredClone(img.spec ?? {});
    sb.store.update('config.openshift.io/images', { ...img, metadata: { ...img.metadata, resourceVersion: undefined }, spec: { ...(img.spec as object), externalRegistryHostnames: ['registry.example.org', 'other.example.org'] } });
    try {
      const r = await t.cli(['login', '--dry-run', '--skip-check', '-o', 'json', '--authfile', path.join(t.tmp, 'dry.json')]);
      expect(r.code, r.all).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ registry: 'registry.example.org', hostSource: 'image.config spec', dryRun: true });
      expect(fs.existsSync(path.join(t.tmp, 'dry.json'))).toBe(false);
    } finally {
      const cur = sb.store.get('config.openshift.io/images', undefined, 'cluster')!;
      sb.store.update('config.openshift.io/images', { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, spec: prev });
    }
  });
});

describe('failures: one-line error, hint, exit code, files untouched', () => {

  it('a client-certificate kubeconfig (system:admin) names the alternatives', async () => {
    const authfile = path.join(t.tmp, 'certuser.json');
    const r = await t.cli(['login', '--context', 'system-admin', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(4);
    expectOneError(r, /client certificate/, /--service-account SA.*--username U --password-stdin.*--token/);
    expect(fs.existsSync(authfile)).toBe(false);
  });

  it('an expired or revoked token: "token rejected: expired or revoked" (exit 4), file untouched', async () => {
    const authfile = path.join(t.tmp, 'revoked.json');
    fs.writeFileSync(authfile, '{"auths":{}}', { mode: 0o600 });
    const tok = sb.issueToken('bob');
    sb.auth.revoke(tok);
    const r = await t.cli(['--token', tok, 'login', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(4);
    expectOneError(r, /^error: token rejected: expired or revoked/, /--token/);
    expect(fs.readFileSync(authfile, 'utf8')).toBe('{"auths":{}}');
    expect(r.stdout + r.stderr).not.toContain(tok);
  });

  it('a certificate the client cannot verify: x509 error with hint `regctl expose --trust`', async () => {
    const wrongCA = path.join(t.tmp, 'wrong-ca.crt');
    fs.writeFileSync(wrongCA, sb.caPems.api);
    const authfile = path.join(t.tmp, 'x509.json');
    const r = await t.cli(['login', '--ca-file', wrongCA, '--authfile', authfile]);
    expect(r.code).toBe(1);
    expectOneError(r, /^error: cannot verify the certificate of .* \(x509: [A-Z_]+\)$/, /regctl expose --trust/);
    expect(fs.existsSync(authfile)).toBe(false);
    expect(r.all).not.toContain(sb.tokens.admin!);
    // A developer who may not read the ingress CA and has no certs.d entry: the same error, the same fix. (With the
    // reader role, so that regctl can confirm --registry HOST as this cluster's registry: the token rule.)
    const reader = await t.cli(['grant', 'reader', 'developer']);
    expect(reader.code, reader.all).toBe(0);
    const dev = await t.cli(['login', '--context', 'developer', '--registry', host, '--certs-dir', path.join(t.tmp, 'empty-certs.d'), '--authfile', authfile]);
    expect(dev.code).toBe(1);
    expectOneError(dev, /^error: cannot verify the certificate of .* \(x509: [A-Z_]+\)$/, /regctl expose --trust/);
    expect(fs.existsSync(authfile)).toBe(false);
    expect(dev.all).not.toContain(sb.tokens.developer!);
  });

  it('a wrong password (exit 4) and a missing service account (exit 5)', async () => {
    const authfile = path.join(t.tmp, 'bad.json');
    let r = await t.cli(['login', '-u', 'developer', '--password-stdin', '--authfile', authfile, '--certs-dir', t.certsDir], { input: 'not-the-password' });
    expect(r.code).toBe(4);
    expectOneError(r, /rejected the user name or password/, /--password-stdin/);
    expect(r.all).not.toContain('not-the-password');
    r = await t.cli(['login', '-z', 'nope', '-n', PROJECT, '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(5);
    expectOneError(r, /service account nope not found in namespace devproj/, /kubectl create serviceaccount nope -n devproj/);
    expect(fs.existsSync(authfile)).toBe(false);
  });
});
