// openshift-controller-manager's per-namespace defaults: the service accounts default/builder/deployer
// and the RoleBindings system:image-pullers, system:image-builders, system:deployers.
import type { Store } from '../types.ts';
import { Loop, tryGet, tryList } from './util.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';

function bindings(ns: string) {
  const rbac = 'rbac.authorization.k8s.io';
  const mk = (name: string, role: string, desc: string, subject: Record<string, string>) => ({
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: ns, annotations: { 'openshift.io/description': desc } },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    subjects: [subject],
  });
  return [
    mk('system:image-pullers', 'system:image-puller', 'Allows all pods in this namespace to pull images from this namespace.  It is auto-managed by a controller; remove subjects to disable.',
      { apiGroup: rbac, kind: 'Group', name: `system:serviceaccounts:${ns}` }),
    mk('system:image-builders', 'system:image-builder', 'Allows builds in this namespace to push images to this namespace.  It is auto-managed by a controller; remove subjects to disable.',
      { kind: 'ServiceAccount', name: 'builder', namespace: ns }),
    mk('system:deployers', 'system:deployer', 'Allows deploymentconfigs in this namespace to rollout pods in this namespace.  It is auto-managed by a controller; remove subjects to disable.',
      { kind: 'ServiceAccount', name: 'deployer', namespace: ns }),
  ];
}

export function startProjectDefaults(store: Store, opts: { onError?: (e: unknown) => void } = {}): { stop(): void; loop: Loop } {
  // Each namespace is initialised once, like the real controllers (deleting a binding later sticks).
  const done = new Set<string>();
  const loop = new Loop('project-defaults', reconcile, opts.onError);

  function reconcile(): void {
    const live = new Set<string>();
    for (const n of tryList(store, '/namespaces')) {
      const ns = n.metadata.name!;
      live.add(`${ns}/${n.metadata.uid}`);
      if (done.has(`${ns}/${n.metadata.uid}`) || n.metadata.deletionTimestamp) continue;
      for (const sa of ['default', 'builder', 'deployer']) {
        if (!tryGet(store, '/serviceaccounts', ns, sa)) {
          try {
            store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
          } catch { /* raced with someone else */ }
        }
      }
      for (const b of bindings(ns)) {
        if (!tryGet(store, RB, ns, b.metadata.name)) {
          try {
            store.create(RB, b);
          } catch { /* exists */ }
        }
      }
      done.add(`${ns}/${n.metadata.uid}`);
    }
    for (const k of done) if (!live.has(k)) done.delete(k);
  }

  const off = store.on((key, e) => {
    if (key === '/namespaces' && e.type === 'ADDED') loop.trigger();
  });
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}
