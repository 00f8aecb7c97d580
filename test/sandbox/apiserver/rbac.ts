// RBAC evaluation over the stored Roles/ClusterRoles/bindings, and the bootstrap policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { DATA_DIR } from '../resources.ts';
import { matchLabels } from '../store.ts';
import type { Authorizer, Decision, Identity, KubeObject, NonResourceAttributes, ResourceAttributes, Store } from '../types.ts';

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const RBAC = 'rbac.authorization.k8s.io';

function subjectMatches(s: Subject, user: Identity, bindingNs: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNs;
      return user.username === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function selectorMatches(sel: any, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const reqs: Parameters<typeof matchLabels>[0] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: 'eq', values: [String(v)] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as 'In'];
    if (!op) return false;
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return matchLabels(reqs, labels);
}

/** A ClusterRole's effective rules: its own plus, for aggregated roles, those of every selected role (recursively). */
export function effectiveClusterRoleRules(store: Store, name: string): Rule[] {
  const all = store.list(`${RBAC}/clusterroles`).items;
  const byName = new Map(all.map((r) => [r.metadata.name!, r]));
  const seen = new Set<string>();
  const collect = (role: KubeObject): Rule[] => {
    if (seen.has(role.metadata.name!)) return [];
    seen.add(role.metadata.name!);
    const rules = [...((role.rules as Rule[] | undefined) ?? [])];
    const agg = role.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
    for (const sel of agg?.clusterRoleSelectors ?? []) {
      for (const other of all) {
        if (other.metadata.name !== role.metadata.name && selectorMatches(sel, other.metadata.labels)) rules.push(...collect(other));
      }
    }
    return rules;
  };
  const role = byName.get(name);
  return role ? collect(role) : [];
}

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

function resourceRuleMatches(r: Rule, a: ResourceAttributes): boolean {
  if (!has(r.verbs, a.verb)) return false;
  if (!has(r.apiGroups, a.group)) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = r.resources ?? [];
  const resOk = resources.some((x) => x === '*' || x === res || (a.subresource && (x === `*/${a.subresource}` || x === `${a.resource}/*`)));
  if (!resOk) return false;
  if (r.resourceNames?.length) return !!a.name && r.resourceNames.includes(a.name);
  return true;
}

function nonResourceRuleMatches(r: Rule, a: NonResourceAttributes): boolean {
  if (!has(r.verbs, a.verb)) return false;
  return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
}

interface Snapshot {
  crbs: KubeObject[];
  rbsByNs: Map<string, KubeObject[]>;
  roles: Map<string, Rule[]>;
  clusterRoleRules: Map<string, Rule[]>;
}

function snapshot(store: Store): Snapshot {
  const rbsByNs = new Map<string, KubeObject[]>();
  for (const rb of store.list(`${RBAC}/rolebindings`).items) {
    const ns = rb.metadata.namespace!;
    rbsByNs.set(ns, [...(rbsByNs.get(ns) ?? []), rb]);
  }
  const roles = new Map<string, Rule[]>();
  for (const r of store.list(`${RBAC}/roles`).items) roles.set(`${r.metadata.namespace}/${r.metadata.name}`, (r.rules as Rule[] | undefined) ?? []);
  return { crbs: store.list(`${RBAC}/clusterrolebindings`).items, rbsByNs, roles, clusterRoleRules: new Map() };
}

