// cluster-image-registry-operator, in process: reconciles configs.imageregistry.operator.openshift.io/cluster
// into the registry Deployment, Service, Routes and credentials secret, and writes the Config status, the
// image.config status, the CA ConfigMaps, node-ca, the ImagePruner and ClusterOperator image-registry.
// Config Available/Progressing/Degraded: openshift/cluster-image-registry-operator pkg/operator/status.go
// (syncStatus, isDeploymentStatusComplete) and status_test.go, release-4.17.
import { randomBytes } from 'node:crypto';
import type { KubeObject, Store } from '../types.ts';
import { RELATED_OBJECTS, aggregate } from './clusteroperator.ts';
import { OperatorLog } from './logs.ts';
import { IMAGE_REGISTRY, ROUTE_MARKER, SERVICE_HOST, renderDeployment, renderNodeCA, renderRoute, renderService } from './render.ts';
import { allocateHost, routingSubdomain } from './routes.ts';
import { DEFAULT_PVC, PRIVATE_SECRET, StorageError, StorageNotConfigured, syncStorage, type StorageResult } from './storage.ts';
import {
  type Condition, Loop, REGISTRY_NS, RELEASE_VERSION, applyOwned, b64, ensure, get, jsonEqual, now, setCondition, sha256Hex, tryDelete, tryGet, tryList, unb64, writeStatus,
} from './util.ts';

const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const PRUNERS = 'imageregistry.operator.openshift.io/imagepruners';
const IMAGES = 'config.openshift.io/images';
const COS = 'config.openshift.io/clusteroperators';
const ROUTES = 'route.openshift.io/routes';
const DEP = 'apps/deployments';
const DS = 'apps/daemonsets';
const FINALIZER = 'imageregistry.operator.openshift.io/finalizer';

export type Platform = 'AWS' | 'Azure' | 'GCP' | 'IBMCloud' | 'OpenStack' | 'BareMetal' | 'VSphere' | 'None' | 'Libvirt';

export interface RegistryOperatorOptions {
  platform: Platform;
  /** Cluster infrastructure name (bucket name prefix). */
  infraName?: string;
  region?: string;
  /**
   * Available≠True for longer than this → Degraded Unavailable. Default 1 min: release-4.17 pkg/operator/status.go
   * (`time.Since(Available.LastTransitionTime) > time.Minute`; main has since raised it to 5 min, unavailableDegradedInertia).
   */
  degradedAfterMs?: number;
  /** Service-serving certificate for image-registry-tls (what service-ca-operator would write). */
  servingCert?: { certPem: string; keyPem: string };
  /** The cluster's release: the operands' `release.openshift.io/version` and the ClusterOperator's versions. Default 4.17.12. */
  releaseVersion?: string;
  onError?: (e: unknown) => void;
}

class ApplyError extends Error {
  constructor(message: string, readonly permanentReason?: string) {
    super(message);
  }
}

export function httpSecret(): string {
  return randomBytes(64).toString('hex');
}

/** The Config the operator bootstraps for a platform (pkg/operator/bootstrap.go + storage.GetPlatformStorage). */
export function bootstrapConfig(platform: Platform): KubeObject {
  let storage: Record<string, unknown> = {};
  let replicas = 1;
  let managementState = 'Managed';
  switch (platform) {
    case 'AWS': storage = { s3: {} }; replicas = 2; break;
    case 'Azure': storage = { azure: {} }; replicas = 2; break;
    case 'GCP': storage = { gcs: {} }; replicas = 2; break;
    case 'IBMCloud': storage = { ibmcos: {} }; replicas = 2; break;
    case 'OpenStack': storage = { pvc: { claim: DEFAULT_PVC } }; replicas = 1; break;
    case 'BareMetal': case 'VSphere': case 'None': managementState = 'Removed'; break;
    default: storage = { emptyDir: {} };
  }
  return {
    apiVersion: 'imageregistry.operator.openshift.io/v1',
    kind: 'Config',
    metadata: { name: 'cluster', finalizers: [FINALIZER] },
    spec: {
      logLevel: 'Normal',
      operatorLogLevel: 'Normal',
      managementState,
      httpSecret: httpSecret(),
      proxy: {},
      storage,
      requests: { read: { maxWaitInQueue: '0s' }, write: { maxWaitInQueue: '0s' } },
      replicas,
      rolloutStrategy: platform === 'OpenStack' ? 'Recreate' : 'RollingUpdate',
    },
  };
}

