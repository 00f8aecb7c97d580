// cluster-image-registry-operator's ImagePrunerController, in process: the ImagePruner `cluster` → the
// `pruner` service account and the CronJob `openshift-image-registry/image-pruner` (pkg/resource/prunercronjob.go,
// prunerserviceaccount.go), and the ImagePruner status from the CronJob and the last finished pruner Job
// (pkg/operator/controllerimagepruner.go `sync`, pkg/operator/status.go `syncPrunerStatus`).
import type { KubeObject, Store } from '../types.ts';
import { type Condition, Loop, REGISTRY_NS, RELEASE_VERSION, applyOwned, ensure, jsonEqual, setCondition, sha256Hex, tryGet, tryList, writeStatus } from './util.ts';

const PRUNERS = 'imageregistry.operator.openshift.io/imagepruners';
const CRONJOBS = 'batch/cronjobs';
const JOBS = 'batch/jobs';
const IMAGES = 'config.openshift.io/images';
export const PRUNER_CRONJOB = 'image-pruner';

/** The release payload's `cli` image, what the operator's IMAGE_PRUNER env names. */
export const prunerImage = (release = RELEASE_VERSION): string =>
  `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${sha256Hex('cli:' + release)}`;

// The wrapper the operator runs `oc adm prune images` in: 5 more attempts, 30 s × i apart (cf3eaea42).
const SCRIPT = `set -eu
"$@" && exit
for i in 1 2 3 4 5; do
  echo "attempt #$i has failed (exit code $?), going to make another attempt..." >&2
  sleep $(($i * 30))
  "$@" && break  # this is the last command of the script, so its last failure will be exit code of the script
done
`;

const LOG_LEVELS: Record<string, number> = { Normal: 2, Debug: 4, Trace: 6, TraceAll: 8 };

/** metav1.Duration.String() of a Go duration string the CRD accepted (`60m` → `1h0m0s`). */
export function goDuration(s: string): string {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let secs = 0;
  let m: RegExpExecArray | null;
  let matched = false;
  while ((m = re.exec(s))) {
    secs += Number(m[1]) * unit[m[2]!]!;
    matched = true;
  }
  if (!matched) return s;
  if (secs === 0) return '0s';
  const h = Math.floor(secs / 3600);
  const min = Math.floor((secs % 3600) / 60);
  const rest = Math.round((secs % 60) * 1e9) / 1e9;
  if (h) return `${h}h${min}m${rest}s`;
  if (min) return `${min}m${rest}s`;
  if (secs < 1) return secs >= 1e-3 ? `${Math.round(secs * 1e6) / 1e3}ms` : `${Math.round(secs * 1e9)}ns`;
  return `${rest}s`;
}

/** The `oc adm prune images` arguments (prunercronjob.go `expected`). */
export function prunerArgs(spec: any, internalHost: string | undefined): string[] {
  const keepYounger = spec.keepYoungerThanDuration ? goDuration(spec.keepYoungerThanDuration) : spec.keepYoungerThan ? goDuration(`${spec.keepYoungerThan}ns`) : '60m';
  let level = LOG_LEVELS[spec.logLevel ?? ''] ?? 0;
  if (level === 2) level = 1; // "Normal" makes oc print all goroutines on error: the operator passes 1.
  const args = [
    'arg0', 'oc', 'adm', 'prune', 'images', '--confirm=true',
    '--certificate-authority=/var/run/configmaps/serviceca/service-ca.crt',
    `--keep-tag-revisions=${spec.keepTagRevisions ?? 3}`,
    `--keep-younger-than=${keepYounger}`,
    `--ignore-invalid-refs=${spec.ignoreInvalidImageReferences === true}`,
    `--loglevel=${level}`,
  ];
  if (internalHost) args.push('--prune-registry=true', `--registry-url=https://${internalHost}`);
  else args.push('--prune-registry=false');
  return args;
}

/** The CronJob the operator renders from the ImagePruner spec and image.config's internal registry host. */
export function renderPrunerCronJob(spec: any, internalHost: string | undefined, release = RELEASE_VERSION): KubeObject {
  const release417 = !/^4\.(1[0-5]|[0-9])\./.test(release);
  const jobTemplate: Record<string, any> = {
    metadata: { labels: { 'created-by': PRUNER_CRONJOB } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'pruner',
          priorityClassName: 'system-cluster-critical',
          affinity: spec.affinity ?? {},
          nodeSelector: spec.nodeSelector ?? {},
          tolerations: spec.tolerations ?? [],
          volumes: [{ name: 'serviceca', configMap: { name: 'serviceca' } }],
          containers: [
            {
              image: prunerImage(release),
              resources: spec.resources ?? { requests: { cpu: '100m', memory: '256Mi' } },
              terminationMessagePolicy: 'FallbackToLogsOnError',
              name: PRUNER_CRONJOB,
              command: ['/bin/sh'],
              args: ['-c', SCRIPT, ...prunerArgs(spec, internalHost)],
              volumeMounts: [{ name: 'serviceca', mountPath: '/var/run/configmaps/serviceca', readOnly: true }],
            },
          ],
        },
      },
    },
  };
  // release-4.17 (ab8509b73) annotates the job template; 4.14 does not.
  if (release417) jobTemplate.metadata.annotations = { 'openshift.io/required-scc': 'restricted-v2' };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: PRUNER_CRONJOB, namespace: REGISTRY_NS },
    spec: {
      suspend: spec.suspend ?? false,
      schedule: spec.schedule || '0 0 * * *',
      concurrencyPolicy: 'Forbid',
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? 3,
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? 3,
      startingDeadlineSeconds: 3600,
      jobTemplate,
    },
  };
}

