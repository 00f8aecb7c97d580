// ImageStreamTag writes as openshift-apiserver's imagestreamtag REST and image stream strategy answer them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { KUBECTL, kubectlFor } from './kubectl-kit.ts';
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

describe('dryRun=All on ImageStreamTag writes (release-4.17: the stream write carries it)', () => {
  it('PUT and POST answer as they would, and write nothing: no new stream, no new tag, same resourceVersion', async () => {
    const before = get('team', 'app');
    const put = await call(kit, 'PUT', `${BASE}/team/imagestreamtags/app:dry?dryRun=All`, { token: admin, body: istag('app:dry', { name: 'dry', from: { kind: 'ImageStreamTag', name: 'v1' } }) });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ kind: 'ImageStreamTag', metadata: { name: 'app:dry', namespace: 'team', resourceVersion: before.metadata.resourceVersion }, tag: { name: 'dry' } });
    expect(get('team', 'app')).toEqual(before);
    const post = await call(kit, 'POST', `${BASE}/team/imagestreamtags?dryRun=All`, { token: admin, body: istag('fresh:v1', { name: 'v1', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } }) });
    expect(post.status).toBe(201);
    expect(post.json).toMatchObject({ kind: 'ImageStreamTag', metadata: { name: 'fresh:v1', namespace: 'team' }, tag: { name: 'v1', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } } });
    expect(get('team', 'fresh')).toBeUndefined();
  });
});

describe('dryRun=All on ImageStreamTag writes in 4.14 (release-4.14 writes the stream without the request options)', () => {
  it('a dry-run PUT really tags and a dry-run DELETE really deletes', async () => {
    const old = await startKit({ imageStreamTagDryRun: false });
    try {
      old.store.create('/namespaces', { metadata: { name: 'team' } });
      const put = await call(old, 'PUT', `${BASE}/team/imagestreamtags/app:dry?dryRun=All`, { token: old.adminToken, body: istag('app:dry', { name: 'dry', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } }) });
      expect(put.status).toBe(201);
      const spec = () => ((old.store.get(IS, 'team', 'app') as any)?.spec?.tags ?? []).map((t: any) => t.name);
      expect(spec()).toEqual(['dry']);
      const del = await call(old, 'DELETE', `${BASE}/team/imagestreamtags/app:dry?dryRun=All`, { token: old.adminToken });
      expect(del.status).toBe(200);
      expect(spec()).toEqual([]);
    } finally {
      await old.close();
    }
  });
});

