// Starts every in-process controller of the sandbox against one store.
import type { Faults, Store } from '../types.ts';
import { type CapabilityManifests, startClusterVersionOperator } from './cvo.ts';
import { startConfigPolicyController } from './config-policy.ts';
import { startCronJobController } from './cronjobs.ts';
import { startProjectDefaults } from './projects.ts';
import { startPrunerController } from './pruner.ts';
import { type Platform, startRegistryOperator } from './registry-operator.ts';
import { startServiceAccountPullSecrets } from './sa-pull-secrets.ts';
import { startLegacyServiceAccountPullSecrets } from './sa-pull-secrets-legacy.ts';
import { startRouteAdmission } from './routes.ts';
import { startWorkloadController } from './workloads.ts';
import { startVolumeBinder } from './volumes.ts';

export { bootstrapConfig, defaultPruner, httpSecret, type Platform } from './registry-operator.ts';
export { renderOperatorDeployment } from './render.ts';
export { allocateHost } from './routes.ts';

export interface ControllerOptions {
  platform: Platform;
  /** Pending → Running delay of every pod. Default 300 ms. */
  podStartMs?: number;
  /** Available≠True for longer than this → the operator reports Degraded Unavailable. Default 1 min (CIRO release-4.17). */
  degradedAfterMs?: number;
  /** The deployment controller's progress deadline for every Deployment instead of spec.progressDeadlineSeconds. */
  progressDeadlineMs?: number;
  infraName?: string;
  region?: string;
  servingCert?: { certPem: string; keyPem: string };
  /** What the cluster-version operator applies when a capability becomes enabled. */
  capabilityManifests?: CapabilityManifests;
  /** The cluster's release (releaseOf the cluster version): operator versions, annotations, images, start-up logs. Default 4.17.12. */
  releaseVersion?: string;
  onError?: (e: unknown) => void;
  /** The sandbox's faults (prunerJobFails). */
  faults?: Faults;
  /**
   * The API server's service-account tokens: with them (and a 4.16+ release) openshift-controller-manager's
   * per-account `<sa>-dockercfg-<random>` pull secrets run (sa-pull-secrets.ts).
   */
  serviceAccountTokens?: { issue(namespace: string, name: string, uid: string | undefined): { token: string }; valid(token: string): boolean };
  /** Before 4.16: legacy token secrets (valid until revoked) and the CAs the tokens controller puts in them (sa-pull-secrets-legacy.ts). */
  legacyServiceAccountTokens?: { issue(namespace: string, name: string, uid: string | undefined): { token: string }; revoke(token: string): void; apiServerCaPem: string; serviceCaPem: string };
}

export interface Controllers {
  stop(): void;
  /** Writes a klog line into the operator pod's log. */
  operatorLog(msg: string): void;
  /** Simulates a container crash + restart (restartCount, lastState, `logs --previous`). */
  restartContainer(namespace: string, pod: string, container?: string): void;
  /** Puts a container into CrashLoopBackOff (the pod stops being Ready). */
  crashLoop(namespace: string, pod: string, container?: string): void;
  /** `kubectl create job NAME --from=cronjob/NAME`; returns the Job's name. */
  runCronJob(namespace: string, cronJob: string, jobName?: string): string;
  /** The CronJob's next scheduled run happens now; returns the Job's name. */
  fireCronJob(namespace: string, cronJob: string): string;
}

export function startControllers(store: Store, opts: ControllerOptions): Controllers {
  const onError = opts.onError;
  const workloads = startWorkloadController(store, { podStartMs: opts.podStartMs ?? 300, progressDeadlineMs: opts.progressDeadlineMs, releaseVersion: opts.releaseVersion, onError });
  const routes = startRouteAdmission(store, { onError });
  const projects = startProjectDefaults(store, { onError });
  const volumes = startVolumeBinder(store, { onError });
  const cvo = startClusterVersionOperator(store, { manifests: opts.capabilityManifests ?? {}, onError });
  const configPolicy = startConfigPolicyController(store, { onError });
  const operator = startRegistryOperator(store, {
    platform: opts.platform,
    infraName: opts.infraName,
    region: opts.region,
    degradedAfterMs: opts.degradedAfterMs,
    servingCert: opts.servingCert,
    releaseVersion: opts.releaseVersion,
    onError,
  });
  const cronJobs = startCronJobController(store, { runMs: opts.podStartMs ?? 300, faults: opts.faults, scheduledAnnotation: !/^4\.(1[0-5]|[0-9])\./.test(opts.releaseVersion ?? '4.17'), onError });
  const pruner = startPrunerController(store, { releaseVersion: opts.releaseVersion, onError });
  const tokens = opts.serviceAccountTokens;
  const legacy = /^4\.(1[0-5]|[0-9])\./.test(opts.releaseVersion ?? '4.17');
  const lt = opts.legacyServiceAccountTokens;
  const pullSecrets = tokens && !legacy
    ? startServiceAccountPullSecrets(store, { issueToken: tokens.issue, tokenValid: tokens.valid, onError })
    : lt && legacy
      ? startLegacyServiceAccountPullSecrets(store, { issueToken: lt.issue, revokeToken: lt.revoke, apiServerCaPem: lt.apiServerCaPem, serviceCaPem: lt.serviceCaPem, onError })
      : undefined;
  return {
    runCronJob: (ns, name, job) => cronJobs.runNow(ns, name, job),
    fireCronJob: (ns, name) => cronJobs.fire(ns, name),
    operatorLog: (msg) => operator.log.write(msg),
    restartContainer: (ns, pod, c) => workloads.restartContainer(ns, pod, c),
    crashLoop: (ns, pod, c) => workloads.crashLoop(ns, pod, c),
    stop() {
      pullSecrets?.stop();
      pruner.stop();
      cronJobs.stop();
      operator.stop();
      configPolicy.stop();
      cvo.stop();
      projects.stop();
      routes.stop();
      workloads.stop();
      volumes.stop();
    },
  };
}
