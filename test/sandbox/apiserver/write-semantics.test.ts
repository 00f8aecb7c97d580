// kube-apiserver's generic write handling that a client can notice (handlers/{create,update,patch,delete}.go,
// registry/generic/registry/store.go, etcd3/store.go, meta/v1/validation): request options checked before anything
// else, resourceVersion on create, name/namespace of a patched or PUT object, the resourceVersion a patch leaves,
// the DELETE status of a finalized object, DeleteCollection's body, ServiceAccount.imagePullSecrets under a strategic
// merge patch. Every refused write leaves the store unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CONFIG_KEY, registryConfig, startKit, stream, waitFor, type Kit } from './testkit.ts';

const CFG = '/apis/imageregistry.operator.openshift.io/v1/configs/cluster';
const CMS = '/api/v1/namespaces/default/configmaps';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

let kit: Kit;
let admin: string;
const cm = (name: string) => kit.store.get('/configmaps', 'default', name) as any;
const cfg = () => kit.store.get(CONFIG_KEY, undefined, 'cluster') as any;

beforeAll(async () => {
  kit = await startKit();
  admin = kit.adminToken;
  kit.store.create(CONFIG_KEY, registryConfig());
  kit.store.create('/configmaps', { metadata: { name: 'one', namespace: 'default' }, data: { a: '1' } });
});
afterAll(async () => {
  await kit.close();
});

describe('request options (meta/v1 validation, before the object is looked at)', () => {
  const unsupportedDryRun = (kind: string, v = 'true') => `${kind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"${v}"}: supported values: "All"`;

  it('a dryRun other than All is 422 on every write and writes nothing', async () => {
    const before = cm('one').metadata.resourceVersion;
    const post = await call(kit, 'POST', `${CMS}?dryRun=true`, { token: admin, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } } });
    expect(post.status).toBe(422);
    expect(post.json).toMatchObject({ reason: 'Invalid', message: unsupportedDryRun('CreateOptions'), details: { group: 'meta.k8s.io', kind: 'CreateOptions', causes: [{ reason: 'FieldValueNotSupported', field: 'dryRun' }] } });
    expect(cm('two')).toBeUndefined();
    const put = await call(kit, 'PUT', `${CMS}/one?dryRun=server`, { token: admin, body: { ...cm('one'), data: { a: '2' } } });
    expect(put.status).toBe(422);
    expect(put.json.message).toBe(unsupportedDryRun('UpdateOptions', 'server'));
    const patch = await call(kit, 'PATCH', `${CMS}/one?dryRun=true`, { token: admin, contentType: MERGE, body: { data: { a: '3' } } });
    expect(patch.status).toBe(422);
    expect(patch.json.message).toBe(unsupportedDryRun('PatchOptions'));
    // Checked before the object: a missing one is still 422, not 404.
    expect((await call(kit, 'PATCH', `${CMS}/nope?dryRun=true`, { token: admin, contentType: MERGE, body: {} })).status).toBe(422);
    const del = await call(kit, 'DELETE', `${CMS}/one?dryRun=true`, { token: admin });
    expect(del.status).toBe(422);
    expect(del.json.message).toBe(unsupportedDryRun('DeleteOptions'));
    const delBody = await call(kit, 'DELETE', `${CMS}/one`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['true'] } });
    expect(delBody.status).toBe(422);
    expect(cm('one').metadata.resourceVersion).toBe(before);
    expect(cm('one').data).toEqual({ a: '1' });
  });

  it('force only with apply (any value means true there); fieldManager at most 128 bytes, printable', async () => {
    const before = cfg().metadata.resourceVersion;
    const forced = await call(kit, 'PATCH', `${CFG}?force=false`, { token: admin, contentType: MERGE, body: { spec: { logLevel: 'Debug' } } });
    expect(forced.status).toBe(422);
    expect(forced.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const long = await call(kit, 'PATCH', `${CFG}?fieldManager=${'m'.repeat(129)}`, { token: admin, contentType: MERGE, body: { spec: { logLevel: 'Debug' } } });
    expect(long.status).toBe(422);
    expect(long.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: must have at most 128 bytes');
    const both = await call(kit, 'PATCH', `${CFG}?force=true&dryRun=x`, { token: admin, contentType: JSON_PATCH, body: [] });
    expect(both.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: [force: Forbidden: may not be specified for non-apply patch, dryRun: Unsupported value: []string{"x"}: supported values: "All"]');
    const ctl = await call(kit, 'PUT', `${CFG}?fieldManager=a%01b`, { token: admin, body: cfg() });
    expect(ctl.json.message).toBe('UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0001b": invalid character U+0001 (at position 1)');
    expect(cfg().metadata.resourceVersion).toBe(before);
    // Apply: force=1 forces (Convert_Slice_string_To_Pointer_bool), taking the field from the manager that set it.
    const config = 'apiVersion: imageregistry.operator.openshift.io/v1\nkind: Config\nmetadata:\n  name: cluster\nspec:\n  logLevel: TraceAll\n';
    expect((await call(kit, 'PATCH', `${CFG}?fieldManager=second`, { token: admin, contentType: APPLY, body: config })).status).toBe(409);
    expect(cfg().metadata.resourceVersion).toBe(before);
    expect((await call(kit, 'PATCH', `${CFG}?fieldManager=second&force=1`, { token: admin, contentType: APPLY, body: config })).status).toBe(200);
    expect(cfg().spec.logLevel).toBe('TraceAll');
  });
});

describe('resourceVersion on create (etcd3 store.go Create)', () => {
  it('a set resourceVersion is a 500 without a reason and creates nothing; a dry run, "" and "0" pass', async () => {
    const body = (rv: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'copied', resourceVersion: rv }, data: { k: 'v' } });
    const r = await call(kit, 'POST', CMS, { token: admin, body: body('42') });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'resourceVersion should not be set on objects to be created', code: 500 });
    expect(cm('copied')).toBeUndefined();
    expect((await call(kit, 'POST', `${CMS}?dryRun=All`, { token: admin, body: body('42') })).status).toBe(201);
    expect(cm('copied')).toBeUndefined();
    const zero = await call(kit, 'POST', CMS, { token: admin, body: body('0') });
    expect(zero.status).toBe(201);
    expect(zero.json.metadata.resourceVersion).not.toBe('0');
  });
});

