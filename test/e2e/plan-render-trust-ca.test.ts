// issue 18 parts 1-2 with trust-ca: the plan is the writes `trust-ca add` makes (the ConfigMap in openshift-config
// first, then image.config spec.additionalTrustedCA pointing at it). `--render manifests|kustomize` applied with
// kubectl --server-side and `--render acm-policy` enforced by the sandbox's configuration-policy controller give the
// ConfigMap and image.config the command itself gives; re-renders are byte-identical; --dry-run=server changes
// nothing; `trust-ca remove` (a removal) cannot be rendered.
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

const CM = '/configmaps';
const IMAGES = 'config.openshift.io/images';
const POLICIES = 'policy.open-cluster-management.io/policies';
const HOST = 'registry.example.com:5000';
const KEY = 'registry.example.com..5000';

let sb: Sandbox;
let tmp: string;
let ca: string;

const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const files = (d: string): Record<string, string> =>
  Object.fromEntries((fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(d, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]));
/** What trust-ca decides: the referenced ConfigMap's data and image.config's reference. */
const trust = () => {
  const name = (sb.store.get(IMAGES, undefined, 'cluster')!.spec as any)?.additionalTrustedCA?.name;
  return { name, data: name ? (sb.store.get(CM, 'openshift-config', name)?.data ?? null) : null };
};
const state = () => JSON.stringify([sb.store.get(IMAGES, undefined, 'cluster')!.metadata.resourceVersion, sb.store.get(CM, 'openshift-config', 'registry-cas')?.metadata.resourceVersion ?? null]);
const ADD = (...more: string[]) => ['trust-ca', 'add', HOST, '--ca', ca, ...more];

/** Back to a cluster that trusts nothing extra. */
async function reset(): Promise<void> {
  for (const a of [
    ['patch', 'image.config.openshift.io', 'cluster', '--type=merge', '-p', '{"spec":{"additionalTrustedCA":null}}'],
    ['delete', 'configmap', 'registry-cas', '-n', 'openshift-config', '--ignore-not-found'],
  ]) {
    const k = await kubectl(a);
    expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
  }
  expect(trust()).toEqual({ name: undefined, data: null });
}

let direct: ReturnType<typeof trust>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-trust-ca-'));
  sb = await startSandbox({ profile: 'baremetal' });
  ca = path.join(tmp, 'ca.pem');
  fs.writeFileSync(ca, (await createCA('plan-render-ca')).certPem);
  const r = await cli(ADD());
  expect(r.code, r.stderr).toBe(0);
  direct = trust();
  expect(direct).toEqual({ name: 'registry-cas', data: { [KEY]: fs.readFileSync(ca, 'utf8').trim() + '\n' } });
  await reset();
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('trust-ca add --render', () => {
  it('manifests: the ConfigMap, then image.config; applied with kubectl --server-side the same trust as the command; re-render byte-identical', async () => {
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const before = state();
    for (const d of [d1, d2]) {
      const r = await cli(ADD('--render', 'manifests', '--output-dir', d));
      expect(r.code, r.stderr).toBe(0);
    }
    expect(files(d1)).toEqual(files(d2));
    expect(state()).toBe(before); // rendering changes nothing
    const docs = Object.keys(files(d1)).sort().map((f) => yaml.load(files(d1)[f]!) as any);
    expect(docs).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas', namespace: 'openshift-config' }, data: direct.data },
      { apiVersion: 'config.openshift.io/v1', kind: 'Image', metadata: { name: 'cluster' }, spec: { additionalTrustedCA: { name: 'registry-cas' } } },
    ]);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(trust()).toEqual(direct);
    // trust-ca recognises the applied state: nothing more to write.
    const again = await cli(ADD());
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already trusted with the same certificate/);
    await reset();
  });

  it('kustomize: the new ConfigMap as a resource, image.config as a patch; applied, the same trust as the command', async () => {
    const d = dir('kustomize');
    const r = await cli(ADD('--render', 'kustomize', '--output-dir', d));
    expect(r.code, r.stderr).toBe(0);
    const k = yaml.load(files(d)['kustomization.yaml']!) as any;
    expect(k.resources).toHaveLength(2);
    expect(k.patches).toEqual([{ path: expect.stringMatching(/^patches\//), target: { group: 'config.openshift.io', version: 'v1', kind: 'Image', name: 'cluster' } }]);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-k', d]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(trust()).toEqual(direct);
    await reset();
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and gives the trust the command gives', async () => {
    const d = dir('acm');
    const args = ADD('--render', 'acm-policy', '--remediation', 'enforce', '--render-namespace', 'policies', '--output-dir', d);
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again))).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    const templates = (yaml.load(files(d)['policy.yaml']!) as any).spec['policy-templates'][0].objectDefinition.spec['object-templates'];
    expect(templates.map((t: any) => [t.complianceType, t.objectDefinition.kind])).toEqual([['musthave', 'ConfigMap'], ['musthave', 'Image']]);
    for (const a of [
      ...acmHubSetup(tmp),
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-trust-ca-add') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    expect(trust()).toEqual(direct);
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);
    await reset();
  });
});

describe('--dry-run=server and removals', () => {
  it('add --dry-run=server has the API server check the ConfigMap create and the image.config patch; nothing changes', async () => {
    const before = state();
    const r = await cli(ADD('--dry-run=server'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('# dry run (checked by the API server): nothing was changed');
    expect([...r.stderr.matchAll(/server dry run: (create \S+ \S+|patch \S+)/g)].map((m) => m[1])).toEqual(['create ConfigMap openshift-config/registry-cas', 'patch image.config.openshift.io/cluster']);
    expect(state()).toBe(before);
    expect(trust()).toEqual({ name: undefined, data: null });
  });

  it('remove cannot be rendered as manifests or kustomize (acm-policy: plan-render-removals.test.ts): exit 2 with a hint, nothing written or changed', async () => {
    expect((await cli(ADD())).code).toBe(0);
    const before = state();
    for (const format of ['manifests', 'kustomize']) {
      const r = await cli(['trust-ca', 'remove', HOST, '--render', format]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: trust-ca remove cannot be rendered as \w+: it takes something away.*\nhint: in GitOps a removal is taking the object .*out of Git/m);
      expect(r.stdout).toBe('');
    }
    expect(state()).toBe(before);
    // remove --dry-run=server: the merge patch that takes the key away, checked by the server; nothing changes.
    const d = await cli(['trust-ca', 'remove', HOST, '--dry-run=server', '-o', 'json']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ kind: 'Plan', name: 'trust-ca-remove', dryRun: 'server', steps: [{ action: 'patch', patch: { data: { [KEY]: null } } }] });
    expect(state()).toBe(before);
  });
});
