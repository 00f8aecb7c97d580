// The image pruner as cluster-image-registry-operator runs it: the ImagePruner `cluster`, the CronJob
// `openshift-image-registry/image-pruner` it renders (pkg/resource/prunercronjob.go `expected`), the Jobs that
// CronJob started (labelled `created-by: image-pruner`) with their pods and logs, and the pruner's conditions
// (pkg/operator/status.go `syncPrunerStatus`: the newest Job with conditions decides Failed/Degraded).
//
// Whether registry blobs are pruned: the operator passes `--prune-registry=true --registry-url=https://HOST` when
// image.config.openshift.io/cluster has status.internalRegistryHostname, which its ImageConfigController sets while
// the `image-registry` Service exists (pkg/operator/imageconfig.go getServiceHostname); otherwise
// `--prune-registry=false`: only API objects (images, image stream history) are pruned. managementState matters only
// through the Service: Removed deletes it (metadata only), Unmanaged leaves it (blobs still pruned) — not what the
// OpenShift docs' table says for Unmanaged (commit daf369a0b replaced the managementState switch).
import type { Cluster, Json } from './cluster.js';
import { ApiError, isApiError } from './api-error.js';
import { NAMES, R, type ResourceRef } from './resources.js';
import { registryNotInstalled } from './errors.js';
import { streamPodLog } from './logs.js';
import { parseCronSchedule } from './cron.js';
import { NotFoundError } from '../errors.js';

export const PRUNER_TARGET = `imagepruners.imageregistry.operator.openshift.io/${NAMES.cluster}`;
export const PRUNER_CRONJOB = 'image-pruner';
export const PRUNER_CONTAINER = 'image-pruner';
export const CRONJOB: ResourceRef = { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true };
export const JOB: ResourceRef = { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true };
const NS = NAMES.registryNamespace;

/** What the operator renders for a spec without the field (prunercronjob.go defaults). */
export const PRUNER_DEFAULTS = {
  schedule: '0 0 * * *',
  suspend: false,
  keepTagRevisions: 3,
  keepYoungerThan: '60m',
  ignoreInvalidImageReferences: false,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 3,
  logLevel: 'Normal',
  resources: { requests: { cpu: '100m', memory: '256Mi' } },
} as const;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PrunerSettings {
  schedule: string;
  suspend: boolean;
  keepTagRevisions: number;
  /** The --keep-younger-than the job gets (Go duration). */
  keepYoungerThan: string;
  ignoreInvalidImageReferences: boolean;
  resources: Json;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  logLevel: string;
  nodeSelector: Record<string, string>;
  tolerations: Json[];
  affinity: Json;
}

export interface RegistryPruning {
  /** Whether runs delete blobs and manifests from the registry's storage; null when it cannot be told. */
  blobs: boolean | null;
  /** What it rests on: the CronJob's arguments, else image.config's internal hostname. */
  basis: 'cronJob' | 'imageConfig' | 'unknown';
  registryURL?: string;
  managementState?: string;
  internalRegistryHostname?: string;
  /** One line: why. */
  reason: string;
}

export type JobOutcome = 'Succeeded' | 'Failed' | 'Running' | 'Pending';

export interface PrunerJob {
  name: string;
  outcome: JobOutcome;
  reason?: string;
  message?: string;
  createdAt?: string;
  startTime?: string;
  completionTime?: string;
  /** Started by hand (`oc create job --from=cronjob/image-pruner`), not by the schedule. */
  manual: boolean;
  pod?: string;
}

