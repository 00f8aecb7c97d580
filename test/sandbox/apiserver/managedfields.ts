// metadata.managedFields and a subset of structured-merge-diff (sigs.k8s.io/structured-merge-diff/v4: fieldpath,
// typed/tofieldset, merge/update) as kube-apiserver's field manager (k8s.io/apimachinery/pkg/util/managedfields/internal)
// uses it. Field sets are kept as sets of paths; a path is its fieldsV1 keys (`f:spec`, `k:{"name":"a"}`, `v:"x"`,
// `i:0`) joined by '\n'. List semantics come from the OpenAPI schema: x-kubernetes-list-type/-list-map-keys, else
// x-kubernetes-patch-strategy merge (+ patch-merge-key), else atomic; maps are granular unless x-kubernetes-map-type atomic.
import type { KubeObject, ResourceType } from '../types.ts';
import { apiVersionOf } from '../resources.ts';
import { kindSchema, resolveSchema } from './openapi.ts';

type Json = Record<string, any>;
const SEP = '\n';
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Json;
  subresource?: string;
}

/** One manager's fields: path → leaf (a scalar or an atomic value, compared by value) or member (compared by presence). */
export type FieldSet = Map<string, boolean>;

export interface Typed {
  defs: Json;
  schema: Json;
}

export function typedOf(t: ResourceType): Typed {
  return kindSchema([t], t);
}

type ListKind = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

function listKind(s: Json | undefined): ListKind {
  const lt = s?.['x-kubernetes-list-type'];
  if (lt === 'set') return { type: 'set' };
  if (lt === 'map') return { type: 'map', keys: (s?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [] };
  if (lt === 'atomic') return { type: 'atomic' };
  if (String(s?.['x-kubernetes-patch-strategy'] ?? '').split(',').includes('merge')) {
    const k = s?.['x-kubernetes-patch-merge-key'];
    return k ? { type: 'map', keys: [String(k)] } : { type: 'set' };
  }
  return { type: 'atomic' };
}

const atomicMap = (s: Json | undefined) => s?.['x-kubernetes-map-type'] === 'atomic';

function itemKey(item: unknown, lk: ListKind, i: number): string {
  if (lk.type === 'set') return `v:${JSON.stringify(item)}`;
  if (lk.type === 'map' && isObj(item) && lk.keys.length && lk.keys.every((k) => item[k] !== undefined)) {
    return `k:${JSON.stringify(Object.fromEntries([...lk.keys].sort().map((k) => [k, item[k]])))}`;
  }
  return `i:${i}`;
}

function collect(ty: Typed, value: unknown, node: unknown, prefix: string, out: FieldSet): void {
  const s = resolveSchema(ty.defs, node);
  const at = (k: string) => (prefix ? `${prefix}${SEP}${k}` : k);
  if (Array.isArray(value)) {
    const lk = listKind(s);
    if (lk.type === 'atomic') return void out.set(prefix, true);
    value.forEach((item, i) => {
      const p = at(itemKey(item, lk, i));
      collect(ty, item, s?.items, p, out);
      if (!out.has(p)) out.set(p, false);
    });
    return;
  }
  if (isObj(value) && prefix !== '' && atomicMap(s)) return void out.set(prefix, true);
  if (isObj(value)) {
    const props: Json | undefined = s?.properties;
    const addl = isObj(s?.additionalProperties) ? s!.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      const p = at(`f:${k}`);
      collect(ty, v, props?.[k] ?? addl, p, out);
      if (!out.has(p) && (v === null || (isObj(v) && !Object.keys(v).length) || !props?.[k])) out.set(p, false);
    }
    return;
  }
  out.set(prefix, true);
}

/** The metadata fields managedFields never record (stripmeta.go); ToFieldSet of a whole object still has them. */
const IDENTITY = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** What a manager owns by setting this object (apiVersion, kind, identity metadata and, with a status subresource, status excluded). */
export function fieldSetOf(t: ResourceType, ty: Typed, obj: KubeObject): FieldSet {
  const o: Json = structuredClone(obj);
  delete o.apiVersion;
  delete o.kind;
  if (t.subresources?.includes('status')) delete o.status;
  if (isObj(o.metadata)) {
    for (const k of IDENTITY) delete o.metadata[k];
    delete o.metadata.managedFields;
    if (!Object.keys(o.metadata).length) delete o.metadata;
  }
  const out: FieldSet = new Map();
  collect(ty, o, ty.schema, '', out);
  out.delete('');
  return out;
}

