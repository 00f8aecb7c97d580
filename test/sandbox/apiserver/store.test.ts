import { describe, expect, it } from 'vitest';
import { createStore } from '../store.ts';
import { StoreError } from '../types.ts';
import type { WatchEvent } from '../types.ts';

function seeded() {
  const s = createStore();
  s.create('/namespaces', { metadata: { name: 'a' } });
  s.create('/namespaces', { metadata: { name: 'b' } });
  return s;
}

function err(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}

describe('store', () => {
  it('sets metadata on create, honours generateName and returns deep copies', () => {
    const s = seeded();
    const o = s.create('/configmaps', { metadata: { generateName: 'cm-', namespace: 'a' }, data: { k: 'v' } });
    expect(o.metadata.name).toMatch(/^cm-[a-z0-9]{5}$/);
    expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(o.metadata.generation).toBe(1);
    expect(o.metadata.creationTimestamp).toMatch(/Z$/);
    expect(o.apiVersion).toBe('v1');
    expect(o.kind).toBe('ConfigMap');
    (o.data as Record<string, string>).k = 'changed';
    expect(s.get('/configmaps', 'a', o.metadata.name!)!.data).toEqual({ k: 'v' });
  });

  it('resourceVersion is a global counter; stale updates conflict', () => {
    const s = seeded();
    const a = s.create('/configmaps', { metadata: { name: 'x', namespace: 'a' } });
    const b = s.create('/secrets', { metadata: { name: 'y', namespace: 'a' } });
    expect(Number(b.metadata.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1);
    const u = s.update('/configmaps', { ...a, data: { k: '1' } });
    expect(Number(u.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
    const e = err(() => s.update('/configmaps', { ...a, data: { k: '2' } }));
    expect(e.code).toBe(409);
    expect(e.message).toBe('Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('bumps generation on spec change only and keeps status on main-resource updates', () => {
    const s = createStore();
    const c = s.create('imageregistry.operator.openshift.io/configs', { metadata: { name: 'cluster' }, spec: { replicas: 1 } });
    const st = s.update('imageregistry.operator.openshift.io/configs', { ...c, status: { readyReplicas: 1 } }, { subresource: 'status' });
    expect(st.metadata.generation).toBe(1);
    expect(st.status).toEqual({ readyReplicas: 1 });
    const up = s.update('imageregistry.operator.openshift.io/configs', { ...st, spec: { replicas: 2 }, status: { readyReplicas: 99 } });
    expect(up.metadata.generation).toBe(2);
    expect(up.status).toEqual({ readyReplicas: 1 });
    const labels = s.update('imageregistry.operator.openshift.io/configs', { ...up, metadata: { ...up.metadata, labels: { x: 'y' } } });
    expect(labels.metadata.generation).toBe(2);
  });

  it('errors like the API: NotFound, AlreadyExists, missing namespace, Invalid name', () => {
    const s = seeded();
    expect(err(() => s.update('imageregistry.operator.openshift.io/configs', { metadata: { name: 'cluster' } })).message).toBe(
      'configs.imageregistry.operator.openshift.io "cluster" not found',
    );
    s.create('/configmaps', { metadata: { name: 'x', namespace: 'a' } });
    const dup = err(() => s.create('/configmaps', { metadata: { name: 'x', namespace: 'a' } }));
    expect([dup.code, dup.reason, dup.message]).toEqual([409, 'AlreadyExists', 'configmaps "x" already exists']);
    const ns = err(() => s.create('/configmaps', { metadata: { name: 'x', namespace: 'nope' } }));
    expect([ns.code, ns.message]).toEqual([404, 'namespaces "nope" not found']);
    expect(err(() => s.create('/configmaps', { metadata: { name: 'Bad_Name', namespace: 'a' } })).code).toBe(422);
  });

  it('filters with label selectors and field selectors', () => {
    const s = seeded();
    const mk = (name: string, ns: string, labels: Record<string, string>) => s.create('/pods', { metadata: { name, namespace: ns, labels } });
    mk('p1', 'a', { app: 'web', tier: 'fe' });
    mk('p2', 'a', { app: 'db' });
    mk('p3', 'b', { app: 'web' });
    mk('p4', 'b', {});
    const names = (sel: string, ns?: string) => s.list('/pods', ns, { labelSelector: sel }).items.map((o) => o.metadata.name);
    expect(names('app=web')).toEqual(['p1', 'p3']);
    expect(names('app==web', 'a')).toEqual(['p1']);
    expect(names('app!=web')).toEqual(['p2', 'p4']);
    expect(names('app in (db, web),tier')).toEqual(['p1']);
    expect(names('app notin (web)')).toEqual(['p2', 'p4']);
    expect(names('!app')).toEqual(['p4']);
    expect(names('app')).toEqual(['p1', 'p2', 'p3']);
    expect(s.list('/pods', undefined, { fieldSelector: 'metadata.name=p3' }).items.map((o) => o.metadata.namespace)).toEqual(['b']);
    expect(s.list('/pods', undefined, { fieldSelector: 'metadata.namespace!=a' }).items.length).toBe(2);
    expect(err(() => s.list('/pods', undefined, { fieldSelector: 'spec.bogus=1' })).code).toBe(400);
  });

  it('paginates in namespace/name order with continue tokens', () => {
    const s = seeded();
    for (const [ns, n] of [['b', 'z'], ['a', 'y'], ['a', 'x'], ['b', 'a']]) s.create('/configmaps', { metadata: { name: n!, namespace: ns! } });
    const p1 = s.list('/configmaps', undefined, { limit: 3 });
    expect(p1.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a/x', 'a/y', 'b/a']);
    expect(p1.continue).toBeTruthy();
    const p2 = s.list('/configmaps', undefined, { limit: 3, continue: p1.continue! });
    expect(p2.items.map((o) => o.metadata.name)).toEqual(['z']);
    expect(p2.continue).toBeUndefined();
    expect(err(() => s.list('/configmaps', undefined, { continue: 'garbage' })).code).toBe(400);
  });

  it('watches from a resourceVersion and answers 410 when history is gone', () => {
    const s = createStore({ historyLimit: 5 });
    s.create('/namespaces', { metadata: { name: 'a' } });
    const first = s.create('/configmaps', { metadata: { name: 'c1', namespace: 'a' } });
    s.create('/configmaps', { metadata: { name: 'c2', namespace: 'a' } });
    const events: WatchEvent[] = [];
    const stop = s.watch('/configmaps', 'a', first.metadata.resourceVersion, (e) => events.push(e));
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'c2']]);
    s.delete('/configmaps', 'a', 'c1');
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    stop();
    const all: WatchEvent[] = [];
    s.watch('/configmaps', undefined, undefined, (e) => all.push(e))();
    expect(all.map((e) => e.object.metadata.name)).toEqual(['c2']);
    for (let i = 0; i < 10; i++) s.create('/configmaps', { metadata: { name: `n${i}`, namespace: 'a' } });
    const gone = err(() => s.watch('/configmaps', 'a', first.metadata.resourceVersion, () => undefined));
    expect([gone.code, gone.reason]).toEqual([410, 'Gone']);
  });

  it('on() sees every change; finalizers delay deletion', () => {
    const s = seeded();
    const seen: string[] = [];
    const off = s.on((key, e) => seen.push(`${key} ${e.type} ${e.object.metadata.name}`));
    const c = s.create('imageregistry.operator.openshift.io/configs', { metadata: { name: 'cluster', finalizers: ['f'] }, spec: {} });
    const marked = s.delete('imageregistry.operator.openshift.io/configs', undefined, 'cluster');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(s.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')).toBeDefined();
    s.update('imageregistry.operator.openshift.io/configs', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    expect(s.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')).toBeUndefined();
    off();
    expect(seen).toEqual([
      'imageregistry.operator.openshift.io/configs ADDED cluster',
      'imageregistry.operator.openshift.io/configs MODIFIED cluster',
      'imageregistry.operator.openshift.io/configs DELETED cluster',
    ]);
    void c;
  });

  it('allocates route hosts from the ingress domain and converts Secret stringData', () => {
    const s = seeded();
    s.create('config.openshift.io/ingresses', { metadata: { name: 'cluster' }, spec: { domain: 'apps.example.com' } });
    const r = s.create('route.openshift.io/routes', { metadata: { name: 'my.route', namespace: 'a' }, spec: { to: { kind: 'Service', name: 's' } } });
    expect((r.spec as any).host).toBe('my-route-a.apps.example.com');
    const sec = s.create('/secrets', { metadata: { name: 's', namespace: 'a' }, stringData: { k: 'v' } });
    expect(sec.data).toEqual({ k: 'dg==' });
    expect(sec.stringData).toBeUndefined();
    expect(sec.type).toBe('Opaque');
  });

  it('keeps pod logs, previous instances, followers', () => {
    const s = seeded();
    s.logs.append('a', 'p', 'c', 'one');
    const got: string[] = [];
    let ended = false;
    s.logs.follow('a', 'p', 'c', (l) => got.push(l.line), () => (ended = true));
    s.logs.append('a', 'p', 'c', 'two');
    s.logs.restart('a', 'p', 'c');
    s.logs.append('a', 'p', 'c', 'three');
    expect(s.logs.read('a', 'p', 'c').map((l) => l.line)).toEqual(['three']);
    expect(s.logs.read('a', 'p', 'c', { previous: true }).map((l) => l.line)).toEqual(['one', 'two']);
    s.logs.remove('a', 'p');
    expect(got).toEqual(['two', 'three']);
    expect(ended).toBe(true);
    expect(s.logs.read('a', 'p', 'c')).toEqual([]);
  });
});
