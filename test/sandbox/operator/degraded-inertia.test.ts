// How long the registry may be unavailable before the operator reports Degraded: one minute in release-4.17
// (cluster-image-registry-operator pkg/operator/status.go syncStatus: time.Since(Available.LastTransitionTime) >
// time.Minute → Degraded True "Unavailable" with the Available message). The default is tested without waiting: the
// Config's Available condition is seeded False since a chosen moment, as the `degraded` profile seeds it an hour back.
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthRegistry } from '../apiserver/index.ts';
import { platformOf, seedCluster } from '../profiles.ts';
import { createStore } from '../store.ts';
import type { Store } from '../types.ts';
import { startControllers, type Controllers } from './index.ts';

const CFG = 'imageregistry.operator.openshift.io/configs';
let running: Controllers[] = [];
afterEach(() => {
  for (const c of running) c.stop();
  running = [];
});

/** The `degraded` profile (storage that cannot be synced, no deployment) with Available False since `agoMs`. */
function unavailableSince(agoMs: number): Store {
  const store = createStore();
  seedCluster(store, createAuthRegistry(), {
    profile: 'degraded', nodes: 1, ingressCaPem: 'INGRESS-CA\n', wildcard: { certPem: 'WILDCARD\n', keyPem: 'KEY\n' }, serviceCaPem: 'SERVICE-CA\n', kubeadminPassword: 'x',
  });
  const cfg = store.get(CFG, undefined, 'cluster')!;
  const available = (cfg.status as any).conditions.find((c: any) => c.type === 'Available');
  available.lastTransitionTime = new Date(Date.now() - agoMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  store.update(CFG, cfg, { subresource: 'status' });
  // Default options: the operator's own inertia is what is tested.
  running.push(startControllers(store, { platform: platformOf('degraded'), podStartMs: 20 }));
  return store;
}

function until(store: Store, pred: (s: Store) => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred(store)) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 15);
    };
    tick();
  });
}

const cond = (s: Store, type: string): any => ((s.get(CFG, undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
const co = (s: Store, type: string): any => ((s.get('config.openshift.io/clusteroperators', undefined, 'image-registry')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);

describe('registry operator: Degraded after one minute without availability (release-4.17)', () => {
  it('unavailable for just over a minute: Degraded True Unavailable with the Available message, on the ClusterOperator too', async () => {
    const s = unavailableSince(61_000);
    await until(s, () => cond(s, 'Progressing')?.reason === 'Error' && co(s, 'Degraded') !== undefined);
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'DeploymentNotFound', message: 'The deployment does not exist' });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'Unavailable', message: 'The deployment does not exist' });
    expect(co(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'Unavailable', message: 'Degraded: The deployment does not exist' });
  });

  it('unavailable for less than a minute: not Degraded yet (no reason, no message: both omitempty)', async () => {
    const s = unavailableSince(45_000);
    await until(s, () => cond(s, 'Progressing')?.reason === 'Error' && co(s, 'Degraded') !== undefined);
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'DeploymentNotFound' });
    const degraded = cond(s, 'Degraded');
    expect([degraded.status, degraded.reason, degraded.message]).toEqual(['False', undefined, undefined]);
    expect(co(s, 'Degraded')).toMatchObject({ status: 'False' });
  });
});
