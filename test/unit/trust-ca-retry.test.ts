// applyTrust's read-modify-write loop against a small in-memory stand-in for the Cluster (resourceVersion checks,
// a hook that lets "someone else" write between our read and our write).
import { beforeAll, describe, expect, it } from 'vitest';
import { createCA } from '../sandbox/pki.js';
import { applyTrust, type SetEntry } from '../../src/cluster/trusted-ca.js';
import { ApiError } from '../../src/cluster/api-error.js';
import { parseCABundle } from '../../src/pki/pem.js';
import type { Cluster, Json } from '../../src/cluster/cluster.js';

type Ref = { resource: string };

class FakeCluster {
  objects = new Map<string, Json>();
  rv = 1;
  writes: string[] = [];
  /** Runs before each write; may change state (a concurrent writer). */
  beforeWrite?: (what: string) => void;
  failWrites = 0;

  key(ref: Ref, name: string, ns?: string) {
    return `${ref.resource}/${ref.resource === 'images' ? '' : (ns ?? '')}/${name}`;
  }
  put(ref: Ref, obj: Json) {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(ref, o.metadata.name, o.metadata.namespace), o);
    return structuredClone(o);
  }
  private conflict(path: string, reason = 'Conflict'): never {
    throw new ApiError(409, 'PUT', path, { reason, message: `Operation cannot be fulfilled: ${reason}` });
  }
  private hook(what: string) {
    this.beforeWrite?.(what);
    if (this.failWrites > 0) {
      this.failWrites--;
      this.conflict(what);
    }
  }
  async getOrNull(ref: Ref, name: string, ns?: string) {
    const o = this.objects.get(this.key(ref, name, ns));
    return o ? structuredClone(o) : null;
  }
  async create(ref: Ref, obj: Json, o: { namespace?: string } = {}) {
    this.hook('create');
    const k = this.key(ref, obj.metadata.name, o.namespace ?? obj.metadata.namespace);
    if (this.objects.has(k)) this.conflict(k, 'AlreadyExists');
    this.writes.push(`create ${k}`);
    return this.put(ref, { ...obj, metadata: { ...obj.metadata, namespace: o.namespace ?? obj.metadata.namespace } });
  }
  async update(ref: Ref, obj: Json) {
    this.hook('update');
    const k = this.key(ref, obj.metadata.name, obj.metadata.namespace);
    const cur = this.objects.get(k);
    if (!cur) throw new ApiError(404, 'PUT', k, { reason: 'NotFound', details: { name: obj.metadata.name } });
    if (obj.metadata.resourceVersion !== cur.metadata.resourceVersion) this.conflict(k);
    this.writes.push(`update ${k}`);
    return this.put(ref, obj);
  }
  async patch(ref: Ref, name: string, patch: Json) {
    this.hook('patch');
    const k = this.key(ref, name);
    const cur = this.objects.get(k)!;
    if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== cur.metadata.resourceVersion) this.conflict(k);
    this.writes.push(`patch ${k}`);
    return this.put(ref, { ...cur, spec: { ...cur.spec, ...patch.spec } });
  }
}

let e1: SetEntry;
let e2: SetEntry;
const IMAGES = { resource: 'images' };
const CMS = { resource: 'configmaps' };

beforeAll(async () => {
  const [a, b] = await Promise.all([createCA('retry-a'), createCA('retry-b')]);
  const ba = parseCABundle(a.certPem, 'a');
  const bb = parseCABundle(b.certPem, 'b');
  e1 = { key: 'a.example.com', display: 'a.example.com', pem: ba.pem, certs: ba.certs };
  e2 = { key: 'b.example.com..5000', display: 'b.example.com:5000', pem: bb.pem, certs: bb.certs };
});

function fresh() {
  const c = new FakeCluster();
  c.put(IMAGES, { metadata: { name: 'cluster' }, spec: {} });
  return c;
}
const cmData = (c: FakeCluster, name = 'registry-cas') => c.objects.get(`configmaps/openshift-config/${name}`)?.data;
const asCluster = (c: FakeCluster) => c as unknown as Cluster;

