import type { Cluster, Json } from './cluster.js';
import { ApiError, isApiError } from './api-error.js';
import { R, NAMES } from './resources.js';
import { registryNotInstalled } from './errors.js';
import { decodeKey } from '../pki/host.js';
import { registryHealth, type Health } from './health.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface SectionError {
  reason: 'Forbidden' | 'NotFound' | 'Error';
  message: string;
  /** The API itself is not served (404 without an object name): not an OpenShift cluster. */
  notServed?: boolean;
}

export const STORAGE_TYPES = ['s3', 'gcs', 'azure', 'swift', 'pvc', 'emptyDir', 'ibmcos', 'oss'] as const;

export interface RegistryStatus {
  apiVersion: 'regctl.openshift.io/v1';
  kind: 'RegistryStatus';
  server: string;
  /** The ClusterOperator's union of the operator's conditions (cluster/health.ts); a Removed registry is not available. */
  health: Health;
  config: null | {
    managementState: string;
    storage: { types: string[]; managementState?: string; fields: Record<string, unknown> };
    replicas: number;
    readyReplicas: number;
    rolloutStrategy: string;
    defaultRoute: boolean;
    routes: Array<{ name: string; hostname?: string; secretName?: string }>;
    readOnly: boolean;
    logLevel: string;
    operatorLogLevel: string;
    conditions: Condition[];
  };
  clusterOperator: null | { version?: string; conditions: Condition[] };
  deployment: null | { replicas: number; readyReplicas: number; updatedReplicas: number; availableReplicas: number };
  pods: Array<{ name: string; ready: string; status: string; restarts: number; createdAt?: string; node?: string }>;
  hosts: { internal?: string; external: string[]; routes: Array<{ name: string; host: string; admitted: boolean; termination?: string }> };
  trustedCA: null | { configMap?: string; registries: string[] };
  pruner: null | { suspend: boolean; schedule?: string; conditions: Condition[] };
  /** Sections that could not be read, and why. */
  unavailable: Record<string, SectionError>;
}

type Reader<T> = () => Promise<T>;

async function section<T>(name: string, unavailable: Record<string, SectionError>, read: Reader<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof ApiError && (e.statusCode === 403 || e.statusCode === 404)) {
      unavailable[name] = {
        reason: e.statusCode === 403 ? 'Forbidden' : 'NotFound',
        message: (e.status.message ?? e.message).split('\n')[0]!,
        ...(e.statusCode === 404 && !e.status.details?.name ? { notServed: true } : {}),
      };
      return null;
    }
    throw e;
  }
}

const SERVICE_CA_KEYS = new Set([
  'image-registry.openshift-image-registry.svc..5000',
  'image-registry.openshift-image-registry.svc.cluster.local..5000',
  'storage-ca-bundle.pem',
]);

/** Reads everything in one concurrent wave. A 403 on one read marks that section, it does not fail the rest. */
export async function collectStatus(c: Cluster): Promise<RegistryStatus> {
  const ns = NAMES.registryNamespace;
  const unavailable: Record<string, SectionError> = {};
  const [config, co, deploy, pods, imageConfig, routes, certs, pruner] = await Promise.all([
    section('config', unavailable, () => c.get(R.registryConfig, NAMES.cluster)),
    section('clusterOperator', unavailable, () => c.get(R.clusterOperator, NAMES.clusterOperator)),
    section('deployment', unavailable, () => c.get(R.deployment, NAMES.deployment, ns)),
    section('pods', unavailable, () => c.list(R.pod, { namespace: ns })),
    section('imageConfig', unavailable, () => c.get(R.imageConfig, NAMES.cluster)),
    section('routes', unavailable, () => c.list(R.route, { namespace: ns })),
    section('trustedCA', unavailable, () => c.get(R.configMap, NAMES.certificatesConfigMap, ns)),
    section('pruner', unavailable, () => c.get(R.imagePruner, NAMES.cluster)),
  ]);
  // The registry's own API missing while the rest of OpenShift answers: no registry to report on.
  if (unavailable.config?.notServed && !unavailable.clusterOperator?.notServed) throw registryNotInstalled();
  return buildStatus(c.server, { config, co, deploy, pods, imageConfig, routes, certs, pruner }, unavailable);
}

export interface RawStatus {
  config: Json | null;
  co: Json | null;
  deploy: Json | null;
  pods: { items: Json[] } | null;
  imageConfig: Json | null;
  routes: { items: Json[] } | null;
  certs: Json | null;
  pruner: Json | null;
}

