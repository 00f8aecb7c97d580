import { describe, expect, it } from 'vitest';
import { createStore } from '../store.ts';
import { createAuthRegistry } from './auth.ts';
import { createAuthorizer, defaultProjectRoleBindings, seedBootstrapRbac } from './rbac.ts';
import type { Identity } from '../types.ts';

const RBAC = 'rbac.authorization.k8s.io';

function setup() {
  const store = createStore();
  store.create('/namespaces', { metadata: { name: 'proj' } });
  seedBootstrapRbac(store);
  return { store, authz: createAuthorizer(store) };
}

const user = (username: string, groups: string[] = []): Identity => ({ username, groups: [...groups, 'system:authenticated', 'system:authenticated:oauth'] });

describe('auth registry', () => {
  it('issues sha256~ tokens with groups, expiry and revocation', async () => {
    const auth = createAuthRegistry();
    auth.addUser('alice', { password: 'pw', groups: ['devs'] });
    expect(auth.checkPassword('alice', 'pw')).toBe(true);
    expect(auth.checkPassword('alice', 'nope')).toBe(false);
    expect(auth.checkPassword('bob', 'pw')).toBe(false);
    const t = auth.issueToken('alice');
    expect(t).toMatch(/^sha256~[A-Za-z0-9_-]{43}$/);
    expect(t[7]).not.toBe('-');
    expect(auth.lookup(t)).toMatchObject({ username: 'alice', groups: ['devs', 'system:authenticated', 'system:authenticated:oauth'] });
    auth.revoke(t);
    expect(auth.lookup(t)).toBeUndefined();
    const short = auth.issueToken('alice', { ttlSeconds: 0.05 });
    await new Promise((r) => setTimeout(r, 80));
    expect(auth.lookup(short)).toBeUndefined();
    const sa = auth.issueServiceAccountToken('ns1', 'builder');
    expect(auth.lookup(sa.token)).toMatchObject({
      username: 'system:serviceaccount:ns1:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
    });
  });
});

