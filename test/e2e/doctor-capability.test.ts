// `regctl doctor` (and status) on a cluster installed without the ImageRegistry capability: the `installed`
// check fails for that reason and names the `oc patch clusterversion` fix. kubectl — an independent client —
// applies the fix; the sandbox's cluster-version operator then installs the registry operator, which
// bootstraps its Config (bare metal: Removed), and doctor moves on to the next failure.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const exec = promisify(execFile);
const CONFIGS = 'imageregistry.operator.openshift.io/configs';

interface Check {
  id: string;
  verdict: string;
  summary: string;
  evidence: string[];
  fix?: string;
  skipped?: { failedCheck?: string };
}

/** `oc patch clusterversion version --type merge -p '<json>'` → kubectl argv. */
function kubectlArgsOf(fix: string): string[] {
  const m = /^oc (patch clusterversion version --type merge -p) '(.+)'$/.exec(fix);
  if (!m) throw new Error(`unexpected fix: ${fix}`);
  return [...m[1]!.split(' '), m[2]!];
}

describe('doctor on a cluster installed without the ImageRegistry capability', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  const doctor = async () => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(r.all).not.toContain(sb.tokens.admin);
    const checks = (JSON.parse(r.stdout).checks as Check[]);
    return { r, check: (id: string) => checks.find((c) => c.id === id)! };
  };

  beforeAll(async () => {
    sb = await startSandbox({ profile: 'no-registry' });
    t = await loginEnv(sb, 'doctor-nocap');
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  it('installed fails because the capability is disabled, names the fix, and every registry check is skipped', async () => {
    const { r, check } = await doctor();
    expect(r.code).toBe(3);
    const inst = check('installed');
    expect(inst).toMatchObject({ verdict: 'fail', summary: 'the ImageRegistry capability is disabled: the cluster has no integrated registry' });
    expect(inst.fix).toBe(`oc patch clusterversion version --type merge -p '{"spec":{"capabilities":{"additionalEnabledCapabilities":["ImageRegistry"]}}}'`);
    expect(inst.evidence.join('\n')).toMatch(/ImageRegistry is not among the enabled capabilities \(Console, Ingress, /);
    expect(inst.evidence).toContain('imageregistry.operator.openshift.io is not served (no registry operator CRDs)');
    expect(check('management-state').skipped?.failedCheck).toBe('installed');
    for (const id of ['storage', 'operator', 'pods', 'route', 'tls', 'registry-api']) expect(check(id).verdict, id).toBe('skipped');

    const human = await t.cli(['doctor', '--certs-dir', t.certsDir]);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/FAIL installed +the ImageRegistry capability is disabled/);
    expect(human.stdout).toContain(`fix: ${inst.fix}`);
  });

  it('status and the registry commands say there is no integrated registry and point at doctor (exit 5)', async () => {
    for (const args of [['status'], ['status', '-o', 'json'], ['expose', '--default-route'], ['config', 'get']]) {
      const r = await t.cli(args);
      expect(r.code, args.join(' ')).toBe(5);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/^error: the cluster does not serve imageregistry\.operator\.openshift\.io: no integrated registry \(the ImageRegistry capability is disabled, or this is not OpenShift\)\nhint: run `regctl doctor`/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('status --bundle still writes the bundle (clusterversion with its capabilities, the doctor report) and exits 5', async () => {
    const file = path.join(t.tmp, 'nocap.tar.gz');
    const r = await t.cli(['status', '--bundle', file]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Wrote the support bundle .*nocap\.tar\.gz/);
    const out = path.join(t.tmp, 'bundle');
    fs.mkdirSync(out);
    await exec('tar', ['xzf', file, '-C', out]);
    const [root] = fs.readdirSync(out);
    const cv = yaml.load(fs.readFileSync(path.join(out, root!, 'cluster', 'clusterversion.yaml'), 'utf8')) as any;
    expect(cv.status.capabilities.enabledCapabilities).not.toContain('ImageRegistry');
    const report = JSON.parse(fs.readFileSync(path.join(out, root!, 'doctor.json'), 'utf8'));
    expect(report.checks.find((c: Check) => c.id === 'installed')).toMatchObject({ verdict: 'fail' });
  });

  it('the fix, applied with kubectl, installs the operator: installed passes and management-state fails next', async () => {
    const { check } = await doctor();
    const env = { ...process.env, KUBECONFIG: sb.kubeconfigPath, HOME: t.home };
    const k = await exec('kubectl', kubectlArgsOf(check('installed').fix!), { env });
    expect(k.stdout).toMatch(/clusterversion\.config\.openshift\.io\/version patched/);
    await sb.waitFor((s) => !!s.get(CONFIGS, undefined, 'cluster'), 10_000);
    const cv = await exec('kubectl', ['get', 'clusterversion', 'version', '-o', 'jsonpath={.status.capabilities.enabledCapabilities}'], { env });
    expect(JSON.parse(cv.stdout)).toContain('ImageRegistry');

    const after = await doctor();
    expect(after.check('installed')).toMatchObject({ verdict: 'ok' });
    expect(after.check('installed').evidence).toContain('clusterversions/version: capability ImageRegistry enabled');
    expect(after.check('management-state')).toMatchObject({ verdict: 'fail', fix: 'regctl set-storage pvc' });
  });
});
