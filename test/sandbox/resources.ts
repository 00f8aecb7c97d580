// The sandbox's resource table: every REST resource the simulated API server serves.
// CRD-backed kinds carry the openAPIV3Schema of the real CRDs (copied to data/openshift/crds).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { PrinterColumn, ResourceKey, ResourceType } from './types.ts';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data', 'openshift');
/** CRDs of add-ons installed on the cluster (ACM policy/placement, Argo CD): see data/addons/crds headers. */
export const ADDON_CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data', 'addons', 'crds');

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];

export function resourceKey(group: string, resource: string): ResourceKey {
  return `${group}/${resource}`;
}

export function keyOf(t: Pick<ResourceType, 'group' | 'resource'>): ResourceKey {
  return resourceKey(t.group, t.resource);
}

/** `configs.imageregistry.operator.openshift.io`, or just `pods` for the core group. */
export function qualifiedResource(t: Pick<ResourceType, 'group' | 'resource'>): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

/** `Config.imageregistry.operator.openshift.io`, or just `Pod` for the core group. */
export function qualifiedKind(t: Pick<ResourceType, 'group' | 'kind'>): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/**
 * Resources the API server computes instead of storing (reviews, token requests, views).
 * They appear in discovery but the store never holds objects for them.
 */
export const VIRTUAL_RESOURCES: ReadonlySet<ResourceKey> = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authentication.k8s.io/tokenreviews',
  'image.openshift.io/imagestreamtags',
  'image.openshift.io/imagestreamimports',
  'image.openshift.io/imagestreammappings',
  'project.openshift.io/projects',
]);

/** The cluster capability whose manifests (CRDs included) the registry operator ships with. */
export const IMAGE_REGISTRY_CAPABILITY = 'ImageRegistry';

interface Def {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs?: string[];
  subresources?: string[];
  capability?: string;
}

