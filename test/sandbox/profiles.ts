// Cluster profiles: what a fresh cluster of each kind holds before the controllers start.
//   aws       – S3 storage with user-provided keys, Managed, 2 replicas → Available
//   baremetal – fresh bare-metal install: managementState Removed, no storage
//   degraded  – S3 whose user secret lacks REGISTRY_STORAGE_S3_SECRETKEY, failing since install → Degraded
//   no-registry – bare metal installed with the ImageRegistry capability disabled (baselineCapabilitySet None):
//               no registry operator, no imageregistry CRDs, until the capability is enabled
import { randomUUID } from 'node:crypto';
import { CLUSTER_VERSIONS, KNOWN_CAPABILITIES, baselineSet } from './capabilities.ts';
import type { AuthRegistry, KubeObject, Store } from './types.ts';
import { bootstrapConfig, defaultPruner, renderOperatorDeployment, type Platform } from './operator/index.ts';
import { RELEASE_VERSION, b64, tryGet } from './operator/util.ts';

export type ProfileName = 'aws' | 'baremetal' | 'degraded' | 'no-registry';
export const PROFILES: ProfileName[] = ['aws', 'baremetal', 'degraded', 'no-registry'];

export const INGRESS_DOMAIN = 'apps.sandbox.example.com';
export const REGISTRY_NS = 'openshift-image-registry';

export const NAMESPACES = [
  'default', 'kube-system', 'openshift', 'openshift-config', 'openshift-config-managed', 'openshift-ingress', 'openshift-monitoring',
];

/** Passwords of the htpasswd identity provider (test accounts, not secrets worth hiding). */
export const USERS: Record<string, string> = { developer: 'developer', alice: 'alice-password', bob: 'bob-password' };

export interface SeedInput {
  profile: ProfileName;
  nodes: number;
  ingressCaPem: string;
  wildcard: { certPem: string; keyPem: string };
  /** A custom default ingress certificate (IngressController spec.defaultCertificate): its secret in openshift-ingress
   *  and what its tls.crt holds after the leaf (intermediates). Absent: the operator-generated router-certs-default. */
  defaultCertificate?: { secretName: string; chainPem: string };
  serviceCaPem: string;
  kubeadminPassword: string;
  /** The release the registry operator's Deployment carries (annotation, RELEASE_VERSION env, images). Default 4.17.12. */
  releaseVersion?: string;
  /** ingresses.config spec.domain; default INGRESS_DOMAIN (each cluster of a fleet has its own). */
  ingressDomain?: string;
}

export function platformOf(profile: ProfileName): Platform {
  return profile === 'baremetal' || profile === 'no-registry' ? 'BareMetal' : 'AWS';
}

const bare = (profile: ProfileName) => platformOf(profile) === 'BareMetal';

/** Installed with the ImageRegistry capability (every profile but no-registry). */
export function registryCapability(profile: ProfileName): boolean {
  return profile !== 'no-registry';
}

function put(store: Store, key: string, obj: KubeObject): void {
  if (tryGet(store, key, obj.metadata.namespace, obj.metadata.name!)) return;
  store.create(key, obj);
}

function nodeName(profile: ProfileName, i: number): string {
  return bare(profile) ? `master-${i}.sandbox.example.com` : `ip-10-0-${16 * (i + 1)}-${100 + i}.ec2.internal`;
}

function node(profile: ProfileName, i: number): KubeObject {
  const name = nodeName(profile, i);
  const ip = bare(profile) ? `192.168.111.${20 + i}` : `10.0.${16 * (i + 1)}.${100 + i}`;
  const t = new Date(Date.now() - 3 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/worker': '',
        'node.openshift.io/os_id': 'rhcos',
        ...(bare(profile) ? {} : { 'topology.kubernetes.io/region': 'us-east-1', 'topology.kubernetes.io/zone': `us-east-1${'abc'[i % 3]}`, 'node.kubernetes.io/instance-type': 'm6i.xlarge' }),
      },
    },
    spec: bare(profile) ? {} : { providerID: `aws:///us-east-1${'abc'[i % 3]}/i-0${(0x5a3c91e0 + i).toString(16)}f3b2c1d` },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      capacity: { cpu: '4', memory: '16116152Ki', pods: '250', 'ephemeral-storage': '125293548Ki' },
      allocatable: { cpu: '3500m', memory: '14965176Ki', pods: '250', 'ephemeral-storage': '114396791822' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: t, lastTransitionTime: t },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: t, lastTransitionTime: t },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: t, lastTransitionTime: t },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t },
      ],
      nodeInfo: {
        architecture: 'amd64', containerRuntimeVersion: 'cri-o://1.30.8-4.rhaos4.17.git1c6ae2b.el9', kernelVersion: '5.14.0-427.50.1.el9_4.x86_64',
        kubeProxyVersion: 'v1.30.7', kubeletVersion: 'v1.30.7', operatingSystem: 'linux', osImage: 'Red Hat Enterprise Linux CoreOS 417.94.202501071621-0',
      },
    },
  };
}