// ---------- paths ----------

function parseKey(k: string): { kind: string; v: any } {
  return { kind: k.slice(0, 1), v: k[0] === 'f' ? k.slice(2) : k[0] === 'i' ? Number(k.slice(2)) : JSON.parse(k.slice(2)) };
}

/** fieldpath.Path.String(): `.spec.containers[name="a"].image`, `.metadata.finalizers[="x"]`, `[0]`. */
export function pathString(path: string): string {
  return path
    .split(SEP)
    .map((k) => {
      const { kind, v } = parseKey(k);
      if (kind === 'f') return `.${v}`;
      if (kind === 'i') return `[${v}]`;
      if (kind === 'v') return `[=${JSON.stringify(v)}]`;
      return `[${Object.entries(v as Json).map(([a, b]) => `${a}=${JSON.stringify(b)}`).join(',')}]`;
    })
    .join('');
}

function step(container: unknown, key: string): { parent: unknown; index: string | number } | undefined {
  const { kind, v } = parseKey(key);
  if (kind === 'f') return isObj(container) && v in container ? { parent: container, index: v } : undefined;
  if (!Array.isArray(container)) return undefined;
  let i = -1;
  if (kind === 'i') i = v < container.length ? v : -1;
  else if (kind === 'v') i = container.findIndex((x) => deepEqual(x, v));
  else i = container.findIndex((x) => isObj(x) && Object.entries(v as Json).every(([a, b]) => deepEqual(x[a], b)));
  return i >= 0 ? { parent: container, index: i } : undefined;
}

export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split(SEP)) {
    const s = step(cur, k);
    if (!s) return undefined;
    cur = (s.parent as any)[s.index];
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as Json);
  const kb = Object.keys(b as Json);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}

/** Paths of `next` that are new or (leaves) hold a different value than in `live`: compare.Added ∪ compare.Modified. */
export function changedPaths(live: unknown, next: unknown, nextSet: FieldSet): string[] {
  const out: string[] = [];
  for (const [p, leaf] of nextSet) {
    const before = valueAt(live, p);
    if (before === undefined || (leaf && !deepEqual(before, valueAt(next, p)))) out.push(p);
  }
  return out;
}

// ---------- fieldsV1 ----------

interface TreeNode {
  member: boolean;
  children: Map<string, TreeNode>;
}

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

export function encodeFields(paths: Iterable<string>): Json {
  const root: TreeNode = { member: false, children: new Map() };
  for (const p of paths) {
    let n = root;
    for (const k of p.split(SEP)) {
      let c = n.children.get(k);
      if (!c) n.children.set(k, (c = { member: false, children: new Map() }));
      n = c;
    }
    n.member = true;
  }
  const ser = (n: TreeNode): Json => {
    const o: Json = {};
    if (n.member && n.children.size) o['.'] = {};
    const keys = [...n.children.keys()].sort((a, b) => RANK[a[0]!]! - RANK[b[0]!]! || (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) o[k] = ser(n.children.get(k)!);
    return o;
  };
  return ser(root);
}

export function decodeFields(fields: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, prefix: string) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (prefix && (keys.length === 0 || keys.includes('.'))) out.add(prefix);
    for (const k of keys) if (k !== '.') walk(node[k], prefix ? `${prefix}${SEP}${k}` : k);
  };
  walk(fields, '');
  return out;
}

// ---------- managers ----------

export interface Manager {
  entry: ManagedEntry;
  fields: Set<string>;
}

export function decodeManagers(obj: KubeObject | undefined): Manager[] {
  const mf = obj?.metadata?.managedFields;
  if (!Array.isArray(mf)) return [];
  return (mf as ManagedEntry[]).filter((e) => isObj(e) && e.manager !== undefined).map((e) => ({ entry: { ...e }, fields: decodeFields(e.fieldsV1) }));
}

