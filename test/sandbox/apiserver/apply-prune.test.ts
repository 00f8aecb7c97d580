// What server-side apply removes when an applier stops applying something, as structured-merge-diff v4.4.1 prunes it
// (merge/update.go prune, addBackOwnedItems, addBackDanglingItems): a keyed list (a Deployment's containers, keyed by
// name; their env, keyed by name) with several managers — the cases follow its merge/multiple_appliers_test.go
// ("remove_one", "remove_one_keep_one_with_dangling_subitem", "remove_one_with_dangling_subitem_keep_one"), only the
// list names differ — and an object that had no managedFields (k8s managedfields/internal/skipnonapplied.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';

let kit: Kit;
beforeAll(async () => {
  kit = await startKit();
});
afterAll(async () => {
  await kit?.close();
});

type Container = { name: string; image: string; env?: Array<{ name: string; value: string }> };
const deployment = (name: string, containers: Container[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers } } },
});
const path = (name: string) => `/apis/apps/v1/namespaces/default/deployments/${name}`;

async function apply(manager: string, name: string, containers: Container[]): Promise<void> {
  // JSON is YAML: the apply body is the object as JSON.
  const r = await call(kit, 'PATCH', `${path(name)}?fieldManager=${manager}`, { token: kit.adminToken, contentType: 'application/apply-patch+yaml', body: JSON.stringify(deployment(name, containers)) });
  expect(r.status, r.text).toBeLessThan(300);
}

const containersOf = (name: string) => (kit.store.get('apps/deployments', 'default', name)!.spec as any).template.spec.containers;
const owned = (name: string) =>
  Object.fromEntries((kit.store.get('apps/deployments', 'default', name)!.metadata.managedFields as Array<Record<string, any>>).map((m) => [m.manager, m.fieldsV1['f:spec']?.['f:template']?.['f:spec']?.['f:containers'] ?? {}]));
const entry = (fields: Record<string, unknown> = {}) => ({ '.': {}, 'f:image': {}, 'f:name': {}, ...fields });

describe('server-side apply: entries of a keyed list shared by several managers', () => {
  it('an entry another applier stopped applying goes whole (key included) when its last applier drops it', async () => {
    await apply('one', 'd1', [{ name: 'x', image: 'ix' }, { name: 'y', image: 'iy' }]);
    await apply('two', 'd1', [{ name: 'y', image: 'iy' }]);
    await apply('two', 'd1', [{ name: 'x', image: 'ix' }]);
    // "two" stopped applying y; "one" still owns it, so it stays.
    expect(containersOf('d1')).toEqual([{ name: 'x', image: 'ix' }, { name: 'y', image: 'iy' }]);
    await apply('one', 'd1', [{ name: 'x', image: 'ix' }]);
    // Nobody owns y any more: the entry is removed, not left behind without its key ({}), as the sandbox once did.
    expect(containersOf('d1')).toEqual([{ name: 'x', image: 'ix' }]);
    expect(owned('d1')).toEqual({ one: { 'k:{"name":"x"}': entry() }, two: { 'k:{"name":"x"}': entry() } });
  });

  it('an entry another applier still applies stays with that applier\'s fields; fields only the remover applied go', async () => {
    await apply('one', 'd2', [{ name: 'x', image: 'ix' }, { name: 'y', image: 'iy', env: [{ name: 'c', value: '1' }] }]);
    await apply('two', 'd2', [{ name: 'y', image: 'iy', env: [{ name: 'd', value: '2' }] }]);
    // An updater adds env e to y (strategic merge patch: env is merged by name).
    const smp = await call(kit, 'PATCH', `${path('d2')}?fieldManager=controller`, {
      token: kit.adminToken, contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'y', env: [{ name: 'e', value: '3' }] }] } } } },
    });
    expect(smp.status, smp.text).toBe(200);
    await apply('one', 'd2', [{ name: 'x', image: 'ix' }]);
    // y stays (two owns it); c went (only one applied it); d (two) and e (the updater) stay.
    expect(containersOf('d2')).toEqual([{ name: 'x', image: 'ix' }, { name: 'y', image: 'iy', env: [{ name: 'd', value: '2' }, { name: 'e', value: '3' }] }]);
    const o = owned('d2');
    expect(o.one).toEqual({ 'k:{"name":"x"}': entry() });
    expect(o.two).toEqual({ 'k:{"name":"y"}': entry({ 'f:env': { 'k:{"name":"d"}': { '.': {}, 'f:name': {}, 'f:value': {} } } }) });
    expect(o.controller).toEqual({ 'k:{"name":"y"}': { 'f:env': { 'k:{"name":"e"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } });
  });

  it('an entry only an updater changed besides its applier goes whole when the applier drops it (the updater loses its fields)', async () => {
    await apply('one', 'd3', [{ name: 'x', image: 'ix' }, { name: 'y', image: 'iy' }]);
    const smp = await call(kit, 'PATCH', `${path('d3')}?fieldManager=controller`, {
      token: kit.adminToken, contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'y', env: [{ name: 'e', value: '3' }] }] } } } },
    });
    expect(smp.status, smp.text).toBe(200);
    await apply('one', 'd3', [{ name: 'x', image: 'ix' }]);
    // The updater owned fields inside y, not the entry: y goes whole, not as a key-less {env: [e]}.
    expect(containersOf('d3')).toEqual([{ name: 'x', image: 'ix' }]);
    expect(Object.keys(owned('d3'))).toEqual(['one']);
  });
});

describe('server-side apply on an object without managedFields (before-first-apply)', () => {
  const cm = (metadata: Record<string, unknown>, data?: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seeded', ...metadata }, ...(data ? { data } : {}) });
  const applyCm = (manager: string, body: string) => call(kit, 'PATCH', `/api/v1/namespaces/default/configmaps/seeded?fieldManager=${manager}`, { token: kit.adminToken, contentType: 'application/apply-patch+yaml', body });
  const live = () => kit.store.get('/configmaps', 'default', 'seeded')!;

  it('the fields it had are owned by "before-first-apply" (an Update manager): they conflict, and stay when an applier drops what it applied', async () => {
    kit.store.create('/configmaps', { metadata: { name: 'seeded', namespace: 'default', annotations: { seeded: 'yes' } }, data: { s: '1' } });
    const first = await applyCm('one', cm({ labels: { app: 'x' } }, { a: '1' }));
    expect(first.status, first.text).toBe(200);
    const mf = live().metadata.managedFields as Array<Record<string, any>>;
    expect(mf.map((m) => [m.manager, m.operation])).toEqual([['one', 'Apply'], ['before-first-apply', 'Update']]);
    expect(mf[1]!.fieldsV1).toEqual({ 'f:data': { 'f:s': {} }, 'f:metadata': { 'f:annotations': { 'f:seeded': {} } } });

    const conflict = await applyCm('two', cm({}, { s: '2' }));
    expect([conflict.status, conflict.json.message]).toEqual([409, 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.s']);

    // "one" drops its label and its data: metadata and the fields before-first-apply owns stay.
    const drop = await applyCm('one', cm({}));
    expect(drop.status, drop.text).toBe(200);
    expect(live().data).toEqual({ s: '1' });
    expect(live().metadata).toMatchObject({ name: 'seeded', namespace: 'default', annotations: { seeded: 'yes' }, uid: first.json.metadata.uid });
    expect(live().metadata.labels).toBeUndefined();
  });
});
