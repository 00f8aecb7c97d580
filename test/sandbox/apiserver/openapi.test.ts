// /openapi/v2 and /openapi/v3 as kube-apiserver serves them, and fieldValidation (Strict/Warn/Ignore) seen through
// kubectl 1.32, which validates on the server once the OpenAPI v3 documents show the fieldValidation parameter.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CONFIG_KEY, registryConfig, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';
import { KUBECTL, kubectlFor } from './kubectl-kit.ts';
import type { KubectlKit } from './kubectl-kit.ts';

// Verbatim from the documented procedures (/work/shared/seeds): 000 (metrics role), 001 (the same role as the ROSA
// book prints it, with `verbs` outdented to the top level), 004 (ReadWriteOnce PVC).
const SEED_CLUSTER_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus-scraper
rules:
- apiGroups:
  - image.openshift.io
  resources:
  - registry/metrics
  verbs:
  - get
`;
const SEED_CLUSTER_ROLE_ROSA = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus-scraper-rosa
rules:
- apiGroups:
  - image.openshift.io
  resources:
  - registry/metrics
verbs:
- get
`;
const SEED_PVC = `kind: PersistentVolumeClaim
apiVersion: v1
metadata:
  name: image-registry-pvc
  namespace: openshift-image-registry
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 100Gi
  storageClassName: thin
`;

let kit: Kit;
let kc: KubectlKit;

beforeAll(async () => {
  kit = await startKit();
  kit.store.create(CONFIG_KEY, registryConfig());
  if (!kit.store.get('/namespaces', undefined, 'openshift-image-registry')) kit.store.create('/namespaces', { metadata: { name: 'openshift-image-registry' } });
  kc = kubectlFor(kit);
});

afterAll(async () => {
  kc?.close();
  await kit?.close();
});