/** The sorted metadata.managedFields list (Apply before Update, then time, manager, apiVersion; empty sets dropped). */
export function encodeManagers(ms: Manager[]): ManagedEntry[] {
  const out = ms
    .filter((m) => m.fields.size)
    .map((m) => ({ ...m.entry, fieldsType: 'FieldsV1', fieldsV1: encodeFields(m.fields) }));
  out.sort((p, q) =>
    p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1) : (p.time ?? '') !== (q.time ?? '') ? ((p.time ?? '') < (q.time ?? '') ? -1 : 1) : p.manager !== q.manager ? (p.manager < q.manager ? -1 : 1) : p.apiVersion < q.apiVersion ? -1 : p.apiVersion > q.apiVersion ? 1 : 0,
  );
  return out.map(({ manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource }) => {
    const e: ManagedEntry = { manager, operation, apiVersion };
    if (time) e.time = time;
    e.fieldsType = fieldsType;
    e.fieldsV1 = fieldsV1;
    if (subresource) e.subresource = subresource;
    return e;
  });
}

export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** managerOrUserAgent: the fieldManager parameter, else the User-Agent up to its first '/'. */
export function managerName(fieldManager: string | null, userAgent: string | undefined): string {
  return fieldManager || (userAgent ?? '').split('/')[0] || 'unknown';
}

/**
 * A non-apply write (create, update, json/merge/strategic patch): the manager's Update entry gains the fields the write
 * added or changed, which other managers lose; removed fields leave every manager. Sets next.metadata.managedFields.
 */
export function recordUpdate(t: ResourceType, live: KubeObject | undefined, next: KubeObject, manager: string): void {
  const ty = typedOf(t);
  const sent = next.metadata.managedFields;
  // A client may send managedFields back (edit/replace): they are taken as the starting point; [] resets them.
  if (Array.isArray(sent) && sent.length === 0) return;
  let ms = Array.isArray(sent) && sent.length ? decodeManagers(next) : decodeManagers(live);
  const nextSet = fieldSetOf(t, ty, next);
  const liveSet = live ? fieldSetOf(t, ty, live) : new Map<string, boolean>();
  const changed = changedPaths(live ?? {}, next, nextSet);
  const removed = [...liveSet.keys()].filter((p) => !nextSet.has(p));
  const apiVersion = apiVersionOf(t);
  let mine = ms.find((m) => m.entry.operation === 'Update' && m.entry.manager === manager && m.entry.apiVersion === apiVersion && !m.entry.subresource);
  if (changed.length) {
    if (!mine) ms.push((mine = { entry: { manager, operation: 'Update', apiVersion }, fields: new Set() }));
    mine.entry.time = now();
    for (const p of changed) {
      for (const m of ms) m.fields.delete(p);
      mine.fields.add(p);
    }
  }
  for (const p of removed) for (const m of ms) m.fields.delete(p);
  ms = ms.filter((m) => m.fields.size);
  const enc = encodeManagers(ms);
  if (enc.length) next.metadata.managedFields = enc;
  else delete next.metadata.managedFields;
}

// ---------- apply ----------

function mergeValue(ty: Typed, live: unknown, patch: unknown, node: unknown): unknown {
  const s = resolveSchema(ty.defs, node);
  if (Array.isArray(patch)) {
    const lk = listKind(s);
    if (!Array.isArray(live) || lk.type === 'atomic') return structuredClone(patch);
    if (lk.type === 'set') return [...structuredClone(live), ...structuredClone(patch.filter((x) => !live.some((y) => deepEqual(x, y))))];
    const out = structuredClone(live);
    patch.forEach((item, i) => {
      const key = itemKey(item, lk, i);
      const idx = out.findIndex((x, j) => itemKey(x, lk, j) === key);
      if (idx >= 0) out[idx] = mergeValue(ty, out[idx], item, s?.items);
      else out.push(structuredClone(item));
    });
    return out;
  }
  if (isObj(patch)) {
    if (!isObj(live) || atomicMap(s)) return structuredClone(patch);
    const out: Json = { ...live };
    const addl = isObj(s?.additionalProperties) ? s!.additionalProperties : undefined;
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(ty, live[k], v, s?.properties?.[k] ?? addl);
    }
    return out;
  }
  return patch;
}

export interface ApplyConflict {
  manager: ManagedEntry;
  path: string;
}

