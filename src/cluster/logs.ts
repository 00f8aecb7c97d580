// Registry (or operator) logs: pods from the Deployment's selector, kubelet log streams merged by timestamp
// (with -f: line-wise as they arrive), replacement pods picked up during a rollout by watching pods. Output is
// written block-wise through a sink that honours backpressure, so a slow reader slows the HTTP streams instead
// of filling memory.
import type { RawResponse } from './rest.js';
import { StringDecoder } from 'node:string_decoder';
import type { Cluster, Json } from './cluster.js';
import { ApiError, isApiError, type StatusBody } from './api-error.js';
import { NAMES, R } from './resources.js';
import { mergeLogs, textChunks } from './log-merge.js';
import { NotFoundError, RegctlError, UsageError } from '../errors.js';

export const OPERATOR_DEPLOYMENT = 'cluster-image-registry-operator';

export interface LogQuery {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  previous?: boolean;
}

export interface PodRef {
  name: string;
  container: string;
}

export interface LogsRequest {
  /** deployments/<name> in openshift-image-registry whose pods are shown. */
  deployment: string;
  /** Only this pod (any pod of the namespace). */
  pod?: string;
  container?: string;
  /** The container to prefer in multi-container pods when --container is not given. */
  preferredContainer: string;
  query: LogQuery;
  signal: AbortSignal;
  /** Writes output text (data) with backpressure. */
  write: LogSink;
  /** Messages for stderr (never data). */
  notice(msg: string): void;
  debug(msg: string): void;
  /**
   * Called once the set of initial pods is known: decides prefixes etc. and returns each pod's output.
   * `timestamps`: that pod's lines start with the kubelet's timestamp (asked for by the query, or for the merge).
   */
  open(initial: PodRef[]): (pod: PodRef, timestamps: boolean) => PodOutput;
}

export interface PodOutput {
  write: LogSink;
  /** The output text for a block of whole lines (the merge collects it from several pods, then writes it). */
  shape(block: string): string;
  /** The writer works on whole lines (prefixes, filters, JSON); streams merged at once get whole lines anyway. */
  wholeLines: boolean;
}

/** Receives text (blocks of complete lines when asked for); the promise resolves when the output can take more. */
export type LogSink = (block: string) => Promise<void>;

const MAX_LINE = 1 << 20;
const OUT_BLOCK = 1 << 16;

/** kubectl's label selector string for a LabelSelector (matchLabels + matchExpressions). */
export function selectorString(sel: Json | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel?.matchLabels ?? {}) as Record<string, string>)) parts.push(`${k}=${v}`);
  for (const e of (sel?.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function isReady(p: Json): boolean {
  return (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
}

function readyTime(p: Json): number {
  const c = (p.status?.conditions ?? []).find((x: Json) => x.type === 'Ready' && x.status === 'True');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

function maxRestarts(p: Json): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((s: Json) => s.restartCount ?? 0));
}

const PHASE_ORDER: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };

/** kubectl's podutils.ByLogging: the pod `oc logs deployment/x` would pick comes first. */
export function byLogging(a: Json, b: Json): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (!na || !nb)) return na ? -1 : 1;
  const pa = PHASE_ORDER[a.status?.phase] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase] ?? 0;
  if (pa !== pb) return pa - pb;
  if (isReady(a) !== isReady(b)) return isReady(a) ? -1 : 1;
  if (isReady(a) && isReady(b) && readyTime(a) !== readyTime(b)) {
    const ta = readyTime(a) || Infinity;
    const tb = readyTime(b) || Infinity;
    return ta - tb;
  }
  if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a);
  const ca = Date.parse(a.metadata?.creationTimestamp ?? '') || Infinity;
  const cb = Date.parse(b.metadata?.creationTimestamp ?? '') || Infinity;
  if (ca !== cb) return ca - cb;
  return String(a.metadata?.name).localeCompare(String(b.metadata?.name));
}

