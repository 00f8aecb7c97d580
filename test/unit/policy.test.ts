// The oc policy algorithms (openshift-behaviors.md c.2–c.4) as pure functions over binding lists.
import { describe, expect, it } from 'vitest';
import {
  addSubjects,
  autoupdateWarning,
  buildSubjects,
  notFoundTargets,
  planAdd,
  planRemove,
  successLine,
  uniqueName,
  validateSubjects,
  type Binding,
  type Subject,
} from '../../src/cluster/policy.js';
import { RegctlError, UsageError } from '../../src/errors.js';

const RBAC = 'rbac.authorization.k8s.io';
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', namespace, name });

function rb(name: string, role: string, subjects: Subject[], opts: { namespace?: string; kind?: string; annotations?: Record<string, string> } = {}): Binding {
  return {
    metadata: { name, ...(opts.namespace === undefined ? { namespace: 'ns' } : opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    roleRef: { apiGroup: RBAC, kind: opts.kind ?? 'ClusterRole', name: role },
    subjects,
  };
}
const crb = (name: string, role: string, subjects: Subject[], annotations?: Record<string, string>) => rb(name, role, subjects, { namespace: '', annotations });

/** The per-project bindings openshift-controller-manager creates (default-project-rolebindings.yaml). */
const projectDefaults = (ns: string) => [
  rb('system:image-pullers', 'system:image-puller', [group(`system:serviceaccounts:${ns}`)], { namespace: ns }),
  rb('system:image-builders', 'system:image-builder', [sa(ns, 'builder')], { namespace: ns }),
  rb('system:deployers', 'system:deployer', [sa(ns, 'deployer')], { namespace: ns }),
];
/** Bootstrap ClusterRoleBindings of bootstrap-clusterrolebindings-image.yaml. */
const bootstrapCRBs = () => [
  crb('system:image-puller', 'system:image-puller', [sa('openshift-infra', 'default-rolebindings-controller')], { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }),
  crb('system:image-builder', 'system:image-builder', [sa('openshift-infra', 'default-rolebindings-controller')], { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }),
  crb('registry-monitoring', 'registry-monitoring', [sa('openshift-monitoring', 'prometheus-k8s')]),
];

describe('c.3 binding names, identical to oc', () => {
  it('oc unit test: bindings edit(foo) and custom(bar) exist; add edit baz → edit-0', () => {
    const bindings = [rb('edit', 'edit', [user('foo')]), rb('custom', 'custom', [user('bar')])];
    const plan = planAdd(bindings, { namespace: 'ns', role: 'edit' }, [user('baz')]);
    expect(plan.action).toBe('create');
    expect(plan.binding.metadata.name).toBe('edit-0');
    expect(plan.binding.subjects).toEqual([user('baz')]);
  });

  it('fresh project: registry-viewer alice → RoleBinding registry-viewer; then bob → registry-viewer-0', () => {
    const bindings = projectDefaults('myproject');
    const first = planAdd(bindings, { namespace: 'myproject', role: 'registry-viewer' }, [user('alice')]);
    expect(first.action).toBe('create');
    expect(first.binding).toEqual({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'registry-viewer', namespace: 'myproject' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'registry-viewer' },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'alice' }],
    });
    const second = planAdd([...bindings, first.binding], { namespace: 'myproject', role: 'registry-viewer' }, [user('bob')]);
    expect(second.action).toBe('create');
    expect(second.binding.metadata.name).toBe('registry-viewer-0');
    const third = planAdd([...bindings, first.binding, second.binding], { namespace: 'myproject', role: 'registry-viewer' }, [user('carol')]);
    expect(third.binding.metadata.name).toBe('registry-viewer-1');
  });

  it('namespaced system:image-puller → RoleBinding system:image-puller (the controller binding is system:image-pullers)', () => {
    const plan = planAdd(projectDefaults('myproject'), { namespace: 'myproject', role: 'system:image-puller' }, [user('x')]);
    expect(plan.action).toBe('create');
    expect(plan.binding.kind).toBe('RoleBinding');
    expect(plan.binding.metadata.name).toBe('system:image-puller');
  });

  it('cluster-wide system:image-puller → ClusterRoleBinding system:image-puller-0; same for system:image-builder', () => {
    const puller = planAdd(bootstrapCRBs(), { role: 'system:image-puller' }, [user('x')]);
    expect(puller.action).toBe('create');
    expect(puller.binding.kind).toBe('ClusterRoleBinding');
    expect(puller.binding.metadata).toEqual({ name: 'system:image-puller-0' });
    expect(planAdd(bootstrapCRBs(), { role: 'system:image-builder' }, [user('x')]).binding.metadata.name).toBe('system:image-builder-0');
  });

  it('cluster-wide prometheus-scraper → ClusterRoleBinding prometheus-scraper; registry-monitoring → registry-monitoring-0', () => {
    expect(planAdd(bootstrapCRBs(), { role: 'prometheus-scraper' }, [user('alice')]).binding.metadata.name).toBe('prometheus-scraper');
    expect(planAdd(bootstrapCRBs(), { role: 'registry-monitoring' }, [user('alice')]).binding.metadata.name).toBe('registry-monitoring-0');
  });

  it('a name is taken by a binding of ANY role', () => {
    const plan = planAdd([rb('registry-viewer', 'view', [user('a')])], { namespace: 'ns', role: 'registry-viewer' }, [user('b')]);
    expect(plan.binding.metadata.name).toBe('registry-viewer-0');
  });

  it('falls back to a UUID after ROLE-99', () => {
    const taken = [rb('r', 'x', []), ...Array.from({ length: 100 }, (_, i) => rb(`r-${i}`, 'x', []))];
    expect(uniqueName('r', taken.map((b) => b.metadata.name), () => 'uuid-1')).toBe('uuid-1');
    expect(uniqueName('r', ['r', 'r-0', 'r-2'])).toBe('r-1');
  });
});

