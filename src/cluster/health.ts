// The registry's health as the ClusterOperator image-registry computes it: the union of every condition of the
// operator config (and the ImagePruner's, prefixed `ImagePruner`) whose type ends in Available, Progressing or
// Degraded — `NodeCADaemonAvailable`, `ImageRegistryCertificatesControllerDegraded`, … count as much as the
// plain ones (cluster-image-registry-operator pkg/resource/clusteroperator.go). Pure; `status` and `doctor`
// both decide with it, so they agree.

export interface HealthCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export type UnionKind = 'Available' | 'Progressing' | 'Degraded';

const NORMAL: Record<UnionKind, string> = { Available: 'True', Progressing: 'False', Degraded: 'False' };

export interface Health {
  /** null: not reported (or Unknown). A Removed registry is never `available: true`. */
  available: boolean | null;
  degraded: boolean | null;
  progressing: boolean | null;
  reason: string;
  message: string;
}

export interface HealthInput {
  config?: HealthCondition[] | null;
  pruner?: HealthCondition[] | null;
  clusterOperator?: HealthCondition[] | null;
  managementState?: string;
}

export interface HealthVerdict {
  health: Health;
  healthy: boolean;
  /** Which conditions decided: the operator config's union, or (only they say unhealthy, or nothing else is readable) the ClusterOperator's. */
  source: 'config' | 'clusterOperator' | 'none';
  /** The union's kind that makes it unhealthy. */
  failing?: 'Available' | 'Degraded';
}

/** The conditions the ClusterOperator unions: the config's, then the pruner's with types prefixed `ImagePruner`. */
export function operatorInputs(config: HealthCondition[], pruner?: HealthCondition[] | null): HealthCondition[] {
  return [...config, ...(pruner ?? []).map((c) => ({ ...c, type: `ImagePruner${c.type}` }))];
}

function unionReason(kind: UnionKind, conds: HealthCondition[]): string {
  return conds
    .filter((c) => c.reason && c.reason !== 'AsExpected')
    .map((c) => `${c.type.slice(0, c.type.length - kind.length)}${c.reason}`)
    .sort()
    .join('::');
}

/** unionCondition of CIRO: status (first abnormal wins, else Unknown if any, else normal), reason, message. */
export function unionCondition(kind: UnionKind, inputs: HealthCondition[]): HealthCondition {
  const normal = NORMAL[kind];
  const matching = inputs.filter((c) => c.type.endsWith(kind));
  const abnormal = matching.find((c) => c.status !== 'Unknown' && c.status !== normal);
  const status = abnormal ? abnormal.status : matching.some((c) => c.status === 'Unknown') ? 'Unknown' : normal;
  let reason = unionReason(kind, matching);
  if (!reason && status === normal) reason = 'AsExpected';
  const message = matching.flatMap((c) => (c.message ? c.message.split('\n').map((l) => `${c.type}: ${l}`) : [])).join('\n');
  const times = matching.map((c) => c.lastTransitionTime).filter((t): t is string => !!t).sort();
  const latest = times[times.length - 1];
  return { type: kind, status, ...(latest ? { lastTransitionTime: latest } : {}), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

const bool = (c?: HealthCondition): boolean | null => (c?.status === 'True' ? true : c?.status === 'False' ? false : null);

/** Reason and message of the conditions that make `kind` abnormal (their own messages, without the type prefix). */
function abnormalOf(kind: UnionKind, inputs: HealthCondition[]): { reason: string; message: string; plain: boolean } {
  const bad = inputs.filter((c) => c.type.endsWith(kind) && c.status !== NORMAL[kind]);
  const reason = unionReason(kind, bad) || (kind === 'Degraded' ? 'Degraded' : 'Unavailable');
  const message = bad.map((c) => c.message ?? '').filter(Boolean).join('\n');
  return { reason, message, plain: bad.some((c) => c.type === kind) };
}

export function registryHealth(input: HealthInput): HealthVerdict {
  const config = input.config ?? [];
  const co = input.clusterOperator ?? [];
  const removed = input.managementState === 'Removed';
  const find = (conds: HealthCondition[], t: string) => conds.find((c) => c.type === t);

  let source: HealthVerdict['source'] = 'none';
  let inputs: HealthCondition[] = [];
  if (config.length) {
    source = 'config';
    inputs = operatorInputs(config, input.pruner);
  } else if (co.length) {
    source = 'clusterOperator';
    inputs = co;
  }
  const union = (k: UnionKind) => (source === 'config' ? unionCondition(k, inputs) : find(inputs, k));
  let a = union('Available');
  let d = union('Degraded');
  const p = union('Progressing');
  // The config's union says healthy, but the ClusterOperator (e.g. a condition of another controller) does not.
  if (source === 'config' && bool(a) === true && bool(d) !== true && co.length && (bool(find(co, 'Degraded')) === true || bool(find(co, 'Available')) === false)) {
    source = 'clusterOperator';
    inputs = co;
    a = find(co, 'Available');
    d = find(co, 'Degraded');
  }
  const health: Health = { available: bool(a), degraded: bool(d), progressing: bool(p), reason: '', message: '' };
  if (source === 'none') return { health, healthy: false, source };
  if (removed) {
    health.available = false;
    health.reason = 'Removed';
    health.message = 'the registry is removed (managementState: Removed)';
    return { health, healthy: false, source };
  }
  const failing: HealthVerdict['failing'] = health.degraded === true ? 'Degraded' : health.available !== true ? 'Available' : undefined;
  if (!failing) {
    const main = find(inputs, 'Available');
    health.reason = a?.reason && a.reason !== 'AsExpected' ? a.reason : (main?.reason ?? 'Available');
    health.message = source === 'config' ? (main?.message ?? '') : (a?.message ?? '');
    return { health, healthy: true, source };
  }
  if (source === 'clusterOperator') {
    const c = failing === 'Degraded' ? d : a;
    health.reason = c?.reason ?? failing;
    health.message = c?.message ?? '';
    return { health, healthy: false, source, failing };
  }
  const bad = abnormalOf(failing, inputs);
  health.reason = bad.reason;
  health.message = bad.message;
  // A failed sync puts its cause in Progressing (reason Error); the plain Available/Degraded only say "Unavailable".
  const prog = find(inputs, 'Progressing');
  if (bad.plain && prog?.reason === 'Error' && prog.message) health.message = prog.message;
  return { health, healthy: false, source, failing };
}
