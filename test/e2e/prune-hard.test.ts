// regctl prune apply --hard on real pushes: the plan's predicted bytes against what the registry's storage really
// loses (du -sb of the storage directory), the registry read-only during the garbage collection and read-write
// after it, kubectl exec reaching the same entry point, and a hard prune cut short — by Ctrl-C (restored at once)
// and by SIGKILL (the next run restores readOnly and says so).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { pushRandom } from './support/prune-fixtures.ts';
import { runTool } from './support/tool.ts';

let env: ContentEnv;
const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const MARKER = 'regctl.openshift.io/read-only-for-prune';
const FLAGS = ['--keep-tag-revisions', '1', '--keep-younger-than', '0'];
const MB = 1 << 20;

const du = () => Number(execFileSync('du', ['-sb', env.sb.registryStorageDir], { encoding: 'utf8' }).split('\t')[0]);
const config = () => env.sb.store.get(CONFIGS, undefined, 'cluster') as any;
const cliEnv = () => ({ KUBECONFIG: env.sb.kubeconfigPath, HTTPS_PROXY: env.sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: `${env.tmp}/home`, XDG_RUNTIME_DIR: `${env.tmp}/xdg` });

async function waitFor(pred: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A completed `prune apply --hard` waits for the registry to roll out read-write again; one interrupted by Ctrl-C does
 * not, and until the pods have rolled out a push may reach a read-only pod and be refused (405), as on a cluster.
 */
async function registryReadWrite(): Promise<void> {
  const readOnly = (spec: any) => (spec?.containers ?? []).some((c: any) => (c.env ?? []).some((e: any) => e.name === 'REGISTRY_STORAGE_MAINTENANCE_READONLY'));
  await env.sb.waitFor((s) => {
    const d: any = s.get('apps/deployments', 'openshift-image-registry', 'image-registry');
    if (!d || readOnly(d.spec.template.spec)) return false;
    const pods = s.list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' }).items.filter((p: any) => !p.metadata.deletionTimestamp);
    const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
    return pods.length === d.spec.replicas && pods.every((p: any) => ready(p) && !readOnly(p.spec));
  }, 30_000);
}

beforeAll(async () => {
  env = await contentEnv('prune-hard');
  env.createNamespace('team');
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('prune apply --hard', () => {
  it('frees what the plan predicted (within 2 % of du), keeps what stays pullable, restores readOnly', async () => {
    const pushed: Array<{ digest: string; layer: string }> = [];
    for (let i = 0; i < 5; i++) pushed.push(await pushRandom(env, 'team/app:latest', 3 * MB + i * 1000));
    const plan = await env.cli(['prune', 'plan', ...FLAGS, '-o', 'json']);
    expect(plan.code).toBe(0);
    const p = JSON.parse(plan.stdout);
    expect(p.summary).toMatchObject({ prune: 4, keep: 1, historyEntries: 4 });
    expect(p.images.find((i: any) => i.name === pushed[4]!.digest)).toMatchObject({ decision: 'keep', reason: 'tag-revision' });
    const predicted: number = p.summary.bytesFreed;
    expect(predicted).toBeGreaterThan(12 * MB);

    const before = du();
    const r = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '--hard', '-o', 'json']);
    expect(r.stderr).toContain('registry set read-only (spec.readOnly=true) for the hard prune');
    expect(r.stderr).toContain('registry set read-write again (spec.readOnly=false)');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ kind: 'PruneResult', applied: { historyEntries: 4, images: 4, manifestLinks: 4, layerLinks: 8 }, hard: { blobs: 12, restoredReadOnly: true } });
    const freed = before - du();
    expect(Math.abs(freed - predicted) / predicted).toBeLessThanOrEqual(0.02);
    expect(config().spec.readOnly).toBe(false);
    expect(config().metadata.annotations?.[MARKER]).toBeUndefined();
    expect(r.stderr).toContain("bound system:image-pruner to the registry's service account registry for the prune (ClusterRoleBinding regctl-registry-image-pruner)");
    expect(env.sb.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'regctl-registry-image-pruner')).toBeUndefined();

    // Independent checks: skopeo still pulls the kept image; a pruned one is gone from the registry.
    const kept = await env.skopeo(['inspect', '--cert-dir', `${env.certsDir}/${env.host}`, `docker://${env.host}/team/app:latest`]);
    expect(kept.ok).toBe(true);
    expect(JSON.parse(kept.stdout).Digest).toBe(pushed[4]!.digest);
    const gone = await env.skopeo(['inspect', '--cert-dir', `${env.certsDir}/${env.host}`, `docker://${env.host}/team/app@${pushed[0]!.digest}`]);
    expect(gone.ok).toBe(false);
    expect(r.all).not.toContain(env.sb.tokens.admin!);
  });

  it('resumes a run cut off between the stream update and the manifest link: the link still goes, the GC frees the blobs', async () => {
    // The run before it completed: regctl waited for the read-write rollout, so this push is accepted at once.
    const old = await pushRandom(env, 'team/res:latest', 2 * MB);
    await pushRandom(env, 'team/res:latest', 2 * MB);
    // What an interrupted run leaves: the history entry removed from the stream, the registry's links untouched.
    const is: any = env.sb.store.get('image.openshift.io/imagestreams', 'team', 'res');
    is.status.tags[0].items = is.status.tags[0].items.filter((i: any) => i.image !== old.digest);
    env.sb.store.update('image.openshift.io/imagestreams', is, { subresource: 'status' });
    const plan = JSON.parse((await env.cli(['prune', 'plan', ...FLAGS, '-o', 'json'])).stdout);
    expect(plan.images.find((i: any) => i.name === old.digest)).toMatchObject({ decision: 'prune', reason: 'unreferenced' });
    const before = du();
    const r = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '--hard', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: { historyEntries: 0, images: 1, manifestLinks: 1 }, hard: { blobs: 3 } });
    const freed = before - du();
    expect(Math.abs(freed - plan.summary.bytesFreed) / plan.summary.bytesFreed).toBeLessThanOrEqual(0.02);
  });

  it('kubectl exec reaches the same entry point; without system:image-pruner the registry account may not list images', async () => {
    // The registry pods were just replaced twice (read-only and back): ask for a current one until the rollout settles.
    const exec = async () => {
      let r = { code: -1, stdout: '', stderr: 'no registry pod' };
      for (let i = 0; i < 50; i++) {
        const pod = (env.sb.store.list('/pods', 'openshift-image-registry').items as any[]).find(
          (x) => x.metadata.labels?.['docker-registry'] === 'default' && x.status?.phase === 'Running' && !x.metadata.deletionTimestamp,
        );
        if (pod) {
          r = await runTool('kubectl', ['exec', '-n', 'openshift-image-registry', pod.metadata.name, '-c', 'registry', '--', '/usr/bin/dockerregistry', '-prune=check'], env.sb.env, `${env.tmp}/home`);
          if (!/NotFound|not running/.test(r.stderr)) break;
        }
        await new Promise((res) => setTimeout(res, 200));
      }
      return r;
    };
    const denied = await exec();
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('error listing images: images.image.openshift.io is forbidden: User \\"system:serviceaccount:openshift-image-registry:registry\\" cannot list resource');
    expect(denied.stderr).toContain('command terminated with exit code 1');
    // The documented step: oc adm policy add-cluster-role-to-user system:image-pruner -z registry -n openshift-image-registry
    const bind = await runTool('kubectl', ['create', 'clusterrolebinding', 'test-registry-pruner', '--clusterrole=system:image-pruner', '--serviceaccount=openshift-image-registry:registry'], env.sb.env, `${env.tmp}/home`);
    expect(bind.code).toBe(0);
    const r = await exec();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Would delete 0 blobs\nWould free up 0B of disk space\nUse -prune=delete to actually delete the data\n');
    env.sb.store.delete('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'test-registry-pruner');
  });

  it('Ctrl-C during the hard prune sets readOnly back before exiting', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    const run = runCli(['prune', 'apply', ...FLAGS, '--yes', '--hard'], { env: cliEnv(), onSpawn: (c) => (child = c), timeoutMs: 50_000 });
    await waitFor(() => Boolean(config().metadata.annotations?.[MARKER]));
    expect(config().spec.readOnly).toBe(true);
    child!.kill('SIGINT');
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('registry set read-write again (spec.readOnly=false)');
    expect(env.sb.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'regctl-registry-image-pruner')).toBeUndefined();
    expect(config().spec.readOnly).toBe(false);
    expect(config().metadata.annotations?.[MARKER]).toBeUndefined();
  });

  it('killed mid-GC (SIGKILL): readOnly stays on with the mark; the next run restores it and says so', async () => {
    await registryReadWrite();
    await pushRandom(env, 'team/app:latest', MB);
    await pushRandom(env, 'team/app:latest', MB);
    // The registry's pruner stops between mark and sweep until released: the CLI is killed while it waits for the exec.
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    env.sb.faults.hardPruneGate = { reached, released: new Promise<void>((r) => (release = r)) };
    let child: import('node:child_process').ChildProcess | undefined;
    const run = runCli(['prune', 'apply', ...FLAGS, '--yes', '--hard'], { env: cliEnv(), onSpawn: (c) => (child = c), timeoutMs: 50_000 });
    await atGate;
    const beforeKill = du();
    child!.kill('SIGKILL');
    await run;
    env.sb.faults.hardPruneGate = undefined;
    release();
    // The garbage collection the killed client started goes on in the pod, as a real exec'd process does.
    await waitFor(() => du() < beforeKill - MB);
    expect(config().spec.readOnly).toBe(true);
    expect(config().metadata.annotations?.[MARKER]).toBeTruthy();
    expect(env.sb.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'regctl-registry-image-pruner')).toBeTruthy();

    const plan = await env.cli(['prune', 'plan', ...FLAGS]);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toMatch(/Warning: the registry is still read-only since \S+: an interrupted `regctl prune apply --hard` set it; `regctl prune apply` restores it/);
    expect(config().spec.readOnly).toBe(true);

    const before = du();
    const again = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '--hard', '-o', 'json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/restored the registry to read-write \(spec\.readOnly=false\): an interrupted `regctl prune apply --hard` had left it read-only since /);
    expect(again.stderr).toContain('removed ClusterRoleBinding regctl-registry-image-pruner: an interrupted `regctl prune apply --hard` had left');
    expect(env.sb.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'regctl-registry-image-pruner')).toBeUndefined();
    expect(config().spec.readOnly).toBe(false);
    expect(config().metadata.annotations?.[MARKER]).toBeUndefined();
    // The killed run had pruned the two older revisions and its garbage collection freed them: nothing is left to do.
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: { historyEntries: 0, images: 0 }, hard: { blobs: 0, restoredReadOnly: true } });
    expect(du()).toBe(before);
  });
});
