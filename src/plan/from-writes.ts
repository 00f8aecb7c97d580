// The writes src/cluster/registry-config.ts plans (set-storage, config set) as plan steps. A JSON patch that
// replaces an object (spec.storage) takes away the keys the new value lacks: those become the step's `removes`,
// so a rendering never claims a state it cannot reach.
import { R } from '../cluster/resources.js';
import type { Write } from '../cluster/registry-config.js';
import { target, type Json, type Step, type Target } from './types.js';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const REFS = { PersistentVolumeClaim: R.pvc, Secret: R.secret, Config: R.registryConfig } as const;

function at(obj: unknown, segs: string[]): unknown {
  return segs.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), obj);
}

function dropped(cur: Json, next: Json, path: string[], out: string[]): void {
  for (const k of Object.keys(cur)) {
    if (!(k in next)) out.push([...path, k].join('.'));
    else if (isObj(cur[k]) && isObj(next[k])) dropped(cur[k], next[k], [...path, k], out);
  }
}

/** Fields of `current` that the add/replace operations take away by replacing an object with one that lacks them. */
export function jsonPatchRemovals(current: Json | undefined, ops: Json[]): string[] {
  const out: string[] = [];
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    const segs = String(op.path).split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const cur = at(current, segs);
    if (isObj(cur) && isObj(op.value)) dropped(cur, op.value, segs, out);
  }
  return out;
}

export function stepsFromWrites(writes: Write[], current: { config?: Json } = {}): Step[] {
  return writes.map((w): Step => {
    const t = target(REFS[w.kind], w.name, w.namespace);
    if (w.action === 'create') return { action: 'create', target: t, summary: w.summary, object: w.body as Json };
    const patch = w.body as Json | Json[];
    const removes = w.kind === 'Config' && Array.isArray(patch) ? jsonPatchRemovals(current.config, patch) : [];
    return { action: 'patch', target: t, summary: w.summary, patchType: w.patchType ?? 'merge', patch, ...(removes.length ? { removes } : {}) };
  });
}

/**
 * `KEY=VALUE` settings of a singleton's spec (config set, pruner set) as desired state: one merge patch with every
 * value given; `KEY-` and objects replaced by ones lacking keys are removals (a rendering refuses them).
 */
export function specSettingsStep(assignments: Array<{ setting: { path: string[] }; value?: unknown }>, current: Json, t: Target, summary: string): Step {
  const spec: Json = {};
  const removes: string[] = [];
  const ops: Json[] = [];
  for (const a of assignments) {
    if (a.value === undefined) {
      removes.push(['spec', ...a.setting.path].join('.'));
      continue;
    }
    let node = spec;
    for (const k of a.setting.path.slice(0, -1)) node = node[k] ??= {};
    node[a.setting.path[a.setting.path.length - 1]!] = a.value;
    ops.push({ op: 'replace', path: `/spec/${a.setting.path.join('/')}`, value: a.value });
  }
  removes.push(...jsonPatchRemovals(current, ops));
  return { action: 'patch', target: t, summary, patchType: 'merge', patch: { spec }, ...(removes.length ? { removes } : {}) };
}
