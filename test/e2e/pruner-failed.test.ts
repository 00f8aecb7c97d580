// A failed pruner run: the operator turns the last Job's Failed condition into ImagePruner Degraded JobFailed and the
// ClusterOperator into Degraded ImagePrunerJobFailed. `regctl pruner` shows the failed Job with its log (compared with
// kubectl logs), `regctl status` and `regctl doctor` exit 3 with a fix pointing at it; a later good run clears it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.js';

const NS = 'openshift-image-registry';
const coCond = (sb: Sandbox, type: string): any =>
  ((sb.store.get('config.openshift.io/clusteroperators', undefined, 'image-registry')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
const jobDone = (sb: Sandbox, name: string): string | undefined => ((sb.store.get('batch/jobs', NS, name)?.status as any)?.conditions ?? []).find((c: any) => c.status === 'True')?.type;

describe('a failed pruner job', () => {
  let sb: Sandbox;
  let home: string;
  let bad: string;
  const regctl = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: home }, timeoutMs: 60_000 });
  const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, home);

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-pruner-failed-'));
    sb = await startSandbox({ profile: 'aws' });
    await sb.waitFor((s) => !!s.get('batch/cronjobs', NS, 'image-pruner') && coCond(sb, 'Available')?.reason === 'Ready' && coCond(sb, 'Degraded')?.status === 'False', 20_000);
    const good = sb.fireCronJob(NS, 'image-pruner');
    await sb.waitFor(() => jobDone(sb, good) === 'Complete', 10_000);
    sb.faults.prunerJobFails = true;
    bad = sb.fireCronJob(NS, 'image-pruner');
    await sb.waitFor(() => jobDone(sb, bad) === 'Failed' && coCond(sb, 'Degraded')?.status === 'True', 10_000);
  });
  afterAll(async () => {
    await sb?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('regctl pruner shows the failed job, its log tail (as kubectl logs has it) and the fix; exit 0', async () => {
    const r = await regctl(['pruner', '--tail', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Health +Degraded \\(JobFailed: Job has reached the specified backoff limit\\); last run Failed \\(${bad}, `, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^${bad} +Failed +\\S+ +BackoffLimitExceeded$`, 'm'));
    expect(r.stdout).toMatch(/^Degraded +True +JobFailed +Job has reached the specified backoff limit$/m);
    const logs = await kubectl(['logs', '-n', NS, `job/${bad}`, '--tail', '4']);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^error: failed to ping registry https:\/\/image-registry\.openshift-image-registry\.svc:5000/);
    const m = new RegExp(`^Log of failed job ${bad} \\(pod (${bad}-[a-z0-9]{5}), Error\\), last 4 lines:\\n((?:  .*\\n){4})`, 'm').exec(r.stdout);
    expect(m, r.stdout).toBeTruthy();
    expect(m![2]!.trimEnd().split('\n').map((l) => l.slice(2))).toEqual(lines);
    expect(r.stderr).toBe(
      'Warning: the image pruner is Degraded (JobFailed: Job has reached the specified backoff limit): the ClusterOperator image-registry reports Degraded ImagePrunerJobFailed\n' +
        'fix: the pruner could not reach the registry: `regctl status` shows why it is not serving (a registry meant to be gone: `regctl config set managementState=Removed` removes its Service, and the operator then prunes metadata only); ' +
        'then run it once now: `oc create job --from=cronjob/image-pruner image-pruner-manual -n openshift-image-registry` (the operator stays Degraded until a run succeeds)\n',
    );
    const j = JSON.parse((await regctl(['pruner', '-o', 'json'])).stdout);
    expect(j.health).toMatchObject({ degraded: true, reason: 'JobFailed', message: 'Job has reached the specified backoff limit' });
    expect(j.health.fix).toContain('could not reach the registry');
    expect(j.jobs.map((x: any) => x.outcome)).toEqual(['Failed', 'Succeeded']);
    expect(j.lastJob).toMatchObject({ name: bad, outcome: 'Failed', terminationReason: 'Error' });
    expect(j.lastJob.log.length).toBe(11);
    expect(r.all).not.toContain(sb.tokens.admin);
  });

  it('regctl status exits 3 and points at regctl pruner', async () => {
    const r = await regctl(['status']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Health +Degraded \(ImagePrunerJobFailed\)$/m);
    expect(r.stdout).toMatch(/^Pruner +active, last run failed \(`regctl pruner` shows it\)$/m);
    expect(r.stderr).toBe(
      'error: the registry is degraded: ImagePrunerJobFailed: Job has reached the specified backoff limit\n' +
        "hint: `regctl pruner` shows the failed job's log and what to change; then run it once now: `oc create job --from=cronjob/image-pruner image-pruner-manual -n openshift-image-registry` (the operator stays Degraded until a run succeeds)\n",
    );
    const j = await regctl(['status', '-o', 'json']);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout).health).toMatchObject({ degraded: true, reason: 'ImagePrunerJobFailed' });
  });

  it('regctl doctor fails the operator check with the fix `regctl pruner`; exit 3', async () => {
    const r = await regctl(['doctor', '--only', 'management-state,operator', '-o', 'json']);
    expect(r.code).toBe(3);
    const op = JSON.parse(r.stdout).checks.find((c: any) => c.id === 'operator');
    expect(op).toMatchObject({ verdict: 'fail', summary: 'Degraded: ImagePrunerJobFailed: Job has reached the specified backoff limit', fix: 'regctl pruner' });
    expect(op.evidence).toEqual(expect.arrayContaining(['ImagePruner Failed True (BackoffLimitExceeded): Job has reached the specified backoff limit', 'ImagePruner Degraded True (JobFailed): Job has reached the specified backoff limit']));
    const h = await regctl(['doctor', '--only', 'management-state,operator']);
    expect(h.code).toBe(3);
    expect(h.stdout).toMatch(/^ +fix: regctl pruner$/m);
    expect(h.stderr).toContain('hint: start with operator: `regctl pruner`');
  });

  it('a later good run (started by hand, as the fix says) clears it: status 0, pruner OK', async () => {
    sb.faults.prunerJobFails = false;
    const c = await kubectl(['create', 'job', '--from=cronjob/image-pruner', 'image-pruner-manual', '-n', NS]);
    expect(c.code).toBe(0);
    await sb.waitFor(() => jobDone(sb, 'image-pruner-manual') === 'Complete' && coCond(sb, 'Degraded')?.status === 'False', 10_000);
    const s = await regctl(['status']);
    expect(s.code).toBe(0);
    const p = await regctl(['pruner', '--tail', '0']);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^Health +OK; last run Succeeded \(image-pruner-manual, /m);
    expect(p.stdout).toMatch(/^image-pruner-manual \(manual\) +Succeeded /m);
    expect(p.stdout).not.toContain('Log of');
    expect(p.stderr).toBe('');
    const j = JSON.parse((await regctl(['pruner', '-o', 'json', '--tail', '5'])).stdout);
    expect(j.lastJob).toMatchObject({ name: 'image-pruner-manual', outcome: 'Succeeded', log: ['Summary: deleted 0 objects'] });
    expect(j.jobs[0]).toMatchObject({ name: 'image-pruner-manual', manual: true });
  });

  it('a schedule set past regctl that the API server refuses: Degraded SyncError; pruner, status and doctor name the fix', async () => {
    const p = await kubectl(['patch', 'imagepruners.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"schedule":"0 0 * * 7"}}']);
    expect(p.code).toBe(0);
    await sb.waitFor(() => coCond(sb, 'Degraded')?.reason === 'ImagePrunerSyncError', 10_000);
    const msg = 'Error: unable to apply objects: failed to update object *v1.CronJob, Namespace=openshift-image-registry, Name=image-pruner: CronJob.batch "image-pruner" is invalid: spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7';
    const fix = 'the API server refuses the ImagePruner\'s schedule "0 0 * * 7" for the CronJob, which keeps its old one: set a valid one, e.g. `regctl pruner set schedule="0 0 * * *"` (or `regctl pruner set schedule-` for the default)';
    const r = await regctl(['pruner']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pruner {10}scheduled "0 0 \* \* \*" \(UTC\), next run .* — the CronJob; the ImagePruner asks for "0 0 \* \* 7", not applied$/m);
    expect(r.stdout).toContain(`Health          Degraded (SyncError: ${msg});`);
    expect(r.stderr).toContain(`fix: ${fix}\n`);
    const s = await regctl(['status']);
    expect(s.code).toBe(3);
    expect(s.stderr).toBe(`error: the registry is degraded: ImagePrunerSyncError: ${msg}\nhint: ${fix}\n`);
    const d = JSON.parse((await regctl(['doctor', '--only', 'management-state,operator', '-o', 'json'])).stdout);
    expect(d.checks.find((c: any) => c.id === 'operator')).toMatchObject({ verdict: 'fail', fix: 'regctl pruner set schedule-' });
    // The fix: regctl checks the schedule before sending it; the operator applies it and is no longer Degraded.
    expect((await regctl(['pruner', 'set', 'schedule=0 0 * * 7'])).code).toBe(2);
    const ok = await regctl(['pruner', 'set', 'schedule-']);
    expect(ok.code).toBe(0);
    await sb.waitFor(() => coCond(sb, 'Degraded')?.status === 'False', 10_000);
    expect((await regctl(['status'])).code).toBe(0);
  });
});
