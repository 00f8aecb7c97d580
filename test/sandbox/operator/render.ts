// Objects cluster-image-registry-operator renders (pkg/resource/*.go, bindata/nodecadaemon.yaml), as plain data.
import type { KubeObject } from '../types.ts';
import type { StorageResult } from './storage.ts';
import { REGISTRY_NS, RELEASE_VERSION, sha256Hex } from './util.ts';
import { prunerImage } from './pruner.ts';

export const IMAGE_REGISTRY = 'image-registry';
export const ROUTE_MARKER = 'imageregistry.openshift.io';
export const SERVICE_HOST = `${IMAGE_REGISTRY}.${REGISTRY_NS}.svc`;
const ART = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev';
/** The release payload's image of a component: a digest per release (what `oc adm release info` lists). */
export const registryImage = (release = RELEASE_VERSION) => `${ART}@sha256:${sha256Hex('image-registry:' + release)}`;
export const operatorImage = (release = RELEASE_VERSION) => `${ART}@sha256:${sha256Hex('cluster-image-registry-operator:' + release)}`;
const LABELS = { 'docker-registry': 'default' };

const LOG_LEVELS: Record<string, string> = { Normal: 'info', Debug: 'debug', Trace: 'debug', TraceAll: 'debug' };

export function renderService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: IMAGE_REGISTRY,
      namespace: REGISTRY_NS,
      labels: { ...LABELS },
      annotations: { 'service.alpha.openshift.io/serving-cert-secret-name': 'image-registry-tls' },
    },
    spec: {
      selector: { ...LABELS },
      ports: [{ name: '5000-tcp', port: 5000, protocol: 'TCP', targetPort: 5000 }],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      clusterIP: '172.30.153.126',
      clusterIPs: ['172.30.153.126'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
  };
}

export function renderRoute(name: string, host: string, tls?: { certificate?: string; key?: string; caCertificate?: string }): KubeObject {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name, namespace: REGISTRY_NS, annotations: { [ROUTE_MARKER]: 'true' } },
    spec: {
      host,
      to: { kind: 'Service', name: IMAGE_REGISTRY, weight: 100 },
      tls: { termination: 'reencrypt', ...(tls ?? {}) },
      wildcardPolicy: 'None',
    },
  };
}

export interface DeploymentInput {
  spec: Record<string, any>;
  storage: StorageResult;
  /** Checksum of the secrets/configmaps the pods depend on; changes trigger a rollout. */
  dependenciesChecksum: string;
  /** The cluster's release (the operator's RELEASE_VERSION): image digest and `release.openshift.io/version`. */
  releaseVersion?: string;
}

function strategy(spec: Record<string, any>, replicas: number): Record<string, unknown> {
  if (spec.rolloutStrategy === 'Recreate') return { type: 'Recreate' };
  const ru = replicas === 2 ? { maxUnavailable: 1, maxSurge: 1 } : { maxUnavailable: Math.max(replicas - 1, 0), maxSurge: '25%' };
  return { type: 'RollingUpdate', rollingUpdate: ru };
}