export interface PrunerStatus {
  spec: Json;
  settings: PrunerSettings;
  conditions: Condition[];
  /** The pruner's Degraded condition (what makes the ClusterOperator Degraded ImagePruner<reason>). */
  health: { degraded: boolean; reason: string; message: string; fix?: string };
  registryPruning: RegistryPruning;
  cronJob: null | {
    name: string;
    schedule: string;
    suspend: boolean;
    image?: string;
    args: string[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
    active: string[];
    /** The next scheduled run (UTC); absent while suspended. */
    nextRun?: string;
  };
  jobs: PrunerJob[];
  /** The job whose log is shown: the newest finished one (the one the conditions come from), else the newest. */
  lastJob: null | {
    name: string;
    outcome: JobOutcome;
    pod?: string;
    log: string[];
    /** Why there is no log (pod gone, forbidden, empty). */
    logNote?: string;
    /** The container's termination reason (Error, OOMKilled, Completed) and message (the log tail, FallbackToLogsOnError). */
    terminationReason?: string;
    terminationMessage?: string;
  };
  unavailable: Record<string, { reason: 'Forbidden' | 'NotFound'; message: string }>;
}

/** Go's time.Duration.String() of a number of nanoseconds (what metav1.Duration prints). */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trim(u / (div as number))}${unit}`;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    const s = `${trim(u / 1e9)}s`;
    out = h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
  }
  return (neg ? '-' : '') + out;
}
const trim = (n: number) => String(Math.round(n * 1e9) / 1e9);

/** Go time.ParseDuration → nanoseconds; undefined when not a Go duration. */
export function parseGoDuration(s: string): number | undefined {
  const t = s.trim();
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(t);
  if (!m) return undefined;
  if (m[2] === '0') return 0;
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  let total = 0;
  for (const p of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(p[1]) * unit[p[2]!]!;
  return m[1] === '-' ? -total : total;
}

/** The settings the operator renders into the CronJob for this spec. */
export function effectiveSettings(spec: Json): PrunerSettings {
  const dur = spec.keepYoungerThanDuration;
  const ns = typeof dur === 'string' ? parseGoDuration(dur) : undefined;
  const keepYoungerThan =
    ns !== undefined ? goDurationString(ns) : typeof spec.keepYoungerThan === 'number' ? goDurationString(spec.keepYoungerThan) : PRUNER_DEFAULTS.keepYoungerThan;
  return {
    schedule: spec.schedule || PRUNER_DEFAULTS.schedule,
    suspend: spec.suspend ?? PRUNER_DEFAULTS.suspend,
    keepTagRevisions: spec.keepTagRevisions ?? PRUNER_DEFAULTS.keepTagRevisions,
    keepYoungerThan,
    ignoreInvalidImageReferences: spec.ignoreInvalidImageReferences === true,
    resources: spec.resources ?? structuredClone(PRUNER_DEFAULTS.resources),
    successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? PRUNER_DEFAULTS.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? PRUNER_DEFAULTS.failedJobsHistoryLimit,
    logLevel: spec.logLevel || PRUNER_DEFAULTS.logLevel,
    nodeSelector: spec.nodeSelector ?? {},
    tolerations: spec.tolerations ?? [],
    affinity: spec.affinity ?? {},
  };
}

/** The `oc adm prune images` arguments in the CronJob's container (after `/bin/sh -c SCRIPT arg0`). */
export function cronJobArgs(cj: Json | null): string[] {
  const c = (cj?.spec?.jobTemplate?.spec?.template?.spec?.containers ?? []).find((x: Json) => x.name === PRUNER_CONTAINER) ?? cj?.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0];
  const args: string[] = c?.args ?? [];
  const i = args.indexOf('oc');
  return i >= 0 ? args.slice(i) : args;
}

export function registryPruning(cj: Json | null, managementState: string | undefined, internalHost: string | undefined): RegistryPruning {
  const base = { ...(managementState ? { managementState } : {}), ...(internalHost !== undefined ? { internalRegistryHostname: internalHost } : {}) };
  const args = cronJobArgs(cj);
  const flag = args.find((a) => a.startsWith('--prune-registry='));
  const url = args.find((a) => a.startsWith('--registry-url='))?.slice('--registry-url='.length);
  let blobs: boolean | null = null;
  let basis: RegistryPruning['basis'] = 'unknown';
  if (flag) {
    blobs = flag === '--prune-registry=true';
    basis = 'cronJob';
  } else if (internalHost !== undefined || managementState !== undefined) {
    blobs = Boolean(internalHost);
    basis = 'imageConfig';
  }
  const withUrl = url ? { registryURL: url } : internalHost && blobs ? { registryURL: `https://${internalHost}` } : {};
  let reason: string;
  if (blobs === null) reason = 'cannot tell: neither the CronJob nor image.config.openshift.io/cluster is readable';
  else if (blobs) {
    reason = `yes: runs delete unreferenced blobs and manifests through the registry (${url ?? `https://${internalHost}`})`;
    if (managementState === 'Unmanaged') reason += '; Unmanaged leaves the registry Service in place, and the operator decides on the Service, not on managementState';
  } else {
    reason = 'no, metadata only: runs delete images and image stream history from the API but leave blobs in storage';
    if (managementState === 'Removed') reason += ' (managementState Removed deleted the registry Service, so image.config has no internal hostname)';
    else reason += ' (image.config.openshift.io/cluster has no status.internalRegistryHostname: the registry Service does not exist)';
  }
  if (basis === 'cronJob' && internalHost !== undefined && blobs !== Boolean(internalHost)) {
    reason += `; the operator has not re-rendered the CronJob yet: the next render gives --prune-registry=${Boolean(internalHost)}`;
  }
  return { blobs, basis, ...withUrl, ...base, reason };
}