export function buildStatus(server: string, raw: RawStatus, unavailable: Record<string, SectionError>): RegistryStatus {
  const spec = raw.config?.spec ?? {};
  const storage = (raw.config?.status?.storage && Object.keys(raw.config.status.storage).length ? raw.config.status.storage : spec.storage) ?? {};
  const types = STORAGE_TYPES.filter((t) => storage[t] !== undefined && storage[t] !== null);
  const fields: Record<string, unknown> = {};
  for (const t of types) Object.assign(fields, storage[t] ?? {});
  const conditions: Condition[] = (raw.config?.status?.conditions ?? []).map(cond);
  const coConditions: Condition[] = (raw.co?.status?.conditions ?? []).map(cond);
  const { health } = registryHealth({
    config: conditions,
    pruner: (raw.pruner?.status?.conditions ?? []).map(cond),
    clusterOperator: coConditions,
    managementState: spec.managementState,
  });

  return {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'RegistryStatus',
    server,
    health,
    config: raw.config
      ? {
          managementState: spec.managementState ?? '',
          storage: { types, managementState: storage.managementState ?? spec.storage?.managementState, fields },
          replicas: spec.replicas ?? 0,
          readyReplicas: raw.config.status?.readyReplicas ?? 0,
          rolloutStrategy: spec.rolloutStrategy ?? 'RollingUpdate',
          defaultRoute: Boolean(spec.defaultRoute),
          routes: (spec.routes ?? []).map((r: Json) => ({ name: r.name, hostname: r.hostname, secretName: r.secretName })),
          readOnly: Boolean(spec.readOnly),
          logLevel: spec.logLevel ?? 'Normal',
          operatorLogLevel: spec.operatorLogLevel ?? 'Normal',
          conditions,
        }
      : null,
    clusterOperator: raw.co
      ? {
          version: (raw.co.status?.versions ?? []).find((v: Json) => v.name === 'operator')?.version,
          conditions: coConditions,
        }
      : null,
    deployment: raw.deploy
      ? {
          replicas: raw.deploy.spec?.replicas ?? 0,
          readyReplicas: raw.deploy.status?.readyReplicas ?? 0,
          updatedReplicas: raw.deploy.status?.updatedReplicas ?? 0,
          availableReplicas: raw.deploy.status?.availableReplicas ?? 0,
        }
      : null,
    pods: (raw.pods?.items ?? []).map(podRow),
    hosts: {
      internal: raw.imageConfig?.status?.internalRegistryHostname,
      external: [...(raw.imageConfig?.spec?.externalRegistryHostnames ?? []), ...(raw.imageConfig?.status?.externalRegistryHostnames ?? [])],
      routes: (raw.routes?.items ?? []).map((r: Json) => ({
        name: r.metadata.name,
        host: r.status?.ingress?.[0]?.host ?? r.spec?.host ?? '',
        admitted: (r.status?.ingress ?? []).some((i: Json) => (i.conditions ?? []).some((c: Json) => c.type === 'Admitted' && c.status === 'True')),
        termination: r.spec?.tls?.termination,
      })),
    },
    trustedCA:
      raw.imageConfig || raw.certs
        ? {
            configMap: raw.imageConfig?.spec?.additionalTrustedCA?.name || undefined,
            registries: Object.keys({ ...(raw.certs?.data ?? {}), ...(raw.certs?.binaryData ?? {}) })
              .filter((k) => !SERVICE_CA_KEYS.has(k))
              .map(decodeKey)
              .sort(),
          }
        : null,
    pruner: raw.pruner
      ? { suspend: Boolean(raw.pruner.spec?.suspend), schedule: raw.pruner.spec?.schedule, conditions: (raw.pruner.status?.conditions ?? []).map(cond) }
      : null,
    unavailable,
  };
}


function cond(c: Json): Condition {
  return { type: c.type, status: c.status, reason: c.reason || undefined, message: c.message || undefined, lastTransitionTime: c.lastTransitionTime };
}

function podRow(p: Json): RegistryStatus['pods'][number] {
  const statuses: Json[] = p.status?.containerStatuses ?? [];
  const total = (p.spec?.containers ?? []).length || statuses.length;
  const ready = statuses.filter((s) => s.ready).length;
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  let status: string = p.status?.phase ?? 'Unknown';
  if (p.metadata?.deletionTimestamp) status = 'Terminating';
  for (const s of statuses) {
    const waiting = s.state?.waiting?.reason;
    if (waiting) status = waiting;
  }
  return { name: p.metadata.name, ready: `${ready}/${total}`, status, restarts, createdAt: p.metadata.creationTimestamp, node: p.spec?.nodeName };
}

/** True when the error means the registry operator's API is not served at all. */
export function isNotOpenShift(e: unknown): boolean {
  return isApiError(e, 404) && !e.status.details?.name;
}
