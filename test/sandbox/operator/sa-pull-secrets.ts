// openshift-controller-manager's per-service-account image pull secrets for the integrated registry, as
// release-4.17 runs them (pkg/cmd/controller/imageregistry.go, RunInternalImageRegistryPullSecretsController):
// - service account controller (pkg/internalregistry/controllers/service_account_controller.go): every
//   ServiceAccount gets the annotation `openshift.io/internal-registry-pull-secret-ref: <sa>-dockercfg-<5 chars>`
//   (name from library-go naming.GetName(sa, "dockercfg-", 58) + names.SimpleNameGenerator), the secret added to
//   `secrets` (still in 4.17: "TODO stop adding to .Secrets part of API-1798") and appended to `imagePullSecrets`
//   after the entries already there (never replacing them), and re-added whenever either goes missing; the Secret
//   (type kubernetes.io/dockercfg, annotation `openshift.io/internal-registry-auth-token.service-account: <sa>`,
//   owner reference to the account, `.dockercfg: {}`) is (re-)created under the same name when deleted;
// - image pull secret controller (image_pull_secret_controller.go): fills `.dockercfg` with one entry
//   `{"auth": base64("<token>:" + TOKEN)}` per registry URL, TOKEN a bound service-account token (TokenRequest
//   bound to the Secret, default 1 h), annotates `openshift.io/internal-registry-auth-token.binding: bound`,
//   refreshes when the URLs change or the token is no longer valid, and deletes an orphaned secret (its account
//   gone, or the account's ref annotation naming another secret; its entries leave the account first);
// - registry URL observation (registry_urls_observation_controller.go): the Service
//   openshift-image-registry/image-registry (Add/Update only) gives `image-registry.openshift-image-registry.svc:PORT`,
//   `CLUSTERIP:PORT`, `image-registry.openshift-image-registry.svc.cluster.local:PORT`, plus the config's
//   `dockerPullSecret.registryURLs`, which cluster-openshift-controller-manager-operator observes from image.config
//   `status.externalRegistryHostnames` (pkg/operator/configobservation/images/observe_images.go); sorted, unique.
//   No URL yet (no registry Service) → the secrets stay `{}`.
// - When the ImageRegistry capability is disabled or the image-registry ClusterOperator's first condition has reason
//   `Removed`, the operator disables this controller (configobservation/controllers/capability_imageregistry.go,
//   internalimageregistry/management_state.go) and its ImagePullSecretCleanupController
//   (internalimageregistry/cleanup_controller.go) deletes each managed secret older than 10 minutes that no pod's
//   imagePullSecrets names and drops it from its account's `secrets` and `imagePullSecrets`.
// A 4.14 sandbox runs none of this but the pre-4.16 legacy token-secret form (sa-pull-secrets-legacy.ts).
// Not simulated: JWT key IDs (sandbox tokens are opaque); server-side-apply managedFields of these writes; the
// kube tokens controller filling user-made service-account-token secrets (only the 4.14 sandbox runs it).
import type { KubeObject, Store } from '../types.ts';
import { enabledCapabilities } from '../capabilities.ts';
import { b64, Loop, now, randomSuffix, REGISTRY_NS, tryGet, tryList, unb64 } from './util.ts';

const SECRETS = '/secrets';
const SAS = '/serviceaccounts';
const SERVICES = '/services';
const PODS = '/pods';
const IMAGES = 'config.openshift.io/images';
const COS = 'config.openshift.io/clusteroperators';
const CVS = 'config.openshift.io/clusterversions';
const CONFIGS = 'imageregistry.operator.openshift.io/configs';

export const PULL_SECRET_REF = 'openshift.io/internal-registry-pull-secret-ref';
export const AUTH_TOKEN_SA = 'openshift.io/internal-registry-auth-token.service-account';
export const AUTH_TOKEN_BINDING = 'openshift.io/internal-registry-auth-token.binding';
const DOCKERCFG = 'kubernetes.io/dockercfg';
const LEGACY_ANNOTATIONS = ['kubernetes.io/service-account.name', 'kubernetes.io/service-account.uid', 'openshift.io/token-secret.name', 'openshift.io/token-secret.value'];
/** cleanup_controller.go: secrets younger than this are left alone "to avoid fighting with OCM". */
const CLEANUP_MIN_AGE_MS = 10 * 60_000;

export interface PullSecretOptions {
  /** TokenRequest for the account, bound to the secret (the API server's auth registry). */
  issueToken(namespace: string, serviceAccount: string, uid: string | undefined): { token: string };
  /** Whether the API server still accepts the token (not expired). */
  tokenValid(token: string): boolean;
  cleanupMinAgeMs?: number;
  onError?: (e: unknown) => void;
}

