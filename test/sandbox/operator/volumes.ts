// Persistent volumes as kube 1.30 (OpenShift 4.17) handles them, minimally:
// - DefaultStorageClass admission (plugin/pkg/admission/storage/storageclass/setdefault/admission.go): a claim created
//   with no spec.storageClassName (nil, not "") and no beta class annotation gets the default class, the newest default
//   when several are marked (storage/util GetDefaultClass). `defaultStorageClassOnCreate`, called by the store on create.
// - The PV controller (pkg/controller/volume/persistentvolume/pv_controller.go syncUnboundClaim, provisionClaim,
//   bind*) plus a CSI external-provisioner: a claim with no class and no default stays Pending (Normal FailedBinding
//   "no persistent volumes available for this claim and no storage class is set"); a nil class gets a default that
//   appears later (retroactive assignment, GA in 1.28: assignDefaultStorageClass); a class with
//   volumeBindingMode WaitForFirstConsumer waits until the scheduler puts `volume.kubernetes.io/selected-node` on the
//   claim (Normal WaitForFirstConsumer "waiting for first consumer to be created before binding", or WaitForPodScheduled
//   "waiting for pod P to be scheduled" while an unscheduled pod uses it: emitEventForUnboundDelayBindingClaim); then,
//   and at once for Immediate classes, it is provisioned: a PersistentVolume `pvc-<claim uid>` with the claim's access
//   modes and size, the class, its reclaim policy, claimRef and `pv.kubernetes.io/provisioned-by`, and bound: the
//   claim gets spec.volumeName, `pv.kubernetes.io/bind-completed`/`bound-by-controller: yes`, the provisioner
//   annotations, status Bound with the volume's access modes and capacity. A class that does not exist: Warning
//   ProvisioningFailed `storageclass.storage.k8s.io "X" not found` (provisionClaimOperation).
// The scheduler side (setting selected-node, holding the pod until its claims are bound) is in workloads.ts.
// Not simulated: matching pre-created (static) PersistentVolumes, `kubernetes.io/no-provisioner` classes never
// provisioning (the sandbox provisions for every provisioner), PV deletion on claim deletion, the pvc-/pv-protection
// finalizers.
import type { KubeObject, Store } from '../types.ts';
import { recordEvent } from './events.ts';
import { Loop, tryGet, tryList } from './util.ts';

const PVC = '/persistentvolumeclaims';
const PV = '/persistentvolumes';
const SC = 'storage.k8s.io/storageclasses';
const PODS = '/pods';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
const BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const COMPONENT = 'persistentvolume-controller';

/** storage/util GetDefaultClass: the newest class marked default (ties: by name), or undefined. */
export function defaultClass(classes: KubeObject[]): KubeObject | undefined {
  const marked = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true' || c.metadata.annotations?.[BETA_DEFAULT_CLASS] === 'true');
  marked.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name! < b.metadata.name! ? -1 : 1));
  return marked[0];
}

/** The DefaultStorageClass admission plugin on a claim's create. */
export function defaultStorageClassOnCreate(claim: KubeObject, classes: KubeObject[]): void {
  const spec = (claim.spec ??= {}) as { storageClassName?: string | null };
  if (spec.storageClassName != null || claim.metadata.annotations?.[BETA_CLASS] !== undefined) return;
  const def = defaultClass(classes);
  if (def) spec.storageClassName = def.metadata.name;
}

/** storagehelpers.GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(claim: KubeObject): string {
  return claim.metadata.annotations?.[BETA_CLASS] ?? ((claim.spec as any)?.storageClassName as string | undefined) ?? '';
}

/** storagehelpers.IsDelayBindingMode: the claim's class exists and waits for its first consumer. */
export function isDelayBinding(store: Store, claim: KubeObject): boolean {
  const name = claimClass(claim);
  if (!name) return false;
  return (tryGet(store, SC, undefined, name) as any)?.volumeBindingMode === 'WaitForFirstConsumer';
}

export function isBound(claim: KubeObject | undefined): boolean {
  return (claim?.status as any)?.phase === 'Bound';
}

function claimsOf(p: KubeObject): string[] {
  return (((p.spec as any)?.volumes ?? []) as any[]).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
}