describe('dry-run create', () => {
  it('validates the name as a real create does (422), and stores nothing', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } };
    const dry = await call(kit, 'POST', `${CMS}?dryRun=All`, { token: admin, body });
    const real = await call(kit, 'POST', CMS, { token: admin, body });
    expect(dry.status).toBe(422);
    expect(dry.json).toEqual(real.json);
    expect(dry.json.message).toMatch(/^ConfigMap "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/);
    expect(kit.store.list('/configmaps', 'default').items.map((o) => o.metadata.name)).not.toContain('Not_Valid');
  });
});

describe('the object a PUT or a patch writes', () => {
  it('a patch may not change or drop the name or the namespace (400), nothing changes', async () => {
    const before = cm('one');
    const renamed = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: MERGE, body: { metadata: { name: 'other' }, data: { a: 'x' } } });
    expect(renamed.status).toBe(400);
    expect(renamed.json.message).toBe('the name of the object (other) does not match the name on the URL (one)');
    const dropped = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'remove', path: '/metadata/name' }] });
    expect(dropped.status).toBe(400);
    expect(dropped.json.message).toBe('the name of the object () does not match the name on the URL (one)');
    const moved = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: SMP, body: { metadata: { namespace: 'kube-system' } } });
    expect(moved.status).toBe(400);
    expect(moved.json.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    expect(cm('one')).toEqual(before);
    expect(cm('other')).toBeUndefined();
  });

  it('a PUT without metadata.name does not match the URL (400, before the 404 of a missing object)', async () => {
    const { name: _n, ...meta } = cm('one').metadata;
    const r = await call(kit, 'PUT', `${CMS}/one`, { token: admin, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: 'y' } } });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('the name of the object () does not match the name on the URL (one)');
    expect((await call(kit, 'PUT', `${CMS}/missing`, { token: admin, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } } })).status).toBe(400);
    expect(cm('one').data).toEqual({ a: '1' });
  });

  it("a patch's resourceVersion is the precondition: a stale one conflicts, none is unconditional except on custom resources", async () => {
    const stale = String(Number(cm('one').metadata.resourceVersion) - 1);
    const r = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'replace', path: '/metadata/resourceVersion', value: stale }, { op: 'replace', path: '/data/a', value: 'stale' }] });
    expect(r.status).toBe(409);
    expect(cm('one').data).toEqual({ a: '1' });
    const nulled = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: MERGE, body: { metadata: { resourceVersion: null }, data: { a: 'free' } } });
    expect(nulled.status).toBe(200);
    expect(cm('one').data).toEqual({ a: 'free' });
    const rv = cfg().metadata.resourceVersion;
    const cr = await call(kit, 'PATCH', CFG, { token: admin, contentType: JSON_PATCH, body: [{ op: 'remove', path: '/metadata/resourceVersion' }, { op: 'replace', path: '/spec/logLevel', value: 'Normal' }] });
    expect(cr.status).toBe(422);
    expect(cr.json.message).toBe('configs.imageregistry.operator.openshift.io "cluster" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    expect(cfg().metadata.resourceVersion).toBe(rv);
  });

  it('a different metadata.uid is immutable (422) once the resourceVersion matched; none keeps the stored one', async () => {
    const cur = cm('one');
    const r = await call(kit, 'PATCH', `${CMS}/one`, { token: admin, contentType: MERGE, body: { metadata: { uid: 'not-the-uid' }, data: { a: 'u' } } });
    expect(r.status).toBe(422);
    expect(r.json.message).toBe('ConfigMap "one" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable');
    const { uid: _u, ...meta } = cur.metadata;
    const put = await call(kit, 'PUT', `${CMS}/one`, { token: admin, body: { ...cur, metadata: meta, data: { a: 'no-uid' } } });
    expect(put.status).toBe(200);
    expect(cm('one').metadata.uid).toBe(cur.metadata.uid);
  });
});

