// The documented hard prune (OpenShift "Hard pruning the registry"): put the registry in read-only mode
// (configs.imageregistry spec.readOnly), wait for the rollout, run `/usr/bin/dockerregistry -prune=delete` in a
// registry pod (openshift/image-registry pkg/cmd/dockerregistry/prune.go, ExecutePruner), then read-write again.
// regctl marks the Config when it sets readOnly, so an interrupted run is recognised and undone by the next one.
import type { Cluster, Json } from '../cluster/cluster.js';
import { isApiError } from '../cluster/api-error.js';
import { podExec } from '../cluster/exec.js';
import { NAMES, R } from '../cluster/resources.js';
import { sleep } from '../cluster/retry.js';
import { CheckFailedError, TimeoutError } from '../errors.js';

export const READ_ONLY_MARKER = 'regctl.openshift.io/read-only-for-prune';
const READONLY_ENV = 'REGISTRY_STORAGE_MAINTENANCE_READONLY';
export const PRUNE_COMMAND = ['/bin/sh', '-c', '/usr/bin/dockerregistry -prune=delete'];
/** The documented procedure's `oc adm policy add-cluster-role-to-user system:image-pruner -z <registry SA>`, as a binding regctl names, owns and removes. */
export const PRUNER_BINDING = 'regctl-registry-image-pruner';

export interface LeftOver {
  since: string;
}

/** A readOnly regctl set and did not restore (a crash or kill during `prune apply --hard`). */
export async function leftOverReadOnly(c: Cluster): Promise<LeftOver | undefined> {
  let cfg: Json | null;
  try {
    cfg = await c.getOrNull<Json>(R.registryConfig, NAMES.cluster);
  } catch (e) {
    // The pruner role (system:image-pruner) may not read the Config: then only a --hard run (which needs it) can tell.
    if (isApiError(e, 403)) return undefined;
    throw e;
  }
  const since = cfg?.metadata?.annotations?.[READ_ONLY_MARKER];
  return since ? { since: String(since) } : undefined;
}

/** readOnly back to false and the marker gone, in one patch (only when regctl's marker is there). */
export async function restoreReadOnly(c: Cluster): Promise<void> {
  await c.patch(R.registryConfig, NAMES.cluster, { metadata: { annotations: { [READ_ONLY_MARKER]: null } }, spec: { readOnly: false } }, 'merge');
}

/** Sets readOnly with regctl's marker; false when readOnly was on already (then it is someone else's and stays). */
export async function setReadOnly(c: Cluster, now: Date): Promise<boolean> {
  const cfg = await c.get<Json>(R.registryConfig, NAMES.cluster);
  if (cfg.spec?.readOnly === true) return false;
  await c.patch(R.registryConfig, NAMES.cluster, { metadata: { annotations: { [READ_ONLY_MARKER]: now.toISOString() } }, spec: { readOnly: true } }, 'merge');
  return true;
}

const envOf = (podSpec: Json | undefined): Json[] => ((podSpec?.containers as Json[] | undefined) ?? [])[0]?.env ?? [];
const readOnlyIn = (podSpec: Json | undefined) => envOf(podSpec).some((e) => e.name === READONLY_ENV && /enabled:\s*true/.test(String(e.value ?? '')));

/** Every wanted pod runs the current template (cluster-image-registry-operator's isDeploymentStatusComplete). */
function rolledOut(d: Json): boolean {
  const want: number = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) >= want;
}

/**
 * After readOnly is off again: waits until no registry pod runs read-only, so a push right after `prune apply --hard`
 * is not refused (a read-only pod answers writes 405). A registry without a Deployment (Removed) serves nothing.
 */
export async function waitReadWrite(c: Cluster, o: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
  const until = Date.now() + o.timeoutMs;
  for (;;) {
    const d = await c.getOrNull<Json>(R.deployment, NAMES.deployment, NAMES.registryNamespace);
    if (!d || (!readOnlyIn(d.spec?.template?.spec) && rolledOut(d))) return;
    if (Date.now() > until) {
      throw new TimeoutError('the registry has not rolled out read-write again yet (pushes may be refused until it has)', { hint: 'follow it with `regctl status --watch`; spec.readOnly is already false' });
    }
    await sleep(500, o.signal);
  }
}

