// Legacy (non-aggregated) discovery documents: /api, /api/v1, /apis, /apis/G, /apis/G/V, /version.
import type { ResourceType } from '../types.ts';

// OpenShift 4.17 is Kubernetes 1.30 (the OpenAPI documents served are 1.30's too).
export const KUBE_VERSION = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.7',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-06-01T00:00:00Z',
  goVersion: 'go1.22.9',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

// kube's version priority (apimachinery/pkg/version CompareKubeAwareVersionStrings): GA > beta > alpha, then higher numbers.
function versionRank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(beta|alpha)(\d+))?$/.exec(v);
  if (!m) return [-1, 0, 0];
  return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), Number(m[3] ?? 0)];
}

/** Group → its versions, preferred (highest priority) first: a group may serve several (OCM's cluster group). */
function groupsOf(types: ResourceType[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const vs = m.get(t.group) ?? [];
    if (!vs.includes(t.version)) vs.push(t.version);
    m.set(t.group, vs);
  }
  for (const vs of m.values()) vs.sort((a, b) => { const x = versionRank(a), y = versionRank(b); return y[0] - x[0] || y[1] - x[1] || y[2] - x[2]; });
  return m;
}

function apiGroup(name: string, versions: string[]) {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(types: ResourceType[]) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupsOf(types)].map(([g, v]) => apiGroup(g, v)),
  };
}

export function apiGroupDoc(types: ResourceType[], group: string) {
  const v = groupsOf(types).get(group);
  return v ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, v) } : undefined;
}

export function apiResourceList(types: ResourceType[], group: string, version: string) {
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (!mine.length) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const t of mine) {
    const r: Record<string, unknown> = { name: t.resource, singularName: t.singular ?? t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames?.length) r.shortNames = t.shortNames;
    resources.push(r);
    for (const sub of t.subresources ?? []) {
      const s: Record<string, unknown> = { name: `${t.resource}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
      if (sub === 'log') s.verbs = ['get'];
      if (sub === 'token') Object.assign(s, { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
      if (sub === 'scale') Object.assign(s, { kind: 'Scale', group: 'autoscaling', version: 'v1' });
      if (sub === 'layers' || sub === 'secrets') Object.assign(s, { kind: sub === 'layers' ? 'ImageStreamLayers' : 'SecretList', verbs: ['get'] });
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
