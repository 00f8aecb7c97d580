// Client-side RBAC rule matching for `regctl access`: which bindings could grant each registry check
// (behaviours f). The SubjectAccessReviews made afterwards are the authority; this explains "via what".
import type { Binding, Subject } from './policy.js';

export interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: Rule[] | null;
  aggregationRule?: { clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }> } | null;
}

export type CapabilityKey = 'pull' | 'push' | 'pushNew' | 'catalog' | 'metrics' | 'prune';

export interface Capability {
  key: CapabilityKey;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Namespaced checks are made in the project; the others cluster-wide. */
  namespaced: boolean;
  describe: string;
}

/** What the registry asks the API server (behaviours f.1, e, f.4) for each operation. */
export const CAPABILITIES: Capability[] = [
  { key: 'pull', verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespaced: true, describe: 'get imagestreams/layers in the project' },
  { key: 'push', verb: 'update', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespaced: true, describe: 'update imagestreams/layers in the project' },
  // A push to a new name: openshift-apiserver never creates the stream for the registry's ImageStreamMapping, the
  // registry creates it with the pusher's own token (image-registry pkg/imagestream CreateImageStreamMapping).
  // Allowed only together with push (collectAccess combines them).
  {
    key: 'pushNew',
    verb: 'create',
    group: 'image.openshift.io',
    resource: 'imagestreams',
    namespaced: true,
    describe: "create imagestreams in the project (a push to a new name: the registry creates the image stream with the pusher's own token)",
  },
  { key: 'catalog', verb: 'list', group: 'image.openshift.io', resource: 'imagestreams', namespaced: false, describe: 'list imagestreams cluster-wide (/v2/_catalog)' },
  { key: 'metrics', verb: 'get', group: 'image.openshift.io', resource: 'registry', subresource: 'metrics', namespaced: false, describe: 'get registry/metrics (/extensions/v2/metrics)' },
  { key: 'prune', verb: 'delete', group: 'image.openshift.io', resource: 'images', namespaced: false, describe: 'delete images cluster-wide (prune, manifest delete)' },
];

const has = (list: string[] | undefined, v: string) => Boolean(list && (list.includes('*') || list.includes(v)));

export function ruleAllows(r: Rule, c: Capability): boolean {
  if (!has(r.verbs, c.verb) || !has(r.apiGroups, c.group)) return false;
  const full = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
  const ok = (r.resources ?? []).some((x) => x === '*' || x === full || (c.subresource !== undefined && (x === `${c.resource}/*` || x === `*/${c.subresource}`)));
  return ok && !(r.resourceNames && r.resourceNames.length);
}

function selectorMatches(sel: NonNullable<NonNullable<RoleObject['aggregationRule']>['clusterRoleSelectors']>[number], labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const present = e.key in labels;
    const inValues = present && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !present) return false;
    if (e.operator === 'DoesNotExist' && present) return false;
  }
  return Boolean(sel.matchLabels || sel.matchExpressions);
}

/** A ClusterRole's rules including aggregated ones (real clusters fill them in; resolving again is harmless). */
export function effectiveRules(name: string, clusterRoles: RoleObject[]): Rule[] {
  const byName = new Map(clusterRoles.map((r) => [r.metadata.name, r]));
  const seen = new Set<string>();
  const walk = (role: RoleObject | undefined): Rule[] => {
    if (!role || seen.has(role.metadata.name)) return [];
    seen.add(role.metadata.name);
    const rules = [...(role.rules ?? [])];
    for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
      for (const other of clusterRoles) if (other.metadata.name !== role.metadata.name && selectorMatches(sel, other.metadata.labels)) rules.push(...walk(other));
    }
    return rules;
  };
  return walk(byName.get(name));
}

export interface Grant {
  capability: CapabilityKey;
  binding: string;
  role: string;
}

export interface SubjectGrants {
  subject: Subject;
  grants: Grant[];
}

export function subjectKey(s: Subject): string {
  return `${s.kind}/${s.namespace ?? ''}/${s.name}`;
}

/**
 * Subjects of the project's RoleBindings and of every ClusterRoleBinding whose role allows a registry check,
 * with the binding that allows it. Namespaced checks count RoleBindings of `namespace` and ClusterRoleBindings;
 * cluster-wide checks only ClusterRoleBindings.
 */
export function grantsFromBindings(input: { namespace: string; roleBindings: Binding[]; clusterRoleBindings: Binding[]; clusterRoles: RoleObject[]; roles: RoleObject[] }): SubjectGrants[] {
  const out = new Map<string, SubjectGrants>();
  const rulesCache = new Map<string, Rule[]>();
  const rulesOf = (b: Binding): Rule[] => {
    const key = `${b.roleRef.kind}/${b.roleRef.name}`;
    let r = rulesCache.get(key);
    if (!r) {
      r = b.roleRef.kind === 'Role' ? (input.roles.find((x) => x.metadata.name === b.roleRef.name)?.rules ?? []) : effectiveRules(b.roleRef.name, input.clusterRoles);
      rulesCache.set(key, r);
    }
    return r;
  };
  const consider = (b: Binding, cluster: boolean) => {
    const rules = rulesOf(b);
    const caps = CAPABILITIES.filter((c) => (cluster || c.namespaced) && rules.some((r) => ruleAllows(r, c)));
    if (!caps.length) return;
    const label = cluster ? `ClusterRoleBinding/${b.metadata.name}` : `RoleBinding/${b.metadata.name}`;
    for (const raw of b.subjects ?? []) {
      const s: Subject = raw.kind === 'ServiceAccount' ? { kind: raw.kind, name: raw.name, namespace: raw.namespace || b.metadata.namespace } : { kind: raw.kind, apiGroup: raw.apiGroup, name: raw.name };
      const k = subjectKey(s);
      const entry = out.get(k) ?? { subject: s, grants: [] };
      for (const c of caps) entry.grants.push({ capability: c.key, binding: label, role: b.roleRef.name });
      out.set(k, entry);
    }
  };
  for (const b of input.roleBindings) consider(b, false);
  for (const b of input.clusterRoleBindings) consider(b, true);
  return [...out.values()];
}

/** The identity a SubjectAccessReview should carry for a subject (the groups the authenticator would add). */
export function reviewIdentity(s: Subject, userGroups: string[] = []): { user?: string; groups: string[] } {
  if (s.kind === 'ServiceAccount') {
    return { user: `system:serviceaccount:${s.namespace}:${s.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${s.namespace}`, 'system:authenticated'] };
  }
  if (s.kind === 'Group') {
    return s.name === 'system:unauthenticated' ? { user: 'system:anonymous', groups: ['system:unauthenticated'] } : { groups: [s.name] };
  }
  if (s.name === 'system:anonymous') return { user: s.name, groups: ['system:unauthenticated'] };
  return { user: s.name, groups: [...new Set([...userGroups, 'system:authenticated', 'system:authenticated:oauth'])] };
}
