// The in-process controllers against A's store only (no servers): operator conditions and messages,
// routes, CA bundles, ClusterOperator, rollouts, route admission and project defaults.
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthRegistry } from '../apiserver/index.ts';
import { seedCluster, type ProfileName, platformOf } from '../profiles.ts';
import { createStore } from '../store.ts';
import type { KubeObject, Store } from '../types.ts';
import { aggregate } from './clusteroperator.ts';
import { startControllers, type Controllers } from './index.ts';

const CFG = 'imageregistry.operator.openshift.io/configs';
const NS = 'openshift-image-registry';
let running: Controllers[] = [];

afterEach(() => {
  for (const c of running) c.stop();
  running = [];
});

function cluster(profile: ProfileName, opts: { degradedAfterMs?: number; mutate?: (s: Store) => void } = {}): Store {
  const store = createStore();
  seedCluster(store, createAuthRegistry(), {
    profile, nodes: 3, ingressCaPem: 'INGRESS-CA\n', wildcard: { certPem: 'WILDCARD\n', keyPem: 'KEY\n' }, serviceCaPem: 'SERVICE-CA\n', kubeadminPassword: 'x',
  });
  opts.mutate?.(store);
  running.push(startControllers(store, { platform: platformOf(profile), podStartMs: 20, degradedAfterMs: opts.degradedAfterMs }));
  return store;
}

function until(store: Store, pred: (s: Store) => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let ok = false;
      try {
        ok = pred(store);
      } catch { /* not yet */ }
      if (ok) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 15);
    };
    tick();
  });
}

