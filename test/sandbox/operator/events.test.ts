// core/v1 Events: recordEvent's naming, aggregation and bounds, and the Events the workload controller
// (scheduler, kubelet, replicaset/deployment controllers) records for a Deployment's life, run alone on a store.
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthRegistry } from '../apiserver/index.ts';
import { seedCluster } from '../profiles.ts';
import { createStore } from '../store.ts';
import type { KubeObject, Store } from '../types.ts';
import { EVENT_TTL_MS, MAX_EVENTS_PER_NAMESPACE, recordEvent } from './events.ts';
import { startWorkloadController, type WorkloadController } from './workloads.ts';

const NS = 'default';
let running: WorkloadController[] = [];

afterEach(() => {
  for (const c of running) c.stop();
  running = [];
});

function seeded(): Store {
  const store = createStore();
  seedCluster(store, createAuthRegistry(), {
    profile: 'aws', nodes: 3, ingressCaPem: 'I\n', wildcard: { certPem: 'W\n', keyPem: 'K\n' }, serviceCaPem: 'S\n', kubeadminPassword: 'x',
  });
  return store;
}

function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 15);
    };
    tick();
  });
}

const events = (s: Store, ns = NS): any[] => s.list('/events', ns).items;
const about = (s: Store, kind: string, name: string): any[] => events(s).filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
const reasons = (evs: any[]): string[] => evs.map((e) => e.reason);

