// The shared `openshift` namespace. On a real cluster every authenticated user may list its image streams
// (openshift-apiserver's bootstrap RoleBinding shared-resource-viewers, modelled by the sandbox), and the API server
// writes this cluster's registry hosts into each stream's status — so a user who may read nothing else still learns
// the hosts there. The streams there come from the cluster-version operator (cluster-samples-operator
// manifests/08-openshift-imagestreams.yaml: cli, tools, must-gather, …, on every cluster) and the samples operator
// (when Managed); the sandbox creates none of them.
//
// Tests about a user who cannot read the host lists at all need a cluster whose `openshift` namespace has no image
// streams (e.g. an admin deleted them and the cluster-version operator has not put them back yet): they call
// `emptySharedNamespace` so that the scenario holds whatever the sandbox seeds there.
import type { Sandbox } from '../../sandbox/index.ts';

const IS = 'image.openshift.io/imagestreams';

/** Deletes every image stream in `openshift` (as a cluster admin would); returns how many there were. */
export function emptySharedNamespace(sb: Sandbox): number {
  const streams = sb.store.list(IS, 'openshift').items;
  for (const s of streams) sb.store.delete(IS, 'openshift', s.metadata.name!);
  return streams.length;
}

/**
 * Creates the image stream `cli` in `openshift` as the cluster-version operator applies it (cluster-samples-operator
 * manifests/08-openshift-imagestreams.yaml), without its spec tag (the sandbox cannot import from quay.io): the API
 * server fills in its status.(public)DockerImageRepository from image.config like for any stream.
 */
export function createCliStream(sb: Sandbox): void {
  if (sb.store.get(IS, 'openshift', 'cli')) return;
  sb.store.create(IS, {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: {
      name: 'cli',
      namespace: 'openshift',
      annotations: {
        'include.release.openshift.io/ibm-cloud-managed': 'true',
        'include.release.openshift.io/self-managed-high-availability': 'true',
      },
    },
    spec: { lookupPolicy: { local: false } },
  });
}
