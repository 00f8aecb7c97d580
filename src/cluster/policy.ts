// The `oc policy add-role-to-*` / `remove-role-from-*` algorithms (openshift-behaviors.md c.2–c.4) as pure
// functions over binding lists, so naming and subject handling can be tested without a cluster.
import { randomUUID } from 'node:crypto';
import { RegctlError, UsageError } from '../errors.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const SA_PREFIX = 'system:serviceaccount:';

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface Binding {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; resourceVersion?: string; [k: string]: unknown };
  roleRef: { apiGroup?: string; kind: string; name: string };
  subjects?: Subject[] | null;
  [k: string]: unknown;
}

/** What the user asked for: users (possibly system:serviceaccount:NS:SA), groups and -z names. */
export interface SubjectRequest {
  users: string[];
  groups: string[];
  serviceAccounts: string[];
  /** The namespace -z names live in (the current project). */
  namespace: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** k8s ValidateServiceAccountName (a DNS-1123 subdomain); [] when valid. */
export function serviceAccountNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(name)) errs.push(SUBDOMAIN_MSG);
  return errs;
}

export function isNamespaceName(ns: string): boolean {
  return ns.length <= 63 && DNS1123_LABEL.test(ns);
}

/** serviceaccount.SplitUsername: system:serviceaccount:NS:SA → [NS, SA], else undefined. */
export function splitServiceAccountUsername(user: string): [string, string] | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const parts = user.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [ns, name] = parts as [string, string];
  if (!isNamespaceName(ns) || serviceAccountNameErrors(name).length) return undefined;
  return [ns, name];
}

/** User and Group names: what OpenShift accepts for user.openshift.io objects, plus no blanks. */
function principalNameProblem(name: string, kind: 'user' | 'group'): string | undefined {
  if (!name) return 'may not be empty';
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (/[/%]/.test(name)) return "may not contain '/' or '%'";
  if (/\s|[\x00-\x1f\x7f]/.test(name)) return 'may not contain spaces or control characters';
  if (kind === 'user' && name === '~') return 'may not equal "~"';
  return undefined;
}

/**
 * Argument checks of CompleteUserWithSA plus regctl's own checks on names. Throws UsageError (exit 2)
 * before anything is read or written.
 */
export function validateSubjects(req: SubjectRequest): void {
  if (!req.users.length && !req.groups.length && !req.serviceAccounts.length) {
    throw new UsageError('you must specify at least one user or service account', 'name a user, or use --group GROUP or -z SERVICEACCOUNT');
  }
  for (const sa of req.serviceAccounts) {
    if (sa.startsWith('system:serviceaccount')) {
      throw new UsageError(
        '--serviceaccount (-z) should only be used with short-form serviceaccount names (e.g. `default`)',
        `pass the full name as a user instead (regctl grant ROLE ${sa}), or use -z NAME -n NAMESPACE`,
      );
    }
    const errs = serviceAccountNameErrors(sa);
    if (errs.length) throw new UsageError(`"${sa}" is not a valid serviceaccount name: ${errs.join('; ')}`, 'service account names are lower-case DNS names such as default or builder');
  }
  for (const u of req.users) {
    if (u.startsWith(SA_PREFIX)) {
      if (!splitServiceAccountUsername(u)) {
        throw new UsageError(`"${u}" is not a valid service account user name`, 'use system:serviceaccount:NAMESPACE:NAME (lower-case DNS names), or -z NAME -n NAMESPACE');
      }
      continue;
    }
    const p = principalNameProblem(u, 'user');
    if (p) throw new UsageError(`"${u}" is not a valid user name: ${p}`, 'give the user name as shown by `oc get users` (or --group GROUP for groups)');
  }
  for (const g of req.groups) {
    const p = principalNameProblem(g, 'group');
    if (p) throw new UsageError(`"${g}" is not a valid group name: ${p}`, 'give the group name as shown by `oc get groups`, e.g. system:serviceaccounts:myapp');
  }
  if (req.serviceAccounts.length && !isNamespaceName(req.namespace)) {
    throw new UsageError(`"${req.namespace}" is not a valid namespace for -z`, 'pass -n NAMESPACE');
  }
}

/** c.2: users (service-account user names become ServiceAccount subjects), then groups, then -z names. */
export function buildSubjects(req: SubjectRequest): Subject[] {
  const out: Subject[] = [];
  for (const u of req.users) {
    const sa = splitServiceAccountUsername(u);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[0], name: sa[1] } : { kind: 'User', apiGroup: RBAC_GROUP, name: u });
  }
  for (const g of req.groups) out.push({ kind: 'Group', apiGroup: RBAC_GROUP, name: g });
  for (const sa of req.serviceAccounts) out.push({ kind: 'ServiceAccount', namespace: req.namespace, name: sa });
  return out;
}