/** The newest pruner Job (by creation) that has conditions: its conditions (controllerimagepruner.go). */
function lastFinishedJobConditions(store: Store): any[] {
  const jobs = tryList(store, JOBS, REGISTRY_NS, `created-by=${PRUNER_CRONJOB}`);
  jobs.sort((a, b) => Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '') || jobSeq(b) - jobSeq(a));
  for (const j of jobs) {
    const conds = (j.status as any)?.conditions ?? [];
    if (conds.length) return conds;
  }
  return [];
}

/** creationTimestamp has 1 s resolution: the resourceVersion orders jobs created within a second. */
const jobSeq = (j: KubeObject): number => Number(j.metadata.resourceVersion ?? 0);

export interface PrunerControllerOptions {
  releaseVersion?: string;
  onError?: (e: unknown) => void;
}

export function startPrunerController(store: Store, opts: PrunerControllerOptions): { stop(): void; loop: Loop } {
  const release = opts.releaseVersion ?? RELEASE_VERSION;
  const loop = new Loop('image-pruner', sync, opts.onError);

  function sync(): void {
    // Runs inside the operator: nothing before the cluster-version operator applied its Deployment.
    if (!tryGet(store, 'apps/deployments', REGISTRY_NS, 'cluster-image-registry-operator')) return;
    const pruner = tryGet(store, PRUNERS, undefined, 'cluster');
    if (!pruner) return; // the registry operator bootstraps it
    const spec = (pruner.spec ?? {}) as any;
    let applyError: string | undefined;
    try {
      ensure(store, '/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pruner', namespace: REGISTRY_NS } });
      const img = tryGet(store, IMAGES, undefined, 'cluster');
      if (!img) throw new Error('unable to apply objects: image.config.openshift.io "cluster" not found');
      const host = (img.status as any)?.internalRegistryHostname as string | undefined;
      const existed = !!tryGet(store, CRONJOBS, REGISTRY_NS, PRUNER_CRONJOB);
      try {
        applyOwned(store, CRONJOBS, renderPrunerCronJob(spec, host || undefined, release));
      } catch (e) {
        // pkg/resource/generator.go ApplyMutator + generatorimagepruner.go Apply: the API server's refusal, wrapped.
        const what = `*v1.CronJob, Namespace=${REGISTRY_NS}, Name=${PRUNER_CRONJOB}`;
        throw new Error(`unable to apply objects: failed to ${existed ? 'update' : 'create'} object ${what}: ${(e as Error).message}`);
      }
    } catch (e) {
      applyError = (e as Error).message;
    }
    const cronJob = tryGet(store, CRONJOBS, REGISTRY_NS, PRUNER_CRONJOB);
    const st = structuredClone((pruner.status ?? {}) as any);
    const conds: Condition[] = st.conditions ?? [];
    if (cronJob) setCondition(conds, 'Available', 'True', 'AsExpected', 'Pruner CronJob has been created');
    else setCondition(conds, 'Available', 'False', 'Error', 'Pruner CronJob does not exist');
    const failed = lastFinishedJobConditions(store).filter((c) => c.type === 'Failed');
    for (const c of failed) setCondition(conds, 'Failed', 'True', c.reason ?? '', c.message ?? '');
    if (!failed.length) setCondition(conds, 'Failed', 'False', 'Complete', 'Pruner completed successfully');
    if (spec.suspend === true) setCondition(conds, 'Scheduled', 'False', 'Suspended', 'The pruner job has been suspended');
    else setCondition(conds, 'Scheduled', 'True', 'Scheduled', 'The pruner job has been scheduled');
    if (applyError) setCondition(conds, 'Degraded', 'True', 'SyncError', `Error: ${applyError}`);
    else if (failed.length) setCondition(conds, 'Degraded', 'True', 'JobFailed', failed[failed.length - 1].message ?? '');
    else setCondition(conds, 'Degraded', 'False', 'AsExpected', '');
    const status = { ...st, conditions: conds, observedGeneration: pruner.metadata.generation };
    if (!jsonEqual(pruner.status, status)) writeStatus(store, PRUNERS, pruner, status);
  }

  const WATCHED = new Set([PRUNERS, CRONJOBS, JOBS, IMAGES, '/serviceaccounts', 'apps/deployments']);
  const off = store.on((key, e) => {
    if (!WATCHED.has(key)) return;
    const ns = e.object.metadata.namespace;
    if (ns && ns !== REGISTRY_NS) return;
    loop.trigger();
  });
  loop.trigger();
  return {
    loop,
    stop() {
      off();
      loop.stop();
    },
  };
}
