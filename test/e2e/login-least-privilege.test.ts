// A least-privilege CI account — service account ci/pipeline with only system:image-builder in its project, its
// own kubeconfig with its token — and `regctl login`: it may read neither image.config, the registry routes nor an
// image stream, so discovery fails with a hint naming `regctl grant reader`; `--registry HOST` works (with a
// warning); after `regctl grant reader -z pipeline -n ci` (a ClusterRole created on demand, get by name on three
// cluster-scoped objects only) plain `regctl login --ca-file F` finds the host. `--ca-file F` also lands in
// <certs.d>/<host>/ca.crt, so skopeo pushes with only the auth file and that directory. Plus: the password prompt of
// `login -u USER` (OAuth) on a real terminal, and -q on the cluster path.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { USERS } from '../sandbox/profiles.ts';
import { loginEnv, readAuth, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';
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
    expectOneError(r, /cannot find the registry host/, /regctl grant reader/);
    expect(fs.readdirSync(c.dir)).toEqual([]);
    expect(r.all).not.toContain(saToken);
  });

  it('logs in with --registry HOST (warned that the host cannot be confirmed); --ca-file goes into certs.d; skopeo pushes', async () => {
    const c = caseDir();
    const r = await asSA(['login', '--registry', host, '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/Warning: cannot confirm that .* is this cluster's registry/);
    expect(r.stderr).toContain(`Saved the CA of ${host} into ${path.join(c.certsDir, host, 'ca.crt')}`);
    expect(fs.readFileSync(path.join(c.certsDir, host, 'ca.crt'), 'utf8')).toBe(fs.readFileSync(caFile, 'utf8'));
    expect(readAuth(c.authfile, host)?.password).toBe(saToken);
    expect(r.all).not.toContain(saToken);
    await pushWith(c.authfile, c.certsDir, 'with-registry-flag');
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