/** Waits until the registry Deployment runs read-only everywhere; returns a ready read-only pod's name. */
export async function waitReadOnlyPod(c: Cluster, o: { timeoutMs: number; signal: AbortSignal; progress?: (s: string) => void }): Promise<string> {
  const until = Date.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    const d = await c.getOrNull<Json>(R.deployment, NAMES.deployment, NAMES.registryNamespace);
    let state = 'waiting for the operator to render the read-only registry';
    if (d && readOnlyIn(d.spec?.template?.spec)) {
      state = `rolling out the read-only registry: ${d.status?.updatedReplicas ?? 0} of ${d.spec?.replicas ?? 1} pods updated`;
      if (rolledOut(d)) {
        const pods = await c.list<Json>(R.pod, { namespace: NAMES.registryNamespace, labelSelector: 'docker-registry=default' });
        const pod = pods.items.find(
          (p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && readOnlyIn(p.spec) && ((p.status?.conditions as Json[] | undefined) ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
        );
        if (pod) return String(pod.metadata.name);
        state = 'waiting for a ready read-only registry pod';
      }
    }
    if (state !== last) o.progress?.(state);
    last = state;
    if (Date.now() > until) throw new TimeoutError(`the registry did not roll out read-only in time (${state})`, { hint: 'raise --timeout, or follow it with `regctl status --watch`; readOnly is restored either way' });
    await sleep(500, o.signal);
  }
}

export interface GcResult {
  blobs: number;
  freed: string;
  output: string;
}

/** Runs the registry's own pruner in the pod and reads its summary ("Deleted N blobs", "Freed up X of disk space"). */
export async function runRegistryPrune(c: Cluster, pod: string, signal: AbortSignal): Promise<GcResult> {
  let out = '';
  let err = '';
  const r = await podExec(c, NAMES.registryNamespace, pod, PRUNE_COMMAND, {
    container: 'registry',
    signal,
    onStdout: (b) => (out += b.toString('utf8')),
    onStderr: (b) => (err += b.toString('utf8')),
  });
  if (r.exitCode !== 0) {
    const why = (err.trim().split('\n').pop() || String(r.status.message ?? '')).slice(0, 300);
    throw new CheckFailedError(`the registry's pruner failed in pod ${pod} (exit ${r.exitCode}): ${why}`, {
      hint: `see its output with: kubectl exec -n ${NAMES.registryNamespace} ${pod} -- /usr/bin/dockerregistry -prune=check`,
    });
  }
  const blobs = Number(/Deleted (\d+) blobs/.exec(out)?.[1] ?? 0);
  const freed = /Freed up (.+) of disk space/.exec(out)?.[1] ?? '0 B';
  return { blobs, freed, output: out };
}

/** The registry's service account (the procedure reads it from the Deployment). */
export async function registryServiceAccount(c: Cluster): Promise<string> {
  const d = await c.getOrNull<Json>(R.deployment, NAMES.deployment, NAMES.registryNamespace);
  return String(d?.spec?.template?.spec?.serviceAccountName || 'registry');
}

/**
 * The registry's pruner lists Images and ImageStreams with the registry's own service account, which
 * system:registry does not allow: bind system:image-pruner to it for the run (true when regctl created the binding).
 */
export async function letRegistryPrune(c: Cluster, sa: string): Promise<boolean> {
  const ns = NAMES.registryNamespace;
  const review = await c.create<Json>(R.subjectAccessReview, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: `system:serviceaccount:${ns}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { verb: 'list', group: 'image.openshift.io', resource: 'images' } },
  });
  if (review.status?.allowed) return false;
  await c.create(R.clusterRoleBinding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: PRUNER_BINDING, annotations: { [READ_ONLY_MARKER]: new Date().toISOString() } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-pruner' },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
  });
  return true;
}

/** Removes regctl's binding; true when there was one. */
export async function removePrunerBinding(c: Cluster): Promise<boolean> {
  try {
    await c.delete(R.clusterRoleBinding, PRUNER_BINDING);
    return true;
  } catch (e) {
    if (isApiError(e, 404)) return false;
    throw e;
  }
}

/** regctl's binding left by an interrupted run (403: this user may not read bindings, so could not have made one). */
export async function leftOverBinding(c: Cluster): Promise<boolean> {
  try {
    return Boolean(await c.getOrNull(R.clusterRoleBinding, PRUNER_BINDING));
  } catch (e) {
    if (isApiError(e, 403)) return false;
    throw e;
  }
}
