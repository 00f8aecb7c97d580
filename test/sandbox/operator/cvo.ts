// The cluster-version operator's capability handling: spec.capabilities (baseline set + additional) becomes
// status.capabilities.enabledCapabilities (never shrinking: an enabled capability stays enabled), and a newly
// enabled capability gets its manifests applied — for ImageRegistry the registry operator, which then
// bootstraps its Config. The API server serves a capability's CRDs once it is enabled.
import { CLUSTER_VERSIONS, desiredCapabilities } from '../capabilities.ts';
import type { KubeObject, Store } from '../types.ts';
import { Loop, jsonEqual, tryGet, writeStatus } from './util.ts';

export type CapabilityManifests = Record<string, () => Array<[string, KubeObject]>>;

export function startClusterVersionOperator(store: Store, opts: { manifests: CapabilityManifests; onError?: (e: unknown) => void }): { stop(): void; loop: Loop } {
  const loop = new Loop('cluster-version-operator', reconcile, opts.onError);

  function reconcile(): void {
    const cv = tryGet(store, CLUSTER_VERSIONS, undefined, 'version');
    if (!cv) return;
    const enabled = desiredCapabilities(cv);
    for (const cap of enabled) {
      for (const [key, obj] of opts.manifests[cap]?.() ?? []) {
        if (tryGet(store, key, obj.metadata.namespace, obj.metadata.name!)) continue;
        store.create(key, obj);
      }
    }
    const status = structuredClone((cv.status ?? {}) as any);
    status.capabilities = { ...(status.capabilities ?? {}), enabledCapabilities: enabled };
    status.observedGeneration = cv.metadata.generation ?? 1;
    if (!jsonEqual(cv.status, status)) writeStatus(store, CLUSTER_VERSIONS, cv, status);
  }

  const off = store.on((key) => {
    if (key === CLUSTER_VERSIONS) loop.trigger();
  });
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}
