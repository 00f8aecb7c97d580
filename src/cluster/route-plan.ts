// Pure planning for `regctl expose`: the spec.routes edit, the TLS secret, and their dry-run rendering.
import { NAMES } from './resources.js';

export interface RouteEntry {
  name: string;
  hostname?: string;
  secretName?: string;
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'regctl' };

export function secretNameFor(route: string): string {
  return `${route}-route-tls`;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** Route names: DNS-1123 subdomain, short enough for the `-route-tls` secret and the allocated host label. */
export function routeNameProblem(name: string): string | undefined {
  if (name === NAMES.defaultRoute) return 'the name default-route is reserved for --default-route: a custom route with that name breaks the operator (VerificationFailed)';
  if (name.length > 63 || !DNS_SUBDOMAIN.test(name)) return `"${name}" is not a valid route name (lower-case letters, digits, '-' and '.', at most 63 characters)`;
  return undefined;
}

/** A Secret's name: a DNS-1123 subdomain of at most 253 characters. */
export function isSecretName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

export function hostnameProblem(host: string): string | undefined {
  if (host.length > 253 || !DNS_SUBDOMAIN.test(host) || !host.includes('.')) return `"${host}" is not a valid host name (lower-case DNS name such as registry.apps.example.com, no scheme or port)`;
  if (host.split('.').some((l) => l.length > 63)) return `"${host}" has a label longer than 63 characters`;
  return undefined;
}

/** spec.routes with `entry` in place of any entry of that name (first position kept), or appended. */
export function upsertRoute(routes: RouteEntry[], entry: RouteEntry): RouteEntry[] {
  const clean = (r: RouteEntry): RouteEntry => ({ name: r.name, ...(r.hostname ? { hostname: r.hostname } : {}), ...(r.secretName ? { secretName: r.secretName } : {}) });
  const i = routes.findIndex((r) => r.name === entry.name);
  if (i < 0) return [...routes, clean(entry)];
  const out: RouteEntry[] = [];
  routes.forEach((r, j) => {
    if (j === i) out.push(clean(entry));
    else if (r.name !== entry.name) out.push(r);
  });
  return out;
}

export function withoutRoute(routes: RouteEntry[], name: string): RouteEntry[] {
  return routes.filter((r) => r.name !== name);
}

/** JSON patch replacing spec.routes, guarded by a test of the value it was computed from. */
export function routesPatch(current: RouteEntry[] | undefined, next: RouteEntry[]): unknown[] {
  if (current === undefined) return [{ op: 'add', path: '/spec/routes', value: next }];
  return [
    { op: 'test', path: '/spec/routes', value: current },
    { op: 'replace', path: '/spec/routes', value: next },
  ];
}

export interface TLSMaterial {
  certPem: string;
  keyPem: string;
  caPem?: string;
}

export function tlsSecret(name: string, m: TLSMaterial): Record<string, any> {
  const b = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMES.registryNamespace, labels: { ...MANAGED_BY } },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b(m.certPem), 'tls.key': b(m.keyPem), ...(m.caPem ? { 'tls.cacrt': b(m.caPem) } : {}) },
  };
}

/** A copy of a Secret whose values are replaced by their size, for dry-run output. */
export function redactSecret(s: Record<string, any>): Record<string, any> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) data[k] = `<redacted: ${Buffer.from(v, 'base64').length} bytes>`;
  return { ...s, data };
}

export function sameData(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
}

/** The host the route API allocates for a route without spec.host. */
export function allocatedHost(name: string, domain: string): string {
  return `${name.replace(/\./g, '-')}-${NAMES.registryNamespace}.${domain}`;
}

/** Is host covered by the ingress wildcard *.domain (one label deep)? */
export function underWildcard(host: string, domain: string): boolean {
  return host.endsWith(`.${domain}`) && !host.slice(0, -domain.length - 1).includes('.');
}
