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
// - Static PersistentVolumes (pv_controller.go syncUnboundClaim → index.go findBestMatchForClaim/findMatchingVolume,
//   then bind: bindVolumeToClaim, updateVolumePhase, bindClaimToVolume, updateClaimStatus): before anything is
//   provisioned an unbound claim takes the smallest Available PV with no claimRef of its class, the same volumeMode,
//   capacity ≥ its request, access modes covering its own and labels matching its selector (for WaitForFirstConsumer
//   classes only a PV the scheduler already pointed at the claim: `findMatchingVolume`, `bindStaticVolume`).
// - A class whose provisioner is `kubernetes.io/no-provisioner` never provisions: findProvisionablePlugin finds no
//   in-tree plugin of that name and provisionClaimOperation reports Warning ProvisioningFailed
//   `no volume plugin matched name: kubernetes.io/no-provisioner` (pkg/volume/plugins.go FindPluginByName); the claim
//   stays Pending until a matching PV appears.
// Not simulated: PV deletion on claim deletion, the pvc-/pv-protection finalizers, Released/Failed PVs.
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
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

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

function quantity(q: unknown): number {
  const m = /^([0-9.]+)([KMGTPE]i?|[kmgtpe])?$/.exec(String(q ?? '0'));
  if (!m) return 0;
  const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const dec: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(m[1]) * (m[2] ? (bin[m[2]] ?? dec[m[2]] ?? 1) : 1);
}

function matchesExpressions(labels: Record<string, string>, exprs: any[]): boolean {
  return exprs.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** metav1.LabelSelectorAsSelector(claim.spec.selector).Matches(pv labels). */
function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const eq = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
  return eq && matchesExpressions(labels, selector.matchExpressions ?? []);
}

/** storagehelpers.CheckNodeAffinity: the PV's required node selector terms (ORed) against the node's labels. */
function nodeAffinityMatches(pv: KubeObject, node: KubeObject): boolean {
  const terms = ((pv.spec as any)?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as any[];
  if (!terms.length) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some((t) => matchesExpressions(labels, t.matchExpressions ?? []));
}

function boundToClaim(pv: KubeObject, claim: KubeObject): boolean {
  const ref = (pv.spec as any)?.claimRef;
  return !!ref && ref.name === claim.metadata.name && ref.namespace === claim.metadata.namespace && (!ref.uid || ref.uid === claim.metadata.uid);
}

/**
 * index.go findBestMatchForClaim → findMatchingVolume: a PV already pointed at the claim wins; with delayBinding and
 * no node (the PV controller's call for a WaitForFirstConsumer class) nothing else — the scheduler binds those; else
 * the smallest Available PV with no claimRef, the claim's class, selector, volumeMode, capacity ≥ request and access
 * modes that cover the claim's (the index tries the mode sets with the fewest modes first).
 */
export function findMatchingVolume(store: Store, claim: KubeObject, delayBinding: boolean, node?: KubeObject, excluded: Set<string> = new Set()): KubeObject | undefined {
  const spec = (claim.spec ?? {}) as any;
  const requested = quantity(spec.resources?.requests?.storage);
  const wanted: string[] = spec.accessModes ?? [];
  const cls = claimClass(claim);
  const mode = spec.volumeMode ?? 'Filesystem';
  const candidates: KubeObject[] = [];
  for (const pv of tryList(store, PV)) {
    if (excluded.has(pv.metadata.name!)) continue; // already chosen for another claim of the same pod
    const ps = (pv.spec ?? {}) as any;
    if (quantity(ps.capacity?.storage) < requested) continue;
    if ((ps.volumeMode ?? 'Filesystem') !== mode) continue;
    if (pv.metadata.deletionTimestamp) continue;
    const affinityOk = !node || nodeAffinityMatches(pv, node);
    if (boundToClaim(pv, claim)) return affinityOk ? pv : undefined;
    if (!node && delayBinding) continue;
    if ((pv.status as any)?.phase !== 'Available' || ps.claimRef) continue;
    if (!selectorMatches(spec.selector, pv.metadata.labels ?? {})) continue;
    if ((pv.metadata.annotations?.[BETA_CLASS] ?? ps.storageClassName ?? '') !== cls) continue;
    if (!affinityOk) continue;
    const modes: string[] = ps.accessModes ?? [];
    if (!wanted.every((m) => modes.includes(m))) continue;
    candidates.push(pv);
  }
  candidates.sort((a, b) => ((a.spec as any).accessModes.length - (b.spec as any).accessModes.length) || quantity((a.spec as any).capacity?.storage) - quantity((b.spec as any).capacity?.storage));
  return candidates[0];
}

/** volume.GetBindVolumeToClaim: the claimRef and `pv.kubernetes.io/bound-by-controller: yes` (also the scheduler's PreBind). */
export function claimVolumeFor(store: Store, pv: KubeObject, claim: KubeObject): KubeObject {
  if (boundToClaim(pv, claim) && pv.metadata.annotations?.[BOUND_BY_CONTROLLER]) return pv;
  return store.update(PV, {
    ...pv,
    metadata: { ...pv.metadata, resourceVersion: undefined, annotations: { ...pv.metadata.annotations, [BOUND_BY_CONTROLLER]: 'yes' } },
    spec: { ...(pv.spec as object), claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion } },
  });
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
    // syncVolume: an unused volume (no claimRef) is made Available (the API stored it Pending).
    for (const pv of tryList(store, PV)) {
      if ((pv.spec as any)?.claimRef || pv.metadata.deletionTimestamp || (pv.status as any)?.phase === 'Available') continue;
      try {
        store.update(PV, { ...pv, metadata: { ...pv.metadata, resourceVersion: undefined }, status: { phase: 'Available' } }, { subresource: 'status' });
      } catch {
        loop.later(100);
      }
    }
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
    const existing = findMatchingVolume(store, claim, delay);
    if (existing) {
      bindStaticVolume(claim, existing);
      return;
    }
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
    if (cls.provisioner === NO_PROVISIONER) {
      event(claim, 'ProvisioningFailed', `no volume plugin matched name: ${NO_PROVISIONER}`, 'Warning');
      pending(claim);
      return;
    }
    provisionAndBind(claim, cls);
  }

  /** bind(): the volume first (claimRef, phase Bound), then the claim (volumeName, annotations, status from the PV). */
  function bindStaticVolume(claim: KubeObject, found: KubeObject): void {
    let pv = claimVolumeFor(store, found, claim);
    if ((pv.status as any)?.phase !== 'Bound') pv = store.update(PV, { ...pv, metadata: { ...pv.metadata, resourceVersion: undefined }, status: { phase: 'Bound' } }, { subresource: 'status' });
    const ps = pv.spec as any;
    const bound = store.update(PVC, {
      ...claim,
      metadata: { ...claim.metadata, resourceVersion: undefined, annotations: { ...claim.metadata.annotations, [BIND_COMPLETED]: 'yes', [BOUND_BY_CONTROLLER]: 'yes' } },
      spec: { ...(claim.spec as object), volumeName: pv.metadata.name },
    });
    store.update(PVC, { ...bound, metadata: { ...bound.metadata, resourceVersion: undefined }, status: { phase: 'Bound', accessModes: ps.accessModes, capacity: ps.capacity } }, { subresource: 'status' });
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
