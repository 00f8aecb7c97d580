// issue 18 part 2, removals: `delete` renders as an ACM policy with one `mustnothave` ImageStreamTag per tag (kind,
// name, namespace only); `expose --remove` (the default route: spec.defaultRoute=false, plain desired state) renders in
// every format. Enforced by the sandbox's configuration-policy controller they give what running the command gives;
// inform reports NonCompliant before and Compliant after; `expose --route NAME --remove` stays refused for acm-policy
// (mustonlyhave would make the Config's whole spec the template) and `delete` for the formats that apply objects.
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

const IS = 'image.openshift.io/imagestreams';
const CFG = 'imageregistry.operator.openshift.io/configs';
const ROUTES = 'route.openshift.io/routes';
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
const rootPolicy = (name: string) => sb.store.get(POLICIES, 'policies', name) as any;
/** The tags of a stream as delete decides them: spec tags and status tags with their images. */
const tags = (ns: string) => {
  const s = sb.store.get(IS, ns, 'app') as any;
  return { spec: ((s?.spec?.tags ?? []) as any[]).map((t) => t.name).sort(), status: ((s?.status?.tags ?? []) as any[]).map((t) => [t.tag, t.items?.[0]?.image]).sort() };
};
const config = () => sb.store.get(CFG, undefined, 'cluster') as any;
const route = () => sb.store.get(ROUTES, 'openshift-image-registry', 'default-route') as any;

function createStream(ns: string): void {
  sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const digest = (t: string) => `sha256:${Buffer.from(`app:${t}`).toString('hex').padEnd(64, '0')}`;
  sb.store.create(IS, {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name: 'app', namespace: ns },
    spec: { lookupPolicy: { local: false } },
    status: {
      dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${ns}/app`,
      tags: ['v1', 'v2', 'latest'].map((t) => ({ tag: t, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `x@${digest(t)}`, image: digest(t), generation: 1 }] })),
    },
  });
}

/** Renders inform and enforce (re-render identical), server-dry-runs the Policy, applies inform (NonCompliant, nothing changed), then enforce (Compliant). */
async function informThenEnforce(args: string[], policyName: string, unchanged: () => unknown): Promise<{ templates: any[]; inform: string }> {
  const [inform, again, enforce] = [dir('inform'), dir('inform'), dir('enforce')];
  for (const [d, action] of [[inform, 'inform'], [again, 'inform'], [enforce, 'enforce']] as const) {
    const r = await cli([...args, '--render', 'acm-policy', '--remediation', action, ...ACM, '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    // No credential of the cluster reaches the output or the files.
    for (const text of [r.stdout, r.stderr, ...Object.values(files(d))]) for (const t of Object.values(sb.tokens)) expect(text).not.toContain(t);
  }
  expect(files(again)).toEqual(files(inform));
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

/** The inform rendering on the changed cluster: Compliant; then the policy goes. */
async function informAfter(policyName: string, d: string): Promise<void> {
  await ok(['apply', '-f', d]);
  await sb.waitFor(() => rootPolicy(policyName)?.spec?.remediationAction === 'inform' && rootPolicy(policyName)?.status?.compliant === 'Compliant', 30_000);
  await ok(['delete', '-f', d]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-removals-de-'));
  sb = await startSandbox();
  for (const ns of ['dl-direct', 'dl-acm', 'dl-watch']) createStream(ns);
  for (const a of acmHubSetup(tmp)) await ok(a);
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('delete --render acm-policy', () => {
  it('one mustnothave ImageStreamTag per tag; enforced, the tags delete deletes are gone and the rest stays', async () => {
    const direct = await cli(['delete', 'app:v1', 'app:latest', '-n', 'dl-direct']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(tags('dl-direct').status.map((t) => t[0])).toEqual(['v2']);
    const args = ['delete', 'app:v1', 'app:latest', '-n', 'dl-acm'];
    const { templates, inform } = await informThenEnforce(args, 'regctl-delete-dl-acm-app', () => tags('dl-acm'));
    expect(templates).toEqual(
      ['app:v1', 'app:latest'].map((name) => ({ complianceType: 'mustnothave', objectDefinition: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name, namespace: 'dl-acm' } } })),
    );
    expect(tags('dl-acm')).toEqual(tags('dl-direct'));
    // ImageStreamTags cannot be watched: the ConfigurationPolicy polls (evaluationInterval), as the controller needs.
    const cp = (yaml.load(files(inform)['policy.yaml']!) as any).spec['policy-templates'][0].objectDefinition;
    expect(cp.spec.evaluationInterval).toEqual({ compliant: '10m', noncompliant: '30s' });
    // delete has nothing left to do, and rendering again renders nothing.
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('not found: nothing to delete');
    const none = await cli([...args, '--render', 'acm-policy']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('');
    await informAfter('regctl-delete-dl-acm-app', inform);
  });

  it('without evaluationInterval the controller cannot watch ImageStreamTags: NonCompliant "unwatchable", nothing deleted', async () => {
    const d = dir('watch');
    const r = await cli(['delete', 'app:v1', '-n', 'dl-watch', '--render', 'acm-policy', '--remediation', 'enforce', ...ACM, '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    const policy = yaml.load(files(d)['policy.yaml']!) as any;
    delete policy.spec['policy-templates'][0].objectDefinition.spec.evaluationInterval;
    fs.writeFileSync(path.join(d, 'policy.yaml'), yaml.dump(policy));
    const before = JSON.stringify(tags('dl-watch'));
    await ok(['apply', '-f', d]);
    const name = 'regctl-delete-dl-watch-app-v1';
    await sb.waitFor(() => rootPolicy(name)?.status?.compliant === 'NonCompliant', 30_000);
    const rep = sb.store.get(POLICIES, 'local-cluster', `policies.${name}`) as any;
    expect(rep.status.details[0].history[0].message).toBe(
      'NonCompliant; violation - Error with object-template at index [0], it may require evaluationInterval to be set: image.openshift.io/v1, Kind=ImageStreamTag cannot be watched: watch not supported on this resource',
    );
    expect(JSON.stringify(tags('dl-watch'))).toBe(before);
    await ok(['delete', '-f', d]);
  });

  it('manifests, kustomize and argocd refuse it (exit 2) with the GitOps hint naming Argo CD prune; nothing changed', async () => {
    const before = JSON.stringify(tags('dl-acm'));
    for (const format of ['manifests', 'kustomize', 'argocd']) {
      const r = await cli(['delete', 'app:v2', '-n', 'dl-acm', '--render', format]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: delete cannot be rendered as ${format}: it takes something away, and an apply can only add and change\\nhint: in GitOps a removal is taking the object \\(or the entry\\) out of Git: Argo CD deletes an object that left Git only when the Application prunes`));
      expect(r.stdout).toBe('');
    }
    expect(JSON.stringify(tags('dl-acm'))).toBe(before);
  });
});

