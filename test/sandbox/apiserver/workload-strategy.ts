// What openshift-apiserver's create strategies do to the workload kinds that reference images (PrepareForCreate):
// - Build (pkg/build/apiserver/registry/build/strategy.go): generation 1, status.phase New when unset.
// - BuildConfig (pkg/build/apiserver/registry/buildconfig/strategy.go groupStrategy; defaults in
//   pkg/build/apis/build/types.go): generation 1, successful/failed builds history limits 5 when unset.
// - DeploymentConfig (pkg/apps/apiserver/registry/deployconfig/strategy.go): generation 1, status cleared,
//   imageChangeParams.lastTriggeredImage cleared.
// Their validation (pkg/build/apis/build/validation, pkg/apps/apis/apps/validation) is not imitated: like the sandbox's
// built-in kinds, the objects are checked only against their OpenAPI schema (unknown fields).
import type { KubeObject } from '../types.ts';

export const WORKLOAD_STRATEGY_KEYS = new Set(['build.openshift.io/builds', 'build.openshift.io/buildconfigs', 'apps.openshift.io/deploymentconfigs']);

export function prepareWorkloadForCreate(key: string, obj: KubeObject): void {
  const o = obj as any;
  o.metadata.generation = 1;
  if (key === 'build.openshift.io/builds') {
    o.status = o.status && typeof o.status === 'object' ? o.status : {};
    if (!o.status.phase) o.status.phase = 'New';
  } else if (key === 'build.openshift.io/buildconfigs') {
    const spec = (o.spec ??= {});
    spec.successfulBuildsHistoryLimit ??= 5;
    spec.failedBuildsHistoryLimit ??= 5;
  } else if (key === 'apps.openshift.io/deploymentconfigs') {
    // The Go status struct's required counters serialise as 0.
    o.status = { latestVersion: 0, observedGeneration: 0, replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 0 };
    for (const t of (o.spec?.triggers ?? []) as any[]) if (t?.imageChangeParams) t.imageChangeParams.lastTriggeredImage = '';
  }
}
