// `regctl status` against the sandbox: healthy, removed, degraded, partial rights, client certificates,
// an unreachable API server and a missing kubeconfig.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';

function envFor(sb: Sandbox, extra: Record<string, string> = {}) {
  return { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...extra };
}

describe('status on a healthy AWS cluster', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    await sb.waitFor((s) => {
      const cfg = s.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster') as any;
      return (cfg?.status?.conditions ?? []).some((c: any) => c.type === 'Available' && c.status === 'True' && c.reason === 'Ready');
    }, 20_000);
  });
  afterAll(async () => sb?.stop());

  it('shows the whole view and exits 0', async () => {
    const r = await runCli(['status'], { env: envFor(sb) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Health\s+Available \(Ready\)/);
    expect(r.stdout).toMatch(/Storage\s+s3 \(.*bucket=/);
    expect(r.stdout).toMatch(/Replicas\s+2 desired, 2 ready, rollout RollingUpdate/);
    expect(r.stdout).toMatch(/Internal host\s+image-registry\.openshift-image-registry\.svc:5000/);
    expect(r.stdout).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(r.stdout).toMatch(/image-registry-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0/);
    expect(r.stdout).toMatch(/node-ca-/);
    expect(r.stdout).toMatch(/ClusterOperator image-registry/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.all).not.toContain(sb.tokens.admin);
  });

  it('-o json follows the documented schema', async () => {
    const r = await runCli(['status', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.apiVersion).toBe('regctl.openshift.io/v1');
    expect(s.kind).toBe('RegistryStatus');
    expect(s.health).toMatchObject({ available: true, degraded: false, reason: 'Ready' });
    expect(s.config).toMatchObject({ managementState: 'Managed', replicas: 2, rolloutStrategy: 'RollingUpdate' });
    expect(s.config.storage.types).toEqual(['s3']);
    expect(s.deployment).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(s.pods.filter((p: any) => p.name.startsWith('image-registry-')).length).toBe(2);
    expect(s.hosts.internal).toBe('image-registry.openshift-image-registry.svc:5000');
    expect(Array.isArray(s.hosts.routes)).toBe(true);
    expect(s.unavailable).toEqual({});
    expect(s.clusterOperator.conditions.map((c: any) => c.type)).toEqual(expect.arrayContaining(['Available', 'Progressing', 'Degraded']));
  });

  it('-o yaml works and is not coloured', async () => {
    const r = await runCli(['status', '-o', 'yaml'], { env: envFor(sb, { FORCE_COLOR: '0' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^apiVersion: regctl\.openshift\.io\/v1\nkind: RegistryStatus\n/);
  });

  it('works with a client-certificate kubeconfig (system:admin)', async () => {
    const r = await runCli(['status', '--context', 'system-admin', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).health.available).toBe(true);
  });

  it('gives a user with no rights a forbidden error, exit 4', async () => {
    const r = await runCli(['status', '--context', 'developer'], { env: envFor(sb) });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: forbidden: you may not read any part of the registry status \(.*User "developer" cannot get resource "configs" in API group "imageregistry\.operator\.openshift\.io" at the cluster scope\)$/);
    expect(lines[1]).toMatch(/^hint: /);
    expect(r.all).not.toContain(sb.tokens.developer);
  });

  it('shows a partially-readable view to a user who may read only some parts', async () => {
    // alice may read the operator config and ClusterOperator only.
    const rbac = 'rbac.authorization.k8s.io';
    sb.store.create(`${rbac}/clusterroles`, {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'registry-status-partial' },
      rules: [
        { apiGroups: ['imageregistry.operator.openshift.io'], resources: ['configs'], verbs: ['get'] },
        { apiGroups: ['config.openshift.io'], resources: ['clusteroperators'], verbs: ['get'] },
      ],
    });
    sb.store.create(`${rbac}/clusterrolebindings`, {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-partial' },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'registry-status-partial' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: 'alice' }],
    });
    const token = sb.issueToken('alice');
    const r = await runCli(['status', '--token', token, '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.health.available).toBe(true);
    expect(s.pods).toEqual([]);
    expect(s.unavailable.pods.reason).toBe('Forbidden');
    expect(s.unavailable.deployment.reason).toBe('Forbidden');
    expect(s.deployment).toBeNull();
    expect(r.stderr).toMatch(/Warning: pods: pods is forbidden/);
    expect(r.all).not.toContain(token);
    const t = await runCli(['status', '--token', token], { env: envFor(sb) });
    expect(t.stdout).toMatch(/Pods: \(forbidden\)/);
  });

  it('explains an expired or revoked token, exit 4', async () => {
    const r = await runCli(['status', '--token', 'sha256~not-a-real-token-abcdefghijklmnopqrstuvwxyz'], { env: envFor(sb) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: your token is missing, expired or revoked \(401 Unauthorized\)\nhint: /);
    expect(r.stderr).not.toContain('not-a-real-token');
  });

  it('--watch re-renders on a change (watch API) and stops on Ctrl-C with exit 130', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    const lines: any[] = [];
    const done = runCli(['status', '--watch', '-o', 'json', '--timeout', '40s'], {
      env: envFor(sb),
      timeoutMs: 50_000,
      onSpawn: (c) => {
        child = c;
        let buf = '';
        c.stdout!.on('data', (d) => {
          buf += String(d);
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            lines.push(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
          }
        });
      },
    });
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(pred()).toBe(true);
    };
    await until(() => lines.length >= 1);
    expect(lines[0].config.logLevel).toBe('Normal');
    const key = 'imageregistry.operator.openshift.io/configs';
    const cfg = sb.store.get(key, undefined, 'cluster')!;
    (cfg.spec as any).logLevel = 'Debug';
    sb.store.update(key, cfg);
    await until(() => lines.some((l) => l.config.logLevel === 'Debug'));
    child!.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    (cfg.spec as any).logLevel = 'Normal';
    delete cfg.metadata.resourceVersion;
    sb.store.update(key, cfg);
  });

  it('logs each API request with -v, without Authorization headers', async () => {
    const r = await runCli(['status', '-v', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[api\] GET \/apis\/imageregistry\.operator\.openshift\.io\/v1\/configs\/cluster 200 \d+ms/);
    expect(r.stderr).not.toMatch(/Bearer|Authorization/i);
    expect(r.all).not.toContain(sb.tokens.admin);
  });
});

describe('status on a bare-metal cluster (Removed)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'baremetal' });
  });
  afterAll(async () => sb?.stop());

  it('exits 3 and names the command that fixes it', async () => {
    const r = await runCli(['status'], { env: envFor(sb) });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Management\s+Removed/);
    expect(r.stdout).toMatch(/Storage\s+none configured/);
    expect(r.stderr).toBe(
      'error: the registry is not installed: managementState is Removed\n' +
        'hint: give it storage and manage it: `regctl set-storage pvc` (or s3/gcs/azure/swift/ibmcos), which also sets managementState Managed\n',
    );
  });

  // Removed with its storage still in spec (an admin set Removed on a working registry): managing it again is the fix,
  // as doctor says; following the hint makes status exit 0.
  it('Removed with storage configured: the hint is `regctl config set managementState=Managed`, which works', async () => {
    const CFG = 'imageregistry.operator.openshift.io/configs';
    const cfg = sb.store.get(CFG, undefined, 'cluster') as any;
    sb.store.update(CFG, { ...cfg, spec: { ...cfg.spec, storage: { emptyDir: {} } } });
    const r = await runCli(['status'], { env: envFor(sb) });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: the registry is not installed: managementState is Removed\nhint: manage it again on its emptyDir storage: `regctl config set managementState=Managed`\n');
    const fix = await runCli(['config', 'set', 'managementState=Managed', '--wait'], { env: envFor(sb), timeoutMs: 90_000 });
    expect(fix.code, fix.all).toBe(0);
    const after = await runCli(['status'], { env: envFor(sb) });
    expect(after.code, after.all).toBe(0);
  });
});

