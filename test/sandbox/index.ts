// startSandbox(): a simulated OpenShift cluster on loopback — API server, in-process controllers (registry
// operator, deployments, router admission, project defaults), a real docker-registry behind an
// OpenShift-style front, and an HTTPS CONNECT proxy playing the ingress router.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { createAuthRegistry, createAuthorizer, seedBootstrapRbac, startApiServer } from './apiserver/index.ts';
import { startControllers } from './operator/index.ts';
import { createImporter, type ImportHook } from './importer.ts';
import { runScheduledImports } from './scheduled-imports.ts';
import { startImageStreamController } from './imagestream-controller.ts';
import { createCA } from './pki.ts';
import { createIngressPki, type IngressChain } from './ingress-pki.ts';
import { INGRESS_DOMAIN, REGISTRY_NS, platformOf, registryCapability, registryManifests, seedCluster, type ProfileName } from './profiles.ts';
import { startRegistry, type RegistryMetrics } from './registry/index.ts';
import { pruneMode, runHardPrune } from './registry/hard-prune.ts';
import { notFoundInPath, type PodExecHook } from './apiserver/exec.ts';
import { startRouter } from './router/router.ts';
import { createStore } from './store.ts';
import { seedScale, type SeedScaleResult } from './seed-scale.ts';
import { DEFAULT_CLUSTER_VERSION, applyRelease, crdManifests, releaseOf, resourceTypesFor, seedCrds, type ClusterVersionName } from './cluster-versions.ts';
import { type AuthRegistry, type Faults, type KubeObject, type RouteTarget, type Store, defaultFaults } from './types.ts';

export type { ProfileName } from './profiles.ts';
export type { IngressChain } from './ingress-pki.ts';

export interface SandboxOptions {
  /** Where kubeconfig, env and CA files go; a temp dir (removed by stop()) when absent. */
  dir?: string;
  profile?: ProfileName;
  /** Added to every API request. */
  latencyMs?: number;
  /** Share (0..1) of API requests answered 500/503. */
  errorRate?: number;
  /** Pending → Running delay of pods; default 300 ms. */
  podStartMs?: number;
  nodes?: number;
  /** Available≠True for longer than this → Degraded Unavailable; default 1 min (CIRO release-4.17). */
  degradedAfterMs?: number;
  /** The deployment controller uses this deadline for every Deployment instead of spec.progressDeadlineSeconds
   *  (the operator renders 120 s, as CIRO does): Progressing False ProgressDeadlineExceeded after it. */
  progressDeadlineMs?: number;
  /** 'root' (default): operator-generated wildcard signed by the ingress-operator CA. 'intermediate': a custom default
   *  certificate signed by an intermediate of a private root; the router serves leaf + intermediate, default-ingress-cert
   *  holds leaf + intermediate, and the root is nowhere in the cluster (only in caPems.ingress / DIR/ingress-ca.crt). */
  ingressChain?: IngressChain;
  /**
   * The kubeconfig's server is https://api.sandbox.example.com:6443, a name only the proxy (HTTPS_PROXY) resolves:
   * it tunnels CONNECT to the API server's loopback port. NO_PROXY (127.0.0.1,localhost) does not cover it.
   */
  apiViaProxy?: boolean;
  /** OpenShift minor version ('4.17' default, '4.14'): the CRD schemas served (and pruned against), the
   *  CustomResourceDefinition objects, and the release clusterversion and the registry operator report (cluster-versions.ts). */
  clusterVersion?: ClusterVersionName;
  /** Seeding for scale (seed-scale.ts) once the sandbox is ready: this many images in `seedStreams` streams (default
   *  images / 10) sharing layers, written straight into the store, plus some workloads running some of them. */
  seedImages?: number;
  seedStreams?: number;
  /** The default IngressController's domain (default apps.sandbox.example.com): route hosts, the ingress wildcard
   *  certificate, the OAuth host. A fleet gives each cluster its own, as real clusters have. */
  ingressDomain?: string;
  /** Route this cluster's hosts through that router (the fleet's one ingress proxy) instead of starting its own.
   *  The in-cluster service host stays with the router's own cluster. */
  router?: SharedRouter;
  /** Start docker-registry at the registry front's first request instead of at start-up. */
  lazyRegistry?: boolean;
}