describe('a custom resource with a status subresource', () => {
  it('/status writes only status (spec and labels ignored); the main resource ignores status, dry run included', async () => {
    const before = cfg();
    kit.store.update(CONFIG_KEY, { ...before, status: { readyReplicas: 1, storage: { emptyDir: {} }, storageManaged: false } }, { subresource: 'status' });
    const viaStatus = await call(kit, 'PATCH', `${CFG}/status`, { token: admin, contentType: MERGE, body: { metadata: { labels: { via: 'status' } }, spec: { logLevel: 'Trace' }, status: { readyReplicas: 2 } } });
    expect(viaStatus.status).toBe(200);
    expect(cfg().status.readyReplicas).toBe(2);
    expect(cfg().spec.logLevel).toBe(before.spec.logLevel);
    expect(cfg().metadata.labels?.via).toBeUndefined();
    const dry = await call(kit, 'PATCH', `${CFG}?dryRun=All`, { token: admin, contentType: MERGE, body: { spec: { logLevel: 'Trace' }, status: { readyReplicas: 9 } } });
    expect(dry.json.spec.logLevel).toBe('Trace');
    expect(dry.json.status.readyReplicas).toBe(2);
    const main = await call(kit, 'PATCH', CFG, { token: admin, contentType: MERGE, body: { spec: { logLevel: 'Trace' }, status: { readyReplicas: 9 } } });
    expect(main.json.status.readyReplicas).toBe(2);
    expect(cfg().spec.logLevel).toBe('Trace');
    expect(cfg().status.readyReplicas).toBe(2);
  });
});