/** library-go pkg/build/naming GetName. */
export function getName(base: string, suffix: string, maxLength: number): string {
  const name = `${base}-${suffix}`;
  if (name.length <= maxLength) return name;
  const fnv = (s: string) => {
    let h = 0x811c9dc5;
    for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  };
  const baseLength = maxLength - 10 - suffix.length;
  if (baseLength <= 0) {
    const prefix = base.slice(0, Math.min(base.length, Math.max(0, maxLength - 9)));
    return `${prefix}-${fnv(name)}`.slice(0, maxLength);
  }
  return `${base.slice(0, baseLength)}-${fnv(base)}-${suffix}`;
}

/** names.SimpleNameGenerator over naming.GetName(sa, "dockercfg-", 58). */
export function dockercfgSecretName(sa: string): string {
  return getName(sa, 'dockercfg-', 58).slice(0, 58) + randomSuffix(5);
}

const isManaged = (s: KubeObject) => (s as any).type === DOCKERCFG && !!s.metadata.annotations?.[AUTH_TOKEN_SA];
const saOfSecret = (s: KubeObject) => s.metadata.annotations?.[AUTH_TOKEN_SA] || s.metadata.annotations?.['kubernetes.io/service-account.name'];
const isLegacy = (s: KubeObject) => LEGACY_ANNOTATIONS.every((k) => s.metadata.annotations?.[k] !== undefined);

