// `regctl access`: who may pull, push, list the catalog, read metrics and prune — from the bindings,
// confirmed with SubjectAccessReviews (the same questions the registry asks, behaviours f).
import type { Cluster } from './cluster.js';
import { R } from './resources.js';
import { isApiError } from './api-error.js';
import { listBindings } from './rbac.js';
import type { Binding, Subject } from './policy.js';
import { CAPABILITIES, grantsFromBindings, reviewIdentity, subjectKey, type CapabilityKey, type Grant, type RoleObject } from './policy-rules.js';

export interface AccessRow {
  subject: Subject;
  /** null = unknown (the review could not be made). */
  allowed: Record<CapabilityKey, boolean | null>;
  /** Bindings that grant each allowed check (to the subject or to one of its groups). */
  via: Grant[];
  /** The authorizer's reason when no binding explains an allowed check. */
  reasons: Partial<Record<CapabilityKey, string>>;
}

export interface AccessReport {
  namespace: string;
  /** 'subjectaccessreview' when every answer comes from the API server, else 'bindings'. */
  source: 'subjectaccessreview' | 'bindings';
  checks: Record<CapabilityKey, string>;
  subjects: AccessRow[];
  warnings: string[];
}

async function tolerant<T>(what: string, warnings: string[], failures: unknown[], fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isApiError(e, 403) || isApiError(e, 404)) {
      warnings.push(`cannot read ${what}: ${(e.status.message || e.message).split('\n')[0]}`);
      failures.push(e);
      return fallback;
    }
    throw e;
  }
}

