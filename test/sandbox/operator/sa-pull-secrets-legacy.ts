// The per-service-account image pull secrets of OpenShift 4.15 and older (the 4.14 sandbox): openshift-controller-
// manager release-4.14 (RunServiceAccountPullSecretsController in pkg/cmd/controller/serviceaccount.go, commit
// 1c76570bb6ca) makes them from legacy token secrets that the kube-controller-manager's tokens controller fills.
// - DockercfgController (pkg/serviceaccounts/controllers/create_dockercfg_secrets.go): an account whose `secrets`
//   or `imagePullSecrets` lacks a name starting with naming.GetName(sa, "dockercfg-", 58) first gets the annotation
//   `openshift.io/create-dockercfg-secrets.pending-token: <sa>-token-<5 chars>` (GetName(sa, "token-", 58) +
//   SimpleNameGenerator), then that Secret (type kubernetes.io/service-account-token, annotations
//   kubernetes.io/service-account.name/.uid and `kubernetes.io/created-by: openshift.io/create-dockercfg-secrets`,
//   no data); once it is filled, `<sa>-dockercfg-<5 chars>` (type kubernetes.io/dockercfg, annotations
//   kubernetes.io/service-account.name/.uid, openshift.io/token-secret.name and openshift.io/token-secret.value —
//   the token itself —, a controller owner reference to the token secret with blockOwnerDeletion false) is created
//   and appended to both `secrets` and `imagePullSecrets` (the pending annotation dropped). The token secret is in
//   neither list. When the account has such a name in one list only, the first (sorted) is added to the other
//   list; in neither: a new token and dockercfg secret are made (an unlinked one stays where it is). With both:
//   each listed pull secret whose token secret is gone is deleted, one without the owner reference gets it.
// - `.dockercfg`: `{URL: {username: "serviceaccount", password: TOKEN, email: "serviceaccount@example.org", auth:
//   base64("serviceaccount:" + TOKEN)}}` (credentialprovider.DockerConfigEntry.MarshalJSON, keys sorted) for every
//   registry URL; no URL → `{}`.
// - DockerRegistryServiceController (docker_registry_service.go): the URLs are the config's
//   `dockerPullSecret.registryURLs` (cluster-openshift-controller-manager-operator release-4.14
//   pkg/operator/configobservation/images/observe_images.go: image.config `status.externalRegistryHostnames`) and,
//   for each of the Services default/docker-registry and openshift-image-registry/image-registry (add, update and
//   delete), `NAME.NS.svc:PORT`, `CLUSTERIP:PORT` (IPv4 only), the port-less forms for 80/443 and
//   `NAME.NS.svc.cluster.local:PORT`; a changed set rewrites every dockercfg secret carrying
//   openshift.io/token-secret.name whose keys differ (the token from openshift.io/token-secret.value).
// - DockercfgDeletedController (deleted_dockercfg_secrets.go): a deleted dockercfg secret with
//   openshift.io/token-secret.name leaves its account's lists and its token secret is deleted.
// - DockercfgTokenDeletedController (deleted_token_secrets.go) and the garbage collector: a deleted token secret
//   takes the dockercfg secrets that name it with it.
// - kube-controller-manager's tokens controller (openshift/kubernetes pkg/controller/serviceaccount/
//   tokens_controller.go, generateTokenIfNeeded; 4.14 = kube 1.27, no auto-generated tokens): a
//   service-account-token Secret whose account (name, uid) exists gets `ca.crt` (the serviceaccount-ca bundle:
//   kube-apiserver-server-ca + default-ingress-cert, cluster-kube-controller-manager-operator
//   release-4.14 targetconfigcontroller.go manageServiceAccountCABundle, the KCM's root-ca-file in
//   bindata/assets/config/defaultconfig.yaml), `namespace`, `service-ca.crt` (OpenShift's carry) and
//   `token`, a legacy token that kube-apiserver accepts as long as the Secret exists; without its account the
//   Secret is deleted, and a deleted account's token secrets are deleted.
// Not simulated: legacy tokens are opaque (not JWTs), not checked against the Secret's current data, and carry no
// `kubernetes.io/legacy-token-last-used` label; the rate limits and retries of the controllers.
import type { KubeObject, Store } from '../types.ts';
import { getName } from './sa-pull-secrets.ts';
import { b64, Loop, randomSuffix, REGISTRY_NS, tryDelete, tryGet, tryList, unb64 } from './util.ts';

