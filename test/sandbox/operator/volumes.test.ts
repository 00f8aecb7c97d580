import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../store.ts';
import type { KubeObject, Store } from '../types.ts';
import { startVolumeBinder } from './volumes.ts';
import { startWorkloadController } from './workloads.ts';

const PVC = '/persistentvolumeclaims';
const SC = 'storage.k8s.io/storageclasses';
let stops: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const s of stops) s.stop();
  stops = [];
});

function until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let ok = false;
      try {
        ok = pred();
      } catch { /* not yet */ }
      if (ok) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}
const settle = () => new Promise((r) => setTimeout(r, 80));

type ClassSpec = { name: string; mode?: string; isDefault?: boolean; provisioner?: string };
function world(classes: ClassSpec[]): Store {
  const store = createStore();
  store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  for (const c of classes) addClass(store, c);
  for (const n of ['node-a', 'node-b']) {
    store.create('/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'topology.kubernetes.io/zone': `zone-${n}` } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  return store;
}

function addClass(store: Store, c: ClassSpec): void {
  store.create(SC, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: c.name, ...(c.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    provisioner: c.provisioner ?? 'ebs.csi.aws.com', reclaimPolicy: 'Delete', volumeBindingMode: c.mode ?? 'Immediate',
  });
}

function claim(store: Store, name: string, extra: Record<string, unknown> = {}): KubeObject {
  return store.create(PVC, {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...extra },
  });
}

const get = (s: Store, n: string): any => s.get(PVC, 'ns', n);
const events = (s: Store, name: string): Array<{ reason: string; message: string; type: string }> =>
  s.list('/events', 'ns').items.filter((e: any) => e.involvedObject?.name === name) as any;

describe('DefaultStorageClass admission', () => {
  it('names the default class on create when the claim names none; "" and a named class stay', () => {
    const store = world([{ name: 'gp3-csi', isDefault: true, mode: 'WaitForFirstConsumer' }, { name: 'gold' }]);
    expect(claim(store, 'plain').spec).toMatchObject({ storageClassName: 'gp3-csi' });
    expect((claim(store, 'empty', { storageClassName: '' }).spec as any).storageClassName).toBe('');
    expect((claim(store, 'named', { storageClassName: 'gold' }).spec as any).storageClassName).toBe('gold');
  });
});

describe('PV controller', () => {
  it('Immediate: provisions a PersistentVolume and binds the claim to it', async () => {
    const store = world([{ name: 'gold', isDefault: true }]);
    stops.push(startVolumeBinder(store));
    const c = claim(store, 'data');
    await until(() => get(store, 'data')?.status?.phase === 'Bound');
    const pvc = get(store, 'data');
    const pvName = `pvc-${c.metadata.uid}`;
    expect(pvc.spec.volumeName).toBe(pvName);
    expect(pvc.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com' });
    expect(pvc.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } });
    const pv: any = store.get('/persistentvolumes', undefined, pvName);
    expect(pv.spec).toMatchObject({ storageClassName: 'gold', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'data', uid: c.metadata.uid } });
    expect(pv.metadata.annotations['pv.kubernetes.io/provisioned-by']).toBe('ebs.csi.aws.com');
    expect(pv.status.phase).toBe('Bound');
    expect(events(store, 'data').map((e) => e.reason)).toEqual(expect.arrayContaining(['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']));
  });

  it('WaitForFirstConsumer: Pending with the WaitForFirstConsumer event until selected-node is set, then bound', async () => {
    const store = world([{ name: 'gp3-csi', isDefault: true, mode: 'WaitForFirstConsumer' }]);
    stops.push(startVolumeBinder(store));
    claim(store, 'data');
    await until(() => events(store, 'data').some((e) => e.reason === 'WaitForFirstConsumer'));
    await settle();
    expect(get(store, 'data').status.phase).toBe('Pending');
    expect(get(store, 'data').spec.volumeName).toBeUndefined();
    expect(events(store, 'data').find((e) => e.reason === 'WaitForFirstConsumer')!.message).toBe('waiting for first consumer to be created before binding');
    const cur = get(store, 'data');
    store.update(PVC, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined, annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } } });
    await until(() => get(store, 'data')?.status?.phase === 'Bound');
    const pv: any = store.get('/persistentvolumes', undefined, get(store, 'data').spec.volumeName);
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['zone-node-b']);
  });

  it('no class and no default: Pending forever with FailedBinding; a default class made later is assigned and binds', async () => {
    const store = world([{ name: 'gold' }]);
    stops.push(startVolumeBinder(store));
    claim(store, 'data');
    claim(store, 'unknown', { storageClassName: 'silver' });
    await until(() => events(store, 'data').some((e) => e.reason === 'FailedBinding'));
    await settle();
    expect(get(store, 'data').status.phase).toBe('Pending');
    expect(get(store, 'data').spec.storageClassName).toBeUndefined();
    expect(events(store, 'data').find((e) => e.reason === 'FailedBinding')!.message).toBe('no persistent volumes available for this claim and no storage class is set');
    expect(events(store, 'unknown').find((e) => e.reason === 'ProvisioningFailed')).toMatchObject({ type: 'Warning', message: 'storageclass.storage.k8s.io "silver" not found' });
    expect(get(store, 'unknown').status.phase).toBe('Pending');
    addClass(store, { name: 'standard', isDefault: true });
    await until(() => get(store, 'data')?.status?.phase === 'Bound');
    expect(get(store, 'data').spec.storageClassName).toBe('standard');
    expect(get(store, 'unknown').status.phase).toBe('Pending');
  });
});

