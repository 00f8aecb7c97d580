// The default router's status writer: admits routes (status.ingress) and rejects a host that an older
// route in another namespace already claims (HostAlreadyClaimed), as the OpenShift router does.
import type { KubeObject, Store } from '../types.ts';
import { Loop, get, jsonEqual, now, tryGet, tryList, writeStatus } from './util.ts';

const ROUTES = 'route.openshift.io/routes';

/** The default IngressController's domain (spec.domain): its wildcard certificate and canonical hostname. */
export function ingressDomain(store: Store): string {
  return get<string>(tryGet(store, 'config.openshift.io/ingresses', undefined, 'cluster'), 'spec.domain') || 'router.default.svc.cluster.local';
}

/**
 * The suffix of allocated route hosts: openshift-apiserver's routingConfig.subdomain, which
 * cluster-openshift-apiserver-operator (configobservation/ingresses/observe_ingresses.go) sets to
 * ingresses.config spec.appsDomain when set, else spec.domain.
 */
export function routingSubdomain(store: Store): string {
  const ingress = tryGet(store, 'config.openshift.io/ingresses', undefined, 'cluster');
  return get<string>(ingress, 'spec.appsDomain') || get<string>(ingress, 'spec.domain') || 'router.default.svc.cluster.local';
}

/** Host the route API allocates for an empty spec.host: `<name with . → ->-<namespace>.<domain>`. */
export function allocateHost(name: string, namespace: string, domain: string): string {
  return `${name.replace(/\./g, '-')}-${namespace}.${domain}`;
}

export function startRouteAdmission(store: Store, opts: { onError?: (e: unknown) => void } = {}): { stop(): void; loop: Loop } {
  const loop = new Loop('route-admission', reconcile, opts.onError);
  // Which route is older: creationTimestamp has 1 s resolution, so also remember the order routes appeared in.
  const seen = new Map<string, number>();
  let counter = 0;
  const age = (r: KubeObject): [string, number] => [r.metadata.creationTimestamp ?? '', seen.get(r.metadata.uid!) ?? Infinity];
  const older = (a: KubeObject, b: KubeObject) => {
    const [ta, na] = age(a);
    const [tb, nb] = age(b);
    return ta < tb || (ta === tb && na < nb);
  };

  function reconcile(): void {
    const domain = ingressDomain(store);
    const routes = tryList(store, ROUTES).sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
    for (const r of routes) if (!seen.has(r.metadata.uid!)) seen.set(r.metadata.uid!, counter++);
    const live = new Set(routes.map((r) => r.metadata.uid!));
    for (const k of seen.keys()) if (!live.has(k)) seen.delete(k);
    for (const r of routes) {
      let route = r;
      if (!get<string>(route, 'spec.host')) {
        // Routes created straight in the store (not through the API) still get a host.
        const next = structuredClone(route);
        (next.spec as any) = { ...(next.spec as object), host: allocateHost(route.metadata.name!, route.metadata.namespace!, routingSubdomain(store)) };
        delete next.metadata.resourceVersion;
        route = store.update(ROUTES, next);
      }
      const host = get<string>(route, 'spec.host')!;
      const path = get<string>(route, 'spec.path') ?? '';
      const claimer = routes.find(
        (o) => o !== r && get<string>(o, 'spec.host') === host && older(o, r) &&
          (o.metadata.namespace !== r.metadata.namespace || (get<string>(o, 'spec.path') ?? '') === path),
      );
      const prev = ((route.status as any)?.ingress ?? []).find((i: any) => i.routerName === 'default');
      const prevCond = prev?.conditions?.find((c: any) => c.type === 'Admitted');
      const cond: Record<string, unknown> = claimer
        ? { type: 'Admitted', status: 'False', reason: 'HostAlreadyClaimed', message: `route ${claimer.metadata.name} already exposes ${host} and is older` }
        : { type: 'Admitted', status: 'True' };
      cond.lastTransitionTime = prevCond && prevCond.status === cond.status && prev.host === host ? prevCond.lastTransitionTime : now();
      const ingress = {
        host,
        routerName: 'default',
        conditions: [cond],
        wildcardPolicy: get<string>(route, 'spec.wildcardPolicy') ?? 'None',
        routerCanonicalHostname: `router-default.${domain}`,
      };
      const others = ((route.status as any)?.ingress ?? []).filter((i: any) => i.routerName !== 'default');
      const status = { ingress: [ingress, ...others] };
      if (!jsonEqual(route.status, status)) writeStatus(store, ROUTES, route, status);
    }
  }

  const off = store.on((key) => {
    if (key === ROUTES || key === 'config.openshift.io/ingresses') loop.trigger();
  });
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}