const SECRETS = '/secrets';
const SAS = '/serviceaccounts';
const SERVICES = '/services';
const CONFIGMAPS = '/configmaps';
const IMAGES = 'config.openshift.io/images';

export const SA_NAME = 'kubernetes.io/service-account.name';
export const SA_UID = 'kubernetes.io/service-account.uid';
export const TOKEN_SECRET_NAME = 'openshift.io/token-secret.name';
export const TOKEN_SECRET_VALUE = 'openshift.io/token-secret.value';
export const PENDING_TOKEN = 'openshift.io/create-dockercfg-secrets.pending-token';
export const CREATED_BY = 'kubernetes.io/created-by';
export const CREATED_BY_VALUE = 'openshift.io/create-dockercfg-secrets';
const TOKEN_TYPE = 'kubernetes.io/service-account-token';
const DOCKERCFG = 'kubernetes.io/dockercfg';
const SERVICE_LOCATIONS: Array<[string, string]> = [['default', 'docker-registry'], [REGISTRY_NS, 'image-registry']];

export interface LegacyPullSecretOptions {
  /** A legacy service-account token: valid until revoked. */
  issueToken(namespace: string, serviceAccount: string, uid: string | undefined): { token: string };
  /** The API server stops accepting a token (its Secret is gone). */
  revokeToken(token: string): void;
  /** kube-apiserver-server-ca (the first part of the serviceaccount-ca bundle). */
  apiServerCaPem: string;
  /** The service serving CA (service-ca.crt). */
  serviceCaPem: string;
  onError?: (e: unknown) => void;
}

export const dockercfgPrefix = (sa: string) => getName(sa, 'dockercfg-', 58);
export const tokenPrefix = (sa: string) => getName(sa, 'token-', 58);

type Ref = { name?: string; namespace?: string };
const names = (l: unknown) => ((l ?? []) as Ref[]).map((r) => String(r.name ?? ''));
const ann = (o: KubeObject) => (o.metadata.annotations ?? {}) as Record<string, string>;

/** credentialprovider.DockerConfig marshalled: sorted keys, each entry with username, password, email, auth. */
function dockercfgJson(urls: Iterable<string>, token: string): string {
  const entry = { username: 'serviceaccount', password: token, email: 'serviceaccount@example.org', auth: b64(`serviceaccount:${token}`) };
  return JSON.stringify(Object.fromEntries([...new Set(urls)].sort().map((u) => [u, entry])));
}

