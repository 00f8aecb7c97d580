// The kube-controller-manager + kubelet part: Deployments → ReplicaSets → Pods, DaemonSets → one pod per
// node, pod start-up over time (Pending → Running/Ready after podStartMs) and start-up log lines; the Events
// the scheduler, kubelet and replicaset/daemonset/deployment controllers record on the way.
import { randomBytes } from 'node:crypto';
import type { KubeObject, Store } from '../types.ts';
import { multiAttachBlocker, multiAttachMessage } from './attach.ts';
import { NO_PROVISIONER, SELECTED_NODE, claimClass, claimVolumeFor, findMatchingVolume, isBound, isDelayBinding } from './volumes.ts';
import { recordEvent } from './events.ts';
import { registryStartupLines, operatorStartupLines, nodeCaLines } from './logs.ts';
import { Loop, get, now, randomSuffix, templateHash, tryDelete, tryList, writeStatus } from './util.ts';

export interface WorkloadOptions {
  podStartMs: number;
  /** Overrides every Deployment's spec.progressDeadlineSeconds (tests cannot wait the operator's 120 s). */
  progressDeadlineMs?: number;
  /** The release the registry and operator containers log at start-up. Default 4.17.12. */
  releaseVersion?: string;
  onError?: (e: unknown) => void;
}

const RS = 'apps/replicasets';
const DEP = 'apps/deployments';
const DS = 'apps/daemonsets';
const PODS = '/pods';
const PVC = '/persistentvolumeclaims';
const TERMINATING = 'sandbox.regctl.io/graceful-termination';

type Pod = KubeObject & { spec?: any; status?: any };

function ownerRef(o: KubeObject, kind: string): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function ownedBy(o: KubeObject, owner: KubeObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

function isReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** A CRI-O container ID: a fresh one per container instance (a restart included). */
function newContainerID(): string {
  return `cri-o://${randomBytes(32).toString('hex')}`;
}

const containerPath = (name: string): string => `spec.containers{${name}}`;

/** The kubelet starting containers: Pulled, Created, Started for each (only `only` when given). */
function containerStartEvents(store: Store, p: Pod, only?: string): void {
  const host = p.spec?.nodeName as string | undefined;
  for (const c of (p.spec?.containers ?? []) as any[]) {
    if (only && c.name !== only) continue;
    const o = { component: 'kubelet', host, fieldPath: containerPath(c.name) };
    recordEvent(store, p, 'Pulled', `Container image "${c.image}" already present on machine`, o);
    recordEvent(store, p, 'Created', `Created container ${c.name}`, o);
    recordEvent(store, p, 'Started', `Started container ${c.name}`, o);
  }
}

function podClaims(p: Pod): string[] {
  return ((p.spec?.volumes ?? []) as any[]).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
}

function alive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
}

/** intstr: a number or "25%" of `total`, rounded up (surge) or down (unavailable). */
function resolve(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return roundUp ? Math.ceil(total * 0.25) : Math.floor(total * 0.25);
}

export interface WorkloadController {
  stop(): void;
  loop: Loop;
  /** The container crashed and came back: restartCount+1, lastState terminated, the log starts anew (--previous has the old). */
  restartContainer(namespace: string, pod: string, container?: string): void;
  /** The container keeps crashing: CrashLoopBackOff, the pod not Ready (until the pod is deleted). */
  crashLoop(namespace: string, pod: string, container?: string): void;
}