const cond = (s: Store, type: string): any => ((s.get(CFG, undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
const co = (s: Store, type: string): any => ((s.get('config.openshift.io/clusteroperators', undefined, 'image-registry')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);

function patchSpec(s: Store, f: (spec: any) => void): void {
  const cfg = s.get(CFG, undefined, 'cluster')!;
  f(cfg.spec);
  s.update(CFG, cfg);
}

function registryPods(s: Store): KubeObject[] {
  return s.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items;
}

describe('registry operator', () => {
  it('aws: Available/Ready with 2 ready pods spread over nodes, service, node-ca per node, ClusterOperator', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready' && cond(s, 'NodeCADaemonAvailable')?.status === 'True' && co(s, 'Available')?.status === 'True');
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Ready', message: 'The registry is ready' });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'False' });
    expect(cond(s, 'StorageExists')).toMatchObject({ status: 'True', reason: 'S3 Bucket Exists' });
    const cfg = s.get(CFG, undefined, 'cluster') as any;
    expect(cfg.status.readyReplicas).toBe(2);
    expect(cfg.status.observedGeneration).toBe(cfg.metadata.generation);
    expect(cfg.status.storageManaged).toBe(true);
    expect(cfg.status.storage.s3.bucket).toBe(cfg.spec.storage.s3.bucket);
    expect(cfg.spec.httpSecret).toMatch(/^[0-9a-f]{128}$/);
    expect(cfg.metadata.finalizers).toContain('imageregistry.operator.openshift.io/finalizer');
    const pods = registryPods(s);
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.name).toMatch(/^image-registry-[a-z0-9]{10}-[a-z0-9]{5}$/);
    expect(new Set(pods.map((p: any) => p.spec.nodeName)).size).toBe(2);
    expect(s.list('/pods', NS, { labelSelector: 'name=node-ca' }).items).toHaveLength(3);
    const svc = s.get('/services', NS, 'image-registry') as any;
    expect(svc.spec.ports[0]).toMatchObject({ name: '5000-tcp', port: 5000 });
    const dep = s.get('apps/deployments', NS, 'image-registry') as any;
    expect(dep.metadata.annotations['release.openshift.io/version']).toBeTruthy();
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } });
    const env = Object.fromEntries(dep.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ REGISTRY_STORAGE: 's3', REGISTRY_STORAGE_S3_REGION: 'us-east-1', REGISTRY_STORAGE_S3_CREDENTIALSCONFIGPATH: '/var/run/secrets/cloud/credentials' });
    expect(dep.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });
    expect(dep.status.conditions.find((c: any) => c.type === 'Progressing').reason).toBe('NewReplicaSetAvailable');
    expect(co(s, 'Available').message).toBe('Available: The registry is ready\nNodeCADaemonAvailable: The daemon set node-ca has available replicas\nImagePrunerAvailable: Pruner CronJob has been created');
    expect(co(s, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    const img = s.get('config.openshift.io/images', undefined, 'cluster') as any;
    expect(img.status.internalRegistryHostname).toBe('image-registry.openshift-image-registry.svc:5000');
    const certs = s.get('/configmaps', NS, 'image-registry-certificates') as any;
    expect(certs.data['image-registry.openshift-image-registry.svc..5000']).toBe('SERVICE-CA\n');
    const pruner = s.get('imageregistry.operator.openshift.io/imagepruners', undefined, 'cluster') as any;
    expect(pruner.status.conditions.map((c: any) => c.type)).toEqual(['Available', 'Failed', 'Scheduled', 'Degraded']);
    // Startup lines in the real registry's format.
    const lines = s.logs.read(NS, pods[0]!.metadata.name!, 'registry').map((l) => l.line);
    expect(lines.some((l) => /level=info msg="start registry"/.test(l))).toBe(true);
    expect(lines.some((l) => /msg="listening on :5000, tls"/.test(l))).toBe(true);
    const opPod = s.list('/pods', NS, { labelSelector: 'name=cluster-image-registry-operator' }).items[0]!;
    expect(s.logs.read(NS, opPod.metadata.name!, 'cluster-image-registry-operator').length).toBeGreaterThan(3);
  });

  it('baremetal: Removed, no deployment; Managed without storage → StorageNotConfigured', async () => {
    const s = cluster('baremetal');
    await until(s, () => cond(s, 'Removed')?.status === 'True');
    expect(cond(s, 'Available')).toMatchObject({ status: 'True', reason: 'Removed', message: 'The registry is removed' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Removed', message: 'All registry resources are removed' });
    expect(s.get('apps/deployments', NS, 'image-registry')).toBeUndefined();
    patchSpec(s, (sp) => (sp.managementState = 'Managed'));
    await until(s, () => cond(s, 'Degraded')?.reason === 'StorageNotConfigured');
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'StorageNotConfigured', message: 'Error: storage backend not configured' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Error', message: 'Unable to apply resources: storage backend not configured' });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'True', message: 'Error: storage backend not configured' });
    patchSpec(s, (sp) => (sp.storage = { oss: { bucket: 'b' } }));
    await until(s, () => cond(s, 'Degraded')?.reason === 'StorageNotConfigured' && (s.get(CFG, undefined, 'cluster') as any).status.observedGeneration === s.get(CFG, undefined, 'cluster')!.metadata.generation);
  });

  it('degraded: S3 user secret without the secret key → real messages, Degraded', async () => {
    const s = cluster('degraded');
    await until(s, () => cond(s, 'Degraded')?.status === 'True');
    const msg = 'secret "openshift-image-registry/image-registry-private-configuration-user" does not contain required key "REGISTRY_STORAGE_S3_SECRETKEY"';
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'Error', message: `Unable to apply resources: unable to sync storage configuration: ${msg}` });
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'DeploymentNotFound' });
    expect(cond(s, 'Degraded')).toMatchObject({ reason: 'Unavailable', message: 'The deployment does not exist' });
    expect(cond(s, 'StorageExists')).toMatchObject({ status: 'Unknown', reason: 'S3 Configuration Changed' });
    await until(s, () => co(s, 'Degraded')?.status === 'True');
    expect(co(s, 'Progressing').message).toContain(msg);
    expect(co(s, 'Degraded').reason).toBe('Unavailable');
  });

  it('missing user secret and missing minted credentials', async () => {
    const s = cluster('aws', {
      mutate: (st) => {
        st.delete('/secrets', NS, 'image-registry-private-configuration-user');
        st.delete('/secrets', NS, 'installer-cloud-credentials');
      },
    });
    await until(s, () => cond(s, 'Progressing')?.reason === 'Error');
    expect(cond(s, 'Progressing')!.message).toBe('Unable to apply resources: unable to sync storage configuration: unable to get cluster minted credentials "openshift-image-registry/installer-cloud-credentials": secret "installer-cloud-credentials" not found');
  });

  it('PVC access modes, two storage types and negative replicas give the CIRO messages', async () => {
    const s = cluster('baremetal', { degradedAfterMs: 0 });
    await until(s, () => cond(s, 'Removed')?.status === 'True');
    // Bare metal's `standard` class is kubernetes.io/no-provisioner: the admin creates the volume.
    s.create('/persistentvolumes', { metadata: { name: 'pv-rwo' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'standard', hostPath: { path: '/srv/rwo' } } });
    s.create('/persistentvolumeclaims', { metadata: { name: 'rwo', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } });
    s.create('/persistentvolumeclaims', { metadata: { name: 'rox', namespace: NS }, spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '10Gi' } } } });
    patchSpec(s, (sp) => Object.assign(sp, { managementState: 'Managed', replicas: 1, rolloutStrategy: 'RollingUpdate', storage: { pvc: { claim: 'rwo' } } }));
    const rwo = 'cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy';
    await until(s, () => cond(s, 'Progressing')?.message === `Unable to apply resources: unable to sync storage configuration: ${rwo}` && cond(s, 'Degraded')?.status === 'True');
    expect(cond(s, 'StorageExists')).toMatchObject({ status: 'False', reason: 'PVC Issues Found', message: rwo });
    patchSpec(s, (sp) => (sp.replicas = 2));
    await until(s, () => cond(s, 'StorageExists')?.message === 'cannot use ReadWriteOnce access mode with more than one replica of the image registry');
    patchSpec(s, (sp) => (sp.storage = { pvc: { claim: 'rox' } }));
    await until(s, () => cond(s, 'StorageExists')?.message === 'PVC rox does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce');
    patchSpec(s, (sp) => (sp.storage = { s3: { bucket: 'b' }, pvc: { claim: 'rwo' } }));
    await until(s, () => cond(s, 'Progressing')?.message === 'Unable to apply resources: unable to sync storage configuration: exactly one storage type should be configured at the same time, got 2: [S3 PVC]');
    patchSpec(s, (sp) => Object.assign(sp, { replicas: -1, storage: { emptyDir: {} } }));
    await until(s, () => cond(s, 'Degraded')?.reason === 'VerificationFailed');
    expect(cond(s, 'Degraded')!.message).toBe('Error: unable to complete resource: replicas must be greater than or equal to 0');
    // RWO with Recreate and one replica works.
    patchSpec(s, (sp) => Object.assign(sp, { replicas: 1, rolloutStrategy: 'Recreate', storage: { pvc: { claim: 'rwo' } } }));
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    expect(cond(s, 'StorageExists')).toMatchObject({ status: 'True', reason: 'PVC Exists' });
  });

  it('pvc with an empty claim creates the default PVC', async () => {
    const s = cluster('baremetal');
    await until(s, () => cond(s, 'Removed')?.status === 'True');
    s.create('/persistentvolumes', { metadata: { name: 'pv-rwx' }, spec: { capacity: { storage: '100Gi' }, accessModes: ['ReadWriteMany'], storageClassName: 'standard', nfs: { server: 'nfs.example.com', path: '/registry' } } });
    patchSpec(s, (sp) => Object.assign(sp, { managementState: 'Managed', replicas: 1, storage: { pvc: { claim: '' } } }));
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    const pvc = s.get('/persistentvolumeclaims', NS, 'image-registry-storage') as any;
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.metadata.annotations['imageregistry.openshift.io']).toBe('true');
    const cfg = s.get(CFG, undefined, 'cluster') as any;
    expect(cfg.spec.storage.pvc.claim).toBe('image-registry-storage');
    expect(cfg.spec.storage.managementState).toBe('Managed');
    expect(cond(s, 'StorageExists')).toMatchObject({ status: 'True', reason: 'PVC Created' });
    expect(pvc.spec.volumeName).toBe('pv-rwx');
  });

  it('routes: default route, custom route with TLS secret, duplicates, removal, image.config hosts', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    patchSpec(s, (sp) => (sp.defaultRoute = true));
    const host = 'default-route-openshift-image-registry.apps.sandbox.example.com';
    await until(s, () => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? [])[0] === host);
    const r = s.get('route.openshift.io/routes', NS, 'default-route') as any;
    expect(r.metadata.annotations['imageregistry.openshift.io']).toBe('true');
    expect(r.spec).toMatchObject({ host, to: { kind: 'Service', name: 'image-registry' }, tls: { termination: 'reencrypt' } });
    expect(r.status.ingress[0]).toMatchObject({ host, routerName: 'default', wildcardPolicy: 'None', conditions: [{ type: 'Admitted', status: 'True' }] });

    patchSpec(s, (sp) => (sp.routes = [{ name: 'public-routes', hostname: 'registry.example.com', secretName: 'public-route-tls' }]));
    await until(s, () => cond(s, 'Progressing')?.reason === 'Error');
    expect(cond(s, 'Progressing')!.message).toMatch(/Name=public-routes: secret "public-route-tls" not found$/);
    const b = (x: string) => Buffer.from(x).toString('base64');
    s.create('/secrets', { metadata: { name: 'public-route-tls', namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': b('CRT'), 'tls.key': b('KEY'), 'tls.cacrt': b('CA') } });
    await until(s, () => !!s.get('route.openshift.io/routes', NS, 'public-routes') && cond(s, 'Progressing')?.reason === 'Ready');
    expect((s.get('route.openshift.io/routes', NS, 'public-routes') as any).spec.tls).toEqual({ termination: 'reencrypt', certificate: 'CRT', key: 'KEY', caCertificate: 'CA' });
    await until(s, () => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []).length === 2);
    expect((s.get('config.openshift.io/images', undefined, 'cluster') as any).status.externalRegistryHostnames).toEqual([host, 'registry.example.com']);

    patchSpec(s, (sp) => sp.routes.push({ name: 'default-route' }));
    await until(s, () => cond(s, 'Degraded')?.reason === 'VerificationFailed');
    expect(cond(s, 'Degraded')!.message).toBe('Error: unable to complete resource: duplication of names has been detected in the additional routes');

    patchSpec(s, (sp) => Object.assign(sp, { defaultRoute: false, routes: [] }));
    await until(s, () => s.list('route.openshift.io/routes', NS).items.length === 0);
    await until(s, () => (s.get('config.openshift.io/images', undefined, 'cluster') as any).status.externalRegistryHostnames === undefined);
  });

  it('a route of another namespace claiming the default route host is not admitted', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    patchSpec(s, (sp) => (sp.defaultRoute = true));
    const host = 'default-route-openshift-image-registry.apps.sandbox.example.com';
    await until(s, () => !!(s.get('route.openshift.io/routes', NS, 'default-route')?.status as any)?.ingress);
    s.create('route.openshift.io/routes', { metadata: { name: 'thief', namespace: 'default' }, spec: { host, to: { kind: 'Service', name: 'x' } } });
    await until(s, () => !!(s.get('route.openshift.io/routes', 'default', 'thief')?.status as any)?.ingress);
    const c = (s.get('route.openshift.io/routes', 'default', 'thief') as any).status.ingress[0].conditions[0];
    expect(c).toMatchObject({ type: 'Admitted', status: 'False', reason: 'HostAlreadyClaimed', message: `route default-route already exposes ${host} and is older` });
  });

  it('additionalTrustedCA keys land in image-registry-certificates only; a missing ConfigMap degrades the controller', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    const img = s.get('config.openshift.io/images', undefined, 'cluster')!;
    (img.spec as any) = { additionalTrustedCA: { name: 'registry-cas' } };
    s.update('config.openshift.io/images', img);
    await until(s, () => cond(s, 'ImageRegistryCertificatesControllerDegraded')?.status === 'True');
    // ApplyMutator's wrapping (pkg/resource/generator.go) around the generator's lister error (caconfig.go).
    expect(cond(s, 'ImageRegistryCertificatesControllerDegraded').message).toBe(
      'failed to update object *v1.ConfigMap, Namespace=openshift-image-registry, Name=image-registry-certificates: image-registry-certificates: configmap "registry-cas" not found',
    );
    s.create('/configmaps', { metadata: { name: 'registry-cas', namespace: 'openshift-config' }, data: { 'myregistry.example.com..5000': 'CA1', 'other.example.com': 'CA2' } });
    await until(s, () => !!(s.get('/configmaps', NS, 'image-registry-certificates')?.data as any)?.['other.example.com']);
    const certs = s.get('/configmaps', NS, 'image-registry-certificates') as any;
    expect(Object.keys(certs.data).sort()).toEqual(['image-registry.openshift-image-registry.svc..5000', 'image-registry.openshift-image-registry.svc.cluster.local..5000', 'myregistry.example.com..5000', 'other.example.com']);
    expect(Object.keys((s.get('/configmaps', 'openshift-config-managed', 'image-registry-ca') as any).data)).not.toContain('other.example.com');
    expect(cond(s, 'ImageRegistryCertificatesControllerDegraded').status).toBe('False');
  });

  it('Removed deletes the deployment and its pods; Unmanaged leaves things alone', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    patchSpec(s, (sp) => (sp.managementState = 'Unmanaged'));
    await until(s, () => cond(s, 'Available')?.reason === 'Unmanaged');
    const dep = s.get('apps/deployments', NS, 'image-registry')!;
    (dep.spec as any).replicas = 3;
    s.update('apps/deployments', dep);
    await until(s, () => registryPods(s).length === 3);
    expect((s.get('apps/deployments', NS, 'image-registry')!.spec as any).replicas).toBe(3);
    patchSpec(s, (sp) => (sp.managementState = 'Removed'));
    await until(s, () => cond(s, 'Removed')?.status === 'True' && registryPods(s).length === 0);
    expect(s.get('apps/deployments', NS, 'image-registry')).toBeUndefined();
    expect(co(s, 'Available')).toMatchObject({ status: 'True', reason: 'Removed' });
  });
});