function registryConfig(profile: ProfileName): KubeObject {
  const cfg = bootstrapConfig(platformOf(profile));
  if (bare(profile)) return cfg;
  const spec = cfg.spec as any;
  spec.storage = {
    s3: { bucket: 'sandbox-x7k2p-image-registry-us-east-1-qlbwvsyfhrmpkawj', region: 'us-east-1', encrypt: true, virtualHostedStyle: false },
    managementState: 'Managed',
  };
  spec.replicas = 2;
  if (profile === 'degraded') {
    // The misconfiguration dates from install time: Available has been False for an hour, which is
    // what turns the operator Degraded (Unavailable) at its first sync.
    const t = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    cfg.status = {
      conditions: [{ type: 'Available', status: 'False', lastTransitionTime: t, reason: 'DeploymentNotFound', message: 'The deployment does not exist' }],
      readyReplicas: 0,
      storage: {},
      storageManaged: false,
    };
  }
  return cfg;
}

function userSecret(profile: ProfileName): KubeObject | undefined {
  if (bare(profile)) return undefined;
  const data: Record<string, string> = { REGISTRY_STORAGE_S3_ACCESSKEY: b64('AKIAQX7SANDBOX2EXAMPLE') };
  if (profile === 'aws') data.REGISTRY_STORAGE_S3_SECRETKEY = b64('wJalrXUtnFEMI/K7MDENG/bPxRfiCYSANDBOXKEY');
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: 'image-registry-private-configuration-user', namespace: REGISTRY_NS },
    data,
  };
}

