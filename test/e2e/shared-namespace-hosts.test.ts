// Real OpenShift binds the Role shared-resource-viewer in `openshift` to every authenticated user (openshift-apiserver
// pkg/bootstrappolicy/namespace_policy.go, RoleBinding shared-resource-viewers), and the cluster-version operator puts
// image streams there on every cluster (cluster-samples-operator manifests/08-openshift-imagestreams.yaml: cli, tools,
// must-gather, …). So a least-privilege account — service account ci/pipeline with only system:image-builder in its
// project, which may read neither image.config nor the registry routes — still reads this cluster's registry hosts
// from the status of a stream in `openshift`: regctl confirms the exposed host and sends the token there. Without
// streams in `openshift` (an admin deleted them) nothing names the host and regctl refuses it (exit 4).
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { expectOneError } from './support/expect-error.ts';
import { loginEnv, readAuth, type LoginEnv } from './support/login-env.ts';
import { createCliStream, emptySharedNamespace } from './support/shared-namespace.ts';
import { runTool } from './support/tool.ts';

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
const kubectlAsSA = (args: string[]) => runTool('kubectl', args, { KUBECONFIG: saKubeconfig, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, t.home);

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'shared-namespace-hosts');
  sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  sb.store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } });
  sb.store.create('rbac.authorization.k8s.io/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pipeline-builder', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-builder' },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
  });
  caFile = path.join(t.tmp, 'registry-ca.crt');
  const r = await t.cli(['expose', '--default-route', '--ca-out', caFile]);
  if (r.code !== 0) throw new Error(`expose failed: ${r.all}`);
  host = r.stdout.trim();
  saToken = sb.issueToken(`system:serviceaccount:${NS}:${SA}`);
  const kc = yaml.load(fs.readFileSync(sb.kubeconfigPath, 'utf8')) as any;
  kc.users = [{ name: 'ci', user: { token: saToken } }];
  kc.contexts = [{ name: 'ci', context: { cluster: kc.clusters[0].name, user: 'ci', namespace: NS } }];
  kc['current-context'] = 'ci';
  saKubeconfig = path.join(t.tmp, 'ci-kubeconfig');
  fs.writeFileSync(saKubeconfig, yaml.dump(kc), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('a service account with only system:image-builder, and the shared openshift namespace', () => {
  it('kubectl: it may list image streams in openshift (shared-resource-viewers) and nowhere else; image.config and the routes stay forbidden', async () => {
    const can = async (...a: string[]) => (await kubectlAsSA(['auth', 'can-i', ...a])).stdout.trim();
    expect(await can('list', 'imagestreams.image.openshift.io', '-n', 'openshift')).toBe('yes');
    expect(await can('get', 'imagestreams.image.openshift.io', '--subresource=layers', '-n', 'openshift')).toBe('yes');
    expect(await can('create', 'imagestreams.image.openshift.io', '-n', 'openshift')).toBe('no');
    expect(await can('list', 'imagestreams.image.openshift.io', '-n', 'default')).toBe('no');
    expect(await can('get', 'images.config.openshift.io/cluster')).toBe('no');
    expect(await can('list', 'routes.route.openshift.io', '-n', 'openshift-image-registry')).toBe('no');
  });

  it('with the cluster-version operator\'s `cli` stream in openshift: login --registry HOST is confirmed from its status; plain login finds the host there', async () => {
    createCliStream(sb);
    const seen = await kubectlAsSA(['get', 'imagestream', 'cli', '-n', 'openshift', '-o', 'jsonpath={.status.publicDockerImageRepository}']);
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.stdout).toBe(`${host}/openshift/cli`);

    const c = caseDir();
    const named = await asSA(['login', '--registry', host, '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile, '-o', 'json']);
    expect(named.code, named.all).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ registry: host, credentials: 'kubeconfig' });
    expect(readAuth(c.authfile, host)?.password).toBe(saToken);
    expect(named.all).not.toContain(saToken);

    const d = caseDir();
    const found = await asSA(['login', '--ca-file', caFile, '--certs-dir', d.certsDir, '--authfile', d.authfile, '-o', 'json']);
    expect(found.code, found.all).toBe(0);
    expect(JSON.parse(found.stdout)).toMatchObject({ registry: host, hostSource: 'imagestream', verified: true });
    expect(readAuth(d.authfile, host)?.password).toBe(saToken);
  });

  it('without image streams in openshift (an admin deleted them): --registry HOST cannot be confirmed (exit 4), nothing written', async () => {
    createCliStream(sb);
    expect(emptySharedNamespace(sb)).toBeGreaterThan(0);
    const c = caseDir();
    const r = await asSA(['login', '--registry', host, '--ca-file', caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: cannot confirm that .* is this cluster's registry/, /regctl grant reader -z pipeline -n ci/);
    expect(fs.readdirSync(c.dir)).toEqual([]);
    expect(r.all).not.toContain(saToken);
  });
});
