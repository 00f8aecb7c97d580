// grant and revoke as plan steps (src/plan): the writes `oc policy add-role-to-*`/`remove-role-from-*` make —
// create a binding, change a binding's subjects (a merge patch carrying the resourceVersion that was read, so a
// concurrent change is a 409 as oc's update is), delete a binding left without subjects, create a missing ClusterRole.
import type { Binding } from './policy.js';
import type { Json } from './cluster.js';
import { R } from './resources.js';
import { where } from './role-change.js';
import { target, type CreateStep, type DeleteStep, type PatchStep, type Step } from '../plan/types.js';

const refOf = (b: Binding) => (b.metadata.namespace ? R.roleBinding : R.clusterRoleBinding);

export function createRoleStep(role: Json, what: string): CreateStep {
  return { action: 'create', target: target(R.clusterRole, String(role.metadata.name)), summary: `create ClusterRole ${role.metadata.name} (${what})`, object: role };
}

export function createBindingStep(b: Binding): CreateStep {
  return { action: 'create', target: target(refOf(b), b.metadata.name, b.metadata.namespace), summary: `create ${where(b)} (${b.roleRef.kind} ${b.roleRef.name})`, object: b as Json };
}

/** The binding's subjects become `b.subjects`; rendered, the binding with its role and every subject. */
export function subjectsStep(b: Binding, why: string): PatchStep {
  const subjects = b.subjects ?? [];
  return {
    action: 'patch',
    target: target(refOf(b), b.metadata.name, b.metadata.namespace),
    summary: `patch ${where(b)} (${why})`,
    patchType: 'merge',
    patch: { metadata: { resourceVersion: b.metadata.resourceVersion }, subjects } as Json,
    applyConfig: { roleRef: b.roleRef, subjects } as Json,
  };
}

export function deleteBindingStep(b: Binding, why: string): DeleteStep {
  return { action: 'delete', target: target(refOf(b), b.metadata.name, b.metadata.namespace), summary: `delete ${where(b)} (${why})` };
}

export type { Step };
