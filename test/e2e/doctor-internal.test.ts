// `regctl doctor` on the state right after install: a healthy registry that is not exposed outside the cluster.
// Not exposed is a warning (status and doctor agree the registry is healthy) unless the user asked for the external
// path (--registry HOST); `--internal` checks the in-cluster path (the service host through HTTPS_PROXY, trusted
// with the service CA), as the content commands' --internal does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, DoctorReport } from '../../src/doctor/model.js';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';
const NS = 'doctor-internal';

type Check = CheckResult;
type Report = DoctorReport;

describe('doctor on a healthy registry that is not exposed (the state after install)', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  const doctor = (args: string[]) => t.cli(['doctor', '--certs-dir', t.certsDir, ...args]);
  const json = async (args: string[]) => {
    const r = await doctor([...args, '-o', 'json']);
    expect(r.all).not.toContain(sb.tokens.admin);
    const report = JSON.parse(r.stdout) as Report;
    const check = (id: string) => {
      const c = report.checks.find((x) => x.id === id);
      if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
      return c;
    };
    return { r, report, check };
  };

  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    t = await loginEnv(sb, 'doctor-internal');
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  it('status exits 0 and doctor agrees: route warns (not exposed), the external checks are skipped naming --internal, exit 0', async () => {
    const status = await t.cli(['status']);
    expect(status.code, status.all).toBe(0);

    const { r, report, check } = await json(['-n', NS, '--push-test', '--pull-test']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(report.result).toBe('warn');
    expect(check('route')).toMatchObject({ verdict: 'warn', fix: 'regctl expose --default-route' });
    expect(check('route').summary).toMatch(/^the registry is not exposed outside the cluster/);
    for (const id of ['tls', 'registry-api', 'pull-test', 'push-test']) {
      const c = check(id);
      expect(c.verdict, id).toBe('skipped');
      expect(c.summary, id).toMatch(/not exposed.*--internal/);
      expect(c.skipped?.failedCheck, id).toBeUndefined();
    }
    for (const id of ['api', 'installed', 'management-state', 'storage', 'operator', 'pods', 'rbac']) expect(check(id).verdict, id).toBe('ok');
    expect(report.summary).toEqual({ ok: 7, warn: 1, fail: 0, skipped: 4 });

    const plain = await doctor([]);
    expect(plain.code, plain.all).toBe(0);
    expect(plain.stdout).toMatch(/^warn route +the registry is not exposed outside the cluster/m);
    expect(plain.stdout).toMatch(/^ +fix: regctl expose --default-route$/m);
    expect(plain.stdout).toMatch(/^skip tls +skipped: .*--internal/m);
  });

  it('--internal --push-test: every check that runs is ok against the service host, trusted with the service CA; route and tls do not apply', async () => {
    const { r, report, check } = await json(['--internal', '--push-test', '-n', NS]);
    expect(r.code, r.all).toBe(0);
    expect(report.result).toBe('ok');
    expect(report.registryHost).toBe(INTERNAL);
    for (const id of ['route', 'tls']) {
      expect(check(id), id).toMatchObject({ verdict: 'skipped', summary: 'not applicable: --internal checks the in-cluster path' });
      expect(check(id).skipped?.failedCheck, id).toBeUndefined();
    }
    expect(check('pull-test').skipped?.reason).toMatch(/not requested/);
    expect(report.summary).toEqual({ ok: 9, warn: 0, fail: 0, skipped: 3 });
    expect(check('registry-api')).toMatchObject({ verdict: 'ok', details: { host: INTERNAL, credentials: 'kubeconfig' } });
    expect(check('registry-api').evidence.join('\n')).toContain('trusting configmap openshift-config-managed/image-registry-ca');
    expect(check('registry-api').evidence.join('\n')).toContain(`GET https://${INTERNAL}/healthz → 200`);
    expect(check('push-test').evidence.join('\n')).toContain(`PUT https://${INTERNAL}/v2/${NS}/regctl-doctor/manifests/`);
    expect(sb.store.get('image.openshift.io/imagestreams', NS, 'regctl-doctor')).toBeUndefined();

    const pull = await json(['--internal', '--pull-test', '-n', NS, '--only', 'registry-api,rbac,pull-test']);
    expect(pull.r.code, pull.r.all).toBe(0);
    expect(pull.check('pull-test')).toMatchObject({ verdict: 'ok' });
    expect(pull.check('pull-test').evidence.join('\n')).toContain(`GET https://${INTERNAL}/v2/${NS}/regctl-doctor/manifests/`);
  });

  it('--registry naming an external host asks for the external path: not exposed stays a failure; --internal with --registry is a usage error', async () => {
    const { r, check } = await json(['--registry', sb.defaultRouteHost]);
    expect(r.code).toBe(3);
    expect(check('route')).toMatchObject({ verdict: 'fail', fix: 'regctl expose --default-route' });
    expect(check('tls')).toMatchObject({ verdict: 'skipped', skipped: { failedCheck: 'route' } });
    expect(r.stderr).toBe('error: 1 check failed: route\nhint: start with route: `regctl expose --default-route`\n');

    const both = await doctor(['--internal', '--registry', sb.defaultRouteHost]);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toBe(`error: --registry and --internal cannot be combined\nhint: --internal means --registry ${INTERNAL}\n`);
  });

  it('a config that asks for a route the operator has not created (Unmanaged) stays a failure; --internal does not look at routes', async () => {
    const cfg = sb.store.get(CONFIGS, undefined, 'cluster') as any;
    cfg.spec.managementState = 'Unmanaged';
    cfg.spec.defaultRoute = true;
    sb.store.update(CONFIGS, cfg);
    try {
      const { r, check } = await json(['--only', 'api,installed,management-state,route,tls']);
      expect(r.code).toBe(3);
      expect(check('route')).toMatchObject({ verdict: 'fail', summary: 'the config asks for a route, but the operator has not created it' });

      const internal = await json(['--internal', '--only', 'api,installed,management-state,route,tls,registry-api']);
      expect(internal.r.code, internal.r.all).toBe(0);
      expect(internal.check('route').verdict).toBe('skipped');
      expect(internal.check('registry-api')).toMatchObject({ verdict: 'ok', details: { host: INTERNAL } });
    } finally {
      const back = sb.store.get(CONFIGS, undefined, 'cluster') as any;
      back.spec.managementState = 'Managed';
      back.spec.defaultRoute = false;
      sb.store.update(CONFIGS, back);
    }
  });
});
