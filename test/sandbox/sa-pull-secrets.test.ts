// openshift-controller-manager's per-service-account pull secrets (operator/sa-pull-secrets.ts, release-4.17
// pkg/internalregistry/controllers): read back with kubectl, the credential checked with skopeo against the
// sandbox registry; the Removed/capability cleanup against a bare store.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from './index.ts';
import { createStore } from './store.ts';
import type { KubeObject, Store } from './types.ts';
import { AUTH_TOKEN_SA, getName, PULL_SECRET_REF, startServiceAccountPullSecrets } from './operator/sa-pull-secrets.ts';
import { skopeoLogin as loginWithSkopeo } from '../helpers/skopeo-login.ts';

const pexec = promisify(execFile);
const NS = 'sapull';
const HOST = 'image-registry.openshift-image-registry.svc:5000';
const NAME = /^default-dockercfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
let sb: Sandbox;
let tmp: string;

async function kubectl(args: string[], json = true): Promise<any> {
  const r = await pexec('kubectl', json ? [...args, '-o', 'json'] : args, { env: { PATH: process.env.PATH!, HOME: tmp, KUBECONFIG: sb.kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 });
  return json ? JSON.parse(r.stdout) : r.stdout;
}
const names = (l: Array<{ name: string }> | undefined) => (l ?? []).map((r) => r.name);
const ref = (sa: string, ns = NS) => (sb.store.get('/serviceaccounts', ns, sa) as any)?.metadata?.annotations?.[PULL_SECRET_REF] as string | undefined;
const dockercfg = (s: any) => JSON.parse(Buffer.from(s.data['.dockercfg'], 'base64').toString());
const filled = (ns: string, sa: string) => (s: Store) => {
  const name = (s.get('/serviceaccounts', ns, sa) as any)?.metadata?.annotations?.[PULL_SECRET_REF];
  const secret: any = name && s.get('/secrets', ns, name);
  return !!secret && Object.keys(dockercfg(secret)).length > 0;
};

const skopeoLogin = (password: string) => loginWithSkopeo(sb, tmp, HOST, '<token>', password);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sa-pull-'));
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => ['default', 'builder', 'deployer'].every((sa) => filled(NS, sa)(s)));
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('per-service-account pull secrets (openshift-controller-manager)', () => {
  it('gives every account a <sa>-dockercfg-<5 chars> secret: ref annotation, secrets and imagePullSecrets, owner, type, one entry per registry URL', async () => {
    const sa = await kubectl(['get', 'sa', 'default', '-n', NS]);
    const name = sa.metadata.annotations[PULL_SECRET_REF];
    expect(name).toMatch(NAME);
    expect(sa.imagePullSecrets).toEqual([{ name }]);
    expect(sa.secrets).toEqual([{ name }]);
    for (const other of ['builder', 'deployer']) expect(ref(other)).toMatch(new RegExp(`^${other}-dockercfg-[a-z0-9]{5}$`));
    const secret = await kubectl(['get', 'secret', name, '-n', NS]);
    expect(secret.type).toBe('kubernetes.io/dockercfg');
    expect(secret.metadata.annotations).toEqual({ [AUTH_TOKEN_SA]: 'default', 'openshift.io/internal-registry-auth-token.binding': 'bound' });
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', uid: sa.metadata.uid }]);
    const svc = sb.store.get('/services', 'openshift-image-registry', 'image-registry') as any;
    const cfg = dockercfg(secret);
    expect(Object.keys(cfg)).toEqual([`${svc.spec.clusterIP}:5000`, 'image-registry.openshift-image-registry.svc.cluster.local:5000', HOST]);
    for (const e of Object.values(cfg) as any[]) {
      expect(Object.keys(e)).toEqual(['auth']);
      expect(Buffer.from(e.auth, 'base64').toString()).toMatch(/^<token>:\S+$/);
    }
    // Every account of every namespace, the platform's too (upstream does not skip any).
    expect(ref('default', 'openshift-image-registry')).toMatch(NAME);
  });

  it("the secret's credential logs in to the registry (skopeo); a wrong token does not", async () => {
    const secret: any = sb.store.get('/secrets', NS, ref('default')!);
    const token = Buffer.from((dockercfg(secret)[HOST] as any).auth, 'base64').toString().slice('<token>:'.length);
    const good = await skopeoLogin(token);
    expect(good.ok, good.stderr).toBe(true);
    expect((await skopeoLogin(token.slice(0, -4) + 'xxxx')).ok).toBe(false);
  });

  it('keeps the entries others set and adds its own back after the end when a write drops it (merge patch of the atomic list)', async () => {
    const name = ref('default')!;
    await kubectl(['patch', 'sa', 'default', '-n', NS, '--type', 'merge', '-p', JSON.stringify({ imagePullSecrets: [{ name: 'mine' }, { name: 'theirs' }], secrets: [{ name: 'mine' }] })]);
    await sb.waitFor((s) => names((s.get('/serviceaccounts', NS, 'default') as any).imagePullSecrets).length === 3);
    const sa = await kubectl(['get', 'sa', 'default', '-n', NS]);
    expect(names(sa.imagePullSecrets)).toEqual(['mine', 'theirs', name]);
    expect(names(sa.secrets)).toEqual(['mine', name]);
    expect(sa.metadata.annotations[PULL_SECRET_REF]).toBe(name);
    // Nothing more to do: the account stays as it is.
    const rv = sa.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 200));
    expect((await kubectl(['get', 'sa', 'default', '-n', NS])).metadata.resourceVersion).toBe(rv);
  });

  it('re-creates a deleted secret under the same name; the annotation, if removed, comes back naming it', async () => {
    const name = ref('builder')!;
    const uid = (sb.store.get('/secrets', NS, name) as any).metadata.uid;
    await kubectl(['delete', 'secret', name, '-n', NS], false);
    await sb.waitFor((s) => { const x: any = s.get('/secrets', NS, name); return !!x && x.metadata.uid !== uid && filled(NS, 'builder')(s); });
    await kubectl(['annotate', 'sa', 'builder', '-n', NS, `${PULL_SECRET_REF}-`], false);
    await sb.waitFor(() => ref('builder') === name);
    expect(sb.store.list('/secrets', NS).items.filter((s: any) => s.metadata.annotations?.[AUTH_TOKEN_SA] === 'builder')).toHaveLength(1);
  });

  it("adds the registry's external hosts (image.config status) when the default route is exposed", async () => {
    const cfg = 'imageregistry.operator.openshift.io/configs';
    const cur: any = sb.store.get(cfg, undefined, 'cluster');
    sb.store.update(cfg, { ...cur, spec: { ...cur.spec, defaultRoute: true } });
    await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster') as any)?.status?.externalRegistryHostnames ?? []).length > 0);
    const ext: string[] = (sb.store.get('config.openshift.io/images', undefined, 'cluster') as any).status.externalRegistryHostnames;
    await sb.waitFor((s) => ext.every((h) => h in dockercfg(s.get('/secrets', NS, ref('deployer')!))));
    expect(Object.keys(dockercfg(sb.store.get('/secrets', NS, ref('deployer')!)))).toHaveLength(3 + ext.length);
  });

  it('deletes the secret of a deleted account', async () => {
    await kubectl(['create', 'sa', 'shortlived', '-n', NS], false);
    await sb.waitFor(filled(NS, 'shortlived'));
    const name = ref('shortlived')!;
    await kubectl(['delete', 'sa', 'shortlived', '-n', NS], false);
    await sb.waitFor((s) => !s.get('/secrets', NS, name));
  });
});

