// ClusterOperator image-registry: the union of the Config's and the ImagePruner's conditions
// (pkg/resource/clusteroperator.go, pkg/operator/clusteroperator.go).
import type { Condition } from './util.ts';

const NORMAL: Record<string, 'True' | 'False'> = { Available: 'True', Progressing: 'False', Degraded: 'False' };

export function aggregate(inputs: Condition[], kind: 'Available' | 'Progressing' | 'Degraded'): Condition {
  const normal = NORMAL[kind]!;
  const matching = inputs.filter((c) => c.type.endsWith(kind));
  let status: Condition['status'] = normal;
  const abnormal = matching.find((c) => c.status !== normal && c.status !== 'Unknown');
  if (abnormal) status = abnormal.status;
  else if (matching.some((c) => c.status === 'Unknown')) status = 'Unknown';
  const reasons = matching
    .filter((c) => c.reason && c.reason !== 'AsExpected')
    .map((c) => `${c.type.slice(0, c.type.length - kind.length)}${c.reason}`)
    .sort();
  let reason = reasons.join('::');
  if (!reason && status === normal) reason = 'AsExpected';
  const lines: string[] = [];
  for (const c of matching) {
    if (!c.message) continue;
    for (const l of c.message.split('\n')) lines.push(`${c.type}: ${l}`);
  }
  const times = matching.map((c) => c.lastTransitionTime).filter((t): t is string => !!t).sort();
  const out: Condition = { type: kind, status, lastTransitionTime: times[times.length - 1] ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  if (reason) out.reason = reason;
  if (lines.length) out.message = lines.join('\n');
  return out;
}

export const RELATED_OBJECTS = [
  { group: 'imageregistry.operator.openshift.io', resource: 'configs', name: 'cluster' },
  { group: 'imageregistry.operator.openshift.io', resource: 'imagepruners', name: 'cluster' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'system:registry' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'registry-registry-role' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'openshift-image-registry-pruner' },
  { group: '', resource: 'namespaces', name: 'openshift-image-registry' },
];
