// The three patch formats kube-apiserver accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
// and a practical subset of strategic merge patch for built-in kinds.
import { ApiError } from './errors.ts';

type Json = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------- JSON patch ----------
// evanphx/json-patch v4 (gopkg.in/evanphx/json-patch.v4 patch.go), as kube-apiserver applies it.

/** A patch that does not apply; the message is json-patch's own (the API server does not send it, see applyPatch). */
export class JsonPatchError extends Error {}

function unprocessable(msg: string): JsonPatchError {
  return new JsonPatchError(msg);
}

/**
 * What kube-apiserver answers for ANY JSON patch that fails to apply, a failed `test` included: handlers/patch.go
 * (`applyJSPatch`) wraps the error in `NewGenericServerResponse(422, "", GroupResource{}, "", err.Error(), 0, false)`,
 * which keeps reason Invalid and its fixed message (the json-patch message is dropped) and sends empty, non-nil details.
 */
export class PatchNotApplied extends ApiError {
  constructor(readonly jsonPatchMessage: string) {
    super(422, 'Invalid', 'the server rejected our request due to an error in our request');
  }
  override status() {
    return { ...super.status(), details: {} };
  }
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw unprocessable(`json patch: invalid path "${p}"`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

function container(doc: any, path: string[], op: string, full: string): { parent: any; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`${op} operation does not apply: doc is missing path: "${full}": missing value`);
  }
  return { parent: cur, key: path[path.length - 1]! };
}

function getAt(doc: any, pointer: string, op: string): unknown {
  let cur = doc;
  for (const seg of parsePointer(pointer)) {
    cur = Array.isArray(cur) ? cur[Number(seg)] : isObj(cur) ? cur[seg] : undefined;
    if (cur === undefined) throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return cur;
}

function removeAt(doc: any, pointer: string, op: string): unknown {
  const path = parsePointer(pointer);
  if (!path.length) throw unprocessable('json patch: cannot remove the root');
  const { parent, key } = container(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    return parent.splice(i, 1)[0];
  }
  if (!isObj(parent) || !(key in parent)) throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: any, pointer: string, value: unknown, op: string): any {
  const path = parsePointer(pointer);
  if (!path.length) return structuredClone(value);
  const { parent, key } = container(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    parent.splice(i, 0, structuredClone(value));
  } else if (isObj(parent)) parent[key] = structuredClone(value);
  else throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  return doc;
}

/**
 * json-patch v4 `test`: a member that is missing or null passes only against an absent or null `value` (so
 * `{op: test, value: null}` asserts "not set"); a missing parent or array index fails; otherwise deep equality.
 */
function testOp(doc: any, pointer: string, o: Record<string, any>): void {
  const failed = () => unprocessable(`testing value ${pointer} failed: test failed`);
  const path = parsePointer(pointer);
  if (!path.length) {
    if (!deepEqual(doc, o.value)) throw failed();
    return;
  }
  let parent: any;
  try {
    parent = container(doc, path, 'test', pointer).parent;
  } catch {
    throw unprocessable(`test operation does not apply: is missing path: ${pointer}: missing value`);
  }
  const key = path[path.length - 1]!;
  let actual: unknown;
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i >= parent.length || i < -parent.length) throw unprocessable(`error in test for path: '${pointer}': Unable to access invalid index: ${key}: invalid index referenced`);
    actual = parent[i < 0 ? i + parent.length : i];
  } else if (isObj(parent)) actual = parent[key];
  else throw unprocessable(`test operation does not apply: is missing path: ${pointer}: missing value`);
  const expectNothing = !('value' in o) || o.value === null;
  if (actual === undefined || actual === null) {
    if (!expectNothing) throw failed();
    return;
  }
  if (!('value' in o) || !deepEqual(actual, o.value)) throw failed();
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc: any = structuredClone(target);
  for (const o of ops as Array<Record<string, any>>) {
    const path = String(o.path ?? '');
    switch (o.op) {
      case 'add':
        doc = addAt(doc, path, o.value, 'add');
        break;
      case 'remove':
        removeAt(doc, path, 'remove');
        break;
      case 'replace': {
        const p = parsePointer(path);
        if (!p.length) {
          doc = structuredClone(o.value);
          break;
        }
        const { parent, key } = container(doc, p, 'replace', path);
        if (Array.isArray(parent)) {
          const i = Number(key);
          if (!(i >= 0 && i < parent.length)) throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
          parent[i] = structuredClone(o.value);
        } else if (isObj(parent) && key in parent) parent[key] = structuredClone(o.value);
        else throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        break;
      }
      case 'move': {
        const v = removeAt(doc, String(o.from), 'move');
        doc = addAt(doc, path, v, 'move');
        break;
      }
      case 'copy':
        doc = addAt(doc, path, getAt(doc, String(o.from), 'copy'), 'copy');
        break;
      case 'test':
        testOp(doc, path, o);
        break;
      default:
        throw unprocessable(`Unexpected kind: ${String(o.op)}`);
    }
  }
  return doc;
}

