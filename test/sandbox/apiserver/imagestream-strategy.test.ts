// ImageStream writes as openshift-apiserver release-4.17 answers them (imagestream-strategy.ts): the status
// subresource keeps the stored spec tags but writes the rest of the request, tag generations, defaults and map
// semantics of spec/status tags, validation of tag references and of new status references, no unconditional
// update, DELETE answered with a Status, and the write options of the computed kinds (ImageStreamTag,
// ImageStreamImport, ImageStreamMapping, TokenRequest) checked before anything else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';

const IS = 'image.openshift.io/imagestreams';
const BASE = '/apis/image.openshift.io/v1/namespaces/team';
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';
const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const D3 = 'sha256:' + '3'.repeat(64);
const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';

let kit: Kit;
let admin: string;
const get = (name: string) => kit.store.get(IS, 'team', name) as any;
const ev = (d: string, generation?: number, stream = 'app') => ({ created: '2026-01-01T00:00:00Z', dockerImageReference: `${INTERNAL}/team/${stream}@${d}`, image: d, ...(generation === undefined ? {} : { generation }) });
const dockerTag = (name: string, from: string, extra: Record<string, unknown> = {}) => ({ name, from: { kind: 'DockerImage', name: from }, ...extra });

/** A stream `name` with spec tags and status history v1: [D2, D1] (newest first, pushed into this stream). */
function seed(name: string) {
  const s = kit.store.create(IS, { metadata: { name, namespace: 'team' }, spec: { lookupPolicy: { local: false }, tags: [dockerTag('v1', 'quay.io/x/y:v1')] } });
  return kit.store.update(IS, { ...s, status: { tags: [{ tag: 'v1', items: [ev(D2, 1, name), ev(D1, 1, name)] }] } }, { subresource: 'status' }) as any;
}

beforeAll(async () => {
  kit = await startKit();
  admin = kit.adminToken;
  kit.store.create('/namespaces', { metadata: { name: 'team' } });
  kit.store.create('/serviceaccounts', { metadata: { name: 'builder', namespace: 'team' } });
  kit.store.create('config.openshift.io/images', { metadata: { name: 'cluster' }, spec: {}, status: { internalRegistryHostname: INTERNAL } });
});
afterAll(async () => {
  await kit.close();
});