/** Evaluates RBAC over the store; a snapshot of the policy is rebuilt whenever an RBAC object changes. */
export function createAuthorizer(store: Store): Authorizer {
  let snap: Snapshot | undefined;
  store.on((key) => {
    if (key.startsWith(`${RBAC}/`)) snap = undefined;
  });
  const clusterRules = (s: Snapshot, name: string): Rule[] => {
    let r = s.clusterRoleRules.get(name);
    if (!r) s.clusterRoleRules.set(name, (r = effectiveClusterRoleRules(store, name)));
    return r;
  };
  return {
    authorize(user: Identity, attrs: ResourceAttributes | NonResourceAttributes): Decision {
      const s = (snap ??= snapshot(store));
      const isResource = 'resource' in attrs;
      const ruleOk = (r: Rule) => (isResource ? resourceRuleMatches(r, attrs) : nonResourceRuleMatches(r, attrs as NonResourceAttributes));
      const describe = (u: Identity) => (u.username.startsWith('system:serviceaccount:') ? `ServiceAccount "${u.username.split(':').slice(2).join('/')}"` : `User "${u.username}"`);
      for (const b of s.crbs) {
        const subjects = (b.subjects as Subject[] | undefined) ?? [];
        const ref = b.roleRef as { kind: string; name: string } | undefined;
        if (!ref || ref.kind !== 'ClusterRole') continue;
        const subj = subjects.find((x) => subjectMatches(x, user, undefined));
        if (!subj) continue;
        if (clusterRules(s, ref.name).some(ruleOk)) {
          return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${ref.name}" to ${subj.kind === 'Group' ? `Group "${subj.name}"` : describe(user)}` };
        }
      }
      const ns = isResource ? attrs.namespace : undefined;
      if (ns) {
        for (const b of s.rbsByNs.get(ns) ?? []) {
          const subjects = (b.subjects as Subject[] | undefined) ?? [];
          const ref = b.roleRef as { kind: string; name: string } | undefined;
          if (!ref) continue;
          const subj = subjects.find((x) => subjectMatches(x, user, ns));
          if (!subj) continue;
          const rules = ref.kind === 'ClusterRole' ? clusterRules(s, ref.name) : (s.roles.get(`${ns}/${ref.name}`) ?? []);
          if (rules.some(ruleOk)) {
            return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata.name}/${ns}" of ${ref.kind} "${ref.name}" to ${subj.kind === 'Group' ? `Group "${subj.name}"` : describe(user)}` };
          }
        }
      }
      return { allowed: false, reason: '' };
    },
  };
}

// ---------- bootstrap policy ----------

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const agg = (what: string) => ({ [`${RBAC}/aggregate-to-${what}`]: 'true' });
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

function clusterRole(name: string, rules: Rule[], extra: Partial<KubeObject> = {}, labels?: Record<string, string>): KubeObject {
  const metadata: KubeObject['metadata'] = { name, annotations: { ...AUTOUPDATE } };
  if (labels) metadata.labels = labels;
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata, rules, ...extra };
}

function aggregated(name: string, label: string, labels?: Record<string, string>): KubeObject {
  return clusterRole(name, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: agg(label) }] } }, labels);
}

function crb(name: string, role: string, subjects: Subject[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? s : { apiGroup: RBAC, ...s })),
  };
}

const group = (name: string): Subject => ({ kind: 'Group', name });