describe('registry disabled (cluster-openshift-controller-manager-operator ImagePullSecretCleanupController)', () => {
  let stops: Array<() => void> = [];
  afterEach(() => {
    for (const s of stops) s();
    stops = [];
  });

  function setReason(s: Store, reason: string): void {
    const co: any = s.get('config.openshift.io/clusteroperators', undefined, 'image-registry');
    s.update('config.openshift.io/clusteroperators', { ...co, status: { conditions: [{ type: 'Available', status: 'True', reason }] } }, { subresource: 'status' });
  }

  function bare(opts: { removed?: boolean; capability?: boolean; minAgeMs?: number } = {}): Store {
    const store = createStore();
    store.create('config.openshift.io/clusterversions', { metadata: { name: 'version' } } as KubeObject);
    const cv: any = store.get('config.openshift.io/clusterversions', undefined, 'version');
    store.update('config.openshift.io/clusterversions', { ...cv, status: { capabilities: { enabledCapabilities: opts.capability === false ? ['Console'] : ['Console', 'ImageRegistry'] } } }, { subresource: 'status' });
    if (opts.capability !== false) {
      // The registry operator has settled (node-ca available): the sandbox's controller starts then.
      const cfg = 'imageregistry.operator.openshift.io/configs';
      store.create(cfg, { apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: {} } as KubeObject);
      store.update(cfg, { ...store.get(cfg, undefined, 'cluster')!, status: { conditions: [{ type: 'NodeCADaemonAvailable', status: 'True' }] } }, { subresource: 'status' });
      store.create('config.openshift.io/clusteroperators', { metadata: { name: 'image-registry' } } as KubeObject);
      setReason(store, opts.removed ? 'Removed' : 'AsExpected');
    }
    store.create('/namespaces', { metadata: { name: 'openshift-image-registry' } } as KubeObject);
    store.create('/services', { metadata: { name: 'image-registry', namespace: 'openshift-image-registry' }, spec: { ports: [{ port: 5000 }] } } as KubeObject);
    store.create('/namespaces', { metadata: { name: 'a' } } as KubeObject);
    store.create('/serviceaccounts', { metadata: { name: 'default', namespace: 'a' } } as KubeObject);
    let n = 0;
    const c = startServiceAccountPullSecrets(store, { issueToken: () => ({ token: `t${++n}` }), tokenValid: () => true, cleanupMinAgeMs: opts.minAgeMs ?? 0 });
    stops.push(c.stop);
    return store;
  }
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(pred()).toBe(true);
  };
  const sa = (s: Store): any => s.get('/serviceaccounts', 'a', 'default');
  const removed = (s: Store) => setReason(s, 'Removed');

  it('Removed: deletes the managed secret and drops it from the account, keeping the other entries', async () => {
    const s = bare();
    await until(() => !!sa(s).metadata.annotations?.[PULL_SECRET_REF] && !!s.get('/secrets', 'a', sa(s).metadata.annotations[PULL_SECRET_REF]));
    const name = sa(s).metadata.annotations[PULL_SECRET_REF];
    s.update('/serviceaccounts', { ...sa(s), imagePullSecrets: [{ name: 'mine' }, ...sa(s).imagePullSecrets] });
    removed(s);
    await until(() => !s.get('/secrets', 'a', name));
    await until(() => !names(sa(s).imagePullSecrets).includes(name));
    expect(sa(s).imagePullSecrets).toEqual([{ name: 'mine' }]);
    expect(sa(s).secrets).toBeUndefined();
    // The annotation stays (the cleanup controller does not remove it), no new secret is made.
    expect(sa(s).metadata.annotations[PULL_SECRET_REF]).toBe(name);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.list('/secrets', 'a').items).toHaveLength(0);
  });

  it('Removed: a secret younger than the minimum age (10 min upstream) is kept', async () => {
    const s = bare({ minAgeMs: 60_000 });
    await until(() => !!s.get('/secrets', 'a', sa(s).metadata.annotations?.[PULL_SECRET_REF] ?? '-'));
    removed(s);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.list('/secrets', 'a').items).toHaveLength(1);
  });

  it('Removed from the start (bare metal): nothing is made; once Managed, every account gets its secret', async () => {
    const s = bare({ removed: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(sa(s).metadata.annotations).toBeUndefined();
    expect(s.list('/secrets').items).toHaveLength(0);
    setReason(s, 'AsExpected');
    await until(() => !!s.get('/secrets', 'a', sa(s).metadata.annotations?.[PULL_SECRET_REF] ?? '-'));
    expect(names(sa(s).imagePullSecrets)).toEqual([sa(s).metadata.annotations[PULL_SECRET_REF]]);
  });

  it('ImageRegistry capability disabled: no secret, no annotation, nothing added', async () => {
    const s = bare({ capability: false });
    s.create('/serviceaccounts', { metadata: { name: 'builder', namespace: 'a' } } as KubeObject);
    await new Promise((r) => setTimeout(r, 50));
    expect(sa(s).metadata.annotations).toBeUndefined();
    expect(sa(s).imagePullSecrets).toBeUndefined();
    expect(s.list('/secrets').items).toHaveLength(0);
  });
});