export function startWorkloadController(store: Store, opts: WorkloadOptions): WorkloadController {
  const loop = new Loop('workloads', () => reconcile(), opts.onError);
  const startAt = new Map<string, number>();
  const attachReported = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let ipCounter = 10;

  const nodes = (): KubeObject[] =>
    tryList(store, '/nodes').filter((n) => !get(n, 'spec.unschedulable') && (get<any[]>(n, 'status.conditions') ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));

  function nodeIP(nodeName: string): string {
    const n = tryList(store, '/nodes').find((x) => x.metadata.name === nodeName);
    return (get<any[]>(n, 'status.addresses') ?? []).find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1';
  }

  function pendingStatus(p: Pod, nodeName: string | undefined, unschedulable = '0/0 nodes are available: no nodes available to schedule pods.'): Record<string, unknown> {
    const t = now();
    const containers = (p.spec?.containers ?? []) as any[];
    if (!nodeName) {
      return {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'Unschedulable', message: unschedulable }],
        qosClass: 'Burstable',
      };
    }
    return {
      phase: 'Pending',
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` },
        { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      ],
      hostIP: nodeIP(nodeName),
      hostIPs: [{ ip: nodeIP(nodeName) }],
      startTime: t,
      containerStatuses: containers.map((c) => ({
        name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false,
        state: { waiting: { reason: 'ContainerCreating' } }, lastState: {},
      })),
      qosClass: 'Burstable',
    };
  }

  function runningStatus(p: Pod): Record<string, unknown> {
    const t = now();
    const st = (p.status ?? {}) as any;
    const ip = `10.128.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 2}`;
    return {
      ...st,
      phase: 'Running',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: st.startTime ?? t },
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: st.startTime ?? t },
      ],
      podIP: ip,
      podIPs: [{ ip }],
      containerStatuses: ((p.spec?.containers ?? []) as any[]).map((c) => {
        const prev = (st.containerStatuses ?? []).find((x: any) => x.name === c.name);
        return {
          name: c.name, image: c.image, imageID: String(c.image).includes('@') ? c.image : `${c.image}@sha256:${templateHash(c.image).padEnd(64, '0')}`,
          ready: true, restartCount: prev?.restartCount ?? 0, started: true,
          state: { running: { startedAt: t } }, lastState: prev?.lastState ?? {},
          containerID: newContainerID(),
        };
      }),
    };
  }

  function startupLogs(p: Pod, only?: string): void {
    const ns = p.metadata.namespace!;
    const name = p.metadata.name!;
    const labels = p.metadata.labels ?? {};
    for (const c of (p.spec?.containers ?? []) as any[]) {
      if (only && c.name !== only) continue;
      let lines: string[] = [];
      if (labels['docker-registry'] === 'default' && c.name === 'registry') lines = registryStartupLines(undefined, opts.releaseVersion);
      else if (c.name === 'cluster-image-registry-operator') lines = operatorStartupLines(undefined, opts.releaseVersion);
      else if (c.name === 'node-ca') lines = nodeCaLines();
      for (const l of lines) store.logs.append(ns, name, c.name, l);
    }
  }

  /**
   * The scheduler's VolumeBinding plugin (kube 1.30 pkg/scheduler/framework/plugins/volumebinding/volume_binding.go,
   * binder.go): a claim that is missing, being deleted, or unbound with an Immediate class makes the pod unschedulable;
   * unbound claims of a WaitForFirstConsumer class get `volume.kubernetes.io/selected-node` (PreBind) and the pod is
   * bound to the node only once the PV controller has bound them (a claim already holding selected-node keeps its node).
   */
  function volumeGate(p: Pod, node: string): { node: string; wait?: boolean; unschedulable?: string } {
    const ns = p.metadata.namespace!;
    const delayed: KubeObject[] = [];
    for (const name of podClaims(p)) {
      const c = store.get(PVC, ns, name);
      if (!c) return { node, unschedulable: `persistentvolumeclaim "${name}" not found` };
      if (c.metadata.deletionTimestamp) return { node, unschedulable: `persistentvolumeclaim "${name}" is being deleted` };
      if (isBound(c)) continue;
      if (!isDelayBinding(store, c)) return { node, unschedulable: 'pod has unbound immediate PersistentVolumeClaims' };
      delayed.push(c);
    }
    if (!delayed.length) return { node };
    const target = delayed.map((c) => c.metadata.annotations?.[SELECTED_NODE]).find((n): n is string => !!n) ?? node;
    // binder.go FindPodVolumes/checkVolumeProvisions: an existing PV that matches on the node is bound (PreBind
    // writes its claimRef, the PV controller finishes); without one, a class that cannot provision (no provisioner or
    // `kubernetes.io/no-provisioner`) fails every node with ErrReasonBindConflict.
    const nodeObj = store.get('/nodes', undefined, target);
    const staticPvs = new Map<KubeObject, KubeObject>();
    for (const c of delayed) {
      if (c.metadata.annotations?.[SELECTED_NODE]) continue;
      const pv = nodeObj && findMatchingVolume(store, c, true, nodeObj, new Set([...staticPvs.values()].map((v) => v.metadata.name!)));
      if (pv) staticPvs.set(c, pv);
      else if (noProvisioner(c)) return { node, unschedulable: `${nodes().length} node(s) didn't find available persistent volumes to bind` };
    }
    for (const [c, pv] of staticPvs) claimVolumeFor(store, pv, c);
    for (const c of delayed) {
      if (staticPvs.has(c)) continue;
      if (c.metadata.annotations?.[SELECTED_NODE] === target) continue;
      store.update(PVC, { ...c, metadata: { ...c.metadata, resourceVersion: undefined, annotations: { ...c.metadata.annotations, [SELECTED_NODE]: target } } });
    }
    return { node: target, wait: true };
  }

  function noProvisioner(c: KubeObject): boolean {
    const p = (store.get('storage.k8s.io/storageclasses', undefined, claimClass(c)) as any)?.provisioner ?? '';
    return p === '' || p === NO_PROVISIONER;
  }

  /** FailedScheduling as the scheduler words an UnschedulableAndUnresolvable PreFilter result on every node. */
  function unschedulableMessage(reason: string): string {
    const n = nodes().length;
    return `0/${n} nodes are available: ${reason}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
  }

  /** Pods the scheduler holds: bound once their claims are (value: the node), or retried (value: a fixed node or undefined). */
  const awaitingVolumes = new Map<string, string>();
  const unschedulableByVolumes = new Map<string, string | undefined>();

  /** The scheduler binds the pod to the node (pods/binding): nodeName, Scheduled, the kubelet starts it after podStartMs. */
  function bindPod(p: Pod, node: string): void {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    let cur: Pod;
    try {
      cur = store.update(PODS, { ...p, metadata: { ...p.metadata, resourceVersion: undefined }, spec: { ...p.spec, nodeName: node } }) as Pod;
    } catch {
      return;
    }
    const stored = writeStatus(store, PODS, cur, pendingStatus(cur, node));
    recordEvent(store, stored, 'Scheduled', `Successfully assigned ${key} to ${node}`, { component: 'default-scheduler' });
    startAt.set(key, Date.now() + opts.podStartMs);
    loop.later(opts.podStartMs);
  }

  /** Pods held for their volumes: bind them when the claims are bound, try the unschedulable ones again. */
  function scheduleHeld(): void {
    for (const p of tryList(store, PODS) as Pod[]) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      if (p.spec?.nodeName || p.metadata.deletionTimestamp) continue;
      const target = awaitingVolumes.get(key);
      if (target) {
        if (podClaims(p).every((c) => isBound(store.get(PVC, p.metadata.namespace, c)))) {
          awaitingVolumes.delete(key);
          bindPod(p, target);
        }
        continue;
      }
      if (!unschedulableByVolumes.has(key)) continue;
      const node = unschedulableByVolumes.get(key) ?? pickNode([], p.spec?.nodeSelector);
      if (!node) continue;
      const g = volumeGate(p, node);
      if (g.unschedulable) continue;
      unschedulableByVolumes.delete(key);
      if (g.wait) awaitingVolumes.set(key, g.node);
      else bindPod(p, g.node);
    }
    for (const k of [...awaitingVolumes.keys(), ...unschedulableByVolumes.keys()]) {
      const [ns, name] = k.split('/');
      if (!store.get(PODS, ns, name!)) (awaitingVolumes.delete(k), unschedulableByVolumes.delete(k));
    }
  }

  function createPod(owner: KubeObject, ownerKind: string, template: any, namePrefix: string, nodeName: string | undefined, extraLabels: Record<string, string>): void {
    const spec = structuredClone(template?.spec ?? {});
    const gate = nodeName && podClaims({ spec } as Pod).length ? volumeGate({ metadata: { namespace: owner.metadata.namespace }, spec } as Pod, nodeName) : undefined;
    const fixedNode = ownerKind === 'DaemonSet' ? nodeName : undefined;
    if (gate?.wait || gate?.unschedulable) nodeName = undefined;
    if (nodeName) spec.nodeName = nodeName;
    spec.restartPolicy ??= 'Always';
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.schedulerName ??= 'default-scheduler';
    spec.terminationGracePeriodSeconds ??= 30;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${namePrefix}-${randomSuffix(5)}`,
        generateName: `${namePrefix}-`,
        namespace: owner.metadata.namespace,
        labels: { ...(template?.metadata?.labels ?? {}), ...extraLabels },
        annotations: { ...(template?.metadata?.annotations ?? {}) },
        ownerReferences: [ownerRef(owner, ownerKind)],
      },
      spec,
    };
    if (!Object.keys(pod.metadata.annotations!).length) delete pod.metadata.annotations;
    let created: Pod;
    try {
      created = store.create(PODS, pod) as Pod;
    } catch {
      return; // name clash: next pass retries
    }
    const podKey = `${created.metadata.namespace}/${created.metadata.name}`;
    if (gate?.wait) awaitingVolumes.set(podKey, gate.node);
    if (gate?.unschedulable) unschedulableByVolumes.set(podKey, fixedNode);
    const stored = gate?.wait
      ? writeStatus(store, PODS, created, { phase: 'Pending', qosClass: 'Burstable' })
      : writeStatus(store, PODS, created, pendingStatus(created, nodeName, gate?.unschedulable ? unschedulableMessage(gate.unschedulable) : undefined));
    const controller = ownerKind === 'DaemonSet' ? 'daemonset-controller' : 'replicaset-controller';
    recordEvent(store, owner, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, { component: controller });
    const podRef = `${created.metadata.namespace}/${created.metadata.name}`;
    if (nodeName) recordEvent(store, stored, 'Scheduled', `Successfully assigned ${podRef} to ${nodeName}`, { component: 'default-scheduler' });
    else if (!gate?.wait) recordEvent(store, stored, 'FailedScheduling', (stored.status as any).conditions[0].message, { type: 'Warning', component: 'default-scheduler' });
    if (nodeName) {
      startAt.set(`${created.metadata.namespace}/${created.metadata.name}`, Date.now() + opts.podStartMs);
      loop.later(opts.podStartMs);
    }
  }

  /** Kubelet: pods past their start delay become Running/Ready. */
  function kubelet(): void {
    const nowMs = Date.now();
    for (const p of tryList(store, PODS) as Pod[]) {
      if (p.metadata.deletionTimestamp || p.status?.phase !== 'Pending' || !p.spec?.nodeName) continue;
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      // creationTimestamp has 1 s resolution, so keep our own start deadlines.
      if (!startAt.has(key)) {
        startAt.set(key, nowMs + opts.podStartMs);
        loop.later(opts.podStartMs);
        continue;
      }
      // A timer may fire a millisecond before Date.now() reaches its deadline: look again then, or the pod stays Pending.
      if (startAt.get(key)! > nowMs) {
        loop.later(startAt.get(key)! - nowMs);
        continue;
      }
      const blocked = multiAttachBlocker(store, p);
      if (blocked) {
        // Stays ContainerCreating until the other node lets go of the volume (a pod change re-runs this).
        if (!attachReported.has(key)) recordEvent(store, p, 'FailedAttachVolume', multiAttachMessage(blocked), { type: 'Warning', component: 'attachdetach-controller' });
        attachReported.add(key);
        continue;
      }
      attachReported.delete(key);
      startAt.delete(key);
      const running = writeStatus(store, PODS, p, runningStatus(p)) as Pod;
      recordEvent(store, running, 'AddedInterface', `Add eth0 [${running.status?.podIP}/23] from ovn-kubernetes`, { component: 'multus' });
      containerStartEvents(store, running);
      startupLogs(p);
    }
    for (const k of startAt.keys()) {
      const [ns, name] = k.split('/');
      if (!tryList(store, PODS, ns).some((p) => p.metadata.name === name)) startAt.delete(k);
    }
  }

  /**
   * Pods terminate over time: deletionTimestamp first (kubectl shows Terminating), gone after podStartMs.
   * `by`: the controller deleting it (SuccessfulDelete on its ReplicaSet/DaemonSet). The kubelet stops running containers (Killing).
   */
  function terminate(p: Pod, by?: { owner: KubeObject; component: string }): void {
    let deleted: Pod;
    try {
      const cur = store.get(PODS, p.metadata.namespace, p.metadata.name!);
      if (!cur || cur.metadata.deletionTimestamp) return;
      store.update(PODS, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined, finalizers: [...(cur.metadata.finalizers ?? []), TERMINATING] } });
      deleted = store.delete(PODS, p.metadata.namespace, p.metadata.name!) as Pod;
    } catch {
      return;
    }
    if (by) recordEvent(store, by.owner, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, { component: by.component });
    for (const cs of (deleted.status?.containerStatuses ?? []) as any[]) {
      if (cs.state?.running) recordEvent(store, deleted, 'Killing', `Stopping container ${cs.name}`, { component: 'kubelet', host: deleted.spec?.nodeName, fieldPath: containerPath(cs.name) });
    }
    const t = setTimeout(() => {
      timers.delete(t);
      const cur = store.get(PODS, p.metadata.namespace, p.metadata.name!);
      if (!cur) return;
      try {
        store.update(PODS, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== TERMINATING) } });
      } catch { /* gone */ }
    }, opts.podStartMs);
    timers.add(t);
  }

  function pickNode(siblings: Pod[], selector?: Record<string, string>): string | undefined {
    const ns = nodes().filter((n) => !selector || Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v));
    if (!ns.length) return undefined;
    const count = new Map(ns.map((n) => [n.metadata.name!, 0]));
    for (const p of siblings) if (p.spec?.nodeName && count.has(p.spec.nodeName)) count.set(p.spec.nodeName, count.get(p.spec.nodeName)! + 1);
    return [...count.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  }

  function deploymentPods(d: KubeObject, rss: KubeObject[], pods: Pod[]): Pod[] {
    return pods.filter((p) => rss.some((rs) => ownedBy(p, rs)) && alive(p));
  }

  function reconcileDeployment(d: KubeObject, allRs: KubeObject[], allPods: Pod[]): void {
    const spec = (d.spec ?? {}) as any;
    const desired: number = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const hash = templateHash(template);
    const mine = allRs.filter((rs) => ownedBy(rs, d));
    const rsName = `${d.metadata.name}-${hash}`;
    let newRs = mine.find((rs) => rs.metadata.name === rsName);
    const created = !newRs;
    const revisions = mine.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
    const maxRev = revisions.length ? Math.max(...revisions) : 0;
    if (!newRs) {
      const tpl = structuredClone(template);
      tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } };
      newRs = store.create(RS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace: d.metadata.namespace,
          labels: { ...(tpl.metadata.labels as object) },
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(desired),
            'deployment.kubernetes.io/max-replicas': String(desired + 1),
            'deployment.kubernetes.io/revision': String(maxRev + 1),
          },
          ownerReferences: [ownerRef(d, 'Deployment')],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
          template: tpl,
        },
      });
      allRs.push(newRs);
      mine.push(newRs);
    } else {
      const rev = Number(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      if (rev < maxRev) {
        // Rolling back to an older template: that ReplicaSet becomes the newest revision.
        newRs = store.update(RS, { ...newRs, metadata: { ...newRs.metadata, resourceVersion: undefined, annotations: { ...newRs.metadata.annotations, 'deployment.kubernetes.io/revision': String(maxRev + 1) } } });
      }
    }
    const olds = mine.filter((rs) => rs.metadata.uid !== newRs!.metadata.uid);
    const podsOf = (rs: KubeObject) => allPods.filter((p) => ownedBy(p, rs) && alive(p));
    const scale = (rs: KubeObject, n: number) => {
      if ((rs.spec as any).replicas === n) return;
      const from = ((rs.spec as any).replicas ?? 1) as number;
      const next = structuredClone(rs);
      (next.spec as any).replicas = n;
      next.metadata.annotations = { ...next.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String(desired) };
      delete next.metadata.resourceVersion;
      Object.assign(rs, store.update(RS, next));
      recordEvent(store, d, 'ScalingReplicaSet', `Scaled ${n > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${n} from ${from}`, { component: 'deployment-controller' });
    };
    const strategy = spec.strategy?.type ?? 'RollingUpdate';
    if (strategy === 'Recreate') {
      for (const o of olds) scale(o, 0);
      const oldPods = olds.flatMap(podsOf);
      if (oldPods.length === 0) scale(newRs, desired);
    } else {
      const surge = resolve(spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, true);
      let unavail = resolve(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
      if (surge === 0 && unavail === 0) unavail = 1;
      const specOf = (rs: KubeObject) => ((rs.spec as any).replicas ?? 0) as number;
      const total = () => mine.reduce((a, rs) => a + specOf(rs), 0);
      const nr = specOf(newRs);
      if (nr > desired) scale(newRs, desired);
      else if (nr < desired) {
        const room = desired + surge - total();
        if (room > 0) scale(newRs, Math.min(desired, nr + room));
      }
      // Old pods that are not ready can go at once; ready ones only while availability stays >= desired - maxUnavailable.
      for (const o of olds) {
        const unhealthy = Math.max(0, specOf(o) - podsOf(o).filter(isReady).length);
        if (unhealthy > 0) scale(o, specOf(o) - unhealthy);
      }
      const ready = mine.flatMap(podsOf).filter(isReady).length;
      let canRemove = ready - (desired - unavail);
      for (const o of [...olds].sort((a, b) => (a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1))) {
        if (canRemove <= 0) break;
        const n = Math.min(canRemove, specOf(o));
        if (n > 0) {
          scale(o, specOf(o) - n);
          canRemove -= n;
        }
      }
    }
    // Status
    const pods = deploymentPods(d, mine, allPods);
    const newPods = podsOf(newRs);
    const readyPods = pods.filter(isReady);
    const unavail = resolve(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    const minAvail = strategy === 'Recreate' ? desired : desired - unavail;
    const st = (d.status ?? {}) as any;
    const conds: any[] = structuredClone(st.conditions ?? []);
    const t = now();
    const setC = (type: string, status: string, reason: string, message: string) => {
      const c = conds.find((x) => x.type === type);
      if (!c) conds.push({ type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message });
      else {
        if (c.status !== status) c.lastTransitionTime = t;
        if (c.status !== status || c.reason !== reason || c.message !== message) c.lastUpdateTime = t;
        Object.assign(c, { status, reason, message });
      }
    };
    const complete = newPods.length === desired && pods.length === desired && newPods.filter(isReady).length === desired;
    if (readyPods.length >= minAvail && (readyPods.length > 0 || desired === 0)) setC('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.');
    else setC('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.');
    progress(d, conds, { replicas: pods.length, updated: newPods.length, available: readyPods.length }, complete, newRs.metadata.name!, created, t);
    // Keep Available first, like the deployment controller writes them.
    conds.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas: pods.length,
      updatedReplicas: newPods.length,
      readyReplicas: readyPods.length,
      availableReplicas: readyPods.length,
      unavailableReplicas: Math.max(0, desired - readyPods.length),
      conditions: conds,
    };
    for (const k of ['readyReplicas', 'availableReplicas', 'unavailableReplicas', 'updatedReplicas', 'replicas'] as const) if (status[k] === 0) delete status[k];
    writeStatus(store, DEP, store.get(DEP, d.metadata.namespace, d.metadata.name!)!, status);
    const depRev = String(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1');
    if (d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== depRev) {
      const fresh = store.get(DEP, d.metadata.namespace, d.metadata.name!)!;
      store.update(DEP, { ...fresh, metadata: { ...fresh.metadata, resourceVersion: undefined, annotations: { ...fresh.metadata.annotations, 'deployment.kubernetes.io/revision': depRev } } });
    }
  }

  /**
   * The Progressing condition as kube's deployment controller keeps it (pkg/controller/deployment/progress.go,
   * sync.go): NewReplicaSetCreated when the new ReplicaSet appears, ReplicaSetUpdated (lastUpdateTime bumped) on
   * every sign of progress, ProgressDeadlineExceeded (False) once nothing moved for progressDeadlineSeconds.
   * A finished rollout (NewReplicaSetAvailable, no old pods) is not estimated again, e.g. on a scale.
   */
  function progress(d: KubeObject, conds: any[], now2: { replicas: number; updated: number; available: number }, complete: boolean, rsName: string, created: boolean, t: string): void {
    const old = (d.status ?? {}) as any;
    const cur = conds.find((x) => x.type === 'Progressing');
    const deadlineS = (d.spec as any)?.progressDeadlineSeconds ?? 600;
    const deadlineMs = opts.progressDeadlineMs ?? deadlineS * 1000;
    const put = (status: string, reason: string, message: string) => {
      const keep = cur && cur.status === status ? cur.lastTransitionTime : t;
      const i = conds.indexOf(cur);
      const c = { type: 'Progressing', status, lastUpdateTime: t, lastTransitionTime: keep, reason, message };
      if (i >= 0) conds[i] = c;
      else conds.push(c);
    };
    if (created) {
      put('True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`);
      return;
    }
    if (now2.replicas === now2.updated && cur?.reason === 'NewReplicaSetAvailable') return;
    if (complete) {
      if (cur?.reason !== 'NewReplicaSetAvailable') put('True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`);
      return;
    }
    const moved = now2.updated > (old.updatedReplicas ?? 0) || now2.replicas - now2.updated < (old.replicas ?? 0) - (old.updatedReplicas ?? 0) || now2.available > (old.availableReplicas ?? 0);
    if (moved || !cur) {
      put('True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
      loop.later(deadlineMs + 20);
      return;
    }
    if (cur.reason === 'ProgressDeadlineExceeded') return;
    const left = Date.parse(cur.lastUpdateTime ?? '') + deadlineMs - Date.now();
    if (left < 0) put('False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`);
    else loop.later(left + 20);
  }

  function reconcileReplicaSet(rs: KubeObject, siblingsOf: (rs: KubeObject) => Pod[]): void {
    const want: number = (rs.spec as any)?.replicas ?? 1;
    const podsOf = () => (tryList(store, PODS, rs.metadata.namespace) as Pod[]).filter((p) => ownedBy(p, rs) && alive(p));
    const pods = podsOf();
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) createPod(rs, 'ReplicaSet', (rs.spec as any).template, rs.metadata.name!, pickNode(siblingsOf(rs), (rs.spec as any).template?.spec?.nodeSelector), {});
    } else if (pods.length > want) {
      // Delete not-ready pods first, then the newest.
      const victims = [...pods].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (a.metadata.creationTimestamp! > b.metadata.creationTimestamp! ? -1 : 1));
      for (const v of victims.slice(0, pods.length - want)) terminate(v, { owner: rs, component: 'replicaset-controller' });
    }
    const cur = podsOf();
    const ready = cur.filter(isReady).length;
    const status: Record<string, unknown> = { replicas: cur.length, fullyLabeledReplicas: cur.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation };
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const) if (status[k] === 0) delete status[k];
    const fresh = store.get(RS, rs.metadata.namespace, rs.metadata.name!);
    if (fresh) writeStatus(store, RS, fresh, status);
  }

  function reconcileDaemonSet(ds: KubeObject, allPods: Pod[]): void {
    const spec = (ds.spec ?? {}) as any;
    const hash = templateHash(spec.template ?? {});
    const sel = spec.template?.spec?.nodeSelector as Record<string, string> | undefined;
    const targets = nodes().filter((n) => !sel || Object.entries(sel).every(([k, v]) => n.metadata.labels?.[k] === v));
    const pods = allPods.filter((p) => ownedBy(p, ds) && alive(p));
    for (const p of pods) {
      const stale = p.metadata.labels?.['controller-revision-hash'] !== hash || !targets.some((n) => n.metadata.name === p.spec?.nodeName);
      if (stale) terminate(p, { owner: ds, component: 'daemonset-controller' });
    }
    const live = () => (tryList(store, PODS, ds.metadata.namespace) as Pod[]).filter((p) => ownedBy(p, ds) && alive(p));
    const have = live();
    for (const n of targets) {
      if (have.some((p) => p.spec?.nodeName === n.metadata.name)) continue;
      createPod(ds, 'DaemonSet', spec.template, ds.metadata.name!, n.metadata.name, { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) });
    }
    const now2 = live();
    const ready = now2.filter(isReady).length;
    const status: Record<string, unknown> = {
      currentNumberScheduled: now2.length,
      numberMisscheduled: 0,
      desiredNumberScheduled: targets.length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: now2.length,
      numberAvailable: ready,
    };
    if (targets.length - ready > 0) status.numberUnavailable = targets.length - ready;
    if (!ready) delete status.numberAvailable;
    const fresh = store.get(DS, ds.metadata.namespace, ds.metadata.name!);
    if (fresh) writeStatus(store, DS, fresh, status);
  }

  function reconcile(): void {
    scheduleHeld();
    kubelet();
    const allPods = tryList(store, PODS) as Pod[];
    const allRs = tryList(store, RS);
    const deps = tryList(store, DEP);
    for (const d of deps) {
      if (d.metadata.deletionTimestamp) continue;
      reconcileDeployment(d, allRs, allPods);
    }
    // Garbage-collect ReplicaSets whose Deployment is gone; keep old ones at 0 (revision history).
    for (const rs of tryList(store, RS)) {
      const owner = (rs.metadata.ownerReferences ?? [])[0];
      if (owner && owner.kind === 'Deployment' && !deps.some((d) => d.metadata.uid === owner.uid)) {
        tryDelete(store, RS, rs.metadata.namespace, rs.metadata.name!);
      }
    }
    const rsNow = tryList(store, RS);
    const siblingsOf = (rs: KubeObject) => {
      const owner = (rs.metadata.ownerReferences ?? [])[0];
      const sibRs = owner ? rsNow.filter((x) => (x.metadata.ownerReferences ?? [])[0]?.uid === owner.uid) : [rs];
      return (tryList(store, PODS, rs.metadata.namespace) as Pod[]).filter((p) => sibRs.some((x) => ownedBy(p, x)) && alive(p));
    };
    // Scale-ups before scale-downs, so a surge is visible before old pods go.
    const deficit = (rs: KubeObject) => ((rs.spec as any)?.replicas ?? 1) - (tryList(store, PODS, rs.metadata.namespace) as Pod[]).filter((p) => ownedBy(p, rs) && alive(p)).length;
    for (const rs of [...rsNow].sort((a, b) => deficit(b) - deficit(a))) reconcileReplicaSet(rs, siblingsOf);
    const dss = tryList(store, DS);
    for (const ds of dss) reconcileDaemonSet(ds, tryList(store, PODS) as Pod[]);
    // Pods whose owner is gone (ReplicaSet/DaemonSet deleted).
    const owners = new Set([...tryList(store, RS), ...dss].map((o) => o.metadata.uid));
    for (const p of tryList(store, PODS) as Pod[]) {
      const ref = (p.metadata.ownerReferences ?? [])[0];
      if (ref && (ref.kind === 'ReplicaSet' || ref.kind === 'DaemonSet') && !owners.has(ref.uid as string)) terminate(p);
    }
  }

  const off = store.on((key) => {
    if (key === DEP || key === RS || key === DS || key === PODS || key === '/nodes' || key === PVC || key === '/persistentvolumes') loop.trigger();
  });
  loop.trigger();
  /** The container of a pod after it exited with exitCode: lastState terminated, one more restart. */
  function terminated(namespace: string, pod: string, container: string | undefined, exitCode: number) {
    const p = store.get(PODS, namespace, pod) as Pod | undefined;
    if (!p) throw new Error(`pods "${pod}" not found`);
    const name = container ?? (p.spec?.containers?.[0]?.name as string);
    const st = structuredClone(p.status ?? {}) as any;
    const cs = (st.containerStatuses ?? []).find((c: any) => c.name === name);
    if (!cs) throw new Error(`container ${name} is not valid for pod ${pod}`);
    const t = now();
    cs.lastState = { terminated: { exitCode, reason: 'Error', startedAt: cs.state?.running?.startedAt ?? t, finishedAt: t, containerID: cs.containerID } };
    cs.restartCount = (cs.restartCount ?? 0) + 1;
    return { p, name, st, cs, t };
  }

  function restartContainer(namespace: string, pod: string, container?: string): void {
    const { p, name, st, cs, t } = terminated(namespace, pod, container, 2);
    cs.state = { running: { startedAt: t } };
    cs.containerID = newContainerID();
    // The kubelet restarts at once (no CrashLoopBackOff modelled here, so no BackOff event): the image is there, a new container starts.
    containerStartEvents(store, writeStatus(store, PODS, p, st) as Pod, name);
    store.logs.restart(namespace, pod, name);
    startupLogs(p, name);
  }

  function crashLoop(namespace: string, pod: string, container?: string): void {
    const { p, name, st, cs, t } = terminated(namespace, pod, container, 1);
    cs.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${name} pod=${pod}_${namespace}(${p.metadata.uid})` } };
    cs.ready = false;
    cs.started = false;
    const unready = `containers with unready status: [${name}]`;
    for (const c of (st.conditions ?? []) as any[]) {
      if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False') Object.assign(c, { status: 'False', lastTransitionTime: t, reason: 'ContainersNotReady', message: unready });
    }
    const written = writeStatus(store, PODS, p, st) as Pod;
    // What the crashed instance wrote is `logs --previous`; the next attempt has not started.
    store.logs.restart(namespace, pod, name);
    recordEvent(store, written, 'BackOff', `Back-off restarting failed container ${name} in pod ${pod}_${namespace}(${p.metadata.uid})`, { type: 'Warning', component: 'kubelet', host: p.spec?.nodeName, fieldPath: containerPath(name) });
  }

  return {
    loop,
    restartContainer,
    crashLoop,
    stop() {
      off();
      loop.stop();
      for (const t of timers) clearTimeout(t);
    },
  };
}
