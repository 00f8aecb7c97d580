// Cluster capabilities (OpenShift 4.17): which optional components the cluster-version operator installs.
// clusterversions/version status.capabilities.enabledCapabilities is the truth the API server and the
// controllers read; spec.capabilities (baselineCapabilitySet + additionalEnabledCapabilities) is the wish.
import type { KubeObject, ResourceType, Store } from './types.ts';

export const CLUSTER_VERSIONS = 'config.openshift.io/clusterversions';

export const KNOWN_CAPABILITIES = [
  'Build', 'CSISnapshot', 'CloudControllerManager', 'CloudCredential', 'Console', 'DeploymentConfig', 'ImageRegistry',
  'Ingress', 'Insights', 'MachineAPI', 'NodeTuning', 'OperatorLifecycleManager', 'Storage', 'baremetal', 'marketplace', 'openshift-samples',
];

/** What each baselineCapabilitySet enables (v4.17 and vCurrent: every known capability). */
export function baselineSet(name: string | undefined): string[] {
  if (name === 'None') return [];
  return KNOWN_CAPABILITIES;
}

/** spec → the enabled set; capabilities once enabled can never be disabled again (the CVO keeps them). */
export function desiredCapabilities(cv: KubeObject): string[] {
  const spec = ((cv.spec as any)?.capabilities ?? {}) as { baselineCapabilitySet?: string; additionalEnabledCapabilities?: string[] };
  const already: string[] = (cv.status as any)?.capabilities?.enabledCapabilities ?? [];
  const known = new Set(KNOWN_CAPABILITIES);
  const wanted = [...baselineSet(spec.baselineCapabilitySet), ...(spec.additionalEnabledCapabilities ?? []), ...already];
  return [...new Set(wanted.filter((c) => known.has(c)))].sort();
}

/** The enabled capabilities; undefined when the cluster says nothing (no ClusterVersion status): all enabled. */
export function enabledCapabilities(store: Store): Set<string> | undefined {
  const cv = store.get(CLUSTER_VERSIONS, undefined, 'version');
  const enabled = (cv?.status as any)?.capabilities?.enabledCapabilities;
  return Array.isArray(enabled) ? new Set(enabled) : undefined;
}

/** The resource types the API server serves now: kinds of disabled capabilities have no CRD. */
export function servedTypes(store: Store, types: ResourceType[]): () => ResourceType[] {
  let lastRv: string | undefined = '';
  let last = types;
  return () => {
    const rv = store.get(CLUSTER_VERSIONS, undefined, 'version')?.metadata.resourceVersion;
    if (rv !== lastRv) {
      const enabled = enabledCapabilities(store);
      last = enabled ? types.filter((t) => !t.capability || enabled.has(t.capability)) : types;
      lastRv = rv;
    }
    return last;
  };
}