describe('names (library-go naming.GetName + SimpleNameGenerator)', () => {
  it('keeps short names, hashes long ones to fit 58 characters before the random suffix', () => {
    expect(getName('default', 'dockercfg-', 58)).toBe('default-dockercfg-');
    const long = 'a'.repeat(60);
    const n = getName(long, 'dockercfg-', 58);
    expect(n).toHaveLength(58);
    expect(n).toBe(`${'a'.repeat(38)}-92b9e111-dockercfg-`); // FNV-1a 32 of the base, as Go's hash/fnv New32a
  });
});

describe('a bare-metal sandbox (registry Removed since install)', () => {
  let bm: Sandbox | undefined;
  afterAll(async () => {
    await bm?.stop();
  });

  it('has no <sa>-dockercfg-<random> secrets, not even for a new namespace', async () => {
    bm = await startSandbox({ profile: 'baremetal' });
    bm.store.create('/namespaces', { metadata: { name: 'bm' } });
    await bm.waitFor((s) => !!s.get('/serviceaccounts', 'bm', 'deployer'));
    await new Promise((r) => setTimeout(r, 100));
    expect(bm.store.list('/secrets').items.filter((s: any) => s.type === 'kubernetes.io/dockercfg')).toEqual([]);
    expect((bm.store.get('/serviceaccounts', 'bm', 'default') as any).imagePullSecrets).toBeUndefined();
  }, 30_000);
});
