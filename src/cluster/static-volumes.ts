// Storage classes that cannot provision (provisioner `kubernetes.io/no-provisioner`, the bare-metal/local case):
// a claim of such a class binds only to an existing Available PersistentVolume that matches it, as the kube PV
// controller chooses one (pkg/controller/volume/persistentvolume/index.go findMatchingVolume): same class,
// capacity ≥ the request, access modes covering the claim's, same volumeMode, no claimRef (or one naming the claim).
import type { Json } from './cluster.js';

export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface ClaimNeeds {
  className: string;
  size: string;
  accessModes: string[];
  volumeMode?: string;
  /** namespace/name: a PV whose claimRef already names this claim matches too. */
  claim?: { namespace: string; name: string };
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes of a resource quantity such as 100Gi; NaN when it is not one. */
export function quantityBytes(q: unknown): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i|[kKMGTPE])?$/.exec(String(q ?? ''));
  if (!m) return NaN;
  return Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1);
}

/** The default storage class (the annotation, or its beta form), as DefaultStorageClass admission finds it. */
export function isDefaultClass(sc: Json): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

/** A Pending claim of a WaitForFirstConsumer class that no scheduled pod has chosen a node for yet: it waits for its pod. */
export function waitsForFirstConsumer(claim: Json, cls: Json | undefined): boolean {
  return claim.status?.phase === 'Pending' && !claim.metadata?.annotations?.['volume.kubernetes.io/selected-node'] && cls?.volumeBindingMode === 'WaitForFirstConsumer';
}

export function cannotProvision(cls: Json | undefined): boolean {
  return !!cls && (cls.provisioner ?? '') === NO_PROVISIONER;
}

export function matchingVolume(pvs: Json[], need: ClaimNeeds): Json | undefined {
  const want = quantityBytes(need.size);
  return pvs.find((pv) => {
    const s = pv.spec ?? {};
    if (!(quantityBytes(s.capacity?.storage) >= want)) return false;
    if ((s.volumeMode ?? 'Filesystem') !== (need.volumeMode ?? 'Filesystem') || pv.metadata?.deletionTimestamp) return false;
    const ref = s.claimRef;
    if (ref) return !!need.claim && ref.namespace === need.claim.namespace && ref.name === need.claim.name;
    if (pv.status?.phase !== 'Available' || (s.storageClassName ?? '') !== need.className) return false;
    return need.accessModes.every((m) => (s.accessModes ?? []).includes(m));
  });
}

/** What a matching PV needs, for messages. */
export function describeNeeds(need: ClaimNeeds): string {
  return `storageClassName ${need.className}, accessModes [${need.accessModes.join(',')}], capacity >= ${need.size}${need.volumeMode && need.volumeMode !== 'Filesystem' ? `, volumeMode ${need.volumeMode}` : ''}`;
}

/** The fix: create a PersistentVolume with these fields (the volume source — nfs, hostPath, local … — is the admin's). */
export function createPvFix(need: ClaimNeeds): string {
  return `kubectl create -f pv.yaml  # a PersistentVolume with spec.storageClassName: ${need.className}, spec.accessModes: [${need.accessModes.join(', ')}], spec.capacity.storage: ${need.size} (or more) and a volume source such as nfs`;
}