async function mapLimit<T, U>(items: T[], limit: number, fn: (t: T) => Promise<U>): Promise<U[]> {
  const out: U[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

const KIND_ORDER: Record<string, number> = { User: 0, Group: 1, ServiceAccount: 2 };

export async function collectAccess(c: Cluster, namespace: string, only?: Subject): Promise<AccessReport> {
  const warnings: string[] = [];
  const roleBindingFailure: unknown[] = [];
  const clusterBindingFailure: unknown[] = [];
  const bindingFailures = () => [...roleBindingFailure, ...clusterBindingFailure];
  const [roleBindings, clusterRoleBindings, clusterRoles, roles, groups] = await Promise.all([
    tolerant(`RoleBindings in ${namespace}`, warnings, roleBindingFailure, () => listBindings(c, namespace), [] as Binding[]),
    tolerant('ClusterRoleBindings', warnings, clusterBindingFailure, () => listBindings(c), [] as Binding[]),
    tolerant('ClusterRoles', warnings, [], async () => (await c.list<RoleObject>(R.clusterRole, { namespace: null })).items, [] as RoleObject[]),
    tolerant(`Roles in ${namespace}`, warnings, [], async () => (await c.list<RoleObject>(R.role, { namespace })).items, [] as RoleObject[]),
    // Group objects give users their OpenShift groups; not being able to read them only narrows the answer.
    c
      .list<{ metadata: { name: string }; users?: string[] | null }>(R.group, { namespace: null })
      .then((l) => l.items)
      .catch(() => []),
  ]);
  // Neither kind of binding readable: there is nothing to answer from (exit 4 with the API's message).
  if (roleBindingFailure.length && clusterBindingFailure.length && !only) throw roleBindingFailure[0];
  const grants = grantsFromBindings({ namespace, roleBindings, clusterRoleBindings, clusterRoles, roles });
  const byKey = new Map(grants.map((g) => [subjectKey(g.subject), g]));
  const userGroups = (s: Subject) => (s.kind === 'User' ? groups.filter((g) => (g.users ?? []).includes(s.name)).map((g) => g.metadata.name) : []);

  const subjects = only ? [only] : grants.map((g) => g.subject);
  let sarUsable = true;
  const rows = await mapLimit(subjects, 6, async (s): Promise<AccessRow> => {
    const id = reviewIdentity(s, userGroups(s));
    const groupGrants = id.groups.flatMap((g) => byKey.get(subjectKey({ kind: 'Group', name: g }))?.grants ?? []);
    const own = byKey.get(subjectKey(s))?.grants ?? [];
    const known = [...own, ...(s.kind === 'Group' ? [] : groupGrants)];
    const allowed = {} as AccessRow['allowed'];
    const reasons: AccessRow['reasons'] = {};
    for (const cap of CAPABILITIES) {
      allowed[cap.key] = known.some((g) => g.capability === cap.key) ? true : null;
      if (!sarUsable) continue;
      try {
        const res = await subjectAccessReview(c, id, cap, namespace);
        allowed[cap.key] = Boolean(res.status?.allowed);
        if (res.status?.allowed && !known.some((g) => g.capability === cap.key) && res.status?.reason) reasons[cap.key] = String(res.status.reason);
      } catch (e) {
        if (!isApiError(e, 403)) throw e;
        if (sarUsable) warnings.push(`cannot create SubjectAccessReviews (${(e.status.message || '').split('\n')[0]}): answers come from the bindings only`);
        sarUsable = false;
      }
    }
    // Without reviews, a missing grant is only a "no" when every binding could be read.
    if (!sarUsable) for (const cap of CAPABILITIES) allowed[cap.key] = known.some((g) => g.capability === cap.key) ? true : bindingFailures().length ? null : false;
    allowed.pushNew = both(allowed.push, allowed.pushNew);
    const via = known.filter((g) => allowed[g.capability]);
    return { subject: s, allowed, via: dedupe(via), reasons };
  });
  if (!sarUsable && bindingFailures().length === 2) throw bindingFailures()[0];
  const shown = only ? rows : rows.filter((r) => Object.values(r.allowed).some(Boolean));
  shown.sort((a, b) => (KIND_ORDER[a.subject.kind] ?? 9) - (KIND_ORDER[b.subject.kind] ?? 9) || subjectKey(a.subject).localeCompare(subjectKey(b.subject)));
  return {
    namespace,
    source: sarUsable ? 'subjectaccessreview' : 'bindings',
    checks: Object.fromEntries(CAPABILITIES.map((cap) => [cap.key, cap.namespaced ? cap.describe.replace('the project', namespace) : cap.describe])) as AccessReport['checks'],
    subjects: shown,
    warnings: [...new Set(warnings)],
  };
}

/** A push to a new name needs push AND create imagestreams: false beats unknown, unknown beats true. */
function both(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

/** How `regctl grant` names a subject: -z for a service account of the project, --group for a group. */
export function grantArgs(s: Subject, namespace: string): string {
  if (s.kind === 'ServiceAccount') return s.namespace === namespace ? `-z ${s.name}` : `system:serviceaccount:${s.namespace}:${s.name}`;
  return s.kind === 'Group' ? `--group ${s.name}` : s.name;
}

/**
 * A subject that may push to existing image streams but not to a new name (system:image-pusher): what the real
 * registry does with such a push (403 DENIED) and the grant that fixes it; undefined otherwise.
 */
export function pushNewAdvice(row: AccessRow, namespace: string): string | undefined {
  if (row.allowed.push !== true || row.allowed.pushNew !== false) return undefined;
  const name = row.subject.kind === 'ServiceAccount' ? `system:serviceaccount:${row.subject.namespace}:${row.subject.name}` : row.subject.name;
  return `${name} may push to existing image streams in ${namespace} but not to a new name (the registry creates the image stream with ${name}'s own token, and ${name} may not create imagestreams): regctl grant builder ${grantArgs(row.subject, namespace)} -n ${namespace}`;
}

function dedupe(grants: Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter((g) => {
    const k = `${g.capability}|${g.binding}|${g.role}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** SubjectAccessReviews for a few checks of one subject; undefined when reviews are not allowed. */
/** May this identity use this registry capability (SubjectAccessReview)? */
function subjectAccessReview(c: Cluster, id: ReturnType<typeof reviewIdentity>, cap: (typeof CAPABILITIES)[number], namespace: string) {
  return c.create(R.subjectAccessReview, {
    spec: {
      ...(id.user ? { user: id.user } : {}),
      groups: id.groups,
      resourceAttributes: { verb: cap.verb, group: cap.group, resource: cap.resource, ...(cap.subresource ? { subresource: cap.subresource } : {}), ...(cap.namespaced ? { namespace } : {}) },
    },
  });
}

export async function reviewSubject(c: Cluster, namespace: string, s: Subject, keys: CapabilityKey[]): Promise<Partial<Record<CapabilityKey, { allowed: boolean; reason?: string }>> | undefined> {
  const id = reviewIdentity(s);
  const out: Partial<Record<CapabilityKey, { allowed: boolean; reason?: string }>> = {};
  for (const cap of CAPABILITIES.filter((x) => keys.includes(x.key))) {
    try {
      const res = await subjectAccessReview(c, id, cap, namespace);
      out[cap.key] = { allowed: Boolean(res.status?.allowed), reason: res.status?.reason };
    } catch (e) {
      if (isApiError(e, 403)) return undefined;
      throw e;
    }
  }
  return out;
}
