// core/v1 Events as client-go's legacy recorder writes them (kubelet, scheduler, kube-controller-manager):
// named `<object>.<hex>`, identical events aggregated (count and lastTimestamp bump, as the EventCorrelator does),
// and bounded like kube-apiserver's --event-ttl (1 h) plus a per-namespace cap.
import type { KubeObject, Store } from '../types.ts';
import { now } from './util.ts';

const EVENTS = '/events';
export const EVENT_TTL_MS = 60 * 60 * 1000;
export const MAX_EVENTS_PER_NAMESPACE = 200;

export interface EventOptions {
  type?: 'Normal' | 'Warning';
  /** e.g. kubelet, default-scheduler, replicaset-controller, deployment-controller, multus */
  component: string;
  /** The node, for kubelet events. */
  host?: string;
  /** A container's events: `spec.containers{NAME}`. */
  fieldPath?: string;
}

let seq = 0;

/** `%x` of UnixNano, as the recorder names events; a counter keeps names unique within a millisecond. */
function eventName(obj: KubeObject): string {
  const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(seq++ % 1_000_000);
  return `${obj.metadata.name}.${nanos.toString(16)}`;
}

function involved(obj: KubeObject, fieldPath?: string): Record<string, unknown> {
  const ref: Record<string, unknown> = {
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    apiVersion: obj.apiVersion,
    resourceVersion: obj.metadata.resourceVersion,
  };
  if (fieldPath) ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref)) if (ref[k] === undefined) delete ref[k];
  return ref;
}

/** What the correlator aggregates on: everything but the timestamps, count and resourceVersion. */
function sameEvent(e: any, ref: Record<string, unknown>, type: string, reason: string, message: string, o: EventOptions): boolean {
  const io = e.involvedObject ?? {};
  return e.type === type && e.reason === reason && e.message === message && e.source?.component === o.component && (e.source?.host ?? '') === (o.host ?? '')
    && io.uid === ref.uid && io.kind === ref.kind && io.name === ref.name && (io.fieldPath ?? '') === (ref.fieldPath ?? '');
}

const lastSeen = (e: any): number => Date.parse(e.lastTimestamp ?? e.metadata?.creationTimestamp ?? 0) || 0;

/** Drops expired events and the oldest beyond the cap (room for one more). */
function prune(store: Store, ns: string, events: KubeObject[]): KubeObject[] {
  const cutoff = Date.now() - EVENT_TTL_MS;
  const sorted = [...events].sort((a, b) => lastSeen(a) - lastSeen(b));
  const excess = Math.max(0, sorted.length - (MAX_EVENTS_PER_NAMESPACE - 1));
  const keep: KubeObject[] = [];
  sorted.forEach((e, i) => {
    if (i < excess || lastSeen(e) < cutoff) {
      try {
        store.delete(EVENTS, ns, e.metadata.name!);
      } catch { /* already gone */ }
    } else keep.push(e);
  });
  return keep;
}

/**
 * Records an Event about `obj` (best effort: never throws, like the recorder). An identical earlier event
 * gets count+1 and a new lastTimestamp instead of a new object. Returns the stored Event.
 */
export function recordEvent(store: Store, obj: KubeObject, reason: string, message: string, o: EventOptions): KubeObject | undefined {
  const type = o.type ?? 'Normal';
  const ns = obj.metadata.namespace || 'default';
  const ref = involved(obj, o.fieldPath);
  const t = now();
  try {
    const events = prune(store, ns, store.list(EVENTS, ns).items);
    const prev = events.find((e) => sameEvent(e, ref, type, reason, message, o));
    if (prev) {
      const next: any = structuredClone(prev);
      next.count = (next.count ?? 1) + 1;
      next.lastTimestamp = t;
      next.involvedObject = ref;
      delete next.metadata.resourceVersion;
      return store.update(EVENTS, next);
    }
    const source: Record<string, string> = { component: o.component };
    if (o.host) source.host = o.host;
    return store.create(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(obj), namespace: ns },
      involvedObject: ref,
      reason,
      message,
      source,
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: o.component,
      reportingInstance: o.host ?? '',
    });
  } catch {
    return undefined;
  }
}
