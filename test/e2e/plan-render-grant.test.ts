// issue 18 parts 1-2 with grant/revoke: the plan is the writes `oc policy add-role-to-*` makes. `--render manifests`
// applied with kubectl --server-side and `--render acm-policy` enforced by the sandbox's configuration-policy
// controller give the bindings `grant` itself gives; --dry-run=server changes nothing; renderings are byte-identical
// on re-run; revoke (a removal) cannot be rendered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';
const POLICIES = 'policy.open-cluster-management.io/policies';

let sb: Sandbox;
let tmp: string;

const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const writeText = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
/** The RoleBindings of a project as grant decides them: name, role and subjects (the controller's own left out). */
const bindings = (ns: string) =>
  (sb.store.list(RB, ns).items as any[])
    .filter((b) => !['system:image-pullers', 'system:image-builders', 'system:deployers'].includes(b.metadata.name))
    .map((b) => ({ name: b.metadata.name, roleRef: b.roleRef, subjects: b.subjects }))
    .sort((a, b) => a.name.localeCompare(b.name));
const state = () => JSON.stringify((sb.store.list(RB).items as any[]).map((b) => [b.metadata.namespace, b.metadata.name, b.metadata.resourceVersion]));

async function project(name: string): Promise<void> {
  sb.store.create('/namespaces', { metadata: { name } });
  await sb.waitFor((s) => !!s.get(RB, name, 'system:image-pullers') && !!s.get('/serviceaccounts', name, 'default'));
}

const GRANT = (ns: string, ...more: string[]) => ['grant', 'puller', 'alice', '--group', 'devs', '-n', ns, ...more];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-grant-'));
  sb = await startSandbox({ profile: 'baremetal' });
  for (const ns of ['gr-direct', 'gr-manifests', 'gr-acm', 'gr-update', 'gr-dry']) await project(ns);
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('grant --render', () => {
  it('manifests: applied with kubectl --server-side they give the bindings grant gives; re-render is byte-identical', async () => {
    const direct = await cli(GRANT('gr-direct'));
    expect(direct.code, direct.stderr).toBe(0);

    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const before = state();
    const r1 = await cli(GRANT('gr-manifests', '--render', 'manifests', '--output-dir', d1));
    const r2 = await cli(GRANT('gr-manifests', '--render', 'manifests', '--output-dir', d2));
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(files(d1)).toEqual(files(d2));
    expect(state()).toBe(before); // rendering changes nothing
    const [file, ...others] = Object.keys(files(d1));
    expect(others).toEqual([]);
    expect(yaml.load(files(d1)[file!]!)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'system:image-puller', namespace: 'gr-manifests' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-puller' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
      ],
    });

    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(bindings('gr-manifests')).toEqual(bindings('gr-direct'));
    expect(bindings('gr-direct')).toHaveLength(1);
    // grant recognises the applied binding: nothing more to do.
    const again = await cli(GRANT('gr-manifests'));
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already have system:image-puller (RoleBinding system:image-puller in gr-manifests): nothing to change');
  });

  it('a grant that extends a binding renders the whole binding (its role and every subject); applied, the same as grant', async () => {
    for (const ns of ['gr-update', 'gr-direct']) expect((await cli(['grant', 'viewer', 'carol', '-n', ns])).code).toBe(0);
    const r = await cli(['grant', 'viewer', 'dave', '-n', 'gr-update', '--rolebinding-name', 'registry-viewer', '--render', 'manifests']);
    expect(r.code, r.stderr).toBe(0);
    const doc = yaml.load(r.stdout.replace(/^# Source: .*\n/m, '')) as any;
    expect(doc).toMatchObject({ kind: 'RoleBinding', metadata: { name: 'registry-viewer', namespace: 'gr-update' }, roleRef: { kind: 'ClusterRole', name: 'registry-viewer' } });
    expect(doc.subjects.map((s: any) => s.name)).toEqual(['carol', 'dave']);
    expect(doc.metadata.resourceVersion).toBeUndefined();
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', writeText('update.yaml', r.stdout)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await cli(['grant', 'viewer', 'dave', '-n', 'gr-direct', '--rolebinding-name', 'registry-viewer'])).code).toBe(0);
    expect(bindings('gr-update').find((b) => b.name === 'registry-viewer')).toEqual(bindings('gr-direct').find((b) => b.name === 'registry-viewer'));
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and gives the bindings grant gives', async () => {
    const d = dir('acm');
    const args = GRANT('gr-acm', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d);
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again))).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    expect(bindings('gr-acm')).toEqual([]);

    for (const a of [
      ...acmHubSetup(tmp),
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-grant-system-image-puller-gr-acm') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    expect(bindings('gr-acm')).toEqual(bindings('gr-direct').filter((b) => b.name === 'system:image-puller'));
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);
  });

  it('metrics without registry-monitoring: the ClusterRole it would create comes first; kustomize builds the same objects; nothing changes', async () => {
    sb.store.delete('rbac.authorization.k8s.io/clusterroles', undefined, 'registry-monitoring');
    const role = () => sb.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'prometheus-scraper');
    const [m, k] = [dir('metrics'), dir('kustomize')];
    const r = await cli(['grant', 'metrics', 'bob', '--render', 'manifests', '--output-dir', m]);
    expect(r.code, r.stderr).toBe(0);
    const docs = Object.keys(files(m)).sort().map((f) => yaml.load(files(m)[f]!) as any);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['ClusterRole/prometheus-scraper', 'ClusterRoleBinding/prometheus-scraper']);
    expect(docs[0].rules).toEqual([{ apiGroups: ['image.openshift.io'], resources: ['registry/metrics'], verbs: ['get'] }]);
    expect(docs[1].subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }]);
    const kr = await cli(['grant', 'metrics', 'bob', '--render', 'kustomize', '--output-dir', k]);
    expect(kr.code, kr.stderr).toBe(0);
    const built = await kubectl(['kustomize', k]);
    expect(built.code, built.stderr).toBe(0);
    const objs = (yaml.loadAll(built.stdout) as any[]).map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(objs).toEqual(['ClusterRole/prometheus-scraper', 'ClusterRoleBinding/prometheus-scraper']);
    expect(role()).toBeUndefined();
    expect(sb.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'prometheus-scraper')).toBeUndefined();
  });

  it('revoke cannot be rendered as manifests or argocd (acm-policy: plan-render-removals.test.ts): exit 2 with a hint, nothing written or changed', async () => {
    const before = state();
    for (const format of ['manifests', 'argocd']) {
      const r = await cli(['revoke', 'puller', 'alice', '-n', 'gr-direct', '--render', format]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: revoke cannot be rendered as \w+: it takes something away.*\nhint: in GitOps a removal is taking the object .*out of Git/m);
      expect(r.stdout).toBe('');
    }
    expect(state()).toBe(before);
  });
});

