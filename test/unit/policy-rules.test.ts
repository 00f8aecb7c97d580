// Client-side rule matching behind `regctl access`, against the real role YAML of ../shared/openshift/rbac.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { CAPABILITIES, effectiveRules, grantsFromBindings, reviewIdentity, ruleAllows, type RoleObject } from '../../src/cluster/policy-rules.js';
import type { Binding } from '../../src/cluster/policy.js';

const RBAC_DIR = path.resolve(__dirname, '../sandbox/data/openshift/rbac');
const load = (f: string) => (yaml.loadAll(readFileSync(path.join(RBAC_DIR, f), 'utf8')) as any[]).filter(Boolean);
const roles: RoleObject[] = [...load('bootstrap-clusterroles-image-registry.yaml'), ...load('operator-managed-clusterroles.yaml'), ...load('registry-monitoring.yaml')].filter((o) => o.kind === 'ClusterRole');
const cap = (k: string) => CAPABILITIES.find((c) => c.key === k)!;
const allows = (role: string, k: string) => effectiveRules(role, roles).some((r) => ruleAllows(r, cap(k)));

describe('what the registry roles allow (behaviours c.5, f)', () => {
  it.each([
    ['registry-viewer', ['pull', 'catalog']], // catalog only when bound cluster-wide
    ['registry-editor', ['pull', 'push', 'pushNew', 'catalog']],
    ['system:image-puller', ['pull']],
    ['system:image-pusher', ['pull', 'push']], // no create imagestreams: a push to a new name is denied
    ['system:image-builder', ['pull', 'push', 'pushNew']],
    ['system:image-pruner', ['catalog', 'prune']],
    ['registry-monitoring', ['metrics']],
  ])('%s → %j', (role, expected) => {
    expect(CAPABILITIES.map((c) => c.key).filter((k) => allows(role, k))).toEqual(expected);
  });

  it('wildcards and subresource forms match; resourceNames never match a name-less check', () => {
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, cap('prune'))).toBe(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['image.openshift.io'], resources: ['imagestreams/*'] }, cap('pull'))).toBe(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['image.openshift.io'], resources: ['imagestreams'] }, cap('pull'))).toBe(false);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['image.openshift.io'], resources: ['imagestreams/layers'], resourceNames: ['x'] }, cap('pull'))).toBe(false);
  });

  it('resolves aggregation (view aggregates registry-viewer)', () => {
    const view: RoleObject = { metadata: { name: 'view' }, rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] } };
    expect(effectiveRules('view', [...roles, view]).some((r) => ruleAllows(r, cap('pull')))).toBe(true);
  });
});

describe('grantsFromBindings', () => {
  const rb = (name: string, ns: string | undefined, role: string, subjects: Binding['subjects']): Binding => ({ metadata: { name, ...(ns ? { namespace: ns } : {}) }, roleRef: { kind: 'ClusterRole', name: role }, subjects });
  it('namespaced checks from RoleBindings, everything from ClusterRoleBindings; SA namespaces default to the binding\'s', () => {
    const grants = grantsFromBindings({
      namespace: 'ns',
      roleBindings: [rb('registry-viewer', 'ns', 'registry-viewer', [{ kind: 'User', name: 'alice' }]), rb('system:image-builders', 'ns', 'system:image-builder', [{ kind: 'ServiceAccount', name: 'builder' }]), rb('pruner-in-ns', 'ns', 'system:image-pruner', [{ kind: 'User', name: 'pat' }])],
      clusterRoleBindings: [rb('registry-monitoring', undefined, 'registry-monitoring', [{ kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'openshift-monitoring' }])],
      clusterRoles: roles,
      roles: [],
    });
    const summary = Object.fromEntries(grants.map((g) => [`${g.subject.kind}/${g.subject.namespace ?? ''}/${g.subject.name}`, g.grants.map((x) => `${x.capability}@${x.binding}`)]));
    expect(summary).toEqual({
      'User//alice': ['pull@RoleBinding/registry-viewer'],
      'ServiceAccount/ns/builder': ['pull@RoleBinding/system:image-builders', 'push@RoleBinding/system:image-builders', 'pushNew@RoleBinding/system:image-builders'],
      'ServiceAccount/openshift-monitoring/prometheus-k8s': ['metrics@ClusterRoleBinding/registry-monitoring'],
    });
  });

  it('review identities carry the groups the authenticator adds', () => {
    expect(reviewIdentity({ kind: 'ServiceAccount', namespace: 'ns', name: 'builder' })).toEqual({ user: 'system:serviceaccount:ns:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'] });
    expect(reviewIdentity({ kind: 'Group', name: 'devs' })).toEqual({ groups: ['devs'] });
    expect(reviewIdentity({ kind: 'User', name: 'alice' }, ['devs'])).toEqual({ user: 'alice', groups: ['devs', 'system:authenticated', 'system:authenticated:oauth'] });
  });
});
