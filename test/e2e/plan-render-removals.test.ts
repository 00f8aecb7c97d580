// issue 18 part 2, removals: `revoke` and `trust-ca remove` render as ACM policies — a binding left without subjects
// as a `mustnothave` RoleBinding, a binding that keeps some as a `mustonlyhave` RoleBinding (its roleRef and exactly
// the subjects left), the CA ConfigMap as a `mustonlyhave` of its data. Enforced by the sandbox's
// configuration-policy controller (config-policy-controller's semantics) they give what running the command gives;
// inform reports NonCompliant before and Compliant after; re-renders are byte-identical; the formats that apply
// objects refuse a removal (exit 2) with the GitOps hint (take it out of Git, Argo CD's prune).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';
const CM = '/configmaps';
const IMAGES = 'config.openshift.io/images';
const POLICIES = 'policy.open-cluster-management.io/policies';
const ACM = ['--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies'];

let sb: Sandbox;
let tmp: string;

const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const ok = async (args: string[]) => {
  const k = await kubectl(args);
  expect(k.code, `${args.join(' ')}: ${k.stderr}`).toBe(0);
  return k;
};
/** A project's RoleBindings as revoke decides them (the controller's own left out), labels included. */
const bindings = (ns: string) =>
  (sb.store.list(RB, ns).items as any[])
    .filter((b) => !['system:image-pullers', 'system:image-builders', 'system:deployers'].includes(b.metadata.name))
    .map((b) => ({ name: b.metadata.name, labels: b.metadata.labels ?? {}, roleRef: b.roleRef, subjects: b.subjects ?? [] }))
    .sort((a, b) => a.name.localeCompare(b.name));
const rootPolicy = (name: string) => sb.store.get(POLICIES, 'policies', name) as any;

async function project(name: string): Promise<void> {
  sb.store.create('/namespaces', { metadata: { name } });
  await sb.waitFor((s) => !!s.get(RB, name, 'system:image-pullers'));
}

/**
 * Renders `args` with inform and enforce (re-render byte-identical), checks the Policy with a server dry run, applies
 * inform (NonCompliant, nothing changed), then enforce (Compliant); returns the enforce files and the policy's
 * object-templates. `unchanged` is the state that inform must leave as it is.
 */