describe('status on a cluster with broken storage (degraded)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'degraded' });
    await sb.waitFor((s) => {
      const cfg = s.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster') as any;
      return (cfg?.status?.conditions ?? []).some((c: any) => c.type === 'Degraded' && c.status === 'True');
    }, 20_000);
  });
  afterAll(async () => sb?.stop());

  it('exits 3 with the operator reason on stderr', async () => {
    const r = await runCli(['status', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout);
    expect(s.health.degraded).toBe(true);
    expect(r.stderr).toMatch(/^error: the registry is degraded: /);
    expect(r.stderr).toMatch(/REGISTRY_STORAGE_S3_SECRETKEY/);
    expect(r.stderr).toMatch(/\nhint: store the s3 credentials in image-registry-private-configuration-user: `regctl set-storage credentials s3 …`/);
    expect(r.stderr.trim().split('\n').length).toBe(2);
  });
});

describe('status without a reachable cluster', () => {
  it('reports an API server that is down, exit 1', async () => {
    const sb = await startSandbox({ profile: 'aws' });
    try {
      sb.faults.down = true;
      const r = await runCli(['status', '--request-timeout', '5s'], { env: envFor(sb) });
      expect([1, 124]).toContain(r.code);
      expect(r.stderr).toMatch(/^error: (cannot reach|the API server at) .*\nhint: /);
      expect(r.stderr.trim().split('\n').length).toBe(2);
    } finally {
      sb.faults.down = false;
      await sb.stop();
    }
  });

  it('reports a missing kubeconfig, exit 4', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-nohome-'));
    const r = await runCli(['status'], { env: { HOME: home } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: no kubeconfig found\nhint: /);
  });
});
