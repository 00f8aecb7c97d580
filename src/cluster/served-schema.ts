// The registry Config schema the cluster actually serves. Each OpenShift release ships its own
// configs.imageregistry.operator.openshift.io CRD (4.14 has no spec.storage.s3.chunkSizeMiB, no matchLabelKeys in
// pod affinity terms …), and kube-apiserver prunes what a structural schema does not declare without an error.
// So before writing, what regctl sends is walked against the served CRD: anything the cluster would drop is bad
// input. When the CRD cannot be read, the schema regctl bundles is used and the caller says so.
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { R, type ResourceRef } from './resources.js';
import { validate, type Schema } from './config-schema.js';

export const CONFIG_CRD = 'configs.imageregistry.operator.openshift.io';
const CRD: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

export interface ServedSchema {
  /** The `spec` schema the cluster serves; undefined when it could not be read (the bundled one applies). */
  spec?: Schema;
  /** How to name the cluster in messages: `OpenShift 4.14.38`, or `this cluster` when its version is unknown. */
  cluster: string;
  /** One line for the user when the bundled schema is used instead. */
  note?: string;
}

/** The release clusterversions/version reports (desired, else the last completed update); undefined if unreadable. */
export async function clusterRelease(c: Cluster): Promise<string | undefined> {
  try {
    const cv = await c.getOrNull<Json>(R.clusterVersion, 'version');
    const completed = ((cv?.status?.history ?? []) as Json[]).find((h) => h?.state === 'Completed')?.version;
    const v = cv?.status?.desired?.version || completed;
    return typeof v === 'string' && v ? v : undefined;
  } catch (e) {
    if (isApiError(e)) return undefined;
    throw e;
  }
}

/** The v1 `spec` schema of a configs.imageregistry CRD object (the served version, else the storage version). */
export function specSchemaOfCrd(crd: Json): Schema | undefined {
  const versions = (crd?.spec?.versions ?? []) as Json[];
  const v = versions.find((x) => x?.name === 'v1' && x?.served !== false) ?? versions.find((x) => x?.storage) ?? versions[0];
  const spec = v?.schema?.openAPIV3Schema?.properties?.spec;
  return spec && typeof spec === 'object' ? (spec as Schema) : undefined;
}

export async function readServedSchema(c: Cluster): Promise<ServedSchema> {
  const release = await clusterRelease(c);
  const cluster = release ? `OpenShift ${release}` : 'this cluster';
  const fallback = (why: string): ServedSchema => ({
    cluster,
    note: `cannot read customresourcedefinitions/${CONFIG_CRD} (${why}): checking fields against the schema regctl bundles; a cluster of another release may silently drop fields it does not know`,
  });
  let crd: Json;
  try {
    crd = await c.get<Json>(CRD, CONFIG_CRD);
  } catch (e) {
    if (isApiError(e, 403)) return fallback('forbidden');
    if (isApiError(e, 404)) return fallback('not found');
    if (isApiError(e)) return fallback(`HTTP ${e.statusCode}`);
    throw e;
  }
  const spec = specSchemaOfCrd(crd);
  return spec ? { spec, cluster } : fallback('it has no v1 spec schema');
}

/** Paths under `path` that a structural-schema prune (kube-apiserver) removes from `value`. */
export function prunedPaths(value: unknown, schema: Schema | undefined, path: string): string[] {
  const out: string[] = [];
  walk(value, schema, path, out);
  return out;
}

function walk(value: unknown, schema: Schema | undefined, path: string, out: string[]): void {
  if (!schema || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, schema.items, `${path}[${i}]`, out));
    return;
  }
  const obj = value as Record<string, unknown>;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties) {
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const sub = schema.properties[k];
      if (sub) walk(v, sub, `${path}.${k}`, out);
      else if (typeof schema.additionalProperties === 'object') walk(v, schema.additionalProperties, `${path}.${k}`, out);
      else if (!preserve && !schema.additionalProperties) out.push(`${path}.${k}`);
    }
  } else if (typeof schema.additionalProperties === 'object') {
    for (const [k, v] of Object.entries(obj)) walk(v, schema.additionalProperties, `${path}.${k}`, out);
  }
}

export interface ServedProblem {
  /** `spec.storage.s3.chunkSizeMiB` */
  field: string;
  message: string;
}

/**
 * What the served schema says about the value meant for spec.<path…>: fields it would prune, and values it would
 * refuse. Empty when the schema was not readable (the caller checked against the bundled one already).
 */
export function checkServed(path: string[], value: unknown, served: ServedSchema): ServedProblem[] {
  if (!served.spec || value === undefined) return [];
  const dropped = (field: string): ServedProblem => ({
    field,
    message: `${field}: ${served.cluster} does not have this field in its ${CONFIG_CRD} schema: its API server would silently drop it`,
  });
  let s: Schema | undefined = served.spec;
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    const next: Schema | undefined = s?.properties?.[p] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (!next) {
      if (s?.['x-kubernetes-preserve-unknown-fields'] === true) return [];
      return [dropped(`spec.${path.slice(0, i + 1).join('.')}`)];
    }
    s = next;
  }
  const base = `spec.${path.join('.')}`;
  const out = prunedPaths(value, s, base).map(dropped);
  // Values the served schema refuses (the API server would answer 422); unknown fields are reported above.
  for (const e of validate(value, s!, base)) if (!/: unknown field\b/.test(e)) out.push({ field: e.split(':')[0]!, message: `${e} (${served.cluster})` });
  return out;
}
