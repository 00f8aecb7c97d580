// The ClusterRole behind `regctl grant reader`: what a least-privilege account (a CI service account with only
// system:image-builder in its project) needs to find the registry host and read the registry's status, and nothing
// more. Cluster-scoped objects only, each by name; no secrets, no configmaps.
// Routes are left out on purpose: image.config status.externalRegistryHostnames already lists every registry route's
// host (the operator copies them there), and a registry route made from spec.routes[].secretName carries that
// secret's private key in spec.tls.key, so reading routes in openshift-image-registry is more than "discover".
import type { Cluster } from './cluster.js';
import { sh } from '../doctor/shell.js';

export const REGISTRY_READER_ROLE = 'registry-reader';

export function registryReaderRole(): Record<string, any> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: REGISTRY_READER_ROLE,
      annotations: { 'openshift.io/description': 'Find the integrated registry host (image.config) and read its status (registry config, ClusterOperator). Created by regctl grant reader.' },
    },
    rules: [
      { apiGroups: ['config.openshift.io'], resources: ['images'], resourceNames: ['cluster'], verbs: ['get'] },
      { apiGroups: ['imageregistry.operator.openshift.io'], resources: ['configs'], resourceNames: ['cluster'], verbs: ['get'] },
      { apiGroups: ['config.openshift.io'], resources: ['clusteroperators'], resourceNames: ['image-registry'], verbs: ['get'] },
    ],
  };
}

/** `grant reader`'s subject for the current user: `-z SA -n NS` for a service account, else the user name. */
export async function readerSubject(c: Cluster | undefined): Promise<string> {
  const fallback = 'USER (or -z SA -n NS)';
  if (!c) return fallback;
  try {
    const { username } = await c.whoami();
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
    if (sa) return `-z ${sh(sa[2]!)} -n ${sh(sa[1]!)}`;
    return username ? sh(username) : fallback;
  } catch {
    return fallback;
  }
}
