// issue 18 parts 1-2 with pull-secret: the plan is the writes `oc create secret docker-registry` + `oc secrets link`
// make (create the Secret or patch its .dockerconfigjson, merge-patch each account's lists). `--render manifests`
// (--show-secrets into files) applied with kubectl --server-side and `--render acm-policy` enforced by the sandbox's
// configuration-policy controller (the value from a hub secret) give the state `pull-secret create --link` gives;
// no password in any output or redacted file; re-renders are byte-identical; --dry-run=server changes nothing;
// unlink (a removal) cannot be rendered. imagePullSecrets (issue 18 part 2 follow-up): the apply formats carry the
// account's whole atomic list and say what that does on another cluster; the acm-policy musthave template lists only
// the linked secret, so enforced on an account with another cluster's <sa>-dockercfg-<random> entry it adds the secret
// and keeps that entry (config-policy-controller mergeArrays).
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

const POLICIES = 'policy.open-cluster-management.io/policies';
const PASSWORD = 'Plan-Render-Pull-Pw-77';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let sb: Sandbox;
let tmp: string;

const cli = (args: string[], input?: string) => runCli(args, { env: { ...sb.env, HOME: tmp }, input, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const writeText = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const noPassword = (text: string) => {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(b64(PASSWORD));
  expect(text).not.toContain(b64(`me:${PASSWORD}`));
};
/** What pull-secret create --link decides in a project: the Secret's type and data, the account's lists. */
const state = (ns: string) => {
  const s = sb.store.get('/secrets', ns, 'quaycreds') as any;
  const sa = sb.store.get('/serviceaccounts', ns, 'default') as any;
  const names = (l: any[] | undefined) => (l ?? []).map((r) => r.name).filter((n: string) => !n.includes('-dockercfg-'));
  return { secret: s ? { type: s.type, data: s.data } : undefined, pull: names(sa.imagePullSecrets), mount: names(sa.secrets) };
};
const rvs = (ns: string) => JSON.stringify([sb.store.get('/secrets', ns, 'quaycreds'), sb.store.get('/serviceaccounts', ns, 'default')].map((o: any) => o?.metadata?.resourceVersion));
const CREATE = (ns: string, ...more: string[]) => ['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '--link', 'default', '-n', ns, ...more];

const REF = 'openshift.io/internal-registry-pull-secret-ref';
/**
 * What OpenShift's service-account pull-secrets controller (openshift-controller-manager; the sandbox runs it) gives
 * every account: its own `<sa>-dockercfg-<random>` secret in imagePullSecrets and secrets, a name per cluster.
 * Resolves with that name once the account has it (so later resourceVersion comparisons see no controller write).
 */
async function ownDockercfg(ns: string): Promise<string> {
  let name = '';
  await sb.waitFor((s) => {
    const sa = s.get('/serviceaccounts', ns, 'default') as any;
    name = sa?.metadata?.annotations?.[REF] ?? '';
    const has = (l: any[] | undefined) => (l ?? []).some((r) => r.name === name);
    const secret = name ? (s.get('/secrets', ns, name) as any) : undefined;
    return !!name && has(sa.imagePullSecrets) && has(sa.secrets) && secret?.metadata?.annotations?.['openshift.io/internal-registry-auth-token.binding'] === 'bound';
  });
  return name;
}
const own: Record<string, string> = {};

async function project(name: string): Promise<void> {
  sb.store.create('/namespaces', { metadata: { name } });
  await sb.waitFor((s) => !!s.get('/serviceaccounts', name, 'default'));
  own[name] = await ownDockercfg(name);
}
const lists = (ns: string) => {
  const sa = sb.store.get('/serviceaccounts', ns, 'default') as any;
  const names = (l: any[] | undefined) => (l ?? []).map((r) => r.name).sort();
  return { pull: names(sa.imagePullSecrets), mount: names(sa.secrets) };
};
async function hub(): Promise<void> {
  for (const a of acmHubSetup(tmp)) {
    const k = await kubectl(a);
    expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-pull-'));
  sb = await startSandbox({ profile: 'aws' });
  for (const ns of ['ps-direct', 'ps-manifests', 'ps-acm', 'ps-dry', 'ps-link']) await project(ns);
  const direct = await cli(CREATE('ps-direct'), PASSWORD);
  expect(direct.code, direct.stderr).toBe(0);
  await hub();
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pull-secret create --render', () => {
  it('manifests: redacted by default (no password anywhere, byte-identical re-render); with --show-secrets, applied, the state of the command', async () => {
    const before = rvs('ps-manifests');
    const r1 = await cli(CREATE('ps-manifests', '--render', 'manifests'), PASSWORD);
    const r2 = await cli(CREATE('ps-manifests', '--render', 'manifests'), PASSWORD);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toBe(r2.stdout);
    noPassword(r1.all);
    const docs = (yaml.loadAll(r1.stdout) as any[]).filter(Boolean);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Secret/quaycreds', 'ServiceAccount/default']);
    expect(docs[0]).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'quaycreds', namespace: 'ps-manifests' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '<redacted>' } });
    // imagePullSecrets is atomic: the apply carries the whole list as this cluster has it, and stderr says what that does elsewhere.
    expect(docs[1].imagePullSecrets).toEqual([{ name: own['ps-manifests'] }, { name: 'quaycreds' }]);
    expect(docs[1].secrets).toBeUndefined();
    expect(docs[1].metadata.resourceVersion).toBeUndefined();
    expect(r1.stderr).toContain(
      `imagePullSecrets is one atomic list: the rendered ServiceAccount default carries its whole list as this cluster has it (${own['ps-manifests']}, quaycreds); applying it on another cluster replaces that cluster's list, dropping its own default-dockercfg-… entry and naming this cluster's ${own['ps-manifests']}, a secret the other cluster does not have: OpenShift 4.16 and later adds its own entry back (a GitOps tool sees drift), 4.15 and older takes ${own['ps-manifests']} for the account's own and does not, leaving its pods without their pull secret for the integrated registry; --render acm-policy adds only quaycreds and leaves each cluster's other entries alone`,
    );
    expect(rvs('ps-manifests')).toBe(before); // rendering changes nothing

    const d = dir('manifests');
    const shown = await cli(CREATE('ps-manifests', '--render', 'manifests', '--show-secrets', '--output-dir', d), PASSWORD);
    expect(shown.code, shown.stderr).toBe(0);
    noPassword(shown.all);
    const secretFile = Object.keys(files(d)).find((f) => f.includes('secrets'))!;
    expect(fs.statSync(path.join(d, secretFile)).mode & 0o777).toBe(0o600);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(state('ps-manifests')).toEqual(state('ps-direct'));
    expect(state('ps-direct')).toMatchObject({ pull: ['quaycreds'] });
    // The command recognises what was applied: nothing more to do.
    const again = await cli(CREATE('ps-manifests'), PASSWORD);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('secret/quaycreds unchanged\nserviceaccount/default unchanged\n');
  });

  it('acm-policy (enforce): the value comes from a hub secret, none is written; Compliant gives the state of the command', async () => {
    const d = dir('acm');
    const args = CREATE('ps-acm', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d);
    const r = await cli(args, PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Secret policies/quaycreds on the hub: create it there with the keys .dockerconfigjson');
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again), PASSWORD)).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    for (const text of Object.values(files(d))) noPassword(text);
    const policy = yaml.load(files(d)['policy.yaml']!) as any;
    const templates = policy.spec['policy-templates'][0].objectDefinition.spec['object-templates'];
    expect(templates[0].objectDefinition.data).toEqual({ '.dockerconfigjson': '{{hub fromSecret "policies" "quaycreds" ".dockerconfigjson" hub}}' });
    // The account's template lists only the entry regctl adds, not this cluster's own dockercfg entry.
    expect(templates[1]).toEqual({ complianceType: 'musthave', objectDefinition: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ps-acm' }, imagePullSecrets: [{ name: 'quaycreds' }] } });
    expect(r.stderr).toContain("the policy adds quaycreds to ServiceAccount default's imagePullSecrets and keeps the other entries each cluster has");
    expect(r.stderr).not.toContain('atomic');
    expect(state('ps-acm').secret).toBeUndefined();

    const direct = sb.store.get('/secrets', 'ps-direct', 'quaycreds') as any;
    const cfg = writeText('dockerconfig.json', Buffer.from(direct.data['.dockerconfigjson'], 'base64').toString());
    for (const a of [
      ['create', 'secret', 'generic', 'quaycreds', '-n', 'policies', `--from-file=.dockerconfigjson=${cfg}`],
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-pull-secret-quaycreds-ps-acm') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    expect(state('ps-acm')).toEqual(state('ps-direct'));
    expect(lists('ps-acm').pull).toEqual([own['ps-acm'], 'quaycreds']);
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);
  });

  it('link acm-policy (enforce) on an account with another cluster\'s dockercfg entry: the secret is added, that entry kept, this cluster\'s not named', async () => {
    const made = await cli(['pull-secret', 'create', 'quaycreds', '--server', 'quay.io', '--username', 'me', '--password-stdin', '-n', 'ps-link'], PASSWORD);
    expect(made.code, made.stderr).toBe(0);
    const d = dir('link-acm');
    const r = await cli(['pull-secret', 'link', 'quaycreds', 'default', '--for', 'pull,mount', '-n', 'ps-link', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    noPassword(r.all);
    const policy = yaml.load(files(d)['policy.yaml']!) as any;
    const templates = policy.spec['policy-templates'][0].objectDefinition.spec['object-templates'];
    expect(templates).toEqual([
      { complianceType: 'musthave', objectDefinition: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ps-link' }, imagePullSecrets: [{ name: 'quaycreds' }], secrets: [{ name: 'quaycreds' }] } },
    ]);
    expect(JSON.stringify(policy)).not.toContain(own['ps-link']);
    // The same namespace on another cluster: the account there has its own dockercfg secret under another random
    // name. Here: the account made again, which the controller gives a new secret (the old one went with it).
    for (const a of [['delete', 'serviceaccount', 'default', '-n', 'ps-link'], ['create', 'serviceaccount', 'default', '-n', 'ps-link']]) {
      const k = await kubectl(a);
      expect(k.code, k.stderr).toBe(0);
    }
    const other = await ownDockercfg('ps-link');
    expect(other).not.toBe(own['ps-link']);
    expect(sb.store.get('/secrets', 'ps-link', own['ps-link']!)).toBeUndefined();
    const applied = await kubectl(['apply', '-f', d]);
    expect(applied.code, applied.stderr).toBe(0);
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-pull-secret-link-quaycreds-ps-link') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    expect(lists('ps-link')).toEqual({ pull: [other, 'quaycreds'], mount: [other, 'quaycreds'] });
    // What the enforced policy left is what the command itself has nothing more to do on.
    const again = await cli(['pull-secret', 'link', 'quaycreds', 'default', '--for', 'pull,mount', '-n', 'ps-link']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('serviceaccount/default unchanged\n');
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);
  });

  it('link renders the accounts only (and says the Secret is not in it); unlink cannot be rendered (exit 2, nothing changed)', async () => {
    const l = await cli(['pull-secret', 'link', 'quaycreds', 'default', 'builder', '-n', 'ps-direct', '--render', 'manifests']);
    expect(l.code, l.stderr).toBe(0);
    const docs = (yaml.loadAll(l.stdout) as any[]).filter(Boolean);
    expect(docs.map((x) => `${x.kind}/${x.metadata.name}`)).toEqual(['ServiceAccount/default', 'ServiceAccount/builder']);
    expect(docs[1]).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ps-direct' }, secrets: [{ name: 'quaycreds' }] });
    expect(l.stderr).toContain('the Secret quaycreds is not part of this rendering');

    const before = rvs('ps-direct');
    for (const format of ['manifests', 'acm-policy']) {
      const u = await cli(['pull-secret', 'unlink', 'quaycreds', 'default', '-n', 'ps-direct', '--render', format]);
      expect(u.code).toBe(2);
      expect(u.stderr).toMatch(format === 'acm-policy'
        ? /^error: pull-secret unlink cannot be rendered as acm-policy: only a mustonlyhave template .*SA-dockercfg-XXXXX secret .*\nhint: run `regctl pull-secret unlink/m
        : /^error: pull-secret unlink cannot be rendered as manifests: .*\nhint: in GitOps a removal is taking the object .*out of Git/m);
      expect(u.stdout).toBe('');
    }
    expect(rvs('ps-direct')).toBe(before);
  });
});

describe('pull-secret --dry-run', () => {
  it('=server has the API server check the create and the patch, changes nothing, prints no password', async () => {
    const before = rvs('ps-dry');
    const r = await cli(CREATE('ps-dry', '--dry-run=server'), PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('# dry run (checked by the API server): nothing was changed');
    expect([...r.stderr.matchAll(/server dry run: (\w+ \w+)/g)].map((m) => m[1])).toEqual(['create Secret', 'patch ServiceAccount']);
    noPassword(r.all);
    expect(rvs('ps-dry')).toBe(before);
    expect(state('ps-dry').secret).toBeUndefined();
  });

  it('-o json is the Plan: the Secret create (redacted) and the merge patch with the resourceVersion read', async () => {
    const r = await cli(CREATE('ps-dry', '--dry-run', '-o', 'json'), PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    noPassword(r.all);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'pull-secret-quaycreds-ps-dry', dryRun: 'client' });
    expect(plan.steps.map((s: any) => s.action)).toEqual(['create', 'patch']);
    expect(plan.steps[0].object.data).toEqual({ '.dockerconfigjson': '<redacted>' });
    const sa = sb.store.get('/serviceaccounts', 'ps-dry', 'default') as any;
    expect(plan.steps[1].patch.metadata.resourceVersion).toBe(sa.metadata.resourceVersion);
    expect(plan.steps[1].patch.imagePullSecrets).toContainEqual({ name: 'quaycreds' });
  });
});
