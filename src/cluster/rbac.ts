// RBAC reads and writes behind grant/revoke: bindings, roles and the existence checks oc warns about.
import type { Cluster, Json } from './cluster.js';
import { R } from './resources.js';
import { isApiError } from './api-error.js';
import { METRICS_ROLES, prometheusScraperRole } from './policy-intents.js';
import type { Binding, Subject } from './policy.js';

/** Every RoleBinding of the namespace, or every ClusterRoleBinding when namespace is undefined. */
export async function listBindings(c: Cluster, namespace?: string): Promise<Binding[]> {
  const ref = namespace ? R.roleBinding : R.clusterRoleBinding;
  const out: Binding[] = [];
  let cont: string | undefined;
  do {
    const page = await c.list<Binding>(ref, { namespace: namespace ?? null, limit: 500, continue: cont });
    out.push(...page.items);
    cont = page.metadata.continue || undefined;
  } while (cont);
  return out;
}

/** A real "object not found" (not an API group the server does not serve). */
function isObjectNotFound(e: unknown): boolean {
  return isApiError(e, 404) && Boolean(e.status.details?.name);
}

/** true/false, or undefined when the caller may not read it (no warning then, as oc). */
export async function exists(c: Cluster, ref: (typeof R)[keyof typeof R], name: string, namespace?: string): Promise<boolean | undefined> {
  try {
    await c.get(ref, name, namespace);
    return true;
  } catch (e) {
    if (isObjectNotFound(e)) return false;
    if (isApiError(e, 404) || isApiError(e, 403) || isApiError(e, 401)) return undefined;
    throw e;
  }
}

export function clusterRoleExists(c: Cluster, name: string): Promise<boolean | undefined> {
  return exists(c, R.clusterRole, name);
}

/** oc's warnings for subjects that do not exist: "User 'x' not found", "Group …", "ServiceAccount …". */
export async function missingSubjectWarnings(c: Cluster, subjects: Subject[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of subjects) {
    let found: boolean | undefined;
    // User and Group objects cannot have ":" in their names: system:… and kube:admin are virtual, never "not found".
    if ((s.kind === 'User' || s.kind === 'Group') && s.name.includes(':')) continue;
    if (s.kind === 'User') found = await exists(c, R.user, s.name);
    else if (s.kind === 'Group') found = await exists(c, R.group, s.name);
    else if (s.kind === 'ServiceAccount') found = await exists(c, R.serviceAccount, s.name, s.namespace);
    if (found === false) out.push(`${s.kind} '${s.name}' not found`);
  }
  return out;
}

export function createBinding(c: Cluster, b: Binding): Promise<Binding> {
  return b.metadata.namespace
    ? c.create<Binding>(R.roleBinding, b as Json, { namespace: b.metadata.namespace })
    : c.create<Binding>(R.clusterRoleBinding, b as Json);
}

export function updateBinding(c: Cluster, b: Binding): Promise<Binding> {
  return c.update<Binding>(b.metadata.namespace ? R.roleBinding : R.clusterRoleBinding, b as Json);
}

export function deleteBinding(c: Cluster, b: Binding): Promise<unknown> {
  return b.metadata.namespace
    ? c.delete(R.roleBinding, b.metadata.name, { namespace: b.metadata.namespace })
    : c.delete(R.clusterRoleBinding, b.metadata.name);
}

export function isAlreadyExists(e: unknown): boolean {
  return isApiError(e, 409) && e.reason === 'AlreadyExists';
}

export function isNotFound(e: unknown): boolean {
  return isApiError(e, 404);
}

export function isConflict(e: unknown): boolean {
  return isApiError(e, 409) && e.reason !== 'AlreadyExists';
}

/**
 * The ClusterRole for registry metrics: the product's registry-monitoring when present, else the docs'
 * prometheus-scraper, which `create` says must be created first.
 */
export async function metricsRole(c: Cluster): Promise<{ name: string; create?: Json }> {
  for (const name of METRICS_ROLES) {
    if (await c.getOrNull(R.clusterRole, name)) return { name };
  }
  return { name: 'prometheus-scraper', create: prometheusScraperRole() };
}

export function createClusterRole(c: Cluster, role: Json): Promise<Json> {
  return c.create(R.clusterRole, role);
}
