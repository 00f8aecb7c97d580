// `regctl grant` / `regctl revoke` on the sandbox: a denied skopeo pull works after `grant viewer` and is
// denied again after `revoke viewer`; binding names, subjects, warnings and stdout lines as `oc policy` (c.2–c.4).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'js-yaml';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { buildImage, writeDirImage } from '../sandbox/registry/testing/image.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';
const CRB = 'rbac.authorization.k8s.io/clusterrolebindings';

let sb: Sandbox;
let tmp: string;
const env = (extra: Record<string, string> = {}) => ({ KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...extra });
const regctl = (args: string[], input?: string) => runCli(args, { env: env(), input });
const rbNames = (ns: string) => sb.store.list(RB, ns).items.map((b) => b.metadata.name).sort();
const rb = (ns: string, name: string): any => sb.store.get(RB, ns, name);
const crb = (name: string): any => sb.store.get(CRB, undefined, name);

async function project(name: string): Promise<void> {
  sb.store.create('/namespaces', { metadata: { name } });
  await sb.waitFor((s) => !!s.get(RB, name, 'system:image-pullers') && !!s.get('/serviceaccounts', name, 'default'));
}

/** Exposes the registry with the default route (idempotent) and trusts the ingress CA for skopeo/curl. */
async function exposeRegistry(): Promise<string> {
  const certs = path.join(tmp, 'certs');
  if (fs.existsSync(certs)) return certs;
  const k = await sh('kubectl', ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":true}}']);
  expect(k.code).toBe(0);
  await sb.waitFor((s) => ((s.get('route.openshift.io/routes', 'openshift-image-registry', 'default-route')?.status as any)?.ingress ?? []).some((i: any) => (i.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True')), 15_000);
  fs.mkdirSync(certs);
  fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
  return certs;
}

const sh = (cmd: string, args: string[]) => runTool(cmd, args, sb.env, tmp);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-grant-e2e-'));
  sb = await startSandbox({ profile: 'aws' });
});
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('skopeo pull: denied → grant viewer → allowed → revoke viewer → denied', () => {
  it('changes what the registry allows alice', async () => {
    const NS = 'pulltest';
    await project(NS);
    const certs = await exposeRegistry();
    const authfile = (name: string, token: string) => {
      const f = path.join(tmp, `${name}.json`);
      fs.writeFileSync(f, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`${name}:${token}`).toString('base64') } } }), { mode: 0o600 });
      return f;
    };
    const ref = `docker://${sb.defaultRouteHost}/${NS}/app:v1`;

    // The admin pushes an image first.
    await writeDirImage(path.join(tmp, 'src'), buildImage('granted image\n'));
    const push = await sh('skopeo', ['copy', '--dest-authfile', authfile('admin', sb.tokens.admin!), '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, ref]);
    expect(push.stderr).not.toMatch(/level=fatal/);
    expect(push.code).toBe(0);

    // The registry caches access reviews per token for a few seconds (as the real one does), so each phase
    // logs alice in afresh: a new token is a new cache entry, and the answer reflects the bindings now.
    const inspect = (phase: string) => sh('skopeo', ['inspect', '--authfile', authfile(`alice-${phase}`, sb.issueToken('alice')), '--cert-dir', certs, ref]);

    const before = await inspect('before');
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/unauthorized|authentication required/i);

    const grant = await regctl(['grant', 'viewer', 'alice', '-n', NS]);
    expect(grant.stderr).toBe('Created RoleBinding registry-viewer in pulltest: user alice → ClusterRole registry-viewer\n');
    expect(grant.stdout).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer added: "alice"\n');
    expect(grant.code).toBe(0);

    const during = await inspect('during');
    expect(during.stderr).toBe('');
    expect(during.code).toBe(0);
    expect(JSON.parse(during.stdout).Name).toBe(`${sb.defaultRouteHost}/${NS}/app`);

    const revoke = await regctl(['revoke', 'viewer', 'alice', '-n', NS]);
    expect(revoke.stdout).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer removed: "alice"\n');
    expect(revoke.stderr).toBe('Deleted RoleBinding registry-viewer in pulltest: removed user alice from ClusterRole registry-viewer\n');
    expect(revoke.code).toBe(0);
    expect(rb(NS, 'registry-viewer')).toBeUndefined();

    const after = await inspect('after');
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/unauthorized|authentication required/i);
    for (const r of [grant, revoke]) expect(r.all).not.toContain(sb.tokens.admin);
  });
});