const condTrue = (j: Json, type: string): Json | undefined => (j.status?.conditions ?? []).find((c: Json) => c.type === type && c.status === 'True');

export function jobOutcome(j: Json): { outcome: JobOutcome; reason?: string; message?: string } {
  const failed = condTrue(j, 'Failed');
  if (failed) return { outcome: 'Failed', reason: failed.reason || undefined, message: failed.message || undefined };
  if (condTrue(j, 'Complete')) return { outcome: 'Succeeded' };
  if ((j.status?.active ?? 0) > 0 || j.status?.startTime) return { outcome: 'Running' };
  return { outcome: 'Pending' };
}

const created = (o: Json) => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;
const rv = (o: Json) => Number(o.metadata?.resourceVersion ?? 0) || 0;
/** Newest first; creationTimestamp has one-second resolution, so the resourceVersion breaks ties. */
const newestFirst = (a: Json, b: Json) => created(b) - created(a) || rv(b) - rv(a);

function podOf(job: Json, pods: Json[]): Json | undefined {
  const mine = pods.filter(
    (p) =>
      (p.metadata?.ownerReferences ?? []).some((r: Json) => r.kind === 'Job' && r.uid === job.metadata?.uid) ||
      p.metadata?.labels?.['job-name'] === job.metadata?.name,
  );
  return mine.sort(newestFirst)[0];
}

function cond(c: Json): Condition {
  return { type: c.type, status: c.status, reason: c.reason || undefined, message: c.message || undefined, lastTransitionTime: c.lastTransitionTime };
}

async function section<T>(name: string, unavailable: PrunerStatus['unavailable'], read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if (isApiError(e, 403) || isApiError(e, 404)) {
      unavailable[name] = { reason: e.statusCode === 403 ? 'Forbidden' : 'NotFound', message: (e.status.message ?? e.message).split('\n')[0]! };
      return null;
    }
    throw e;
  }
}

export async function readPruner(c: Cluster): Promise<Json> {
  try {
    return await c.get(R.imagePruner, NAMES.cluster);
  } catch (e) {
    // A 404 without an object name: the resource itself is not served (no registry operator CRDs).
    if (isApiError(e, 404) && !e.status.details?.name) throw registryNotInstalled();
    if (isApiError(e, 404)) {
      throw new NotFoundError(`${PRUNER_TARGET} does not exist`, { hint: 'the image registry operator creates it; `regctl status` and `regctl logs --operator` show what the operator is doing' });
    }
    throw e;
  }
}

export interface CollectOptions {
  /** Lines of the last job's log (0: none). */
  tail: number;
  signal: AbortSignal;
  now?: Date;
}