function builtinRoles(store: Store): KubeObject[] {
  const viewCore = ['pods', 'pods/log', 'pods/status', 'services', 'services/status', 'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'replicationcontrollers', 'serviceaccounts', 'events', 'limitranges', 'resourcequotas', 'bindings'];
  const apps = ['deployments', 'deployments/scale', 'deployments/status', 'daemonsets', 'daemonsets/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale'];
  const readable = store
    .types()
    .filter((t) => t.verbs.includes('get') && !(t.group === '' && t.resource === 'secrets'))
    .map((t) => ({ group: t.group, resources: [t.resource, ...(t.subresources ?? []).filter((s) => s === 'status').map((s) => `${t.resource}/${s}`)] }));
  const byGroup = new Map<string, string[]>();
  for (const r of readable) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), ...r.resources]);
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    aggregated('admin', 'admin'),
    aggregated('edit', 'edit', agg('admin')),
    aggregated('view', 'view', agg('edit')),
    clusterRole('system:aggregate-to-view', [
      { apiGroups: [''], resources: viewCore, verbs: READ },
      { apiGroups: [''], resources: ['namespaces', 'namespaces/status'], verbs: READ },
      { apiGroups: ['apps'], resources: apps, verbs: READ },
      { apiGroups: ['', 'route.openshift.io'], resources: ['routes', 'routes/status'], verbs: READ },
      { apiGroups: ['', 'project.openshift.io'], resources: ['projects'], verbs: ['get'] },
    ], {}, agg('view')),
    clusterRole('system:aggregate-to-edit', [
      { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'services', 'services/proxy', 'configmaps', 'endpoints', 'persistentvolumeclaims', 'replicationcontrollers', 'secrets', 'serviceaccounts'], verbs: WRITE },
      { apiGroups: [''], resources: ['secrets'], verbs: READ },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: apps, verbs: WRITE },
      { apiGroups: ['', 'route.openshift.io'], resources: ['routes', 'routes/custom-host'], verbs: [...READ, ...WRITE] },
    ], {}, agg('edit')),
    clusterRole('system:aggregate-to-admin', [
      { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
      { apiGroups: ['', 'route.openshift.io'], resources: ['routes/status'], verbs: ['update'] },
    ], {}, agg('admin')),
    clusterRole('cluster-reader', [
      ...[...byGroup].map(([g, resources]) => ({ apiGroups: [g], resources, verbs: READ })),
      { apiGroups: ['', 'image.openshift.io'], resources: ['imagestreams/layers'], verbs: ['get'] },
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ]),
    clusterRole('basic-user', [
      { apiGroups: ['', 'user.openshift.io'], resources: ['users'], resourceNames: ['~'], verbs: ['get'] },
      { apiGroups: ['', 'project.openshift.io'], resources: ['projectrequests'], verbs: ['list'] },
      { apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['get', 'list'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list'] },
      { apiGroups: ['', 'project.openshift.io'], resources: ['projects'], verbs: ['list', 'watch'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
    ]),
    clusterRole('self-provisioner', [{ apiGroups: ['', 'project.openshift.io'], resources: ['projectrequests'], verbs: ['create'] }]),
    clusterRole('system:discovery', [
      { nonResourceURLs: ['/.well-known', '/.well-known/*', '/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    clusterRole('system:basic-user', [
      { apiGroups: ['', 'user.openshift.io'], resources: ['users'], resourceNames: ['~'], verbs: ['get'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
  ];
}

function builtinBindings(): KubeObject[] {
  return [
    crb('cluster-admin', 'cluster-admin', [group('system:masters'), { kind: 'User', name: 'kube:admin' }]),
    crb('cluster-admins', 'cluster-admin', [group('system:cluster-admins'), { kind: 'User', name: 'system:admin' }]),
    crb('basic-users', 'basic-user', [group('system:authenticated')]),
    crb('self-provisioners', 'self-provisioner', [group('system:authenticated:oauth')]),
    crb('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    crb('system:discovery', 'system:discovery', [group('system:authenticated'), group('system:unauthenticated')]),
  ];
}

/** Objects of one of the copied RBAC YAML files (data/openshift/rbac). */
export function loadRbacFile(file: string): KubeObject[] {
  return (yaml.loadAll(readFileSync(join(DATA_DIR, 'rbac', file), 'utf8')) as KubeObject[]).filter(Boolean);
}

const BOOTSTRAP_FILES = [
  'bootstrap-clusterroles-image-registry.yaml',
  'bootstrap-clusterrolebindings-image.yaml',
  // openshift-apiserver's namespace policy: every authenticated user reads the shared `openshift` namespace
  'bootstrap-namespace-openshift-shared-resources.yaml',
  'operator-managed-clusterroles.yaml',
  'registry-monitoring.yaml',
];

const KIND_KEY: Record<string, string> = {
  ClusterRole: `${RBAC}/clusterroles`,
  ClusterRoleBinding: `${RBAC}/clusterrolebindings`,
  Role: `${RBAC}/roles`,
  RoleBinding: `${RBAC}/rolebindings`,
};

/**
 * Bootstrap ClusterRoles/bindings plus the image-registry roles and the `openshift` namespace's
 * shared-resource-viewer Role/RoleBinding of data/openshift/rbac.
 * Namespaces referenced by namespaced objects (openshift-image-registry) are created when missing.
 * Existing objects are left alone, so calling it twice is harmless.
 */
export function seedBootstrapRbac(store: Store): void {
  const objs = [...builtinRoles(store), ...builtinBindings(), ...BOOTSTRAP_FILES.flatMap(loadRbacFile)];
  for (const o of objs) {
    const key = KIND_KEY[o.kind ?? ''];
    if (!key) continue;
    const ns = o.metadata.namespace;
    if (ns && !store.get('/namespaces', undefined, ns)) store.create('/namespaces', { metadata: { name: ns } });
    if (store.get(key, ns, o.metadata.name!)) continue;
    store.create(key, o);
  }
}

/** The RoleBindings openshift-controller-manager creates in every new project (system:image-pullers, …). */
export function defaultProjectRoleBindings(namespace: string): KubeObject[] {
  return loadRbacFile('default-project-rolebindings.yaml').map((o) => {
    const copy = structuredClone(o);
    copy.metadata.namespace = namespace;
    for (const s of (copy.subjects as Array<Record<string, string>>) ?? []) {
      if (s.namespace === 'example-project') s.namespace = namespace;
      if (s.name === 'system:serviceaccounts:example-project') s.name = `system:serviceaccounts:${namespace}`;
    }
    return copy;
  });
}
