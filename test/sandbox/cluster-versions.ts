// Cluster versions: what differs between OpenShift releases as far as the sandbox goes — the CRD schemas the
// API server serves (and prunes against), the CustomResourceDefinition objects it serves under
// apiextensions.k8s.io/v1, and the release clusterversions/version reports.
// The default (4.17) uses data/openshift/crds; an older version overrides the CRDs it has in crds/<version>/
// (copied from openshift/api's release branch: see the header of each file).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, defaultResourceTypes, keyOf, loadCrds, resourceKey, type CrdInfo } from './resources.ts';
import { RELEASE_VERSION } from './operator/util.ts';
import type { KubeObject, ResourceKey, ResourceType, Store } from './types.ts';

export const CLUSTER_VERSIONS = ['4.17', '4.14'] as const;
export type ClusterVersionName = (typeof CLUSTER_VERSIONS)[number];
export const DEFAULT_CLUSTER_VERSION: ClusterVersionName = '4.17';

/** The release each version's sandbox reports (4.14.38: a real 4.14 z-stream). */
const RELEASES: Record<ClusterVersionName, string> = { '4.17': RELEASE_VERSION, '4.14': '4.14.38' };

export const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';

/**
 * Kinds the sandbox describes with a CRD file but that a real cluster serves from an aggregated API server
 * (routes: openshift-apiserver), so no CustomResourceDefinition object exists for them.
 */
const NOT_A_CRD: ReadonlySet<ResourceKey> = new Set([resourceKey('route.openshift.io', 'routes')]);

export function releaseOf(v: ClusterVersionName): string {
  return RELEASES[v];
}

export function isClusterVersion(v: string): v is ClusterVersionName {
  return (CLUSTER_VERSIONS as readonly string[]).includes(v);
}

/** The CRDs of a version: the default set with the version's own files on top. */
function crdsOf(v: ClusterVersionName): Map<ResourceKey, CrdInfo> {
  const all = loadCrds();
  const dir = join(DATA_DIR, 'crds', v);
  if (v !== DEFAULT_CLUSTER_VERSION && existsSync(dir)) for (const [k, c] of loadCrds(dir)) all.set(k, c);
  return all;
}

/** The resource table of a version: CRD-backed kinds carry that release's schema and printer columns. */
export function resourceTypesFor(v: ClusterVersionName): ResourceType[] {
  const types = defaultResourceTypes();
  if (v === DEFAULT_CLUSTER_VERSION) return types;
  const crds = crdsOf(v);
  for (const t of types) {
    const c = crds.get(keyOf(t));
    if (!c || !t.schema) continue;
    t.schema = structuredClone(c.schema);
    if (c.printerColumns?.length) t.printerColumns = structuredClone(c.printerColumns);
  }
  return types;
}

/** A CRD as the API server returns it once established (status as apiextensions-apiserver writes it). */
function crdObject(c: CrdInfo): KubeObject {
  const doc = structuredClone(c.document);
  const versions = ((doc.spec?.versions ?? []) as any[]).filter((x) => x.storage).map((x) => x.name);
  const names = doc.spec?.names ?? {};
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: doc.metadata?.name, ...(doc.metadata?.annotations ? { annotations: doc.metadata.annotations } : {}) },
    spec: doc.spec,
    status: {
      acceptedNames: { kind: names.kind, listKind: names.listKind, plural: names.plural, singular: names.singular, ...(names.shortNames ? { shortNames: names.shortNames } : {}) },
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      storedVersions: versions,
    },
  };
}

/**
 * CustomResourceDefinition objects of a version, as [store key, object] pairs. `capability` selects the CRDs that
 * ship with a capability's operator (the ImageRegistry operator's configs/imagepruners); without it, the others.
 */
export function crdManifests(v: ClusterVersionName, capability?: string): Array<[string, KubeObject]> {
  const capabilityOf = new Map(defaultResourceTypes().map((t) => [keyOf(t), t.capability]));
  const out: Array<[string, KubeObject]> = [];
  for (const [k, c] of crdsOf(v)) {
    if (NOT_A_CRD.has(k) || capabilityOf.get(k) !== capability) continue;
    out.push([CRDS, crdObject(c)]);
  }
  return out;
}

/** Creates the CRD objects of a version that belong to no capability (config.openshift.io …). */
export function seedCrds(store: Store, v: ClusterVersionName): void {
  for (const [key, obj] of crdManifests(v)) if (!store.get(key, undefined, obj.metadata.name!)) store.create(key, obj);
}

/** clusterversions/version reports the version's release (desired, history, conditions, channel). */
export function applyRelease(store: Store, v: ClusterVersionName): void {
  if (v === DEFAULT_CLUSTER_VERSION) return;
  const cv = store.get('config.openshift.io/clusterversions', undefined, 'version');
  if (!cv) return;
  const from = RELEASE_VERSION;
  const to = releaseOf(v);
  const minor = (s: string) => s.split('.').slice(0, 2).join('.');
  const text = JSON.stringify(cv)
    .split(from).join(to)
    .split(`-${minor(from)}"`).join(`-${minor(to)}"`);
  const next = JSON.parse(text) as KubeObject;
  store.update('config.openshift.io/clusterversions', { ...next, metadata: cv.metadata });
  store.update('config.openshift.io/clusterversions', { ...store.get('config.openshift.io/clusterversions', undefined, 'version')!, status: next.status }, { subresource: 'status' });
}