describe('PUT imagestreams/status (StatusStrategy)', () => {
  it('drops history entries (what prune writes) and keeps the stored spec tags and generation', async () => {
    const s = seed('prune');
    const body = { ...s, spec: { ...s.spec, tags: [] }, status: { ...s.status, tags: [{ tag: 'v1', items: [ev(D2, 1)] }] } };
    const r = await call(kit, 'PUT', `${BASE}/imagestreams/prune/status`, { token: admin, body });
    expect(r.status).toBe(200);
    expect(r.json.status.tags).toEqual([{ tag: 'v1', items: [ev(D2, 1)] }]);
    expect(r.json.spec.tags.map((t: any) => t.name)).toEqual(['v1']);
    expect(r.json.metadata.generation).toBe(s.metadata.generation);
    expect(get('prune').status.tags[0].items).toHaveLength(1);
    expect(get('prune').spec.tags).toEqual(s.spec.tags);
  });

  it('writes the rest of the request: labels, annotations and spec.lookupPolicy change through status', async () => {
    const s = seed('meta');
    const body = { ...s, metadata: { ...s.metadata, labels: { team: 'a' }, annotations: { note: 'x' } }, spec: { ...s.spec, lookupPolicy: { local: true } } };
    const r = await call(kit, 'PUT', `${BASE}/imagestreams/meta/status`, { token: admin, body });
    expect(r.status).toBe(200);
    expect(get('meta').metadata.labels).toEqual({ team: 'a' });
    expect(get('meta').metadata.annotations).toEqual({ note: 'x' });
    expect(get('meta').spec.lookupPolicy).toEqual({ local: true });
    expect(get('meta').metadata.generation).toBe(s.metadata.generation);
  });

  it('a new latest event without a generation gets one; status tags are a map (last wins, sorted)', async () => {
    const s = seed('gen');
    const tags = [{ tag: 'z', items: [ev(D3)] }, { tag: 'v1', items: [ev(D3), ev(D2, 1)] }, { tag: 'z', items: [ev(D1)] }];
    const r = await call(kit, 'PUT', `${BASE}/imagestreams/gen/status`, { token: admin, body: { ...s, status: { tags } } });
    expect(r.status).toBe(200);
    const stored = get('gen').status.tags;
    expect(stored.map((t: any) => t.tag)).toEqual(['v1', 'z']);
    // v1 changed and has a spec tag: its generation; z has no spec tag: the stream's.
    expect(stored[0].items[0]).toEqual(ev(D3, s.spec.tags[0].generation));
    expect(stored[1].items).toEqual([ev(D1, s.metadata.generation)]);
  });

  it('a new reference that does not parse is 422 and nothing changes; one already stored may stay', async () => {
    const s = seed('bad');
    const bad = { ...s, status: { tags: [{ tag: 'v1', items: [{ ...ev(D3, 1), dockerImageReference: 'Not/A Reference' }, ...s.status.tags[0].items] }] } };
    const r = await call(kit, 'PUT', `${BASE}/imagestreams/bad/status`, { token: admin, body: bad });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ reason: 'Invalid', message: 'ImageStream.image.openshift.io "bad" is invalid: status.tags[v1].items[0].dockerImageReference: Invalid value: "Not/A Reference": invalid reference format', details: { kind: 'ImageStream', causes: [{ field: 'status.tags[v1].items[0].dockerImageReference' }] } });
    expect(get('bad').metadata.resourceVersion).toBe(s.metadata.resourceVersion);
    const empty = await call(kit, 'PUT', `${BASE}/imagestreams/bad/status`, { token: admin, body: { ...s, status: { tags: [{ tag: 'v1', items: [{ ...ev(D3, 1), dockerImageReference: '' }] }] } } });
    expect(empty.status).toBe(422);
    expect(empty.json.message).toContain('repository name must have at least one component');
  });

  it('a different uid is 422 (rest.BeforeUpdate runs for status too)', async () => {
    const s = seed('uid');
    const r = await call(kit, 'PUT', `${BASE}/imagestreams/uid/status`, { token: admin, body: { ...s, metadata: { ...s.metadata, uid: '00000000-0000-0000-0000-000000000000' } } });
    expect(r.status).toBe(422);
    expect(r.json.message).toContain('metadata.uid: Invalid value: "00000000-0000-0000-0000-000000000000": field is immutable');
  });

  it('a stale resourceVersion is 409 before validation; none at all is 422 (no unconditional update)', async () => {
    const s = seed('rv');
    const stale = await call(kit, 'PUT', `${BASE}/imagestreams/rv/status`, { token: admin, body: { ...s, metadata: { ...s.metadata, resourceVersion: '1' }, status: { tags: [{ tag: 'v1', items: [{ ...ev(D3), dockerImageReference: 'BAD REF' }] }] } } });
    expect(stale.status).toBe(409);
    const { resourceVersion: _rv, ...md } = s.metadata;
    const none = await call(kit, 'PUT', `${BASE}/imagestreams/rv/status`, { token: admin, body: { ...s, metadata: md } });
    expect(none.status).toBe(422);
    expect(none.json.message).toBe('imagestreams.image.openshift.io "rv" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    const put = await call(kit, 'PUT', `${BASE}/imagestreams/rv`, { token: admin, body: { ...s, metadata: md } });
    expect(put.status).toBe(422);
    expect(get('rv').metadata.resourceVersion).toBe(s.metadata.resourceVersion);
  });
});

