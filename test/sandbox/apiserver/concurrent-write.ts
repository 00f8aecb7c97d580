// The `concurrentWrites` fault: a test device, not OpenShift behaviour. Another client's write lands between a
// client's read and its write, deterministically: just before the next `times` writes (PATCH by default; dry runs
// never) to one object are processed, a JSON merge patch is applied to that object in the store (no RBAC, no
// admission: as a write another client got in first). The triggering write then runs against the changed object as
// usual — a JSON patch whose `test` no longer holds is answered 422 Invalid, as kube-apiserver does
// (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go `applyJSPatch`; see ./patch.ts).
import type { Faults, ResourceType } from '../types.ts';
import type { RequestCtx } from './context.ts';
import { mergePatch } from './patch.ts';

export interface ConcurrentWrite {
  /** The object the other client changes: its store key (`imageregistry.operator.openshift.io/configs`), namespace, name. */
  resource: string;
  namespace?: string;
  name: string;
  /** What that client writes: a JSON merge patch (RFC 7386). */
  mergePatch: Record<string, unknown>;
  /** The writes to that object's URL that trigger it (default PATCH). */
  method?: string;
  times: number;
  /** Filled in by the sandbox: the HTTP status each triggering write got (e.g. [422] when its `test` failed). */
  answered?: number[];
}

type WithWriters = Faults & { concurrentWrites?: ConcurrentWrite[] };

/** The concurrent writers of these faults (a live list: push to it, change it at any time). */
export function concurrentWrites(f: Faults): ConcurrentWrite[] {
  return ((f as WithWriters).concurrentWrites ??= []);
}

/** Checks a `concurrentWrites` value from the control endpoint; returns the problem, if any. */
export function concurrentWritesProblem(v: unknown): string | undefined {
  const ok = (c: any) =>
    c && typeof c === 'object' && typeof c.resource === 'string' && typeof c.name === 'string' && (c.namespace === undefined || typeof c.namespace === 'string') &&
    c.mergePatch && typeof c.mergePatch === 'object' && !Array.isArray(c.mergePatch) && (c.method === undefined || typeof c.method === 'string') &&
    Number.isInteger(c.times) && c.times >= 0;
  if (!Array.isArray(v) || !v.every(ok)) return 'concurrentWrites must be a list of {resource, namespace?, name, mergePatch: {…}, method?, times}';
  return undefined;
}

function objectPath(t: ResourceType, namespace: string | undefined, name: string): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  return `${base}${t.namespaced && namespace ? `/namespaces/${namespace}` : ''}/${t.resource}/${name}`;
}

/** Before dispatch: applies the first armed concurrent write this request triggers. */
export function concurrentWrite(ctx: RequestCtx): void {
  const list = (ctx.opts.faults as WithWriters).concurrentWrites;
  if (!list?.length || ctx.req.method === 'GET' || ctx.url.searchParams.has('dryRun')) return;
  const store = ctx.opts.store;
  const w = list.find((c) => {
    if (c.times <= 0 || (c.method ?? 'PATCH') !== ctx.req.method) return false;
    const t = store.type(c.resource);
    return Boolean(t && objectPath(t, c.namespace, c.name) === ctx.url.pathname);
  });
  if (!w) return;
  w.times--;
  const cur = store.get(w.resource, w.namespace, w.name);
  if (cur) store.update(w.resource, mergePatch(cur, w.mergePatch) as typeof cur);
  ctx.res.once('finish', () => (w.answered ??= []).push(ctx.res.statusCode));
}