describe('scheduler VolumeBinding + PV controller', () => {
  function deployment(store: Store, claimName: string): void {
    store.create('apps/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns' },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'img:1' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] } },
      },
    });
  }
  const pods = (s: Store): any[] => s.list('/pods', 'ns').items;

  it('WaitForFirstConsumer: the pod waits unscheduled, the claim gets selected-node, binds, then the pod runs on that node', async () => {
    const store = world([{ name: 'gp3-csi', isDefault: true, mode: 'WaitForFirstConsumer' }]);
    claim(store, 'data');
    stops.push(startVolumeBinder(store), startWorkloadController(store, { podStartMs: 20 }));
    deployment(store, 'data');
    await until(() => pods(store)[0]?.status?.phase === 'Running');
    const pod = pods(store)[0];
    const pvc = get(store, 'data');
    expect(pvc.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(pod.spec.nodeName);
    expect(pvc.status.phase).toBe('Bound');
    const reasons = store.list('/events', 'ns').items.map((e: any) => `${e.involvedObject.kind}/${e.reason}`);
    expect(reasons).toEqual(expect.arrayContaining(['PersistentVolumeClaim/ProvisioningSucceeded', 'Pod/Scheduled']));
    expect(reasons).not.toContain('Pod/FailedScheduling');
  });

  it('an unbound claim of no class: the pod is unschedulable (unbound immediate claims), then scheduled once it binds', async () => {
    const store = world([]);
    claim(store, 'data');
    stops.push(startVolumeBinder(store), startWorkloadController(store, { podStartMs: 20 }));
    deployment(store, 'data');
    await until(() => store.list('/events', 'ns').items.some((e: any) => e.reason === 'FailedScheduling'));
    await settle();
    const pod = pods(store)[0];
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.conditions[0]).toMatchObject({
      type: 'PodScheduled', status: 'False', reason: 'Unschedulable',
      message: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    });
    expect(get(store, 'data').status.phase).toBe('Pending');
    addClass(store, { name: 'standard', isDefault: true });
    await until(() => pods(store)[0]?.status?.phase === 'Running');
    expect(get(store, 'data').status.phase).toBe('Bound');
  });
});

