// `regctl access` on the sandbox: who may pull, push, list the catalog, read metrics and prune, from the
// bindings confirmed with SubjectAccessReviews; partial rights fall back to the bindings with warnings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';

let sb: Sandbox;
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
const row = (report: any, kind: string, name: string, namespace?: string) =>
  report.subjects.find((r: any) => r.subject.kind === kind && r.subject.name === name && (namespace === undefined || r.subject.namespace === namespace));

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: 'acc' } });
  sb.store.create('user.openshift.io/groups', { apiVersion: 'user.openshift.io/v1', kind: 'Group', metadata: { name: 'devs' }, users: ['carol'] });
  await sb.waitFor((s) => !!s.get('rbac.authorization.k8s.io/rolebindings', 'acc', 'system:image-builders'));
  for (const args of [
    ['grant', 'viewer', 'alice', '-n', 'acc'],
    ['grant', 'metrics', 'bob'],
    ['grant', 'puller', '--group', 'devs', '-n', 'acc'],
    ['grant', '--cluster-role', 'admin', 'developer', '-n', 'acc'],
  ]) {
    const r = await regctl(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
});
afterAll(async () => sb?.stop());

describe('access', () => {
  it('-o json lists every subject with what the registry would allow and the bindings behind it', async () => {
    const r = await regctl(['access', '-n', 'acc', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ namespace: 'acc', source: 'subjectaccessreview', warnings: [] });
    expect(report.checks.pull).toBe('get imagestreams/layers in acc');
    expect(row(report, 'User', 'alice')).toMatchObject({
      allowed: { pull: true, push: false, catalog: false, metrics: false, prune: false },
      via: [{ capability: 'pull', binding: 'RoleBinding/registry-viewer', role: 'registry-viewer' }],
    });
    expect(row(report, 'User', 'bob').allowed).toEqual({ pull: false, push: false, pushNew: false, catalog: false, metrics: true, prune: false });
    expect(row(report, 'User', 'bob').via).toEqual([{ capability: 'metrics', binding: 'ClusterRoleBinding/registry-monitoring-0', role: 'registry-monitoring' }]);
    expect(row(report, 'ServiceAccount', 'builder', 'acc').allowed).toMatchObject({ pull: true, push: true });
    expect(row(report, 'Group', 'system:serviceaccounts:acc').allowed.pull).toBe(true);
    expect(row(report, 'Group', 'devs').allowed.pull).toBe(true);
    expect(row(report, 'ServiceAccount', 'pruner', 'openshift-image-registry').allowed).toMatchObject({ prune: true, catalog: true, pull: false });
    expect(row(report, 'User', 'kube:admin').allowed).toEqual({ pull: true, push: true, pushNew: true, catalog: true, metrics: true, prune: true });
    expect(row(report, 'ServiceAccount', 'builder', 'acc').allowed.pushNew).toBe(true);
    expect(row(report, 'User', 'developer').allowed).toMatchObject({ pull: true, push: true, prune: false });
  });

  it('answers for one user, including access through an OpenShift group', async () => {
    const r = await regctl(['access', 'carol', '-n', 'acc']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SUBJECT\s+PULL\s+PUSH\s+PUSH-NEW\s+CATALOG\s+METRICS\s+PRUNE\s+VIA$/);
    expect(lines[1]).toMatch(/^User carol\s+yes\s+-\s+-\s+-\s+-\s+-\s+RoleBinding\/system:image-puller$/);
    expect(lines).toHaveLength(2);
  });

  it('answers for a service account with -z, and for a subject without access', async () => {
    const sa = JSON.parse((await regctl(['access', '-z', 'builder', '-n', 'acc', '-o', 'json'])).stdout);
    expect(sa.subjects).toHaveLength(1);
    expect(sa.subjects[0]).toMatchObject({ subject: { kind: 'ServiceAccount', namespace: 'acc', name: 'builder' }, allowed: { pull: true, push: true } });
    expect(sa.subjects[0].via.map((v: any) => v.binding)).toEqual(expect.arrayContaining(['RoleBinding/system:image-builders']));
    const nobody = await regctl(['access', 'nobody', '-n', 'acc']);
    expect(nobody.code).toBe(0);
    expect(nobody.stdout).toMatch(/^User nobody\s+-\s+-\s+-\s+-\s+-\s+-\s*$/m);
  });

  it('a project admin without cluster rights gets the project\'s bindings, with warnings saying what is missing', async () => {
    const r = await regctl(['--context', 'developer', 'access', '-n', 'acc', '-o', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.source).toBe('bindings');
    expect(row(report, 'User', 'alice').allowed.pull).toBe(true);
    expect(r.stderr).toMatch(/^Warning: cannot read ClusterRoleBindings: /m);
    expect(r.stderr).toMatch(/^Warning: cannot create SubjectAccessReviews .*answers come from the bindings only$/m);
  });

  it('without any right to read bindings: exit 4 with the Kubernetes message', async () => {
    const r = await regctl(['--context', 'developer', 'access', '-n', 'default']);
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: forbidden: rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "developer" cannot list resource "rolebindings"/);
  });
});