/** Reads the ImagePruner, the CronJob, its Jobs and pods, and the log tail of the last Job, concurrently where it can. */
export async function collectPruner(c: Cluster, o: CollectOptions): Promise<PrunerStatus> {
  const unavailable: PrunerStatus['unavailable'] = {};
  const [pruner, config, imageConfig, cj, jobs, pods] = await Promise.all([
    readPruner(c),
    section('config', unavailable, () => c.get(R.registryConfig, NAMES.cluster)),
    section('imageConfig', unavailable, () => c.get(R.imageConfig, NAMES.cluster)),
    section('cronJob', unavailable, () => c.get(CRONJOB, PRUNER_CRONJOB, NS)),
    section('jobs', unavailable, () => c.list(JOB, { namespace: NS, labelSelector: `created-by=${PRUNER_CRONJOB}` })),
    section('pods', unavailable, () => c.list(R.pod, { namespace: NS })),
  ]);
  const status = buildPrunerStatus({ pruner, config, imageConfig, cronJob: cj, jobs: jobs?.items ?? null, pods: pods?.items ?? null }, unavailable, o.now ?? new Date());
  const lj = status.lastJob;
  if (lj && o.tail > 0) await readLogTail(c, lj, o.tail, o.signal);
  if (status.health.degraded) {
    const failed = lj?.outcome === 'Failed' ? { log: lj.log.length ? lj.log : (lj.terminationMessage ?? '').split('\n'), terminationReason: lj.terminationReason } : undefined;
    status.health.fix = status.health.reason === 'SyncError' ? prunerSyncFix(status.health.message) : prunerFailureFix(failed ?? { log: [] });
  }
  return status;
}

export interface RawPruner {
  pruner: Json;
  config: Json | null;
  imageConfig: Json | null;
  cronJob: Json | null;
  jobs: Json[] | null;
  pods: Json[] | null;
}

export function buildPrunerStatus(raw: RawPruner, unavailable: PrunerStatus['unavailable'], now: Date): PrunerStatus {
  const spec: Json = raw.pruner.spec ?? {};
  const conditions = (raw.pruner.status?.conditions ?? []).map(cond);
  const degraded = conditions.find((x: Condition) => x.type === 'Degraded');
  const internalHost: string | undefined = raw.imageConfig ? (raw.imageConfig.status?.internalRegistryHostname ?? '') : undefined;
  const cj = raw.cronJob;
  let nextRun: string | undefined;
  if (cj && !cj.spec?.suspend) {
    try {
      nextRun = parseCronSchedule(String(cj.spec?.schedule ?? '')).next(now).toISOString().replace(/\.000Z$/, 'Z');
    } catch {
      nextRun = undefined;
    }
  }
  const container = (cj?.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [])[0];
  const pods = raw.pods ?? [];
  const jobs: PrunerJob[] = [...(raw.jobs ?? [])].sort(newestFirst).map((j) => {
    const pod = podOf(j, pods);
    return {
      name: j.metadata.name,
      ...jobOutcome(j),
      createdAt: j.metadata.creationTimestamp,
      startTime: j.status?.startTime,
      completionTime: j.status?.completionTime,
      manual: j.metadata?.annotations?.['cronjob.kubernetes.io/instantiate'] === 'manual',
      ...(pod ? { pod: pod.metadata.name } : {}),
    };
  });
  const shown = jobs.find((j) => j.outcome === 'Succeeded' || j.outcome === 'Failed') ?? jobs[0];
  let lastJob: PrunerStatus['lastJob'] = null;
  if (shown) {
    const pod = pods.find((p) => p.metadata?.name === shown.pod);
    const terminated = (pod?.status?.containerStatuses ?? []).map((s: Json) => s.state?.terminated).find(Boolean);
    lastJob = { name: shown.name, outcome: shown.outcome, ...(shown.pod ? { pod: shown.pod } : {}), log: [], ...(terminated?.reason ? { terminationReason: terminated.reason } : {}) };
    if (!shown.pod) lastJob.logNote = raw.pods ? 'its pod is gone: no log to show' : 'pods are not readable';
    if (terminated?.message) lastJob.terminationMessage = terminated.message;
  }
  return {
    spec,
    settings: effectiveSettings(spec),
    conditions,
    health: { degraded: degraded?.status === 'True', reason: degraded?.status === 'True' ? (degraded.reason ?? 'Degraded') : (degraded?.reason ?? ''), message: degraded?.message ?? '' },
    registryPruning: registryPruning(cj, raw.config?.spec?.managementState, internalHost),
    cronJob: cj
      ? {
          name: cj.metadata.name,
          schedule: cj.spec?.schedule ?? '',
          suspend: Boolean(cj.spec?.suspend),
          ...(container?.image ? { image: container.image } : {}),
          args: cronJobArgs(cj),
          lastScheduleTime: cj.status?.lastScheduleTime,
          lastSuccessfulTime: cj.status?.lastSuccessfulTime,
          active: (cj.status?.active ?? []).map((a: Json) => a.name),
          ...(nextRun ? { nextRun } : {}),
        }
      : null,
    jobs,
    lastJob,
    unavailable,
  };
}