describe('c.3 no write when a binding already holds every subject', () => {
  it('returns the holder and never updates an existing binding', () => {
    const holder = rb('registry-viewer', 'registry-viewer', [user('alice'), user('bob')]);
    expect(planAdd([holder], { namespace: 'ns', role: 'registry-viewer' }, [user('alice')])).toMatchObject({ action: 'none', binding: { metadata: { name: 'registry-viewer' } } });
    // bob+carol: the holder lacks carol → a NEW binding with both (existing ones are never extended)
    const plan = planAdd([holder], { namespace: 'ns', role: 'registry-viewer' }, [user('bob'), user('carol')]);
    expect(plan).toMatchObject({ action: 'create', binding: { metadata: { name: 'registry-viewer-0' }, subjects: [user('bob'), user('carol')] } });
  });

  it('RoleBindings must match the roleRef kind; ClusterRoleBindings compare only the name', () => {
    const roleRef = rb('x', 'registry-viewer', [user('alice')], { kind: 'Role' });
    expect(planAdd([roleRef], { namespace: 'ns', role: 'registry-viewer' }, [user('alice')]).action).toBe('create');
    const odd = { ...crb('x', 'registry-viewer', [user('alice')]), roleRef: { apiGroup: RBAC, kind: 'Role', name: 'registry-viewer' } };
    expect(planAdd([odd], { role: 'registry-viewer' }, [user('alice')]).action).toBe('none');
  });

  it('the controller-made system:image-pullers counts: granting its group again is a no-op', () => {
    const plan = planAdd(projectDefaults('shared'), { namespace: 'shared', role: 'system:image-puller' }, [group('system:serviceaccounts:shared')]);
    expect(plan).toMatchObject({ action: 'none', binding: { metadata: { name: 'system:image-pullers' } } });
  });
});