// ---------- strategic merge patch (subset) ----------

/** patchMergeKey of well-known built-in list fields. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  secrets: 'name',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  subsets: 'addresses',
};
/** Lists of scalars merged as sets (patchStrategy merge). */
const MERGE_SCALAR_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') {
    const first = items.find(isObj);
    if (first && 'containerPort' in first) return 'containerPort';
    return 'port';
  }
  return MERGE_KEYS[field];
}

function smpList(field: string, target: unknown[], patch: unknown[]): unknown[] {
  if (MERGE_SCALAR_LISTS.has(field)) return [...new Set([...target, ...patch])];
  const key = mergeKeyFor(field, [...patch, ...target]);
  if (!key) return patch.filter((p) => !(isObj(p) && p.$patch)).map((p) => structuredClone(p));
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) return patch.filter((p) => !(isObj(p) && p.$patch === 'replace'));
  const out = target.map((t) => structuredClone(t));
  for (const p of patch) {
    if (!isObj(p)) continue;
    const idx = out.findIndex((t) => isObj(t) && t[key] === p[key]);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = smp(out[idx], p);
    else out.push(smp({}, p));
  }
  return out;
}

export function smp(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f]) && Array.isArray(v)) out[f] = (out[f] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = smpList(k, Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v);
    else {
      const r = smp(out[k], v);
      if (r === undefined) delete out[k];
      else out[k] = r;
    }
  }
  return out;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/json-patch+json') return 'json';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  return undefined;
}

/**
 * Top-level list fields whose Go type has no patch strategy although a same-named field elsewhere has one, by kind:
 * k8s.io/api core/v1 types.go (release-1.30, f67709f6) ServiceAccount.ImagePullSecrets is `+listType=atomic` without
 * patchStrategy (unlike PodSpec.ImagePullSecrets, merged by name), so a strategic merge patch replaces the whole list.
 */
const ATOMIC_TOP_LEVEL: Record<string, Set<string>> = { ServiceAccount: new Set(['imagePullSecrets']) };

function strategic(target: unknown, patch: Record<string, unknown>): unknown {
  const atomic = isObj(target) ? ATOMIC_TOP_LEVEL[String(target.kind)] : undefined;
  if (!atomic) return smp(target, patch);
  const replaced = Object.entries(patch).filter(([k, v]) => atomic.has(k) && Array.isArray(v));
  const rest = Object.fromEntries(Object.entries(patch).filter(([k, v]) => !(atomic.has(k) && Array.isArray(v))));
  const out = smp(target, rest) as Record<string, unknown>;
  for (const [k, v] of replaced) out[k] = structuredClone(v);
  return out;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  if (type === 'json') {
    try {
      return jsonPatch(target, patch);
    } catch (e) {
      if (e instanceof JsonPatchError) throw new PatchNotApplied(e.message);
      throw e;
    }
  }
  if (!isObj(patch)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal non-object into Go value of type map[string]interface {}');
  return type === 'merge' ? mergePatch(target, patch) : strategic(target, patch);
}
