// Checks of the cluster side: API and token, the registry installed and managed, operator conditions,
// deployment and pods, routes (behaviours d.1–d.4).
import type { Json } from '../cluster/cluster.js';
import { isApiError } from '../cluster/api-error.js';
import { NAMES } from '../cluster/resources.js';
import { storageTypes } from '../cluster/registry-config.js';
import { registryHealth, type HealthCondition } from '../cluster/health.js';
import type { RouteInfo } from '../cluster/routes.js';
import type { CheckImpl } from './engine.js';
import type { DoctorEnv } from './env.js';
import { fail, NOT_APPLICABLE_INTERNAL, NOT_EXPOSED, ok, skip, warn, type Outcome } from './model.js';
import { INTERNAL_REGISTRY_HOST } from '../registry/reference.js';
import { sh } from './shell.js';

const NS = NAMES.registryNamespace;
const CONFIG = 'configs.imageregistry.operator.openshift.io/cluster';
const firstLine = (s: unknown) => String(s ?? '').split('\n')[0]!;
const condOf = (conds: Json[] | undefined, type: string) => (conds ?? []).find((c) => c.type === type);
const condText = (c: Json) => `${c.type} ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${firstLine(c.message)}` : ''}`;

export const ENABLE_CAPABILITY = `oc patch clusterversion version --type merge -p '{"spec":{"capabilities":{"additionalEnabledCapabilities":["ImageRegistry"]}}}'`;

export const apiCheck: CheckImpl<DoctorEnv> = {
  id: 'api',
  async run(env) {
    const c = await env.cluster();
    const me = await c.whoami();
    env.user = me;
    env.prefetch();
    return ok(`${c.server} answers; you are ${me.username || '(unknown user)'}`, [
      `SelfSubjectReview: user ${me.username}${me.groups.length ? `, groups ${me.groups.join(', ')}` : ''}`,
      `project (-n): ${c.namespace}`,
    ], { server: c.server, user: me.username, groups: me.groups });
  },
};

/** served: false when imageregistry.operator.openshift.io itself is not served (no operator CRDs). */
export function evaluateInstalled(config: Json | null, capability: { enabled?: boolean; evidence: string }, operatorVersion?: string, served = true): Outcome {
  const evidence = [capability.evidence];
  const configEvidence = !served ? 'imageregistry.operator.openshift.io is not served (no registry operator CRDs)' : config ? `${CONFIG} exists` : `${CONFIG} does not exist`;
  if (capability.enabled === false) {
    return fail('the ImageRegistry capability is disabled: the cluster has no integrated registry', ENABLE_CAPABILITY, [...evidence, configEvidence]);
  }
  if (!served) return fail('the cluster does not serve imageregistry.operator.openshift.io: no registry operator (is this OpenShift?)', ENABLE_CAPABILITY, [...evidence, configEvidence]);
  if (!config) return fail(`${CONFIG} does not exist: the registry operator has not created its config`, 'regctl logs --operator', evidence);
  evidence.push(`${CONFIG} exists (created ${config.metadata?.creationTimestamp ?? '?'})`);
  if (operatorVersion) evidence.push(`ClusterOperator image-registry version ${operatorVersion}`);
  return ok(`the operator config exists${operatorVersion ? `, version ${operatorVersion}` : ''}`, evidence);
}

export const installedCheck: CheckImpl<DoctorEnv> = {
  id: 'installed',
  async run(env) {
    const capability = await env.capability();
    let config: Json | null = null;
    let served = true;
    try {
      config = await env.config();
    } catch (e) {
      if (!isApiError(e, 404)) throw e;
      served = false;
    }
    const co = served ? await env.clusterOperator().catch(() => null) : null;
    const version = (co?.status?.versions ?? []).find((v: Json) => v.name === 'operator')?.version;
    return evaluateInstalled(config, capability, version, served);
  },
};

export function evaluateManagementState(spec: Json): Outcome {
  const state: string = spec.managementState ?? '';
  const evidence = [`spec.managementState: ${state || '(unset)'}`];
  const types = storageTypes(spec.storage);
  switch (state) {
    case 'Managed':
      return ok('Managed', evidence);
    case 'Force':
      return ok('Force (managed, overriding safety checks)', evidence);
    case 'Unmanaged':
      return warn('Unmanaged: the operator does not reconcile the registry (no updates, no repairs)', 'regctl config set managementState=Managed', evidence);
    case 'Removed':
      evidence.push(types.length ? `spec.storage: ${types.join(', ')}` : 'spec.storage: none (fresh bare-metal/vSphere/None install)');
      return fail(
        'managementState is Removed: the registry is not running',
        types.length ? 'regctl config set managementState=Managed' : 'regctl set-storage pvc',
        types.length ? evidence : [...evidence, 'set-storage also sets managementState Managed; other storage: regctl set-storage s3|gcs|azure|swift|ibmcos --help'],
      );
    default:
      return warn(`managementState "${state}" is not one the operator knows`, 'regctl config set managementState=Managed', evidence);
  }
}

export const managementStateCheck: CheckImpl<DoctorEnv> = {
  id: 'management-state',
  async run(env) {
    const cfg = await env.config();
    if (!cfg) return fail(`${CONFIG} does not exist`, 'regctl logs --operator');
    return evaluateManagementState(cfg.spec ?? {});
  },
};

/**
 * Health as the ClusterOperator unions it (d.3): every condition of the config (and the pruner's) whose type ends
 * in Available/Degraded/Progressing counts — the same verdict as `regctl status` (cluster/health.ts).
 */
export function evaluateOperator(config: Json, co: Json | null, pruner?: Json | null): Outcome {
  const conds: Json[] = config.status?.conditions ?? [];
  const coConds: Json[] = co?.status?.conditions ?? [];
  const evidence: string[] = [];
  for (const t of ['Available', 'Progressing', 'Degraded']) {
    const c = condOf(conds, t);
    evidence.push(c ? `config ${condText(c)}` : `config ${t}: not reported`);
  }
  for (const c of conds) if (isSubAbnormal(c)) evidence.push(`config ${condText(c)}`);
  for (const t of ['Available', 'Progressing', 'Degraded']) {
    const c = condOf(coConds, t);
    if (c) evidence.push(`ClusterOperator ${condText(c)}`);
  }
  if (!co) evidence.push('ClusterOperator image-registry: not found');
  for (const c of (pruner?.status?.conditions ?? []) as Json[]) {
    if ((c.type === 'Degraded' || c.type === 'Failed') && c.status === 'True') evidence.push(`ImagePruner ${condText(c)}`);
  }
  const spec: Json = config.spec ?? {};
  if (!conds.length) return fail('the operator has not reported any condition on its config', 'regctl logs --operator', evidence);
  const v = registryHealth({ config: conds as HealthCondition[], pruner: pruner?.status?.conditions, clusterOperator: coConds as HealthCondition[], managementState: spec.managementState });
  const h = v.health;
  if (!v.healthy && v.failing) {
    const what = v.failing === 'Degraded' ? 'Degraded' : 'not Available';
    const summary = `${v.source === 'clusterOperator' ? `ClusterOperator image-registry ${what}` : what}: ${h.reason}${h.message ? `: ${firstLine(h.message)}` : ''}`;
    return fail(summary, operatorFix(h.reason, h.message, spec), evidence);
  }
  const available = condOf(conds, 'Available');
  const progressing = condOf(conds, 'Progressing');
  const prunerDegraded = condOf(coConds, 'ImagePrunerDegraded') ?? conds.find((c) => /^ImagePruner.*Degraded$/.test(c.type) && c.status === 'True');
  if (progressing?.status === 'True') return warn(`Available, but still progressing: ${progressing.reason ?? ''}${progressing.message ? `: ${firstLine(progressing.message)}` : ''}`, 'regctl status --watch --timeout 5m', evidence);
  if (prunerDegraded?.status === 'True') return warn(`the image pruner is degraded: ${firstLine(prunerDegraded.message)}`, 'regctl pruner', evidence);
  return ok(`Available (${available?.reason ?? 'Ready'}), not Degraded${co ? ', ClusterOperator healthy' : ''}`, evidence);
}

/** A sub-controller's condition (NodeCADaemonAvailable, …ControllerDegraded) that is not in its normal state. */
function isSubAbnormal(c: Json): boolean {
  if (['Available', 'Progressing', 'Degraded'].includes(c.type)) return false;
  return (String(c.type).endsWith('Available') && c.status !== 'True') || (String(c.type).endsWith('Degraded') && c.status !== 'False');
}

/** The command that fixes the failing union's reason (the plain condition's, or a sub-controller's). */
function operatorFix(reason: string, message: string, spec: Json): string {
  if (reason === 'StorageNotConfigured') return 'regctl set-storage pvc';
  if (reason === 'NoReplicasAvailable' && spec.replicas === 0) return replicasFix(spec);
  if (reason === 'NoReplicasAvailable' || reason === 'MinimumAvailability') return 'regctl logs';
  if (/ProgressDeadlineExceeded/.test(reason)) {
    return storageTypes(spec.storage).includes('pvc') && (spec.rolloutStrategy ?? 'RollingUpdate') === 'RollingUpdate'
      ? 'regctl config set rolloutStrategy=Recreate'
      : `kubectl describe pods -n ${NS} -l docker-registry=default`;
  }
  if (/ImageRegistryCertificatesController/.test(reason) && /configmap "[^"]+" not found/.test(message)) return 'regctl trust-ca add HOST[:PORT] --ca FILE';
  if (/NodeCADaemon/.test(reason)) return `kubectl get pods -n ${NS} -l name=node-ca`;
  // The last pruner Job failed: `regctl pruner` shows its log and what to change (cluster/pruner.ts prunerFailureFix).
  if (/ImagePrunerJobFailed/.test(reason)) return 'regctl pruner';
  // The API server refuses the CronJob the ImagePruner's schedule renders: back to the default schedule.
  if (/ImagePrunerSyncError/.test(reason) && /spec\.schedule: /.test(message)) return 'regctl pruner set schedule-';
  return 'regctl logs --operator';
}

export const operatorCheck: CheckImpl<DoctorEnv> = {
  id: 'operator',
  async run(env) {
    const cfg = await env.config();
    if (!cfg) return fail(`${CONFIG} does not exist`, 'regctl logs --operator');
    let co: Json | null = null;
    try {
      co = await env.clusterOperator();
    } catch (e) {
      if (!isApiError(e, 403)) throw e;
    }
    return evaluateOperator(cfg, co, await env.pruner());
  },
};

/** Back to a serving size: 1 where storage or strategy allow only one pod, else the platform default of 2. */
function replicasFix(spec: Json): string {
  const one = spec.rolloutStrategy === 'Recreate' || storageTypes(spec.storage).some((t) => t === 'pvc' || t === 'emptyDir');
  return `regctl config set replicas=${one ? 1 : 2}`;
}

interface PodState {
  name: string;
  ready: boolean;
  phase: string;
  reason?: string;
  message?: string;
  restarts: number;
}

function podState(p: Json): PodState {
  const statuses: Json[] = p.status?.containerStatuses ?? [];
  const ready = (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
  const waiting = statuses.map((s) => s.state?.waiting).find(Boolean);
  const terminated = statuses.map((s) => s.state?.terminated).find(Boolean);
  const unschedulable = (p.status?.conditions ?? []).find((c: Json) => c.type === 'PodScheduled' && c.status === 'False');
  return {
    name: p.metadata?.name ?? '',
    ready: ready && !p.metadata?.deletionTimestamp,
    phase: p.metadata?.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown'),
    reason: waiting?.reason ?? terminated?.reason ?? unschedulable?.reason,
    message: waiting?.message ?? terminated?.message ?? unschedulable?.message,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
  };
}

function podFix(p: PodState): string {
  if (p.reason === 'CrashLoopBackOff' || p.restarts > 0) return `regctl logs --pod ${p.name} --previous`;
  if (p.phase === 'Running' || p.phase === 'Terminating') return `regctl logs --pod ${p.name}`;
  return `kubectl describe pod ${p.name} -n ${NS}`;
}

export function evaluatePods(deployment: Json | null, pods: Json[], spec: Json): Outcome {
  if (!deployment) {
    return fail(`deployment ${NS}/${NAMES.deployment} does not exist`, 'regctl logs --operator', [`spec.managementState: ${spec.managementState ?? '(unset)'}`]);
  }
  const desired: number = deployment.spec?.replicas ?? 0;
  const ready: number = deployment.status?.readyReplicas ?? 0;
  const states = pods.map(podState);
  const evidence = [`deployment ${NAMES.deployment}: ${desired} desired, ${ready} ready, ${deployment.status?.updatedReplicas ?? 0} up to date`];
  for (const p of states) evidence.push(`pod ${p.name}: ${p.ready ? 'ready' : 'not ready'}, ${p.phase}${p.reason ? ` (${p.reason}${p.message ? `: ${firstLine(p.message)}` : ''})` : ''}${p.restarts ? `, ${p.restarts} restarts` : ''}`);
  const details = { desired, ready, pods: states.map((p) => ({ name: p.name, ready: p.ready, phase: p.phase, reason: p.reason })) };
  if (desired === 0) return fail(`the registry is scaled to 0 (spec.replicas ${spec.replicas ?? 0}): no pod serves it`, replicasFix(spec), evidence, details);
  const notReady = states.filter((p) => !p.ready && p.phase !== 'Terminating');
  const readyPods = states.filter((p) => p.ready).length;
  if (readyPods === 0) {
    const p = notReady[0];
    return fail(`0 of ${desired} registry pods ready${p ? `: ${p.name} is ${p.reason ?? p.phase}` : ': no pods'}`, p ? podFix(p) : 'regctl logs --operator', evidence, details);
  }
  if (notReady.length) {
    const p = notReady[0]!;
    const rolling = states.length > desired;
    return warn(`${readyPods} of ${desired} registry pods ready; ${p.name} is ${p.reason ?? p.phase}${rolling ? ' (rollout in progress)' : ''}`, rolling ? 'regctl status --watch --timeout 5m' : podFix(p), evidence, details);
  }
  if (readyPods < desired) return warn(`${readyPods} of ${desired} registry pods ready`, 'regctl status --watch --timeout 5m', evidence, details);
  return ok(`${readyPods} of ${desired} registry pods ready`, evidence, details);
}

export const podsCheck: CheckImpl<DoctorEnv> = {
  id: 'pods',
  async run(env) {
    const [deployment, pods, cfg] = await Promise.all([env.deployment(), env.pods(), env.config().catch(() => null)]);
    return evaluatePods(deployment, pods, cfg?.spec ?? {});
  },
};

/**
 * externalAsked: the user named an external host (--registry); then a registry that is not exposed fails. Otherwise
 * not exposed (the state after install) is a warning: the registry serves the cluster.
 */
export function evaluateRoutes(routes: RouteInfo[], spec: Json, externalAsked = true): Outcome {
  const admitted = routes.filter((r) => r.admitted === true && r.host);
  const rejected = routes.filter((r) => r.admitted === false);
  const evidence = routes.map((r) => `route ${r.name}: ${r.host || '(no host)'}, ${r.admitted === true ? 'admitted' : r.admitted === false ? `not admitted (${r.reason ?? 'Rejected'}${r.message ? `: ${firstLine(r.message)}` : ''})` : 'not admitted yet'}${r.termination ? `, ${r.termination}` : ''}`);
  evidence.push(`spec.defaultRoute: ${Boolean(spec.defaultRoute)}${(spec.routes ?? []).length ? `, spec.routes: ${(spec.routes as Json[]).map((r) => r.name).join(', ')}` : ''}`);
  const details = { routes: routes.map((r) => ({ name: r.name, host: r.host, admitted: r.admitted })) };
  const rejectFix = (r: RouteInfo) =>
    r.reason === 'HostAlreadyClaimed' && r.name !== NAMES.defaultRoute ? `regctl expose --route ${sh(r.name)} --hostname OTHER-HOST` : `kubectl get route ${sh(r.name)} -n ${NS} -o yaml`;
  if (!routes.length) {
    const expected = spec.defaultRoute || (spec.routes ?? []).length;
    if (expected) return fail('the config asks for a route, but the operator has not created it', 'regctl logs --operator', evidence, details);
    return externalAsked
      ? fail('the registry is not exposed: no route in openshift-image-registry', 'regctl expose --default-route', evidence, details)
      : warn(`${NOT_EXPOSED}: no route in openshift-image-registry (check the in-cluster path with --internal)`, 'regctl expose --default-route', evidence, details);
  }
  if (!admitted.length) {
    const r = rejected[0] ?? routes[0]!;
    return fail(`no registry route is admitted: ${r.name} ${r.admitted === false ? `was rejected (${r.reason ?? 'Rejected'})` : 'is not admitted yet'}`, rejected[0] ? rejectFix(rejected[0]) : `kubectl get route ${sh(r.name)} -n ${NS} -o yaml`, evidence, details);
  }
  if (rejected.length) return warn(`${admitted.map((r) => r.host).join(', ')} admitted; ${rejected.map((r) => r.name).join(', ')} rejected (${rejected[0]!.reason ?? 'Rejected'})`, rejectFix(rejected[0]!), evidence, details);
  return ok(`${admitted.map((r) => r.host).join(', ')} admitted`, evidence, details);
}

export const routeCheck: CheckImpl<DoctorEnv> = {
  id: 'route',
  async run(env) {
    if (env.opts.internal) return skip(NOT_APPLICABLE_INTERNAL);
    const [routes, cfg] = await Promise.all([env.registryRoutes(), env.config().catch(() => null)]);
    env.routes = routes.filter((r) => r.admitted === true && r.host);
    const named = env.opts.registry?.replace(/\/+$/, '').toLowerCase();
    return evaluateRoutes(routes, cfg?.spec ?? {}, Boolean(named && named !== INTERNAL_REGISTRY_HOST));
  },
};
