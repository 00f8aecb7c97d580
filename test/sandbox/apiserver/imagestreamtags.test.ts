// ImageStreamTag writes as openshift-apiserver's imagestreamtag REST and image stream strategy answer them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';

const IS = 'image.openshift.io/imagestreams';
const BASE = '/apis/image.openshift.io/v1/namespaces';
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';
const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

let kit: Kit;
let admin: string;
let dev: string;
const istag = (name: string, tag: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name, ...extra }, tag });
const get = (ns: string, name: string) => kit.store.get(IS, ns, name) as any;

beforeAll(async () => {
  kit = await startKit();
  admin = kit.adminToken;
  dev = kit.auth.issueToken('developer');
  for (const ns of ['team', 'dev']) kit.store.create('/namespaces', { metadata: { name: ns } });
  kit.store.create('rbac.authorization.k8s.io/rolebindings', {
    metadata: { name: 'dev-edit', namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-editor' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'developer' }],
  });
  kit.store.create('config.openshift.io/images', { metadata: { name: 'cluster' }, spec: {}, status: { internalRegistryHostname: INTERNAL } });
  const app = kit.store.create(IS, { metadata: { name: 'app', namespace: 'team' }, spec: { lookupPolicy: { local: false } } });
  kit.store.update(IS, { ...app, status: { tags: [{ tag: 'v1', items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `${INTERNAL}/team/app@${D1}`, image: D1, generation: 1 }] }] } }, { subresource: 'status' });
});
afterAll(async () => {
  await kit.close();
});

describe('POST/PUT imagestreamtags', () => {
  it('PUT creates the stream and the tag, resolving an ImageStreamImage of another project into this stream', async () => {
    const r = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:v1`, { token: admin, body: istag('app:v1', { name: 'v1', from: { kind: 'ImageStreamImage', name: `app@${D1}`, namespace: 'team' } }) });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ kind: 'ImageStreamTag', metadata: { name: 'app:v1', namespace: 'dev' }, tag: { name: 'v1', generation: 1 } });
    const s = get('dev', 'app');
    expect(s.spec.tags[0]).toMatchObject({ name: 'v1', from: { kind: 'ImageStreamImage', name: `app@${D1}`, namespace: 'team' }, generation: 1 });
    expect(s.status.tags[0].items[0]).toMatchObject({ image: D1, dockerImageReference: `${INTERNAL}/dev/app@${D1}`, generation: 1 });
    const again = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:v1`, { token: admin, body: istag('app:v1', { name: 'v1', from: { kind: 'ImageStreamImage', name: `app@${D1}`, namespace: 'team' } }) });
    expect(again.status).toBe(200);
  });

  it('POST of an existing spec tag is AlreadyExists; PUT with a stale resourceVersion is a Conflict; PUT without tag of a non-spec tag is BadRequest', async () => {
    const dup = await call(kit, 'POST', `${BASE}/dev/imagestreamtags`, { token: admin, body: istag('app:v1', { name: 'v1', from: { kind: 'ImageStreamTag', name: 'v1' } }) });
    expect(dup.status).toBe(409);
    expect(dup.json.message).toBe('imagestreamtag.image.openshift.io "app:v1" already exists');
    const stale = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:v1`, { token: admin, body: istag('app:v1', { name: 'v1' }, { resourceVersion: '1' }) });
    expect(stale.status).toBe(409);
    const none = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:zz`, { token: admin, body: istag('app:zz', null) });
    expect(none.status).toBe(400);
    expect(none.json.message).toBe('imagestreamtag zz is not a spec tag in imagestream dev/app, cannot be updated');
  });

  it('an alias follows its source (UpdateTrackingTags); an unknown image is Invalid', async () => {
    const r = await call(kit, 'POST', `${BASE}/dev/imagestreamtags`, { token: admin, body: istag('app:latest', { name: 'latest', from: { kind: 'ImageStreamTag', name: 'app:v1' } }) });
    expect(r.status).toBe(201);
    expect(r.json.image.metadata.name).toBe(D1);
    kit.store.create('image.openshift.io/images', { metadata: { name: D2 }, dockerImageReference: `${INTERNAL}/team/app@${D2}` });
    kit.store.update(IS, { ...get('team', 'app'), status: { tags: [{ tag: 'v1', items: [{ created: '2026-01-02T00:00:00Z', dockerImageReference: `${INTERNAL}/team/app@${D2}`, image: D2, generation: 1 }, ...get('team', 'app').status.tags[0].items] }] } }, { subresource: 'status' });
    await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:v1`, { token: admin, body: istag('app:v1', { name: 'v1', from: { kind: 'ImageStreamImage', name: `app@${D2}`, namespace: 'team' } }) });
    const tags = Object.fromEntries(get('dev', 'app').status.tags.map((t: any) => [t.tag, t.items[0].image]));
    expect(tags).toEqual({ latest: D2, v1: D2 });
    const bad = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:x`, { token: admin, body: istag('app:x', { name: 'x', from: { kind: 'ImageStreamImage', name: `app@sha256:${'9'.repeat(64)}`, namespace: 'team' } }) });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toMatch(/spec\.tags\[x\]\.from\.name: .*imagestreamimage\.image\.openshift\.io "sha256:9+" not found/);
  });

  it('TagVerifier: a source in a project the user may not pull is Forbidden, nothing written', async () => {
    const r = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:stolen`, { token: dev, body: istag('app:stolen', { name: 'stolen', from: { kind: 'ImageStreamImage', name: `app@${D1}`, namespace: 'team' } }) });
    expect(r.status).toBe(422);
    expect(r.json.message).toMatch(/spec\.tags\[stolen\]\.from: Forbidden: team\/app/);
    expect(get('dev', 'app').spec.tags.map((t: any) => t.name)).not.toContain('stolen');
    const own = await call(kit, 'PUT', `${BASE}/dev/imagestreamtags/app:mine`, { token: dev, body: istag('app:mine', { name: 'mine', from: { kind: 'ImageStreamTag', name: 'v1' } }) });
    expect(own.status).toBe(201);
    expect(own.json.image.metadata.name).toBe(D2);
  });
});

describe('DELETE imagestreamtags', () => {
  // openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go Delete.
  it('ignores dryRun: a dryRun=All delete really deletes the tag', async () => {
    const s = kit.store.create(IS, { metadata: { name: 'gone', namespace: 'team' }, spec: { lookupPolicy: { local: false } } });
    const ev = (image: string) => ({ created: '2026-01-01T00:00:00Z', dockerImageReference: `${INTERNAL}/team/gone@${image}`, image, generation: 1 });
    kit.store.update(IS, { ...s, status: { tags: [{ tag: 'x', items: [ev(D1)] }, { tag: 'y', items: [ev(D2)] }] } }, { subresource: 'status' });
    const tags = () => ((get('team', 'gone').status?.tags ?? []) as any[]).map((t) => t.tag);

    const dry = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/gone:x?dryRun=All`, { token: admin });
    expect(dry.status).toBe(200);
    expect(tags()).toEqual(['y']);
  });
});