export function startVolumeBinder(store: Store, opts: { onError?: (e: unknown) => void } = {}): { stop(): void } {
  const loop = new Loop('volume-binder', reconcile, opts.onError);
  // The controller re-emits on every sync (aggregated into a count); once per claim and message is enough here.
  const reported = new Set<string>();

  function event(claim: KubeObject, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal', component = COMPONENT): void {
    const key = `${claim.metadata.uid}|${reason}|${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    recordEvent(store, claim, reason, message, { type, component });
  }

  function reconcile(): void {
    const classes = tryList(store, SC);
    for (const claim of tryList(store, PVC)) {
      if (claim.metadata.deletionTimestamp || claim.metadata.annotations?.[BIND_COMPLETED]) continue;
      if ((claim.spec as any)?.volumeName) continue; // pre-bound by the user to a volume: static PVs are not simulated
      try {
        syncUnbound(claim, classes);
      } catch {
        loop.later(100); // changed meanwhile: look again
      }
    }
  }

  function syncUnbound(claim: KubeObject, classes: KubeObject[]): void {
    const spec = (claim.spec ?? {}) as any;
    // Retroactive default class: only a nil class (not "") and no beta annotation.
    if (spec.storageClassName == null && claim.metadata.annotations?.[BETA_CLASS] === undefined) {
      const def = defaultClass(classes);
      if (def) {
        store.update(PVC, { ...claim, metadata: { ...claim.metadata, resourceVersion: undefined }, spec: { ...spec, storageClassName: def.metadata.name } });
        return;
      }
    }
    const name = claimClass(claim);
    const cls = classes.find((c) => c.metadata.name === name) as any;
    const delay = cls?.volumeBindingMode === 'WaitForFirstConsumer';
    if (delay && !claim.metadata.annotations?.[SELECTED_NODE]) {
      const waiting = tryList(store, PODS, claim.metadata.namespace)
        .filter((p) => !p.metadata.deletionTimestamp && !(p.spec as any)?.nodeName && claimsOf(p).includes(claim.metadata.name!))
        .map((p) => p.metadata.name!);
      if (waiting.length) event(claim, 'WaitForPodScheduled', waiting.length > 1 ? `waiting for pods ${waiting.join(',')} to be scheduled` : `waiting for pod ${waiting[0]} to be scheduled`);
      else event(claim, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      pending(claim);
      return;
    }
    if (!name) {
      event(claim, 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      pending(claim);
      return;
    }
    if (!cls) {
      event(claim, 'ProvisioningFailed', `storageclass.storage.k8s.io "${name}" not found`, 'Warning');
      pending(claim);
      return;
    }
    provisionAndBind(claim, cls);
  }

  function pending(claim: KubeObject): void {
    if ((claim.status as any)?.phase === 'Pending') return;
    store.update(PVC, { ...claim, metadata: { ...claim.metadata, resourceVersion: undefined }, status: { phase: 'Pending' } }, { subresource: 'status' });
  }

  function provisionAndBind(claim: KubeObject, cls: any): void {
    const spec = (claim.spec ?? {}) as any;
    const provisioner: string = cls.provisioner ?? '';
    const ns = claim.metadata.namespace!;
    const pvName = `pvc-${claim.metadata.uid}`;
    event(claim, 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    const accessModes: string[] = spec.accessModes ?? ['ReadWriteOnce'];
    const storage: string = spec.resources?.requests?.storage ?? '1Gi';
    let pv = tryGet(store, PV, undefined, pvName);
    if (!pv) {
      const by = `${provisioner}_sandbox-csi-controller`;
      event(claim, 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${claim.metadata.name}"`, 'Normal', by);
      const selected = claim.metadata.annotations?.[SELECTED_NODE];
      pv = store.create(PV, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: pvName,
          annotations: { 'pv.kubernetes.io/provisioned-by': provisioner, 'volume.kubernetes.io/provisioner-deletion-secret-name': '', 'volume.kubernetes.io/provisioner-deletion-secret-namespace': '' },
        },
        spec: {
          accessModes,
          capacity: { storage },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
          csi: { driver: provisioner, fsType: 'ext4', volumeHandle: `vol-${claim.metadata.uid!.replace(/-/g, '').slice(0, 17)}` },
          persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
          storageClassName: cls.metadata.name,
          volumeMode: spec.volumeMode ?? 'Filesystem',
          ...(selected ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zoneOf(selected)] }] }] } } } : {}),
        },
      });
      event(claim, 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, 'Normal', by);
    }
    // bindVolumeToClaim: the controller marks the volume it bound.
    if (pv.metadata.annotations?.[BOUND_BY_CONTROLLER] !== 'yes') {
      pv = store.update(PV, { ...pv, metadata: { ...pv.metadata, resourceVersion: undefined, annotations: { ...pv.metadata.annotations, [BOUND_BY_CONTROLLER]: 'yes' } } });
    }
    if ((pv.status as any)?.phase !== 'Bound') store.update(PV, { ...pv, metadata: { ...pv.metadata, resourceVersion: undefined }, status: { phase: 'Bound' } }, { subresource: 'status' });
    // bindClaimToVolume, then updateClaimStatus.
    const bound = store.update(PVC, {
      ...claim,
      metadata: {
        ...claim.metadata,
        resourceVersion: undefined,
        annotations: {
          ...claim.metadata.annotations,
          [BIND_COMPLETED]: 'yes',
          [BOUND_BY_CONTROLLER]: 'yes',
          'volume.beta.kubernetes.io/storage-provisioner': provisioner,
          'volume.kubernetes.io/storage-provisioner': provisioner,
        },
      },
      spec: { ...spec, volumeName: pvName },
    });
    store.update(PVC, { ...bound, metadata: { ...bound.metadata, resourceVersion: undefined }, status: { phase: 'Bound', accessModes, capacity: { storage } } }, { subresource: 'status' });
  }

  function zoneOf(node: string): string {
    return (tryGet(store, '/nodes', undefined, node)?.metadata.labels?.['topology.kubernetes.io/zone']) ?? 'us-east-1a';
  }

  const off = store.on((key) => {
    if (key === PVC || key === SC || key === PV || key === PODS) loop.trigger();
  });
  loop.trigger();
  return { stop: () => (off(), loop.stop()) };
}