/** The container to read: --container (checked), the only one, kubectl's default-container annotation, the preferred one, the first. */
export function containerOf(pod: Json, requested: string | undefined, preferred: string): string {
  const names: string[] = (pod.spec?.containers ?? []).map((c: Json) => c.name);
  const all = [...names, ...(pod.spec?.initContainers ?? []).map((c: Json) => c.name)];
  if (requested) {
    if (!all.includes(requested)) {
      throw new UsageError(`container "${requested}" is not in pod ${pod.metadata?.name}`, `its containers: ${all.join(', ') || '(none)'}`);
    }
    return requested;
  }
  if (names.length === 1) return names[0]!;
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.includes(preferred)) return preferred;
  return names[0] ?? preferred;
}

/** Has the container produced (or is it producing) a log? Waiting containers have none yet. */
export function containerStarted(pod: Json, container: string, previous = false): boolean {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const s = all.find((x: Json) => x.name === container);
  if (!s) return false;
  if (previous) return Boolean(s.lastState?.terminated);
  return Boolean(s.state?.running || s.state?.terminated);
}

function containerId(pod: Json, container: string): string {
  const s = (pod.status?.containerStatuses ?? []).find((x: Json) => x.name === container);
  return s?.containerID ?? `${s?.restartCount ?? 0}`;
}

function waitingReason(pod: Json, container: string): string {
  const s = (pod.status?.containerStatuses ?? []).find((x: Json) => x.name === container);
  return s?.state?.waiting?.reason ?? pod.status?.phase ?? 'Pending';
}

export function logPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
}

/**
 * Streams one container's log into `sink`: in blocks of complete lines ("\n"-terminated) when `wholeLines`,
 * else chunk by chunk as read (the output still ends with a newline). Resolves at the end of the log
 * (or when `signal` aborts); rejects with ApiError on a non-2xx answer.
 */
export async function streamPodLog(cluster: Cluster, pod: PodRef, q: LogQuery, signal: AbortSignal, sink: LogSink, wholeLines = true): Promise<void> {
  const res = await openPodLog(cluster, pod, q, signal);
  if (!res) return;
  const dec = new StringDecoder('utf8');
  // Passing chunks on as they come is the fast path; whole lines are needed to shape lines or to merge streams.
  let carry = '';
  let endsWithNewline = true;
  try {
    for await (const buf of res as AsyncIterable<Buffer>) {
      const d = dec.write(buf);
      if (!d) continue;
      if (!wholeLines) {
        endsWithNewline = d.charCodeAt(d.length - 1) === 10;
        await sink(d);
        continue;
      }
      const nl = d.lastIndexOf('\n');
      if (nl < 0) {
        carry = detach(carry + d);
        // A line longer than 1 MiB is passed on in pieces rather than held.
        if (carry.length > MAX_LINE) {
          await sink(carry + '\n');
          carry = '';
        }
        continue;
      }
      const head = nl === d.length - 1 ? d : d.slice(0, nl + 1);
      const out = carry ? carry + head : head;
      carry = nl < d.length - 1 ? detach(d.slice(nl + 1)) : '';
      await sink(out);
    }
  } catch (e) {
    if (signal.aborted || (e as Error).name === 'AbortError') return;
    throw e;
  }
  carry += dec.end();
  if (carry) await sink(carry + '\n');
  else if (!endsWithNewline) await sink('\n');
}

/** GET pods/NAME/log: the response stream (2xx), undefined when `signal` aborted; ApiError on any other status. */
export async function openPodLog(cluster: Cluster, pod: PodRef, q: LogQuery, signal: AbortSignal): Promise<RawResponse | undefined> {
  const path = logPath(NAMES.registryNamespace, pod.name);
  const query = {
    container: pod.container,
    follow: q.follow ? 'true' : undefined,
    tailLines: q.tailLines !== undefined && q.tailLines >= 0 ? q.tailLines : undefined,
    sinceSeconds: q.sinceSeconds,
    sinceTime: q.sinceTime,
    timestamps: q.timestamps ? 'true' : undefined,
    previous: q.previous ? 'true' : undefined,
  };
  let res;
  try {
    res = await cluster.rest.raw('GET', path, { query, signal, timeoutMs: q.follow ? 0 : undefined });
  } catch (e) {
    if (signal.aborted) return undefined;
    throw e;
  }
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let status: StatusBody;
    try {
      status = JSON.parse(text) as StatusBody;
    } catch {
      status = { message: text.trim().slice(0, 300) || `HTTP ${code}` };
    }
    throw new ApiError(code, 'GET', path, status);
  }
  return res;
}

