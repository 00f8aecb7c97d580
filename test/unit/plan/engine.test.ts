// The engine's ordering, per-step report and undo, against an in-memory stand-in for the cluster client (the real
// client and the sandbox are exercised by test/e2e/plan-render.test.ts and test/faults/retry.test.ts).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/cluster/api-error.js';
import { R } from '../../../src/cluster/resources.js';
import { runPlan } from '../../../src/plan/engine.js';
import { planMode } from '../../../src/plan/mode.js';
import { target, type Plan } from '../../../src/plan/types.js';
import { SECRET_VALUE, storagePlan } from './fixtures.js';

function fakes(failOn?: string) {
  const calls: string[] = [];
  const lines: string[] = [];
  const spins: string[] = [];
  let out = '';
  const rec = (what: string, dry?: boolean) => {
    calls.push(`${what}${dry ? ' (dry)' : ''}`);
    if (failOn && what === failOn && !dry) throw new ApiError(500, 'PATCH', '/x', { kind: 'Status', status: 'Failure', message: 'boom', reason: 'InternalError', code: 500 } as any);
    return Promise.resolve({ metadata: { generation: 2 }, answer: what });
  };
  const cluster = {
    rest: {
      request: (method: string, path: string, o: any) => {
        const kind = o.body?.kind ?? path.split('/').slice(-2).join('/');
        const name = method === 'POST' ? o.body.metadata.name : path.split('/').pop();
        return rec(`${method}${o.contentType ? `(${o.contentType.split('/')[1]})` : ''} ${kind} ${name}${o.query.fieldValidation ? ' strict' : ''}`, Boolean(o.query.dryRun));
      },
    },
    delete: (ref: any, name: string) => rec(`undo delete ${ref.kind} ${name}`),
  };
  const log = { info: (m: string) => lines.push(`i ${m}`), success: (m: string) => lines.push(`✓ ${m}`), warn: (m: string) => lines.push(`! ${m}`), debug: () => {}, always: () => {}, verbose: false, quiet: false };
  const ctx = { log, io: { stdout: { write: (s: string) => ((out += s), true) } }, spin: (t: string, fn: () => Promise<unknown>) => (spins.push(t), fn()), requestTimeoutMs: 0 } as any;
  return { calls, lines, spins, ctx, cluster: cluster as any, out: () => out };
}

const withPvc = (): Plan => ({
  ...storagePlan(),
  steps: [
    { action: 'create', target: target(R.pvc, 'claim', 'ns'), summary: 'create PersistentVolumeClaim ns/claim', object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claim', namespace: 'ns' } } },
    ...storagePlan().steps,
  ],
});

describe('runPlan', () => {
  it('applies in order after a server dry run of every step, one line per step', async () => {
    const f = fakes();
    const r = await runPlan(f.ctx, f.cluster, withPvc(), planMode({}), { precheck: true });
    expect(r.outcome).toBe('applied');
    expect(f.calls).toEqual([
      'POST PersistentVolumeClaim claim (dry)', 'POST Secret image-registry-private-configuration-user (dry)', 'PATCH(json-patch+json) configs/cluster cluster (dry)',
      'POST PersistentVolumeClaim claim', 'POST Secret image-registry-private-configuration-user', 'PATCH(json-patch+json) configs/cluster cluster',
    ]);
    expect(f.lines.filter((l) => l.startsWith('✓'))).toEqual([
      '✓ created PersistentVolumeClaim ns/claim',
      expect.stringMatching(/^✓ created Secret openshift-image-registry\/image-registry-private-configuration-user/),
      expect.stringMatching(/^✓ patched configs.imageregistry.operator.openshift.io\/cluster/),
    ]);
  });

  it("gives back each step's answer in order (a create's too), with a spinner for the steps `spin` names", async () => {
    const f = fakes();
    const r = await runPlan(f.ctx, f.cluster, withPvc(), planMode({}), { spin: (s) => (s.action === 'create' ? `sending ${s.target.name}` : undefined) });
    expect(r.results.map((x) => x.answer)).toEqual(['POST PersistentVolumeClaim claim', 'POST Secret image-registry-private-configuration-user', 'PATCH(json-patch+json) configs/cluster cluster']);
    expect(f.spins).toEqual(['sending claim', 'sending image-registry-private-configuration-user']);
    expect(f.lines).toHaveLength(3); // one line per step, as without spinners
  });

  it('a failure after creates deletes them again, newest first', async () => {
    const f = fakes('PATCH(json-patch+json) configs/cluster cluster');
    const e = await runPlan(f.ctx, f.cluster, withPvc(), planMode({})).catch((x) => x);
    expect(e.message).toMatch(/; undone, nothing was left changed \(patch configs.imageregistry.operator.openshift.io\/cluster.* failed\)$/);
    expect(f.calls.slice(-2)).toEqual(['undo delete Secret image-registry-private-configuration-user', 'undo delete PersistentVolumeClaim claim']);
  });

  it('a failure after a patch names what is left and how to finish or undo', async () => {
    const plan: Plan = { ...storagePlan(), finish: 'regctl set-storage s3 …', steps: [storagePlan().steps[1]!, { action: 'create', target: target(R.configMap, 'c', 'ns'), summary: 'create ConfigMap ns/c', object: { metadata: { name: 'c', namespace: 'ns' } } }] };
    const f = fakes('POST ConfigMap c');
    const e = await runPlan(f.ctx, f.cluster, plan, planMode({})).catch((x) => x);
    expect(e.message).toMatch(/; left behind: Config cluster \(patched\) \(create ConfigMap ns\/c failed\)$/);
    expect(e.hint).toMatch(/^finish with `regctl set-storage s3 …`/);
    expect(f.calls.some((c) => c.startsWith('delete'))).toBe(false);
  });

  it('--dry-run sends nothing; --dry-run=server sends every step with dryRun but not those on objects created earlier', async () => {
    const client = fakes();
    await runPlan(client.ctx, client.cluster, withPvc(), planMode({ dryRun: true }));
    expect(client.calls).toEqual([]);
    expect(client.out()).toMatch(/^# dry run: nothing was changed\n/);

    const plan: Plan = { ...storagePlan(), steps: [...storagePlan().steps, { action: 'patch', target: storagePlan().steps[0]!.target, summary: 'patch Secret again', patchType: 'merge', patch: { data: {} } }] };
    const server = fakes();
    await runPlan(server.ctx, server.cluster, plan, planMode({ dryRun: 'server' }), { format: 'json' });
    expect(server.calls).toEqual(['POST Secret image-registry-private-configuration-user strict (dry)', 'PATCH(json-patch+json) configs/cluster cluster strict (dry)']);
    expect(server.lines).toContain('i server dry run: patch Secret again: not checked (Secret openshift-image-registry/image-registry-private-configuration-user is created by an earlier step)');
    expect(JSON.parse(server.out())).toMatchObject({ kind: 'Plan', dryRun: 'server' });
  });

  it('refuses to print a plan that would show a secret value anywhere (last line of defence)', async () => {
    const leaky: Plan = { ...storagePlan(), steps: [...storagePlan().steps, { action: 'create', target: target(R.configMap, 'copy', 'ns'), summary: 'create ConfigMap ns/copy', object: { metadata: { name: 'copy' }, data: { v: SECRET_VALUE } } }] };
    const f = fakes();
    const e = await runPlan(f.ctx, f.cluster, leaky, planMode({ dryRun: true })).catch((x) => x);
    expect(e.message).toMatch(/^internal error: a secret value would have been printed or written; nothing was$/);
    expect(f.out()).toBe('');
  });
});
