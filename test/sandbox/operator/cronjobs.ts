// kube-controller-manager's CronJob and Job controllers, small: a CronJob creates `<name>-<scheduled time in
// minutes since the epoch>` Jobs at its schedule (UTC), keeps status.active/lastScheduleTime/lastSuccessfulTime and
// deletes the oldest finished Jobs beyond its history limits (pkg/controller/cronjob/cronjob_controllerv2.go, utils.go);
// a Job gets one pod `<job>-<5 chars>` (the kubelet in workloads.ts starts it), which runs for `runMs` and then
// succeeds or fails; the Job records Complete, or Failed BackoffLimitExceeded (pkg/controller/job/job_controller.go,
// kube 1.30: no SuccessCriteriaMet/FailureTarget yet). Pods of a deleted Job go with it (garbage collector).
// The pruner's pod writes `oc adm prune images` output (openshift/oc pkg/cli/admin/prune/images/images.go).
import type { Faults, KubeObject, Store } from '../types.ts';
import { parseSchedule } from './cron.ts';
import { recordEvent } from './events.ts';
import { Loop, now, randomSuffix, tryDelete, tryGet, tryList, writeStatus } from './util.ts';

const CRONJOBS = 'batch/cronjobs';
const JOBS = 'batch/jobs';
const PODS = '/pods';
const HOUR = 3_600_000;

type Obj = KubeObject & { spec?: any; status?: any };

export interface CronJobControllerOptions {
  /** How long a job's container runs once Running. Default 300 ms. */
  runMs?: number;
  faults?: Faults;
  /** kube ≥ 1.29 (OpenShift ≥ 4.16) annotates scheduled Jobs with batch.kubernetes.io/cronjob-scheduled-timestamp. */
  scheduledAnnotation?: boolean;
  onError?: (e: unknown) => void;
}

export interface CronJobController {
  stop(): void;
  loop: Loop;
  /** `kubectl create job NAME --from=cronjob/CRONJOB`: a Job from the template now, controlled by the CronJob (history limits apply). */
  runNow(namespace: string, cronJob: string, jobName?: string): string;
  /** The CronJob's next scheduled run happens now (as if the clock had reached it): returns the Job's name. */
  fire(namespace: string, cronJob: string): string;
}

const finished = (j: Obj): 'Complete' | 'Failed' | undefined =>
  ((j.status?.conditions ?? []) as any[]).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;

const controllerOf = (o: KubeObject): any => (o.metadata.ownerReferences ?? []).find((r: any) => r.controller);