/** The names oc prints after `added:`/`removed:` (users, groups, then -z names). */
export function targetsOf(req: SubjectRequest): string[] {
  return [...req.users, ...req.groups, ...req.serviceAccounts];
}

export function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

/** addSubjects: existing subjects first, new ones appended, duplicates skipped. */
export function addSubjects(existing: Subject[], toAdd: Subject[]): Subject[] {
  const out = [...existing];
  for (const s of toAdd) if (!out.some((x) => sameSubject(x, s))) out.push(s);
  return out;
}

export function removeSubjects(haystack: Subject[], needles: Subject[]): { subjects: Subject[]; found: number } {
  const subjects: Subject[] = [];
  let found = 0;
  for (const s of haystack) {
    if (needles.some((n) => sameSubject(s, n))) found++;
    else subjects.push(s);
  }
  return { subjects, found };
}

/** getRoleBindingAbstractionsForRole: RoleBindings match roleRef name and kind; ClusterRoleBindings only the name. */
export function bindingsForRole(bindings: Binding[], role: string, roleKind: string, clusterScoped: boolean): Binding[] {
  return bindings.filter((b) => b.roleRef?.name === role && (clusterScoped || b.roleRef?.kind === roleKind));
}

/** getUniqueName: ROLE when free, else the first free ROLE-0 … ROLE-99, else a UUID. */
export function uniqueName(base: string, existing: Iterable<string>, uuid: () => string = randomUUID): string {
  const names = new Set(existing);
  if (!names.has(base)) return base;
  for (let i = 0; i < 100; i++) if (!names.has(`${base}-${i}`)) return `${base}-${i}`;
  return uuid();
}

export interface Scope {
  /** Namespace of the RoleBinding; undefined = ClusterRoleBinding. */
  namespace?: string;
  role: string;
  roleKind?: 'ClusterRole' | 'Role';
  /** --rolebinding-name */
  bindingName?: string;
}

export function newBinding(name: string, scope: Scope, subjects: Subject[]): Binding {
  const b: Binding = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: scope.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: scope.namespace ? { name, namespace: scope.namespace } : { name },
    roleRef: { apiGroup: RBAC_GROUP, kind: scope.roleKind ?? 'ClusterRole', name: scope.role },
    subjects,
  };
  return b;
}

export type AddPlan =
  /** Some binding already holds every subject: no write. */
  | { action: 'none'; binding: Binding; newSubjects: Subject[] }
  | { action: 'create'; binding: Binding; newSubjects: Subject[] }
  | { action: 'update'; binding: Binding; newSubjects: Subject[] };

/**
 * c.3. `bindings` = every RoleBinding of the namespace (or every ClusterRoleBinding). With bindingName the
 * named binding is reused (create when missing); otherwise an existing binding is never updated.
 */
export function planAdd(bindings: Binding[], scope: Scope, subjects: Subject[], uuid?: () => string): AddPlan {
  const roleKind = scope.roleKind ?? 'ClusterRole';
  const withKind = (b: Binding): Binding => ({ apiVersion: `${RBAC_GROUP}/v1`, kind: scope.namespace ? 'RoleBinding' : 'ClusterRoleBinding', ...structuredClone(b) });
  if (scope.bindingName) {
    const found = bindings.find((b) => b.metadata.name === scope.bindingName);
    if (!found) return { action: 'create', binding: newBinding(scope.bindingName, scope, subjects), newSubjects: subjects };
    if (found.roleRef.name !== scope.role) {
      throw new RegctlError(`rolebinding ${scope.bindingName} found for role ${found.roleRef.name}, not ${scope.role}`, {
        hint: 'pick another --rolebinding-name, or leave it out to get a new binding',
        exitCode: 2,
      });
    }
    if (found.roleRef.kind !== roleKind) {
      throw new RegctlError(`rolebinding ${scope.bindingName} found for "${found.roleRef.kind}", not "${roleKind}"`, {
        hint: 'pick another --rolebinding-name, or leave it out to get a new binding',
        exitCode: 2,
      });
    }
    const existing = found.subjects ?? [];
    const merged = addSubjects(existing, subjects);
    const binding = withKind(found);
    if (merged.length === existing.length) return { action: 'none', binding, newSubjects: [] };
    binding.subjects = merged;
    return { action: 'update', binding, newSubjects: merged.slice(existing.length) };
  }
  for (const b of bindingsForRole(bindings, scope.role, roleKind, !scope.namespace)) {
    const existing = b.subjects ?? [];
    if (addSubjects(existing, subjects).length === existing.length) return { action: 'none', binding: withKind(b), newSubjects: [] };
  }
  const name = uniqueName(scope.role, bindings.map((b) => b.metadata.name), uuid);
  const merged = addSubjects([], subjects);
  return { action: 'create', binding: newBinding(name, scope, merged), newSubjects: merged };
}