/** printManager over the manager identifier (BuildManagerIdentifier drops the time): `"name"`, `"name" using v1` for Update. */
export function printManager(e: ManagedEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

/** getConflictMessage (managedfields/internal/conflict.go). */
export function conflictMessage(cs: ApplyConflict[]): string {
  if (cs.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(cs[0]!.manager)}: ${pathString(cs[0]!.path)}`;
  const by = new Map<string, { e: ManagedEntry; paths: string[] }>();
  for (const c of cs) {
    const k = JSON.stringify([c.manager.manager, c.manager.operation, c.manager.operation === 'Apply' ? '' : c.manager.apiVersion, c.manager.subresource ?? '']);
    if (!by.has(k)) by.set(k, { e: c.manager, paths: [] });
    by.get(k)!.paths.push(c.path);
  }
  const lines: string[] = [];
  // Sorted by the encoded manager identity, as upstream sorts its manager keys.
  for (const k of [...by.keys()].sort()) {
    const g = by.get(k)!;
    lines.push(`conflicts with ${printManager(g.e)}:`);
    for (const p of g.paths) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${cs.length} conflicts: ${lines.join('\n')}`;
}

// ---------- prune (structured-merge-diff v4.4.1 merge/update.go, typed/remove.go, fieldpath/set.go) ----------

/** Set.EnsureNamedFieldsAreMembers: every prefix of a path that ends in a field the schema declares becomes a member. */
function withNamedFields(ty: Typed, set: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const node = new Map<string, unknown>([['', ty.schema]]);
  for (const p of set) {
    out.add(p);
    const keys = p.split(SEP);
    let prefix = '';
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i]!;
      const s = resolveSchema(ty.defs, node.get(prefix));
      const next = prefix ? `${prefix}${SEP}${k}` : k;
      if (!node.has(next)) {
        const name = k.startsWith('f:') ? k.slice(2) : undefined;
        const addl = isObj(s?.additionalProperties) ? s!.additionalProperties : undefined;
        node.set(next, name === undefined ? s?.items : (s?.properties?.[name] ?? addl));
      }
      if (k.startsWith('f:') && s?.properties?.[k.slice(2)] !== undefined) out.add(next);
      prefix = next;
    }
  }
  return out;
}

/**
 * TypedValue.RemoveItems: a member path goes with everything under it (a list entry goes whole, its key fields
 * included); a map or list emptied by the removal becomes null, which the typed object (or a CRD's null pruning) drops.
 */
function removeItems(ty: Typed, value: unknown, members: Set<string>): unknown {
  const inner = new Set<string>();
  for (const p of members) {
    const keys = p.split(SEP);
    for (let i = 1; i < keys.length; i++) inner.add(keys.slice(0, i).join(SEP));
  }
  const walk = (v: unknown, node: unknown, prefix: string): unknown => {
    const s = resolveSchema(ty.defs, node);
    const at = (k: string) => (prefix ? `${prefix}${SEP}${k}` : k);
    if (Array.isArray(v)) {
      const lk = listKind(s);
      if (lk.type === 'atomic') return undefined;
      const items: unknown[] = [];
      v.forEach((item, i) => {
        const p = at(itemKey(item, lk, i));
        if (members.has(p)) return;
        items.push(inner.has(p) ? (walk(item, s?.items, p) ?? null) : item);
      });
      return items.length ? items : undefined;
    }
    if (isObj(v)) {
      if (prefix !== '' && atomicMap(s)) return undefined;
      const addl = isObj(s?.additionalProperties) ? s!.additionalProperties : undefined;
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) {
        const p = at(`f:${k}`);
        if (members.has(p)) continue;
        if (!inner.has(p)) out[k] = x;
        else {
          const y = walk(x, s?.properties?.[k] ?? addl, p);
          if (y !== undefined) out[k] = y;
        }
      }
      return Object.keys(out).length ? out : undefined;
    }
    return v;
  };
  return members.size ? (walk(value, ty.schema, '') ?? {}) : value;
}

const minus = (a: Set<string>, ...bs: Set<string>[]) => new Set([...a].filter((p) => !bs.some((b) => b.has(p))));

/**
 * Updater.prune: remove what the applier applied last time and no longer applies, unless another manager (an applier
 * or an updater) or the applier's new configuration owns it (addBackOwnedItems); what nobody owns and the applier did
 * not own before stays (addBackDanglingItems). An entry of a keyed list is an item path of its own: it stays while any
 * manager owns the entry itself, and goes whole — key fields and fields only an updater set in it included — when the
 * last manager that owned it stops applying it.
 */