describe('c.3 --rolebinding-name', () => {
  it('creates the named binding when missing, appends (update) when present', () => {
    expect(planAdd([], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')])).toMatchObject({ action: 'create', binding: { metadata: { name: 'readers' } } });
    const existing = rb('readers', 'registry-viewer', [user('a')]);
    const plan = planAdd([existing], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a'), user('b')]);
    expect(plan).toMatchObject({ action: 'update', newSubjects: [user('b')], binding: { subjects: [user('a'), user('b')] } });
    expect(planAdd([existing], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')]).action).toBe('none');
  });

  it('refuses a binding of another role or kind with oc\'s messages', () => {
    const other = rb('readers', 'view', []);
    expect(() => planAdd([other], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')])).toThrow('rolebinding readers found for role view, not registry-viewer');
    const kind = rb('readers', 'registry-viewer', [], { kind: 'Role' });
    expect(() => planAdd([kind], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')])).toThrow('rolebinding readers found for "Role", not "ClusterRole"');
  });
});

describe('c.2 subjects', () => {
  it('users, then groups, then -z; system:serviceaccount users become ServiceAccount subjects', () => {
    const subjects = buildSubjects({ users: ['alice', 'system:serviceaccount:other:robot'], groups: ['devs'], serviceAccounts: ['builder'], namespace: 'ns' });
    expect(subjects).toEqual([user('alice'), sa('other', 'robot'), group('devs'), sa('ns', 'builder')]);
    expect(subjects[1]).not.toHaveProperty('apiGroup');
  });

  it('duplicates are skipped and new subjects appended after existing ones', () => {
    expect(addSubjects([user('a'), sa('ns', 'x')], [user('b'), user('a'), { kind: 'ServiceAccount', name: 'x', namespace: 'other' }])).toEqual([user('a'), sa('ns', 'x'), user('b'), sa('other', 'x')]);
  });

  it('oc argument errors', () => {
    const v = (users: string[], serviceAccounts: string[] = [], groups: string[] = []) => () => validateSubjects({ users, groups, serviceAccounts, namespace: 'ns' });
    expect(v([])).toThrow('you must specify at least one user or service account');
    expect(v([], ['system:serviceaccount:ns:builder'])).toThrow('--serviceaccount (-z) should only be used with short-form serviceaccount names (e.g. `default`)');
    expect(v([], ['Bad_Name'])).toThrow(/^"Bad_Name" is not a valid serviceaccount name: a lowercase RFC 1123 subdomain/);
    try {
      v([], ['system:serviceaccount:x'])();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).exitCode).toBe(2);
      expect((e as UsageError).hint).toBeTruthy();
    }
  });

  it('rejects names no user, group or service account can have', () => {
    const v = (users: string[], groups: string[] = []) => () => validateSubjects({ users, groups, serviceAccounts: [], namespace: 'ns' });
    expect(v(['a/b'])).toThrow(/not a valid user name/);
    expect(v(['has space'])).toThrow(/not a valid user name/);
    expect(v(['..'])).toThrow(/not a valid user name/);
    expect(v(['system:serviceaccount:NS:sa'])).toThrow(/not a valid service account user name/);
    expect(v([], ['a%b'])).toThrow(/not a valid group name/);
    expect(v(['kube:admin', 'alice@example.com'], ['system:serviceaccounts:myapp'])).not.toThrow();
  });
});

describe('c.4 remove', () => {
  it('removes the subject everywhere; empty bindings are deleted unless autoupdate=false', () => {
    const bindings = [
      rb('registry-viewer', 'registry-viewer', [user('alice')]),
      rb('registry-viewer-0', 'registry-viewer', [user('alice'), user('bob')]),
      rb('keep', 'registry-viewer', [user('alice')], { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }),
      rb('other', 'view', [user('alice')]),
    ];
    const plan = planRemove(bindings, { namespace: 'ns', role: 'registry-viewer' }, [user('alice')]);
    expect(plan.found).toBe(3);
    expect(plan.changes.map((c) => [c.binding.metadata.name, c.action, c.binding.subjects])).toEqual([
      ['registry-viewer', 'delete', []],
      ['registry-viewer-0', 'update', [user('bob')]],
      ['keep', 'update', []],
    ]);
  });

  it('reports nothing to do instead of writing: no binding of the role, or target not bound', () => {
    expect(planRemove([], { namespace: 'ns', role: 'registry-viewer' }, [user('alice')])).toMatchObject({ changes: [], candidates: [], found: 0 });
    const p = planRemove([rb('registry-viewer', 'registry-viewer', [user('bob')])], { namespace: 'ns', role: 'registry-viewer' }, [user('alice')]);
    expect(p).toMatchObject({ changes: [], found: 0 });
    expect(p.candidates).toHaveLength(1);
    expect(notFoundTargets(['alice', 'bob'])).toBe('unable to find target [alice bob]');
  });

  it('autoupdate=true bindings carry oc\'s reconciliation warning', () => {
    const plan = planRemove(bootstrapCRBs(), { role: 'system:image-puller' }, [sa('openshift-infra', 'default-rolebindings-controller')]);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ action: 'delete', autoupdate: true });
    expect(autoupdateWarning(plan.changes[0]!.binding)).toBe(
      "Your changes may get lost whenever a master is restarted, unless you prevent reconciliation of this rolebinding using the following command: oc annotate clusterrolebinding.rbac system:image-puller 'rbac.authorization.kubernetes.io/autoupdate=false' --overwrite",
    );
  });

  it('--rolebinding-name: mismatches use oc\'s messages; a missing binding is reported, not thrown', () => {
    const b = rb('readers', 'view', [user('a')]);
    expect(() => planRemove([b], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')])).toThrow('rolebinding readers contains role view, instead of role registry-viewer');
    expect(() => planRemove([rb('readers', 'registry-viewer', [], { kind: 'Role' })], { namespace: 'ns', role: 'registry-viewer', bindingName: 'readers' }, [user('a')])).toThrow(RegctlError);
    expect(planRemove([], { namespace: 'ns', role: 'x', bindingName: 'gone' }, [user('a')]).missingBinding).toBe(true);
  });
});

describe('--role-namespace: roleRef kind Role (c.1, c.3, c.4)', () => {
  const scope = { namespace: 'ns', role: 'image-pusher-local', roleKind: 'Role' as const };

  it('new binding references the Role; named ROLE, then ROLE-0 (names are shared with every binding)', () => {
    const first = planAdd(projectDefaults('ns'), scope, [user('alice')]);
    expect(first).toMatchObject({ action: 'create' });
    expect(first.binding).toEqual({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'image-pusher-local', namespace: 'ns' },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'image-pusher-local' },
      subjects: [user('alice')],
    });
    const second = planAdd([...projectDefaults('ns'), first.binding], scope, [user('bob')]);
    expect(second.binding.metadata.name).toBe('image-pusher-local-0');
  });

  it('no write when a binding of the Role holds every subject; a ClusterRole binding of the same name does not count', () => {
    const roleBinding = rb('image-pusher-local', 'image-pusher-local', [user('alice')], { kind: 'Role' });
    expect(planAdd([roleBinding], scope, [user('alice')])).toMatchObject({ action: 'none', binding: { metadata: { name: 'image-pusher-local' } } });
    const clusterRoleRef = rb('image-pusher-local', 'image-pusher-local', [user('alice')]);
    expect(planAdd([clusterRoleRef], scope, [user('alice')])).toMatchObject({ action: 'create', binding: { metadata: { name: 'image-pusher-local-0' }, roleRef: { kind: 'Role' } } });
  });

  it('--rolebinding-name bound to the ClusterRole of that name is refused with oc\'s message', () => {
    const b = rb('pushers', 'image-pusher-local', []);
    expect(() => planAdd([b], { ...scope, bindingName: 'pushers' }, [user('a')])).toThrow('rolebinding pushers found for "ClusterRole", not "Role"');
    expect(() => planRemove([b], { ...scope, bindingName: 'pushers' }, [user('a')])).toThrow('rolebinding pushers contains role image-pusher-local of kind "ClusterRole", not "Role"');
  });

  it('remove only touches bindings whose roleRef is the Role', () => {
    const bindings = [rb('image-pusher-local', 'image-pusher-local', [user('alice')], { kind: 'Role' }), rb('cr', 'image-pusher-local', [user('alice')])];
    const plan = planRemove(bindings, scope, [user('alice')]);
    expect(plan.changes.map((c) => [c.binding.metadata.name, c.action, c.binding.roleRef.kind])).toEqual([['image-pusher-local', 'delete', 'Role']]);
    expect(planRemove(bindings, { namespace: 'ns', role: 'image-pusher-local' }, [user('alice')]).changes.map((c) => c.binding.metadata.name)).toEqual(['cr']);
  });

  it('stdout names the Role as oc does (role.rbac…)', () => {
    expect(successLine('image-pusher-local', 'added', ['alice'], false, undefined, 'Role')).toBe('role.rbac.authorization.k8s.io/image-pusher-local added: "alice"');
    expect(successLine('image-pusher-local', 'removed', ['alice', 'bob'], true, undefined, 'Role')).toBe('role.rbac.authorization.k8s.io/image-pusher-local removed: ["alice" "bob"] (dry run)');
  });
});

describe('stdout lines', () => {
  it('matches oc\'s name printer', () => {
    expect(successLine('registry-viewer', 'added', ['alice'])).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer added: "alice"');
    expect(successLine('registry-viewer', 'added', ['alice', 'bob'])).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer added: ["alice" "bob"]');
    expect(successLine('registry-viewer', 'removed', ['alice'])).toBe('clusterrole.rbac.authorization.k8s.io/registry-viewer removed: "alice"');
    const b = planAdd([], { namespace: 'ns', role: 'registry-viewer' }, [user('alice')]).binding;
    expect(successLine('registry-viewer', 'added', ['alice'], true, b)).toBe('rolebinding.rbac.authorization.k8s.io/registry-viewer added: "alice" (dry run)');
  });
});