export function startCronJobController(store: Store, opts: CronJobControllerOptions): CronJobController {
  const runMs = opts.runMs ?? 300;
  const loop = new Loop('cronjobs', reconcile, opts.onError);
  const finishAt = new Map<string, number>();
  const unexpected = new Set<string>();

  // kubectl create job --from sets controller: true but not blockOwnerDeletion (that would need cronjobs/finalizers).
  function jobFromTemplate(cj: Obj, name: string, extra: { controller: boolean; annotations?: Record<string, string> }): Obj {
    const tpl = structuredClone(cj.spec?.jobTemplate ?? {});
    const ref: Record<string, unknown> = { apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid, controller: true };
    if (extra.controller) ref.blockOwnerDeletion = true;
    const annotations = { ...(extra.controller ? {} : extra.annotations), ...(tpl.metadata?.annotations ?? {}), ...(extra.controller ? extra.annotations : {}) };
    const job: Obj = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: cj.metadata.namespace, labels: { ...(tpl.metadata?.labels ?? {}) }, annotations, ownerReferences: [ref] },
      spec: tpl.spec ?? {},
    };
    if (!Object.keys(annotations).length) delete job.metadata.annotations;
    return job;
  }

  function createScheduled(cj: Obj, scheduled: Date): string {
    const name = `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
    const annotations = opts.scheduledAnnotation ? { 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled.toISOString().replace(/\.\d{3}Z$/, 'Z') } : undefined;
    const job = store.create(JOBS, jobFromTemplate(cj, name, { controller: true, annotations }));
    recordEvent(store, cj, 'SuccessfulCreate', `Created job ${name}`, { component: 'cronjob-controller' });
    const fresh = store.get(CRONJOBS, cj.metadata.namespace, cj.metadata.name!) as Obj;
    const st = structuredClone(fresh.status ?? {});
    st.active = [...(st.active ?? []), { kind: 'Job', namespace: job.metadata.namespace, name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion }];
    st.lastScheduleTime = scheduled.toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeStatus(store, CRONJOBS, fresh, st);
    return name;
  }

  function syncCronJob(cj: Obj, jobs: Obj[]): void {
    const mine = jobs.filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const st = structuredClone(cj.status ?? {});
    let changed = false;
    // Finished jobs leave the active list; succeeded ones move lastSuccessfulTime.
    for (const j of mine) {
      const done = finished(j);
      if (!done && !(st.active ?? []).some((a: any) => a.uid === j.metadata.uid) && !unexpected.has(j.metadata.uid!)) {
        unexpected.add(j.metadata.uid!);
        recordEvent(store, cj, 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`, { type: 'Warning', component: 'cronjob-controller' });
      }
      if (!done) continue;
      if ((st.active ?? []).some((a: any) => a.uid === j.metadata.uid)) {
        st.active = st.active.filter((a: any) => a.uid !== j.metadata.uid);
        recordEvent(store, cj, 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${done}`, { component: 'cronjob-controller' });
        changed = true;
      }
      const ct = j.status?.completionTime;
      if (done === 'Complete' && ct && (!st.lastSuccessfulTime || Date.parse(ct) > Date.parse(st.lastSuccessfulTime))) {
        st.lastSuccessfulTime = ct;
        changed = true;
      }
    }
    const before = (st.active ?? []).length;
    st.active = (st.active ?? []).filter((a: any) => mine.some((j) => j.metadata.uid === a.uid));
    if (st.active.length !== before) changed = true;
    if (!st.active.length) delete st.active;
    // History limits over the jobs this CronJob controls, oldest start first.
    for (const [kind, limit] of [['Complete', cj.spec?.successfulJobsHistoryLimit], ['Failed', cj.spec?.failedJobsHistoryLimit]] as const) {
      if (limit == null) continue;
      const done = mine.filter((j) => finished(j) === kind).sort(byStartTime);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        if (tryDelete(store, JOBS, j.metadata.namespace, j.metadata.name!)) {
          recordEvent(store, cj, 'SuccessfulDelete', `Deleted job ${j.metadata.name}`, { component: 'cronjob-controller' });
        }
      }
    }
    if (changed) writeStatus(store, CRONJOBS, cj, st);
    if (cj.metadata.deletionTimestamp || cj.spec?.suspend) return;
    let sched;
    try {
      sched = parseSchedule(String(cj.spec?.schedule ?? ''));
    } catch {
      return; // UnparseableSchedule: nothing until the spec changes
    }
    const nowMs = Date.now();
    const last = st.lastScheduleTime ?? cj.metadata.creationTimestamp;
    let due: Date | undefined;
    for (let t = sched.next(new Date(Date.parse(last))), n = 0; t.getTime() <= nowMs && n < 1000; t = sched.next(t), n++) due = t;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (due && (deadline == null || due.getTime() + deadline * 1000 >= nowMs)) {
      const forbid = cj.spec?.concurrencyPolicy === 'Forbid' && (st.active ?? []).length > 0;
      if (forbid) recordEvent(store, cj, 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid', { component: 'cronjob-controller' });
      else if (!tryGet(store, JOBS, cj.metadata.namespace, `${cj.metadata.name}-${Math.floor(due.getTime() / 60_000)}`)) createScheduled(cj, due);
    }
    const next = sched.next(new Date(Math.max(nowMs, Date.parse(st.lastScheduleTime ?? 0) || 0)));
    loop.later(Math.min(HOUR, next.getTime() - nowMs + 100));
  }

  function pickNode(selector: Record<string, string> | undefined): string | undefined {
    const nodes = tryList(store, '/nodes').filter((n) => !(n.spec as any)?.unschedulable
      && ((n.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
      && Object.entries(selector ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v));
    return nodes.length ? nodes[Math.floor(Math.random() * nodes.length)]!.metadata.name : undefined;
  }

  function createPod(job: Obj): void {
    const tpl = structuredClone(job.spec?.template ?? {});
    const spec = tpl.spec ?? {};
    const labels = { ...(tpl.metadata?.labels ?? {}), 'batch.kubernetes.io/controller-uid': job.metadata.uid!, 'batch.kubernetes.io/job-name': job.metadata.name!, 'controller-uid': job.metadata.uid!, 'job-name': job.metadata.name! };
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.schedulerName ??= 'default-scheduler';
    spec.terminationGracePeriodSeconds ??= 30;
    const node = pickNode(spec.nodeSelector);
    if (node) spec.nodeName = node;
    const pod = store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${job.metadata.name}-${randomSuffix(5)}`,
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace,
        labels,
        ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    });
    const t = now();
    const containers = (spec.containers ?? []) as any[];
    const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
    const status = node
      ? {
          phase: 'Pending',
          conditions: [
            { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
            { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: unready },
            { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: unready },
            { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
          ],
          startTime: t,
          containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} })),
          qosClass: 'Burstable',
        }
      : {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'Unschedulable', message: `0/${tryList(store, '/nodes').length} nodes are available: ${tryList(store, '/nodes').length} node(s) didn't match Pod's node affinity/selector.` }],
          qosClass: 'Burstable',
        };
    const stored = writeStatus(store, PODS, pod, status);
    recordEvent(store, job, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, { component: 'job-controller' });
    const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (node) recordEvent(store, stored, 'Scheduled', `Successfully assigned ${ref} to ${node}`, { component: 'default-scheduler' });
    else recordEvent(store, stored, 'FailedScheduling', (status.conditions[0] as any).message, { type: 'Warning', component: 'default-scheduler' });
  }

  /** The container exits: its log, the pod's terminal phase. Returns whether it succeeded. */
  function finishPod(job: Obj, pod: Obj): boolean {
    const c = (pod.spec?.containers ?? [])[0] ?? {};
    const isPruner = c.name === 'image-pruner' || (c.args ?? []).join(' ').includes('oc adm prune images');
    const fail = isPruner && opts.faults?.prunerJobFails === true;
    const lines = isPruner ? prunerOutput(c.args ?? [], fail) : [];
    for (const l of lines) store.logs.append(pod.metadata.namespace!, pod.metadata.name!, c.name, l);
    const t = now();
    const st = structuredClone(pod.status ?? {});
    st.phase = fail ? 'Failed' : 'Succeeded';
    for (const cond of (st.conditions ?? []) as any[]) {
      if (cond.type === 'Ready' || cond.type === 'ContainersReady') Object.assign(cond, { status: 'False', lastTransitionTime: t, reason: 'PodCompleted' });
      if (cond.type === 'PodReadyToStartContainers') Object.assign(cond, { status: 'False', lastTransitionTime: t });
    }
    st.containerStatuses = ((st.containerStatuses ?? []) as any[]).map((cs) => {
      const terminated: Record<string, unknown> = { exitCode: fail ? 1 : 0, reason: fail ? 'Error' : 'Completed', startedAt: cs.state?.running?.startedAt ?? t, finishedAt: t, containerID: cs.containerID };
      // FallbackToLogsOnError: the log's tail is the termination message of a failed container.
      if (fail && c.terminationMessagePolicy === 'FallbackToLogsOnError') terminated.message = lines.slice(-80).join('\n') + '\n';
      return { ...cs, ready: false, started: false, state: { terminated } };
    });
    writeStatus(store, PODS, pod, st);
    return !fail;
  }

  function syncJob(job: Obj, pods: Obj[]): void {
    if (finished(job) || job.metadata.deletionTimestamp || job.spec?.suspend) return;
    const mine = pods.filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    const st = structuredClone(job.status ?? {});
    if (!mine.length) {
      if ((st.failed ?? 0) + (st.succeeded ?? 0) > 0) return;
      createPod(job);
      Object.assign(st, { startTime: st.startTime ?? now(), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
      writeStatus(store, JOBS, store.get(JOBS, job.metadata.namespace, job.metadata.name!)!, st);
      return;
    }
    const pod = mine[0]!;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (pod.status?.phase === 'Running') {
      st.ready = 1;
      if (!finishAt.has(key)) {
        finishAt.set(key, Date.now() + runMs);
        loop.later(runMs);
      }
      if (finishAt.get(key)! > Date.now()) {
        loop.later(finishAt.get(key)! - Date.now());
        writeStatus(store, JOBS, job, st);
        return;
      }
      finishAt.delete(key);
      const ok = finishPod(job, pod);
      const t = now();
      const base = { ...st, active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
      delete base.active;
      if (ok) {
        writeStatus(store, JOBS, job, { ...base, succeeded: 1, completionTime: t, conditions: [{ type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t }] });
        recordEvent(store, job, 'Completed', 'Job completed', { component: 'job-controller' });
      } else {
        const msg = 'Job has reached the specified backoff limit';
        writeStatus(store, JOBS, job, { ...base, failed: 1, conditions: [{ type: 'Failed', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'BackoffLimitExceeded', message: msg }] });
        recordEvent(store, job, 'BackoffLimitExceeded', msg, { type: 'Warning', component: 'job-controller' });
      }
    } else if (st.ready) {
      st.ready = 0;
      writeStatus(store, JOBS, job, st);
    }
  }

  function reconcile(): void {
    const jobs = tryList(store, JOBS) as Obj[];
    const pods = tryList(store, PODS) as Obj[];
    for (const j of jobs) syncJob(j, pods);
    // Garbage collector: pods whose Job is gone.
    const uids = new Set(jobs.map((j) => j.metadata.uid));
    for (const p of pods) {
      const ref = controllerOf(p);
      if (ref?.kind === 'Job' && !uids.has(ref.uid)) {
        finishAt.delete(`${p.metadata.namespace}/${p.metadata.name}`);
        tryDelete(store, PODS, p.metadata.namespace, p.metadata.name!);
      }
    }
    const fresh = tryList(store, JOBS) as Obj[];
    for (const cj of tryList(store, CRONJOBS) as Obj[]) syncCronJob(cj, fresh.filter((j) => j.metadata.namespace === cj.metadata.namespace));
  }

  const off = store.on((key) => {
    if (key === CRONJOBS || key === JOBS || key === PODS) loop.trigger();
  });
  loop.trigger();

  function getCronJob(ns: string, name: string): Obj {
    const cj = tryGet(store, CRONJOBS, ns, name) as Obj | undefined;
    if (!cj) throw new Error(`cronjobs.batch "${name}" not found`);
    return cj;
  }

  return {
    loop,
    runNow(ns, name, jobName) {
      const cj = getCronJob(ns, name);
      const job = jobFromTemplate(cj, jobName ?? `${name}-manual-${randomSuffix(5)}`, { controller: false, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } });
      return store.create(JOBS, job).metadata.name!;
    },
    fire(ns, name) {
      const cj = getCronJob(ns, name);
      if (cj.spec?.concurrencyPolicy === 'Forbid' && (cj.status?.active ?? []).length) throw new Error(`cronjob ${ns}/${name}: a job is still active and concurrencyPolicy is Forbid`);
      const from = Math.max(Date.now(), Date.parse(cj.status?.lastScheduleTime ?? 0) || 0);
      return createScheduled(cj, parseSchedule(String(cj.spec?.schedule ?? '')).next(new Date(from)));
    },
    stop() {
      off();
      loop.stop();
    },
  };
}

function byStartTime(a: Obj, b: Obj): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sb) return sa ? -1 : 0;
  if (!sa) return 1;
  return Date.parse(sa) - Date.parse(sb) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** What the pruner pod prints: `oc adm prune images` (images.go `Run`, prune.go `PruneStats.String`) inside the operator's retry script. */
export function prunerOutput(args: string[], fail: boolean): string[] {
  const pruneRegistry = !args.includes('--prune-registry=false');
  const url = args.find((a) => a.startsWith('--registry-url='))?.slice('--registry-url='.length);
  if (!fail) {
    const out: string[] = [];
    if (!pruneRegistry) out.push('Only API objects will be removed.  No modifications to the image registry will be made.');
    out.push('Summary: deleted 0 objects');
    return out;
  }
  const error = pruneRegistry && url
    ? `error: failed to ping registry ${url}: Get "${url}/": dial tcp 172.30.153.126:5000: connect: connection refused`
    : 'Error from server (Timeout): the server was unable to return a response in the time allotted, but may still be processing the request (get images.image.openshift.io)';
  const out = [error];
  for (let i = 1; i <= 5; i++) out.push(`attempt #${i} has failed (exit code 1), going to make another attempt...`, error);
  return out;
}
