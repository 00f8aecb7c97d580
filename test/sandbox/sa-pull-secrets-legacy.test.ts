// OpenShift 4.14's per-service-account pull secrets (operator/sa-pull-secrets-legacy.ts: openshift-controller-manager
// release-4.14 pkg/serviceaccounts/controllers, kube-controller-manager's tokens controller): read back with kubectl,
// the legacy token checked with skopeo against the sandbox registry; the registry-URL rules against a bare store.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from './index.ts';
import { createStore } from './store.ts';
import type { KubeObject, Store } from './types.ts';
import { CREATED_BY, PENDING_TOKEN, SA_NAME, SA_UID, startLegacyServiceAccountPullSecrets, TOKEN_SECRET_NAME, TOKEN_SECRET_VALUE } from './operator/sa-pull-secrets-legacy.ts';
import { skopeoLogin as loginWithSkopeo } from '../helpers/skopeo-login.ts';

const pexec = promisify(execFile);
const NS = 'legacypull';
const HOST = 'image-registry.openshift-image-registry.svc:5000';
const SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]{5}';
let sb: Sandbox;
let tmp: string;

async function kubectl(args: string[], json = true): Promise<any> {
  const r = await pexec('kubectl', json ? [...args, '-o', 'json'] : args, { env: { PATH: process.env.PATH!, HOME: tmp, KUBECONFIG: sb.kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 });
  return json ? JSON.parse(r.stdout) : r.stdout;
}
const names = (l: Array<{ name: string }> | undefined) => (l ?? []).map((r) => r.name);
const account = (sa: string, s: Store = sb.store): any => s.get('/serviceaccounts', NS, sa);
const own = (sa: string, s: Store = sb.store) => names(account(sa, s)?.imagePullSecrets).find((n) => n.startsWith(`${sa}-dockercfg-`));
const dockercfg = (s: any) => JSON.parse(Buffer.from(s.data['.dockercfg'], 'base64').toString());
const tokenOf = (s: any) => Buffer.from(s.data.token, 'base64').toString();
/** The account lists a dockercfg secret in both lists and that secret exists. */
const settled = (sa: string) => (s: Store) => {
  const a: any = s.get('/serviceaccounts', NS, sa);
  const n = names(a?.imagePullSecrets).find((x) => x.startsWith(`${sa}-dockercfg-`));
  return !!n && names(a.secrets).includes(n) && !!s.get('/secrets', NS, n);
};

const skopeoLogin = (password: string) => loginWithSkopeo(sb, tmp, HOST, 'serviceaccount', password);

/** Who the API server says a token is (kubectl auth whoami with only that token), or undefined when it is refused. */
async function whoami(token: string): Promise<string | undefined> {
  const cfg = await kubectl(['config', 'view', '--raw', '--minify']);
  const ca = path.join(tmp, 'api-ca.crt');
  fs.writeFileSync(ca, Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64'));
  try {
    const r = await pexec('kubectl', ['auth', 'whoami', '--server', cfg.clusters[0].cluster.server, '--certificate-authority', ca, '--token', token, '-o', 'json'],
      { env: { PATH: process.env.PATH!, HOME: tmp, KUBECONFIG: '/dev/null', NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 });
    return JSON.parse(r.stdout).status.userInfo.username;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sa-legacy-'));
  sb = await startSandbox({ profile: 'aws', clusterVersion: '4.14' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => ['default', 'builder', 'deployer'].every((sa) => settled(sa)(s)));
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('4.14: legacy token secret + dockercfg secret per service account (openshift-controller-manager release-4.14)', () => {
  it('the account lists <sa>-dockercfg-<5> in secrets and imagePullSecrets; no ref annotation, no pending annotation, the token secret in neither list', async () => {
    const sa = await kubectl(['get', 'sa', 'default', '-n', NS]);
    const name = own('default')!;
    expect(name).toMatch(new RegExp(`^default-dockercfg-${SUFFIX}$`));
    expect(sa.secrets).toEqual([{ name }]);
    expect(sa.imagePullSecrets).toEqual([{ name }]);
    expect(sa.metadata.annotations).toBeUndefined();
    const secret = await kubectl(['get', 'secret', name, '-n', NS]);
    const tokenName = secret.metadata.annotations[TOKEN_SECRET_NAME];
    expect(tokenName).toMatch(new RegExp(`^default-token-${SUFFIX}$`));
    expect(names(sa.secrets)).not.toContain(tokenName);
    const token = await kubectl(['get', 'secret', tokenName, '-n', NS]);
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata.annotations).toEqual({ [SA_NAME]: 'default', [SA_UID]: sa.metadata.uid, [CREATED_BY]: 'openshift.io/create-dockercfg-secrets' });
    expect(Object.keys(token.data)).toEqual(['ca.crt', 'namespace', 'service-ca.crt', 'token']);
    expect(Buffer.from(token.data.namespace, 'base64').toString()).toBe(NS);
    expect(Buffer.from(token.data['service-ca.crt'], 'base64').toString()).toBe(sb.caPems.service);
    const ca = Buffer.from(token.data['ca.crt'], 'base64').toString();
    expect(ca.startsWith(sb.caPems.api)).toBe(true);
    expect(ca).toContain(sb.caPems.ingress.trim());

    expect(secret.type).toBe('kubernetes.io/dockercfg');
    expect(secret.metadata.annotations).toEqual({ [SA_NAME]: 'default', [SA_UID]: sa.metadata.uid, [TOKEN_SECRET_NAME]: tokenName, [TOKEN_SECRET_VALUE]: tokenOf(token) });
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Secret', name: tokenName, uid: token.metadata.uid, controller: true, blockOwnerDeletion: false }]);
    const svc = sb.store.get('/services', 'openshift-image-registry', 'image-registry') as any;
    const cfg = dockercfg(secret);
    expect(Object.keys(cfg)).toEqual([`${svc.spec.clusterIP}:5000`, 'image-registry.openshift-image-registry.svc.cluster.local:5000', HOST]);
    const t = tokenOf(token);
    for (const e of Object.values(cfg)) expect(e).toEqual({ username: 'serviceaccount', password: t, email: 'serviceaccount@example.org', auth: Buffer.from(`serviceaccount:${t}`).toString('base64') });
    // Every account of every namespace: the platform's too.
    expect(names((sb.store.get('/serviceaccounts', 'openshift-image-registry', 'registry') as any).imagePullSecrets)).toEqual([expect.stringMatching(new RegExp(`^registry-dockercfg-${SUFFIX}$`))]);
  });

  it("the legacy token logs in to the registry (skopeo) while its token secret exists; deleting it takes the dockercfg secret along and a new pair is made", async () => {
    const name = own('deployer')!;
    const secret: any = sb.store.get('/secrets', NS, name);
    const tokenName = secret.metadata.annotations[TOKEN_SECRET_NAME];
    const token = dockercfg(secret)[HOST].password;
    const good = await skopeoLogin(token);
    expect(good.ok, good.stderr).toBe(true);
    expect(await whoami(token)).toBe(`system:serviceaccount:${NS}:deployer`);
    await kubectl(['delete', 'secret', tokenName, '-n', NS], false);
    await sb.waitFor((s) => !s.get('/secrets', NS, name) && settled('deployer')(s) && own('deployer', s) !== name);
    expect(await whoami(token)).toBeUndefined();
    const fresh: any = sb.store.get('/secrets', NS, own('deployer')!);
    expect(fresh.metadata.annotations[TOKEN_SECRET_NAME]).not.toBe(tokenName);
    expect(names(account('deployer').secrets)).toEqual([own('deployer')]);
  });

  it('taken out of imagePullSecrets only, the same secret is added back (it is still in secrets); the order of the others is kept', async () => {
    const name = own('default')!;
    await kubectl(['patch', 'sa', 'default', '-n', NS, '--type', 'merge', '-p', JSON.stringify({ imagePullSecrets: [{ name: 'mine' }] })]);
    await sb.waitFor((s) => names(account('default', s).imagePullSecrets).length === 2);
    expect(names(account('default').imagePullSecrets)).toEqual(['mine', name]);
    expect(names(account('default').secrets)).toEqual([name]);
  });

  it('taken out of both lists, a NEW token and dockercfg secret are made and linked; the old ones stay and the old token still works', async () => {
    const old = own('default')!;
    const oldToken = dockercfg(sb.store.get('/secrets', NS, old))[HOST].password;
    await kubectl(['patch', 'sa', 'default', '-n', NS, '--type', 'merge', '-p', JSON.stringify({ imagePullSecrets: [{ name: 'mine' }], secrets: null })]);
    await sb.waitFor((s) => settled('default')(s) && own('default', s) !== old);
    const fresh = own('default')!;
    expect(fresh).toMatch(new RegExp(`^default-dockercfg-${SUFFIX}$`));
    expect(names(account('default').imagePullSecrets)).toEqual(['mine', fresh]);
    expect(names(account('default').secrets)).toEqual([fresh]);
    expect(sb.store.get('/secrets', NS, old)).toBeDefined();
    expect(await whoami(oldToken)).toBe(`system:serviceaccount:${NS}:default`);
    // Deleting the left-over dockercfg secret deletes its token secret too (DockercfgDeletedController).
    const oldTokenName = (sb.store.get('/secrets', NS, old) as any).metadata.annotations[TOKEN_SECRET_NAME];
    await kubectl(['delete', 'secret', old, '-n', NS], false);
    await sb.waitFor((s) => !s.get('/secrets', NS, oldTokenName));
    expect(await whoami(oldToken)).toBeUndefined();
    expect(own('default')).toBe(fresh);
  });

  it('a deleted dockercfg secret leaves both lists, its token secret goes, and a new pair is linked', async () => {
    const name = own('builder')!;
    const tokenName = (sb.store.get('/secrets', NS, name) as any).metadata.annotations[TOKEN_SECRET_NAME];
    await kubectl(['delete', 'secret', name, '-n', NS], false);
    await sb.waitFor((s) => !s.get('/secrets', NS, tokenName) && settled('builder')(s) && own('builder', s) !== name);
    expect(names(account('builder').secrets)).not.toContain(name);
    expect(account('builder').metadata.annotations?.[PENDING_TOKEN]).toBeUndefined();
  });

  it('a deleted account takes its token and dockercfg secrets with it', async () => {
    await kubectl(['create', 'sa', 'shortlived', '-n', NS], false);
    await sb.waitFor(settled('shortlived'));
    const name = own('shortlived')!;
    const tokenName = (sb.store.get('/secrets', NS, name) as any).metadata.annotations[TOKEN_SECRET_NAME];
    await kubectl(['delete', 'sa', 'shortlived', '-n', NS], false);
    await sb.waitFor((s) => !s.get('/secrets', NS, name) && !s.get('/secrets', NS, tokenName));
  });

  it("adds the registry's external hosts (image.config status) to every dockercfg secret when the default route is exposed", async () => {
    const cfg = 'imageregistry.operator.openshift.io/configs';
    const cur: any = sb.store.get(cfg, undefined, 'cluster');
    sb.store.update(cfg, { ...cur, spec: { ...cur.spec, defaultRoute: true } });
    await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster') as any)?.status?.externalRegistryHostnames ?? []).length > 0);
    const ext: string[] = (sb.store.get('config.openshift.io/images', undefined, 'cluster') as any).status.externalRegistryHostnames;
    await sb.waitFor((s) => ext.every((h) => h in dockercfg(s.get('/secrets', NS, own('default', s)!))));
    const c = dockercfg(sb.store.get('/secrets', NS, own('default')!));
    expect(Object.keys(c)).toEqual([...Object.keys(c)].sort());
    expect(Object.keys(c)).toHaveLength(3 + ext.length);
  });
});

describe('registry URLs (docker_registry_service.go) on a bare store', () => {
  let stops: Array<() => void> = [];
  afterEach(() => {
    for (const s of stops) s();
    stops = [];
  });
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(pred()).toBe(true);
  };

  function bare(): { store: Store; revoked: string[] } {
    const store = createStore();
    const revoked: string[] = [];
    store.create('/namespaces', { metadata: { name: NS } } as KubeObject);
    store.create('/serviceaccounts', { metadata: { name: 'default', namespace: NS } } as KubeObject);
    let n = 0;
    const c = startLegacyServiceAccountPullSecrets(store, { issueToken: () => ({ token: `t${++n}` }), revokeToken: (t) => revoked.push(t), apiServerCaPem: 'API', serviceCaPem: 'SVC' });
    stops.push(c.stop);
    return { store, revoked };
  }

  it('no registry Service: the secret is made with {}; the Service (443) adds the port-less forms; deleting it empties the secret again', async () => {
    const { store } = bare();
    await until(() => settled('default')(store));
    const get = () => dockercfg(store.get('/secrets', NS, own('default', store)!));
    expect(get()).toEqual({});
    store.create('/namespaces', { metadata: { name: 'openshift-image-registry' } } as KubeObject);
    store.create('/services', { metadata: { name: 'image-registry', namespace: 'openshift-image-registry' }, spec: { clusterIP: '172.30.0.9', ports: [{ port: 443 }] } } as KubeObject);
    await until(() => Object.keys(get()).length > 0);
    expect(Object.keys(get())).toEqual(['172.30.0.9', '172.30.0.9:443', 'image-registry.openshift-image-registry.svc', 'image-registry.openshift-image-registry.svc.cluster.local', 'image-registry.openshift-image-registry.svc.cluster.local:443', 'image-registry.openshift-image-registry.svc:443']);
    expect(get()['172.30.0.9'].password).toBe('t1');
    store.delete('/services', 'openshift-image-registry', 'image-registry');
    await until(() => Object.keys(get()).length === 0);
  });

  it('an IPv6 cluster IP gives only the service names; the legacy default/docker-registry Service counts too', async () => {
    const { store } = bare();
    await until(() => settled('default')(store));
    const get = () => dockercfg(store.get('/secrets', NS, own('default', store)!));
    store.create('/namespaces', { metadata: { name: 'default' } } as KubeObject);
    store.create('/services', { metadata: { name: 'docker-registry', namespace: 'default' }, spec: { clusterIP: 'fd02::1', ports: [{ port: 5000 }] } } as KubeObject);
    await until(() => Object.keys(get()).length > 0);
    expect(Object.keys(get())).toEqual(['docker-registry.default.svc.cluster.local:5000', 'docker-registry.default.svc:5000']);
  });

  it('the pending annotation names the token secret until the dockercfg secret is linked; a deleted account revokes its token', async () => {
    const { store, revoked } = bare();
    const seen: string[] = [];
    const off = store.on((key, e) => {
      const p = (e.object.metadata.annotations as any)?.[PENDING_TOKEN];
      if (key === '/serviceaccounts' && p) seen.push(p);
    });
    await until(() => settled('default')(store));
    off();
    const token = (store.get('/secrets', NS, own('default', store)!) as any).metadata.annotations[TOKEN_SECRET_NAME];
    expect(seen[0]).toBe(token);
    expect(account('default', store).metadata.annotations).toBeUndefined();
    store.delete('/serviceaccounts', NS, 'default');
    await until(() => store.list('/secrets', NS).items.length === 0);
    expect(revoked).toEqual(['t1']);
  });
});
