// The image pruner end to end: the ImagePruner `cluster` → CronJob `image-pruner` (as the operator renders it),
// Jobs from the schedule or on demand (kubectl create job --from=cronjob/…), a failing run → the ClusterOperator
// Degraded ImagePrunerJobFailed, a later good run clears it, and the CronJob's history limits.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.ts';
import type { KubeObject, Store } from '../types.ts';
import { parseSchedule } from './cron.ts';
import { checkFaultPatch } from '../fault-control.ts';
import { goDuration, renderPrunerCronJob } from './pruner.ts';

const NS = 'openshift-image-registry';
const PRUNERS = 'imageregistry.operator.openshift.io/imagepruners';
const CJ = 'batch/cronjobs';
const JOBS = 'batch/jobs';

function sh(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { PATH: process.env.PATH!, ...env }, timeout: 45_000, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cronJob = (s: Store): any => s.get(CJ, NS, 'image-pruner');
const args = (s: Store): string[] => cronJob(s)?.spec.jobTemplate.spec.template.spec.containers[0].args.slice(2) ?? [];
const jobDone = (s: Store, name: string): string | undefined =>
  ((s.get(JOBS, NS, name)?.status as any)?.conditions ?? []).find((c: any) => c.status === 'True')?.type;
const coCond = (s: Store, type: string): any =>
  ((s.get('config.openshift.io/clusteroperators', undefined, 'image-registry')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
const prunerCond = (s: Store, type: string): any => ((s.get(PRUNERS, undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);

describe('cron schedules', () => {
  it('computes the next time in UTC like robfig/cron', () => {
    const at = new Date('2026-03-04T05:06:07Z');
    expect(parseSchedule('0 0 * * *').next(at).toISOString()).toBe('2026-03-05T00:00:00.000Z');
    expect(parseSchedule('@hourly').next(at).toISOString()).toBe('2026-03-04T06:00:00.000Z');
    expect(parseSchedule('*/15 9-17 * * mon-fri').next(at).toISOString()).toBe('2026-03-04T09:00:00.000Z');
    expect(parseSchedule('30 2 1 * *').next(at).toISOString()).toBe('2026-04-01T02:30:00.000Z');
    expect(() => parseSchedule('61 * * * *')).toThrow();
    expect(goDuration('90m')).toBe('1h30m0s');
    expect(goDuration('2h')).toBe('2h0m0s');
  });

  it('renders per release: 4.17 annotates the job template with the required SCC, 4.14 does not; deprecated keepYoungerThan is nanoseconds', () => {
    expect((renderPrunerCronJob({}, undefined, '4.17.12').spec as any).jobTemplate.metadata.annotations).toEqual({ 'openshift.io/required-scc': 'restricted-v2' });
    expect((renderPrunerCronJob({}, undefined, '4.14.38').spec as any).jobTemplate.metadata.annotations).toBeUndefined();
    const a = (renderPrunerCronJob({ keepYoungerThan: 7_200_000_000_000, logLevel: 'TraceAll' }, undefined).spec as any).jobTemplate.spec.template.spec.containers[0].args;
    expect(a).toEqual(expect.arrayContaining(['--keep-younger-than=2h0m0s', '--loglevel=8', '--prune-registry=false']));
    expect(checkFaultPatch({ prunerJobFails: true })).toBeUndefined();
    expect(checkFaultPatch({ prunerJobFails: 'yes' })).toBe('prunerJobFails must be true or false');
  });
});

describe('image pruner', () => {
  let sb: Sandbox;
  let tmp: string;
  const kubectl = (...a: string[]) => sh(a, { KUBECONFIG: sb.kubeconfigPath, HOME: tmp });
  const patchPruner = (spec: Record<string, unknown>) => kubectl('patch', 'imagepruners.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', JSON.stringify({ spec }));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-pruner-test-'));
    sb = await startSandbox({ profile: 'aws' });
    await sb.waitFor((s) => !!cronJob(s) && prunerCond(s, 'Available')?.status === 'True', 10_000);
  });
  afterAll(async () => {
    await sb?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('renders the CronJob the operator renders, seen by kubectl', async () => {
    const r = await kubectl('get', 'cronjob', '-n', NS, 'image-pruner', '-o', 'yaml');
    expect(r.stderr).toBe('');
    const cj = yaml.load(r.stdout) as any;
    expect(cj.spec).toMatchObject({ schedule: '0 0 * * *', suspend: false, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, startingDeadlineSeconds: 3600 });
    expect(cj.spec.jobTemplate.metadata.labels).toEqual({ 'created-by': 'image-pruner' });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(pod).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'pruner', priorityClassName: 'system-cluster-critical' });
    expect(pod.containers[0].command).toEqual(['/bin/sh']);
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
    expect(pod.containers[0].args.slice(2)).toEqual([
      'arg0', 'oc', 'adm', 'prune', 'images', '--confirm=true', '--certificate-authority=/var/run/configmaps/serviceca/service-ca.crt',
      '--keep-tag-revisions=3', '--keep-younger-than=60m', '--ignore-invalid-refs=true', '--loglevel=1',
      '--prune-registry=true', '--registry-url=https://image-registry.openshift-image-registry.svc:5000',
    ]);
    expect(sb.store.get('/serviceaccounts', NS, 'pruner')).toBeTruthy();
    const table = await kubectl('get', 'cronjob', '-n', NS);
    expect(table.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
    expect(table.stdout).toMatch(/image-pruner\s+0 0 \* \* \*\s+<none>\s+False\s+0\s+<none>/);
  });

  it('follows ImagePruner spec changes; Scheduled False Suspended when suspended', async () => {
    const p = await patchPruner({
      keepTagRevisions: 5, keepYoungerThanDuration: '90m', ignoreInvalidImageReferences: false, logLevel: 'Debug', schedule: '30 2 * * 0',
      suspend: true, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 2, nodeSelector: { 'node-role.kubernetes.io/worker': '' },
      resources: { requests: { cpu: '50m' } },
    });
    expect(p.stderr).toBe('');
    await sb.waitFor((s) => cronJob(s)?.spec.schedule === '30 2 * * 0' && prunerCond(s, 'Scheduled')?.status === 'False', 10_000);
    const cj = cronJob(sb.store);
    expect(cj.spec).toMatchObject({ suspend: true, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 2 });
    expect(cj.spec.jobTemplate.spec.template.spec.nodeSelector).toEqual({ 'node-role.kubernetes.io/worker': '' });
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m' } });
    expect(args(sb.store)).toEqual(expect.arrayContaining(['--keep-tag-revisions=5', '--keep-younger-than=1h30m0s', '--ignore-invalid-refs=false', '--loglevel=4']));
    expect(prunerCond(sb.store, 'Scheduled')).toMatchObject({ status: 'False', reason: 'Suspended', message: 'The pruner job has been suspended' });
    // Back to the defaults the operator renders for a spec without them.
    await kubectl('patch', 'imagepruners.imageregistry.operator.openshift.io', 'cluster', '--type', 'json', '-p', JSON.stringify([
      { op: 'replace', path: '/spec/suspend', value: false }, { op: 'remove', path: '/spec/schedule' }, { op: 'remove', path: '/spec/nodeSelector' },
      { op: 'remove', path: '/spec/resources' }, { op: 'remove', path: '/spec/keepYoungerThanDuration' }, { op: 'replace', path: '/spec/logLevel', value: 'Normal' },
      { op: 'replace', path: '/spec/keepTagRevisions', value: 3 }, { op: 'replace', path: '/spec/ignoreInvalidImageReferences', value: true },
      { op: 'replace', path: '/spec/successfulJobsHistoryLimit', value: 3 }, { op: 'replace', path: '/spec/failedJobsHistoryLimit', value: 3 },
    ]));
    await sb.waitFor((s) => cronJob(s)?.spec.schedule === '0 0 * * *' && !cronJob(s).spec.suspend && prunerCond(s, 'Scheduled')?.status === 'True', 10_000);
    expect(args(sb.store)).toContain('--keep-younger-than=60m');
  });

  it('--prune-registry follows the registry service: false when Removed, true again when Managed', async () => {
    await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Removed"}}');
    await sb.waitFor((s) => args(s).includes('--prune-registry=false'), 10_000);
    expect(args(sb.store).some((a) => a.startsWith('--registry-url'))).toBe(false);
    const run = sb.runCronJob(NS, 'image-pruner');
    await sb.waitFor((s) => jobDone(s, run) === 'Complete', 10_000);
    const pod = sb.store.list('/pods', NS, { labelSelector: `job-name=${run}` }).items[0]!;
    expect(sb.store.logs.read(NS, pod.metadata.name!, 'image-pruner').map((l) => l.line)).toEqual([
      'Only API objects will be removed.  No modifications to the image registry will be made.',
      'Summary: deleted 0 objects',
    ]);
    await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Managed"}}');
    await sb.waitFor((s) => args(s).includes('--prune-registry=true'), 10_000);
    await sb.waitFor((s) => coCond(s, 'Available')?.reason === 'Ready', 15_000);
    // Upstream decides on image.config's internalRegistryHostname (the Service), not on managementState: Unmanaged
    // leaves the Service, so the registry is still pruned (the docs' "Unmanaged → false" holds only without a Service).
    await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Unmanaged"}}');
    await sb.waitFor((s) => coCond(s, 'Available')?.reason === 'Unmanaged', 10_000);
    expect(args(sb.store)).toContain('--prune-registry=true');
    await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Managed"}}');
    await sb.waitFor((s) => coCond(s, 'Available')?.reason === 'Ready', 15_000);
  });

  it('kubectl create job --from=cronjob/image-pruner runs to completion', async () => {
    const r = await kubectl('create', 'job', 'pruner-now', '--from=cronjob/image-pruner', '-n', NS);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('job.batch/pruner-now created');
    await sb.waitFor((s) => jobDone(s, 'pruner-now') === 'Complete', 10_000);
    const job = sb.store.get(JOBS, NS, 'pruner-now') as any;
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'image-pruner', controller: true })]);
    expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
    expect(job.status).toMatchObject({ succeeded: 1 });
    const logs = await kubectl('logs', '-n', NS, 'job/pruner-now');
    expect(logs.stdout).toBe('Summary: deleted 0 objects\n');
    const jobs = await kubectl('get', 'jobs', '-n', NS, 'pruner-now');
    expect(jobs.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npruner-now\s+Complete\s+1\/1\s/);
    expect(coCond(sb.store, 'Degraded').status).toBe('False');
  });

  it('a failing run makes the ClusterOperator Degraded ImagePrunerJobFailed; a later good run clears it', async () => {
    sb.faults.prunerJobFails = true;
    const bad = sb.fireCronJob(NS, 'image-pruner');
    expect(bad).toMatch(/^image-pruner-\d+$/);
    await sb.waitFor((s) => coCond(s, 'Degraded')?.status === 'True', 10_000);
    expect(jobDone(sb.store, bad)).toBe('Failed');
    expect((sb.store.get(JOBS, NS, bad)!.status as any).conditions[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(prunerCond(sb.store, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(prunerCond(sb.store, 'Degraded')).toMatchObject({ status: 'True', reason: 'JobFailed', message: 'Job has reached the specified backoff limit' });
    expect(coCond(sb.store, 'Degraded')).toMatchObject({ reason: 'ImagePrunerJobFailed', message: 'ImagePrunerDegraded: Job has reached the specified backoff limit' });
    const pod = sb.store.list('/pods', NS, { labelSelector: `job-name=${bad}` }).items[0] as any;
    expect(pod.status.phase).toBe('Failed');
    const lines = sb.store.logs.read(NS, pod.metadata.name, 'image-pruner').map((l) => l.line);
    expect(lines[0]).toBe('error: failed to ping registry https://image-registry.openshift-image-registry.svc:5000: Get "https://image-registry.openshift-image-registry.svc:5000/": dial tcp 172.30.153.126:5000: connect: connection refused');
    expect(lines).toContain('attempt #5 has failed (exit code 1), going to make another attempt...');
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });

    sb.faults.prunerJobFails = false;
    const good = sb.fireCronJob(NS, 'image-pruner');
    await sb.waitFor((s) => jobDone(s, good) === 'Complete' && coCond(s, 'Degraded')?.status === 'False', 10_000);
    expect(prunerCond(sb.store, 'Failed')).toMatchObject({ status: 'False', reason: 'Complete', message: 'Pruner completed successfully' });
    expect(coCond(sb.store, 'Degraded').reason).toBe('AsExpected');
    const cj = cronJob(sb.store);
    expect(cj.status.lastScheduleTime).toBeTruthy();
    expect(cj.status.lastSuccessfulTime).toBeTruthy();
    expect(cj.status.active).toBeUndefined();
  });

  it('a schedule the API server refuses: the CronJob keeps the old one, the operator is Degraded SyncError until it is fixed', async () => {
    const bad = await kubectl('create', 'cronjob', 'x', '-n', NS, '--image=busybox', '--schedule=61 * * * *');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('error: failed to create cronjob: CronJob.batch "x" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    const tz = await kubectl('create', 'cronjob', 'x', '-n', NS, '--image=busybox', '--schedule=CRON_TZ=UTC 0 0 * * *');
    expect(tz.stderr).toContain('spec.schedule: Invalid value: "CRON_TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    expect((await kubectl('create', 'cronjob', 'x', '-n', NS, '--image=busybox', '--schedule=0 0 * * 7')).stderr).toContain('end of range (7) above maximum (6): 7');
    const before = cronJob(sb.store).spec.schedule;
    await patchPruner({ schedule: '61 * * * *' });
    await sb.waitFor((s) => prunerCond(s, 'Degraded')?.reason === 'SyncError' && coCond(s, 'Degraded')?.status === 'True', 10_000);
    const msg = 'Error: unable to apply objects: failed to update object *v1.CronJob, Namespace=openshift-image-registry, Name=image-pruner: CronJob.batch "image-pruner" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61';
    expect(prunerCond(sb.store, 'Degraded')).toMatchObject({ status: 'True', reason: 'SyncError', message: msg });
    expect(coCond(sb.store, 'Degraded')).toMatchObject({ reason: 'ImagePrunerSyncError', message: `ImagePrunerDegraded: ${msg}` });
    expect(cronJob(sb.store).spec.schedule).toBe(before);
    await patchPruner({ schedule: '' });
    await sb.waitFor((s) => prunerCond(s, 'Degraded')?.status === 'False' && coCond(s, 'Degraded')?.status === 'False', 10_000);
  });

  it('keeps at most successfulJobsHistoryLimit / failedJobsHistoryLimit Jobs, kubectl-created ones included', async () => {
    await patchPruner({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    await sb.waitFor((s) => cronJob(s)?.spec.successfulJobsHistoryLimit === 1, 10_000);
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const n = sb.fireCronJob(NS, 'image-pruner');
      names.push(n);
      await sb.waitFor((s) => jobDone(s, n) === 'Complete' && !cronJob(s).status.active, 10_000);
    }
    const all = (s: Store) => s.list(JOBS, NS).items as KubeObject[];
    await sb.waitFor((s) => all(s).filter((j) => jobDone(s, j.metadata.name!) === 'Complete').length === 1, 10_000);
    expect(all(sb.store).filter((j) => jobDone(sb.store, j.metadata.name!) === 'Complete').map((j) => j.metadata.name)).toEqual([names[1]]);
    await sb.waitFor((s) => all(s).filter((j) => jobDone(s, j.metadata.name!) === 'Failed').length === 1, 10_000);
    // kubectl's job carries controller: true, so it counted too; the deleted jobs' pods went with them.
    expect(sb.store.get(JOBS, NS, 'pruner-now')).toBeUndefined();
    await sb.waitFor((s) => !s.list('/pods', NS, { labelSelector: `job-name=${names[0]}` }).items.length, 10_000);
    const events = sb.store.list('/events', NS).items.filter((e: any) => e.involvedObject.kind === 'CronJob').map((e: any) => e.reason);
    expect(events).toEqual(expect.arrayContaining(['SuccessfulCreate', 'SawCompletedJob', 'SuccessfulDelete']));
  });
});
