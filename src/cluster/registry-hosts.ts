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
import { readerSubject } from './reader-role.js';
import { sh } from '../doctor/shell.js';
import { AuthError, UsageError } from '../errors.js';

const PROJECTS: ResourceRef = { group: 'project.openshift.io', version: 'v1', resource: 'projects', kind: 'Project', namespaced: false };
/** Projects looked into for an image stream when nothing else is readable (the list is the user's own projects). */
const MAX_PROJECTS = 20;

export interface ClusterRegistryHosts {
  hosts: Set<string>;
  /** False when no cluster source could be read (then only the fixed internal host is known). */
  known: boolean;
  /** Only image streams were readable: they name the internal host and the FIRST external host only
   *  (openshift-apiserver pkg/cmd/openshift-apiserver/openshiftapiserver/config.go), so a host missing here may
   *  still be one of the cluster's. */
  partial?: boolean;
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
  return { hosts, known, partial: known };
}

export function isClusterRegistryHost(host: string, known: ClusterRegistryHosts): boolean {
  return known.hosts.has(normalizeHost(host));
}

/** Where the host a command talks to came from, for the token rule. */
export type HostOrigin =
  /** Discovered from the cluster (image.config, its routes), or the in-cluster service host (--internal). */
  | 'cluster'
  /** Named by the user as this cluster's registry: --registry HOST (login's and metrics' REGISTRY too). */
  | 'named'
  /** The host of an image reference: any registry. */
  | 'reference';

export interface TokenDecision {
  /** The cluster token may go to the host. */
  allowed: boolean;
  /** This cluster's registry hosts, when they were read. */
  known?: ClusterRegistryHosts;
  /** Not allowed: why (for messages). */
  note?: string;
  /**
   * Not allowed because the host is a --registry host and the cluster's lists could not be read: the error (exit 4)
   * for a command that needed the token there (login, metrics; the content commands and doctor when no credentials
   * are stored for the host).
   */
  unconfirmed?: { message: string; hint: string };
}

/**
 * THE token rule (docs/conventions.md, "the cluster token stays with the cluster's registry"), decided here and
 * nowhere else: the cluster token may go to the in-cluster service host and to a host discovered from the
 * cluster; to any other host only when the cluster's own lists (clusterRegistryHosts) name it. When none of the
 * lists can be read (a least-privilege user, or the API failing), no other host gets it: not an image reference's
 * host, and not a host the user named with --registry either (it cannot be confirmed as this cluster's registry).
 */
export async function clusterTokenDecision(c: Cluster | undefined, host: string, origin: HostOrigin): Promise<TokenDecision> {
  if (origin === 'cluster' || normalizeHost(host) === normalizeHost(NAMES.internalHost)) return { allowed: true };
  let known: ClusterRegistryHosts = { hosts: new Set(), known: false };
  let failure: string | undefined;
  let rejected = false;
  if (c) {
    try {
      known = await clusterRegistryHosts(c, c.namespace);
    } catch (e) {
      rejected = isApiError(e, 401);
      failure = rejected ? 'the API server rejected the token (401): expired or revoked' : (e as Error).message;
    }
  } else failure = 'no cluster connection';
  if (isClusterRegistryHost(host, known)) return { allowed: true, known };
  if (known.known && !known.partial) return { allowed: false, known, note: `not one of this cluster's registry hosts (${[...known.hosts].sort().join(', ')})` };
  const why = failure
    ? `reading them failed: ${failure}`
    : known.partial
      ? 'you may not read image.config or the registry routes, and image streams name only its first external host'
      : 'you may not read image.config, the registry routes or an image stream';
  if (origin !== 'named') return { allowed: false, known, note: `this cluster's registry hosts could not be read (${why})` };
  const unconfirmed = {
    message: `cannot confirm that ${host} is this cluster's registry (${why}); regctl sends the cluster token only to hosts the cluster names`,
    hint: rejected
      ? 'log in again with `oc login` (or pass a valid --token), then run the command again'
      : `a cluster admin runs \`regctl grant reader ${await readerSubject(c)}\` so regctl can read the registry hosts, or hand the token over yourself: \`regctl token | podman login -u unused --password-stdin ${sh(host)}\``,
  };
  return { allowed: false, known, note: `cannot confirm that ${host} is this cluster's registry (${why})`, unconfirmed };
}


/**
 * For commands that send the cluster token to a host the user named (login, metrics), before any token is read or
 * minted: a host the cluster's lists do not name is a usage error (exit 2); a host that cannot be confirmed (the
 * lists cannot be read) an AuthError (exit 4). Nothing is sent to the host either way.
 */
export async function assertClusterRegistryHost(c: Cluster, host: string, why: string): Promise<void> {
  const d = await clusterTokenDecision(c, host, 'named');
  if (d.allowed) return;
  if (d.unconfirmed) throw new AuthError(d.unconfirmed.message, { hint: d.unconfirmed.hint });
  throw new UsageError(
    `${host} is ${d.note ?? "not one of this cluster's registry hosts"}: ${why}`,
    `for another registry use \`podman login ${host}\`; if ${host} serves this registry, a cluster admin adds it to image.config spec.externalRegistryHostnames`,
  );
}