describe('main resource writes (Strategy)', () => {
  it('create drops the status, defaults the tags, sorts them and gives them generation 1', async () => {
    const r = await call(kit, 'POST', `${BASE}/imagestreams`, {
      token: admin,
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'made' }, spec: { tags: [dockerTag('b', 'quay.io/x/y:b', { generation: 7 }), dockerTag('a', 'quay.io/x/y:a')] }, status: { tags: [{ tag: 'a', items: [ev(D1, 1)] }] } },
    });
    expect(r.status).toBe(201);
    expect(r.json.spec.tags).toEqual([
      { ...dockerTag('a', 'quay.io/x/y:a'), generation: 1, referencePolicy: { type: 'Source' }, importPolicy: { importMode: 'Legacy' } },
      { ...dockerTag('b', 'quay.io/x/y:b'), generation: 1, referencePolicy: { type: 'Source' }, importPolicy: { importMode: 'Legacy' } },
    ]);
    expect(r.json.status.tags).toBeUndefined();
  });

  it('the name is one repository name component (a_b yes, a--b no)', async () => {
    const mk = (name: string) => call(kit, 'POST', `${BASE}/imagestreams`, { token: admin, body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name } } });
    expect((await mk('a_b')).status).toBe(201);
    const bad = await mk('a--b');
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('ImageStream.image.openshift.io "a--b" is invalid: metadata.name: Invalid value: "a--b": must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"');
    expect(get('a--b')).toBeUndefined();
  });

  it('a tag generation can only be set to 0 (which re-imports); a changed importMode is a changed tag', async () => {
    const s = seed('gens');
    const g = s.metadata.generation;
    const tryGen = await call(kit, 'PATCH', `${BASE}/imagestreams/gens`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'replace', path: '/spec/tags/0/generation', value: 42 }] });
    expect(tryGen.status).toBe(200);
    expect(tryGen.json.spec.tags[0].generation).toBe(s.spec.tags[0].generation);
    expect(tryGen.json.metadata.generation).toBe(g);
    const zero = await call(kit, 'PATCH', `${BASE}/imagestreams/gens`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'replace', path: '/spec/tags/0/generation', value: 0 }] });
    expect(zero.json.metadata.generation).toBe(g + 1);
    expect(zero.json.spec.tags[0].generation).toBe(g + 1);
    const mode = await call(kit, 'PATCH', `${BASE}/imagestreams/gens`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'replace', path: '/spec/tags/0/importPolicy/importMode', value: 'PreserveOriginal' }] });
    expect(mode.json.metadata.generation).toBe(g + 2);
    expect(mode.json.spec.tags[0].generation).toBe(g + 2);
    // referencePolicy is no source change: the stream's generation moves, the tag's does not.
    const ref = await call(kit, 'PATCH', `${BASE}/imagestreams/gens`, { token: admin, contentType: JSON_PATCH, body: [{ op: 'add', path: '/spec/tags/0/referencePolicy', value: { type: 'Local' } }] });
    expect(ref.json.metadata.generation).toBe(g + 3);
    expect(ref.json.spec.tags[0].generation).toBe(g + 2);
  });

  it('tag references are validated: kind, name, reference, scheduled, policies', async () => {
    seed('val');
    const r = await call(kit, 'PATCH', `${BASE}/imagestreams/val`, {
      token: admin,
      contentType: MERGE,
      body: { spec: { tags: [{ name: 'x', from: { kind: 'Image', name: 'a' } }, { name: 'y', from: { kind: 'ImageStreamTag', name: 'val:v1' }, importPolicy: { scheduled: true } }, { name: 'z', from: { kind: 'DockerImage', name: 'quay.io/UPPER' }, referencePolicy: { type: 'Other' } }] } },
    });
    expect(r.status).toBe(422);
    // validateTagsAndLimits' error (tagsChanged cannot parse x's source) first, then the field validation, in one 422.
    expect(r.json.details.causes[0].message).toBe('Internal error: imagestreams "val" is invalid: spec.tags[x].from.name: Invalid value: "a": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>');
    expect(r.json.details.causes.map((c: any) => c.field)).toEqual(['[]', 'spec.tags[x].from.kind', 'spec.tags[y].importPolicy.scheduled', 'spec.tags[z].from.name', 'spec.tags[z].referencePolicy.type']);
    expect(r.json.message).toContain('spec.tags[z].from.name: Invalid value: "quay.io/UPPER": repository name must be lowercase');
    expect(get('val').spec.tags.map((t: any) => t.name)).toEqual(['v1']);
  });
});