const PVS = '/persistentvolumes';
function staticPv(store: Store, name: string, o: { size: string; modes: string[]; cls: string; labels?: Record<string, string> }): void {
  store.create(PVS, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: { capacity: { storage: o.size }, accessModes: o.modes, storageClassName: o.cls, persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/srv/${name}` } },
  });
}
const pv = (s: Store, n: string): any => s.get(PVS, undefined, n);

describe('kubernetes.io/no-provisioner classes and static PersistentVolumes', () => {
  it('Immediate: never provisions (Warning ProvisioningFailed); binds the smallest matching Available PV once one exists', async () => {
    const store = world([{ name: 'local', isDefault: true, provisioner: 'kubernetes.io/no-provisioner' }]);
    stops.push(startVolumeBinder(store));
    staticPv(store, 'small', { size: '1Gi', modes: ['ReadWriteOnce'], cls: 'local' });
    staticPv(store, 'other-class', { size: '50Gi', modes: ['ReadWriteOnce'], cls: 'gold' });
    staticPv(store, 'rox', { size: '50Gi', modes: ['ReadOnlyMany'], cls: 'local' });
    const c = claim(store, 'data');
    await until(() => events(store, 'data').some((e) => e.reason === 'ProvisioningFailed'));
    await settle();
    expect(events(store, 'data').find((e) => e.reason === 'ProvisioningFailed')).toMatchObject({ type: 'Warning', message: 'no volume plugin matched name: kubernetes.io/no-provisioner' });
    expect(get(store, 'data').status.phase).toBe('Pending');
    expect(store.list(PVS).items.map((p) => p.metadata.name).sort()).toEqual(['other-class', 'rox', 'small']);
    expect(pv(store, 'small').status.phase).toBe('Available');
    staticPv(store, 'big', { size: '100Gi', modes: ['ReadWriteOnce', 'ReadWriteMany'], cls: 'local' });
    staticPv(store, 'fits', { size: '10Gi', modes: ['ReadWriteOnce'], cls: 'local' });
    await until(() => get(store, 'data')?.status?.phase === 'Bound');
    const pvc = get(store, 'data');
    expect(pvc.spec.volumeName).toBe('fits');
    expect(pvc.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(pvc.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } });
    expect(pv(store, 'fits').spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: c.metadata.uid });
    expect(pv(store, 'fits').status.phase).toBe('Bound');
    expect(pv(store, 'big').status.phase).toBe('Available');
    expect(events(store, 'data').map((e) => e.reason)).not.toContain('ProvisioningSucceeded');
  });

  it('a selector limits the PVs a claim can take', async () => {
    const store = world([{ name: 'local', provisioner: 'kubernetes.io/no-provisioner' }]);
    stops.push(startVolumeBinder(store));
    staticPv(store, 'a', { size: '5Gi', modes: ['ReadWriteOnce'], cls: 'local', labels: { tier: 'a' } });
    staticPv(store, 'b', { size: '8Gi', modes: ['ReadWriteOnce'], cls: 'local', labels: { tier: 'b' } });
    claim(store, 'data', { storageClassName: 'local', selector: { matchLabels: { tier: 'b' } } });
    await until(() => get(store, 'data')?.status?.phase === 'Bound');
    expect(get(store, 'data').spec.volumeName).toBe('b');
  });
});

describe('scheduler VolumeBinding with a no-provisioner WaitForFirstConsumer class', () => {
  it('no matching PV: the pod is unschedulable ("didn\'t find available persistent volumes to bind"); a PV created later is bound and the pod runs', async () => {
    const store = world([{ name: 'standard', isDefault: true, mode: 'WaitForFirstConsumer', provisioner: 'kubernetes.io/no-provisioner' }]);
    claim(store, 'data', { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } } });
    stops.push(startVolumeBinder(store), startWorkloadController(store, { podStartMs: 20 }));
    store.create('apps/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns' },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'img:1' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } },
      },
    });
    await until(() => store.list('/events', 'ns').items.some((e: any) => e.reason === 'FailedScheduling'));
    await until(() => events(store, 'data').some((e) => e.reason === 'WaitForPodScheduled'));
    const pods = (): any[] => store.list('/pods', 'ns').items;
    expect(pods()[0].spec.nodeName).toBeUndefined();
    expect(pods()[0].status.conditions[0].message).toBe("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    staticPv(store, 'too-small', { size: '50Gi', modes: ['ReadWriteMany'], cls: 'standard' });
    await settle();
    expect(pods()[0].spec.nodeName).toBeUndefined();
    staticPv(store, 'nfs-1', { size: '200Gi', modes: ['ReadWriteMany'], cls: 'standard' });
    await until(() => pods()[0]?.status?.phase === 'Running');
    const pvc = get(store, 'data');
    expect(pvc.status.phase).toBe('Bound');
    expect(pvc.spec.volumeName).toBe('nfs-1');
    expect(pvc.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBeUndefined();
    expect(pv(store, 'nfs-1').spec.claimRef).toMatchObject({ name: 'data', namespace: 'ns' });
    expect(store.list(PVS).items).toHaveLength(2);
  });
});