/**
 * A copy of a (short) string that does not keep the chunk it was sliced from alive: V8 slices share their
 * parent, and a 64 KiB chunk kept across reads makes the young generation grow (and RSS with it).
 */
function detach(s: string): string {
  return s.length >= 13 ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

/** Why there is nothing to show: Removed, scaled to zero, not created yet. Always a NotFoundError (exit 5). */
export async function explainNoPods(cluster: Cluster, deploymentName: string, deployment: Json | null): Promise<NotFoundError> {
  const ns = NAMES.registryNamespace;
  const what = `deployments/${deploymentName}`;
  if (deploymentName === NAMES.deployment) {
    let config: Json | null = null;
    try {
      config = await cluster.getOrNull(R.registryConfig, NAMES.cluster, '');
    } catch {
      /* unreadable: explain from the deployment alone */
    }
    const state = config?.spec?.managementState;
    if (state === 'Removed') {
      return new NotFoundError('no registry pods: the registry is removed (configs.imageregistry.operator.openshift.io/cluster managementState: Removed)', {
        hint: 'install it: give it storage with `regctl set-storage pvc` (or s3/gcs/azure/swift/ibmcos), which sets managementState Managed',
      });
    }
    if (!deployment) {
      return new NotFoundError(`no registry pods: ${what} does not exist in ${ns}`, {
        hint:
          state === 'Unmanaged'
            ? 'managementState is Unmanaged: the operator does not create it; set it to Managed'
            : 'the operator has not created it (yet): see `regctl status` and `regctl logs --operator`',
      });
    }
  } else if (!deployment) {
    return new NotFoundError(`${what} does not exist in ${ns}`, { hint: 'is this an OpenShift cluster with the image registry operator? see `regctl status`' });
  }
  const replicas = deployment!.spec?.replicas ?? 1;
  if (replicas === 0) {
    const hint =
      deploymentName === NAMES.deployment
        ? 'scale it up through the operator: `oc patch configs.imageregistry.operator.openshift.io/cluster --type merge -p \'{"spec":{"replicas":2}}\'`'
        : `scale it up: \`oc scale -n ${ns} ${what} --replicas 1\``;
    return new NotFoundError(`no pods: ${what} is scaled to zero (spec.replicas: 0)`, { hint });
  }
  return new NotFoundError(`no pods: ${what} wants ${replicas} replica${replicas === 1 ? '' : 's'} but none exists yet`, {
    hint: 'see why with `regctl status` (pods, conditions); with -f regctl waits for them',
  });
}

interface Attached {
  containerId: string;
  done: boolean;
}

/**
 * Runs the whole `logs` request. Without follow: the pods' logs merged by the kubelet's timestamp (log-merge.ts),
 * ties in ByLogging order.
 * With follow: every pod at once, and new pods of the Deployment (rollouts, restarts) as their container starts,
 * until the signal aborts (or, with --pod, until that pod's log ends).
 */
export async function runLogs(cluster: Cluster, req: LogsRequest): Promise<void> {
  const ns = NAMES.registryNamespace;
  let pods: Json[];
  let selector = '';
  let resourceVersion: string | undefined;
  if (req.pod) {
    const p = await cluster.getOrNull(R.pod, req.pod, ns);
    if (!p) throw await podNotFound(cluster, req);
    pods = [p];
  } else {
    const deploy = await cluster.getOrNull(R.deployment, req.deployment, ns);
    if (!deploy) throw await explainNoPods(cluster, req.deployment, null);
    selector = selectorString(deploy.spec?.selector);
    if (!selector) throw new NotFoundError(`deployments/${req.deployment} has no pod selector`);
    const list = await cluster.list(R.pod, { namespace: ns, labelSelector: selector });
    resourceVersion = list.metadata.resourceVersion;
    pods = list.items.filter((p) => !(p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') || req.query.previous).sort(byLogging);
    if (!pods.length) {
      const err = await explainNoPods(cluster, req.deployment, deploy);
      if (!req.query.follow || (deploy.spec?.replicas ?? 1) === 0 || /Removed/.test(err.message)) throw err;
      req.notice(`no pods of deployments/${req.deployment} yet; waiting for them (Ctrl-C to stop)`);
    }
  }
  const refs = pods.map((p) => ({ name: p.metadata.name as string, container: containerOf(p, req.container, req.preferredContainer) }));
  const sinkFor = req.open(refs);

  if (!req.query.follow) {
    const todo: PodRef[] = [];
    let skipped = 0;
    for (const [i, p] of pods.entries()) {
      const ref = refs[i]!;
      if (!containerStarted(p, ref.container, req.query.previous) && pods.length > 1) {
        req.notice(`pod ${ref.name}: ${req.query.previous ? 'no previous container' : `container ${ref.container} has not started (${waitingReason(p, ref.container)})`}; skipped`);
        skipped++;
      } else todo.push(ref);
    }
    if (skipped && skipped === pods.length) {
      throw new RegctlError(
        req.query.previous ? `none of the ${pods.length} pods has a previous container (none restarted)` : `none of the ${pods.length} pods has started yet`,
        { hint: req.query.previous ? 'drop --previous to read the current logs' : 'follow them with -f, or see why with `regctl status`' },
      );
    }
    if (todo.length === 1) {
      const out = sinkFor(todo[0]!, Boolean(req.query.timestamps));
      try {
        await streamPodLog(cluster, todo[0]!, req.query, req.signal, out.write, out.wholeLines);
      } catch (e) {
        if (pods.length === 1 || !isApiError(e) || e.statusCode === 401 || e.statusCode === 403) throw e;
        req.notice(`pod ${todo[0]!.name}: ${(e.status.message ?? e.message).split('\n')[0]}`);
        throw e;
      }
      return;
    }
    await mergePods(cluster, todo, req, sinkFor);
    return;
  }

  // Follow.
  const stop = new AbortController();
  const abort = () => stop.abort();
  req.signal.addEventListener('abort', abort);
  const attached = new Map<string, Attached>();
  const running = new Set<Promise<void>>();
  let initialDone = false;

  const attach = (p: Json, initial: boolean) => {
    if (stop.signal.aborted || p.metadata?.deletionTimestamp && !initial) return;
    const ref = { name: p.metadata.name as string, container: containerOf(p, req.container, req.preferredContainer) };
    if (!containerStarted(p, ref.container)) return;
    const uid = p.metadata.uid ?? ref.name;
    const id = containerId(p, ref.container);
    const prev = attached.get(uid);
    if (prev && (!prev.done || prev.containerId === id)) return;
    const a: Attached = { containerId: id, done: false };
    attached.set(uid, a);
    // Pods found later (rollout, restart) are read from their first line.
    const q: LogQuery = initial && !prev ? req.query : { follow: true, timestamps: req.query.timestamps };
    if (!initial) req.notice(`following pod ${ref.name}${prev ? ' (container restarted)' : ''}`);
    const out = sinkFor(ref, Boolean(q.timestamps));
    const task = streamPodLog(cluster, ref, q, stop.signal, out.write, out.wholeLines || !req.pod)
      .then(
        () => req.debug(`pod ${ref.name}: log ended`),
        (e: unknown) => {
          if (stop.signal.aborted) return;
          req.notice(`pod ${ref.name}: ${isApiError(e) ? (e.status.message ?? e.message).split('\n')[0] : (e as Error).message}`);
          // Let a later pod event retry (e.g. the container was not quite started).
          if (!req.pod) attached.delete(uid);
        },
      )
      .finally(() => {
        a.done = true;
        running.delete(task);
        if (req.pod && running.size === 0) stop.abort();
      });
    running.add(task);
  };

  try {
    if (req.pod) {
      const p = pods[0]!;
      if (!containerStarted(p, refs[0]!.container)) {
        req.notice(`pod ${p.metadata.name}: container ${refs[0]!.container} has not started (${waitingReason(p, refs[0]!.container)}); waiting`);
        await watchPods(cluster, `metadata.name=${req.pod}`, '', undefined, stop.signal, req, (ev) => {
          if (ev.type === 'DELETED') stop.abort();
          else attach(ev.object, true);
        });
      } else attach(p, true);
      while (running.size) await Promise.race(running);
      return;
    }
    for (const p of pods) attach(p, true);
    initialDone = true;
    await watchPods(cluster, '', selector, resourceVersion, stop.signal, req, (ev) => {
      if (ev.type === 'DELETED') return;
      attach(ev.object, !initialDone);
    });
    // The watch ends only on abort (or when it cannot be established: then follow what we have).
    while (running.size && !stop.signal.aborted) await Promise.race([...running, aborted(stop.signal)]);
    if (!stop.signal.aborted) await aborted(stop.signal);
  } finally {
    stop.abort();
    req.signal.removeEventListener('abort', abort);
    await Promise.allSettled([...running]);
  }
}

/**
 * Several pods without -f: their logs merged by the kubelet's timestamp (requested for this), pod order on ties.
 * A pod whose log cannot be read is skipped with a note, unless none can be (or access is denied).
 */
async function mergePods(cluster: Cluster, todo: PodRef[], req: LogsRequest, sinkFor: (pod: PodRef, timestamps: boolean) => PodOutput): Promise<void> {
  const q: LogQuery = { ...req.query, timestamps: true };
  const opened = await Promise.allSettled(todo.map((ref) => openPodLog(cluster, ref, q, req.signal)));
  const streams: Array<{ ref: PodRef; res: RawResponse }> = [];
  let denied: unknown;
  let lastError: unknown;
  for (const [i, r] of opened.entries()) {
    if (r.status === 'fulfilled') {
      if (r.value) streams.push({ ref: todo[i]!, res: r.value });
      continue;
    }
    const e = r.reason;
    if (!isApiError(e) || e.statusCode === 401 || e.statusCode === 403) denied ??= e;
    else {
      lastError = e;
      req.notice(`pod ${todo[i]!.name}: ${(e.status.message ?? e.message).split('\n')[0]}`);
    }
  }
  try {
    if (denied) throw denied;
    if (req.signal.aborted) return;
    if (!streams.length) throw lastError;
    const outs = streams.map((s) => sinkFor(s.ref, true));
    // Runs are often a line or two (busy pods interleave): collect their output, write it in large blocks.
    let pending = '';
    await mergeLogs(
      streams.map((s) => textChunks(s.res, req.signal)),
      (i, block) => {
        pending += outs[i]!.shape(block);
        if (pending.length < OUT_BLOCK) return;
        const text = pending;
        pending = '';
        return req.write(text);
      },
    );
    if (pending) await req.write(pending);
  } finally {
    for (const s of streams) s.res.destroy();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function watchPods(
  cluster: Cluster,
  fieldSelector: string,
  labelSelector: string,
  resourceVersion: string | undefined,
  signal: AbortSignal,
  req: LogsRequest,
  onEvent: (ev: { type: string; object: Json }) => void,
): Promise<void> {
  try {
    await cluster.watch(
      R.pod,
      { namespace: NAMES.registryNamespace, fieldSelector: fieldSelector || undefined, labelSelector: labelSelector || undefined, resourceVersion, signal },
      (ev) => {
        onEvent(ev);
      },
    );
  } catch (e) {
    if (signal.aborted) return;
    req.notice(`cannot watch pods (${(e as Error).message.split('\n')[0]}): replacement pods will not be followed`);
  }
}

async function podNotFound(cluster: Cluster, req: LogsRequest): Promise<NotFoundError> {
  let names: string[] = [];
  try {
    const deploy = await cluster.getOrNull(R.deployment, req.deployment, NAMES.registryNamespace);
    const sel = selectorString(deploy?.spec?.selector);
    if (sel) names = (await cluster.list(R.pod, { namespace: NAMES.registryNamespace, labelSelector: sel })).items.sort(byLogging).map((p) => p.metadata.name);
  } catch {
    /* only for the hint */
  }
  return new NotFoundError(`pod ${req.pod} not found in ${NAMES.registryNamespace}`, {
    hint: names.length ? `pods of deployments/${req.deployment}: ${names.join(', ')}` : `leave out --pod to read every pod of deployments/${req.deployment}`,
  });
}