export interface RemoveChange {
  action: 'update' | 'delete';
  /** The binding as it will be after the change (subjects removed). */
  binding: Binding;
  removed: Subject[];
  /** The binding carries autoupdate "true": reconciliation may bring the subjects back. */
  autoupdate: boolean;
}

export interface RemovePlan {
  changes: RemoveChange[];
  /** Number of subject entries removed across bindings (0 = none of the targets was bound). */
  found: number;
  /** Bindings of the role that were considered. */
  candidates: Binding[];
  /** --rolebinding-name named a binding that does not exist. */
  missingBinding?: boolean;
}

/** c.4. Throws the oc errors for a mismatched --rolebinding-name; an empty plan when nothing matches. */
export function planRemove(bindings: Binding[], scope: Scope, subjects: Subject[]): RemovePlan {
  const roleKind = scope.roleKind ?? 'ClusterRole';
  let candidates: Binding[];
  if (scope.bindingName) {
    const b = bindings.find((x) => x.metadata.name === scope.bindingName);
    if (!b) return { changes: [], found: 0, candidates: [], missingBinding: true };
    if (b.roleRef.name !== scope.role) {
      throw new RegctlError(`rolebinding ${scope.bindingName} contains role ${b.roleRef.name}, instead of role ${scope.role}`, { hint: 'check the role and --rolebinding-name', exitCode: 2 });
    }
    if (b.roleRef.kind !== roleKind) {
      throw new RegctlError(`rolebinding ${scope.bindingName} contains role ${scope.role} of kind "${b.roleRef.kind}", not "${roleKind}"`, { hint: 'check the role and --rolebinding-name', exitCode: 2 });
    }
    candidates = [b];
  } else {
    candidates = bindingsForRole(bindings, scope.role, roleKind, !scope.namespace);
  }
  const changes: RemoveChange[] = [];
  let found = 0;
  for (const b of candidates) {
    const existing = b.subjects ?? [];
    const r = removeSubjects(existing, subjects);
    if (!r.found) continue;
    found += r.found;
    const after: Binding = { apiVersion: `${RBAC_GROUP}/v1`, kind: scope.namespace ? 'RoleBinding' : 'ClusterRoleBinding', ...structuredClone(b), subjects: r.subjects };
    const ann = b.metadata.annotations?.[AUTOUPDATE];
    changes.push({
      action: r.subjects.length > 0 || ann === 'false' ? 'update' : 'delete',
      binding: after,
      removed: existing.filter((s) => subjects.some((n) => sameSubject(s, n))),
      autoupdate: ann === 'true',
    });
  }
  return { changes, found, candidates };
}

/** Go's %q of one target, or of the list: `"alice"`, `["alice" "bob"]`. */
function quoteTargets(targets: string[]): string {
  const q = (s: string) => JSON.stringify(s);
  return targets.length === 1 ? q(targets[0]!) : `[${targets.map(q).join(' ')}]`;
}

/**
 * The stdout line of oc's name printer: `clusterrole.rbac.authorization.k8s.io/ROLE added: "alice"` (`role.…` for a
 * namespaced Role, --role-namespace). With --dry-run oc prints the binding it would write instead
 * (`rolebinding.rbac.authorization.k8s.io/NAME added: … (dry run)`).
 */
export function successLine(
  role: string,
  operation: 'added' | 'removed',
  targets: string[],
  dryRun = false,
  object?: Binding,
  roleKind: 'ClusterRole' | 'Role' = 'ClusterRole',
): string {
  const what = object
    ? `${(object.kind ?? (object.metadata.namespace ? 'RoleBinding' : 'ClusterRoleBinding')).toLowerCase()}.${RBAC_GROUP}/${object.metadata.name}`
    : `${roleKind.toLowerCase()}.${RBAC_GROUP}/${role}`;
  return `${what} ${operation}: ${quoteTargets(targets)}${dryRun ? ' (dry run)' : ''}`;
}

/** The autoupdate warning of c.4 (without the "Warning: " prefix the logger adds). */
export function autoupdateWarning(b: Binding): string {
  const type = b.metadata.namespace ? 'rolebinding' : 'clusterrolebinding';
  return `Your changes may get lost whenever a master is restarted, unless you prevent reconciliation of this rolebinding using the following command: oc annotate ${type}.rbac ${b.metadata.name} '${AUTOUPDATE}=false' --overwrite`;
}

/** `unable to find target [alice bob]` (Go %v of a string slice). */
export function notFoundTargets(targets: string[]): string {
  return `unable to find target [${targets.join(' ')}]`;
}

export function describeSubject(s: Subject): string {
  if (s.kind === 'ServiceAccount') return `serviceaccount ${s.namespace ?? ''}/${s.name}`;
  return `${s.kind.toLowerCase()} ${s.name}`;
}
