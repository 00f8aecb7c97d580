/** A REST resource: group ('' = core), version, plural; namespaced or not. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceRef => ({
  group,
  version,
  resource,
  kind,
  namespaced,
});

export const R = {
  namespace: r('', 'v1', 'namespaces', 'Namespace', false),
  pod: r('', 'v1', 'pods', 'Pod', true),
  service: r('', 'v1', 'services', 'Service', true),
  secret: r('', 'v1', 'secrets', 'Secret', true),
  configMap: r('', 'v1', 'configmaps', 'ConfigMap', true),
  serviceAccount: r('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  pvc: r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  node: r('', 'v1', 'nodes', 'Node', false),
  event: r('', 'v1', 'events', 'Event', true),
  storageClass: r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  persistentVolume: r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  deployment: r('apps', 'v1', 'deployments', 'Deployment', true),
  daemonSet: r('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  role: r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  roleBinding: r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  clusterRole: r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  clusterRoleBinding: r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  selfSubjectAccessReview: r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false),
  subjectAccessReview: r('authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false),
  selfSubjectReview: r('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false),
  user: r('user.openshift.io', 'v1', 'users', 'User', false),
  group: r('user.openshift.io', 'v1', 'groups', 'Group', false),
  route: r('route.openshift.io', 'v1', 'routes', 'Route', true),
  imageConfig: r('config.openshift.io', 'v1', 'images', 'Image', false),
  ingressConfig: r('config.openshift.io', 'v1', 'ingresses', 'Ingress', false),
  clusterOperator: r('config.openshift.io', 'v1', 'clusteroperators', 'ClusterOperator', false),
  clusterVersion: r('config.openshift.io', 'v1', 'clusterversions', 'ClusterVersion', false),
  registryConfig: r('imageregistry.operator.openshift.io', 'v1', 'configs', 'Config', false),
  imagePruner: r('imageregistry.operator.openshift.io', 'v1', 'imagepruners', 'ImagePruner', false),
  imageStream: r('image.openshift.io', 'v1', 'imagestreams', 'ImageStream', true),
  imageStreamTag: r('image.openshift.io', 'v1', 'imagestreamtags', 'ImageStreamTag', true),
  imageStreamImport: r('image.openshift.io', 'v1', 'imagestreamimports', 'ImageStreamImport', true),
} as const;

export function resourcePath(ref: ResourceRef, opts: { namespace?: string; name?: string; subresource?: string } = {}): string {
  const prefix = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespaced && opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name ? `/${encodeURIComponent(opts.name)}` : '';
  const sub = opts.name && opts.subresource ? `/${opts.subresource}` : '';
  return `${prefix}${ns}/${ref.resource}${name}${sub}`;
}

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** `configs.imageregistry.operator.openshift.io/cluster`, as kubectl names things. */
export function qualifiedName(ref: ResourceRef, name: string): string {
  return `${ref.resource}${ref.group ? '.' + ref.group : ''}/${name}`;
}

/** Fixed names of the integrated registry (openshift-behaviors.md §0.1). */
export const NAMES = {
  registryNamespace: 'openshift-image-registry',
  cluster: 'cluster',
  clusterOperator: 'image-registry',
  deployment: 'image-registry',
  defaultRoute: 'default-route',
  service: 'image-registry',
  internalHost: 'image-registry.openshift-image-registry.svc:5000',
  userCredentialsSecret: 'image-registry-private-configuration-user',
  certificatesConfigMap: 'image-registry-certificates',
  defaultClaim: 'image-registry-storage',
  configNamespace: 'openshift-config',
  routeAnnotation: 'imageregistry.openshift.io',
} as const;

export const OPENSHIFT_GROUPS = new Set([
  'route.openshift.io',
  'config.openshift.io',
  'imageregistry.operator.openshift.io',
  'image.openshift.io',
  'user.openshift.io',
  'project.openshift.io',
  'oauth.openshift.io',
]);