describe('main resource writes resolve new tags into status (tagsChanged, TagVerifier)', () => {
  it('create and merge patch: ImageStreamTag/ImageStreamImage of another stream, DockerImage reference tags', async () => {
    if (!get('src')) seed('src');
    const post = await call(kit, 'POST', `${BASE}/imagestreams`, {
      token: admin,
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'dst' }, spec: { tags: [{ name: 'a', from: { kind: 'ImageStreamTag', name: 'src:v1' } }, { name: 'r', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' }, reference: true }] } },
    });
    expect(post.status).toBe(201);
    const dst = get('dst');
    expect(dst.status.tags.map((t: any) => [t.tag, t.items[0].dockerImageReference, t.items[0].image, t.items[0].generation])).toEqual([
      ['a', `${INTERNAL}/team/dst@${D2}`, D2, 1],
      ['r', 'quay.io/x/y:1', '', 1],
    ]);
    const patch = await call(kit, 'PATCH', `${BASE}/imagestreams/dst`, { token: admin, contentType: MERGE, body: { spec: { tags: [...dst.spec.tags, { name: 'b', from: { kind: 'ImageStreamImage', name: `src@${D1}` } }] } } });
    expect(patch.status).toBe(200);
    expect(patch.json.metadata.generation).toBe(2);
    const b = get('dst').status.tags.find((t: any) => t.tag === 'b');
    expect(b.items).toEqual([{ created: expect.any(String), dockerImageReference: `${INTERNAL}/team/dst@${D1}`, image: D1, generation: 2 }]);
    // An unchanged tag is not resolved again: a's event stays the one from the create.
    expect(get('dst').status.tags.find((t: any) => t.tag === 'a').items).toHaveLength(1);
  });

  it('server-side apply (a rendered `regctl tag`) resolves the tag in the same write', async () => {
    if (!get('src')) seed('src');
    const body = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'ssa', namespace: 'team' }, spec: { tags: [{ name: 'stable', from: { kind: 'ImageStreamImage', name: `src@${D1}`, namespace: 'team' }, referencePolicy: { type: 'Local' } }] } };
    const r = await call(kit, 'PATCH', `${BASE}/imagestreams/ssa?fieldManager=gitops`, { token: admin, contentType: 'application/apply-patch+yaml', body });
    expect(r.status).toBe(201);
    expect(get('ssa').status.tags).toEqual([{ tag: 'stable', items: [{ created: expect.any(String), dockerImageReference: `${INTERNAL}/team/ssa@${D1}`, image: D1, generation: 1 }] }]);
    expect(get('ssa').spec.tags[0]).toMatchObject({ referencePolicy: { type: 'Local' }, importPolicy: { importMode: 'Legacy' }, generation: 1 });
  });

  it('an unknown image, a missing stream, and a source in a project the user may not pull from are 422; nothing written', async () => {
    kit.store.create('/namespaces', { metadata: { name: 'other' } });
    const dev = kit.auth.issueToken('developer');
    kit.store.create('rbac.authorization.k8s.io/rolebindings', {
      metadata: { name: 'dev-admin', namespace: 'team' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'developer' }],
    });
    const s = seed('refs');
    const tags = (t: object) => ({ spec: { tags: [...s.spec.tags, t] } });
    const unknown = await call(kit, 'PATCH', `${BASE}/imagestreams/refs`, { token: admin, contentType: MERGE, body: tags({ name: 'x', from: { kind: 'ImageStreamImage', name: `src@${D3}` } }) });
    expect(unknown.status).toBe(422);
    expect(unknown.json.message).toBe(`ImageStream.image.openshift.io "refs" is invalid: []: Internal error: imagestreams "refs" is invalid: spec.tags[x].from.name: Invalid value: "src@${D3}": error generating tag event: imagestreamimage.image.openshift.io "${D3}" not found`);
    const missing = await call(kit, 'PATCH', `${BASE}/imagestreams/refs`, { token: admin, contentType: MERGE, body: tags({ name: 'x', from: { kind: 'ImageStreamTag', name: 'nope:v1' } }) });
    expect(missing.json.message).toContain('spec.tags[x].from.name: Not found: "nope:v1"');
    const forbidden = await call(kit, 'PATCH', `${BASE}/imagestreams/refs`, { token: dev, contentType: MERGE, body: tags({ name: 'x', from: { kind: 'ImageStreamTag', name: 'base:v1', namespace: 'other' } }) });
    expect(forbidden.status).toBe(422);
    expect(forbidden.json.message).toMatch(/spec\.tags\[x\]\.from: Forbidden: other\/base: /);
    expect(get('refs').metadata.resourceVersion).toBe(s.metadata.resourceVersion);
  });
});