describe('DELETE imagestreamtags', () => {
  // openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go (release-4.17) Delete, behind kube-apiserver's
  // handlers/delete.go DeleteResource (a DeleteOptions body is read and decoded; without one, the query is).
  const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  const stream = (name: string, tags: string[]) => {
    const s = kit.store.create(IS, { metadata: { name, namespace: 'team' }, spec: { lookupPolicy: { local: false } } });
    const ev = (image: string) => ({ created: '2026-01-01T00:00:00Z', dockerImageReference: `${INTERNAL}/team/${name}@${image}`, image, generation: 1 });
    kit.store.update(IS, { ...s, status: { tags: tags.map((tag) => ({ tag, items: [ev(D1)] })) } }, { subresource: 'status' });
    return s.metadata.uid as string;
  };
  const tags = (name: string) => ((get('team', name).status?.tags ?? []) as any[]).map((t) => t.tag);

  it('honours dryRun=All (query or DeleteOptions body): Success, the tag stays; without it the tag goes', async () => {
    stream('gone', ['x', 'y']);
    const dry = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/gone:x?dryRun=All`, { token: admin });
    expect([dry.status, dry.json]).toEqual([200, SUCCESS]);
    const dryBody = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/gone:x`, { token: admin, body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
    expect([dryBody.status, dryBody.json]).toEqual([200, SUCCESS]);
    expect(tags('gone')).toEqual(['x', 'y']);
    const real = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/gone:x`, { token: admin });
    expect([real.status, real.json]).toEqual([200, SUCCESS]);
    expect(tags('gone')).toEqual(['y']);
  });

  it('reads a DeleteOptions body: propagationPolicy is accepted, a UID precondition is checked against the stream, a resourceVersion one is not', async () => {
    const uid = stream('opts', ['a', 'b', 'c']);
    const bg = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/opts:a`, { token: admin, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    expect([bg.status, bg.json]).toEqual([200, SUCCESS]);
    expect(tags('opts')).toEqual(['b', 'c']);

    const wrongUid = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/opts:b`, { token: admin, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.json).toMatchObject({
      reason: 'Conflict', code: 409,
      message: 'Operation cannot be fulfilled on imagestreamtags.image.openshift.io "opts:b": the UID precondition was not met',
      details: { name: 'opts:b', group: 'image.openshift.io', kind: 'imagestreamtags' },
    });
    expect(tags('opts')).toEqual(['b', 'c']);

    const rightUid = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/opts:b`, { token: admin, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid, resourceVersion: '1' } } });
    expect([rightUid.status, rightUid.json]).toEqual([200, SUCCESS]);
    expect(tags('opts')).toEqual(['c']);
  });

  it('a missing stream is NotFound under imagestreamtags with the stream\'s name; a missing tag with the tag\'s; a name without one colon is BadRequest', async () => {
    const noStream = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/nosuch:a`, { token: admin, body: { kind: 'DeleteOptions', apiVersion: 'v1' } });
    expect([noStream.status, noStream.json.message, noStream.json.details]).toEqual([404, 'imagestreamtags.image.openshift.io "nosuch" not found', { name: 'nosuch', group: 'image.openshift.io', kind: 'imagestreamtags' }]);
    stream('one', ['a']);
    const noTag = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/one:zz`, { token: admin });
    expect([noTag.status, noTag.json.message]).toEqual([404, 'imagestreamtags.image.openshift.io "one:zz" not found']);
    const bad = await call(kit, 'DELETE', `${BASE}/team/imagestreamtags/one`, { token: admin });
    expect([bad.status, bad.json.message]).toEqual([400, 'ImageStreamTags must be retrieved with <name>:<tag>']);
  });
});

describe.skipIf(!existsSync(KUBECTL))('kubectl delete imagestreamtag (a DeleteOptions body over HTTP/2)', () => {
  it('deletes the tag and says so; --dry-run=server leaves it', async () => {
    const kc = kubectlFor(kit);
    try {
      const s = kit.store.create(IS, { metadata: { name: 'kc', namespace: 'team' }, spec: { lookupPolicy: { local: false } } });
      const ev = { created: '2026-01-01T00:00:00Z', dockerImageReference: `${INTERNAL}/team/kc@${D1}`, image: D1, generation: 1 };
      kit.store.update(IS, { ...s, status: { tags: [{ tag: 'a', items: [ev] }, { tag: 'b', items: [ev] }] } }, { subresource: 'status' });
      const tagsNow = () => ((get('team', 'kc').status?.tags ?? []) as any[]).map((t) => t.tag);
      const dry = await kc.run('delete', 'imagestreamtag', 'kc:a', '-n', 'team', '--dry-run=server');
      expect([dry.code, dry.stderr, dry.stdout.trim()]).toEqual([0, '', 'imagestreamtag.image.openshift.io "kc:a" deleted (server dry run)']);
      expect(tagsNow()).toEqual(['a', 'b']);
      const del = await kc.run('delete', 'imagestreamtag', 'kc:a', '-n', 'team', '-v=8');
      expect(del.code, del.stderr).toBe(0);
      expect(del.stdout.trim()).toBe('imagestreamtag.image.openshift.io "kc:a" deleted');
      expect(del.stderr).toMatch(/Request Body: \{"propagationPolicy":"Background"\}/);
      expect(tagsNow()).toEqual(['b']);
    } finally {
      kc.close();
    }
  });
});
