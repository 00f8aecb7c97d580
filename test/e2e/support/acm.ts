import fs from 'node:fs';
import path from 'node:path';

// What an ACM hub needs before a rendered Policy (regctl --render acm-policy) is placed in namespace `policies`: the
// ManagedClusterSet `global` bound there (the sandbox's self-managed hub has local-cluster in it).
export const GLOBAL_CLUSTER_SET_BINDING =
  'apiVersion: cluster.open-cluster-management.io/v1beta2\nkind: ManagedClusterSetBinding\nmetadata:\n  name: global\n  namespace: policies\nspec:\n  clusterSet: global\n';

/** The kubectl commands that ready the hub: namespace `policies`, then the binding (written into `dir`) applied. */
export function acmHubSetup(dir: string): string[][] {
  const file = path.join(dir, 'managedclustersetbinding-global.yaml');
  fs.writeFileSync(file, GLOBAL_CLUSTER_SET_BINDING);
  return [['create', 'namespace', 'policies'], ['apply', '-f', file]];
}
