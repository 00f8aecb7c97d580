// A least-privilege CI account — service account ci/pipeline with only system:image-builder in its project, its
// own kubeconfig with its token — and `regctl login`: it may read neither image.config, the registry routes nor an
// image stream, so discovery fails with a hint naming `regctl grant reader`; `--registry HOST` cannot be confirmed as
// this cluster's registry, so login refuses it (exit 4) and the token goes there only when handed over explicitly
// (`regctl token | skopeo login`); after `regctl grant reader -z pipeline -n ci` (a ClusterRole created on demand,
// get by name on three cluster-scoped objects only) plain `regctl login --ca-file F` finds the host. `--ca-file F` also lands in
// <certs.d>/<host>/ca.crt, so skopeo pushes with only the auth file and that directory. Plus: the password prompt of
// `login -u USER` (OAuth) on a real terminal, and -q on the cluster path.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { USERS } from '../sandbox/profiles.ts';
import { loginEnv, readAuth, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';
import { emptySharedNamespace } from './support/shared-namespace.ts';
import { runTool } from './support/tool.ts';
import { runCliOnPty } from './support/pty.ts';

const NS = 'ci';
const SA = 'pipeline';
let sb: Sandbox;
let t: LoginEnv;
let host: string;
let caFile: string;
let saKubeconfig: string;
let saToken: string;
let n = 0;

const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** skopeo with the sandbox env and stdin (for --password-stdin). */
function skopeoWithInput(args: string[], input: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('skopeo', args, { env: { PATH: process.env.PATH, HOME: t.home, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => resolve({ code: 1, stderr: String(e) }));
    p.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    p.stdin.end(input);
  });
}

function caseDir() {
  const d = path.join(t.tmp, `case-${++n}`);
  fs.mkdirSync(d);
  return { authfile: path.join(d, 'auth.json'), certsDir: path.join(d, 'certs.d'), dir: d };
}

const asSA = (args: string[]) => t.cli(args, { env: { KUBECONFIG: saKubeconfig } });

async function pushWith(authfile: string, certsDir: string, repo: string) {
  const push = await t.skopeo(['copy', '--authfile', authfile, '--dest-cert-dir', path.join(certsDir, host), `dir:${t.imageDir}`, `docker://${host}/${NS}/${repo}:v1`]);
  expect(push.ok, push.stderr).toBe(true);
}

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'login-least-privilege');
  // Every authenticated user may list the image streams in `openshift` (shared-resource-viewers), whose status names
  // the registry hosts: this cluster has none there (an admin deleted them), so nothing the account may read names them
  // (test/e2e/shared-namespace-hosts.test.ts covers the usual cluster, where it does).
  emptySharedNamespace(sb);
  sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  sb.store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } });
  sb.store.create('rbac.authorization.k8s.io/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pipeline-builder', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-builder' },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
  });
  // What the admin hands over: the route's CA, as a file.
  caFile = path.join(t.tmp, 'registry-ca.crt');
  const r = await t.cli(['expose', '--default-route', '--ca-out', caFile]);
  if (r.code !== 0) throw new Error(`expose failed: ${r.all}`);
  host = r.stdout.trim();
  // The CI job's kubeconfig: the same cluster, the service account's token, its project.
  saToken = sb.issueToken(`system:serviceaccount:${NS}:${SA}`);
  const kc = yaml.load(fs.readFileSync(sb.kubeconfigPath, 'utf8')) as any;
  kc.users = [{ name: 'ci', user: { token: saToken } }];
  kc.contexts = [{ name: 'ci', context: { cluster: kc.clusters[0].name, user: 'ci', namespace: NS } }];
  kc['current-context'] = 'ci';
  saKubeconfig = path.join(t.tmp, 'ci-kubeconfig');
  fs.writeFileSync(saKubeconfig, yaml.dump(kc), { mode: 0o600 });
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('a service account with only system:image-builder in its project', () => {
  it('cannot discover the host: exit 4, the hint names `regctl grant reader`, nothing written', async () => {
    const c = caseDir();
    const r = await asSA(['login', '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /cannot find the registry host/, /^hint: ask a cluster admin for `regctl grant reader -z pipeline -n ci`: /);
    expect(fs.readdirSync(c.dir)).toEqual([]);
    expect(r.all).not.toContain(saToken);
  });

  it('--registry HOST cannot be confirmed: exit 4, nothing sent or written; the hint\'s hand-over (regctl token | skopeo login) works', async () => {
    const c = caseDir();
    const r = await asSA(['login', '--registry', host, '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(4);
    expectOneError(
      r,
      new RegExp(`^error: cannot confirm that ${esc(host)} is this cluster's registry \\(you may not read image\\.config, the registry routes or an image stream\\)`),
      new RegExp(`\`regctl grant reader -z ${SA} -n ${NS}\`.*\`regctl token \\| podman login -u unused --password-stdin ${esc(host)}\``),
    );
    expect(fs.readdirSync(c.dir)).toEqual([]);
    expect(r.all).not.toContain(saToken);

    // The hand-over the hint names, with skopeo in podman's place; regctl then uses what is stored for the host.
    const tok = await asSA(['token']);
    expect(tok.code, tok.stderr).toBe(0);
    fs.mkdirSync(path.join(c.certsDir, host), { recursive: true });
    fs.copyFileSync(caFile, path.join(c.certsDir, host, 'ca.crt'));
    const login = await skopeoWithInput(['login', '--authfile', c.authfile, '--cert-dir', path.join(c.certsDir, host), '-u', 'unused', '--password-stdin', host], tok.stdout.trim());
    expect(login.code, login.stderr).toBe(0);
    await pushWith(c.authfile, c.certsDir, 'handed-over');
    const tags = await asSA(['tags', `${NS}/handed-over`, '--registry', host, '--authfile', c.authfile, '--certs-dir', c.certsDir, '-o', 'json']);
    expect(tags.code, tags.all).toBe(0);
    expect(JSON.parse(tags.stdout)).toMatchObject({ kind: 'TagList', registry: host, tags: ['v1'] });
    expect(tags.all).not.toContain(saToken);
  });

  it('after `regctl grant reader -z pipeline -n ci`: plain login finds the host; nothing more than that is readable', async () => {
    const g = await t.cli(['grant', 'reader', '-z', SA, '-n', NS]);
    expect(g.code, g.all).toBe(0);
    expect(g.stderr).toContain('Created ClusterRole registry-reader');
    const role = sb.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'registry-reader') as any;
    expect(role.rules).toEqual([
      { apiGroups: ['config.openshift.io'], resources: ['images'], resourceNames: ['cluster'], verbs: ['get'] },
      { apiGroups: ['imageregistry.operator.openshift.io'], resources: ['configs'], resourceNames: ['cluster'], verbs: ['get'] },
      { apiGroups: ['config.openshift.io'], resources: ['clusteroperators'], resourceNames: ['image-registry'], verbs: ['get'] },
    ]);
    const bindings = sb.store.list('rbac.authorization.k8s.io/clusterrolebindings').items.filter((b: any) => b.roleRef.name === 'registry-reader') as any[];
    expect(bindings.map((b) => b.subjects)).toEqual([[{ kind: 'ServiceAccount', name: SA, namespace: NS }]]);
    // Granting again changes nothing.
    const again = await t.cli(['grant', 'reader', '-z', SA, '-n', NS]);
    expect(again.code, again.all).toBe(0);
    expect(again.stderr).toContain('nothing to change');

    const c = caseDir();
    const r = await asSA(['login', '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ registry: host, hostSource: 'image.config status', verified: true, trust: 'ca-file', credentials: 'kubeconfig' });
    expect(r.stderr).not.toContain('Warning');
    expect(fs.readFileSync(path.join(c.certsDir, host, 'ca.crt'), 'utf8')).toBe(fs.readFileSync(caFile, 'utf8'));
    await pushWith(c.authfile, c.certsDir, 'after-grant');

    // kubectl as the service account: the three objects by name, and still no routes or secrets.
    const kenv = { KUBECONFIG: saKubeconfig, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' };
    const can = async (...a: string[]) => (await runTool('kubectl', ['auth', 'can-i', ...a], kenv, t.home)).stdout.trim();
    expect(await can('get', 'images.config.openshift.io/cluster')).toBe('yes');
    expect(await can('get', 'clusteroperators.config.openshift.io/image-registry')).toBe('yes');
    expect(await can('get', 'configs.imageregistry.operator.openshift.io/cluster')).toBe('yes');
    expect(await can('list', 'routes.route.openshift.io', '-n', 'openshift-image-registry')).toBe('no');
    expect(await can('get', 'secrets', '-n', 'openshift-image-registry')).toBe('no');
    expect(await can('get', 'clusteroperators.config.openshift.io/ingress')).toBe('no');
  });

});

describe('the cluster path as kube:admin', () => {
  it('an unwritable --certs-dir is a warning; the login stands', async () => {
    const c = caseDir();
    const blocker = path.join(c.dir, 'a-file');
    fs.writeFileSync(blocker, 'not a directory\n');
    const r = await t.cli(['login', '--ca-file', caFile, '--certs-dir', path.join(blocker, 'certs.d'), '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/Warning: could not write the CA to .*a-file\/certs\.d\/.*ca\.crt \(ENOTDIR\)/);
    expect(readAuth(c.authfile, host)?.password).toBe(sb.tokens.admin);
  });

  it('a REGISTRY argument without -u is --registry REGISTRY (the cluster token, for this cluster\'s host only)', async () => {
    const c = caseDir();
    const r = await t.cli(['login', host, '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ registry: host, hostSource: 'flag', credentials: 'kubeconfig', verified: true });
    const other = await t.cli(['login', '127.0.0.1:9', '--authfile', c.authfile]);
    expect(other.code, other.all).toBe(2);
    expectOneError(other, /127\.0\.0\.1:9 is not one of this cluster's registry hosts/, /./);
    expect(other.all).not.toContain(sb.tokens.admin!);
  });

  it('-q: no Login Succeeded or logout line; -o json data stays', async () => {
    const c = caseDir();
    let r = await t.cli(['login', '-q', '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(readAuth(c.authfile, host)?.password).toBe(sb.tokens.admin);
    r = await t.cli(['login', '-q', '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).registry).toBe(host);
    r = await t.cli(['logout', '-q', '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(readAuth(c.authfile, host)).toBeUndefined();
  });
});

describe('login -u USER on a terminal (OAuth)', () => {
  it('asks for the password with echo off and logs in', async () => {
    const c = caseDir();
    const r = await runCliOnPty(['login', '-u', 'alice', '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile], {
      env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: t.home, XDG_RUNTIME_DIR: t.xdg },
      waitFor: 'Password: ',
      answer: `${USERS.alice}\r`,
    });
    expect(r.prompted, r.transcript).toBe(true);
    expect(r.code, r.transcript).toBe(0);
    expect(r.transcript).not.toContain(USERS.alice);
    const cred = readAuth(c.authfile, host)!;
    expect(sb.auth.lookup(cred.password)?.username).toBe('alice');
    expect(r.transcript).not.toContain(cred.password);
  });
});
