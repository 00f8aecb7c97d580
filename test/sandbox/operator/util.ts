// Small helpers shared by the in-process controllers: scheduling, idempotent writes, conditions, names.
import { createHash, randomBytes } from 'node:crypto';
import type { KubeObject, ResourceKey, Store } from '../types.ts';

export const REGISTRY_NS = 'openshift-image-registry';
export const RELEASE_VERSION = '4.17.12';
export const CHECKSUM_ANNOTATION = 'imageregistry.operator.openshift.io/checksum';

/** RFC 3339 without fractional seconds, as Kubernetes writes metav1.Time. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** Random suffix like Kubernetes' generateName (utilrand.String). */
export function randomSuffix(n = 5): string {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE[b[i]! % SAFE.length];
  return s;
}

/** Deterministic 10-character pod-template-hash-like string. */
export function templateHash(v: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(v)).digest();
  let s = '';
  for (let i = 0; i < 10; i++) s += SAFE[h[i]! % SAFE.length];
  return s;
}

export function get<T = any>(obj: unknown, path: string): T | undefined {
  let cur: any = obj;
  for (const k of path.split('.')) {
    if (cur == null) return undefined;
    cur = cur[k];
  }
  return cur as T;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function tryGet(store: Store, key: ResourceKey, ns: string | undefined, name: string): KubeObject | undefined {
  try {
    return store.get(key, ns, name);
  } catch {
    return undefined;
  }
}

export function tryList(store: Store, key: ResourceKey, ns?: string, labelSelector?: string): KubeObject[] {
  try {
    return store.list(key, ns, labelSelector ? { labelSelector } : {}).items;
  } catch {
    return [];
  }
}

export function tryDelete(store: Store, key: ResourceKey, ns: string | undefined, name: string): boolean {
  try {
    store.delete(key, ns, name);
    return true;
  } catch {
    return false;
  }
}

/** Replaces .status when it differs. Returns the stored object. */
export function writeStatus(store: Store, key: ResourceKey, obj: KubeObject, status: unknown): KubeObject {
  if (jsonEqual(obj.status, status)) return obj;
  const next = { ...obj, status, metadata: { ...obj.metadata } };
  delete next.metadata.resourceVersion;
  return store.update(key, next, { subresource: 'status' });
}

/**
 * Creates the object or, when it exists, replaces every non-status field — but only when the checksum of
 * the expected object differs from the one recorded on the live object (CIRO's strategy: manual edits
 * survive until the expected object changes). `status` in `expected` is written through the status subresource.
 */
export function applyOwned(store: Store, key: ResourceKey, expected: KubeObject, opts: { mutateOnCreate?: (o: KubeObject) => void } = {}): KubeObject {
  const { status, ...spec } = expected;
  const sum = 'sha256:' + sha256Hex(JSON.stringify(spec));
  const md = expected.metadata;
  const cur = tryGet(store, key, md.namespace, md.name!);
  const withSum: KubeObject = { ...spec, metadata: { ...md, annotations: { ...md.annotations, [CHECKSUM_ANNOTATION]: sum } } };
  let out: KubeObject;
  if (!cur) {
    opts.mutateOnCreate?.(withSum);
    out = store.create(key, withSum);
  } else if (cur.metadata.annotations?.[CHECKSUM_ANNOTATION] === sum) {
    out = cur;
  } else {
    const next: KubeObject = {
      ...cur,
      ...withSum,
      metadata: {
        ...cur.metadata,
        labels: withSum.metadata.labels,
        annotations: withSum.metadata.annotations,
        ownerReferences: withSum.metadata.ownerReferences ?? cur.metadata.ownerReferences,
      },
    };
    for (const k of Object.keys(cur)) if (!(k in withSum) && k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete next[k];
    delete next.metadata.resourceVersion;
    if (cur.status !== undefined) next.status = cur.status;
    opts.mutateOnCreate?.(next);
    out = store.update(key, next);
  }
  if (status !== undefined && !jsonEqual(out.status, status)) out = writeStatus(store, key, out, status);
  return out;
}

/** Create-or-merge for plain objects the controllers own (no checksum): writes only when something differs. */
export function ensure(store: Store, key: ResourceKey, desired: KubeObject): KubeObject {
  const md = desired.metadata;
  const cur = tryGet(store, key, md.namespace, md.name!);
  if (!cur) return store.create(key, desired);
  const { status: _s, metadata: _m, ...rest } = desired;
  const next: KubeObject = { ...cur, ...rest, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...md.labels }, annotations: { ...cur.metadata.annotations, ...md.annotations } } };
  if (!md.labels && !cur.metadata.labels) delete next.metadata.labels;
  if (!md.annotations && !cur.metadata.annotations) delete next.metadata.annotations;
  if (jsonEqual(next, cur)) return cur;
  delete next.metadata.resourceVersion;
  return store.update(key, next);
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  [k: string]: unknown;
}

/** operator/v1 updateCondition: keeps position and lastTransitionTime unless the status changes. */
export function setCondition(conds: Condition[], type: string, status: Condition['status'], reason: string, message: string): void {
  const c = conds.find((x) => x.type === type);
  if (!c) {
    const n: Condition = { type, status, lastTransitionTime: now() };
    if (reason) n.reason = reason;
    if (message) n.message = message;
    conds.push(n);
    return;
  }
  if (c.status !== status) {
    c.status = status;
    c.lastTransitionTime = now();
  }
  if (reason) c.reason = reason;
  else delete c.reason;
  if (message) c.message = message;
  else delete c.message;
}

/**
 * Coalesces triggers into one run at a time (a single-key workqueue). `fn` runs on a later macrotask,
 * never inside a store listener; a trigger while running causes one more run.
 */
export class Loop {
  private scheduled = false;
  private running = false;
  private again = false;
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly name: string, private readonly fn: () => void, private readonly onError?: (e: unknown) => void) {}

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** Trigger after a delay (pod start, degraded inertia …). */
  later(ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.trigger();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.running = true;
    let passes = 0;
    try {
      do {
        this.again = false;
        try {
          this.fn();
        } catch (e) {
          this.onError?.(e);
          // Conflicts and races resolve on the next pass; back off a little.
          this.later(200);
          break;
        }
      } while (this.again && !this.stopped && ++passes < 20);
    } finally {
      this.running = false;
    }
    if (this.again && !this.stopped) this.trigger();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  get label(): string {
    return this.name;
  }
}

export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

export function unb64(s: string | undefined): string | undefined {
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

/** Secret value by key from data (base64) or stringData. */
export function secretValue(secret: KubeObject | undefined, key: string): string | undefined {
  if (!secret) return undefined;
  const d = (secret.data as Record<string, string> | undefined)?.[key];
  if (d !== undefined) return unb64(d);
  return (secret.stringData as Record<string, string> | undefined)?.[key];
}

export function hasSecretKey(secret: KubeObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(secret.data ?? {}, key) || Object.prototype.hasOwnProperty.call(secret.stringData ?? {}, key);
}