/** Writes the profile's cluster into an empty store (after seedBootstrapRbac). */
export function seedCluster(store: Store, auth: AuthRegistry, input: SeedInput): void {
  const { profile } = input;
  for (const ns of NAMESPACES) {
    put(store, '/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: ns.startsWith('openshift') ? { 'openshift.io/node-selector': '' } : {} } });
  }
  for (let i = 0; i < input.nodes; i++) put(store, '/nodes', node(profile, i));
  put(store, 'storage.k8s.io/storageclasses', {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: bare(profile) ? 'kubernetes.io/no-provisioner' : 'ebs.csi.aws.com',
    reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true,
  });
  put(store, 'config.openshift.io/ingresses', {
    apiVersion: 'config.openshift.io/v1', kind: 'Ingress', metadata: { name: 'cluster' },
    spec: { domain: input.ingressDomain ?? INGRESS_DOMAIN, loadBalancer: { platform: { type: bare(profile) ? 'BareMetal' : 'AWS' } } }, status: {},
  });
  put(store, 'config.openshift.io/images', {
    apiVersion: 'config.openshift.io/v1', kind: 'Image',
    metadata: { name: 'cluster', annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true', 'release.openshift.io/create-only': 'true' } },
    spec: {}, status: {},
  });

  // Users: User objects and htpasswd passwords. kube:admin is the installer's temporary admin.
  auth.addUser('kube:admin', { password: input.kubeadminPassword });
  for (const [u, pw] of Object.entries(USERS)) auth.addUser(u, { password: pw });
  for (const u of ['kube:admin', ...Object.keys(USERS)]) {
    put(store, 'user.openshift.io/users', {
      apiVersion: 'user.openshift.io/v1', kind: 'User', metadata: { name: u },
      identities: u === 'kube:admin' ? [] : [`htpasswd_provider:${u}`], groups: null,
    });
  }

  // Ingress certificates and the service CA. The default certificate's secret holds leaf + chain (operator-generated:
  // router-certs-default, leaf + the operator CA; a custom one replaces it and holds what the admin gave, usually leaf +
  // intermediates). certificate-publisher copies that tls.crt as is into default-ingress-cert: leaf first, no root added.
  const defaultCert = input.defaultCertificate ?? { secretName: 'router-certs-default', chainPem: input.ingressCaPem };
  const servingChain = input.wildcard.certPem + defaultCert.chainPem;
  put(store, '/secrets', {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { name: defaultCert.secretName, namespace: 'openshift-ingress' },
    data: { 'tls.crt': b64(servingChain), 'tls.key': b64(input.wildcard.keyPem) },
  });
  put(store, '/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'default-ingress-cert', namespace: 'openshift-config-managed' },
    data: { 'ca-bundle.crt': servingChain },
  });
  put(store, CLUSTER_VERSIONS, clusterVersion(profile));
  if (!registryCapability(profile)) return;
  for (const [key, obj] of registryManifests(platformOf(profile), input.serviceCaPem, input.releaseVersion)) put(store, key, obj);
  const secret = userSecret(profile);
  if (secret) put(store, '/secrets', secret);
  put(store, 'imageregistry.operator.openshift.io/imagepruners', defaultPruner());
  put(store, 'imageregistry.operator.openshift.io/configs', registryConfig(profile));
}

/**
 * What the cluster-version operator applies for the ImageRegistry capability (the registry operator's
 * manifests): its namespace, service accounts, RBAC, the service CA bundle and the operator Deployment.
 * The operator then bootstraps configs.imageregistry.operator.openshift.io/cluster itself.
 */
export function registryManifests(platform: Platform, serviceCaPem: string, releaseVersion = RELEASE_VERSION): Array<[string, KubeObject]> {
  const out: Array<[string, KubeObject]> = [
    ['/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: REGISTRY_NS, annotations: { 'openshift.io/node-selector': '' } } }],
    ['/configmaps', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'serviceca', namespace: REGISTRY_NS, annotations: { 'service.beta.openshift.io/inject-cabundle': 'true' } },
      data: { 'service-ca.crt': serviceCaPem },
    }],
    // The registry's service account (its token authenticates the registry to the API) and the operator.
    ['/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'registry', namespace: REGISTRY_NS } }],
    ['/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'cluster-image-registry-operator', namespace: REGISTRY_NS } }],
    ['rbac.authorization.k8s.io/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'registry-registry-role' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:registry' },
      subjects: [{ kind: 'ServiceAccount', name: 'registry', namespace: REGISTRY_NS }],
    }],
    ['apps/deployments', renderOperatorDeployment(releaseVersion)],
  ];
  if (platform !== 'BareMetal') {
    // What the cloud-credential operator mints on AWS (only used when the user secret is absent).
    out.push(['/secrets', {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: 'installer-cloud-credentials', namespace: REGISTRY_NS, annotations: { 'cloudcredential.openshift.io/credentials-request': 'openshift-cloud-credential-operator/openshift-image-registry' } },
      data: { credentials: b64('[default]\naws_access_key_id = AKIAQX7SANDBOXMINTED\naws_secret_access_key = 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\n') },
    }]);
  }
  return out;
}

/** clusterversions/version: the release, and the capabilities the install enabled. */
function clusterVersion(profile: ProfileName): KubeObject {
  const t = new Date(Date.now() - 3 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const image = 'quay.io/openshift-release-dev/ocp-release@sha256:5d4ee7e5d2b1bd9b1d9f8e6f5b1c4a4e0a3a2f6b6e5f3c1d2e4a9b8c7d6e5f4a';
  const capabilities = registryCapability(profile)
    ? { baselineCapabilitySet: 'vCurrent' }
    : { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['Ingress', 'MachineAPI', 'baremetal', 'Console', 'OperatorLifecycleManager'] };
  const enabled = [...new Set([...baselineSet(capabilities.baselineCapabilitySet), ...(capabilities.additionalEnabledCapabilities ?? [])])].sort();
  return {
    apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', metadata: { name: 'version' },
    spec: { clusterID: randomUUID(), channel: 'stable-4.17', capabilities },
    status: {
      desired: { version: RELEASE_VERSION, image, channels: ['candidate-4.17', 'fast-4.17', 'stable-4.17'] },
      history: [{ state: 'Completed', version: RELEASE_VERSION, image, verified: false, startedTime: t, completionTime: t }],
      observedGeneration: 1,
      versionHash: 'y7wOcVVgQcE=',
      capabilities: { enabledCapabilities: enabled, knownCapabilities: KNOWN_CAPABILITIES },
      availableUpdates: null,
      conditions: [
        { type: 'Available', status: 'True', lastTransitionTime: t, message: `Done applying ${RELEASE_VERSION}` },
        { type: 'Failing', status: 'False', lastTransitionTime: t },
        { type: 'Progressing', status: 'False', lastTransitionTime: t, message: `Cluster version is ${RELEASE_VERSION}` },
        { type: 'RetrievedUpdates', status: 'False', lastTransitionTime: t, reason: 'NoChannel', message: 'The update channel has not been configured.' },
      ],
    },
  };
}
