// The storage provisioner: a claim whose storage class exists (or, with none named, when a default class exists)
// is bound with the access modes and size it asked for, as dynamic provisioning does on a real cluster.
import type { KubeObject, Store } from '../types.ts';
import { Loop, tryList } from './util.ts';

const PVC = '/persistentvolumeclaims';
const SC = 'storage.k8s.io/storageclasses';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

export function startVolumeBinder(store: Store, opts: { onError?: (e: unknown) => void } = {}): { stop(): void } {
  const loop = new Loop('volume-binder', reconcile, opts.onError);

  function reconcile(): void {
    const classes = tryList(store, SC);
    const defaultClass = classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true')?.metadata.name;
    for (const pvc of tryList(store, PVC)) {
      const spec = (pvc.spec ?? {}) as { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };
      if ((pvc.status as { phase?: string } | undefined)?.phase === 'Bound' || pvc.metadata.deletionTimestamp) continue;
      const cls = spec.storageClassName ?? defaultClass;
      if (!cls || !classes.some((c) => c.metadata.name === cls)) continue;
      bind(pvc, spec.accessModes ?? ['ReadWriteOnce'], spec.resources?.requests?.storage ?? '1Gi');
    }
  }

  function bind(pvc: KubeObject, accessModes: string[], storage: string): void {
    try {
      store.update(PVC, { ...pvc, status: { phase: 'Bound', accessModes, capacity: { storage } } }, { subresource: 'status' });
    } catch {
      loop.later(100); // changed meanwhile: look again
    }
  }

  const off = store.on((key) => {
    if (key === PVC || key === SC) loop.trigger();
  });
  loop.trigger();
  return { stop: () => (off(), loop.stop()) };
}
