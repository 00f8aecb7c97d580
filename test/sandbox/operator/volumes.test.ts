import { describe, expect, it } from 'vitest';
import { createStore } from '../store.ts';
import { startVolumeBinder } from './volumes.ts';

const tick = () => new Promise((r) => setTimeout(r, 50));

describe('volume binder', () => {
  it('binds claims of an existing (or the default) storage class and leaves others Pending', async () => {
    const store = createStore();
    store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    store.create('storage.k8s.io/storageclasses', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    });
    const binder = startVolumeBinder(store);
    const claim = (name: string, extra: Record<string, unknown>) =>
      store.create('/persistentvolumeclaims', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: 'ns' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...extra },
      });
    claim('by-default', {});
    claim('named', { storageClassName: 'standard' });
    claim('unknown-class', { storageClassName: 'gold' });
    await tick();
    const phase = (n: string) => (store.get('/persistentvolumeclaims', 'ns', n)?.status as any)?.phase;
    expect(phase('by-default')).toBe('Bound');
    expect(phase('named')).toBe('Bound');
    expect((store.get('/persistentvolumeclaims', 'ns', 'named')?.status as any).capacity).toEqual({ storage: '5Gi' });
    expect(phase('unknown-class')).not.toBe('Bound');
    binder.stop();
  });
});