describe('rbac', () => {
  it('cluster-admin via system:masters and kube:admin; developer denied registry config', () => {
    const { authz } = setup();
    const get = { verb: 'get', group: 'imageregistry.operator.openshift.io', resource: 'configs', name: 'cluster' };
    expect(authz.authorize({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] }, get).allowed).toBe(true);
    expect(authz.authorize(user('kube:admin'), get).allowed).toBe(true);
    expect(authz.authorize(user('developer'), get).allowed).toBe(false);
    expect(authz.authorize(user('developer'), { verb: 'get', path: '/apis/foo' }).allowed).toBe(true);
    expect(authz.authorize({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, { verb: 'get', path: '/version' }).allowed).toBe(true);
    expect(authz.authorize(user('kube:admin'), { verb: 'delete', path: '/anything' }).allowed).toBe(true);
  });

  it('basic users may review themselves and get users/~ only', () => {
    const { authz } = setup();
    const dev = user('developer');
    expect(authz.authorize(dev, { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }).allowed).toBe(true);
    expect(authz.authorize(dev, { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' }).allowed).toBe(true);
    expect(authz.authorize(dev, { verb: 'get', group: 'user.openshift.io', resource: 'users', name: '~' }).allowed).toBe(true);
    expect(authz.authorize(dev, { verb: 'get', group: 'user.openshift.io', resource: 'users', name: 'kube:admin' }).allowed).toBe(false);
  });

  it('registry-viewer RoleBinding grants get imagestreams/layers in that namespace only', () => {
    const { store, authz } = setup();
    const dev = user('developer');
    const layers = { verb: 'get', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: 'proj', name: 'app' };
    expect(authz.authorize(dev, layers).allowed).toBe(false);
    store.create(`${RBAC}/rolebindings`, {
      metadata: { name: 'registry-viewer', namespace: 'proj' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'registry-viewer' },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'developer' }],
    });
    const d = authz.authorize(dev, layers);
    expect(d.allowed).toBe(true);
    expect(d.reason).toContain('RoleBinding "registry-viewer/proj"');
    expect(authz.authorize(dev, { ...layers, verb: 'update' }).allowed).toBe(false);
    expect(authz.authorize(dev, { ...layers, namespace: 'other' }).allowed).toBe(false);
    expect(authz.authorize(dev, { verb: 'list', group: 'image.openshift.io', resource: 'imagestreams', namespace: 'proj' }).allowed).toBe(true);
  });

  it('aggregation: view/edit/admin pick up labelled roles at evaluation time', () => {
    const { store, authz } = setup();
    const bind = (role: string, name: string) =>
      store.create(`${RBAC}/rolebindings`, { metadata: { name: `${role}-${name}`, namespace: 'proj' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name }] });
    bind('view', 'v');
    bind('edit', 'e');
    bind('admin', 'a');
    const attr = (verb: string, resource: string, group = '') => ({ verb, group, resource, namespace: 'proj' });
    expect(authz.authorize(user('v'), attr('get', 'imagestreams', 'image.openshift.io')).allowed).toBe(true); // registry-viewer aggregates to view
    expect(authz.authorize(user('v'), attr('get', 'secrets')).allowed).toBe(false);
    expect(authz.authorize(user('e'), attr('get', 'secrets')).allowed).toBe(true);
    expect(authz.authorize(user('e'), attr('get', 'pods')).allowed).toBe(true); // view ⊂ edit
    expect(authz.authorize(user('e'), attr('create', 'rolebindings', RBAC)).allowed).toBe(false);
    expect(authz.authorize(user('a'), attr('create', 'rolebindings', RBAC)).allowed).toBe(true);
    expect(authz.authorize(user('a'), attr('delete', 'configmaps')).allowed).toBe(true); // edit ⊂ admin
    // A role labelled later is aggregated without any controller.
    store.create(`${RBAC}/clusterroles`, { metadata: { name: 'extra', labels: { [`${RBAC}/aggregate-to-view`]: 'true' } }, rules: [{ apiGroups: ['x.io'], resources: ['widgets'], verbs: ['get'] }] });
    expect(authz.authorize(user('a'), attr('get', 'widgets', 'x.io')).allowed).toBe(true);
  });

  it('matches ServiceAccount and Group subjects, resourceNames, wildcards and subresource patterns', () => {
    const { store, authz } = setup();
    store.create(`${RBAC}/roles`, {
      metadata: { name: 'r', namespace: 'proj' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['only-this'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments/*'], verbs: ['*'] },
      ],
    });
    store.create(`${RBAC}/rolebindings`, { metadata: { name: 'rb', namespace: 'proj' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }, { kind: 'Group', name: 'team' }] });
    const sa: Identity = { username: 'system:serviceaccount:proj:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:proj', 'system:authenticated'] };
    expect(authz.authorize(sa, { verb: 'get', group: '', resource: 'configmaps', namespace: 'proj', name: 'only-this' }).allowed).toBe(true);
    expect(authz.authorize(sa, { verb: 'get', group: '', resource: 'configmaps', namespace: 'proj', name: 'other' }).allowed).toBe(false);
    expect(authz.authorize(sa, { verb: 'list', group: '', resource: 'configmaps', namespace: 'proj' }).allowed).toBe(false);
    expect(authz.authorize(user('x', ['team']), { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'proj', name: 'd' }).allowed).toBe(true);
    expect(authz.authorize(user('x', ['team']), { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'proj', name: 'd' }).allowed).toBe(false);
    expect(authz.authorize({ ...sa, username: 'system:serviceaccount:other:bot' }, { verb: 'get', group: '', resource: 'configmaps', namespace: 'proj', name: 'only-this' }).allowed).toBe(false);
  });

  it('every authenticated user reads the shared openshift namespace (shared-resource-viewers), nothing more', () => {
    const { store, authz } = setup();
    const rb = store.get(`${RBAC}/rolebindings`, 'openshift', 'shared-resource-viewers');
    expect(rb).toMatchObject({ roleRef: { kind: 'Role', name: 'shared-resource-viewer' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] });
    expect(store.get('/namespaces', undefined, 'openshift')).toBeDefined();
    const dev = user('developer');
    const img = (verb: string, resource: string, namespace = 'openshift', subresource?: string) =>
      authz.authorize(dev, { verb, group: 'image.openshift.io', resource, namespace, ...(subresource ? { subresource } : {}) }).allowed;
    for (const r of ['imagestreams', 'imagestreamtags', 'imagestreamimages', 'imagetags']) {
      for (const v of ['get', 'list', 'watch']) expect(img(v, r), `${v} ${r}`).toBe(true);
    }
    expect(img('get', 'imagestreams', 'openshift', 'layers')).toBe(true);
    expect(img('update', 'imagestreams', 'openshift', 'layers')).toBe(false);
    expect(img('create', 'imagestreams')).toBe(false);
    expect(img('delete', 'imagestreamtags')).toBe(false);
    expect(img('list', 'imagestreams', 'proj')).toBe(false);
    expect(authz.authorize(dev, { verb: 'list', group: 'template.openshift.io', resource: 'templates', namespace: 'openshift' }).allowed).toBe(true);
    expect(authz.authorize(dev, { verb: 'get', group: '', resource: 'configmaps', namespace: 'openshift', name: 'motd' }).allowed).toBe(true);
    expect(authz.authorize(dev, { verb: 'list', group: '', resource: 'configmaps', namespace: 'openshift' }).allowed).toBe(false);
    expect(authz.authorize(dev, { verb: 'get', group: '', resource: 'secrets', namespace: 'openshift', name: 's' }).allowed).toBe(false);
    expect(authz.authorize({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, { verb: 'list', group: 'image.openshift.io', resource: 'imagestreams', namespace: 'openshift' }).allowed).toBe(false);
    const d = authz.authorize(dev, { verb: 'list', group: 'image.openshift.io', resource: 'imagestreams', namespace: 'openshift' });
    expect(d.reason).toContain('RoleBinding "shared-resource-viewers/openshift"');
  });

  it('seeds the image roles, bindings, operator roles and registry-monitoring, not prometheus-scraper', () => {
    const { store, authz } = setup();
    for (const n of ['registry-viewer', 'registry-editor', 'registry-admin', 'system:image-puller', 'system:image-pusher', 'system:image-builder', 'system:image-signer', 'system:image-auditor', 'system:registry', 'system:image-pruner', 'registry-monitoring', 'cluster-reader', 'self-provisioner', 'basic-user', 'system:discovery']) {
      expect(store.get(`${RBAC}/clusterroles`, undefined, n), n).toBeDefined();
    }
    expect(store.get(`${RBAC}/clusterroles`, undefined, 'prometheus-scraper')).toBeUndefined();
    for (const n of ['system:image-puller', 'system:image-builder', 'registry-registry-role', 'openshift-image-registry-pruner', 'registry-monitoring']) {
      expect(store.get(`${RBAC}/clusterrolebindings`, undefined, n), n).toBeDefined();
    }
    expect(store.get(`${RBAC}/rolebindings`, 'openshift-image-registry', 'prometheus-k8s')).toBeDefined();
    const prom: Identity = { username: 'system:serviceaccount:openshift-monitoring:prometheus-k8s', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(authz.authorize(prom, { verb: 'get', group: 'image.openshift.io', resource: 'registry', subresource: 'metrics' }).allowed).toBe(true);
    expect(authz.authorize(user('developer'), { verb: 'get', group: 'image.openshift.io', resource: 'registry', subresource: 'metrics' }).allowed).toBe(false);
    const reader = user('r');
    store.create(`${RBAC}/clusterrolebindings`, { metadata: { name: 'r' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-reader' }, subjects: [{ kind: 'User', name: 'r' }] });
    expect(authz.authorize(reader, { verb: 'list', group: 'image.openshift.io', resource: 'imagestreams' }).allowed).toBe(true);
    expect(authz.authorize(reader, { verb: 'get', group: '', resource: 'secrets', namespace: 'proj', name: 's' }).allowed).toBe(false);
    expect(defaultProjectRoleBindings('proj').map((b) => [b.metadata.name, b.metadata.namespace])).toEqual([
      ['system:image-pullers', 'proj'],
      ['system:image-builders', 'proj'],
      ['system:deployers', 'proj'],
    ]);
  });
});
