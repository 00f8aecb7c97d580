// The hosts of this cluster's own registry, as the cluster states them: the only hosts the cluster token (the
// kubeconfig's, --token, or a minted service-account token) may be sent to. Sources, as the operator and the
// API server write them: image.config spec/status externalRegistryHostnames and status.internalRegistryHostname
// (cluster-image-registry-operator pkg/operator/imageconfig.go), the operator's routes, and, for users who may
// read none of these, the (public)DockerImageRepository of an image stream they can read (openshift-apiserver
// computes both from image.config).
import type { Cluster, Json } from './cluster.js';
import type { ResourceRef } from './resources.js';
import { isApiError } from './api-error.js';
import { NAMES, R } from './resources.js';
import { registryRoutes } from './routes.js';
import { UsageError } from '../errors.js';

const PROJECTS: ResourceRef = { group: 'project.openshift.io', version: 'v1', resource: 'projects', kind: 'Project', namespaced: false };
/** Projects looked into for an image stream when nothing else is readable (the list is the user's own projects). */
const MAX_PROJECTS = 20;

export interface ClusterRegistryHosts {
  hosts: Set<string>;
  /** False when no cluster source could be read (then only the fixed internal host is known). */
  known: boolean;
}

/** host[:port] compared without case and without the default https port. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\/+$/, '').replace(/:443$/, '');
}

export function hostnameOf(host: string): string {
  const h = normalizeHost(host);
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

const forbidden = (e: unknown) => isApiError(e, 403) || isApiError(e, 404);

export async function clusterRegistryHosts(c: Cluster, namespace: string): Promise<ClusterRegistryHosts> {
  const hosts = new Set<string>([NAMES.internalHost, `${NAMES.service}.${NAMES.registryNamespace}.svc.cluster.local:5000`].map(normalizeHost));
  const add = (h: unknown) => {
    if (typeof h === 'string' && h.trim()) hosts.add(normalizeHost(h));
  };
  let known = false;
  try {
    const cfg = await c.getOrNull(R.imageConfig, NAMES.cluster);
    if (cfg) {
      known = true;
      for (const h of [...(cfg.spec?.externalRegistryHostnames ?? []), ...(cfg.status?.externalRegistryHostnames ?? [])]) add(h);
      add(cfg.status?.internalRegistryHostname);
    }
  } catch (e) {
    if (!forbidden(e)) throw e;
  }
  try {
    for (const r of await registryRoutes(c)) add(r.host);
    known = true;
  } catch (e) {
    if (!forbidden(e)) throw e;
  }
  if (known) return { hosts, known };
  // Users who may read neither: the registry hosts the API server puts into the image streams they can read.
  const fromStream = (is: Json) => {
    for (const repo of [is.status?.publicDockerImageRepository, is.status?.dockerImageRepository]) {
      if (typeof repo === 'string' && repo.includes('/')) add(repo.split('/')[0]);
    }
    return Boolean(is.status?.publicDockerImageRepository);
  };
  const namespaces = [namespace, 'openshift'];
  try {
    const projects = await c.list(PROJECTS, { limit: MAX_PROJECTS });
    for (const p of projects.items) if (p.metadata?.name) namespaces.push(p.metadata.name);
  } catch (e) {
    if (!forbidden(e)) throw e;
  }
  for (const ns of [...new Set(namespaces)].slice(0, MAX_PROJECTS + 2)) {
    try {
      const list = await c.list(R.imageStream, { namespace: ns, limit: 1 });
      const is = list.items[0];
      if (!is) continue;
      known = true;
      if (fromStream(is)) break;
    } catch (e) {
      if (!forbidden(e)) throw e;
    }
  }
  return { hosts, known };
}

export function isClusterRegistryHost(host: string, known: ClusterRegistryHosts): boolean {
  return known.hosts.has(normalizeHost(host));
}

/**
 * For commands that send the cluster token to a host the user named (login, metrics): a host the cluster's lists
 * do not name is a usage error (exit 2) before anything is sent; a user who may read none of the lists is warned.
 */
export async function assertClusterRegistryHost(c: Cluster, host: string, why: string, warn: (message: string) => void): Promise<void> {
  let known: ClusterRegistryHosts;
  try {
    known = await clusterRegistryHosts(c, c.namespace);
  } catch (e) {
    // No valid kubeconfig token (expired, or a password login): the command's own token step reports it.
    if (!isApiError(e, 401)) throw e;
    known = { hosts: new Set(), known: false };
  }
  if (isClusterRegistryHost(host, known)) return;
  if (!known.known) {
    warn(`cannot confirm that ${host} is this cluster's registry (you may not read image.config, the registry routes or an image stream); using it because --registry names it`);
    return;
  }
  throw new UsageError(
    `${host} is not one of this cluster's registry hosts (${[...known.hosts].sort().join(', ')}): ${why}`,
    `for another registry use \`podman login ${host}\`; if ${host} serves this registry, a cluster admin adds it to image.config spec.externalRegistryHostnames`,
  );
}

/** For commands about this cluster's registry (doctor): false only when the cluster's lists are readable and do not name host. */
export async function clusterTokenAllowed(c: Cluster, host: string): Promise<boolean> {
  const known = await clusterRegistryHosts(c, c.namespace).catch(() => undefined);
  return !known?.known || isClusterRegistryHost(host, known);
}
