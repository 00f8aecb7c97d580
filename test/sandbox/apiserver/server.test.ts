import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CONFIG_KEY, registryConfig, startKit, stream, waitFor } from './testkit.ts';
import type { Kit } from './testkit.ts';

const CFG = '/apis/imageregistry.operator.openshift.io/v1/configs';
const CM = '/api/v1/namespaces/default/configmaps';

let kit: Kit;
let admin: string;
let dev: string;

beforeAll(async () => {
  kit = await startKit();
  admin = kit.adminToken;
  dev = kit.auth.issueToken('developer');
  kit.store.create(CONFIG_KEY, registryConfig());
  kit.store.create('config.openshift.io/ingresses', { metadata: { name: 'cluster' }, spec: { domain: 'apps.sandbox.example.com' } });
});
afterAll(async () => {
  await kit.close();
});

describe('discovery and authentication', () => {
  it('serves legacy discovery as plain JSON', async () => {
    const api = await call(kit, 'GET', '/api', { token: admin });
    expect(api.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = await call(kit, 'GET', '/apis', { token: admin, headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(apis.headers['content-type']).toBe('application/json');
    expect(apis.json.kind).toBe('APIGroupList');
    expect(apis.json.groups.map((g: any) => g.name)).toContain('imageregistry.operator.openshift.io');
    const rl = await call(kit, 'GET', '/apis/image.openshift.io/v1', { token: admin });
    expect(rl.json.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['imagestreams', 'imagestreams/layers', 'imagestreamtags', 'imagestreamimports', 'images']));
    const v1 = await call(kit, 'GET', '/api/v1', { token: admin });
    expect(v1.json.resources.find((r: any) => r.name === 'pods/log')).toBeTruthy();
    expect((await call(kit, 'GET', '/version')).json.gitVersion).toMatch(/^v1\.30\./); // OpenShift 4.17 = Kubernetes 1.30
    expect((await call(kit, 'GET', '/healthz')).text).toBe('ok');
  });

  it('401 for bad tokens, anonymous without credentials, client certificates', async () => {
    const bad = await call(kit, 'GET', CFG, { token: 'sha256~nope' });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const anon = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: {} });
    expect(anon.status).toBe(403);
    expect(anon.json.message).toBe('selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope');
    const cert = await kit.clientCa.issue({ commonName: 'system:admin', organizations: ['system:masters'], client: true });
    const ssr = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { cert, body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' } });
    expect(ssr.status).toBe(201);
    expect(ssr.json.status.userInfo).toEqual({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    expect((await call(kit, 'GET', `${CFG}/cluster`, { cert })).status).toBe(200);
    // A certificate from another CA is not trusted: anonymous.
    const { createCA } = await import('../pki.ts');
    const rogue = await (await createCA('rogue')).issue({ commonName: 'system:admin', organizations: ['system:masters'], client: true });
    expect((await call(kit, 'GET', `${CFG}/cluster`, { cert: rogue })).json.message).toContain('User "system:anonymous"');
  });

  it('users/~ and SelfSubjectReview describe the caller', async () => {
    const me = await call(kit, 'GET', '/apis/user.openshift.io/v1/users/~', { token: dev });
    expect(me.json.metadata.name).toBe('developer');
    const ssr = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: dev, body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' } });
    expect(ssr.json.status.userInfo.groups).toEqual(['system:authenticated', 'system:authenticated:oauth']);
  });
});

describe('REST', () => {
  it('CRUD on configmaps with list metadata, selectors and pagination', async () => {
    for (const n of ['a', 'b', 'c']) {
      const r = await call(kit, 'POST', CM, { token: admin, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `crud-${n}`, labels: { set: 'crud', n } }, data: { n } } });
      expect(r.status).toBe(201);
    }
    const dup = await call(kit, 'POST', CM, { token: admin, body: { metadata: { name: 'crud-a' } } });
    expect([dup.status, dup.json.reason, dup.json.message]).toEqual([409, 'AlreadyExists', 'configmaps "crud-a" already exists']);
    const list = await call(kit, 'GET', `${CM}?labelSelector=set%3Dcrud,n!%3Db&limit=1`, { token: admin });
    expect(list.json.kind).toBe('ConfigMapList');
    expect(list.json.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(list.json.items.map((i: any) => i.metadata.name)).toEqual(['crud-a']);
    const next = await call(kit, 'GET', `${CM}?labelSelector=set%3Dcrud,n!%3Db&limit=1&continue=${encodeURIComponent(list.json.metadata.continue)}`, { token: admin });
    expect(next.json.items.map((i: any) => i.metadata.name)).toEqual(['crud-c']);
    const got = await call(kit, 'GET', `${CM}/crud-a`, { token: admin });
    const put = await call(kit, 'PUT', `${CM}/crud-a`, { token: admin, body: { ...got.json, data: { n: 'changed' } } });
    expect(put.status).toBe(200);
    const stale = await call(kit, 'PUT', `${CM}/crud-a`, { token: admin, body: { ...got.json, data: { n: 'again' } } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "crud-a": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'crud-a', kind: 'configmaps' },
    });
    const del = await call(kit, 'DELETE', `${CM}/crud-a`, { token: admin });
    expect(del.status).toBe(200);
    const nf = await call(kit, 'GET', `${CM}/crud-a`, { token: admin });
    expect(nf.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "crud-a" not found', reason: 'NotFound', details: { name: 'crud-a', group: '', kind: 'configmaps' }, code: 404 });
    const missingNs = await call(kit, 'POST', '/api/v1/namespaces/ghost/configmaps', { token: admin, body: { metadata: { name: 'x' } } });
    expect([missingNs.status, missingNs.json.message]).toEqual([404, 'namespaces "ghost" not found']);
  });

  it('NotFound for a CR uses the group-qualified resource', async () => {
    const r = await call(kit, 'GET', '/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster', { token: admin });
    expect(r.json.message).toBe('imagepruners.imageregistry.operator.openshift.io "cluster" not found');
    expect(r.json.details).toEqual({ name: 'cluster', group: 'imageregistry.operator.openshift.io', kind: 'imagepruners' });
  });

  it('patches: merge, json (failed test → 422), strategic for built-ins', async () => {
    const merge = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, body: { spec: { logLevel: 'Debug', proxy: { http: 'http://p:3128' } } }, contentType: 'application/merge-patch+json' });
    expect(merge.status).toBe(200);
    expect(merge.json.spec.logLevel).toBe('Debug');
    const json = await call(kit, 'PATCH', `${CFG}/cluster`, {
      token: admin,
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/spec/logLevel', value: 'Debug' },
        { op: 'replace', path: '/spec/logLevel', value: 'Normal' },
        { op: 'copy', from: '/spec/proxy/http', path: '/spec/proxy/https' },
        { op: 'move', from: '/spec/proxy/http', path: '/spec/proxy/noProxy' },
        { op: 'add', path: '/spec/defaultRoute', value: true },
        { op: 'remove', path: '/spec/proxy/noProxy' },
      ],
    });
    expect(json.status).toBe(200);
    expect(json.json.spec.proxy).toEqual({ https: 'http://p:3128' });
    expect(json.json.spec.defaultRoute).toBe(true);
    const failed = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/json-patch+json', body: [{ op: 'test', path: '/spec/replicas', value: 42 }, { op: 'replace', path: '/spec/replicas', value: 7 }] });
    expect(failed.status).toBe(422);
    expect(failed.json.reason).toBe('Invalid');
    expect(kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec).toMatchObject({ replicas: 1 });
    const smpOnCr = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/strategic-merge-patch+json', body: { spec: {} } });
    expect(smpOnCr.status).toBe(415);

    kit.store.create('apps/deployments', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', image: 'b:1' }] } } },
    });
    const smp = await call(kit, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web', {
      token: admin,
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', $patch: 'delete' }, { name: 'Z', value: '3' }] }, { name: 'b', $patch: 'delete' }] } } } },
    });
    expect(smp.status).toBe(200);
    expect(smp.json.spec.template.spec.containers).toEqual([{ name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }, { name: 'Z', value: '3' }] }]);
    expect(smp.json.metadata.generation).toBe(2);
    const scale = await call(kit, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { token: admin, contentType: 'application/merge-patch+json', body: { spec: { replicas: 3 } } });
    expect(scale.json).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=web' } });
  });

  it('validates CRs against the CRD schema with kube-style messages', async () => {
    const bad = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/merge-patch+json', body: { spec: { replicas: 'x' } } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('Config.imageregistry.operator.openshift.io "cluster" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    expect(bad.json.details).toMatchObject({ name: 'cluster', group: 'imageregistry.operator.openshift.io', kind: 'Config', causes: [{ reason: 'FieldValueTypeInvalid', field: 'spec.replicas' }] });
    const state = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/merge-patch+json', body: { spec: { managementState: 'Bogus' } } });
    expect(state.json.message).toBe(`Config.imageregistry.operator.openshift.io "cluster" is invalid: spec.managementState: Invalid value: "Bogus": spec.managementState in body should match '^(Managed|Unmanaged|Force|Removed)$'`);
    const create = await call(kit, 'POST', '/apis/imageregistry.operator.openshift.io/v1/imagepruners', { token: admin, body: { apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'ImagePruner', metadata: { name: 'cluster' }, spec: { unknownField: 1, schedule: '0 0 * * *' } } });
    expect(create.status).toBe(201);
    expect(create.json.spec.unknownField).toBeUndefined(); // pruned like a structural schema
    const dry = await call(kit, 'PATCH', `${CFG}/cluster?dryRun=All`, { token: admin, contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } });
    expect(dry.json.spec.replicas).toBe(5);
    expect((kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec as any).replicas).toBe(1);
  });

  // kube-apiserver handlers/delete.go (DeleteResource): a body is the whole DeleteOptions; the query is read only without one.
  it('DELETE: a DeleteOptions body replaces the query (its dryRun is ignored), preconditions are checked', async () => {
    const cm = (name: string) => call(kit, 'POST', CM, { token: admin, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } } });
    const uid = (await cm('del-a')).json.metadata.uid;
    await cm('del-b');
    await cm('del-c');
    const queryDry = await call(kit, 'DELETE', `${CM}/del-a?dryRun=All`, { token: admin });
    expect(queryDry.status).toBe(200);
    expect(kit.store.get('/configmaps', 'default', 'del-a')).toBeTruthy();
    const stale = await call(kit, 'DELETE', `${CM}/del-a`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'other' } } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toContain('Precondition failed: UID in precondition: other');
    const bodyDry = await call(kit, 'DELETE', `${CM}/del-a`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid }, dryRun: ['All'] } });
    expect(bodyDry.status).toBe(200);
    expect(kit.store.get('/configmaps', 'default', 'del-a')).toBeTruthy();
    const ignored = await call(kit, 'DELETE', `${CM}/del-b?dryRun=All`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions' } });
    expect(ignored.status).toBe(200);
    expect(kit.store.get('/configmaps', 'default', 'del-b')).toBeUndefined();
    const real = await call(kit, 'DELETE', `${CM}/del-a`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } });
    expect(real.status).toBe(200);
    expect(kit.store.get('/configmaps', 'default', 'del-a')).toBeUndefined();
    const bad = await call(kit, 'DELETE', `${CM}/del-c`, { token: admin, body: [1] });
    expect(bad.status).toBe(400);
    expect(kit.store.get('/configmaps', 'default', 'del-c')).toBeTruthy();
  });

  it('Forbidden messages match kube-apiserver', async () => {
    const cluster = await call(kit, 'GET', `${CFG}/cluster`, { token: dev });
    expect(cluster.status).toBe(403);
    expect(cluster.json).toMatchObject({
      reason: 'Forbidden',
      message: 'configs.imageregistry.operator.openshift.io "cluster" is forbidden: User "developer" cannot get resource "configs" in API group "imageregistry.operator.openshift.io" at the cluster scope',
      details: { name: 'cluster', group: 'imageregistry.operator.openshift.io', kind: 'configs' },
    });
    const ns = await call(kit, 'GET', '/api/v1/namespaces/default/pods/x/log', { token: dev });
    expect(ns.json.message).toBe('pods "x" is forbidden: User "developer" cannot get resource "pods/log" in API group "" in the namespace "default"');
  });

  it('access reviews use the authorizer', async () => {
    const ssar = await call(kit, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token: dev, body: { spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } } });
    expect(ssar.json.status.allowed).toBe(false);
    const sar = await call(kit, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { token: admin, body: { spec: { user: 'kube:admin', resourceAttributes: { verb: 'delete', resource: 'nodes' } } } });
    expect(sar.json.status.allowed).toBe(true);
    const tr = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { token: admin, body: { spec: { token: dev } } });
    expect(tr.json.status).toMatchObject({ authenticated: true, user: { username: 'developer' } });
  });

  it('watch streams events and resumes from a resourceVersion', async () => {
    const list = await call(kit, 'GET', `${CM}?labelSelector=w%3D1`, { token: admin });
    const rv = list.json.metadata.resourceVersion;
    await call(kit, 'POST', CM, { token: admin, body: { metadata: { name: 'w1', labels: { w: '1' } } } });
    const w = await stream(kit, `${CM}?watch=true&labelSelector=w%3D1&resourceVersion=${rv}&timeoutSeconds=10`, admin);
    expect(w.status).toBe(200);
    await waitFor(() => w.lines.length >= 1);
    await call(kit, 'PATCH', `${CM}/w1`, { token: admin, contentType: 'application/merge-patch+json', body: { data: { a: 'b' } } });
    await call(kit, 'POST', CM, { token: admin, body: { metadata: { name: 'other' } } });
    await call(kit, 'DELETE', `${CM}/w1`, { token: admin });
    await waitFor(() => w.lines.length >= 3);
    const events = w.lines.map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    w.close();
    // /watch/ path form with a name, ends at timeoutSeconds.
    const single = await stream(kit, '/apis/imageregistry.operator.openshift.io/v1/watch/configs/cluster?timeoutSeconds=1', admin);
    await single.ended;
    expect(single.lines.map((l) => JSON.parse(l).type)).toEqual(['ADDED']);
  });

  it('finalizers, routes host allocation, token requests, imagestreamtags', async () => {
    await call(kit, 'POST', CM, { token: admin, body: { metadata: { name: 'fin', finalizers: ['x/y'] } } });
    const del = await call(kit, 'DELETE', `${CM}/fin`, { token: admin });
    expect(del.json.metadata.deletionTimestamp).toBeTruthy();
    await call(kit, 'PATCH', `${CM}/fin`, { token: admin, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    expect((await call(kit, 'GET', `${CM}/fin`, { token: admin })).status).toBe(404);

    const route = await call(kit, 'POST', '/apis/route.openshift.io/v1/namespaces/default/routes', { token: admin, body: { apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: { name: 'my.app' }, spec: { to: { kind: 'Service', name: 'web' } } } });
    expect(route.status).toBe(201);
    expect(route.json.spec.host).toBe('my-app-default.apps.sandbox.example.com');

    const noSa = await call(kit, 'POST', '/api/v1/namespaces/default/serviceaccounts/bot/token', { token: admin, body: { spec: { expirationSeconds: 3600 } } });
    expect(noSa.json.message).toBe('serviceaccounts "bot" not found');
    await call(kit, 'POST', '/api/v1/namespaces/default/serviceaccounts', { token: admin, body: { metadata: { name: 'bot' } } });
    const tr = await call(kit, 'POST', '/api/v1/namespaces/default/serviceaccounts/bot/token', { token: admin, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
    expect(tr.status).toBe(201);
    expect(tr.json.status.expirationTimestamp).toMatch(/Z$/);
    const ssr = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: tr.json.status.token, body: {} });
    expect(ssr.json.status.userInfo).toMatchObject({ username: 'system:serviceaccount:default:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });

    kit.store.create('config.openshift.io/images', { metadata: { name: 'cluster' }, spec: {}, status: { internalRegistryHostname: 'image-registry.openshift-image-registry.svc:5000' } });
    kit.store.create('image.openshift.io/imagestreams', {
      metadata: { name: 'app', namespace: 'default' },
      spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: 'quay.io/x/app:v1' } }] },
      status: { tags: [{ tag: 'v1', items: [{ image: 'sha256:abc', dockerImageReference: 'quay.io/x/app@sha256:abc', created: '2024-01-01T00:00:00Z', generation: 1 }] }] },
    });
    const is = await call(kit, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreams/app', { token: admin });
    expect(is.json.status.dockerImageRepository).toBe('image-registry.openshift-image-registry.svc:5000/default/app');
    const ist = await call(kit, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreamtags/app:v1', { token: admin });
    expect(ist.json).toMatchObject({ kind: 'ImageStreamTag', metadata: { name: 'app:v1' }, image: { metadata: { name: 'sha256:abc' } } });
    const istList = await call(kit, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreamtags', { token: admin });
    expect(istList.json.items.map((i: any) => i.metadata.name)).toEqual(['app:v1']);
    expect((await call(kit, 'DELETE', '/apis/image.openshift.io/v1/namespaces/default/imagestreamtags/app:v1', { token: admin })).json.status).toBe('Success');
    expect((await call(kit, 'GET', '/apis/image.openshift.io/v1/namespaces/default/imagestreamtags/app:v1', { token: admin })).json.message).toBe('imagestreamtags.image.openshift.io "app:v1" not found');
    const isi = await call(kit, 'POST', '/apis/image.openshift.io/v1/namespaces/default/imagestreamimports', { token: admin, body: { metadata: { name: 'app' }, spec: { images: [{ from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } }] } } });
    expect(isi.status).toBe(501);
  });
});