describe('ImageStreamTag writes validate the tag (istag strategy) and default it', () => {
  it('a bad reference policy or mismatched tag annotations are 422 on ImageStreamTag; a good one is stored with the defaults', async () => {
    const ist = (tag: object, annotations?: object) => ({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: 'v:t', ...(annotations ? { annotations } : {}) }, tag: { name: 't', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' }, ...tag } });
    const bad = await call(kit, 'PUT', `${BASE}/imagestreamtags/v:t`, { token: admin, body: ist({ referencePolicy: { type: 'Bogus' } }) });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('ImageStreamTag.image.openshift.io "v:t" is invalid: tag.referencePolicy.type: Invalid value: "Bogus": valid values are "Source", "Local"');
    const ann = await call(kit, 'PUT', `${BASE}/imagestreamtags/v:t`, { token: admin, body: ist({ annotations: { a: '1' } }, { a: '2' }) });
    expect(ann.status).toBe(422);
    expect(ann.json.details.causes[0].field).toBe('tag.annotations');
    expect(get('v')).toBeUndefined();
    const ok = await call(kit, 'PUT', `${BASE}/imagestreamtags/v:t`, { token: admin, body: ist({}) });
    expect(ok.status).toBe(201);
    expect(get('v').spec.tags[0]).toMatchObject({ name: 't', referencePolicy: { type: 'Source' }, importPolicy: { importMode: 'Legacy' }, generation: 1 });
  });
});

describe('ImageStreamImport is validated before anything is imported', () => {
  it('only DockerImage, pull specs, a repository without tag, at least one of them; one 422 naming each field', async () => {
    const isi = (name: string, spec: object) => ({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamImport', metadata: { name }, spec: { import: true, ...spec }, status: {} });
    const bad = await call(kit, 'POST', `${BASE}/imagestreamimports`, {
      token: admin,
      body: isi('imp', { images: [{ from: { kind: 'ImageStreamTag', name: 'x:1' } }, { from: { kind: 'DockerImage', name: 'quay.io/X/y:1' }, to: { name: '' } }], repository: { from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } } }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json.details.causes.map((c: any) => c.field)).toEqual(['spec.images[0].from.kind', 'spec.images[1].to.name', 'spec.images[1].from.name', 'spec.repository.from.name']);
    expect(bad.json.message).toContain('spec.images[0].from.kind: Invalid value: "ImageStreamTag": only DockerImage is supported');
    expect(bad.json.message).toContain('spec.repository.from.name: Invalid value: "quay.io/x/y:1": you must specify an image repository, not a tag or ID');
    const none = await call(kit, 'POST', `${BASE}/imagestreamimports`, { token: admin, body: isi('imp', {}) });
    expect(none.json.message).toBe('ImageStreamImport.image.openshift.io "imp" is invalid: spec.images: Invalid value: "null": you must specify at least one image or a repository import');
    expect(get('imp')).toBeUndefined();
  });
});

describe('DELETE answers', () => {
  it('an image stream and an image answer a Status (no ReturnDeletedObject)', async () => {
    const s = seed('gone');
    const r = await call(kit, 'DELETE', `${BASE}/imagestreams/gone`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'gone', group: 'image.openshift.io', kind: 'imagestreams', uid: s.metadata.uid } });
    const img = kit.store.create('image.openshift.io/images', { metadata: { name: D3 }, dockerImageReference: `${INTERNAL}/team/app@${D3}` });
    const d = await call(kit, 'DELETE', `/apis/image.openshift.io/v1/images/${D3}`, { token: admin });
    expect(d.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: D3, group: 'image.openshift.io', kind: 'images', uid: img.metadata.uid } });
  });
});

describe('write options of computed kinds (handlers/create.go, update.go)', () => {
  const msg = (kind: string) => `${kind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"true"}: supported values: "All"`;
  it('ImageStreamTag, ImageStreamImport, ImageStreamMapping and TokenRequest refuse a bad dryRun before anything', async () => {
    const before = kit.store.get(IS, 'team', 'opts');
    const ist = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: 'opts:v1' }, tag: { name: 'v1', from: { kind: 'DockerImage', name: 'quay.io/x/y:v1' } } };
    const put = await call(kit, 'PUT', `${BASE}/imagestreamtags/opts:v1?dryRun=true`, { token: admin, body: ist });
    expect(put.status).toBe(422);
    expect(put.json.message).toBe(msg('UpdateOptions'));
    const post = await call(kit, 'POST', `${BASE}/imagestreamtags?dryRun=true`, { token: admin, body: ist });
    expect(post.json.message).toBe(msg('CreateOptions'));
    const isi = await call(kit, 'POST', `${BASE}/imagestreamimports?dryRun=true`, { token: admin, body: { metadata: { name: 'opts' }, spec: { import: true, images: [] }, status: {} } });
    expect(isi.status).toBe(422);
    expect(isi.json.message).toBe(msg('CreateOptions'));
    const ism = await call(kit, 'POST', `${BASE}/imagestreammappings?fieldValidation=Bogus`, { token: admin, body: {} });
    expect(ism.status).toBe(422);
    expect(ism.json.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"');
    const tr = await call(kit, 'POST', `/api/v1/namespaces/team/serviceaccounts/builder/token?dryRun=true`, { token: admin, body: { spec: { expirationSeconds: 600 } } });
    expect(tr.status).toBe(422);
    expect(tr.json.message).toBe(msg('CreateOptions'));
    expect(tr.text).not.toContain('"token"');
    expect(kit.store.get(IS, 'team', 'opts')).toEqual(before);
  });
});
