// Cluster reads of `regctl doctor` and the support bundle that no other module makes: the ImageRegistry
// capability, secret key names (values are dropped here, never returned), events and log tails.
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { NAMES, R, type ResourceRef } from './resources.js';
import { streamPodLog } from './logs.js';
import { toRegctlError } from '../errors.js';

export const DAEMON_SET_NODE_CA = 'node-ca';

export interface Capability {
  /** undefined: the cluster does not say (no ClusterVersion, no capabilities status, or not readable). */
  enabled?: boolean;
  evidence: string;
}

/** clusterversions/version status.capabilities.enabledCapabilities contains ImageRegistry? */
export async function imageRegistryCapability(c: Cluster): Promise<Capability> {
  let cv: Json | null;
  try {
    cv = await c.getOrNull(R.clusterVersion, 'version');
  } catch (e) {
    if (isApiError(e, 404)) return { evidence: 'clusterversions.config.openshift.io is not served' };
    if (isApiError(e, 403)) return { evidence: 'clusterversions/version is not readable (forbidden)' };
    throw e;
  }
  const enabled = cv?.status?.capabilities?.enabledCapabilities as string[] | undefined;
  if (!cv) return { evidence: 'no clusterversions/version' };
  if (!Array.isArray(enabled)) return { evidence: 'clusterversions/version reports no capabilities (all enabled)' };
  return enabled.includes('ImageRegistry')
    ? { enabled: true, evidence: 'clusterversions/version: capability ImageRegistry enabled' }
    : { enabled: false, evidence: `clusterversions/version: ImageRegistry is not among the enabled capabilities (${enabled.join(', ') || 'none'})` };
}

/** null when the Config does not exist; a 404 without a name (the CRD is not served) is thrown. */
export async function getRegistryConfig(c: Cluster): Promise<Json | null> {
  try {
    return await c.get(R.registryConfig, NAMES.cluster);
  } catch (e) {
    if (isApiError(e, 404) && e.status.details?.name) return null;
    throw e;
  }
}

export function getClusterOperator(c: Cluster): Promise<Json | null> {
  return c.getOrNull(R.clusterOperator, NAMES.clusterOperator);
}

export function getImageConfig(c: Cluster): Promise<Json | null> {
  return c.getOrNull(R.imageConfig, NAMES.cluster);
}

export function getRegistryDeployment(c: Cluster): Promise<Json | null> {
  return c.getOrNull(R.deployment, NAMES.deployment, NAMES.registryNamespace);
}

export async function listRegistryPods(c: Cluster): Promise<Json[]> {
  return (await c.list(R.pod, { namespace: NAMES.registryNamespace, labelSelector: 'docker-registry=default' })).items;
}

export function getClaim(c: Cluster, name: string): Promise<Json | null> {
  return c.getOrNull(R.pvc, name, NAMES.registryNamespace);
}

/** The key names of a secret in openshift-image-registry (null when it does not exist). Values never leave. */
export async function secretKeys(c: Cluster, name: string): Promise<string[] | null> {
  const s = await c.getOrNull(R.secret, name, NAMES.registryNamespace);
  if (!s) return null;
  const keys = [...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})];
  return [...new Set(keys)].sort();
}

/** Keys whose value is empty (Azure's account key must not be). */
export async function emptySecretKeys(c: Cluster, name: string): Promise<string[]> {
  const s = await c.getOrNull(R.secret, name, NAMES.registryNamespace);
  return Object.entries((s?.data ?? {}) as Record<string, string>)
    .filter(([, v]) => !v)
    .map(([k]) => k);
}

export async function listEvents(c: Cluster, namespace: string): Promise<Json[]> {
  return (await c.list(R.event, { namespace })).items;
}

/** The last `lines` lines of a container's log in openshift-image-registry ('' when it has none yet). */
export async function logTail(c: Cluster, pod: string, container: string, lines: number, signal: AbortSignal): Promise<string> {
  let out = '';
  await streamPodLog(c, { name: pod, container }, { tailLines: lines }, signal, async (b) => {
    out += b;
  });
  return out;
}

export interface BundleSection {
  /** Path inside the bundle, e.g. cluster/config.yaml. */
  file: string;
  /** The object or list as served (secrets included: the bundle writer redacts). */
  value?: unknown;
  error?: string;
}

type Read = [file: string, read: () => Promise<unknown>];

/** Every object of the support bundle, read concurrently; a failed read becomes the section's error. */
export async function readBundleObjects(c: Cluster): Promise<BundleSection[]> {
  const ns = NAMES.registryNamespace;
  const list = (ref: ResourceRef, namespace: string | null) => async () => (await c.list(ref, { namespace })).items;
  const reads: Read[] = [
    ['cluster/config.imageregistry.yaml', () => c.get(R.registryConfig, NAMES.cluster)],
    ['cluster/clusteroperator.image-registry.yaml', () => c.get(R.clusterOperator, NAMES.clusterOperator)],
    ['cluster/imagepruner.yaml', () => c.get(R.imagePruner, NAMES.cluster)],
    ['cluster/image.config.yaml', () => c.get(R.imageConfig, NAMES.cluster)],
    ['cluster/ingress.config.yaml', () => c.get(R.ingressConfig, NAMES.cluster)],
    ['cluster/clusterversion.yaml', () => c.get(R.clusterVersion, 'version')],
    ['cluster/storageclasses.yaml', list(R.storageClass, null)],
    [`${ns}/deployments.yaml`, list(R.deployment, ns)],
    [`${ns}/daemonsets.yaml`, list(R.daemonSet, ns)],
    [`${ns}/pods.yaml`, list(R.pod, ns)],
    [`${ns}/services.yaml`, list(R.service, ns)],
    [`${ns}/routes.yaml`, list(R.route, ns)],
    [`${ns}/persistentvolumeclaims.yaml`, list(R.pvc, ns)],
    [`${ns}/configmaps.yaml`, list(R.configMap, ns)],
    [`${ns}/secrets.yaml`, list(R.secret, ns)],
    [`${ns}/events.yaml`, list(R.event, ns)],
  ];
  return Promise.all(
    reads.map(async ([file, read]) => {
      try {
        return { file, value: await read() };
      } catch (e) {
        return { file, error: toRegctlError(e).message };
      }
    }),
  );
}

/** Decoded values of the secrets in openshift-image-registry (with their keys), only to scrub them from the bundle text. */
export async function secretValuesToScrub(c: Cluster): Promise<Array<{ key: string; value: string }>> {
  const out: Array<{ key: string; value: string }> = [];
  try {
    for (const s of (await c.list(R.secret, { namespace: NAMES.registryNamespace })).items) {
      for (const [key, v] of Object.entries((s.data ?? {}) as Record<string, string>)) if (v) out.push({ key, value: Buffer.from(v, 'base64').toString('utf8') });
      for (const [key, v] of Object.entries((s.stringData ?? {}) as Record<string, string>)) if (v) out.push({ key, value: v });
    }
  } catch {
    /* not readable: nothing of it reaches the bundle either */
  }
  return out;
}

/** Pods of openshift-image-registry whose logs go into the bundle: registry and operator. */
export function bundleLogPods(pods: Json[]): Array<{ pod: string; container: string }> {
  const out: Array<{ pod: string; container: string }> = [];
  for (const p of pods) {
    const name: string = p.metadata?.name ?? '';
    if (!name.startsWith('image-registry-') && !name.startsWith('cluster-image-registry-operator-')) continue;
    for (const ct of (p.spec?.containers ?? []) as Json[]) out.push({ pod: name, container: ct.name });
  }
  return out;
}
