// Registry routes and hosts: the operator's routes, the ingress CA that signs them, and where the
// registry is reachable from outside (behaviours a.3, d.1).
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { NAMES, R } from './resources.js';
import { AuthError, NotFoundError, RegctlError } from '../errors.js';
import { readerSubject } from './reader-role.js';

export const ROUTE_ANNOTATION = NAMES.routeAnnotation;

export interface RouteInfo {
  name: string;
  host: string;
  admitted: boolean | null;
  /** reason/message of a non-admitted ingress (e.g. HostAlreadyClaimed). */
  reason?: string;
  message?: string;
  termination?: string;
  /** spec.tls.caCertificate, when the route carries its own CA. */
  caCertificate?: string;
  operatorOwned: boolean;
}

export function routeInfo(r: Json): RouteInfo {
  const ingress = (r.status?.ingress ?? []) as Json[];
  const main = ingress.find((i) => i.routerName === 'default') ?? ingress[0];
  const cond = (main?.conditions ?? []).find((c: Json) => c.type === 'Admitted');
  return {
    name: r.metadata?.name ?? '',
    host: main?.host || r.spec?.host || '',
    admitted: cond ? cond.status === 'True' : null,
    reason: cond?.status === 'True' ? undefined : cond?.reason,
    message: cond?.status === 'True' ? undefined : cond?.message,
    termination: r.spec?.tls?.termination,
    caCertificate: r.spec?.tls?.caCertificate || undefined,
    operatorOwned: Boolean(r.metadata?.annotations?.[ROUTE_ANNOTATION]),
  };
}

/** The operator's routes in openshift-image-registry, default-route first, then by host. */
export async function registryRoutes(c: Cluster): Promise<RouteInfo[]> {
  const list = await c.list(R.route, { namespace: NAMES.registryNamespace });
  return sortRoutes(list.items.map(routeInfo).filter((r) => r.operatorOwned));
}

