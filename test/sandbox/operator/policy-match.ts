// How config-policy-controller decides that an object matches an object-template (musthave / mustonlyhave):
// merge the template into the existing value (maps key by key; lists item by item, keeping existing items the
// template does not name), then compare the merged value with the existing one, lists in any order and scalars
// by their printed form. Written from the behaviour of open-cluster-management-io/config-policy-controller
// controllers/configurationpolicy_controller.go (mergeSpecs, mergeArrays, handleKeys) and
// configurationpolicy_utils.go (deeplyEquivalent, checkFieldsAreEquivalent); not a port of that code.

export type ComplianceType = 'musthave' | 'mustonlyhave' | 'mustnothave';

type Json = unknown;

function isMap(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's fmt.Sprint of a decoded JSON scalar (enough to compare them as the controller does). */
function sprint(v: Json): string {
  return v === null || v === undefined ? '<nil>' : String(v);
}

/** The template's value with what the existing value has beyond it merged in. */
export function merge(template: Json, existing: Json, ctype: ComplianceType): Json {
  if (ctype === 'mustonlyhave' && (isMap(template) || Array.isArray(template))) return template; // exactly the template
  if (isMap(template)) {
    if (!isMap(existing)) return template;
    const out: Record<string, Json> = { ...template };
    for (const [k, v] of Object.entries(existing)) out[k] = k in template ? merge(template[k], v, ctype) : v;
    return out;
  }
  if (Array.isArray(template)) {
    if (!Array.isArray(existing) || existing.length === 0) return template;
    return mergeLists(template, existing, ctype);
  }
  if (template === null && isMap(existing)) return existing;
  return template;
}

// Each distinct existing item takes the template items equal to it (after merging) or of the same `name`;
// existing items no template item matched are appended, so a list that already has the template's items
// compares equal.
function mergeLists(template: Json[], existing: Json[], ctype: ComplianceType): Json[] {
  const out = [...template];
  const used = template.map(() => false);
  const counts = new Map<string, { value: Json; count: number }>();
  for (const v of existing) {
    const k = JSON.stringify(v);
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { value: v, count: 1 });
  }
  for (const { value, count } of counts.values()) {
    let matched = 0;
    for (let i = 0; i < template.length && matched < count; i++) {
      if (used[i]) continue;
      const t = template[i];
      const mergedItem = isMap(value) && isMap(t) ? merge(t, value, ctype) : t;
      const sameName = isMap(value) && isMap(t) && typeof value.name === 'string' && value.name !== '' && t.name === value.name;
      if (sameName || equivalent(mergedItem, value)) {
        out[i] = mergedItem;
        used[i] = true;
        matched++;
      }
    }
    for (let n = matched; n < count; n++) out.push(value);
  }
  return out;
}

/** Deep equality with lists in any order and scalars compared as printed. */
export function equivalent(a: Json, b: Json): boolean {
  if (isMap(a)) {
    if (!isMap(b) || Object.keys(a).length < Object.keys(b).length) return false;
    return Object.entries(a).every(([k, v]) => {
      if (Array.isArray(v) && v.length === 0 && b[k] === undefined) return true;
      return k in b && equivalent(v, b[k]);
    });
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return a.length === 0 && b === undefined;
    if (a.length !== b.length) return false;
    const left = [...b];
    return a.every((x) => {
      const i = left.findIndex((y) => equivalent(x, y));
      if (i < 0) return false;
      left.splice(i, 1);
      return true;
    });
  }
  return sprint(a) === sprint(b);
}

export interface KeyResult {
  /** The existing object with the template's keys merged in (what enforce writes). */
  desired: Record<string, Json>;
  /** Some non-status key differs: the object is not as specified. */
  mismatch: boolean;
}

/**
 * Compares every top-level key of the template with the existing object. `metadata` is compared and merged only
 * for labels and annotations (with metadataComplianceType, default the complianceType); `kind`/`apiVersion` only choose the object; mustonlyhave also removes keys the template lacks
 * (except metadata and status, and a v1 ServiceAccount's secrets and imagePullSecrets).
 */
export function compareObject(template: Record<string, Json>, existing: Record<string, Json>, ctype: ComplianceType, mdType: ComplianceType = ctype): KeyResult {
  const desired: Record<string, Json> = structuredClone(existing);
  let mismatch = false;
  for (const [key, tv] of Object.entries(template)) {
    if (key === 'metadata') {
      const tm = isMap(tv) ? tv : {};
      const em = isMap(existing.metadata) ? existing.metadata : {};
      const dm = desired.metadata as Record<string, Json>;
      for (const f of ['labels', 'annotations']) {
        if (!isMap(tm[f])) continue;
        const merged = merge(tm[f], em[f] ?? {}, mdType);
        if (!equivalent(merged, em[f] ?? {})) mismatch = true;
        dm[f] = merged;
      }
      continue;
    }
    if (key === 'apiVersion' || key === 'kind') continue; // they chose the object
    if (key === 'status') continue; // a status mismatch is a violation enforce cannot fix; not simulated
    const merged = merge(tv, existing[key], ctype);
    if (!equivalent(merged, existing[key])) mismatch = true;
    desired[key] = merged;
  }
  if (ctype === 'mustonlyhave') {
    // A v1 ServiceAccount's secrets and imagePullSecrets are managed by Kubernetes: kept unless the template names them.
    const sa = existing.kind === 'ServiceAccount' && existing.apiVersion === 'v1';
    for (const key of Object.keys(existing)) {
      if (key in template || key === 'metadata' || key === 'status') continue;
      if (sa && (key === 'secrets' || key === 'imagePullSecrets')) continue;
      delete desired[key];
      mismatch = true;
    }
  }
  return { desired, mismatch };
}
