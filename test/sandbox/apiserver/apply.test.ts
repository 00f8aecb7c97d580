// Server-side apply through kubectl 1.32: create, update, managedFields, conflicts between managers, force,
// --dry-run=server and kubectl diff --server-side, for a built-in kind and a custom resource.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CONFIG_KEY, registryConfig, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';
import { KUBECTL, kubectlFor } from './kubectl-kit.ts';
import type { KubectlKit } from './kubectl-kit.ts';

let kit: Kit;
let kc: KubectlKit;

beforeAll(async () => {
  kit = await startKit();
  kit.store.create(CONFIG_KEY, registryConfig());
  kc = kubectlFor(kit);
});

afterAll(async () => {
  kc?.close();
  await kit?.close();
});

const cm = (data: Record<string, string>, labels: Record<string, string> = { app: 'demo' }) =>
  ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: ssa', '  namespace: default', '  labels:', ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`), 'data:', ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`), ''].join('\n');
const stored = () => kit.store.get('/configmaps', 'default', 'ssa')!;
const managers = () => (stored().metadata.managedFields as Array<Record<string, any>>).map((m) => ({ manager: m.manager, operation: m.operation, fieldsV1: m.fieldsV1 }));

describe.skipIf(!existsSync(KUBECTL))('server-side apply with kubectl', () => {
  it('creates the object and records the applier in managedFields; a second apply updates and drops what it no longer applies', async () => {
    const first = await kc.run('apply', '--server-side', '-f', kc.file('cm.yaml', cm({ a: '1', b: '2' })));
    expect([first.code, first.stderr, first.stdout.trim()]).toEqual([0, '', 'configmap/ssa serverside-applied']);
    expect(stored().data).toEqual({ a: '1', b: '2' });
    expect(managers()).toEqual([{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } }]);
    expect(stored().metadata.managedFields).toEqual([expect.objectContaining({ apiVersion: 'v1', fieldsType: 'FieldsV1', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) })]);

    const second = await kc.run('apply', '--server-side', '-f', kc.file('cm.yaml', cm({ a: '1', c: '3' })));
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(stored().data).toEqual({ a: '1', c: '3' });
    expect(managers()[0]!.fieldsV1).toEqual({ 'f:data': { 'f:a': {}, 'f:c': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    const shown = await kc.run('get', 'cm', 'ssa', '-o', 'yaml', '--show-managed-fields');
    expect(shown.stdout).toContain('manager: kubectl\n    operation: Apply');
  });

  it('reports a conflict with another manager (409, the real message), shares fields applied with the same value, and takes them with --force-conflicts', async () => {
    const other = await kc.run('apply', '--server-side', '--field-manager=other', '-f', kc.file('other.yaml', cm({ a: '9', c: '3' })));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl": .data.a\nPlease review the fields above--they currently have other managers.');
    expect(stored().data).toEqual({ a: '1', c: '3' });

    const raw = await call(kit, 'PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=other', {
      token: kit.adminToken, contentType: 'application/apply-patch+yaml', body: cm({ a: '9', c: '4' }),
    });
    expect(raw.status).toBe(409);
    expect(raw.json).toMatchObject({
      kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409,
      message: 'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .data.a\n- .data.c',
      details: { causes: [{ type: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.a' }, { type: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.c' }] },
    });

    const forced = await kc.run('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', kc.file('other.yaml', cm({ a: '9', c: '3' })));
    expect([forced.code, forced.stderr]).toEqual([0, '']);
    expect(stored().data).toEqual({ a: '9', c: '3' });
    const byName = Object.fromEntries(managers().map((m) => [m.manager, m.fieldsV1]));
    // a moved to "other"; c (same value) and the label are co-owned.
    expect(byName.kubectl).toEqual({ 'f:data': { 'f:c': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    expect(byName.other).toEqual({ 'f:data': { 'f:a': {}, 'f:c': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  });

  it('conflicts with an Update manager on a custom resource ("kubectl-patch" using the group version)', async () => {
    const patch = await kc.run('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"replicas":2}}');
    expect(patch.code, patch.stderr).toBe(0);
    const cfg = 'apiVersion: imageregistry.operator.openshift.io/v1\nkind: Config\nmetadata:\n  name: cluster\nspec:\n  replicas: 3\n  logLevel: Debug\n';
    const conflict = await kc.run('apply', '--server-side', '-f', kc.file('cfg.yaml', cfg));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-patch" using imageregistry.operator.openshift.io/v1: .spec.replicas');
    const forced = await kc.run('apply', '--server-side', '--force-conflicts', '-f', kc.file('cfg.yaml', cfg));
    expect([forced.code, forced.stderr, forced.stdout.trim()]).toEqual([0, '', 'config.imageregistry.operator.openshift.io/cluster serverside-applied']);
    expect(kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec).toMatchObject({ replicas: 3, logLevel: 'Debug', managementState: 'Managed' });
    const unknown = await kc.run('apply', '--server-side', '-f', kc.file('bad.yaml', cfg.replace('logLevel: Debug', 'bogus: 1')));
    expect(unknown.stderr.trim()).toBe('Error from server: failed to create typed patch object (/cluster; imageregistry.operator.openshift.io/v1, Kind=Config): .spec.bogus: field not declared in schema');
  });

  it('--dry-run=server and kubectl diff --server-side show the result without changing anything', async () => {
    const before = stored();
    const next = kc.file('next.yaml', cm({ a: '9', c: '3', d: '4' }, { app: 'demo' }).replace('name: ssa', 'name: ssa'));
    const dry = await kc.run('apply', '--server-side', '--field-manager=other', '--dry-run=server', '-o', 'json', '-f', next);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).data).toEqual({ a: '9', c: '3', d: '4' });
    const diff = await kc.run('diff', '--server-side', '--field-manager=other', '-f', next);
    expect(diff.code, diff.stderr).toBe(1); // 1 = differences found
    expect(diff.stdout).toMatch(/^\+  d: "4"$/m);
    expect(stored()).toEqual(before);
    const creates = await kc.run('diff', '--server-side', '-f', kc.file('new.yaml', cm({ x: '1' }).replace('name: ssa', 'name: ssa-new')));
    expect(creates.code, creates.stderr).toBe(1);
    expect(creates.stdout).toMatch(/^\+  name: ssa-new$/m);
    expect(kit.store.get('/configmaps', 'default', 'ssa-new')).toBeUndefined();
  });
});