describe('OpenAPI documents', () => {
  it('/openapi/v3 lists each served group-version with a hash URL; the documents carry kinds, schemas and the PATCH fieldValidation parameter', async () => {
    const root = await call(kit, 'GET', '/openapi/v3', { token: kit.adminToken });
    expect(root.status).toBe(200);
    const paths = root.json.paths as Record<string, { serverRelativeURL: string }>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/imageregistry.operator.openshift.io/v1', 'apis/route.openshift.io/v1']));
    expect(paths['api/v1']!.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);

    const core = await call(kit, 'GET', paths['api/v1']!.serverRelativeURL, { token: kit.adminToken });
    expect(core.status).toBe(200);
    expect(core.headers['cache-control']).toBe('public, immutable');
    expect(core.json.openapi).toBe('3.0.0');
    const pvc = core.json.components.schemas['io.k8s.api.core.v1.PersistentVolumeClaim'];
    expect(pvc['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'PersistentVolumeClaim', version: 'v1' }]);
    const patch = core.json.paths['/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'PersistentVolumeClaim', version: 'v1' });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['dryRun', 'fieldManager', 'fieldValidation', 'force']));
    expect(Object.keys(patch.requestBody.content)).toContain('application/apply-patch+yaml');

    // A custom resource: the CRD's schema, metadata → ObjectMeta, no strategic merge patch.
    const crd = await call(kit, 'GET', paths['apis/imageregistry.operator.openshift.io/v1']!.serverRelativeURL, { token: kit.adminToken });
    const config = crd.json.components.schemas['io.openshift.operator.imageregistry.v1.Config'];
    expect(config['x-kubernetes-group-version-kind']).toEqual([{ group: 'imageregistry.operator.openshift.io', kind: 'Config', version: 'v1' }]);
    expect(config.properties.metadata.allOf).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    expect(config.properties.spec.properties.managementState).toBeDefined();
    const crPatch = crd.json.paths['/apis/imageregistry.operator.openshift.io/v1/configs/{name}'].patch;
    expect(Object.keys(crPatch.requestBody.content).sort()).toEqual(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  });

  it('answers an outdated hash with a redirect, If-None-Match with 304; /openapi/v2 in JSON or protobuf as asked; v3 has no protobuf here (406)', async () => {
    const moved = await call(kit, 'GET', '/openapi/v3/apis/apps/v1?hash=00', { token: kit.adminToken });
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await call(kit, 'GET', '/openapi/v3/apis/apps/v1', { token: kit.adminToken });
    const again = await call(kit, 'GET', '/openapi/v3/apis/apps/v1', { token: kit.adminToken, headers: { 'If-None-Match': String(doc.headers.etag) } });
    expect(again.status).toBe(304);
    const pb = await call(kit, 'GET', '/openapi/v2', { token: kit.adminToken, headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    expect([pb.status, pb.headers['content-type']]).toEqual([200, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf']);
    expect(pb.text.startsWith('\n\u00032.0')).toBe(true); // Document.swagger (field 1) = "2.0"
    const pb3 = await call(kit, 'GET', '/openapi/v3/apis/apps/v1', { token: kit.adminToken, headers: { Accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' } });
    expect(pb3.status).toBe(406);
    const v2 = await call(kit, 'GET', '/openapi/v2', { token: kit.adminToken, headers: { Accept: 'application/json' } });
    expect(v2.status).toBe(200);
    expect(v2.json.swagger).toBe('2.0');
    expect(v2.json.definitions['io.k8s.api.rbac.v1.ClusterRole']).toBeDefined();
    expect(v2.json.paths['/apis/route.openshift.io/v1/namespaces/{namespace}/routes/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: 'route.openshift.io', kind: 'Route', version: 'v1' });
  });
});

describe.skipIf(!existsSync(KUBECTL))('kubectl validation against the sandbox', () => {
  it("creates and applies the seeds' ClusterRole and PVC with kubectl's default (strict) validation", async () => {
    const role = await kc.run('create', '-f', kc.file('role.yaml', SEED_CLUSTER_ROLE));
    expect(role.stderr).toBe('');
    expect(role.stdout.trim()).toBe('clusterrole.rbac.authorization.k8s.io/prometheus-scraper created');
    const pvc = await kc.run('create', '-f', kc.file('pvc.yaml', SEED_PVC));
    expect([pvc.code, pvc.stderr]).toEqual([0, '']);
    expect(kit.store.get('/persistentvolumeclaims', 'openshift-image-registry', 'image-registry-pvc')!.spec).toMatchObject({ storageClassName: 'thin', accessModes: ['ReadWriteOnce'] });
    const again = await kc.run('apply', '-f', kc.file('pvc.yaml', SEED_PVC.replace('100Gi', '200Gi')));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('persistentvolumeclaim/image-registry-pvc configured');
    expect((kit.store.get('/persistentvolumeclaims', 'openshift-image-registry', 'image-registry-pvc')!.spec as any).resources.requests.storage).toBe('200Gi');
    const explain = await kc.run('explain', 'pvc.spec.accessModes');
    expect(explain.stdout).toContain('FIELD: accessModes <[]string>');
    // The v2 document, in protobuf, as kubectl reads it.
    const v2 = await kc.run('explain', 'pods.spec.containers', '--output=plaintext-openapiv2');
    expect(v2.stdout).toContain('RESOURCE: containers <[]Object>');
  });

  it('rejects an unknown field with the real server message (built-in kind and custom resource), Strict on create, replace and patch', async () => {
    const rosa = await kc.run('create', '-f', kc.file('rosa.yaml', SEED_CLUSTER_ROLE_ROSA));
    expect(rosa.code).toBe(1);
    expect(rosa.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${kc.dir}/rosa.yaml": ClusterRole in version "v1" cannot be handled as a ClusterRole: strict decoding error: unknown field "verbs"`);
    expect(kit.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'prometheus-scraper-rosa')).toBeUndefined();

    const bogus = 'apiVersion: imageregistry.operator.openshift.io/v1\nkind: ImagePruner\nmetadata: {name: cluster}\nspec:\n  schedule: "0 0 * * *"\n  bogus: 1\n  suspend: false\n  extra: {a: 1}\n';
    const cr = await kc.run('create', '-f', kc.file('pruner.yaml', bogus));
    expect(cr.code).toBe(1);
    expect(cr.stderr).toContain('ImagePruner in version "v1" cannot be handled as a ImagePruner: strict decoding error: unknown field "spec.bogus", unknown field "spec.extra"');

    const cfg = 'apiVersion: imageregistry.operator.openshift.io/v1\nkind: Config\nmetadata: {name: cluster}\nspec: {managementState: Managed, replicas: 3, bogus: true}\n';
    const replace = await kc.run('replace', '-f', kc.file('cfg.yaml', cfg));
    expect(replace.stderr).toContain('Config in version "v1" cannot be handled as a Config: strict decoding error: unknown field "spec.bogus"');
    // kubectl patch sends no fieldValidation: the server default (Warn) applies; the field is pruned.
    const patch = await kc.run('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"nope":1}}');
    expect([patch.code, patch.stderr.trim()]).toEqual([0, 'Warning: unknown field "spec.nope"']);
    expect(kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec).not.toHaveProperty('nope');
    const strict = await call(kit, 'PATCH', '/apis/imageregistry.operator.openshift.io/v1/configs/cluster?fieldValidation=Strict', {
      token: kit.adminToken, body: { spec: { replicas: 3, nope: 1 } }, contentType: 'application/merge-patch+json',
    });
    expect(strict.status).toBe(422);
    expect(strict.json.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.nope"$/);
    expect(strict.json.details.causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'patch' })]);
    expect((kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec as any).replicas).toBe(1);
  });

  it('validates on the client (OpenAPI v2) kinds whose v3 document has no PATCH operation, with kubectl\'s own message', async () => {
    const ssar = 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec:\n  resourceAttributes: {verb: get, resource: pods, namespace: default}\n  bogus: 1\n';
    const r = await kc.run('create', '-f', kc.file('ssar.yaml', ssar), '-o', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error validating data: ValidationError(SelfSubjectAccessReview.spec): unknown field "bogus" in io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec');
    const ok = await kc.run('create', '-f', kc.file('ssar-ok.yaml', ssar.replace('  bogus: 1\n', '')), '-o', 'jsonpath={.status.allowed}');
    expect([ok.code, ok.stdout]).toEqual([0, 'true']);
    // openshift/api's ImageStreamImport requires status (no omitempty): kubectl says so before sending anything.
    const isi = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamImport', metadata: { name: 'probe', namespace: 'default' }, spec: { import: false, images: [{ from: { kind: 'DockerImage', name: 'quay.io/x/y:1' } }] } };
    const noStatus = await kc.run('create', '-f', kc.file('isi.json', JSON.stringify(isi)), '-o', 'name');
    expect(noStatus.stderr).toContain('error validating data: ValidationError(ImageStreamImport): missing required field "status" in com.github.openshift.api.image.v1.ImageStreamImport');
  });

  it('validates openshift-apiserver kinds against openshift/api schemas on the server', async () => {
    const is = 'apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata: {name: s1}\nspec:\n  lookupPolicy: {local: true}\n  bogus: 1\n';
    const strict = await kc.run('create', '-f', kc.file('is.yaml', is));
    expect(strict.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${kc.dir}/is.yaml": ImageStream in version "v1" cannot be handled as a ImageStream: strict decoding error: unknown field "spec.bogus"`);
    const ok = await kc.run('create', '-f', kc.file('is.yaml', is.replace('  bogus: 1\n', '')));
    expect([ok.code, ok.stderr, ok.stdout.trim()]).toEqual([0, '', 'imagestream.image.openshift.io/s1 created']);
    const explain = await kc.run('explain', 'is.spec.lookupPolicy.local');
    expect(explain.stdout).toContain('FIELD: local <boolean>');
  });

  it('Warn creates the object and warns per unknown field; Ignore is silent', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warned}\ndata: {a: b}\nspex: 1\n';
    const warn = await kc.run('create', '--validate=warn', '-f', kc.file('warn.yaml', cm));
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stderr.trim()).toBe('Warning: unknown field "spex"');
    // Stored as decoded into the Go type: the unknown field is dropped.
    expect(kit.store.get('/configmaps', 'default', 'warned')).toMatchObject({ data: { a: 'b' } });
    expect(kit.store.get('/configmaps', 'default', 'warned')).not.toHaveProperty('spex');

    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' }, spex: 1 };
    const ignore = await call(kit, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Ignore', { token: kit.adminToken, body });
    expect(ignore.status).toBe(201);
    expect(ignore.headers.warning).toBeUndefined();
    expect(kit.store.get('/configmaps', 'default', 'ignored')).not.toHaveProperty('spex');
    const dflt = await call(kit, 'POST', '/api/v1/namespaces/default/configmaps', { token: kit.adminToken, body: { ...body, metadata: { name: 'defaulted' } } });
    expect([dflt.status, dflt.headers.warning]).toEqual([201, '299 - "unknown field \\"spex\\""']);
    const bad = await call(kit, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Loud', { token: kit.adminToken, body });
    expect([bad.status, bad.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"']);
  });
});