describe('applyTrust retries on conflict', () => {
  it('a concurrent create of the same ConfigMap (409 AlreadyExists) → read again, update, both keys kept', async () => {
    const c = fresh();
    let once = false;
    c.beforeWrite = (what) => {
      if (what !== 'create' || once) return;
      once = true;
      // The other regctl wins the race: creates the ConfigMap with its key and patches image.config.
      c.put(CMS, { metadata: { name: 'registry-cas', namespace: 'openshift-config' }, data: { 'b.example.com..5000': e2.pem } });
      const ic = c.objects.get('images//cluster')!;
      c.put(IMAGES, { ...ic, spec: { additionalTrustedCA: { name: 'registry-cas' } } });
    };
    const retries: string[] = [];
    const r = await applyTrust(asCluster(c), { set: [e1] }, { onRetry: (n, what) => retries.push(`${n} ${what}`) });
    expect(r.attempts).toBe(2);
    expect(retries).toEqual(['1 ConfigMap openshift-config/registry-cas']);
    expect(Object.keys(cmData(c)!).sort()).toEqual(['a.example.com', 'b.example.com..5000']);
    expect(r.imageConfigPatch).toBeNull(); // the other run already referenced it
    expect(c.writes).toEqual(['update configmaps/openshift-config/registry-cas']);
  });

  it('a concurrent update of another key (stale resourceVersion) → the other key survives', async () => {
    const c = fresh();
    await applyTrust(asCluster(c), { set: [e1] });
    let once = false;
    c.beforeWrite = (what) => {
      if (what !== 'update' || once) return;
      once = true;
      const cur = c.objects.get('configmaps/openshift-config/registry-cas')!;
      c.put(CMS, { ...cur, data: { ...cur.data, 'other.example.com': 'x' } });
    };
    const r = await applyTrust(asCluster(c), { set: [e2] });
    expect(r.attempts).toBe(2);
    expect(Object.keys(cmData(c)!).sort()).toEqual(['a.example.com', 'b.example.com..5000', 'other.example.com']);
  });

  it('a conflict on the image.config patch is retried without rewriting the ConfigMap', async () => {
    const c = fresh();
    let once = false;
    c.beforeWrite = (what) => {
      if (what !== 'patch' || once) return;
      once = true;
      const ic = c.objects.get('images//cluster')!;
      c.put(IMAGES, { ...ic, metadata: { ...ic.metadata, labels: { touched: 'yes' } } });
    };
    const r = await applyTrust(asCluster(c), { set: [e1] });
    expect(r.attempts).toBe(2);
    expect(c.writes).toEqual(['create configmaps/openshift-config/registry-cas', 'patch images//cluster']);
    expect(c.objects.get('images//cluster')!.spec.additionalTrustedCA).toEqual({ name: 'registry-cas' });
  });

  it('gives up after maxAttempts with a one-line error naming the object', async () => {
    const c = fresh();
    c.failWrites = 100;
    const e = await applyTrust(asCluster(c), { set: [e1] }, { maxAttempts: 3 }).then(() => undefined, (x) => x);
    expect((e as Error).message).toBe('ConfigMap openshift-config/registry-cas kept changing under us: gave up after 3 conflicting writes');
    expect(cmData(c)).toBeUndefined();
  });

  it('dry run and no-op runs never write', async () => {
    const c = fresh();
    const d = await applyTrust(asCluster(c), { set: [e1] }, { dryRun: true });
    expect(d).toMatchObject({ written: false, configMapWrite: 'create' });
    expect(c.writes).toEqual([]);
    await applyTrust(asCluster(c), { set: [e1] });
    c.writes = [];
    const again = await applyTrust(asCluster(c), { set: [e1] });
    expect(again).toMatchObject({ written: false, configMapWrite: 'none', imageConfigPatch: null });
    expect(c.writes).toEqual([]);
  });
});