export function startLegacyServiceAccountPullSecrets(store: Store, opts: LegacyPullSecretOptions): { stop(): void; loop: Loop } {
  const dirtySas = new Set<string>();
  const dirtyTokens = new Set<string>();
  /**
   * Work for objects already deleted (their informer's DeleteFunc), run in the loop, not inside the store's event; a
   * failed one (a conflict) is tried again, 5 times at most (deleted_dockercfg_secrets.go retries its update so).
   */
  const afterDelete: Array<{ run: () => void; tries: number }> = [];
  /** Token value per token secret, to revoke it when the Secret goes. */
  const issued = new Map<string, string>();
  let urls: string[] | undefined;
  const loop = new Loop('sa-pull-secrets-legacy', reconcile, opts.onError);

  function registryUrls(): string[] {
    const out = [...(((tryGet(store, IMAGES, undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []) as string[])];
    for (const [ns, name] of SERVICE_LOCATIONS) {
      const spec = tryGet(store, SERVICES, ns, name)?.spec as any;
      const ip = String(spec?.clusterIP ?? '');
      const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
      if (!(v4 || ip.includes(':')) || !spec?.ports?.length) continue;
      const port = spec.ports[0].port;
      const host = `${name}.${ns}.svc`;
      out.push(`${host}:${port}`);
      if (v4) out.push(`${ip}:${port}`);
      if (port === 80 || port === 443) out.push(host, ...(v4 ? [ip] : []));
      out.push(`${host}.cluster.local:${port}`);
      if (port === 80 || port === 443) out.push(`${host}.cluster.local`);
    }
    return [...new Set(out)].sort();
  }

  function reconcile(): void {
    while (afterDelete.length) {
      const work = afterDelete[0]!;
      try {
        work.run();
      } catch (e) {
        if (++work.tries >= 5) afterDelete.shift();
        throw e;
      }
      afterDelete.shift();
    }
    const now = registryUrls();
    if (urls === undefined || urls.join() !== now.join()) {
      // Taken as done only when every secret is rewritten (a failed write: all again on the next pass; the rest match).
      for (const s of tryList(store, SECRETS)) if ((s as any).type === DOCKERCFG && ann(s)[TOKEN_SECRET_NAME] !== undefined) syncSecretUrls(s, now);
      urls = now;
    }
    for (const key of [...dirtyTokens]) {
      dirtyTokens.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      fillToken(ns, name);
    }
    for (const key of [...dirtySas]) {
      dirtySas.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      syncServiceAccount(ns, name);
    }
  }

  /** docker_registry_service.go syncSecretUpdate. */
  function syncSecretUrls(secret: KubeObject, want: string[]): void {
    let cfg: Record<string, { password?: string }> = {};
    try {
      cfg = JSON.parse(unb64((secret as any).data?.['.dockercfg']) ?? '{}') ?? {};
    } catch {
      // replaced below
    }
    const have = Object.keys(cfg).sort();
    if (have.join() === want.join()) return;
    let token = ann(secret)[TOKEN_SECRET_VALUE] || (have.length ? cfg[have[0]!]?.password : undefined);
    if (!token) token = unb64((tryGet(store, SECRETS, secret.metadata.namespace, ann(secret)[TOKEN_SECRET_NAME]!) as any)?.data?.token);
    if (!token) return;
    store.update(SECRETS, { ...secret, data: { ...(secret as any).data, '.dockercfg': b64(dockercfgJson(want, token)) } } as KubeObject);
  }

  /** The account a token secret is for, when it exists with the annotated uid (tokens_controller.go getServiceAccount). */
  function accountOf(secret: KubeObject): KubeObject | undefined {
    const sa = tryGet(store, SAS, secret.metadata.namespace, ann(secret)[SA_NAME] ?? '');
    const uid = ann(secret)[SA_UID];
    return sa && (!uid || uid === sa.metadata.uid) ? sa : undefined;
  }

  /** tokens_controller.go syncSecret: fill the token secret, or delete it when its account is gone. */
  function fillToken(ns: string, name: string): void {
    const secret = tryGet(store, SECRETS, ns, name);
    if (!secret || (secret as any).type !== TOKEN_TYPE || !ann(secret)[SA_NAME]) return;
    const sa = accountOf(secret);
    if (!sa) {
      tryDelete(store, SECRETS, ns, name);
      return;
    }
    const data = { ...((secret as any).data ?? {}) } as Record<string, string>;
    const ingress = String((tryGet(store, CONFIGMAPS, 'openshift-config-managed', 'default-ingress-cert') as any)?.data?.['ca-bundle.crt'] ?? '');
    const ca = b64(opts.apiServerCaPem + ingress);
    const serviceCa = b64(opts.serviceCaPem);
    if (data['ca.crt'] === ca && data['service-ca.crt'] === serviceCa && data.namespace && data.token) return;
    let issuedNow: string | undefined;
    if (!data.token) {
      issuedNow = opts.issueToken(ns, sa.metadata.name!, sa.metadata.uid).token;
      data.token = b64(issuedNow);
    }
    const next = { 'ca.crt': ca, namespace: data.namespace || b64(ns), 'service-ca.crt': serviceCa, token: data.token };
    const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !(k in next)));
    try {
      store.update(SECRETS, {
        ...secret,
        metadata: { ...secret.metadata, annotations: { ...ann(secret), [SA_NAME]: sa.metadata.name!, [SA_UID]: sa.metadata.uid! } },
        data: Object.fromEntries(Object.entries({ ...rest, ...next }).sort(([a], [b]) => (a < b ? -1 : 1))),
      } as KubeObject);
    } catch (e) {
      if (issuedNow) opts.revokeToken(issuedNow);
      throw e;
    }
    if (issuedNow) issued.set(`${ns}/${name}`, issuedNow);
  }

  /** create_dockercfg_secrets.go getGeneratedDockercfgSecretNames. */
  function generated(sa: KubeObject): { mount: string[]; pull: string[] } {
    const prefix = dockercfgPrefix(sa.metadata.name!);
    return { mount: names((sa as any).secrets).filter((n) => n.startsWith(prefix)).sort(), pull: names((sa as any).imagePullSecrets).filter((n) => n.startsWith(prefix)).sort() };
  }

  function syncServiceAccount(ns: string, name: string): void {
    let sa = tryGet(store, SAS, ns, name);
    if (!sa || sa.metadata.deletionTimestamp) return;
    const { mount, pull } = generated(sa);
    if (mount.length && pull.length) return syncOwnerRefs(sa);
    const s = structuredClone(sa) as any;
    if (mount.length || pull.length) {
      if (pull.length) s.secrets = [...(s.secrets ?? []), { name: pull[0] }];
      else s.imagePullSecrets = [...(s.imagePullSecrets ?? []), { name: mount[0] }];
      dropPending(s);
      store.update(SAS, s);
      return;
    }
    // createTokenSecret: record the pending name first, then create that Secret (empty; the tokens controller fills it).
    let pending = ann(sa)[PENDING_TOKEN];
    if (!pending) {
      pending = tokenPrefix(name) + randomSuffix(5);
      sa = store.update(SAS, { ...sa, metadata: { ...sa.metadata, annotations: { ...ann(sa), [PENDING_TOKEN]: pending } } });
    }
    const token = tryGet(store, SECRETS, ns, pending);
    if (!token) {
      store.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: pending, namespace: ns, annotations: { [SA_NAME]: name, [SA_UID]: sa.metadata.uid!, [CREATED_BY]: CREATED_BY_VALUE } },
        type: TOKEN_TYPE,
      } as KubeObject);
      return;
    }
    const value = unb64((token as any).data?.token);
    if (!value) return;
    const created = store.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: dockercfgPrefix(name) + randomSuffix(5),
        namespace: ns,
        annotations: { [SA_NAME]: name, [SA_UID]: sa.metadata.uid!, [TOKEN_SECRET_NAME]: pending, [TOKEN_SECRET_VALUE]: value },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: pending, uid: token.metadata.uid!, controller: true, blockOwnerDeletion: false }],
      },
      type: DOCKERCFG,
      data: { '.dockercfg': b64(dockercfgJson(urls ?? [], value)) },
    } as KubeObject);
    const next = structuredClone(sa) as any;
    next.secrets = [...(next.secrets ?? []), { name: created.metadata.name }];
    next.imagePullSecrets = [...(next.imagePullSecrets ?? []), { name: created.metadata.name }];
    dropPending(next);
    try {
      store.update(SAS, next);
    } catch (e) {
      // The account changed under us: upstream deletes the secret it made and comes back on the update.
      tryDelete(store, SECRETS, ns, created.metadata.name!);
      throw e;
    }
  }

  /** Upstream deletes the key from the map; an empty map is not serialized. */
  function dropPending(sa: any): void {
    if (!sa.metadata.annotations) return;
    delete sa.metadata.annotations[PENDING_TOKEN];
    if (!Object.keys(sa.metadata.annotations).length) delete sa.metadata.annotations;
  }

  /**
   * syncDockercfgOwnerRefs. Upstream looks `secrets` entries up under their own `namespace` field (empty for the
   * entries it writes, so they are not found); only `imagePullSecrets` entries are checked.
   */
  function syncOwnerRefs(sa: KubeObject): void {
    const ns = sa.metadata.namespace!;
    for (const r of [...names((sa as any).secrets).map((n, i) => ({ name: n, namespace: ((sa as any).secrets[i] as Ref).namespace ?? '' })).filter((x) => x.namespace === ns), ...names((sa as any).imagePullSecrets).map((n) => ({ name: n, namespace: ns }))]) {
      const pull = tryGet(store, SECRETS, ns, r.name);
      if (!pull || (pull as any).type !== DOCKERCFG) continue;
      const tokenName = ann(pull)[TOKEN_SECRET_NAME];
      if (!tokenName) continue;
      const token = tryGet(store, SECRETS, ns, tokenName);
      if (!token) {
        tryDelete(store, SECRETS, ns, r.name);
        continue;
      }
      const controlled = (pull.metadata.ownerReferences ?? []).some((o: any) => o.controller && o.uid === token.metadata.uid);
      if (controlled) continue;
      store.update(SECRETS, { ...pull, metadata: { ...pull.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: tokenName, uid: token.metadata.uid!, controller: true, blockOwnerDeletion: false }] } });
    }
  }

  /** deleted_dockercfg_secrets.go: drop the references from the account (name and uid must match), delete the token. */
  function dockercfgDeleted(secret: KubeObject): void {
    const ns = secret.metadata.namespace!;
    const a = ann(secret);
    const sa = a[SA_NAME] && a[SA_UID] ? tryGet(store, SAS, ns, a[SA_NAME]) : undefined;
    if (sa && sa.metadata.uid === a[SA_UID]) {
      const s = sa as any;
      const gone = (l: Ref[] | undefined) => (l ?? []).filter((r) => r.name !== secret.metadata.name);
      const mount = gone(s.secrets);
      const pull = gone(s.imagePullSecrets);
      if (mount.length !== (s.secrets ?? []).length || pull.length !== (s.imagePullSecrets ?? []).length) {
        const next: any = { ...sa, secrets: mount, imagePullSecrets: pull };
        if (!mount.length) delete next.secrets;
        if (!pull.length) delete next.imagePullSecrets;
        store.update(SAS, next);
      }
    }
    tryDelete(store, SECRETS, ns, a[TOKEN_SECRET_NAME]!);
  }

  /** A token secret is gone: the API server no longer accepts its token; its dockercfg secrets go (GC, deleted_token_secrets.go). */
  function tokenDeleted(secret: KubeObject): void {
    const ns = secret.metadata.namespace!;
    const key = `${ns}/${secret.metadata.name}`;
    const value = issued.get(key) ?? unb64((secret as any).data?.token);
    issued.delete(key);
    if (value) opts.revokeToken(value);
    for (const s of tryList(store, SECRETS, ns)) {
      if ((s as any).type === DOCKERCFG && ann(s)[TOKEN_SECRET_NAME] === secret.metadata.name) tryDelete(store, SECRETS, ns, s.metadata.name!);
    }
    // tokens_controller.go removeSecretReference: out of the account's `secrets` (where a user may have put it).
    const sa = accountOf(secret);
    if (sa && names((sa as any).secrets).includes(secret.metadata.name!)) {
      const mount = ((sa as any).secrets as Ref[]).filter((r) => r.name !== secret.metadata.name);
      const next: any = { ...sa, secrets: mount };
      if (!mount.length) delete next.secrets;
      store.update(SAS, next);
    }
    // handleTokenSecretDelete: an unfilled pending token of ours → the account is synced again (made anew).
    if (ann(secret)[SA_NAME]) dirtySas.add(`${ns}/${ann(secret)[SA_NAME]}`);
  }

  const off = store.on((key, e) => {
    const o = e.object;
    const ns = o.metadata?.namespace;
    if (key === SAS) {
      if (e.type === 'DELETED') {
        // tokens_controller.go deleteTokens: the account's token secrets (name and uid).
        afterDelete.push({ tries: 0, run: () => {
          for (const s of tryList(store, SECRETS, ns)) {
            const a = ann(s);
            if ((s as any).type === TOKEN_TYPE && a[SA_NAME] === o.metadata.name && (!a[SA_UID] || a[SA_UID] === o.metadata.uid)) tryDelete(store, SECRETS, ns, s.metadata.name!);
          }
        } });
      } else dirtySas.add(`${ns}/${o.metadata.name}`);
      loop.trigger();
    } else if (key === SECRETS) {
      const type = (o as any).type;
      if (type === TOKEN_TYPE) {
        if (e.type === 'DELETED') afterDelete.push({ tries: 0, run: () => tokenDeleted(o) });
        else {
          dirtyTokens.add(`${ns}/${o.metadata.name}`);
          if (ann(o)[CREATED_BY] === CREATED_BY_VALUE && (o as any).data?.token) dirtySas.add(`${ns}/${ann(o)[SA_NAME]}`);
        }
        loop.trigger();
      } else if (type === DOCKERCFG && e.type === 'DELETED' && ann(o)[TOKEN_SECRET_NAME] !== undefined) {
        afterDelete.push({ tries: 0, run: () => dockercfgDeleted(o) });
        loop.trigger();
      }
    } else if ((key === SERVICES && SERVICE_LOCATIONS.some(([n, s]) => n === ns && s === o.metadata.name)) || key === IMAGES || (key === CONFIGMAPS && ns === 'openshift-config-managed' && o.metadata.name === 'default-ingress-cert')) {
      if (key === CONFIGMAPS) for (const s of tryList(store, SECRETS)) if ((s as any).type === TOKEN_TYPE) dirtyTokens.add(`${s.metadata.namespace}/${s.metadata.name}`);
      loop.trigger();
    }
  });
  for (const sa of tryList(store, SAS)) dirtySas.add(`${sa.metadata.namespace}/${sa.metadata.name}`);
  for (const s of tryList(store, SECRETS)) if ((s as any).type === TOKEN_TYPE) dirtyTokens.add(`${s.metadata.namespace}/${s.metadata.name}`);
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}