export function sortRoutes(routes: RouteInfo[]): RouteInfo[] {
  return [...routes].sort((a, b) => {
    const da = a.name === NAMES.defaultRoute ? 0 : 1;
    const db = b.name === NAMES.defaultRoute ? 0 : 1;
    return da - db || a.host.localeCompare(b.host) || a.name.localeCompare(b.name);
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Called with each state seen (for a spinner). */
  onProgress?: (r: RouteInfo | null) => void;
  /** The host the change asked for: until the route carries it, what it says is about the route before the change. */
  host?: string;
}

/**
 * Watches route NAME in openshift-image-registry until it is admitted (→ RouteInfo), rejected (→ RegctlError
 * naming the reason) or the time runs out (→ undefined).
 */
export async function waitForRoute(c: Cluster, name: string, o: WaitOptions): Promise<RouteInfo | undefined> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  o.signal.addEventListener('abort', stop);
  const timer = setTimeout(stop, o.timeoutMs);
  let result: RouteInfo | undefined;
  let failure: RegctlError | undefined;
  try {
    await c.watch(R.route, { namespace: NAMES.registryNamespace, fieldSelector: `metadata.name=${name}`, signal: ac.signal }, (ev) => {
      if (ev.type === 'DELETED') {
        o.onProgress?.(null);
        return false;
      }
      const r = routeInfo(ev.object);
      o.onProgress?.(r);
      // The operator has not rewritten the route yet, or the router has not judged its new host: not our answer.
      const specHost: string = ev.object.spec?.host ?? '';
      if (o.host !== undefined && specHost !== o.host) return false;
      if (specHost && r.host !== specHost) return false;
      if (r.admitted === true && r.host) {
        result = r;
        ac.abort(); // Cluster.watch keeps reading after `true` until the stream ends; end it now
        return true;
      }
      if (r.admitted === false) {
        failure = new RegctlError(`route ${name} (host ${r.host}) was not admitted: ${r.reason ?? 'Rejected'}${r.message ? `: ${r.message}` : ''}`, {
          hint: r.reason === 'HostAlreadyClaimed' ? 'another route already uses that host; choose another --hostname or remove the other route' : 'check the route with `kubectl get route -n openshift-image-registry -o yaml`',
        });
        ac.abort();
        return true;
      }
      return false;
    });
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
  }
  if (failure) throw failure;
  return result;
}

/** Waits until route NAME is gone (spec.defaultRoute=false, a removed spec.routes entry). true when gone. */
export async function waitForRouteGone(c: Cluster, name: string, o: WaitOptions): Promise<boolean> {
  const list = await c.list(R.route, { namespace: NAMES.registryNamespace, fieldSelector: `metadata.name=${name}` });
  if (!list.items.length) return true;
  const ac = new AbortController();
  const stop = () => ac.abort();
  o.signal.addEventListener('abort', stop);
  const timer = setTimeout(stop, o.timeoutMs);
  let gone = false;
  try {
    const from = list.metadata.resourceVersion;
    await c.watch(R.route, { namespace: NAMES.registryNamespace, fieldSelector: `metadata.name=${name}`, resourceVersion: from, signal: ac.signal }, (ev) => {
      if (ev.type === 'DELETED') {
        gone = true;
        ac.abort();
      }
      return gone;
    });
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
  }
  return gone;
}

/** ingresses.config.openshift.io/cluster spec.domain (undefined when unreadable). */
export async function ingressDomain(c: Cluster): Promise<string | undefined> {
  return (await routeDomains(c)).domain;
}

export interface RouteDomains {
  /** spec.domain: the default ingress controller's domain, which its wildcard certificate (*.domain) covers. */
  domain?: string;
  /**
   * Where the route API allocates hosts for routes without one: spec.appsDomain when set, else spec.domain
   * (openshift-apiserver's routingConfig.subdomain, set so by cluster-openshift-apiserver-operator).
   */
  hostDomain?: string;
}

/** ingresses.config.openshift.io/cluster's domains (empty when unreadable). */
export async function routeDomains(c: Cluster): Promise<RouteDomains> {
  try {
    const i = await c.getOrNull(R.ingressConfig, NAMES.cluster);
    const domain: string | undefined = i?.spec?.domain || undefined;
    return { domain, hostDomain: i?.spec?.appsDomain || domain };
  } catch (e) {
    if (isApiError(e, 403)) return {};
    throw e;
  }
}

export interface IngressCA {
  pem: string;
  /** Where it came from, e.g. configmap openshift-config-managed/default-ingress-cert. */
  source: string;
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/**
 * The CA that signs the default ingress certificate: configmap openshift-config-managed/default-ingress-cert
 * (ca-bundle.crt), else secret openshift-ingress-operator/router-ca, else the chain of
 * openshift-ingress/router-certs-default. Forbidden sources are skipped; none readable → NotFoundError.
 */
export async function ingressCA(c: Cluster): Promise<IngressCA> {
  const sources: Array<[string, () => Promise<string>]> = [
    ['configmap openshift-config-managed/default-ingress-cert', async () => (await c.getOrNull(R.configMap, 'default-ingress-cert', 'openshift-config-managed'))?.data?.['ca-bundle.crt'] ?? ''],
    ['secret openshift-ingress-operator/router-ca', async () => b64((await c.getOrNull(R.secret, 'router-ca', 'openshift-ingress-operator'))?.data?.['tls.crt'])],
    ['secret openshift-ingress/router-certs-default', async () => b64((await c.getOrNull(R.secret, 'router-certs-default', 'openshift-ingress'))?.data?.['tls.crt'])],
  ];
  const forbidden: string[] = [];
  for (const [source, read] of sources) {
    try {
      const pem = await read();
      if (pem.includes('-----BEGIN CERTIFICATE-----')) return { pem, source };
    } catch (e) {
      if (isApiError(e, 403) || isApiError(e, 404)) {
        if (isApiError(e, 403)) forbidden.push(source);
        continue;
      }
      throw e;
    }
  }
  throw new NotFoundError(
    forbidden.length ? `cannot read the ingress CA: forbidden (${forbidden.join(', ')})` : 'the cluster has no ingress CA (default-ingress-cert, router-ca)',
    { hint: 'pass the CA that signs the route with --ca-file FILE (ask a cluster admin for `regctl expose --ca-out ca.crt`)' },
  );
}

export type HostSource = 'flag' | 'image.config spec' | 'image.config status' | 'route' | 'imagestream' | 'internal' | 'in-cluster';

export interface DiscoveredHost {
  host: string;
  source: HostSource;
}

/**
 * The registry's public host: image.config spec.externalRegistryHostnames[0], then its
 * status.externalRegistryHostnames (default route first), then the operator's admitted routes, then (only for users who
 * may not read the image config) the publicDockerImageRepository of an image stream in NS or openshift, as oc does.
 */
export async function discoverRegistryHost(c: Cluster, namespace: string): Promise<DiscoveredHost> {
  // In a pod (in-cluster config) the registry is reached through its service, as builds and pods pull from it
  // (status.internalRegistryHostname); a route host needs --registry.
  if (c.config.inCluster) return { host: NAMES.internalHost, source: 'in-cluster' };
  let imageConfig: Json | null = null;
  let configForbidden = false;
  try {
    imageConfig = await c.getOrNull(R.imageConfig, NAMES.cluster);
  } catch (e) {
    if (!isApiError(e, 403)) throw e;
    configForbidden = true;
  }
  const spec = (imageConfig?.spec?.externalRegistryHostnames ?? []) as string[];
  if (spec[0]) return { host: spec[0], source: 'image.config spec' };
  const status = [...((imageConfig?.status?.externalRegistryHostnames ?? []) as string[])];
  status.sort((a, b) => Number(!a.startsWith('default-route-openshift-image-registry')) - Number(!b.startsWith('default-route-openshift-image-registry')));
  if (status[0]) return { host: status[0], source: 'image.config status' };
  let routesForbidden = false;
  try {
    const routes = (await registryRoutes(c)).filter((r) => r.admitted && r.host);
    if (routes[0]) return { host: routes[0].host, source: 'route' };
  } catch (e) {
    if (!isApiError(e, 403)) throw e;
    routesForbidden = true;
  }
  // Image streams only help users who may not read the cluster config (their status mirrors it).
  for (const ns of configForbidden ? [...new Set([namespace, 'openshift'])] : []) {
    try {
      const list = await c.list(R.imageStream, { namespace: ns, limit: 1 });
      const pub = list.items[0]?.status?.publicDockerImageRepository as string | undefined;
      if (pub) return { host: pub.split('/')[0]!, source: 'imagestream' };
    } catch (e) {
      if (isApiError(e, 401)) throw e;
    }
  }
  if (configForbidden && routesForbidden) {
    const who = await readerSubject(c);
    throw new AuthError('cannot find the registry host: you may not read image.config, the registry routes or an image stream', {
      hint: `ask a cluster admin for \`regctl grant reader ${who}\`: it lets you read image.config; or name the host with --registry HOST and hand it the token yourself (\`regctl token | podman login -u unused --password-stdin HOST\`)`,
    });
  }
  throw new NotFoundError('the registry is not exposed: no external hostname (image.config) and no registry route', {
    hint: 'expose it: `regctl expose --default-route` (a cluster admin), or name the host with --registry HOST',
  });
}