/** A router other sandboxes add their route resolvers to (see SandboxOptions.router). */
export interface SharedRouter {
  proxyUrl: string;
  /** Adds a resolver, consulted after the router's own cluster; returns its removal. */
  add(resolve: (host: string, port: number) => RouteTarget | undefined): () => void;
}

export interface Sandbox {
  dir: string;
  kubeconfigPath: string;
  envPath: string;
  /** The registry's storage (a temp dir removed by stop()). */
  registryDataDir: string;
  /** docker-registry's storage root (`rootdirectory` of its filesystem driver, inside registryDataDir): measure it
   *  with `du`; exported as SANDBOX_REGISTRY_STORAGE in the env file. */
  registryStorageDir: string;
  /** What seedImages seeded (undefined without it). */
  seeded?: SeedScaleResult;
  env: Record<string, string>;
  /** The kubeconfig's server (https://api.sandbox.example.com:6443 with apiViaProxy, else apiDirectUrl). */
  apiUrl: string;
  /** https://127.0.0.1:PORT — the API server's own listener, no proxy needed. */
  apiDirectUrl: string;
  proxyUrl: string;
  ingressDomain: string;
  defaultRouteHost: string;
  oauthHost: string;
  /** ingress: the root the ingress wildcard chains to (with ingressChain 'intermediate' it is not in the cluster). */
  caPems: { api: string; ingress: string; service: string; client: string };
  ingressChain: IngressChain;
  /** Bearer tokens: admin (kube:admin), developer, alice, bob, registry (the registry's service account). */
  tokens: Record<string, string>;
  store: Store;
  auth: AuthRegistry;
  faults: Faults;
  /** The registry front's metrics (what /extensions/v2/metrics renders); benchmarks add series to it. */
  registryMetrics: RegistryMetrics;
  profile: ProfileName;
  clusterVersion: ClusterVersionName;
  /** This sandbox's router, for other sandboxes to route through (SandboxOptions.router). */
  router: SharedRouter;
  issueToken(user: string, opts?: { groups?: string[]; ttlSeconds?: number }): string;
  /** Simulates a container crash + restart: restartCount+1, lastState terminated, `kubectl logs --previous` has the old log. */
  restartContainer(namespace: string, pod: string, container?: string): void;
  /** The container keeps crashing: CrashLoopBackOff, the pod not Ready, a BackOff event (until the pod is deleted). */
  crashLoop(namespace: string, pod: string, container?: string): void;
  /** `kubectl create job JOB --from=cronjob/CRONJOB` (JOB defaults to `<cronjob>-manual-<5 chars>`): a Job from the template now, controlled by the CronJob (so its history limits apply; the CronJob controller warns `UnexpectedJob` while it runs). Returns the Job's name. */
  runCronJob(namespace: string, cronJob: string, jobName?: string): string;
  /** The CronJob's next scheduled run happens now, as if the clock had reached it: a Job `<cronjob>-<minutes>` the CronJob controls (history limits apply). Returns its name. */
  fireCronJob(namespace: string, cronJob: string): string;
  /** The scheduled image imports run now (as if their period had passed): streams with `importPolicy.scheduled` tags are re-imported. Returns the `ns/name` of each. */
  runScheduledImports(): Promise<string[]>;
  /** Resolves once predicate(store) is true (checked on every store change); rejects after timeoutMs. */
  waitFor(predicate: (store: Store) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const OAUTH_HOST = `oauth-openshift.${INGRESS_DOMAIN}`;
/** The API server's public name (in its certificate's SANs); reachable only through the proxy with apiViaProxy. */
export const API_HOST = `api.${INGRESS_DOMAIN.replace(/^apps\./, '')}`;
export const API_PORT = 6443;
/** A legacy service-account token (a token secret's) never expires; it is revoked when its Secret goes. */
const LEGACY_TOKEN_TTL_S = 100 * 365 * 86400;
const SERVICE_HOSTS = new Set([`image-registry.${REGISTRY_NS}.svc`, `image-registry.${REGISTRY_NS}.svc.cluster.local`]);

function kubeconfig(apiUrl: string, apiCa: string, tokens: Record<string, string>, client: { certPem: string; keyPem: string }): string {
  const b = (s: string) => Buffer.from(s).toString('base64');
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: apiUrl, 'certificate-authority-data': b(apiCa) } }],
    users: [
      { name: 'kube:admin', user: { token: tokens.admin } },
      { name: 'developer', user: { token: tokens.developer } },
      { name: 'system:admin', user: { 'client-certificate-data': b(client.certPem), 'client-key-data': b(client.keyPem) } },
    ],
    contexts: [
      { name: 'admin', context: { cluster: 'sandbox', user: 'kube:admin', namespace: 'default' } },
      { name: 'developer', context: { cluster: 'sandbox', user: 'developer', namespace: 'default' } },
      { name: 'system-admin', context: { cluster: 'sandbox', user: 'system:admin', namespace: 'default' } },
    ],
    'current-context': 'admin',
    preferences: {},
  };
  return yaml.dump(cfg, { lineWidth: -1 });
}

