// The writes of `regctl expose` as plan steps: the operator config (spec.defaultRoute, spec.routes) and the route's
// TLS secret. Pure: the caller reads the current objects and passes them in.
import { NAMES, R } from './resources.js';
import * as rp from './route-plan.js';
import type { Json } from './cluster.js';
import { target, type Check, type PatchStep, type Step } from '../plan/types.js';

export const CONFIG = 'configs.imageregistry.operator.openshift.io/cluster';

const configTarget = () => target(R.registryConfig, NAMES.cluster);
const secretTarget = (name: string) => target(R.secret, name, NAMES.registryNamespace);

export function defaultRouteStep(enabled: boolean): PatchStep {
  return { action: 'patch', target: configTarget(), summary: `patch Config cluster: spec.defaultRoute=${enabled}`, patchType: 'merge', patch: { spec: { defaultRoute: enabled } } };
}

/**
 * spec.routes replaced as a whole, guarded by a `test` of the list it was computed from (a 422 when someone changed it
 * meanwhile: plan again). Rendered, the list is the desired spec.routes (an atomic list in the CRD).
 * When spec.routes is not set, the `add` is guarded by a `test` of null: json-patch v4 (what kube-apiserver applies)
 * passes it only while the member is missing or null, so a list someone else set meanwhile is not overwritten.
 */
export function routesStep(current: rp.RouteEntry[] | undefined, next: rp.RouteEntry[], what: string): PatchStep {
  const ops = rp.routesPatch(current ?? undefined, next) as Json[];
  const patch = current == null ? [{ op: 'test', path: '/spec/routes', value: null }, ...ops] : ops;
  return { action: 'patch', target: configTarget(), summary: `patch Config cluster: spec.routes ${what}`, patchType: 'json', patch };
}

/** Create the TLS secret, or patch an existing one whose data differs (keys not wanted any more are removed); none when equal. */
export function tlsSecretStep(name: string, m: rp.TLSMaterial, existing: Json | undefined): Step | undefined {
  const desired = rp.tlsSecret(name, m);
  if (!existing) return { action: 'create', target: secretTarget(name), summary: `create Secret ${NAMES.registryNamespace}/${name} (kubernetes.io/tls: ${Object.keys(desired.data).join(', ')})`, object: desired };
  if (rp.sameData(existing.data, desired.data)) return undefined;
  const gone = Object.keys(existing.data ?? {}).filter((k) => !(k in desired.data));
  const data: Json = { ...desired.data, ...Object.fromEntries(gone.map((k) => [k, null])) };
  return {
    action: 'patch',
    target: secretTarget(name),
    summary: `patch Secret ${NAMES.registryNamespace}/${name}: new ${Object.keys(desired.data).join(', ')}`,
    patchType: 'merge',
    patch: { metadata: { labels: { ...rp.MANAGED_BY } }, data },
    applyConfig: { metadata: { labels: { ...rp.MANAGED_BY } }, type: desired.type, data: desired.data },
    ...(gone.length ? { removes: gone.map((k) => `data.${k}`) } : {}),
  };
}

export function deleteSecretStep(name: string, uid?: string): Step {
  return { action: 'delete', target: secretTarget(name), summary: `delete Secret ${NAMES.registryNamespace}/${name} (made by regctl for the route)`, ...(uid ? { preconditions: { uid } } : {}) };
}

export function admittedCheck(route: string, host: string | undefined, timeout: string): Check {
  return {
    name: `route ${route} admitted`,
    how: `Route ${NAMES.registryNamespace}/${route}${host ? ` with spec.host ${host}` : ''}: status.ingress[].conditions Admitted=True (up to ${timeout})`,
  };
}

export function goneCheck(route: string, timeout: string): Check {
  return { name: `route ${route} removed`, how: `Route ${NAMES.registryNamespace}/${route} deleted by the operator (up to ${timeout})` };
}

/** The steps regctl then takes on this machine (not in the cluster, never rendered): listed with the checks. */
export function localAction(what: string, how: string): Check {
  return { name: `local: ${what}`, how };
}
