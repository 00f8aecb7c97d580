// The engine's requests against the sandbox API server with the real cluster client: a server-side apply step
// (field manager regctl, forced), a delete with preconditions (a stale uid is refused), and a server dry run that
// stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Cluster } from '../../../src/cluster/cluster.js';
import { R } from '../../../src/cluster/resources.js';
import { FIELD_MANAGER, runPlan } from '../../../src/plan/engine.js';
import { planMode } from '../../../src/plan/mode.js';
import { target, type Plan } from '../../../src/plan/types.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';

let sb: Sandbox;
let cluster: Cluster;
const lines: string[] = [];
const log = { info: (m: string) => lines.push(m), success: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: () => {}, always: () => {}, verbose: false, quiet: false };
const ctx = { log, io: { stdout: { write: () => true } }, spin: (_t: string, fn: () => Promise<unknown>) => fn(), requestTimeoutMs: 20_000 } as any;
const cm = () => sb.store.get('/configmaps', 'default', 'plan-api') as any;
const plan = (steps: Plan['steps']): Plan => ({ name: 'api', command: 'test', steps, checks: [], warnings: [] });

beforeAll(async () => {
  sb = await startSandbox({ profile: 'baremetal' });
  cluster = connect({ kubeconfig: sb.kubeconfigPath, env: sb.env, timeoutMs: 20_000, userAgent: 'regctl-test' });
}, 60_000);
afterAll(async () => {
  await sb?.stop();
});

describe('engine requests', () => {
  it('server-side apply creates, then merges; the field manager is regctl', async () => {
    const apply = (data: Record<string, string>) =>
      plan([{ action: 'patch', target: target(R.configMap, 'plan-api', 'default'), summary: 'apply ConfigMap default/plan-api', patchType: 'apply', patch: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plan-api', namespace: 'default' }, data } }]);
    await runPlan(ctx, cluster, apply({ a: '1' }), planMode({ dryRun: 'server' }));
    expect(cm()).toBeUndefined();
    await runPlan(ctx, cluster, apply({ a: '1' }), planMode({}));
    expect(cm().data).toEqual({ a: '1' });
    expect(cm().metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`)).toContain(`${FIELD_MANAGER}/Apply`);
    await runPlan(ctx, cluster, apply({ b: '2' }), planMode({}));
    expect(cm().data).toEqual({ b: '2' }); // regctl owned a: an apply without it takes it away
    expect(lines).toContain('applied ConfigMap default/plan-api');
  });

  it('a delete with a stale uid precondition is refused; with the right one it deletes', async () => {
    const del = (uid: string) => plan([{ action: 'delete', target: target(R.configMap, 'plan-api', 'default'), summary: 'delete ConfigMap default/plan-api', preconditions: { uid } }]);
    const e = await runPlan(ctx, cluster, del('00000000-0000-0000-0000-000000000000'), planMode({})).catch((x) => x);
    expect(e?.statusCode).toBe(409);
    expect(cm()).toBeDefined();
    await runPlan(ctx, cluster, del(cm().metadata.uid), planMode({ dryRun: 'server' }));
    expect(cm()).toBeDefined();
    await runPlan(ctx, cluster, del(cm().metadata.uid), planMode({}));
    expect(cm()).toBeUndefined();
  });
});