export function renderDeployment({ spec, storage, dependenciesChecksum, releaseVersion = RELEASE_VERSION }: DeploymentInput): KubeObject {
  const replicas: number = spec.replicas ?? 1;
  const env: Array<Record<string, unknown>> = [
    ...storage.env,
    { name: 'REGISTRY_HTTP_ADDR', value: ':5000' },
    { name: 'REGISTRY_HTTP_NET', value: 'tcp' },
    { name: 'REGISTRY_HTTP_SECRET', value: spec.httpSecret ?? '' },
    { name: 'REGISTRY_LOG_LEVEL', value: LOG_LEVELS[spec.logLevel ?? 'Normal'] ?? 'info' },
    { name: 'REGISTRY_OPENSHIFT_QUOTA_ENABLED', value: 'true' },
    { name: 'REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR', value: 'inmemory' },
    { name: 'REGISTRY_STORAGE_DELETE_ENABLED', value: 'true' },
    { name: 'REGISTRY_HEALTH_STORAGEDRIVER_ENABLED', value: 'true' },
    { name: 'REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL', value: '10s' },
    { name: 'REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD', value: '1' },
    { name: 'REGISTRY_OPENSHIFT_METRICS_ENABLED', value: 'true' },
    { name: 'REGISTRY_OPENSHIFT_SERVER_ADDR', value: `${SERVICE_HOST}:5000` },
    { name: 'REGISTRY_HTTP_TLS_CERTIFICATE', value: '/etc/secrets/tls.crt' },
    { name: 'REGISTRY_HTTP_TLS_KEY', value: '/etc/secrets/tls.key' },
  ];
  if (spec.readOnly) env.push({ name: 'REGISTRY_STORAGE_MAINTENANCE_READONLY', value: '{enabled: true}' });
  if (spec.disableRedirect) env.push({ name: 'REGISTRY_STORAGE_REDIRECT_DISABLE', value: 'true' });
  for (const [k, e] of [['http', 'HTTP_PROXY'], ['https', 'HTTPS_PROXY'], ['noProxy', 'NO_PROXY']] as const) {
    if (spec.proxy?.[k]) env.push({ name: e, value: spec.proxy[k] });
  }
  const probe = (initialDelaySeconds: number) => ({
    httpGet: { path: '/healthz', port: 5000, scheme: 'HTTPS' },
    initialDelaySeconds, timeoutSeconds: 5, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  const podSpec: Record<string, unknown> = {
    serviceAccountName: 'registry',
    priorityClassName: 'system-cluster-critical',
    nodeSelector: spec.nodeSelector ?? { 'kubernetes.io/os': 'linux' },
    terminationGracePeriodSeconds: 55,
    securityContext: { fsGroupChangePolicy: 'OnRootMismatch' },
    containers: [
      {
        name: 'registry',
        image: registryImage(releaseVersion),
        command: ['/bin/sh', '-c', 'mkdir -p /etc/pki/ca-trust/extracted/edk2 /etc/pki/ca-trust/extracted/java /etc/pki/ca-trust/extracted/openssl /etc/pki/ca-trust/extracted/pem && update-ca-trust extract --output /etc/pki/ca-trust/extracted/ && exec /usr/bin/dockerregistry'],
        ports: [{ containerPort: 5000, protocol: 'TCP' }],
        env,
        resources: spec.resources ?? { requests: { cpu: '100m', memory: '256Mi' } },
        livenessProbe: probe(5),
        readinessProbe: probe(15),
        lifecycle: { preStop: { exec: { command: ['sleep', '25'] } } },
        volumeMounts: [
          ...storage.mounts,
          { name: 'registry-tls', mountPath: '/etc/secrets' },
          { name: 'ca-trust-extracted', mountPath: '/etc/pki/ca-trust/extracted' },
          { name: 'registry-certificates', mountPath: '/etc/pki/ca-trust/source/anchors' },
          { name: 'trusted-ca', mountPath: '/usr/share/pki/ca-trust-source' },
          { name: 'installation-pull-secrets', mountPath: '/var/lib/kubelet/', readOnly: true },
          { name: 'bound-sa-token', mountPath: '/var/run/secrets/openshift/serviceaccount', readOnly: true },
        ],
        terminationMessagePolicy: 'FallbackToLogsOnError',
        imagePullPolicy: 'IfNotPresent',
      },
    ],
    volumes: [
      ...storage.volumes,
      { name: 'registry-tls', projected: { sources: [{ secret: { name: 'image-registry-tls' } }] } },
      { name: 'ca-trust-extracted', emptyDir: {} },
      { name: 'registry-certificates', configMap: { name: 'image-registry-certificates' } },
      { name: 'trusted-ca', configMap: { name: 'trusted-ca', optional: true, items: [{ key: 'ca-bundle.crt', path: 'anchors/ca-bundle.crt' }] } },
      { name: 'installation-pull-secrets', secret: { secretName: 'installation-pull-secrets', optional: true, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
      { name: 'bound-sa-token', projected: { sources: [{ serviceAccountToken: { audience: 'openshift', expirationSeconds: 3600, path: 'token' } }] } },
    ],
  };
  if (spec.tolerations) podSpec.tolerations = spec.tolerations;
  if (spec.affinity) podSpec.affinity = spec.affinity;
  else if (replicas === 2) {
    podSpec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { ...LABELS } }, namespaces: [REGISTRY_NS], topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    };
  }
  if (spec.topologySpreadConstraints) podSpec.topologySpreadConstraints = spec.topologySpreadConstraints;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: IMAGE_REGISTRY,
      namespace: REGISTRY_NS,
      labels: { ...LABELS },
      annotations: { 'release.openshift.io/version': releaseVersion },
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...LABELS } },
      strategy: strategy(spec, replicas),
      progressDeadlineSeconds: 120,
      revisionHistoryLimit: 10,
      template: {
        metadata: {
          labels: { ...LABELS },
          annotations: {
            'imageregistry.operator.openshift.io/dependencies-checksum': `sha256:${dependenciesChecksum}`,
            'openshift.io/required-scc': 'restricted-v2',
            'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}',
          },
        },
        spec: podSpec,
      },
    },
  };
}