describe('recordEvent', () => {
  it('names events <object>.<hex>, fills the recorder fields and aggregates identical events', () => {
    const s = seeded();
    const cm = s.create('/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: NS } });
    const e1 = recordEvent(s, cm, 'Updated', 'first', { component: 'test-controller' }) as any;
    expect(e1.metadata.name).toMatch(/^cm\.[0-9a-f]{12,}$/);
    expect(e1).toMatchObject({
      involvedObject: { kind: 'ConfigMap', namespace: NS, name: 'cm', uid: cm.metadata.uid, apiVersion: 'v1', resourceVersion: cm.metadata.resourceVersion },
      reason: 'Updated', message: 'first', type: 'Normal', count: 1, source: { component: 'test-controller' }, reportingComponent: 'test-controller',
    });
    expect(e1.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(e1.lastTimestamp).toBe(e1.firstTimestamp);
    const e2 = recordEvent(s, cm, 'Updated', 'first', { component: 'test-controller' }) as any;
    expect(e2.metadata.name).toBe(e1.metadata.name);
    expect(e2.count).toBe(2);
    recordEvent(s, cm, 'Updated', 'second', { component: 'test-controller', type: 'Warning' });
    expect(events(s).map((e) => [e.message, e.count, e.type])).toEqual(expect.arrayContaining([['first', 2, 'Normal'], ['second', 1, 'Warning']]));
    expect(events(s)).toHaveLength(2);
  });

  it('is bounded: expired events go, and a namespace keeps at most the newest MAX_EVENTS_PER_NAMESPACE', () => {
    const s = seeded();
    const cm = s.create('/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: NS } });
    const old = recordEvent(s, cm, 'Old', 'from long ago', { component: 'x' }) as any;
    s.update('/events', { ...old, lastTimestamp: new Date(Date.now() - EVENT_TTL_MS - 60_000).toISOString(), metadata: { ...old.metadata, resourceVersion: undefined } });
    recordEvent(s, cm, 'New', 'now', { component: 'x' });
    expect(reasons(events(s))).toEqual(['New']);
    for (let i = 0; i < MAX_EVENTS_PER_NAMESPACE + 20; i++) recordEvent(s, cm, 'Spam', `event ${i}`, { component: 'x' });
    const all = events(s);
    expect(all).toHaveLength(MAX_EVENTS_PER_NAMESPACE);
    expect(all.map((e) => e.message)).toContain(`event ${MAX_EVENTS_PER_NAMESPACE + 19}`);
  });

  it('never throws (e.g. a namespace that does not exist)', () => {
    const s = seeded();
    expect(recordEvent(s, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'nope', uid: 'u' } }, 'X', 'y', { component: 'kubelet' })).toBeUndefined();
  });
});

describe('the workload controller records Events', () => {
  it('deployment → replica set → pods: ScalingReplicaSet, SuccessfulCreate, Scheduled … Started; scale-down: SuccessfulDelete, Killing; restart', async () => {
    const s = seeded();
    const c = startWorkloadController(s, { podStartMs: 20 });
    running.push(c);
    s.create('apps/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'quay.io/example/web:1' }] } },
      },
    });
    const pods = () => s.list('/pods', NS, { labelSelector: 'app=web' }).items.filter((p) => !p.metadata.deletionTimestamp);
    const ready = () => pods().filter((p: any) => p.status?.phase === 'Running');
    await until(() => ready().length === 2 && about(s, 'Pod', pods()[1]!.metadata.name!).length >= 5);
    const rs = s.list('apps/replicasets', NS).items.find((x) => x.metadata.name!.startsWith('web-'))!;
    const dep = s.get('apps/deployments', NS, 'web')!;

    expect(about(s, 'Deployment', 'web').map((e) => e.message)).toEqual([`Scaled up replica set ${rs.metadata.name} to 2 from 0`]);
    expect(about(s, 'Deployment', 'web')[0]).toMatchObject({ reason: 'ScalingReplicaSet', type: 'Normal', source: { component: 'deployment-controller' }, involvedObject: { apiVersion: 'apps/v1', uid: dep.metadata.uid } });
    const rsEvents = about(s, 'ReplicaSet', rs.metadata.name!);
    expect(rsEvents.map((e) => e.message).sort()).toEqual(pods().map((p) => `Created pod: ${p.metadata.name}`).sort());
    expect(rsEvents.every((e) => e.reason === 'SuccessfulCreate' && e.source.component === 'replicaset-controller')).toBe(true);

    for (const p of pods() as any[]) {
      const evs = about(s, 'Pod', p.metadata.name);
      const node = p.spec.nodeName;
      expect(reasons(evs)).toEqual(['Scheduled', 'AddedInterface', 'Pulled', 'Created', 'Started']);
      expect(evs[0]).toMatchObject({ message: `Successfully assigned ${NS}/${p.metadata.name} to ${node}`, source: { component: 'default-scheduler' } });
      expect(evs[0].involvedObject.fieldPath).toBeUndefined();
      expect(evs[1]).toMatchObject({ source: { component: 'multus' }, message: `Add eth0 [${p.status.podIP}/23] from ovn-kubernetes` });
      expect(evs[2].message).toBe('Container image "quay.io/example/web:1" already present on machine');
      expect(evs[3].message).toBe('Created container web');
      expect(evs[4].message).toBe('Started container web');
      for (const e of evs.slice(2)) {
        expect(e).toMatchObject({ type: 'Normal', count: 1, source: { component: 'kubelet', host: node }, reportingComponent: 'kubelet', reportingInstance: node });
        expect(e.involvedObject).toMatchObject({ kind: 'Pod', namespace: NS, name: p.metadata.name, uid: p.metadata.uid, apiVersion: 'v1', fieldPath: 'spec.containers{web}' });
        expect(e.metadata.name).toMatch(new RegExp(`^${p.metadata.name}\\.[0-9a-f]+$`));
      }
    }

    // A crash + restart: a new container ID (the old one in lastState), the start events again (aggregated: count 2).
    const victim = pods()[0]! as any;
    const oldId = victim.status.containerStatuses[0].containerID;
    expect(oldId).toMatch(/^cri-o:\/\/[0-9a-f]{64}$/);
    c.restartContainer(NS, victim.metadata.name);
    const cs = (s.get('/pods', NS, victim.metadata.name)!.status as any).containerStatuses[0];
    expect(cs.containerID).toMatch(/^cri-o:\/\/[0-9a-f]{64}$/);
    expect(cs.containerID).not.toBe(oldId);
    expect(cs.lastState.terminated.containerID).toBe(oldId);
    const after = about(s, 'Pod', victim.metadata.name);
    expect(after.filter((e) => ['Pulled', 'Created', 'Started'].includes(e.reason)).map((e) => e.count)).toEqual([2, 2, 2]);
    expect(reasons(after)).not.toContain('BackOff');

    // Scale down: the deployment scales the replica set, which deletes a pod; the kubelet stops its container.
    const dep2 = s.get('apps/deployments', NS, 'web')! as any;
    dep2.spec.replicas = 1;
    s.update('apps/deployments', dep2);
    await until(() => about(s, 'ReplicaSet', rs.metadata.name!).some((e) => e.reason === 'SuccessfulDelete'));
    expect(about(s, 'Deployment', 'web').map((e) => e.message)).toContain(`Scaled down replica set ${rs.metadata.name} to 1 from 2`);
    const del = about(s, 'ReplicaSet', rs.metadata.name!).find((e) => e.reason === 'SuccessfulDelete')!;
    const gone = del.message.replace('Deleted pod: ', '');
    expect(about(s, 'Pod', gone).find((e) => e.reason === 'Killing')).toMatchObject({ message: 'Stopping container web', involvedObject: { fieldPath: 'spec.containers{web}' } });
  });

  it('a pod that cannot be scheduled gets a Warning FailedScheduling', async () => {
    const s = seeded();
    for (const n of s.list('/nodes').items) s.update('/nodes', { ...n, spec: { ...(n.spec as object), unschedulable: true }, metadata: { ...n.metadata, resourceVersion: undefined } });
    running.push(startWorkloadController(s, { podStartMs: 20 }));
    s.create('apps/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'stuck', namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: { app: 'stuck' } }, template: { metadata: { labels: { app: 'stuck' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    });
    await until(() => events(s).some((e: KubeObject & any) => e.reason === 'FailedScheduling'));
    const e = events(s).find((x) => x.reason === 'FailedScheduling');
    expect(e).toMatchObject({ type: 'Warning', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod' } });
  });
});