describe('binding names identical to oc (behaviours c.3)', () => {
  it('fresh project: registry-viewer, then registry-viewer-0 for a second user', async () => {
    await project('names');
    const a = await regctl(['grant', 'viewer', 'alice', '-n', 'names']);
    expect(a.code).toBe(0);
    expect(rb('names', 'registry-viewer')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-viewer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const b = await regctl(['grant', 'viewer', 'bob', '-n', 'names']);
    expect(b.code).toBe(0);
    expect(rb('names', 'registry-viewer-0').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }]);
  });

  it('puller in a project → RoleBinding system:image-puller (next to the controller\'s system:image-pullers)', async () => {
    const r = await regctl(['grant', 'puller', 'alice', '-n', 'names']);
    expect(r.code).toBe(0);
    expect(rb('names', 'system:image-puller').roleRef.name).toBe('system:image-puller');
    expect(rb('names', 'system:image-pullers').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:names' }]);
  });

  it('cluster-wide puller → ClusterRoleBinding system:image-puller-0 (the bootstrap binding holds the base name)', async () => {
    const r = await regctl(['grant', 'puller', 'alice', '--cluster-wide']);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/system:image-puller added: "alice"\n');
    expect(r.code).toBe(0);
    expect(crb('system:image-puller-0')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'system:image-puller' }, subjects: [{ kind: 'User', name: 'alice' }] });
    expect(crb('system:image-puller').subjects).toEqual([{ kind: 'ServiceAccount', name: 'default-rolebindings-controller', namespace: 'openshift-infra' }]);
  });

  it('is idempotent: a second run writes nothing, exits 0 and says so', async () => {
    const before = rbNames('names');
    const rv = rb('names', 'registry-viewer').metadata.resourceVersion;
    const r = await regctl(['grant', 'viewer', 'alice', '-n', 'names']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer added: "alice"\n');
    expect(r.stderr).toBe('alice already has registry-viewer (RoleBinding registry-viewer in names): nothing to change\n');
    expect(rbNames('names')).toEqual(before);
    expect(rb('names', 'registry-viewer').metadata.resourceVersion).toBe(rv);
  });

  it('--dry-run -o yaml prints the plan (kind Plan, issue 18): the binding it would create; creates nothing', async () => {
    const before = rbNames('names');
    const r = await regctl(['grant', 'viewer', 'carol', '-n', 'names', '--dry-run', '-o', 'yaml']);
    expect(r.code).toBe(0);
    const plan = YAML.load(r.stdout) as any;
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'grant-registry-viewer-1-names', dryRun: 'client' });
    expect(plan.steps).toEqual([
      {
        action: 'create',
        target: expect.objectContaining({ kind: 'RoleBinding', name: 'registry-viewer-1', namespace: 'names' }),
        summary: 'create RoleBinding registry-viewer-1 in names (ClusterRole registry-viewer)',
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'registry-viewer-1', namespace: 'names' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-viewer' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }],
        },
      },
    ]);
    expect(r.stderr).toMatch(/Warning: User 'carol' not found/);
    expect(r.stderr).toMatch(/\(dry run\) would create RoleBinding registry-viewer-1 in names/);
    expect(rbNames('names')).toEqual(before);
    const j = await regctl(['grant', 'viewer', 'carol', '-n', 'names', '--dry-run']);
    expect(j.stdout).toMatch(/^# dry run: nothing was changed\n---\n# 1\. create RoleBinding registry-viewer-1 in names \(ClusterRole registry-viewer\)\n/);
    expect(rbNames('names')).toEqual(before);
  });

  it('orders subjects users, groups, -z; reads system:serviceaccount names as service accounts; prints oc\'s list form', async () => {
    await project('subjects');
    const r = await regctl(['grant', 'pusher', 'alice', 'system:serviceaccount:other:robot', '--group', 'devs', '-z', 'builder', '-n', 'subjects']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/system:image-pusher added: ["alice" "system:serviceaccount:other:robot" "devs" "builder"]\n');
    expect(rb('subjects', 'system:image-pusher').subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { kind: 'ServiceAccount', namespace: 'other', name: 'robot' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', namespace: 'subjects', name: 'builder' },
    ]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Warning:'))).toEqual(["Warning: ServiceAccount 'robot' not found", "Warning: Group 'devs' not found"]);
  });

  it('shares a project\'s image streams with another project\'s service accounts (seed 003)', async () => {
    await project('shared');
    // As the service account itself: the sandbox ignores impersonation (--as would answer for the admin), and
    // kubectl reads `imagestreams/layers` as the stream named "layers", hence --subresource.
    const canPull = async () => (await sh('kubectl', ['auth', 'can-i', 'get', 'imagestreams', '--subresource=layers', '-n', 'shared', '--token', sb.issueToken('system:serviceaccount:myapp:default')])).stdout.trim();
    expect(await canPull()).toBe('no');
    const r = await regctl(['grant', 'puller', '--group', 'system:serviceaccounts:myapp', '-n', 'shared']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/system:image-puller added: "system:serviceaccounts:myapp"\n');
    expect(r.stderr).not.toMatch(/Warning/);
    expect(await canPull()).toBe('yes');
  });

  it('an unknown intent is a usage error naming the closest intent; nothing is bound', async () => {
    const r = await regctl(['grant', 'viewr', 'alice', '-n', 'names']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown intent "viewr" (did you mean viewer?)\nhint: intents: viewer, editor, puller, pusher, builder, metrics, pruner, reader; to bind any other ClusterRole, use --cluster-role NAME\n');
    expect(rb('names', 'viewr')).toBeUndefined();
    const revoke = await regctl(['revoke', 'no-such-role', 'alice', '-n', 'names']);
    expect(revoke.code).toBe(2);
    expect(revoke.stderr).toMatch(/^error: unknown intent "no-such-role"\nhint: intents: /);
  });

  // The docs' `oc policy add-role-to-user system:image-puller USER` (seed 003): the ClusterRole of an intent, typed
  // as the role. The hint names the intent to write instead; nothing is bound.
  it('the ClusterRole of an intent given as ROLE: exit 2, the hint names the intent; nothing is bound', async () => {
    const before = JSON.stringify(sb.store.list(RB, 'names').items);
    const r = await regctl(['grant', 'system:image-puller', 'alice', '-n', 'names']);
    expect(r.code, r.all).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: unknown intent "system:image-puller": system:image-puller is the ClusterRole of the intent puller\nhint: write puller in its place (intents: viewer, editor, puller, pusher, builder, metrics, pruner, reader)\n');
    expect(JSON.stringify(sb.store.list(RB, 'names').items)).toBe(before);
    const metrics = await regctl(['revoke', 'prometheus-scraper', 'alice']);
    expect(metrics.code, metrics.all).toBe(2);
    expect(metrics.stderr).toMatch(/^error: unknown intent "prometheus-scraper": prometheus-scraper is the ClusterRole of the intent metrics\nhint: write metrics in its place /);
  });

  it('--cluster-role binds any ClusterRole that exists, and refuses one that does not (exit 5)', async () => {
    const missing = await regctl(['grant', '--cluster-role', 'no-such-role', 'alice', '-n', 'names']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toBe('error: ClusterRole no-such-role not found\nhint: check the name with `kubectl get clusterroles`, or create the ClusterRole first\n');
    expect(rb('names', 'no-such-role')).toBeUndefined();
    const r = await regctl(['grant', '--cluster-role', 'system:image-puller', 'alice', '-n', 'names']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/system:image-puller added: "alice"\n');
    expect((await regctl(['revoke', '--cluster-role', 'system:image-puller', 'alice', '-n', 'names'])).code).toBe(0);
    const both = await regctl(['grant', '--cluster-role', 'admin', 'alice', '-n', 'names', '--role-namespace', 'names']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --cluster-role and --role-namespace cannot be combined\nhint: /);
  });
});

describe('metrics', () => {
  it('binds the product role registry-monitoring (→ registry-monitoring-0, the CIRO binding holds the name)', async () => {
    const r = await regctl(['grant', 'metrics', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/registry-monitoring added: "alice"\n');
    expect(crb('registry-monitoring-0').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);
    expect((await regctl(['revoke', 'metrics', 'alice'])).code).toBe(0);
    expect(crb('registry-monitoring-0')).toBeUndefined();
  });

  it('without registry-monitoring creates the docs\' prometheus-scraper ClusterRole and binding prometheus-scraper', async () => {
    sb.store.delete('rbac.authorization.k8s.io/clusterroles', undefined, 'registry-monitoring');
    const dry = await regctl(['grant', 'metrics', 'bob', '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.kind).toBe('Plan');
    expect(plan.steps.map((s: any) => `${s.action} ${s.object.kind}/${s.object.metadata.name}`)).toEqual(['create ClusterRole/prometheus-scraper', 'create ClusterRoleBinding/prometheus-scraper']);
    expect(sb.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'prometheus-scraper')).toBeUndefined();

    // The registry's own check (behaviours e): a SelfSubjectAccessReview for get registry/metrics with bob's token.
    const certs = await exposeRegistry();
    const metrics = () =>
      sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(certs, 'ca.crt'), '-u', `bob:${sb.issueToken('bob')}`, `https://${sb.defaultRouteHost}/extensions/v2/metrics`]);
    expect((await metrics()).stdout).toBe('401');
    const r = await regctl(['grant', 'metrics', 'bob']);
    expect(r.code).toBe(0);
    expect((await metrics()).stdout).toBe('200');
    expect(sb.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'prometheus-scraper')).toMatchObject({
      rules: [{ apiGroups: ['image.openshift.io'], resources: ['registry/metrics'], verbs: ['get'] }],
    });
    expect(crb('prometheus-scraper')).toMatchObject({ roleRef: { name: 'prometheus-scraper' }, subjects: [{ kind: 'User', name: 'bob' }] });
  });
});

describe('revoke (behaviours c.4)', () => {
  it('updates bindings that keep subjects, deletes emptied ones, and is idempotent', async () => {
    await project('rev');
    expect((await regctl(['grant', 'editor', 'alice', '-n', 'rev'])).code).toBe(0);
    expect((await regctl(['grant', 'editor', 'alice', 'bob', '-n', 'rev'])).code).toBe(0);
    expect(rb('rev', 'registry-editor-0').subjects.map((s: any) => s.name)).toEqual(['alice', 'bob']);
    const dry = await regctl(['revoke', 'editor', 'alice', '-n', 'rev', '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(0);
    // A Plan (issue 18): the emptied binding is deleted, the other keeps bob (a merge patch carrying the resourceVersion read).
    expect(JSON.parse(dry.stdout).steps.map((s: any) => [s.action, s.target.name, s.patch?.subjects?.map((x: any) => x.name)])).toEqual([
      ['delete', 'registry-editor', undefined],
      ['patch', 'registry-editor-0', ['bob']],
    ]);
    expect(rb('rev', 'registry-editor')).toBeDefined();

    expect((await regctl(['grant', 'puller', 'alice', '-n', 'rev'])).code).toBe(0);
    const r = await regctl(['revoke', 'editor', 'alice', '-n', 'rev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('clusterrole.rbac.authorization.k8s.io/registry-editor removed: "alice"\n');
    // Another binding still lets alice pull: said, so the revoke is not mistaken for "no access".
    expect(r.stderr).toMatch(/^Warning: alice can still pull in rev \(RBAC: allowed by .*"system:image-puller.*\); see `regctl access alice -n rev`$/m);
    expect(rb('rev', 'registry-editor')).toBeUndefined();
    expect(rb('rev', 'registry-editor-0').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }]);

    const again = await regctl(['revoke', 'editor', 'alice', '-n', 'rev']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('nothing to revoke: unable to find target [alice]\n');
  });

  it('warns about reconciliation when a binding is marked autoupdate=true', async () => {
    const r = await regctl(['revoke', 'builder', 'system:serviceaccount:openshift-infra:default-rolebindings-controller', '--cluster-wide']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "Warning: Your changes may get lost whenever a master is restarted, unless you prevent reconciliation of this rolebinding using the following command: oc annotate clusterrolebinding.rbac system:image-builder 'rbac.authorization.kubernetes.io/autoupdate=false' --overwrite\n",
    );
    expect(crb('system:image-builder')).toBeUndefined();
  });
});

describe('errors', () => {
  it('forbidden: exit 4 with the Kubernetes message, nothing written', async () => {
    const before = rbNames('names');
    const r = await regctl(['--context', 'developer', 'grant', 'viewer', 'bob', '-n', 'names']);
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n')[0]).toBe('error: forbidden: rolebindings.rbac.authorization.k8s.io is forbidden: User "developer" cannot list resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "names"');
    expect(r.stderr.split('\n')[1]).toMatch(/^hint: /);
    expect(rbNames('names')).toEqual(before);
  });
});
