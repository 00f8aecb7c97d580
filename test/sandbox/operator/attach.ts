// The attach/detach controller's Multi-Attach check (kubernetes pkg/controller/volume/attachdetach/reconciler):
// a ReadWriteOnce volume attached to one node (a running pod there uses the claim) cannot be attached to another,
// so a pod scheduled elsewhere stays ContainerCreating with a FailedAttachVolume Warning event.
import type { KubeObject, Store } from '../types.ts';
import { tryGet, tryList } from './util.ts';

export interface MultiAttach {
  /** The PersistentVolume name, as the event names it (dynamic provisioning: pvc-<claim uid>). */
  volume: string;
  /** Pods of the same namespace holding the volume on another node. */
  pods: string[];
}

function claimsOf(p: KubeObject): string[] {
  return (((p.spec as any)?.volumes ?? []) as any[]).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
}

/** Why `pod` cannot get its volumes attached on its node, or undefined when nothing blocks it. */
export function multiAttachBlocker(store: Store, pod: KubeObject): MultiAttach | undefined {
  const ns = pod.metadata.namespace!;
  const node = (pod.spec as any)?.nodeName as string | undefined;
  if (!node) return undefined;
  for (const claim of claimsOf(pod)) {
    const pvc = tryGet(store, '/persistentvolumeclaims', ns, claim);
    if (!pvc) continue;
    const modes: string[] = (pvc.status as any)?.accessModes ?? (pvc.spec as any)?.accessModes ?? [];
    if (!modes.includes('ReadWriteOnce') || modes.includes('ReadWriteMany') || modes.includes('ReadOnlyMany')) continue;
    const holders = tryList(store, '/pods', ns).filter(
      (o) => o.metadata.uid !== pod.metadata.uid && (o.status as any)?.phase === 'Running' && (o.spec as any)?.nodeName !== node && claimsOf(o).includes(claim),
    );
    if (holders.length) return { volume: (pvc.spec as any)?.volumeName || `pvc-${pvc.metadata.uid}`, pods: holders.map((o) => o.metadata.name!) };
  }
  return undefined;
}

/** The event message: `Multi-Attach error for volume "<pv>" Volume is already used by pod(s) <names>`. */
export function multiAttachMessage(m: MultiAttach): string {
  return `Multi-Attach error for volume "${m.volume}" Volume is already used by pod(s) ${m.pods.join(', ')}`;
}