describe('--dry-run=server', () => {
  it('grant and revoke have the API server check each write (create, patch, delete) and change nothing', async () => {
    expect((await cli(['grant', 'editor', 'alice', 'bob', '-n', 'gr-dry'])).code).toBe(0);
    const before = state();
    const steps: string[] = [];
    for (const args of [
      ['grant', 'puller', 'alice', '-n', 'gr-dry'], // create
      ['grant', 'editor', 'carol', '-n', 'gr-dry', '--rolebinding-name', 'registry-editor'], // patch
      ['revoke', 'editor', 'alice', '-n', 'gr-dry'], // patch
      ['revoke', 'editor', 'alice', 'bob', '-n', 'gr-dry'], // delete
    ]) {
      const r = await cli([...args, '--dry-run=server']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('# dry run (checked by the API server): nothing was changed');
      steps.push(...[...r.stderr.matchAll(/server dry run: (\w+)/g)].map((m) => m[1]!));
    }
    expect(steps).toEqual(['create', 'patch', 'patch', 'delete']);
    expect(state()).toBe(before);
  });

  it('a write the API server refuses fails the server dry run (exit 4); the client dry run plans it; nothing changed', async () => {
    // A user who may read everything but write nothing.
    const rb = await kubectl(['create', 'clusterrolebinding', 'plan-render-grant-reader', '--clusterrole=cluster-reader', '--user=developer']);
    expect(rb.code, rb.stderr).toBe(0);
    const before = state();
    const client = await cli(['--context', 'developer', 'grant', 'puller', 'alice', '-n', 'gr-dry', '--dry-run']);
    expect(client.code, client.stderr).toBe(0);
    const server = await cli(['--context', 'developer', 'grant', 'puller', 'alice', '-n', 'gr-dry', '--dry-run=server']);
    expect(server.code).toBe(4);
    expect(server.stderr).toMatch(/^error: .*rolebindings/m);
    expect(server.stderr).toMatch(/^hint: /m);
    expect(state()).toBe(before);
  });
});