function prune(t: ResourceType, ty: Typed, merged: KubeObject, lastSet: Set<string>, owners: Set<string>[]): KubeObject {
  if (!lastSet.size) return merged;
  // Upstream's sets of whole objects, and the applied configuration's, include metadata.name and the other identity
  // fields (only the recorded managedFields are stripped of them): they keep metadata itself owned.
  const identity = (o: KubeObject) => IDENTITY.filter((k) => isObj(o.metadata) && o.metadata[k] !== undefined).map((k) => `f:metadata${SEP}f:${k}`);
  const setOf = (o: KubeObject) => withNamedFields(ty, [...fieldSetOf(t, ty, o).keys(), ...identity(o)]);
  const last = withNamedFields(ty, lastSet);
  const managed = withNamedFields(ty, [...owners.flatMap((s) => [...s]), `f:metadata${SEP}f:name`]);
  const mergedSet = setOf(merged);
  const pruned = removeItems(ty, merged, last) as KubeObject;
  const ownedBack = removeItems(ty, merged, minus(mergedSet, setOf(pruned), managed)) as KubeObject;
  const ownedBackSet = setOf(ownedBack);
  return removeItems(ty, merged, new Set([...minus(mergedSet, ownedBackSet)].filter((p) => last.has(p)))) as KubeObject;
}

/**
 * merge.Updater.Apply: merges the applied configuration into the live object, removes fields this manager applied
 * before and no longer applies (unless another manager owns them), and reports conflicts with other managers' fields
 * whose value the apply changes; with force they move to the applier. Returns the new object (managedFields set).
 */
export function applyConfig(t: ResourceType, live: KubeObject, config: KubeObject, manager: string, force: boolean): { object: KubeObject; conflicts: ApplyConflict[] } {
  const ty = typedOf(t);
  const apiVersion = apiVersionOf(t);
  let ms = decodeManagers(live);
  // skipnonapplied.go: an existing object without managedFields (created before tracking; here, seeded by the sandbox
  // without the API) first gets its fields recorded as the Update manager "before-first-apply".
  if (!ms.length && live.metadata.uid) {
    const fields = new Set(fieldSetOf(t, ty, live).keys());
    if (fields.size) ms = [{ entry: { manager: 'before-first-apply', operation: 'Update', apiVersion, time: now() }, fields }];
  }
  const mine = ms.find((m) => m.entry.operation === 'Apply' && m.entry.manager === manager && !m.entry.subresource);
  const lastSet = mine?.fields ?? new Set<string>();
  const newSet = fieldSetOf(t, ty, config);
  const cfg: Json = structuredClone(config);
  if (t.subresources?.includes('status')) delete cfg.status;
  const { managedFields: _mf, ...liveMeta } = live.metadata;
  let merged = mergeValue(ty, { ...live, metadata: liveMeta }, cfg, ty.schema) as KubeObject;
  const others = ms.filter((m) => m !== mine);
  merged = prune(t, ty, merged, lastSet, [new Set(newSet.keys()), ...others.map((m) => m.fields)]);
  const changed = changedPaths(live, merged, newSet);
  const conflicts: ApplyConflict[] = [];
  for (const m of others) for (const p of changed) if (m.fields.has(p)) conflicts.push({ manager: m.entry, path: p });
  if (conflicts.length && !force) return { object: live, conflicts };
  for (const c of conflicts) for (const m of others) m.fields.delete(c.path);
  const removed = [...fieldSetOf(t, ty, live).keys()].filter((p) => valueAt(merged, p) === undefined);
  for (const p of removed) for (const m of others) m.fields.delete(p);
  ms = others.filter((m) => m.fields.size);
  const entry: ManagedEntry = { manager, operation: 'Apply', apiVersion, time: changed.length || !mine ? now() : (mine.entry.time ?? now()) };
  ms.push({ entry, fields: new Set(newSet.keys()) });
  merged = { ...merged, metadata: { ...merged.metadata } };
  const enc = encodeManagers(ms);
  if (enc.length) merged.metadata.managedFields = enc;
  else delete merged.metadata.managedFields;
  return { object: merged, conflicts: [] };
}