async function informThenEnforce(args: string[], policyName: string, unchanged: () => unknown): Promise<{ templates: any[]; inform: string }> {
  const [inform, again, enforce] = [dir('inform'), dir('inform'), dir('enforce')];
  for (const [d, action] of [[inform, 'inform'], [again, 'inform'], [enforce, 'enforce']] as const) {
    const r = await cli([...args, '--render', 'acm-policy', '--remediation', action, ...ACM, '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    // No credential of the cluster reaches the output or the files.
    for (const text of [r.stdout, r.stderr, ...Object.values(files(d))]) for (const t of Object.values(sb.tokens)) expect(text).not.toContain(t);
  }
  expect(files(again)).toEqual(files(inform));
  expect(Object.keys(files(enforce)).sort()).toEqual(['placement.yaml', 'placementbinding.yaml', 'policy.yaml']);
  const before = JSON.stringify(unchanged());
  await ok(['apply', '--dry-run=server', '-f', inform]);
  await ok(['apply', '-f', inform]);
  await sb.waitFor(() => rootPolicy(policyName)?.status?.compliant === 'NonCompliant', 30_000);
  expect(JSON.stringify(unchanged())).toBe(before);
  await ok(['apply', '-f', enforce]);
  await sb.waitFor(() => rootPolicy(policyName)?.status?.compliant === 'Compliant', 30_000);
  const policy = yaml.load(files(enforce)['policy.yaml']!) as any;
  return { templates: policy.spec['policy-templates'][0].objectDefinition.spec['object-templates'], inform };
}

/**
 * The inform rendering again, on the changed cluster: Compliant (inform after). Rendering now has nothing left to
 * render (the command, too, has nothing to change). Then the policy goes.
 */
async function informAfter(args: string[], policyName: string, d: string): Promise<void> {
  const now = await cli([...args, '--render', 'acm-policy', ...ACM]);
  expect(now.code, now.stderr).toBe(0);
  expect(now.stdout).toBe('');
  expect(now.stderr).toContain('nothing to change: nothing was rendered');
  await ok(['apply', '-f', d]);
  await sb.waitFor(() => rootPolicy(policyName)?.spec?.remediationAction === 'inform' && rootPolicy(policyName)?.status?.compliant === 'Compliant', 30_000);
  await ok(['delete', '-f', d]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-removals-'));
  sb = await startSandbox({ profile: 'baremetal' });
  for (const ns of ['rv-direct', 'rv-acm']) {
    await project(ns);
    expect((await cli(['grant', 'viewer', 'alice', 'bob', '--group', 'devs', '-n', ns])).code).toBe(0);
    expect((await cli(['grant', 'puller', 'carol', '-n', ns])).code).toBe(0);
    // A label on the binding that keeps subjects: mustonlyhave must leave metadata alone, as revoke does.
    await ok(['label', 'rolebinding', 'registry-viewer', '-n', ns, 'team=web']);
  }
  for (const a of acmHubSetup(tmp)) await ok(a);
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('revoke --render acm-policy', () => {
  it('a binding that keeps subjects: mustonlyhave of its roleRef and the subjects left; enforced, the same bindings (labels kept) as revoke', async () => {
    const direct = await cli(['revoke', 'viewer', 'alice', '-n', 'rv-direct']);
    expect(direct.code, direct.stderr).toBe(0);
    const args = ['revoke', 'viewer', 'alice', '-n', 'rv-acm'];
    const { templates, inform } = await informThenEnforce(args, 'regctl-revoke-registry-viewer-rv-acm', () => bindings('rv-acm'));
    expect(templates).toEqual([
      {
        complianceType: 'mustonlyhave',
        objectDefinition: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'registry-viewer', namespace: 'rv-acm' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-viewer' },
          subjects: [
            { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' },
            { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
          ],
        },
      },
    ]);
    expect(bindings('rv-acm')).toEqual(bindings('rv-direct'));
    expect(bindings('rv-acm').find((b) => b.name === 'registry-viewer')).toMatchObject({ labels: { team: 'web' }, subjects: [{ name: 'bob' }, { name: 'devs' }] });
    // revoke recognises the enforced state: nothing left to revoke.
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to revoke');
    await informAfter(args, 'regctl-revoke-registry-viewer-rv-acm', inform);
  });

  it('a binding left without subjects: mustnothave (kind, name, namespace only); enforced, deleted as revoke deletes it', async () => {
    const direct = await cli(['revoke', 'puller', 'carol', '-n', 'rv-direct']);
    expect(direct.code, direct.stderr).toBe(0);
    const args = ['revoke', 'puller', 'carol', '-n', 'rv-acm'];
    const { templates, inform } = await informThenEnforce(args, 'regctl-revoke-system-image-puller-rv-acm', () => bindings('rv-acm'));
    expect(templates).toEqual([
      { complianceType: 'mustnothave', objectDefinition: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'system:image-puller', namespace: 'rv-acm' } } },
    ]);
    expect(bindings('rv-acm')).toEqual(bindings('rv-direct'));
    expect(bindings('rv-acm').map((b) => b.name)).not.toContain('system:image-puller');
    await informAfter(args, 'regctl-revoke-system-image-puller-rv-acm', inform);
  });

  it('manifests, kustomize and argocd refuse it (exit 2) with the GitOps hint naming Argo CD prune; nothing written or changed', async () => {
    const before = JSON.stringify(bindings('rv-acm'));
    for (const extra of [['--render', 'manifests'], ['--render', 'kustomize', '--output-dir', dir('k')], ['--render', 'argocd']]) {
      const r = await cli(['revoke', 'viewer', 'bob', '-n', 'rv-acm', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: revoke cannot be rendered as ${extra[1]}: it takes something away, and an apply can only add and change\\nhint: in GitOps a removal is taking the object \\(or the entry\\) out of Git: Argo CD deletes an object that left Git only when the Application prunes .*--render acm-policy`));
      expect(r.stdout).toBe('');
    }
    expect(JSON.stringify(bindings('rv-acm'))).toBe(before);
  });
});

describe('trust-ca remove --render acm-policy', () => {
  const HOSTS = ['one.example.com:5000', 'two.example.com'];
  const trust = () => {
    const name = (sb.store.get(IMAGES, undefined, 'cluster')!.spec as any)?.additionalTrustedCA?.name;
    const cm = name ? (sb.store.get(CM, 'openshift-config', name) as any) : undefined;
    return { name, labels: cm?.metadata?.labels ?? {}, data: cm?.data && Object.keys(cm.data).length ? cm.data : {} };
  };
  let ca: string;
  const trustBoth = async () => {
    for (const h of HOSTS) expect((await cli(['trust-ca', 'add', h, '--ca', ca])).code).toBe(0);
  };

  it('mustonlyhave of the ConfigMap data without the removed keys; enforced, the trust trust-ca remove gives (labels kept); the last CA too', async () => {
    ca = path.join(tmp, 'ca.pem');
    fs.writeFileSync(ca, (await createCA('removals-ca')).certPem);
    await trustBoth();
    await ok(['label', 'configmap', 'registry-cas', '-n', 'openshift-config', 'owner=platform']);
    const start = trust();
    expect(Object.keys(start.data)).toEqual(['one.example.com..5000', 'two.example.com']);

    // Directly, then back to the start.
    expect((await cli(['trust-ca', 'remove', HOSTS[0]!])).code).toBe(0);
    const direct = trust();
    await trustBoth();
    expect(trust()).toEqual(start);

    const args = ['trust-ca', 'remove', HOSTS[0]!];
    const { templates, inform } = await informThenEnforce(args, 'regctl-trust-ca-remove', trust);
    expect(templates).toEqual([
      {
        complianceType: 'mustonlyhave',
        objectDefinition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas', namespace: 'openshift-config' }, data: { 'two.example.com': start.data['two.example.com'] } },
      },
    ]);
    expect(trust()).toEqual(direct);
    expect(trust().labels).toEqual({ owner: 'platform' });
    await informAfter(args, 'regctl-trust-ca-remove', inform);

    // The last CA: the ConfigMap left without data (image.config keeps its reference, as trust-ca remove leaves it).
    expect((await cli(['trust-ca', 'remove', HOSTS[1]!])).code).toBe(0);
    const lastDirect = trust();
    await trustBoth();
    await cli(['trust-ca', 'remove', HOSTS[0]!]);
    const last = await informThenEnforce(['trust-ca', 'remove', HOSTS[1]!], 'regctl-trust-ca-remove', trust);
    expect(last.templates).toEqual([{ complianceType: 'mustonlyhave', objectDefinition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas', namespace: 'openshift-config' } } }]);
    expect(trust()).toEqual(lastDirect);
    expect(lastDirect).toMatchObject({ name: 'registry-cas', data: {} });
    await informAfter(['trust-ca', 'remove', HOSTS[1]!], 'regctl-trust-ca-remove', last.inform);
  });

  it('manifests refuses it (exit 2) with the GitOps hint; nothing changed', async () => {
    await trustBoth();
    const before = JSON.stringify(trust());
    const r = await cli(['trust-ca', 'remove', HOSTS[0]!, '--render', 'manifests']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: trust-ca remove cannot be rendered as manifests: .*\nhint: .*out of Git: Argo CD .*prunes/);
    expect(r.stdout).toBe('');
    expect(JSON.stringify(trust())).toBe(before);
  });
});
