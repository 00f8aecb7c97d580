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

function groupsOf(types: ResourceType[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of types) if (t.group && !m.has(t.group)) m.set(t.group, t.version);
  return m;
}

function apiGroup(name: string, version: string) {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
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
