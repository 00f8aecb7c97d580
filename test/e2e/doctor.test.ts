// `regctl doctor` against the sandbox: every check made to fail for its reason, with the fix it names, and the
// fix applied where that is a regctl command (the check then passes). One AWS sandbox walks through the
// registry path; the bare-metal profile shows the managementState failure. (The degraded profile's storage
// failure is in bundle.test.ts, which bundles that broken cluster.)
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, DoctorReport } from '../../src/doctor/model.js';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const NS = 'doctor-team';

type Check = CheckResult;
type Report = DoctorReport;

function parse(stdout: string): { report: Report; check(id: string): Check } {
  const report = JSON.parse(stdout) as Report;
  return {
    report,
    check(id: string) {
      const c = report.checks.find((x) => x.id === id);
      if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
      return c;
    },
  };
}

/**
 * Lets USER get image.config (and nothing else), so that regctl can confirm --registry HOST as this cluster's registry
 * (the token rule) without the operator objects `regctl grant reader` would add.
 */
function letReadImageConfig(sb: Sandbox, user: string): void {
  const RBAC = 'rbac.authorization.k8s.io';
  if (!sb.store.get(`${RBAC}/clusterroles`, undefined, 'e2e-image-config-reader')) {
    sb.store.create(`${RBAC}/clusterroles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'e2e-image-config-reader' },
      rules: [{ apiGroups: ['config.openshift.io'], resources: ['images'], resourceNames: ['cluster'], verbs: ['get'] }],
    });
  }
  sb.store.create(`${RBAC}/clusterrolebindings`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: `e2e-image-config-reader-${user}` },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'e2e-image-config-reader' },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
  });
}

function readyPods(sb: Sandbox): number {
  return sb.store
    .list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' })
    .items.filter((p: any) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
}

function setReplicas(sb: Sandbox, n: number): void {
  const cfg = sb.store.get(CONFIGS, undefined, 'cluster') as any;
  cfg.spec.replicas = n;
  sb.store.update(CONFIGS, cfg);
}

describe('doctor on an AWS cluster, from a machine that has done nothing yet', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  const doctor = (args: string[], env: Record<string, string | undefined> = {}) => t.cli(['doctor', '--certs-dir', t.certsDir, ...args], { env });
  const json = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const r = await doctor([...args, '-o', 'json'], env);
    expect(r.all).not.toContain(sb.tokens.admin);
    expect(r.all).not.toContain(sb.tokens.developer);
    return { r, ...parse(r.stdout) };
  };

  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    t = await loginEnv(sb, 'doctor');
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  // Not exposed is only a warning (doctor-internal.test.ts) unless the user asks for the external host, as here.
  it('no route, --registry naming the external host: route fails with `regctl expose --default-route`, tls and registry-api are skipped because of it; human output', async () => {
    const external = ['--registry', sb.defaultRouteHost];
    const only = [...external, '--skip', 'installed,management-state,storage,operator,pods,registry-api,rbac'];
    const [{ r, report, check }, plain, colour] = await Promise.all([json(external), doctor(only), doctor(only, { NO_COLOR: '', FORCE_COLOR: '1' })]);
    expect(r.code, r.all).toBe(3);
    expect(report.kind).toBe('DoctorReport');
    expect(report.result).toBe('fail');
    expect(report.checks.map((c) => c.id)).toEqual(['api', 'installed', 'management-state', 'storage', 'operator', 'pods', 'route', 'tls', 'registry-api', 'rbac', 'pull-test', 'push-test']);
    for (const id of ['api', 'installed', 'management-state', 'storage', 'operator', 'pods', 'rbac']) expect(check(id).verdict, id).toBe('ok');
    expect(check('route')).toMatchObject({ verdict: 'fail', fix: 'regctl expose --default-route' });
    expect(check('route').summary).toMatch(/not exposed/);
    expect(check('tls')).toMatchObject({ verdict: 'skipped', skipped: { dependsOn: 'route', failedCheck: 'route' } });
    expect(check('registry-api')).toMatchObject({ verdict: 'skipped', skipped: { dependsOn: 'tls', failedCheck: 'route' } });
    expect(check('push-test').skipped?.reason).toMatch(/not requested \(run with --push-test\)/);
    expect(r.stderr).toMatch(/^error: 1 check failed: route\nhint: start with route: `regctl expose --default-route`\n$/);

    expect(plain.code).toBe(3);
    expect(plain.stdout).toMatch(/^ok   api {7}https:\/\/127\.0\.0\.1:\d+ answers; you are kube:admin$/m);
    expect(plain.stdout).toMatch(/^FAIL route {5}the registry is not exposed/m);
    expect(plain.stdout).toMatch(/^ {15}fix: regctl expose --default-route$/m);
    expect(plain.stdout).toMatch(/^skip tls {7}skipped: depends on route failed$/m);
    expect(plain.stdout).toMatch(/^skip push-test skipped: not requested \(run with --push-test\)$/m);
    expect(plain.stdout).toMatch(/\n1 ok, 0 warnings, 1 failed, 3 skipped\n$/);
    expect(plain.stdout).not.toMatch(/[✔⚠✖]|\x1b\[/);
    expect(colour.stdout).toMatch(/✔.*api/);
    expect(colour.stdout).toMatch(/✖.*route/);
    expect(colour.stdout).toMatch(/–.*tls/);
  });

  it('tls: this machine does not trust the ingress CA → fail with `regctl expose --trust`; after it, ok', async () => {
    const exposed = await t.cli(['expose', '--default-route']);
    expect(exposed.code, exposed.all).toBe(0);
    const before = await json(['--only', 'route,tls,registry-api']);
    expect(before.check('route')).toMatchObject({ verdict: 'ok' });
    const tls = before.check('tls');
    expect(tls.verdict).toBe('fail');
    expect(tls.summary).toContain(`do not trust ${sb.defaultRouteHost}`);
    expect(tls.fix).toBe(`regctl expose --trust --certs-dir ${t.certsDir}`);
    expect(tls.evidence.join('\n')).toMatch(/cluster CA \(configmap openshift-config-managed\/default-ingress-cert\): verifies/);
    // The registry itself is still checked (with the cluster CA): only local trust is missing.
    expect(before.check('registry-api').verdict).not.toBe('skipped');

    const fix = await t.cli(tls.fix!.replace(/^regctl /, '').split(' '));
    expect(fix.code, fix.all).toBe(0);
    const after = await json(['--only', 'tls']);
    expect(after.check('tls')).toMatchObject({ verdict: 'ok', details: { machineTrusted: true, clusterVerified: true } });
    expect(after.check('tls').summary).toContain(path.join(t.certsDir, sb.defaultRouteHost, 'ca.crt'));
  });

  it('registry-api: no saved credentials → warn `regctl login`; a revoked saved token → fail `regctl login`; after it, ok', async () => {
    const none = await json(['--only', 'registry-api']);
    expect(none.check('registry-api')).toMatchObject({ verdict: 'warn', fix: 'regctl login' });
    expect(none.check('registry-api').summary).toMatch(/podman, skopeo and buildah have no credentials/);

    // A token saved for podman (as `regctl login` writes it), then revoked.
    const revoked = sb.issueToken('kube:admin');
    const authfile = path.join(t.xdg, 'containers', 'auth.json');
    fs.mkdirSync(path.dirname(authfile), { recursive: true });
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`kubeadmin:${revoked}`).toString('base64') } } }));
    sb.auth.revoke(revoked);
    const bad = await json(['--only', 'api,registry-api']);
    expect(bad.r.code).toBe(3);
    const api = bad.check('registry-api');
    expect(api).toMatchObject({ verdict: 'fail', fix: 'regctl login' });
    expect(api.summary).toBe(`the token saved for ${sb.defaultRouteHost} in ${authfile} was rejected: expired or revoked`);
    expect(api.evidence.join('\n')).toMatch(/with your kubeconfig token → 200: the registry works, the saved token does not/);
    expect(bad.check('api').verdict).toBe('ok');
    expect(bad.r.all).not.toContain(revoked);

    const login = await t.cli(['login', '--certs-dir', t.certsDir]);
    expect(login.code, login.all).toBe(0);
    const good = await json(['--only', 'registry-api']);
    expect(good.check('registry-api')).toMatchObject({ verdict: 'ok', details: { credentials: 'auth.json' } });
    expect(good.r.code, good.r.all).toBe(0);
  });

  it('all checks pass; --push-test and --pull-test push, pull back and delete a tiny image', async () => {
    const { r, report, check } = await json(['--push-test', '--pull-test', '-n', NS]);
    expect(r.code, r.all).toBe(0);
    expect(report.result).toBe('ok');
    expect(report.summary).toEqual({ ok: 12, warn: 0, fail: 0, skipped: 0 });
    expect(check('pull-test')).toMatchObject({ verdict: 'ok' });
    expect(check('push-test')).toMatchObject({ verdict: 'ok' });
    const tag = check('push-test').details?.tag as string;
    expect(tag).toMatch(/^doctor-[0-9a-f]{8}$/);
    expect(check('push-test').details?.repository).toBe(`${NS}/regctl-doctor`);
    expect(check('push-test').evidence.join('\n')).toContain(`deleted ImageStreamTag ${NS}/regctl-doctor:${tag} and the image stream regctl-doctor it created`);
    expect(sb.store.get('image.openshift.io/imagestreams', NS, 'regctl-doctor')).toBeUndefined();
  });

  it('rbac: a developer who may pull but not push → the push check fails naming `regctl grant builder developer -n NS` (the test pushes to a new image stream)', async () => {
    const granted = await t.cli(['grant', 'puller', 'developer', '-n', NS]);
    expect(granted.code, granted.all).toBe(0);
    letReadImageConfig(sb, 'developer');
    const dev = { REGISTRY_AUTH_FILE: path.join(t.tmp, 'developer-auth.json') };
    const { r, check } = await json(['--context', 'developer', '-n', NS, '--push-test', '--registry', sb.defaultRouteHost], dev);
    expect(r.code).toBe(3);
    const rbac = check('rbac');
    expect(rbac.verdict).toBe('fail');
    expect(rbac.summary).toBe(`developer may pull from ${NS} but not push to it`);
    expect(rbac.fix).toBe(`regctl grant builder developer -n ${NS}`);
    expect(rbac.evidence).toContain(`push (update imagestreams/layers in ${NS}): denied`);
    expect(check('push-test')).toMatchObject({ verdict: 'skipped', skipped: { dependsOn: 'rbac', failedCheck: 'rbac' } });
    // A developer may not read the operator's objects: those checks say so and do not hold back the rest.
    expect(check('storage').verdict).toBe('skipped');
    expect(check('storage').skipped?.failedCheck).toBeUndefined();
    expect(check('installed').summary).toMatch(/^not permitted: configs\.imageregistry\.operator\.openshift\.io "cluster" is forbidden: User "developer"/);
    expect(check('storage').summary).toBe('not permitted (as for installed)');

    const fix = await t.cli(rbac.fix!.replace(/^regctl /, '').split(' '));
    expect(fix.code, fix.all).toBe(0);
    const after = await json(['--context', 'developer', '-n', NS, '--only', 'rbac,push-test', '--registry', sb.defaultRouteHost], dev);
    expect(after.check('rbac').verdict).toBe('ok');
    expect(after.check('push-test').verdict).not.toBe('fail');
    expect(after.check('push-test').summary).toMatch(new RegExp(`^pushed ${NS}/regctl-doctor:doctor-`));
  });

  it('push-test: a project that does not exist → fail naming `oc new-project`', async () => {
    const { r, check } = await json(['-n', 'no-such-project', '--only', 'push-test']);
    expect(r.code).toBe(3);
    expect(check('push-test')).toMatchObject({ verdict: 'fail', fix: 'oc new-project no-such-project' });
    expect(check('push-test').summary).toMatch(/project no-such-project does not exist/);
  });

  it('pull-test: a user who may only pull pulls the image named; a blob lost from storage → fail with `regctl logs`', async () => {
    const team = 'doctor-pull';
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: team } });
    const certDir = path.join(t.certsDir, sb.defaultRouteHost);
    const copy = await t.skopeo(['copy', '--dest-cert-dir', certDir, '--dest-authfile', path.join(t.xdg, 'containers', 'auth.json'), `dir:${t.imageDir}`, `docker://${sb.defaultRouteHost}/${team}/app:v1`]);
    expect(copy.ok, copy.stderr).toBe(true);
    expect((await t.cli(['grant', 'puller', 'alice', '-n', team])).code).toBe(0);
    letReadImageConfig(sb, 'alice');
    // alice has no kubeconfig context: her token is given with the (hidden) global --token.
    const alice = { REGISTRY_AUTH_FILE: path.join(t.tmp, 'alice-auth.json') };
    const asAlice = (extra: string[]) => json(['--context', 'developer', '--token', sb.tokens.alice!, '-n', team, '--registry', sb.defaultRouteHost, '--pull-test', 'app:v1', '--only', 'rbac,pull-test', ...extra], alice);
    const good = await asAlice([]);
    expect(good.check('rbac').verdict).toBe('warn');
    expect(good.check('pull-test')).toMatchObject({ verdict: 'ok', summary: expect.stringMatching(new RegExp(`^pulled ${team}/app:v1 \\(sha256:`)) });
    expect(good.r.all).not.toContain(sb.tokens.alice);

    const manifest = JSON.parse(fs.readFileSync(path.join(t.imageDir, 'manifest.json'), 'utf8'));
    const hex = String(manifest.layers[0].digest).slice('sha256:'.length);
    fs.rmSync(path.join(sb.registryDataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true, force: true });
    const bad = await asAlice([]);
    expect(bad.r.code).toBe(3);
    expect(bad.check('pull-test')).toMatchObject({ verdict: 'fail', fix: 'regctl logs' });
    expect(bad.check('pull-test').summary).toMatch(new RegExp(`^pulling ${team}/app:v1 failed: `));
  });

  it('pods: the registry scaled to 0 → pods fails with `regctl config set replicas=2`, registry-api skipped; the fix brings it back', async () => {
    setReplicas(sb, 0);
    const available = (s: any) => (s.get(CONFIGS, undefined, 'cluster')?.status?.conditions ?? []).find((c: any) => c.type === 'Available');
    await sb.waitFor((s) => readyPods(sb) === 0 && (s.get('apps/deployments', 'openshift-image-registry', 'image-registry') as any)?.spec?.replicas === 0 && available(s)?.status === 'False', 15_000);
    const { r, check } = await json(['--only', 'operator,pods,registry-api']);
    expect(r.code).toBe(3);
    expect(check('operator')).toMatchObject({ verdict: 'fail', summary: 'not Available: NoReplicasAvailable: The deployment does not have available replicas', fix: 'regctl config set replicas=2' });
    expect(check('pods')).toMatchObject({ verdict: 'fail', fix: 'regctl config set replicas=2' });
    expect(check('pods').summary).toMatch(/scaled to 0/);
    expect(check('registry-api')).toMatchObject({ verdict: 'skipped', skipped: { failedCheck: 'pods' } });

    const fix = await t.cli(check('pods').fix!.replace(/^regctl /, '').split(' '));
    expect(fix.code, fix.all).toBe(0);
    await sb.waitFor(() => readyPods(sb) === 2, 15_000);
    const after = await json(['--only', 'pods']);
    expect(after.check('pods')).toMatchObject({ verdict: 'ok', summary: '2 of 2 registry pods ready' });
    expect(after.report.checks.map((c) => c.id)).toEqual(['pods']);
  });

  it('pods: a pod stuck in CrashLoopBackOff → warn naming the pod and `regctl logs --pod P --previous`', async () => {
    const pods = sb.store.list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' }).items;
    const p = structuredClone(pods[0]!) as any;
    p.status.conditions = p.status.conditions.map((c: any) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
    p.status.containerStatuses = p.status.containerStatuses.map((c: any) => ({ ...c, ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } } }));
    sb.store.update('/pods', p, { subresource: 'status' });
    const { check } = await json(['--only', 'pods']);
    const pods2 = check('pods');
    expect(pods2.verdict).toBe('warn');
    expect(pods2.summary).toBe(`1 of 2 registry pods ready; ${p.metadata.name} is CrashLoopBackOff`);
    expect(pods2.fix).toBe(`regctl logs --pod ${p.metadata.name} --previous`);
  });

  it('--only/--skip: unknown ids are a usage error listing the valid ids; --skip drops checks', async () => {
    const bad = await doctor(['--only', 'api,dns']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: unknown check "dns" in --only\nhint: valid checks: api, installed, management-state, storage, operator, pods, route, tls, registry-api, rbac, pull-test, push-test\n');
    const skipped = await json(['--skip', 'pods,route,tls,registry-api,pull-test,push-test']);
    expect(skipped.report.checks.map((c) => c.id)).toEqual(['api', 'installed', 'management-state', 'storage', 'operator', 'rbac']);
  });

  it('API down: api fails and every other check is skipped because of it', async () => {
    sb.faults.down = true;
    try {
      const { r, report, check } = await json([]);
      expect(r.code).toBe(3);
      expect(check('api').verdict).toBe('fail');
      expect(check('api').summary).toMatch(/cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      for (const c of report.checks.filter((x) => x.id !== 'api')) {
        if (c.id === 'pull-test' || c.id === 'push-test') continue;
        expect(c.verdict, c.id).toBe('skipped');
        expect(c.skipped?.failedCheck, c.id).toBe('api');
      }
      expect(report.summary).toEqual({ ok: 0, warn: 0, fail: 1, skipped: 11 });
    } finally {
      sb.faults.down = false;
    }
  });
});

describe('doctor on a fresh bare-metal cluster (managementState Removed, no storage)', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'baremetal' });
    t = await loginEnv(sb, 'doctor-bm');
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  it('management-state fails with `regctl set-storage pvc`; the registry checks that need it are skipped', async () => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(r.code).toBe(3);
    const { check } = parse(r.stdout);
    expect(check('installed').verdict).toBe('ok');
    const ms = check('management-state');
    expect(ms).toMatchObject({ verdict: 'fail', summary: 'managementState is Removed: the registry is not running', fix: 'regctl set-storage pvc' });
    expect(ms.evidence).toContain('spec.managementState: Removed');
    for (const id of ['storage', 'operator', 'pods', 'route', 'tls', 'registry-api']) expect(check(id).skipped?.failedCheck, id).toBe('management-state');
    expect(check('rbac').verdict).toBe('ok');
  });
});
