// `regctl logs` against the sandbox: merged replicas, one pod, tail/since/timestamps/previous, the level filter,
// NDJSON, the operator's logs, a rolling restart during -f, and no pods at all (scaled to zero).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { waitForOutput } from './support/wait-output.js';
import { registryPods, twoReadyRegistryPods } from './support/registry-pods.js';
import { runCli } from '../helpers/cli.js';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';

function envFor(sb: Sandbox, extra: Record<string, string> = {}) {
  return { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...extra };
}


function patchSpec(sb: Sandbox, f: (spec: any) => void): void {
  const cfg = sb.store.get(CFG, undefined, 'cluster')!;
  f(cfg.spec);
  sb.store.update(CFG, cfg);
}

function logrus(level: string, msg: string): string {
  return `time="${new Date().toISOString()}" level=${level} msg="${msg}" go.version="go1.22.9"`;
}


describe('regctl logs', () => {
  let sb: Sandbox;
  let pods: string[];
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    pods = await twoReadyRegistryPods(sb);
  });
  afterAll(async () => sb?.stop());

  it('merges every replica, each line prefixed [pod]', async () => {
    const r = await runCli(['logs'], { env: envFor(sb) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const p of pods) expect(lines.some((l) => l.startsWith(`[${p}] time=`))).toBe(true);
    expect(lines.every((l) => /^\[image-registry-[a-z0-9]+-[a-z0-9]{5}\] /.test(l))).toBe(true);
    expect(r.stdout).toContain('msg="listening on :5000, tls"');
    expect(r.all).not.toContain(sb.tokens.admin);
  });

  it('--pod shows one pod without prefix; --tail, --timestamps', async () => {
    const r = await runCli(['logs', '--pod', pods[0]!, '--tail', '2', '--timestamps'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z time="/);
  });

  it('--since and --since-time filter by time; bad values are usage errors before any request', async () => {
    const recent = await runCli(['logs', '--pod', pods[0]!, '--since', '1h'], { env: envFor(sb) });
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain('level=info');
    const future = await runCli(['logs', '--pod', pods[0]!, '--since-time', '2099-01-01T00:00:00Z'], { env: envFor(sb) });
    expect(future.code).toBe(0);
    expect(future.stdout).toBe('');
    // (Every flag check is unit-tested in test/unit/logs-options.test.ts; one here for the exit code and hint.)
    const bad = await runCli(['logs', '--since', 'yesterday'], { env: envFor(sb) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: invalid --since "yesterday"\nhint: use a duration such as 30s, 10m or 1h\n');
  });

  it('--level warn keeps warnings and worse (and their continuation lines)', async () => {
    sb.store.logs.append(NS, pods[0]!, 'registry', logrus('warning', 'e2e warning one'));
    sb.store.logs.append(NS, pods[0]!, 'registry', '  continuation of the warning');
    sb.store.logs.append(NS, pods[1]!, 'registry', logrus('error', 'e2e error two'));
    sb.store.logs.append(NS, pods[1]!, 'registry', logrus('info', 'e2e info three'));
    const r = await runCli(['logs', '--level', 'warn'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const mine = lines.filter((l) => l.includes('e2e') || l.includes('continuation'));
    expect(mine).toHaveLength(3);
    expect(mine).toContain(`[${pods[0]}]   continuation of the warning`);
    expect(mine.some((l) => new RegExp(`^\\[${pods[0]}\\] time=".*" level=warning msg="e2e warning one"`).test(l))).toBe(true);
    expect(mine.some((l) => new RegExp(`^\\[${pods[1]}\\] time=".*" level=error msg="e2e error two"`).test(l))).toBe(true);
    // The continuation line follows its warning.
    expect(lines[lines.findIndex((l) => l.includes('e2e warning one')) + 1]).toBe(`[${pods[0]}]   continuation of the warning`);
    expect(r.stdout).not.toContain('e2e info three');
    expect(r.stdout).not.toContain('level=info');
  });

  it('-o json writes one {pod, time, level, msg, fields} object per line', async () => {
    const r = await runCli(['logs', '-o', 'json', '--level', 'error'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const recs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((x) => x.msg.startsWith('e2e'));
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ pod: pods[1], container: 'registry', level: 'error', msg: 'e2e error two', fields: { 'go.version': 'go1.22.9' } });
    expect(recs[0].time).toMatch(/^\d{4}-/);
    expect(recs[0].timestamp).toMatch(/^\d{4}-.*Z$/);
    const all = await runCli(['logs', '-o', 'json', '--tail', '3'], { env: envFor(sb) });
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(Object.keys(JSON.parse(l))).toEqual(['pod', 'container', 'timestamp', 'time', 'level', 'msg', 'fields']);
  });

  it('--operator shows the operator (klog) and its level', async () => {
    const r = await runCli(['logs', '--operator', '--tail', '50'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +1 [\w.]+:\d+\] /m);
    const j = await runCli(['logs', '--operator', '--tail', '1', '-o', 'json'], { env: envFor(sb) });
    const rec = JSON.parse(j.stdout.trim());
    expect(rec.container).toBe('cluster-image-registry-operator');
    expect(rec.level).toBe('info');
    expect(rec.fields.source).toMatch(/\.go:\d+$/);
  });

  it('--previous reads the restarted container\'s old log; unknown pod and container are explained', async () => {
    const none = await runCli(['logs', '--pod', pods[0]!, '--previous'], { env: envFor(sb) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/previous terminated container "registry" in pod/);
    sb.restartContainer(NS, pods[0]!);
    // Every pod: the restarted one's previous log; the other has none and is skipped with a note.
    const prev = await runCli(['logs', '--previous'], { env: envFor(sb) });
    expect(prev.code).toBe(0);
    expect(prev.stdout).toContain(`[${pods[0]}] time=`);
    expect(prev.stdout).toContain('msg="e2e warning one"');
    expect(prev.stdout).not.toContain(`[${pods[1]}]`);
    expect(prev.stderr).toBe(`pod ${pods[1]}: no previous container; skipped\n`);
    const cur = await runCli(['logs', '--pod', pods[0]!], { env: envFor(sb) });
    expect(cur.stdout).toContain('msg="start registry"');
    expect(cur.stdout).not.toContain('e2e warning one');

    const nopod = await runCli(['logs', '--pod', 'image-registry-nope'], { env: envFor(sb) });
    expect(nopod.code).toBe(5);
    expect(nopod.stderr).toContain('error: pod image-registry-nope not found in openshift-image-registry');
    expect(nopod.stderr).toMatch(/hint: pods of deployments\/image-registry: image-registry-\S+, image-registry-\S+\n/);
    for (const p of pods) expect(nopod.stderr).toContain(p);
    const noc = await runCli(['logs', '--container', 'nginx'], { env: envFor(sb) });
    expect(noc.code).toBe(2);
    expect(noc.stderr).toMatch(/container "nginx" is not in pod .*\nhint: its containers: registry/);
  });

  it('follows across a rolling restart: lines of the replacement pods arrive in the same stream; Ctrl-C exits 130', async () => {
    let child: ChildProcess | undefined;
    let out = '';
    let err = '';
    const run = runCli(['logs', '-f'], {
      env: envFor(sb),
      timeoutMs: 50_000,
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d) => (out += d));
        c.stderr!.on('data', (d) => (err += d));
      },
    });
    const before = registryPods(sb);
    await waitForOutput(() => out, (s) => s.includes(`[${before[1]}] `));
    // Live lines from the old pods while following.
    for (const p of before) sb.store.logs.append(NS, p, 'registry', logrus('info', `e2e live before rollout ${p}`));
    await waitForOutput(() => out, (s) => before.every((p) => s.includes(`[${p}] time=`) && s.includes(`e2e live before rollout ${p}`)));

    // Changing the log level makes the operator change the pod template: a rolling restart.
    patchSpec(sb, (spec) => (spec.logLevel = 'Debug'));
    await sb.waitFor(() => {
      const now = registryPods(sb);
      return now.length === 2 && now.every((p) => !before.includes(p)) && registryPods(sb, false).length === 2;
    }, 30_000);
    const after = registryPods(sb);
    await waitForOutput(() => out, (s) => after.every((p) => s.includes(`[${p}] time=`)));
    await waitForOutput(() => err, (s) => after.every((p) => s.includes(`following pod ${p}`)));
    // Still attached to the new pods: a fresh line shows up.
    sb.store.logs.append(NS, after[0]!, 'registry', logrus('warning', 'e2e live after rollout'));
    await waitForOutput(() => out, (s) => s.includes(`[${after[0]}] `) && s.includes('e2e live after rollout'));

    child!.kill('SIGINT');
    const r = await run;
    expect(r.code).toBe(130);
    const lines = r.stdout.trimEnd().split('\n');
    // Whole lines only, every one prefixed, from old and new pods alike.
    expect(lines.every((l) => /^\[image-registry-[a-z0-9]+-[a-z0-9]{5}\] (time=|  )/.test(l))).toBe(true);
    for (const p of [...before, ...after]) expect(r.stdout).toContain(`[${p}] `);
    expect(r.stdout.indexOf(`e2e live before rollout ${before[0]}`)).toBeLessThan(r.stdout.indexOf('e2e live after rollout'));
    expect(r.all).not.toContain(sb.tokens.admin);
  }, 60_000);

  it('no pods: says why (scaled to zero) and exits 5', async () => {
    patchSpec(sb, (spec) => (spec.replicas = 0));
    // Terminating pods (deletionTimestamp set) still have logs to show: wait until they are gone.
    const anyPods = () => sb.store.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items.length;
    await sb.waitFor(() => anyPods() === 0 && (sb.store.get('apps/deployments', NS, 'image-registry')?.spec as any)?.replicas === 0, 20_000);
    const r = await runCli(['logs'], { env: envFor(sb) });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error: no pods: deployments/image-registry is scaled to zero (spec.replicas: 0)');
    expect(r.stderr).toMatch(/hint: scale it up through the operator: `oc patch configs\.imageregistry\.operator\.openshift\.io\/cluster/);
    const f = await runCli(['logs', '-f'], { env: envFor(sb) });
    expect(f.code).toBe(5);
  });
});

describe('regctl logs on a cluster whose registry is Removed (bare metal)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'baremetal' });
  });
  afterAll(async () => sb?.stop());

  it('says the registry is removed and how to install it (exit 5); the operator logs still work', async () => {
    const r = await runCli(['logs', '-f'], { env: envFor(sb) });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: no registry pods: the registry is removed (configs.imageregistry.operator.openshift.io/cluster managementState: Removed)');
    expect(r.stderr).toContain('hint: install it: give it storage with `regctl set-storage pvc`');
    const op = await runCli(['logs', '--operator', '--tail', '3'], { env: envFor(sb) });
    expect(op.code).toBe(0);
    expect(op.stdout.trimEnd().split('\n')).toHaveLength(3);
  });
});