function waitForStore(store: Store, predicate: (s: Store) => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = () => {
      if (done) return;
      let ok = false;
      try {
        ok = predicate(store);
      } catch {
        ok = false;
      }
      if (ok) finish();
    };
    const finish = (err?: Error) => {
      done = true;
      off();
      clearTimeout(timer);
      clearInterval(poll);
      if (err) reject(err);
      else resolve();
    };
    const off = store.on(() => setImmediate(check));
    const timer = setTimeout(() => finish(new Error(`sandbox: condition not reached within ${timeoutMs} ms`)), timeoutMs);
    // Time-based conditions (no store event) still get noticed.
    const poll = setInterval(check, 100);
    check();
  });
}

function readyRegistryPods(store: Store): string[] {
  return store
    .list('/pods', REGISTRY_NS, { labelSelector: 'docker-registry=default' })
    .items.filter((p: KubeObject) => !p.metadata.deletionTimestamp && ((p.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.metadata.name!)
    .sort();
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const profile = opts.profile ?? 'aws';
  const ingressDomain = opts.ingressDomain ?? INGRESS_DOMAIN;
  const oauthHost = `oauth-openshift.${ingressDomain}`;
  const cleanups: Array<() => Promise<void> | void> = [];
  const runCleanups = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // keep tearing down
      }
    }
    cleanups.length = 0;
  };
  try {
    let dir: string;
    if (opts.dir) {
      dir = path.resolve(opts.dir);
      fs.mkdirSync(dir, { recursive: true });
    } else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-'));
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-registry-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    const [apiCa, ingress, serviceCa, clientCa] = await Promise.all([
      createCA('kube-apiserver-lb-signer'),
      createIngressPki(opts.ingressChain ?? 'root', ingressDomain),
      createCA(`openshift-service-serving-signer@${Math.floor(Date.now() / 1000)}`),
      createCA('admin-kubeconfig-signer'),
    ]);
    const wildcard = ingress.wildcard;
    const [apiCert, serving, adminClient] = await Promise.all([
      apiCa.issue({ commonName: '127.0.0.1', dnsNames: ['localhost', API_HOST], ipAddresses: ['127.0.0.1'], server: true }),
      serviceCa.issue({ commonName: `image-registry.${REGISTRY_NS}.svc`, dnsNames: [...SERVICE_HOSTS] }),
      clientCa.issue({ commonName: 'system:admin', organizations: ['system:masters'], client: true }),
    ]);

    const clusterVersion = opts.clusterVersion ?? DEFAULT_CLUSTER_VERSION;
    const store = createStore({ types: resourceTypesFor(clusterVersion) });
    const auth = createAuthRegistry();
    const authorizer = createAuthorizer(store);
    const faults: Faults = { ...defaultFaults(), latencyMs: opts.latencyMs ?? 0, errorRate: opts.errorRate ?? 0 };
    seedBootstrapRbac(store);
    const kubeadminPassword = randomBytes(15).toString('base64url').slice(0, 23);
    seedCluster(store, auth, {
      profile,
      nodes: opts.nodes ?? 3,
      ingressCaPem: ingress.rootPem,
      wildcard,
      ...(ingress.chain === 'intermediate' ? { defaultCertificate: { secretName: ingress.secretName, chainPem: ingress.chainPem } } : {}),
      serviceCaPem: serviceCa.certPem,
      kubeadminPassword,
      releaseVersion: releaseOf(clusterVersion),
      ingressDomain,
    });
    seedCrds(store, clusterVersion);
    applyRelease(store, clusterVersion);

    const controllers = startControllers(store, {
      platform: platformOf(profile),
      podStartMs: opts.podStartMs ?? 300,
      degradedAfterMs: opts.degradedAfterMs,
      progressDeadlineMs: opts.progressDeadlineMs,
      servingCert: serving,
      faults,
      releaseVersion: releaseOf(clusterVersion),
      serviceAccountTokens: { issue: (ns, name, uid) => auth.issueServiceAccountToken(ns, name, { uid }), valid: (t) => auth.lookup(t) !== undefined },
      legacyServiceAccountTokens: { issue: (ns, name, uid) => auth.issueServiceAccountToken(ns, name, { uid, ttlSeconds: LEGACY_TOKEN_TTL_S }), revoke: (t) => auth.revoke(t), apiServerCaPem: apiCa.certPem, serviceCaPem: serviceCa.certPem },
      capabilityManifests: { ImageRegistry: () => [...registryManifests(platformOf(profile), serviceCa.certPem, releaseOf(clusterVersion)), ...crdManifests(clusterVersion, 'ImageRegistry')] },
      onError: (e) => {
        if (process.env.SANDBOX_DEBUG) process.stderr.write(`[controllers] ${(e as Error).stack ?? e}\n`);
      },
    });
    cleanups.push(() => controllers.stop());

    // image-stream imports need the router, which starts later: the hook is filled in then.
    const hooks: { importImage?: ImportHook; linkImage?: (ref: string, target: string) => Promise<void>; podExec?: PodExecHook } = {};
    const api = await startApiServer({
      store, auth, authorizer, faults, hooks,
      tls: { certPem: apiCert.certPem, keyPem: apiCert.keyPem, clientCaPem: clientCa.certPem },
      oauth: { issuer: `https://${oauthHost}` },
      imageStreamTagDryRun: clusterVersion !== '4.14',
    });
    cleanups.push(() => api.close());

    const tokens: Record<string, string> = {
      admin: auth.issueToken('kube:admin'),
      developer: auth.issueToken('developer'),
      alice: auth.issueToken('alice'),
      bob: auth.issueToken('bob'),
      registry: auth.issueToken(`system:serviceaccount:${REGISTRY_NS}:registry`),
    };

    // Registry log lines go to the running registry pods, round-robin (there is one real registry behind them).
    let rr = 0;
    let served = 0;
    const registry = await startRegistry({
      apiServerUrl: api.url,
      apiCaPem: apiCa.certPem,
      dataDir,
      lazy: opts.lazyRegistry === true,
      registryToken: tokens.registry!,
      faults,
      log: (line) => {
        const pods = readyRegistryPods(store);
        if (!pods.length) return;
        store.logs.append(REGISTRY_NS, pods[rr++ % pods.length]!, 'registry', line);
      },
      // A write goes to a ready pod, round-robin: its env decides whether it refuses it (registry/maintenance.ts).
      servingPodEnv: () => {
        const pods = readyRegistryPods(store);
        if (!pods.length) return undefined;
        const pod = store.get('/pods', REGISTRY_NS, pods[served++ % pods.length]!);
        return ((pod?.spec as any)?.containers ?? []).find((c: any) => c.name === 'registry')?.env;
      },
    });
    cleanups.push(() => registry.close());

    const ingressTarget = (backend: string): RouteTarget => ({ backend, certPem: wildcard.certPem, keyPem: wildcard.keyPem, chainPem: ingress.chainPem });
    const resolve = (host: string, port: number): RouteTarget | undefined => {
      host = host.toLowerCase();
      if (host === oauthHost && port === 443) return ingressTarget(api.url);
      if (SERVICE_HOSTS.has(host) && port === 5000) {
        if (!store.get('/services', REGISTRY_NS, 'image-registry') || !readyRegistryPods(store).length) return undefined;
        return { backend: registry.backendUrl, certPem: serving.certPem, keyPem: serving.keyPem, chainPem: serviceCa.certPem, service: true };
      }
      if (port !== 443) return undefined;
      for (const r of store.list('route.openshift.io/routes').items) {
        const ingress = ((r.status as any)?.ingress ?? []).find((i: any) => i.host === host && i.routerName === 'default');
        if (!ingress || !(ingress.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True')) continue;
        const spec = r.spec as any;
        if (r.metadata.namespace !== REGISTRY_NS || spec?.to?.name !== 'image-registry') continue;
        if (!store.get('/services', REGISTRY_NS, 'image-registry') || !readyRegistryPods(store).length) return undefined;
        if (spec.tls?.certificate && spec.tls?.key) {
          return { backend: registry.backendUrl, certPem: spec.tls.certificate, keyPem: spec.tls.key, ...(spec.tls.caCertificate ? { chainPem: spec.tls.caCertificate } : {}) };
        }
        return ingressTarget(registry.backendUrl);
      }
      return undefined;
    };
    const apiListener = new URL(api.url);
    const tunnel = (host: string, port: number) =>
      opts.apiViaProxy && host.toLowerCase() === API_HOST && port === API_PORT ? { host: apiListener.hostname, port: Number(apiListener.port) } : undefined;
    // Other clusters' resolvers (a fleet sharing this router) come after this cluster's own hosts.
    const others: Array<(host: string, port: number) => RouteTarget | undefined> = [];
    const resolveAll = (host: string, port: number): RouteTarget | undefined => {
      const own = resolve(host, port);
      if (own || SERVICE_HOSTS.has(host.toLowerCase())) return own;
      for (const r of others) {
        const t = r(host, port);
        if (t) return t;
      }
      return undefined;
    };
    let proxyUrl: string;
    if (opts.router) {
      cleanups.push(opts.router.add((host, port) => (SERVICE_HOSTS.has(host.toLowerCase()) ? undefined : resolve(host, port))));
      proxyUrl = opts.router.proxyUrl;
    } else {
      const own = await startRouter({ resolve: resolveAll, tunnel, defaultCert: { certPem: wildcard.certPem, keyPem: wildcard.keyPem, chainPem: ingress.chainPem } });
      cleanups.push(() => own.close());
      proxyUrl = own.proxyUrl;
    }
    const router: SharedRouter = opts.router ?? {
      proxyUrl,
      add(r) {
        others.push(r);
        return () => void others.splice(others.indexOf(r) >>> 0, 1);
      },
    };
    const importer = createImporter({ store, proxyUrl, caPems: [ingress.rootPem, serviceCa.certPem], token: tokens.admin! });
    hooks.importImage = importer;
    hooks.linkImage = importer.link;
    // openshift-controller-manager's image stream controller: imports DockerImage tags of created/updated streams.
    const isController = startImageStreamController(store, () => hooks.importImage);
    cleanups.push(() => isController.stop());
    // `oc exec` into a registry pod: the registry's hard-prune entry point (registry/hard-prune.ts).
    hooks.podExec = async (r) => {
      const mode = pruneMode(r.command);
      const isRegistry = r.namespace === REGISTRY_NS && (r.pod.metadata.labels as Record<string, string> | undefined)?.['docker-registry'] === 'default' && r.container === 'registry';
      if (!isRegistry || !mode) return notFoundInPath(r.command[0]!);
      // The pruner lists Images with the pod's service account (system:registry alone may not).
      const sa = String((r.pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName || 'registry');
      const user = { username: `system:serviceaccount:${REGISTRY_NS}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${REGISTRY_NS}`, 'system:authenticated'] };
      const canList = authorizer.authorize(user, { verb: 'list', group: 'image.openshift.io', resource: 'images' }).allowed;
      return runHardPrune(dataDir, mode, { holdMs: faults.hardPruneHoldMs ?? 0, gate: faults.hardPruneGate, ...(canList ? {} : { forbiddenUser: user.username }) });
    };
    cleanups.push(() => importer.close());

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    const envPath = path.join(dir, 'env');
    const env = { KUBECONFIG: kubeconfigPath, HTTPS_PROXY: proxyUrl, NO_PROXY: '127.0.0.1,localhost' };
    const apiUrl = opts.apiViaProxy ? `https://${API_HOST}:${API_PORT}` : api.url;
    fs.writeFileSync(kubeconfigPath, kubeconfig(apiUrl, apiCa.certPem, tokens, adminClient), { mode: 0o600 });
    const registryStorageDir = path.join(dataDir, 'storage');
    fs.writeFileSync(envPath, Object.entries({ ...env, SANDBOX_REGISTRY_STORAGE: registryStorageDir }).map(([k, v]) => `export ${k}=${v}\n`).join(''));
    fs.writeFileSync(path.join(dir, 'api-ca.crt'), apiCa.certPem);
    fs.writeFileSync(path.join(dir, 'ingress-ca.crt'), ingress.rootPem);
    fs.writeFileSync(path.join(dir, 'service-ca.crt'), serviceCa.certPem);
    fs.writeFileSync(path.join(dir, 'kubeadmin-password'), kubeadminPassword, { mode: 0o600 });

    const waitFor = (p: (s: Store) => boolean, timeoutMs = 10_000) => waitForStore(store, p, timeoutMs);
    // Ready: the operator has reported on the Config (and, for Managed profiles, the registry is up).
    const cfgCond = (s: Store, type: string) =>
      ((s.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
    await waitFor((s) => {
      if (!registryCapability(profile)) return true;
      if (profile === 'aws') return cfgCond(s, 'Available')?.reason === 'Ready' && cfgCond(s, 'NodeCADaemonAvailable')?.status === 'True';
      if (profile === 'degraded') return cfgCond(s, 'Degraded')?.status === 'True' && cfgCond(s, 'NodeCADaemonAvailable')?.status === 'True';
      return cfgCond(s, 'Removed')?.status === 'True' && cfgCond(s, 'NodeCADaemonAvailable')?.status === 'True';
    }, 8000).catch(() => undefined);
    const seeded = opts.seedImages ? seedScale(store, { images: opts.seedImages, ...(opts.seedStreams ? { streams: opts.seedStreams } : {}) }) : undefined;

    let stopped: Promise<void> | undefined;
    return {
      dir,
      kubeconfigPath,
      envPath,
      registryDataDir: dataDir,
      registryStorageDir,
      ...(seeded ? { seeded } : {}),
      env,
      apiUrl,
      apiDirectUrl: api.url,
      proxyUrl,
      ingressDomain,
      defaultRouteHost: `default-route-${REGISTRY_NS}.${ingressDomain}`,
      oauthHost,
      caPems: { api: apiCa.certPem, ingress: ingress.rootPem, service: serviceCa.certPem, client: clientCa.certPem },
      ingressChain: ingress.chain,
      tokens,
      store,
      auth,
      faults,
      registryMetrics: registry.metrics,
      profile,
      clusterVersion,
      router,
      issueToken: (user, o) => auth.issueToken(user, o),
      restartContainer: (ns, pod, c) => controllers.restartContainer(ns, pod, c),
      crashLoop: (ns, pod, c) => controllers.crashLoop(ns, pod, c),
      runCronJob: (ns, name, job) => controllers.runCronJob(ns, name, job),
      fireCronJob: (ns, name) => controllers.fireCronJob(ns, name),
      runScheduledImports: () => runScheduledImports(store, isController),
      waitFor,
      stop: () => (stopped ??= runCleanups()),
    };
  } catch (e) {
    await runCleanups();
    throw e;
  }
}