describe('more REST semantics', () => {
  it('CR updates need a resourceVersion; watch from a compacted version reports 410 Expired', async () => {
    const cur = await call(kit, 'GET', `${CFG}/cluster`, { token: admin });
    const { resourceVersion: _rv, ...meta } = cur.json.metadata;
    const noRv = await call(kit, 'PUT', `${CFG}/cluster`, { token: admin, body: { ...cur.json, metadata: meta } });
    expect(noRv.status).toBe(422);
    expect(noRv.json.message).toBe('configs.imageregistry.operator.openshift.io "cluster" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    const ok = await call(kit, 'PUT', `${CFG}/cluster`, { token: admin, body: { ...cur.json, spec: { ...cur.json.spec, logLevel: 'Debug' } } });
    expect(ok.status).toBe(200);
    // Push more than the history window (1000 events) so resourceVersion 1 is compacted.
    for (let i = 0; i < 1005; i++) kit.store.update('/namespaces', { ...kit.store.get('/namespaces', undefined, 'default')!, metadata: { ...kit.store.get('/namespaces', undefined, 'default')!.metadata, labels: { i: String(i) } } });
    const w = await stream(kit, `${CM}?watch=true&resourceVersion=1`, admin);
    await w.ended;
    const ev = JSON.parse(w.lines[0]!);
    expect(ev).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('projects are a view of namespaces filtered by access', async () => {
    kit.store.create('/namespaces', { metadata: { name: 'devproj' } });
    kit.store.create('rbac.authorization.k8s.io/rolebindings', {
      metadata: { name: 'admin', namespace: 'devproj' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'developer' }],
    });
    const mine = await call(kit, 'GET', '/apis/project.openshift.io/v1/projects', { token: dev });
    expect(mine.json.items.map((p: any) => p.metadata.name)).toEqual(['devproj']);
    const one = await call(kit, 'GET', '/apis/project.openshift.io/v1/projects/devproj', { token: dev });
    expect(one.json).toMatchObject({ kind: 'Project', metadata: { name: 'devproj' }, status: { phase: 'Active' } });
    expect((await call(kit, 'GET', '/apis/project.openshift.io/v1/projects/default', { token: dev })).status).toBe(403);
    const all = await call(kit, 'GET', '/apis/project.openshift.io/v1/projects', { token: admin });
    expect(all.json.items.length).toBeGreaterThan(2);
  });
});

describe('pod logs', () => {
  it('reads, tails, timestamps, requires a container and follows', async () => {
    kit.store.create('/pods', { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'main' }, { name: 'side' }] } });
    const t0 = new Date('2024-01-02T03:04:05.120Z');
    kit.store.logs.append('default', 'p', 'main', 'one', t0);
    kit.store.logs.append('default', 'p', 'main', 'two', new Date('2024-01-02T03:04:06Z'));
    const noC = await call(kit, 'GET', '/api/v1/namespaces/default/pods/p/log', { token: admin });
    expect([noC.status, noC.json.message]).toEqual([400, 'a container name must be specified for pod p, choose one of: [main side]']);
    const all = await call(kit, 'GET', '/api/v1/namespaces/default/pods/p/log?container=main&timestamps=true', { token: admin });
    expect(all.text).toBe('2024-01-02T03:04:05.120000000Z one\n2024-01-02T03:04:06.000000000Z two\n');
    const tail = await call(kit, 'GET', '/api/v1/namespaces/default/pods/p/log?container=main&tailLines=1', { token: admin });
    expect(tail.text).toBe('two\n');
    const since = await call(kit, 'GET', '/api/v1/namespaces/default/pods/p/log?container=main&sinceTime=2024-01-02T03:04:06Z', { token: admin });
    expect(since.text).toBe('two\n');
    const prev = await call(kit, 'GET', '/api/v1/namespaces/default/pods/p/log?container=main&previous=true', { token: admin });
    expect(prev.json.message).toBe('previous terminated container "main" in pod "p" not found');

    const f = await stream(kit, '/api/v1/namespaces/default/pods/p/log?container=main&follow=true&tailLines=1', admin);
    await waitFor(() => f.lines.length === 1);
    kit.store.logs.append('default', 'p', 'main', 'three');
    await waitFor(() => f.lines.length === 2);
    kit.store.delete('/pods', 'default', 'p');
    await f.ended;
    expect(f.lines).toEqual(['two', 'three']);
  });
});

describe('faults', () => {
  it('conflictNextWrites, errorRate, latency and down', async () => {
    kit.faults.conflictNextWrites = 1;
    const c = await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/merge-patch+json', body: { spec: { logLevel: 'Trace' } } });
    expect(c.status).toBe(409);
    expect((await call(kit, 'PATCH', `${CFG}/cluster`, { token: admin, contentType: 'application/merge-patch+json', body: { spec: { logLevel: 'Trace' } } })).status).toBe(200);
    kit.faults.errorRate = 1;
    const e = await call(kit, 'GET', `${CFG}/cluster`, { token: admin });
    expect([500, 503]).toContain(e.status);
    expect(e.json.kind).toBe('Status');
    kit.faults.errorRate = 0;
    kit.faults.down = true;
    await new Promise((r) => setTimeout(r, 100));
    await expect(call(kit, 'GET', '/healthz')).rejects.toThrow();
    kit.faults.down = false;
    await waitFor(() => true);
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = await call(kit, 'GET', '/healthz').then((r) => r.status === 200, () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 20));
    }
    expect(ok).toBe(true);
  });
});
