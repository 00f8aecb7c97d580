// JSON patch as kube-apiserver applies it (evanphx/json-patch v4, handlers/patch.go) and answers it when it does not
// apply; the `concurrentWrites` fault that makes a `test` fail between a client's read and its write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonPatch, JsonPatchError } from './patch.ts';
import { concurrentWrites } from './concurrent-write.ts';
import { checkFaultPatch, resetFaults } from '../fault-control.ts';
import { call, CONFIG_KEY, registryConfig, startKit, type Kit } from './testkit.ts';

const CFG = '/apis/imageregistry.operator.openshift.io/v1/configs/cluster';
const JSON_PATCH = 'application/json-patch+json';

describe('json patch test op (json-patch v4)', () => {
  const doc = { spec: { routes: [{ name: 'a' }], empty: null, list: [1, 2] } };
  const passes = (op: Record<string, unknown>) => expect(() => jsonPatch(doc, [{ op: 'test', ...op }])).not.toThrow();
  const fails = (op: Record<string, unknown>, msg: RegExp) => {
    expect(() => jsonPatch(doc, [{ op: 'test', ...op }])).toThrow(JsonPatchError);
    expect(() => jsonPatch(doc, [{ op: 'test', ...op }])).toThrow(msg);
  };

  it('a missing or null member passes only against null (or no value)', () => {
    passes({ path: '/spec/missing', value: null });
    passes({ path: '/spec/missing' });
    passes({ path: '/spec/empty', value: null });
    fails({ path: '/spec/missing', value: [] }, /^testing value \/spec\/missing failed: test failed$/);
    fails({ path: '/spec/empty', value: 0 }, /testing value/);
  });

  it('a present member: deep equality; no value fails', () => {
    passes({ path: '/spec/routes', value: [{ name: 'a' }] });
    fails({ path: '/spec/routes', value: [{ name: 'a' }, { name: 'b' }] }, /testing value \/spec\/routes failed/);
    fails({ path: '/spec/routes', value: null }, /testing value/);
    fails({ path: '/spec/routes' }, /testing value/);
    passes({ path: '/spec/list/-1', value: 2 });
  });

  it('a missing parent or array index does not apply', () => {
    fails({ path: '/nope/routes', value: null }, /^test operation does not apply: is missing path: \/nope\/routes: missing value$/);
    fails({ path: '/spec/list/5', value: 1 }, /Unable to access invalid index: 5/);
  });
});

describe('a JSON patch that does not apply, over HTTP', () => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit();
    const cfg = registryConfig() as any;
    kit.store.create(CONFIG_KEY, { ...cfg, spec: { ...cfg.spec, routes: [{ name: 'a' }] } });
  });
  afterAll(async () => {
    await kit.close();
  });

  it('422 Invalid with the generic message and empty details, nothing changed', async () => {
    const rv = kit.store.get(CONFIG_KEY, undefined, 'cluster')!.metadata.resourceVersion;
    const r = await call(kit, 'PATCH', CFG, { token: kit.adminToken, contentType: JSON_PATCH, body: [{ op: 'test', path: '/spec/routes', value: [] }, { op: 'replace', path: '/spec/routes', value: [{ name: 'b' }] }] });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 });
    const cur = kit.store.get(CONFIG_KEY, undefined, 'cluster') as any;
    expect(cur.metadata.resourceVersion).toBe(rv);
    expect(cur.spec.routes).toEqual([{ name: 'a' }]);
  });

  it('`test` of null guards an add to a member that is not set', async () => {
    const add = [{ op: 'test', path: '/spec/httpSecret', value: null }, { op: 'add', path: '/spec/httpSecret', value: 'x' }];
    expect((await call(kit, 'PATCH', CFG, { token: kit.adminToken, contentType: JSON_PATCH, body: add })).status).toBe(200);
    expect((await call(kit, 'PATCH', CFG, { token: kit.adminToken, contentType: JSON_PATCH, body: add })).status).toBe(422);
  });

  it('concurrentWrites: the other write lands first, the triggering patch fails its test, the fault is used up', async () => {
    concurrentWrites(kit.faults).push({ resource: CONFIG_KEY, name: 'cluster', mergePatch: { spec: { routes: [{ name: 'a' }, { name: 'theirs' }] } }, times: 1 });
    const ours = [{ op: 'test', path: '/spec/routes', value: [{ name: 'a' }] }, { op: 'replace', path: '/spec/routes', value: [{ name: 'a' }, { name: 'ours' }] }];
    // A dry run does not trigger it.
    expect((await call(kit, 'PATCH', `${CFG}?dryRun=All`, { token: kit.adminToken, contentType: JSON_PATCH, body: ours })).status).toBe(200);
    expect(concurrentWrites(kit.faults)[0]!.times).toBe(1);
    const first = await call(kit, 'PATCH', CFG, { token: kit.adminToken, contentType: JSON_PATCH, body: ours });
    expect(first.status).toBe(422);
    expect((kit.store.get(CONFIG_KEY, undefined, 'cluster') as any).spec.routes).toEqual([{ name: 'a' }, { name: 'theirs' }]);
    expect(concurrentWrites(kit.faults)[0]).toMatchObject({ times: 0, answered: [422] });
    // Used up: the next patch (planned against the new list) goes through.
    const again = [{ op: 'test', path: '/spec/routes', value: [{ name: 'a' }, { name: 'theirs' }] }, { op: 'replace', path: '/spec/routes', value: [{ name: 'a' }, { name: 'theirs' }, { name: 'ours' }] }];
    expect((await call(kit, 'PATCH', CFG, { token: kit.adminToken, contentType: JSON_PATCH, body: again })).status).toBe(200);
    expect((kit.store.get(CONFIG_KEY, undefined, 'cluster') as any).spec.routes).toEqual([{ name: 'a' }, { name: 'theirs' }, { name: 'ours' }]);
    expect(concurrentWrites(kit.faults)[0]!.answered).toEqual([422]);
  });

  it('the control endpoint accepts concurrentWrites and refuses bad ones; reset clears them', () => {
    expect(checkFaultPatch({ concurrentWrites: [{ resource: CONFIG_KEY, name: 'cluster', mergePatch: { spec: {} }, times: 1 }] })).toBeUndefined();
    expect(checkFaultPatch({ concurrentWrites: [{ resource: CONFIG_KEY, name: 'cluster', mergePatch: [], times: 1 }] })).toMatch(/^concurrentWrites must be/);
    expect(checkFaultPatch({ concurrentWrites: {} })).toMatch(/^concurrentWrites must be/);
    resetFaults(kit.faults);
    expect(concurrentWrites(kit.faults)).toEqual([]);
  });
});