describe('deletes', () => {
  it('an object its finalizers keep is answered 200 (202 only with orphanDependents=false)', async () => {
    kit.store.create('/configmaps', { metadata: { name: 'kept', namespace: 'default', finalizers: ['example.com/hold'] } });
    const r = await call(kit, 'DELETE', `${CMS}/kept`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.json.metadata.deletionTimestamp).toBeTruthy();
    const again = await call(kit, 'DELETE', `${CMS}/kept`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', orphanDependents: false } });
    expect(again.status).toBe(202);
  });

  it('a finished delete of a ConfigMap, a Secret or a custom resource answers a Status, not the object (dry run too)', async () => {
    kit.store.create('/configmaps', { metadata: { name: 'gone', namespace: 'default' } });
    const uid = cm('gone').metadata.uid;
    const dry = await call(kit, 'DELETE', `${CMS}/gone?dryRun=All`, { token: admin });
    expect(dry.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'gone', kind: 'configmaps', uid } });
    expect(cm('gone')).toBeTruthy();
    const r = await call(kit, 'DELETE', `${CMS}/gone`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'gone', kind: 'configmaps', uid } });
    expect(cm('gone')).toBeUndefined();
    kit.store.create('imageregistry.operator.openshift.io/imagepruners', { metadata: { name: 'cluster' }, spec: {} });
    const pr = await call(kit, 'DELETE', '/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster', { token: admin });
    expect(pr.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'cluster', group: 'imageregistry.operator.openshift.io', kind: 'imagepruners' } });
    kit.store.create('rbac.authorization.k8s.io/rolebindings', { metadata: { name: 'rb', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [] });
    const rb = await call(kit, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/rb', { token: admin });
    expect(rb.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'rb', group: 'rbac.authorization.k8s.io', kind: 'rolebindings' } });
  });

  it('DeleteCollection takes its DeleteOptions from the body: dryRun there deletes nothing', async () => {
    kit.store.create('/configmaps', { metadata: { name: 'batch-a', namespace: 'default', labels: { batch: 'x' } } });
    const r = await call(kit, 'DELETE', `${CMS}?labelSelector=batch%3Dx`, { token: admin, body: { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] } });
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: any) => i.metadata.name)).toEqual(['batch-a']);
    expect(cm('batch-a')).toBeTruthy();
  });
});

describe('strategic merge patch of a ServiceAccount', () => {
  it('imagePullSecrets is atomic (replaced), secrets merge by name', async () => {
    kit.store.create('/serviceaccounts', { metadata: { name: 'builder', namespace: 'default' }, secrets: [{ name: 's1' }], imagePullSecrets: [{ name: 'p1' }, { name: 'p2' }] });
    const r = await call(kit, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/builder', { token: admin, contentType: SMP, body: { secrets: [{ name: 's2' }], imagePullSecrets: [{ name: 'p3' }] } });
    expect(r.status).toBe(200);
    const sa = kit.store.get('/serviceaccounts', 'default', 'builder') as any;
    expect(sa.imagePullSecrets).toEqual([{ name: 'p3' }]);
    expect(sa.secrets).toEqual([{ name: 's1' }, { name: 's2' }]);
  });
});

describe('a watch with a label selector', () => {
  it('an object that leaves the selection is DELETED (previous content, new resourceVersion), one that enters it ADDED', async () => {
    const w = await stream(kit, `${CMS}?watch=true&labelSelector=${encodeURIComponent('watch=me')}`, admin);
    try {
      expect(w.status).toBe(200);
      const put = (labels: Record<string, string>, data: Record<string, string>) => {
        const cur = cm('watched');
        return kit.store.update('/configmaps', { ...cur, metadata: { ...cur.metadata, labels }, data });
      };
      kit.store.create('/configmaps', { metadata: { name: 'watched', namespace: 'default', labels: { watch: 'me' } }, data: { n: '1' } });
      put({ watch: 'me' }, { n: '2' });
      const left = put({ watch: 'not-me' }, { n: '3' });
      put({ watch: 'not-me' }, { n: '4' });
      put({ watch: 'me' }, { n: '5' });
      await waitFor(() => w.lines.length >= 4);
      const events = w.lines.map((l) => JSON.parse(l));
      expect(events.map((e) => `${e.type} ${e.object.data.n}`)).toEqual(['ADDED 1', 'MODIFIED 2', 'DELETED 2', 'ADDED 5']);
      expect(events[2].object.metadata.resourceVersion).toBe(left.metadata.resourceVersion);
      expect(events[2].object.metadata.labels).toEqual({ watch: 'me' });
    } finally {
      w.close();
    }
  });
});