describe('expose --remove --render', () => {
  const exposed = async () => {
    expect((await cli(['expose', '--default-route', '--no-wait'])).code).toBe(0);
    await sb.waitFor(() => Boolean(route()), 20_000);
  };

  it('--remove (the default route): spec.defaultRoute=false as desired state; enforced, the operator removes the route as after expose --remove', async () => {
    await exposed();
    const direct = await cli(['expose', '--remove']);
    expect(direct.code, direct.stderr).toBe(0);
    await sb.waitFor(() => !route(), 20_000);
    const after = structuredClone(config().spec);
    await exposed();

    const args = ['expose', '--remove'];
    const m = await cli([...args, '--render', 'manifests']);
    expect(m.code, m.stderr).toBe(0);
    expect(yaml.load(m.stdout.replace(/^---\n/, ''))).toMatchObject({ kind: 'Config', metadata: { name: 'cluster' }, spec: { defaultRoute: false } });
    const { templates, inform } = await informThenEnforce(args, 'regctl-expose-remove-default-route', () => [config().spec.defaultRoute, Boolean(route())]);
    expect(templates).toEqual([
      { complianceType: 'musthave', objectDefinition: { apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: { defaultRoute: false } } },
    ]);
    await sb.waitFor(() => !route(), 20_000);
    expect(config().spec).toEqual(after);
    await informAfter('regctl-expose-remove-default-route', inform);
  });

  it('--route NAME --remove stays refused: acm-policy names why mustonlyhave cannot say it, manifests gets the GitOps hint', async () => {
    const before = JSON.stringify(config().spec);
    const acm = await cli(['expose', '--route', 'gitops', '--remove', '--render', 'acm-policy']);
    expect(acm.code).toBe(2);
    expect(acm.stderr).toMatch(/^error: expose --route gitops --remove cannot be rendered as acm-policy: a musthave template cannot take an entry out of spec.routes, and a mustonlyhave template makes whole top-level fields exactly the template — the registry Config's whole spec, dropping every setting it does not name\nhint: run `regctl expose/);
    const m = await cli(['expose', '--route', 'gitops', '--remove', '--render', 'manifests']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^error: expose --route gitops --remove cannot be rendered as manifests: .*\nhint: in GitOps a removal is taking the object/);
    for (const r of [acm, m]) expect(r.stdout).toBe('');
    expect(JSON.stringify(config().spec)).toBe(before);
  });
});

describe('settings taken away (config set KEY-, a storage switch)', () => {
  it('acm-policy refuses them (exit 2) naming why neither musthave nor mustonlyhave can say it; nothing changed', async () => {
    const before = JSON.stringify(config());
    const c = await cli(['config', 'set', 'logLevel-', '--render', 'acm-policy']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^error: cannot render ".*" as acm-policy: it removes spec\.logLevel, a musthave template cannot take fields away, and a mustonlyhave template would make the whole spec exactly what is rendered, dropping every setting it does not name\nhint: run the command directly/);
    expect(Object.keys(config().spec.storage)).toContain('s3');
    const s = await cli(['set-storage', 'emptydir', '--yes', '--render', 'acm-policy']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^error: cannot render ".*" as acm-policy: it removes spec\.storage\.s3.*mustonlyhave template would make the whole spec exactly what is rendered/m);
    for (const r of [c, s]) expect(r.stdout).toBe('');
    expect(JSON.stringify(config())).toBe(before);
  });
});