const DEFS: Def[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['status', 'log'] },
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true, shortNames: ['rc'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: ['token'] },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'] },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], subresources: ['status'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], subresources: ['status'] },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], subresources: ['status'] },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], subresources: ['status'] },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, subresources: ['status'] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE_ONLY },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false, verbs: CREATE_ONLY },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: CREATE_ONLY },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE_ONLY },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: CREATE_ONLY },
  { group: 'user.openshift.io', version: 'v1', resource: 'users', kind: 'User', namespaced: false },
  { group: 'user.openshift.io', version: 'v1', resource: 'groups', kind: 'Group', namespaced: false },
  { group: 'user.openshift.io', version: 'v1', resource: 'identities', kind: 'Identity', namespaced: false },
  { group: 'route.openshift.io', version: 'v1', resource: 'routes', kind: 'Route', namespaced: true, subresources: ['status'] },
  // openshift-apiserver pkg/apps/apiserver/apiserver.go and pkg/build/apiserver/apiserver.go (short names from their etcd.go);
  // their other subresources (instantiate, rollback, log, scale, clone, details, webhooks) are not served here.
  { group: 'apps.openshift.io', version: 'v1', resource: 'deploymentconfigs', kind: 'DeploymentConfig', namespaced: true, shortNames: ['dc'], subresources: ['status'] },
  { group: 'build.openshift.io', version: 'v1', resource: 'builds', kind: 'Build', namespaced: true },
  { group: 'build.openshift.io', version: 'v1', resource: 'buildconfigs', kind: 'BuildConfig', namespaced: true, shortNames: ['bc'] },
  { group: 'config.openshift.io', version: 'v1', resource: 'images', kind: 'Image', namespaced: false, subresources: ['status'] },
  { group: 'config.openshift.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', namespaced: false, subresources: ['status'] },
  { group: 'config.openshift.io', version: 'v1', resource: 'clusterversions', kind: 'ClusterVersion', namespaced: false, subresources: ['status'] },
  { group: 'config.openshift.io', version: 'v1', resource: 'clusteroperators', kind: 'ClusterOperator', namespaced: false, shortNames: ['co'], subresources: ['status'] },
  { group: 'imageregistry.operator.openshift.io', version: 'v1', resource: 'configs', kind: 'Config', namespaced: false, subresources: ['status'], capability: IMAGE_REGISTRY_CAPABILITY },
  { group: 'imageregistry.operator.openshift.io', version: 'v1', resource: 'imagepruners', kind: 'ImagePruner', namespaced: false, subresources: ['status'], capability: IMAGE_REGISTRY_CAPABILITY },
  { group: 'image.openshift.io', version: 'v1', resource: 'imagestreams', kind: 'ImageStream', namespaced: true, shortNames: ['is'], subresources: ['status', 'layers', 'secrets'] },
  { group: 'image.openshift.io', version: 'v1', resource: 'imagestreamtags', kind: 'ImageStreamTag', namespaced: true, shortNames: ['istag'], verbs: ['delete', 'get', 'list'] },
  { group: 'image.openshift.io', version: 'v1', resource: 'imagestreamimports', kind: 'ImageStreamImport', namespaced: true, verbs: CREATE_ONLY },
  { group: 'image.openshift.io', version: 'v1', resource: 'imagestreammappings', kind: 'ImageStreamMapping', namespaced: true, verbs: CREATE_ONLY },
  { group: 'image.openshift.io', version: 'v1', resource: 'images', kind: 'Image', namespaced: false, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
  { group: 'project.openshift.io', version: 'v1', resource: 'projects', kind: 'Project', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { group: 'policy.open-cluster-management.io', version: 'v1', resource: 'policies', kind: 'Policy', namespaced: true },
  { group: 'policy.open-cluster-management.io', version: 'v1', resource: 'placementbindings', kind: 'PlacementBinding', namespaced: true },
  { group: 'cluster.open-cluster-management.io', version: 'v1beta1', resource: 'placements', kind: 'Placement', namespaced: true },
  { group: 'cluster.open-cluster-management.io', version: 'v1beta2', resource: 'managedclustersetbindings', kind: 'ManagedClusterSetBinding', namespaced: true },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'applications', kind: 'Application', namespaced: true },
  { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'] },
];

export interface CrdInfo {
  /** The CustomResourceDefinition document as shipped. */
  document: Record<string, any>;
  schema: Record<string, unknown>;
  subresources: string[];
  shortNames?: string[];
  singular?: string;
  printerColumns?: PrinterColumn[];
}

/** The CRDs of data/openshift/crds (or `dir`, e.g. a cluster version's folder) by group/resource. */
export function loadCrds(dir?: string): Map<ResourceKey, CrdInfo> {
  const out = new Map<ResourceKey, CrdInfo>();
  const files = dir
    ? readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort().map((n) => join(dir, n))
    : [join(DATA_DIR, 'crds'), ADDON_CRD_DIR].flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.yaml')).sort().map((n) => join(d, n)));
  for (const f of files) {
    for (const doc of yaml.loadAll(readFileSync(f, 'utf8'))) {
      const crd = doc as { kind?: string; spec?: any } | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec;
      const ver = (spec.versions as any[]).find((v) => v.storage) ?? spec.versions[0];
      out.set(resourceKey(spec.group, spec.names.plural), {
        document: crd as Record<string, any>,
        schema: ver.schema?.openAPIV3Schema ?? {},
        subresources: Object.keys(ver.subresources ?? {}),
        shortNames: spec.names.shortNames,
        singular: spec.names.singular,
        printerColumns: ver.additionalPrinterColumns,
      });
    }
  }
  return out;
}

let cached: ResourceType[] | undefined;

/** The full table (fresh deep copies each call, so callers may mutate). */
export function defaultResourceTypes(): ResourceType[] {
  if (!cached) {
    const crds = loadCrds();
    cached = DEFS.map((d) => {
      const crd = crds.get(resourceKey(d.group, d.resource));
      const t: ResourceType = {
        group: d.group,
        version: d.version,
        resource: d.resource,
        kind: d.kind,
        listKind: `${d.kind}List`,
        namespaced: d.namespaced,
        singular: crd?.singular ?? d.kind.toLowerCase(),
        verbs: d.verbs ?? CRUD,
      };
      const shortNames = d.shortNames ?? crd?.shortNames;
      if (shortNames?.length) t.shortNames = shortNames;
      const subs = [...new Set([...(d.subresources ?? []), ...(crd?.subresources ?? [])])];
      if (subs.length) t.subresources = subs;
      if (crd) t.schema = crd.schema;
      if (crd?.printerColumns?.length) t.printerColumns = crd.printerColumns;
      if (d.capability) t.capability = d.capability;
      return t;
    });
  }
  return structuredClone(cached);
}