describe('deployments', () => {
  it('RollingUpdate keeps availability and surges one pod at a time; Recreate stops old pods first', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready');
    const seen = new Set<string>();
    let maxAlive = 0;
    let minReady = 99;
    let sawTerminating = false;
    const off = s.on((key) => {
      if (key !== '/pods') return;
      const pods = registryPods(s);
      const alive = pods.filter((p) => !p.metadata.deletionTimestamp);
      if (alive.length < pods.length) sawTerminating = true;
      maxAlive = Math.max(maxAlive, alive.length);
      minReady = Math.min(minReady, alive.filter((p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')).length);
      for (const p of pods) seen.add(p.metadata.labels!['pod-template-hash']!);
    });
    const firstHash = registryPods(s)[0]!.metadata.labels!['pod-template-hash'];
    patchSpec(s, (sp) => (sp.logLevel = 'Debug'));
    await until(s, () => seen.size === 2 && cond(s, 'Progressing')?.reason === 'Ready' && registryPods(s).length === 2 && registryPods(s).every((p) => p.metadata.labels!['pod-template-hash'] !== firstHash));
    off();
    expect(maxAlive).toBe(3); // 2 replicas + maxSurge 1
    expect(minReady).toBeGreaterThanOrEqual(1); // maxUnavailable 1
    expect(sawTerminating).toBe(true);
    expect(s.list('apps/replicasets', NS, { labelSelector: 'docker-registry=default' }).items).toHaveLength(2);
    expect((s.get('apps/deployments', NS, 'image-registry')!.metadata.annotations as any)['deployment.kubernetes.io/revision']).toBe('2');

    let overlap = false;
    const hashes = () => new Set(registryPods(s).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.labels!['pod-template-hash']));
    const off2 = s.on((key) => {
      if (key === '/pods' && hashes().size > 1) overlap = true;
    });
    patchSpec(s, (sp) => Object.assign(sp, { rolloutStrategy: 'Recreate' }));
    await until(s, () => (s.get('apps/deployments', NS, 'image-registry')!.spec as any).strategy.type === 'Recreate' && cond(s, 'Progressing')?.reason === 'Ready' && registryPods(s).length === 2);
    off2();
    expect(overlap).toBe(false);
  });

  it('a scale-up is not complete until every replica is available (CIRO isDeploymentStatusComplete, not the Deployment condition)', async () => {
    const s = cluster('aws');
    await until(s, () => cond(s, 'Available')?.reason === 'Ready' && cond(s, 'Progressing')?.reason === 'Ready');
    const pairs = new Set<string>();
    const off = s.on((key) => {
      if (key === CFG) pairs.add(`${cond(s, 'Available')?.reason}|${cond(s, 'Progressing')?.status} ${cond(s, 'Progressing')?.reason}`);
    });
    patchSpec(s, (sp) => (sp.replicas = 3));
    await until(s, () => registryPods(s).length === 3 && cond(s, 'Available')?.reason === 'Ready' && cond(s, 'Progressing')?.reason === 'Ready');
    off();
    // The Deployment keeps Progressing NewReplicaSetAvailable through a scale; CIRO still reports the rollout open.
    expect(pairs).toContain('MinimumAvailability|True DeploymentNotCompleted');
    expect(pairs).not.toContain('MinimumAvailability|False Ready');
    expect(cond(s, 'Available')).toMatchObject({ status: 'True', message: 'The registry is ready' });
  });
});

describe('container restarts', () => {
  it('restartContainer bumps restartCount and keeps the old log as --previous', async () => {
    const store = createStore();
    seedCluster(store, createAuthRegistry(), {
      profile: 'aws', nodes: 3, ingressCaPem: 'I\n', wildcard: { certPem: 'W\n', keyPem: 'K\n' }, serviceCaPem: 'S\n', kubeadminPassword: 'x',
    });
    const c = startControllers(store, { platform: 'AWS', podStartMs: 20 });
    running.push(c);
    await until(store, () => cond(store, 'Available')?.reason === 'Ready');
    const pod = registryPods(store)[0]!.metadata.name!;
    store.logs.append(NS, pod, 'registry', 'before the crash');
    c.restartContainer(NS, pod);
    const st = (store.get('/pods', NS, pod)!.status as any).containerStatuses[0];
    expect(st.restartCount).toBe(1);
    expect(st.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(store.logs.read(NS, pod, 'registry', { previous: true }).map((l) => l.line)).toContain('before the crash');
    expect(store.logs.read(NS, pod, 'registry')[0]!.line).toMatch(/msg="start registry"/);
  });
});

describe('project defaults', () => {
  it('a new namespace gets service accounts and the three default RoleBindings', async () => {
    const s = cluster('baremetal');
    s.create('/namespaces', { metadata: { name: 'team-a' } });
    await until(s, () => s.list('rbac.authorization.k8s.io/rolebindings', 'team-a').items.length === 3);
    const rbs = Object.fromEntries(s.list('rbac.authorization.k8s.io/rolebindings', 'team-a').items.map((r: any) => [r.metadata.name, r]));
    expect(rbs['system:image-pullers'].subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:team-a' }]);
    expect(rbs['system:image-builders'].roleRef.name).toBe('system:image-builder');
    expect(rbs['system:deployers'].subjects[0]).toEqual({ kind: 'ServiceAccount', name: 'deployer', namespace: 'team-a' });
    expect(s.list('/serviceaccounts', 'team-a').items.map((x) => x.metadata.name).sort()).toEqual(['builder', 'default', 'deployer']);
  });
});

describe('ClusterOperator aggregation', () => {
  it('prefixes reasons and messages like CIRO', () => {
    const t = '2024-01-01T00:00:00Z';
    const c = aggregate([
      { type: 'Degraded', status: 'True', reason: 'Unavailable', message: 'The deployment does not exist', lastTransitionTime: t },
      { type: 'NodeCADaemonControllerDegraded', status: 'True', reason: 'Error', message: 'boom', lastTransitionTime: '2024-01-02T00:00:00Z' },
      { type: 'ImagePrunerDegraded', status: 'False', reason: 'AsExpected', lastTransitionTime: t },
    ], 'Degraded');
    expect(c).toEqual({
      type: 'Degraded', status: 'True', reason: 'NodeCADaemonControllerError::Unavailable', lastTransitionTime: '2024-01-02T00:00:00Z',
      message: 'Degraded: The deployment does not exist\nNodeCADaemonControllerDegraded: boom',
    });
  });
});