export function renderNodeCA(releaseVersion = RELEASE_VERSION): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-ca', namespace: REGISTRY_NS, annotations: { 'release.openshift.io/version': releaseVersion } },
    spec: {
      selector: { matchLabels: { name: 'node-ca' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
      template: {
        metadata: { labels: { name: 'node-ca' }, annotations: { 'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}' } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'node-ca',
          tolerations: [{ operator: 'Exists' }],
          hostNetwork: true,
          containers: [
            {
              name: 'node-ca',
              image: operatorImage(releaseVersion),
              command: ['/bin/sh', '-c', 'trap \'jobs -p | xargs -r kill; echo shutting down node-ca; exit 0\' TERM\nexec /usr/bin/cluster-image-registry-operator node-ca-sync'],
              resources: { requests: { cpu: '10m', memory: '10Mi' } },
              securityContext: { privileged: true, runAsUser: 1001, runAsGroup: 0 },
              volumeMounts: [
                { name: 'serviceca', mountPath: '/tmp/serviceca' },
                { name: 'host', mountPath: '/etc/docker/certs.d' },
              ],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: [
            { name: 'host', hostPath: { path: '/etc/docker/certs.d', type: '' } },
            { name: 'serviceca', configMap: { name: 'image-registry-certificates', defaultMode: 420 } },
          ],
        },
      },
    },
  };
}

export function renderOperatorDeployment(releaseVersion = RELEASE_VERSION): KubeObject {
  const labels = { name: 'cluster-image-registry-operator' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'cluster-image-registry-operator',
      namespace: REGISTRY_NS,
      annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true', 'release.openshift.io/version': releaseVersion },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      template: {
        metadata: { labels, annotations: { 'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}', 'openshift.io/required-scc': 'restricted-v2' } },
        spec: {
          serviceAccountName: 'cluster-image-registry-operator',
          priorityClassName: 'system-cluster-critical',
          nodeSelector: { 'node-role.kubernetes.io/master': '' },
          containers: [
            {
              name: 'cluster-image-registry-operator',
              image: operatorImage(releaseVersion),
              command: ['cluster-image-registry-operator'],
              args: ['--files=/var/run/configmaps/trusted-ca/tls-ca-bundle.pem', '--files=/etc/secrets/tls.crt', '--files=/etc/secrets/tls.key'],
              ports: [{ containerPort: 60000, name: 'metrics' }],
              env: [
                { name: 'RELEASE_VERSION', value: releaseVersion },
                { name: 'WATCH_NAMESPACE', value: REGISTRY_NS },
                { name: 'OPERATOR_NAME', value: 'cluster-image-registry-operator' },
                { name: 'OPERATOR_IMAGE', value: operatorImage(releaseVersion) },
                { name: 'IMAGE', value: registryImage(releaseVersion) },
                // The image of the pruner's CronJob (manifests/07-operator.yaml; prunercronjob.go reads it with os.Getenv).
                { name: 'IMAGE_PRUNER', value: prunerImage(releaseVersion) },
              ],
              resources: { requests: { cpu: '10m', memory: '50Mi' } },
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
        },
      },
    },
  };
}