/** Fills lastJob.log with the last `tail` lines of its pod's log; a log that cannot be read becomes logNote. */
async function readLogTail(c: Cluster, job: NonNullable<PrunerStatus['lastJob']>, tail: number, signal: AbortSignal): Promise<void> {
  if (!job.pod) return;
  let text = '';
  try {
    await streamPodLog(c, { name: job.pod, container: PRUNER_CONTAINER }, { tailLines: tail }, signal, async (block) => {
      text += block;
    });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    job.logNote = e.statusCode === 403 ? `its log is not readable: ${firstLine(e.status.message ?? e.message)}` : `no log: ${firstLine(e.status.message ?? e.message)}`;
    return;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  job.log = lines.slice(-tail);
  if (!job.log.length) job.logNote = 'its log is empty';
}

const firstLine = (s: string) => s.split('\n')[0] ?? '';

/**
 * The operator could not apply the pruner's objects (Degraded SyncError, message `Error: unable to apply objects: …`).
 * A schedule the API server refuses for the CronJob is the one a user can cause (`oc patch` skips regctl's checks).
 */
export function prunerSyncFix(message = ''): string {
  const schedule = /spec\.schedule: (?:Invalid value: "([^"]*)"|Required value)/.exec(message);
  if (schedule) {
    return `the API server refuses the ImagePruner's schedule${schedule[1] !== undefined ? ` "${schedule[1]}"` : ''} for the CronJob, which keeps its old one: set a valid one, e.g. \`regctl pruner set schedule="0 0 * * *"\` (or \`regctl pruner set schedule-\` for the default)`;
  }
  return '`regctl logs --operator` shows why the operator cannot apply the pruner\'s CronJob; a bad spec value is changed with `regctl pruner set KEY=VALUE`';
}

/**
 * What to do about a failed pruner run. `detail`: the failed job's log lines and termination reason, when known.
 * status and doctor (which read no logs) get the general advice; `regctl pruner` the specific one.
 */
export function prunerFailureFix(detail?: { log: string[]; terminationReason?: string }): string {
  const rerun = `then run it once now: \`oc create job --from=cronjob/${PRUNER_CRONJOB} ${PRUNER_CRONJOB}-manual -n ${NS}\` (the operator stays Degraded until a run succeeds)`;
  if (!detail) return `\`regctl pruner\` shows the failed job's log and what to change; ${rerun}`;
  const text = detail.log.join('\n');
  if (detail.terminationReason === 'OOMKilled') return `the pruner ran out of memory: raise its limit, e.g. \`regctl pruner set resources.limits.memory=2Gi\`; ${rerun}`;
  if (/failed to ping registry/.test(text)) {
    return `the pruner could not reach the registry: \`regctl status\` shows why it is not serving (a registry meant to be gone: \`regctl config set managementState=Removed\` removes its Service, and the operator then prunes metadata only); ${rerun}`;
  }
  if (/\bforbidden\b/i.test(text)) return `the pruner's service account lacks permissions: check ClusterRoleBinding openshift-image-registry-pruner (system:image-pruner → ${NS}/pruner), which the operator maintains; ${rerun}`;
  if (/invalid reference format|couldn't parse image reference|invalid image reference/i.test(text)) return `an object references an invalid image: \`regctl pruner set ignoreInvalidImageReferences=true\`; ${rerun}`;
  if (/Timeout|unable to return a response in the time allotted|context deadline exceeded/.test(text)) return `the API server timed out on the pruner's reads (large clusters): retry; if it keeps failing, run it when the cluster is quieter (\`regctl pruner set schedule=…\`); ${rerun}`;
  return `fix the cause shown in the log above; ${rerun}`;
}