export function startServiceAccountPullSecrets(store: Store, opts: PullSecretOptions): { stop(): void; loop: Loop } {
  const dirtySas = new Set<string>();
  const dirtySecrets = new Set<string>();
  let resyncSas = true;
  let urls: string[] | undefined;
  let wasEnabled: boolean | undefined;
  const minAge = opts.cleanupMinAgeMs ?? CLEANUP_MIN_AGE_MS;
  const loop = new Loop('sa-pull-secrets', reconcile, opts.onError);

  let coSeen = false;
  /** management_state.go ImageRegistryIsEnabled; undefined: not yet (see below). */
  function enabled(): boolean | undefined {
    const caps = enabledCapabilities(store);
    if (caps && !caps.has('ImageRegistry')) return false;
    const conds = (tryGet(store, COS, undefined, 'image-registry')?.status as any)?.conditions;
    // Upstream assumes "enabled" until the ClusterOperator reports, and while it reports a union of reasons
    // (`NodeCADaemonNoAvailableReplicas::Removed` during install: the check is `== "Removed"`); what it made on a
    // cluster whose registry then turns out Removed the cleanup deletes 10 minutes later. The sandbox stands for a
    // cluster installed long ago: it starts once the operator has settled (node-ca available, as the sandbox's own
    // readiness wait), so a bare-metal sandbox, Removed from the start, never has these secrets.
    if (!coSeen) {
      const cfg = tryGet(store, CONFIGS, undefined, 'cluster');
      const settled = ((cfg?.status as any)?.conditions ?? []).some((c: any) => c.type === 'NodeCADaemonAvailable' && c.status === 'True');
      if (!settled || !conds?.length) return undefined;
    }
    coSeen = true;
    return conds?.[0]?.reason !== 'Removed';
  }

  // The Service's URLs as last observed: upstream watches its Add/Update only, so a deleted Service's stay.
  let serviceUrls: string[] = [];
  function observeUrls(): string[] {
    const svc = tryGet(store, SERVICES, REGISTRY_NS, 'image-registry');
    if (svc) serviceUrls = urlsOfService(svc);
    return [...new Set([...(((tryGet(store, IMAGES, undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []) as string[]), ...serviceUrls])].sort();
  }

  function urlsOfService(svc: KubeObject): string[] {
    const out: string[] = [];
    const spec = svc.spec as any;
    if (spec?.clusterIP && spec.clusterIP !== 'None' && spec.ports?.length) {
      const port = spec.ports[0].port;
      const host = `image-registry.${REGISTRY_NS}.svc`;
      out.push(`${host}:${port}`);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(spec.clusterIP)) out.push(`${spec.clusterIP}:${port}`);
      if (port === 80 || port === 443) {
        out.push(host);
        if (/^\d+\.\d+\.\d+\.\d+$/.test(spec.clusterIP)) out.push(spec.clusterIP);
      }
      out.push(`${host}.cluster.local:${port}`);
      if (port === 80 || port === 443) out.push(`${host}.cluster.local`);
    }
    return out;
  }

  function reconcile(): void {
    const on = enabled();
    if (on === undefined) return;
    if (!on) {
      wasEnabled = false;
      dirtySas.clear();
      dirtySecrets.clear();
      cleanup();
      return;
    }
    if (wasEnabled === false) resyncSas = true;
    wasEnabled = true;
    const seen = observeUrls();
    // With no URL observed the image pull secret controller waits; it keeps the last non-empty list.
    if (seen.length && (urls === undefined || urls.join() !== seen.join())) {
      urls = seen;
      for (const s of tryList(store, SECRETS)) if (isManaged(s)) dirtySecrets.add(`${s.metadata.namespace}/${s.metadata.name}`);
    }
    if (resyncSas) {
      resyncSas = false;
      for (const sa of tryList(store, SAS)) dirtySas.add(`${sa.metadata.namespace}/${sa.metadata.name}`);
    }
    for (const key of [...dirtySas]) {
      dirtySas.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      syncServiceAccount(ns, name);
    }
    if (!urls) {
      dirtySecrets.clear();
      return;
    }
    for (const key of [...dirtySecrets]) {
      dirtySecrets.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      syncSecret(ns, name, urls);
    }
  }

  function managedName(sa: KubeObject): string {
    const ref = sa.metadata.annotations?.[PULL_SECRET_REF];
    if (ref) return ref;
    const ns = sa.metadata.namespace!;
    for (const s of tryList(store, SECRETS, ns)) {
      if ((s as any).type !== DOCKERCFG) continue;
      const owner = s.metadata.annotations?.[AUTH_TOKEN_SA];
      if (owner !== undefined) {
        if (owner === sa.metadata.name) return s.metadata.name!;
        continue;
      }
      if ((s.metadata.ownerReferences ?? []).some((r: any) => r.name === sa.metadata.name && r.uid === sa.metadata.uid)) return s.metadata.name!;
    }
    for (const r of ((sa as any).imagePullSecrets ?? []) as Array<{ name: string }>) {
      const s = tryGet(store, SECRETS, ns, r.name);
      const a = s?.metadata.annotations;
      if (s && isLegacy(s) && a!['kubernetes.io/service-account.name'] === sa.metadata.name && a!['kubernetes.io/service-account.uid'] === sa.metadata.uid) return r.name;
    }
    return dockercfgSecretName(sa.metadata.name!);
  }

  function syncServiceAccount(ns: string, name: string): void {
    let sa = tryGet(store, SAS, ns, name);
    if (!sa || sa.metadata.deletionTimestamp) return;
    const secretName = managedName(sa);
    const s = sa as any;
    const pull: Array<{ name: string }> = s.imagePullSecrets ?? [];
    const mount: Array<{ name: string }> = s.secrets ?? [];
    const annotated = sa.metadata.annotations?.[PULL_SECRET_REF] === secretName;
    const inPull = pull.some((r) => r.name === secretName);
    const inMount = mount.some((r) => r.name === secretName);
    if (!annotated || !inPull || !inMount) {
      const next: any = { ...sa, metadata: { ...sa.metadata, annotations: { ...sa.metadata.annotations, [PULL_SECRET_REF]: secretName } } };
      if (!inMount) next.secrets = [...mount, { name: secretName }];
      if (!inPull) next.imagePullSecrets = [...pull, { name: secretName }];
      sa = store.update(SAS, next); // with the resourceVersion read: a concurrent write wins, we come back
    }
    const secret = tryGet(store, SECRETS, ns, secretName);
    if (secret && isLegacy(secret)) return;
    const owner = { apiVersion: 'v1', kind: 'ServiceAccount', name, uid: sa.metadata.uid };
    if (!secret) {
      store.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace: ns, annotations: { [AUTH_TOKEN_SA]: name }, ownerReferences: [owner] },
        type: DOCKERCFG,
        data: { '.dockercfg': b64('{}') },
      });
      return;
    }
    const owned = (secret.metadata.ownerReferences ?? []).some((r: any) => r.name === name && r.uid === sa!.metadata.uid && r.kind === 'ServiceAccount' && r.apiVersion === 'v1');
    if (secret.metadata.annotations?.[AUTH_TOKEN_SA] !== name || !owned) {
      const refs = (secret.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== owner.uid);
      store.update(SECRETS, { ...secret, metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [AUTH_TOKEN_SA]: name }, ownerReferences: [...refs, owner] } });
    }
  }

  function tokenOf(secret: KubeObject, want: string[]): string | undefined {
    if ((secret as any).type !== DOCKERCFG) return undefined;
    const raw = unb64((secret as any).data?.['.dockercfg']);
    if (raw === undefined) return undefined;
    let cfg: Record<string, { auth?: string; password?: string }>;
    try {
      cfg = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const keys = Object.keys(cfg ?? {});
    if (keys.length !== want.length || !want.every((u) => keys.includes(u))) return undefined;
    let token: string | undefined;
    for (const e of Object.values(cfg)) {
      const pw = e?.password ?? (e?.auth ? unb64(e.auth)!.split(':').slice(1).join(':') : undefined);
      if (!pw || !opts.tokenValid(pw)) return undefined;
      token = pw;
    }
    return token;
  }

  function syncSecret(ns: string, name: string, want: string[]): void {
    const secret = tryGet(store, SECRETS, ns, name);
    if (!secret || !isManaged(secret)) return;
    const saName = secret.metadata.annotations![AUTH_TOKEN_SA]!;
    const sa = tryGet(store, SAS, ns, saName);
    if (!sa) {
      store.delete(SECRETS, ns, name);
      return;
    }
    const ref = sa.metadata.annotations?.[PULL_SECRET_REF];
    if (ref === undefined) return;
    if (ref !== name) {
      dropFromAccount(sa, name);
      store.delete(SECRETS, ns, name);
      return;
    }
    const valid = tokenOf(secret, want) !== undefined;
    if (valid && secret.metadata.annotations?.[AUTH_TOKEN_BINDING] === 'bound') return;
    const next: any = { ...secret, metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [AUTH_TOKEN_BINDING]: 'bound' } } };
    if (!valid) {
      const { token } = opts.issueToken(ns, saName, sa.metadata.uid);
      const entry = { auth: b64(`<token>:${token}`) };
      next.data = { ...next.data, '.dockercfg': b64(JSON.stringify(Object.fromEntries(want.map((u) => [u, entry])))) };
    }
    store.update(SECRETS, next);
  }

  function dropFromAccount(sa: KubeObject, name: string): void {
    const s = sa as any;
    const pull = (s.imagePullSecrets ?? []) as Array<{ name: string }>;
    const mount = (s.secrets ?? []) as Array<{ name: string }>;
    if (!pull.some((r) => r.name === name) && !mount.some((r) => r.name === name)) return;
    const next: any = { ...sa, imagePullSecrets: pull.filter((r) => r.name !== name), secrets: mount.filter((r) => r.name !== name) };
    if (!next.secrets.length) delete next.secrets;
    store.update(SAS, next);
  }

  /** cleanup_controller.go, while the registry is disabled. */
  function cleanup(): void {
    let wait = Infinity;
    for (const sa of tryList(store, SAS)) {
      const ns = sa.metadata.namespace!;
      let name = sa.metadata.annotations?.[PULL_SECRET_REF];
      const prefix = getName(sa.metadata.name!, 'dockercfg-', 58);
      name ||= ((sa as any).imagePullSecrets ?? []).find((r: any) => r.name?.startsWith(prefix))?.name;
      name ||= ((sa as any).secrets ?? []).find((r: any) => r.name?.startsWith(prefix))?.name;
      if (!name) continue;
      const secret = tryGet(store, SECRETS, ns, name);
      if (secret && !secret.metadata.annotations?.[AUTH_TOKEN_SA] && !secret.metadata.annotations?.['openshift.io/token-secret.name']) continue;
      if (secret) {
        const age = Date.now() - Date.parse(secret.metadata.creationTimestamp ?? now());
        if (age < minAge) {
          wait = Math.min(wait, minAge - age);
          continue;
        }
        if (tryList(store, PODS, ns).some((p) => ((p.spec as any)?.imagePullSecrets ?? []).some((r: any) => r.name === name))) continue;
        store.delete(SECRETS, ns, name);
      }
      const s = sa as any;
      const next: any = { ...sa, imagePullSecrets: (s.imagePullSecrets ?? []).filter((r: any) => r.name !== name) };
      const mount = (s.secrets ?? []).filter((r: any) => r.name !== name);
      if (mount.length) next.secrets = mount;
      else delete next.secrets;
      store.update(SAS, next);
    }
    if (wait !== Infinity) loop.later(wait + 10);
  }

  const off = store.on((key, e) => {
    const o = e.object;
    const ns = o.metadata?.namespace;
    if (key === SAS) {
      if (e.type === 'DELETED') {
        // The garbage collector removes the secrets the account owns; the pull secret controller deletes orphans.
        for (const s of tryList(store, SECRETS, ns)) if (isManaged(s) && saOfSecret(s) === o.metadata.name) dirtySecrets.add(`${ns}/${s.metadata.name}`);
      } else dirtySas.add(`${ns}/${o.metadata.name}`);
      loop.trigger();
    } else if (key === SECRETS) {
      if ((o as any).type !== DOCKERCFG) return;
      const sa = saOfSecret(o);
      if (sa) dirtySas.add(`${ns}/${sa}`);
      if (isManaged(o)) dirtySecrets.add(`${ns}/${o.metadata.name}`);
      loop.trigger();
    } else if ((key === SERVICES && ns === REGISTRY_NS && o.metadata.name === 'image-registry' && e.type !== 'DELETED') || key === IMAGES || key === COS || key === CVS || key === CONFIGS) {
      loop.trigger();
    }
  });
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}

/** The managed secret's name of an account (tests). */
export function pullSecretRef(sa: KubeObject | undefined): string | undefined {
  return sa?.metadata.annotations?.[PULL_SECRET_REF];
}
