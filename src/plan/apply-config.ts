// A step as a server-side apply configuration: the object with only the fields this step sets (what regctl
// owns). A create is its object; a merge/strategic patch is itself plus apiVersion/kind/metadata; a JSON patch
// becomes its add/replace values placed at their paths. What a step takes away (a JSON-patch `remove`, a
// merge-patch null) cannot be said in an apply configuration: those fields are returned as `removes`.
import { apiVersionOf } from '../cluster/resources.js';
import type { Json, Step } from './types.js';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields the server owns or sets: never part of an apply configuration. */
function strip(o: Json): Json {
  const { status: _s, ...rest } = o;
  const md = { ...(rest.metadata ?? {}) };
  for (const k of ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']) delete md[k];
  return { ...rest, metadata: md };
}

function head(step: Step): Json {
  const t = step.target;
  return { apiVersion: apiVersionOf(t.ref), kind: t.ref.kind, metadata: { name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) } };
}

function unescape(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function mergeInto(dst: Json, src: Json, path: string[], removes: string[]): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === null) {
      removes.push([...path, k].join('.'));
      continue;
    }
    if (isObj(v)) {
      if (!isObj(dst[k])) dst[k] = {};
      mergeInto(dst[k], v, [...path, k], removes);
    } else dst[k] = structuredClone(v);
  }
}

export function toApplyConfig(step: Step): { object: Json; removes: string[] } | undefined {
  if (step.action === 'delete') return undefined;
  if (step.action === 'create') return { object: strip(structuredClone(step.object)), removes: [] };
  if (step.applyConfig) return { object: { ...head(step), ...structuredClone(step.applyConfig) }, removes: [...(step.removes ?? [])] };
  const obj = head(step);
  const removes: string[] = [...(step.removes ?? [])];
  if (Array.isArray(step.patch)) {
    for (const op of step.patch) {
      const segs = String(op.path ?? '').split('/').slice(1).map(unescape);
      if (op.op === 'test') continue;
      if (op.op === 'remove') {
        removes.push(segs.join('.'));
        continue;
      }
      if (op.op !== 'add' && op.op !== 'replace') {
        removes.push(`${segs.join('.')} (${op.op})`);
        continue;
      }
      if (segs.some((s) => /^\d+$|^-$/.test(s))) {
        removes.push(`${segs.join('.')} (a list item)`);
        continue;
      }
      let at: Json = obj;
      for (const s of segs.slice(0, -1)) {
        if (!isObj(at[s])) at[s] = {};
        at = at[s];
      }
      const last = segs[segs.length - 1]!;
      if (isObj(op.value) && isObj(at[last])) mergeInto(at[last], op.value, segs, removes);
      else at[last] = structuredClone(op.value);
    }
  } else {
    mergeInto(obj, strip(step.patch as Json), [], removes);
    obj.metadata = { ...obj.metadata, name: step.target.name, ...(step.target.namespace ? { namespace: step.target.namespace } : {}) };
  }
  return { object: obj, removes };
}

const ROLLOUT_FIELDS = ['storage', 'replicas', 'rolloutStrategy'];

/**
 * Which spec fields of configs.imageregistry.operator.openshift.io/cluster a step changes that make the operator
 * roll out new registry pods (storage, replicas, rolloutStrategy); empty for every other step.
 */
export function rolloutFields(step: Step): string[] {
  const t = step.target;
  if (t.ref.group !== 'imageregistry.operator.openshift.io' || t.ref.resource !== 'configs' || step.action === 'delete') return [];
  const cfg = toApplyConfig(step);
  const spec = cfg?.object.spec ?? {};
  const removed = (cfg?.removes ?? []).map((r) => r.split('.')[1]);
  return ROLLOUT_FIELDS.filter((f) => f in spec || removed.includes(f)).map((f) => `spec.${f}`);
}