export function defaultPruner(): KubeObject {
  return {
    apiVersion: 'imageregistry.operator.openshift.io/v1',
    kind: 'ImagePruner',
    metadata: { name: 'cluster' },
    spec: {
      schedule: '',
      suspend: false,
      keepTagRevisions: 3,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      ignoreInvalidImageReferences: true,
      logLevel: 'Normal',
    },
  };
}

export function startRegistryOperator(store: Store, opts: RegistryOperatorOptions): { stop(): void; loop: Loop; log: OperatorLog } {
  const degradedAfterMs = opts.degradedAfterMs ?? 60_000;
  const infraName = opts.infraName ?? 'sandbox-x7k2p';
  const region = opts.region ?? 'us-east-1';
  const release = opts.releaseVersion ?? RELEASE_VERSION;
  const operatorPod = () =>
    tryList(store, '/pods', REGISTRY_NS, 'name=cluster-image-registry-operator').find((p) => (p.status as any)?.phase === 'Running')?.metadata.name;
  const log = new OperatorLog(store, operatorPod);
  const loop = new Loop('registry-operator', sync, (e) => {
    log.write(`unable to sync: ${(e as Error).message}, requeuing`, 'controller.go:476', 'E');
    opts.onError?.(e);
  });

  /** create/update with a klog line like the generator writes. */
  function apply(key: string, obj: KubeObject, label: string): KubeObject {
    const before = tryGet(store, key, obj.metadata.namespace, obj.metadata.name!);
    const out = applyOwned(store, key, obj);
    const where = `${label}, Namespace=${obj.metadata.namespace ?? ''}, Name=${obj.metadata.name}`;
    if (!before) log.write(`object ${where} created`, 'generator.go:118');
    else if (before.metadata.resourceVersion !== out.metadata.resourceVersion) log.write(`object ${where} updated`, 'generator.go:131');
    return out;
  }

  function routeSpecs(spec: any): Array<{ name: string; hostname?: string; secretName?: string }> {
    const out: Array<{ name: string; hostname?: string; secretName?: string }> = [];
    if (spec.defaultRoute) out.push({ name: 'default-route' });
    for (const r of (spec.routes ?? []) as any[]) out.push({ name: r.name, hostname: r.hostname, secretName: r.secretName });
    return out;
  }

  function operatorRoutes(): KubeObject[] {
    return tryList(store, ROUTES, REGISTRY_NS).filter((r) => r.metadata.annotations?.[ROUTE_MARKER] !== undefined);
  }

  // ---------- pruner ----------
  function syncPruner(): KubeObject {
    let p = tryGet(store, PRUNERS, undefined, 'cluster');
    if (!p) {
      p = store.create(PRUNERS, defaultPruner());
      log.write('object *v1.ImagePruner, Namespace=, Name=cluster created', 'generator.go:118');
    }
    // Its CronJob and status: the ImagePrunerController (pruner.ts).
    return p;
  }

  // ---------- image.config ----------
  function syncImageConfig(conds: Condition[]): void {
    let img = tryGet(store, IMAGES, undefined, 'cluster');
    if (!img) img = store.create(IMAGES, { apiVersion: 'config.openshift.io/v1', kind: 'Image', metadata: { name: 'cluster', annotations: { 'release.openshift.io/create-only': 'true' } }, spec: {} });
    const hosts = new Set<string>();
    for (const r of operatorRoutes()) for (const i of ((r.status as any)?.ingress ?? []) as any[]) if (i.host) hosts.add(i.host);
    const sorted = [...hosts].sort();
    const def = sorted.findIndex((h) => h.startsWith('default-route-openshift-image-registry'));
    if (def > 0) sorted.unshift(...sorted.splice(def, 1));
    const svc = tryGet(store, '/services', REGISTRY_NS, IMAGE_REGISTRY);
    const status: Record<string, unknown> = { ...((img.status ?? {}) as object) };
    if (svc) status.internalRegistryHostname = `${SERVICE_HOST}:5000`;
    else delete status.internalRegistryHostname;
    if (sorted.length) status.externalRegistryHostnames = sorted;
    else delete status.externalRegistryHostnames;
    writeStatus(store, IMAGES, img, status);
    setCondition(conds, 'ImageConfigControllerDegraded', 'False', 'AsExpected', '');
  }

  // ---------- CA bundles ----------
  function syncCertificates(conds: Condition[], storageSpec: any): string {
    const data: Record<string, string> = {};
    const serviceCa = (tryGet(store, '/configmaps', REGISTRY_NS, 'serviceca')?.data as Record<string, string> | undefined)?.['service-ca.crt'];
    if (serviceCa) {
      data[`${SERVICE_HOST}..5000`] = serviceCa;
      data[`${SERVICE_HOST}.cluster.local..5000`] = serviceCa;
    }
    const trustedName = storageSpec?.s3?.trustedCA?.name;
    if (trustedName) {
      const cm = tryGet(store, '/configmaps', 'openshift-config', trustedName);
      const bundle = (cm?.data as Record<string, string> | undefined)?.['ca-bundle.crt'];
      if (bundle) data['storage-ca-bundle.pem'] = bundle;
    }
    const managed = { ...data };
    const img = tryGet(store, IMAGES, undefined, 'cluster');
    const addName = get<string>(img, 'spec.additionalTrustedCA.name');
    let binaryData: Record<string, string> | undefined;
    if (addName) {
      const cm = tryGet(store, '/configmaps', 'openshift-config', addName);
      if (!cm) {
        // ApplyMutator's wrapping of the generator's lister error (pkg/resource/generator.go, caconfig.go).
        const cur = tryGet(store, '/configmaps', REGISTRY_NS, 'image-registry-certificates');
        const op = cur ? 'update' : 'create';
        setCondition(conds, 'ImageRegistryCertificatesControllerDegraded', 'True', 'Error',
          `failed to ${op} object *v1.ConfigMap, Namespace=${REGISTRY_NS}, Name=image-registry-certificates: image-registry-certificates: configmap "${addName}" not found`);
        return certificatesChecksum();
      }
      Object.assign(data, (cm.data ?? {}) as Record<string, string>);
      if (cm.binaryData) binaryData = { ...(cm.binaryData as Record<string, string>) };
    }
    const mk = (ns: string, name: string, d: Record<string, string>, bin?: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, annotations: { 'openshift.io/owning-component': 'Image Registry' } },
      data: d,
      ...(bin ? { binaryData: bin } : {}),
    });
    writeConfigMap(mk(REGISTRY_NS, 'image-registry-certificates', data, binaryData));
    writeConfigMap(mk('openshift-config-managed', 'image-registry-ca', managed));
    setCondition(conds, 'ImageRegistryCertificatesControllerDegraded', 'False', 'AsExpected', '');
    return certificatesChecksum();
  }

  /** Like the deployment's dependency checksum: over the ConfigMap as it is in the cluster (pkg/resource/dependencies.go),
   *  so a failed certificates sync (nothing written) does not roll the registry pods. */
  function certificatesChecksum(): string {
    const cm = tryGet(store, '/configmaps', REGISTRY_NS, 'image-registry-certificates');
    return sha256Hex(JSON.stringify({ data: cm?.data ?? {}, binaryData: cm?.binaryData }));
  }

  function writeConfigMap(cm: KubeObject): void {
    const cur = tryGet(store, '/configmaps', cm.metadata.namespace, cm.metadata.name!);
    if (!cur) {
      store.create('/configmaps', cm);
      return;
    }
    if (jsonEqual(cur.data ?? {}, cm.data) && jsonEqual(cur.binaryData, cm.binaryData)) return;
    const next: KubeObject = { ...cur, data: cm.data, metadata: { ...cur.metadata, resourceVersion: undefined, annotations: { ...cur.metadata.annotations, ...cm.metadata.annotations } } };
    if (cm.binaryData) next.binaryData = cm.binaryData;
    else delete next.binaryData;
    store.update('/configmaps', next);
  }

  // ---------- node-ca ----------
  function syncNodeCA(conds: Condition[]): void {
    ensure(store, '/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'node-ca', namespace: REGISTRY_NS } });
    apply(DS, renderNodeCA(release), '*v1.DaemonSet');
    setCondition(conds, 'NodeCADaemonControllerDegraded', 'False', 'AsExpected', '');
  }

  function nodeCAStatus(conds: Condition[]): void {
    const ds = tryGet(store, DS, REGISTRY_NS, 'node-ca');
    if (!ds) {
      setCondition(conds, 'NodeCADaemonAvailable', 'False', 'NotFound', 'The daemon set node-ca does not exist');
      setCondition(conds, 'NodeCADaemonProgressing', 'True', 'NotFound', 'The daemon set node-ca does not exist');
      return;
    }
    const st = (ds.status ?? {}) as any;
    if ((st.numberAvailable ?? 0) > 0) setCondition(conds, 'NodeCADaemonAvailable', 'True', 'AsExpected', 'The daemon set node-ca has available replicas');
    else setCondition(conds, 'NodeCADaemonAvailable', 'False', 'NoAvailableReplicas', 'The daemon set node-ca does not have available replicas');
    // pkg/operator/nodecadaemon.go: only scheduling counts, not readiness.
    const done = (st.updatedNumberScheduled ?? 0) >= (st.desiredNumberScheduled ?? 0) && !((st.numberMisscheduled ?? 0) > 0);
    if (done) setCondition(conds, 'NodeCADaemonProgressing', 'False', 'AsExpected', 'The daemon set node-ca is deployed');
    else setCondition(conds, 'NodeCADaemonProgressing', 'True', 'Progressing', 'The daemon set node-ca is updating node pods');
  }

  // ---------- the registry itself ----------
  function createOrUpdate(cr: KubeObject, certsChecksum: string, storageCond: { c?: { status: Condition['status']; reason: string; message: string } }): void {
    const spec = cr.spec as any;
    const md = cr.metadata;
    if (!(md.finalizers ?? []).includes(FINALIZER)) md.finalizers = [...(md.finalizers ?? []), FINALIZER];
    if ((spec.replicas ?? 0) < 0) throw new ApplyError('unable to complete resource: replicas must be greater than or equal to 0', 'VerificationFailed');
    const names = routeSpecs(spec).map((r) => r.name);
    if (new Set(names).size !== names.length) {
      throw new ApplyError('unable to complete resource: duplication of names has been detected in the additional routes', 'VerificationFailed');
    }
    if (!spec.httpSecret) spec.httpSecret = httpSecret();
    const st = (cr.status ?? {}) as any;
    let storage: StorageResult;
    try {
      storage = syncStorage(store, spec.storage, {
        replicas: spec.replicas ?? 1,
        rolloutStrategy: spec.rolloutStrategy || 'RollingUpdate',
        infraName,
        region,
        statusStorage: st.storage,
        statusStorageManaged: st.storageManaged,
      });
    } catch (e) {
      if (e instanceof StorageNotConfigured) throw new ApplyError(e.message, 'StorageNotConfigured');
      if (e instanceof StorageError) {
        storageCond.c = e.storageExists;
        throw new ApplyError(`unable to sync storage configuration: ${e.message}`);
      }
      throw e;
    }
    const mgmt = spec.storage?.managementState || (storage.storageManaged ? 'Managed' : 'Unmanaged');
    const prevStorage = JSON.stringify(st.storage);
    spec.storage = { ...storage.spec, managementState: mgmt };
    // Drivers only touch StorageExists when the configuration changed (StorageChanged → CreateStorage).
    const existing = ((st.conditions ?? []) as Condition[]).find((c) => c.type === 'StorageExists');
    if (prevStorage !== JSON.stringify(spec.storage) || existing?.status !== 'True') storageCond.c = storage.storageExists;
    st.storage = structuredClone(spec.storage);
    st.storageManaged = mgmt === 'Managed';
    cr.status = st;

    // RBAC and service account the registry pods run as.
    ensure(store, '/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'registry', namespace: REGISTRY_NS } });
    if (!tryGet(store, 'rbac.authorization.k8s.io/clusterrolebindings', undefined, 'registry-registry-role')) {
      store.create('rbac.authorization.k8s.io/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'registry-registry-role' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:registry' },
        subjects: [{ kind: 'ServiceAccount', name: 'registry', namespace: REGISTRY_NS }],
      });
    }
    let secretSum = '';
    if (storage.secretData) {
      const data = Object.fromEntries(Object.entries(storage.secretData).map(([k, v]) => [k, b64(v)]));
      apply('/secrets', { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: PRIVATE_SECRET, namespace: REGISTRY_NS }, data }, '*v1.Secret');
      secretSum = sha256Hex(JSON.stringify(data));
    } else tryDelete(store, '/secrets', REGISTRY_NS, PRIVATE_SECRET);

    apply('/services', renderService(), '*v1.Service');
    if (opts.servingCert && !tryGet(store, '/secrets', REGISTRY_NS, 'image-registry-tls')) {
      store.create('/secrets', {
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
        metadata: { name: 'image-registry-tls', namespace: REGISTRY_NS, annotations: { 'service.beta.openshift.io/originating-service-name': IMAGE_REGISTRY } },
        data: { 'tls.crt': b64(opts.servingCert.certPem), 'tls.key': b64(opts.servingCert.keyPem) },
      });
    }
    const checksum = sha256Hex(`${certsChecksum}/${secretSum}/${spec.httpSecret}`);
    apply(DEP, renderDeployment({ spec, storage, dependenciesChecksum: checksum, releaseVersion: release }), '*v1.Deployment');

    const domain = routingSubdomain(store);
    for (const r of routeSpecs(spec)) {
      const exists = !!tryGet(store, ROUTES, REGISTRY_NS, r.name);
      let tls: Record<string, string> | undefined;
      if (r.secretName) {
        const sec = tryGet(store, '/secrets', REGISTRY_NS, r.secretName);
        if (!sec) {
          throw new ApplyError(`unable to apply objects: failed to ${exists ? 'update' : 'create'} object *v1.Route, Namespace=${REGISTRY_NS}, Name=${r.name}: secret "${r.secretName}" not found`);
        }
        const d = (sec.data ?? {}) as Record<string, string>;
        tls = {};
        if (d['tls.crt']) tls.certificate = unb64(d['tls.crt'])!;
        if (d['tls.key']) tls.key = unb64(d['tls.key'])!;
        if (d['tls.cacrt']) tls.caCertificate = unb64(d['tls.cacrt'])!;
      }
      const expected = renderRoute(r.name, r.hostname ?? '', tls);
      const before = tryGet(store, ROUTES, REGISTRY_NS, r.name);
      applyOwned(store, ROUTES, expected, {
        // The route API allocates a host for an empty spec.host on create.
        mutateOnCreate: (o) => {
          const s = o.spec as any;
          if (!s.host) s.host = (before?.spec as any)?.host || allocateHost(r.name, REGISTRY_NS, domain);
        },
      });
      if (!before) log.write(`object *v1.Route, Namespace=${REGISTRY_NS}, Name=${r.name} created`, 'generator.go:118');
    }
    const known = new Set(names);
    for (const r of operatorRoutes()) {
      if (known.has(r.metadata.name!)) continue;
      tryDelete(store, ROUTES, REGISTRY_NS, r.metadata.name!);
      log.write(`object *v1.Route, Namespace=${REGISTRY_NS}, Name=${r.metadata.name} deleted`, 'generator.go:164');
    }
  }

  function removeResources(cr: KubeObject): void {
    for (const [key, name, label] of [[DEP, IMAGE_REGISTRY, '*v1.Deployment'], ['/services', IMAGE_REGISTRY, '*v1.Service'], ['/secrets', PRIVATE_SECRET, '*v1.Secret']] as const) {
      if (tryDelete(store, key, REGISTRY_NS, name)) log.write(`object ${label}, Namespace=${REGISTRY_NS}, Name=${name} deleted`, 'generator.go:164');
    }
    for (const r of operatorRoutes()) {
      if (tryDelete(store, ROUTES, REGISTRY_NS, r.metadata.name!)) log.write(`object *v1.Route, Namespace=${REGISTRY_NS}, Name=${r.metadata.name} deleted`, 'generator.go:164');
    }
    const st = (cr.status ?? {}) as any;
    if (st.storageManaged && st.storage?.pvc?.claim) {
      const pvc = tryGet(store, '/persistentvolumeclaims', REGISTRY_NS, st.storage.pvc.claim);
      if (pvc?.metadata.annotations?.[ROUTE_MARKER] !== undefined) tryDelete(store, '/persistentvolumeclaims', REGISTRY_NS, st.storage.pvc.claim);
    }
  }

  // isDeploymentStatusComplete (pkg/operator/status.go): replica counts and observedGeneration only; the
  // Deployment's own Progressing condition is not consulted.
  function isComplete(d: KubeObject): boolean {
    const s = (d.status ?? {}) as any;
    const want = (d.spec as any)?.replicas ?? 1;
    return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  }

  function syncStatus(cr: KubeObject, conds: Condition[], deploy: KubeObject | undefined, applyError: ApplyError | undefined): void {
    const mgmt = (cr.spec as any)?.managementState;
    const perm = applyError?.permanentReason;
    // Available
    if (mgmt === 'Unmanaged') setCondition(conds, 'Available', 'True', 'Unmanaged', 'The registry configuration is set to unmanaged mode');
    else if (!deploy) {
      if (perm) setCondition(conds, 'Available', 'False', perm, `Error: ${applyError!.message}`);
      else if (mgmt === 'Removed') setCondition(conds, 'Available', 'True', 'Removed', 'The registry is removed');
      else setCondition(conds, 'Available', 'False', 'DeploymentNotFound', 'The deployment does not exist');
    } else if (deploy.metadata.deletionTimestamp) setCondition(conds, 'Available', 'False', 'DeploymentDeleted', 'The deployment is being deleted');
    else if (!((deploy.status as any)?.availableReplicas > 0)) setCondition(conds, 'Available', 'False', 'NoReplicasAvailable', 'The deployment does not have available replicas');
    else if (!isComplete(deploy)) setCondition(conds, 'Available', 'True', 'MinimumAvailability', 'The registry has minimum availability');
    else setCondition(conds, 'Available', 'True', 'Ready', 'The registry is ready');
    // Progressing
    if (mgmt === 'Unmanaged') setCondition(conds, 'Progressing', 'False', 'Unmanaged', 'The registry configuration is set to unmanaged mode');
    else if (mgmt === 'Removed') {
      if (deploy) setCondition(conds, 'Progressing', 'True', 'DeletingDeployment', 'The deployment is being removed');
      else setCondition(conds, 'Progressing', 'False', 'Removed', 'All registry resources are removed');
    } else if (applyError) setCondition(conds, 'Progressing', perm ? 'False' : 'True', 'Error', `Unable to apply resources: ${applyError.message}`);
    else if (!deploy) setCondition(conds, 'Progressing', 'True', 'WaitingForDeployment', 'All resources are successfully applied, but the deployment does not exist');
    else if (deploy.metadata.deletionTimestamp) setCondition(conds, 'Progressing', 'True', 'FinalizingDeployment', 'The deployment is being deleted');
    else if (!isComplete(deploy)) setCondition(conds, 'Progressing', 'True', 'DeploymentNotCompleted', 'The deployment has not completed');
    else setCondition(conds, 'Progressing', 'False', 'Ready', 'The registry is ready');
    // Degraded
    const avail = conds.find((c) => c.type === 'Available')!;
    if (mgmt === 'Unmanaged') setCondition(conds, 'Degraded', 'False', 'Unmanaged', 'The registry configuration is set to unmanaged mode');
    else if (perm) setCondition(conds, 'Degraded', 'True', perm, `Error: ${applyError!.message}`);
    else if (mgmt === 'Removed') setCondition(conds, 'Degraded', 'False', 'Removed', 'The registry is removed');
    else if (avail.status !== 'True') {
      const since = Date.now() - Date.parse(avail.lastTransitionTime ?? '');
      if (since > degradedAfterMs) setCondition(conds, 'Degraded', 'True', 'Unavailable', avail.message ?? '');
      else {
        setCondition(conds, 'Degraded', 'False', '', '');
        loop.later(degradedAfterMs - since + 20);
      }
    } else if (deploy && !isComplete(deploy)) {
      // A stuck rollout: Available stays True while the new pods never come (pkg/operator/status.go).
      const p = (((deploy.status as any)?.conditions ?? []) as any[]).find((c) => c.type === 'Progressing');
      if (p?.reason === 'ProgressDeadlineExceeded') setCondition(conds, 'Degraded', 'True', 'ProgressDeadlineExceeded', `Registry deployment has timed out progressing: ${p.message ?? ''}`);
      else setCondition(conds, 'Degraded', 'False', '', '');
    } else {
      const problems: string[] = [];
      for (const r of expectedRoutes(cr)) {
        for (const i of ((r.status as any)?.ingress ?? []) as any[]) {
          for (const c of (i.conditions ?? []) as any[]) {
            if (c.type === 'Admitted' && c.status !== 'True') problems.push(`route ${r.metadata.name} (host ${i.host}, router ${i.routerName}) not admitted: ${c.message ?? ''}`);
          }
        }
      }
      if (problems.length) setCondition(conds, 'Degraded', 'True', 'RouteDegraded', problems.join(','));
      else setCondition(conds, 'Degraded', 'False', '', '');
    }
    if (mgmt === 'Removed') setCondition(conds, 'Removed', 'True', 'Removed', 'The registry is removed');
    else setCondition(conds, 'Removed', 'False', '', '');
  }

  function expectedRoutes(cr: KubeObject): KubeObject[] {
    return routeSpecs(cr.spec).map((r) => tryGet(store, ROUTES, REGISTRY_NS, r.name)).filter((r): r is KubeObject => !!r);
  }

  function syncClusterOperator(cr: KubeObject, pruner: KubeObject, deploy: KubeObject | undefined): void {
    let co = tryGet(store, COS, undefined, 'image-registry');
    if (!co) {
      co = store.create(COS, {
        apiVersion: 'config.openshift.io/v1', kind: 'ClusterOperator',
        metadata: { name: 'image-registry', annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true', 'include.release.openshift.io/single-node-developer': 'true' } },
        spec: {},
      });
    }
    const inputs: Condition[] = [
      ...(((cr.status as any)?.conditions ?? []) as Condition[]),
      ...(((pruner.status as any)?.conditions ?? []) as Condition[]).map((c) => ({ ...c, type: `ImagePruner${c.type}` })),
    ];
    const prev = (co.status ?? {}) as any;
    // SetStatusCondition (library-go config/clusteroperator/v1helpers): the union's time is dropped; a condition
    // keeps its lastTransitionTime until its status changes, and gets "now" when it does (or is new).
    const conditions = [aggregate(inputs, 'Available'), aggregate(inputs, 'Progressing'), aggregate(inputs, 'Degraded')].map((c) => {
      const old = ((prev.conditions ?? []) as Condition[]).find((o) => o.type === c.type);
      return { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now() };
    });
    const mgmt = (cr.spec as any)?.managementState;
    let versions = prev.versions;
    if (mgmt !== 'Managed' && mgmt !== 'Force') versions = [{ name: 'operator', version: release }];
    else if (deploy && isComplete(deploy) && (deploy.status as any)?.availableReplicas > 0) {
      versions = [{ name: 'operator', version: deploy.metadata.annotations?.['release.openshift.io/version'] ?? release }];
    }
    const status: Record<string, unknown> = { conditions, ...(versions ? { versions } : {}), relatedObjects: RELATED_OBJECTS, extension: null };
    writeStatus(store, COS, co, status);
  }

  function finalize(cr: KubeObject): void {
    removeResources(cr);
    const next = structuredClone(cr);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    delete next.metadata.resourceVersion;
    store.update(CONFIGS, next);
  }

  function sync(): void {
    // Nothing runs the operator until the cluster-version operator has applied its Deployment (the
    // ImageRegistry capability enabled).
    if (!tryGet(store, DEP, REGISTRY_NS, 'cluster-image-registry-operator')) return;
    const pruner = syncPruner();
    const found = tryGet(store, CONFIGS, undefined, 'cluster');
    if (!found) {
      store.create(CONFIGS, bootstrapConfig(opts.platform));
      log.write('object *v1.Config, Namespace=, Name=cluster created', 'bootstrap.go:86');
      return;
    }
    if (found.metadata.deletionTimestamp) {
      finalize(found);
      return;
    }
    const cr = structuredClone(found);
    const prevMeta = JSON.stringify(found.metadata);
    const prevSpec = JSON.stringify(found.spec);
    const st = structuredClone((cr.status ?? {}) as any);
    cr.status = st;
    const conds: Condition[] = st.conditions ?? [];
    const mgmt = (cr.spec as any)?.managementState ?? '';

    // Separate controllers in CIRO; they run whatever the management state.
    syncImageConfig(conds);
    const certsSum = syncCertificates(conds, (cr.spec as any)?.storage);
    syncNodeCA(conds);

    let applyError: ApplyError | undefined;
    const storageCond: { c?: { status: Condition['status']; reason: string; message: string } } = {};
    if (mgmt === 'Managed' || mgmt === 'Force') {
      try {
        createOrUpdate(cr, certsSum, storageCond);
      } catch (e) {
        if (!(e instanceof ApplyError)) throw e;
        applyError = e;
      }
    } else if (mgmt === 'Removed') {
      setCondition(conds, 'Progressing', 'True', 'Removing', 'The registry is being removed');
      removeResources(cr);
    }
    // Hosts may have changed (routes created/removed above).
    syncImageConfig(conds);
    const deploy = tryGet(store, DEP, REGISTRY_NS, IMAGE_REGISTRY);
    syncStatus(cr, conds, deploy, applyError);
    if (storageCond.c) setCondition(conds, 'StorageExists', storageCond.c.status, storageCond.c.reason, storageCond.c.message);
    nodeCAStatus(conds);
    // cr.status may have been replaced by createOrUpdate (storage fields); keep the conditions we built.
    const status = (cr.status ?? {}) as any;
    status.conditions = conds;
    // Required by the CRD schema even before any storage was configured.
    status.storage ??= {};
    status.storageManaged ??= false;
    status.readyReplicas = (deploy?.status as any)?.readyReplicas ?? 0;
    if (deploy) {
      status.generations = [{ group: 'apps', resource: 'deployments', namespace: REGISTRY_NS, name: IMAGE_REGISTRY, lastGeneration: deploy.metadata.generation ?? 1, hash: '' }];
    }

    let live = found;
    if (JSON.stringify(cr.metadata) !== prevMeta || JSON.stringify(cr.spec) !== prevSpec) {
      const next = structuredClone(cr);
      delete next.status;
      delete next.metadata.resourceVersion;
      live = store.update(CONFIGS, next);
      log.write(`object changed: configs.imageregistry.operator.openshift.io/cluster (metadata=${JSON.stringify(cr.metadata) !== prevMeta}, spec=${JSON.stringify(cr.spec) !== prevSpec})`);
    }
    status.observedGeneration = live.metadata.generation;
    if (!jsonEqual(live.status, status)) {
      const changed = (live.status as any)?.conditions?.map((c: Condition) => `${c.type}=${c.status}`).join(',') !== conds.map((c) => `${c.type}=${c.status}`).join(',');
      live = writeStatus(store, CONFIGS, live, status);
      if (changed) log.write(`object changed: configs.imageregistry.operator.openshift.io/cluster (status=true): ${conds.filter((c) => ['Available', 'Progressing', 'Degraded'].includes(c.type)).map((c) => `${c.type}=${c.status} (${c.reason ?? ''})`).join(', ')}`);
    }
    syncClusterOperator(live, pruner, deploy);
  }

  const WATCHED = new Set([CONFIGS, PRUNERS, IMAGES, ROUTES, DEP, DS, '/secrets', '/configmaps', '/services', '/persistentvolumeclaims', 'config.openshift.io/ingresses']);
  const off = store.on((key, e) => {
    if (!WATCHED.has(key)) return;
    const ns = e.object.metadata.namespace;
    if (ns && ns !== REGISTRY_NS && ns !== 'openshift-config' && ns !== 'openshift-config-managed') return;
    loop.trigger();
  });
  // The operator's own pod starting flushes buffered log lines.
  const offPods = store.on((key, e) => {
    if (key !== '/pods' || e.object.metadata.labels?.name !== 'cluster-image-registry-operator') return;
    if ((e.object.status as any)?.phase === 'Running') setImmediate(() => log.flush(e.object.metadata.name!));
  });
  loop.trigger();
  void now;
  return {
    loop,
    log,
    stop() {
      off();
      offPods();
      loop.stop();
    },
  };
}
