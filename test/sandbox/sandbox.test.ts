// The whole sandbox: profiles, kubectl with the written kubeconfig, skopeo through the router, pod logs,
// and a clean stop().
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from './index.ts';
import { createCA } from './pki.ts';
import { buildImage, writeDirImage } from './registry/testing/image.ts';
import type { Store } from './types.ts';

const run = promisify(execFile);
const CFG = 'imageregistry.operator.openshift.io/configs';
const NS = 'openshift-image-registry';
const cond = (s: Store, type: string): any => ((s.get(CFG, undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);

async function sh(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(cmd, args, { env: { PATH: process.env.PATH!, ...env }, timeout: 45_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}

function processesUsing(needle: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) pids.push(Number(d));
    } catch { /* gone */ }
  }
  return pids;
}

describe('aws profile', () => {
  let sb: Sandbox;
  let tmp: string;
  const kubectl = (...args: string[]) => sh('kubectl', args, { KUBECONFIG: sb.kubeconfigPath, HOME: tmp });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-test-'));
    const t0 = Date.now();
    sb = await startSandbox({ profile: 'aws' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  afterAll(async () => {
    await sb?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is Available, not Degraded, with 2 ready registry pods', async () => {
    await sb.waitFor((s) => cond(s, 'Available')?.reason === 'Ready', 10_000);
    expect(cond(sb.store, 'Degraded').status).toBe('False');
    const pods = sb.store.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items;
    expect(pods.filter((p: any) => p.status.phase === 'Running' && p.status.containerStatuses[0].ready)).toHaveLength(2);
    expect((sb.store.get(CFG, undefined, 'cluster')!.status as any).readyReplicas).toBe(2);
  });

  it('writes kubeconfig and env files', () => {
    expect(fs.readFileSync(sb.envPath, 'utf8')).toBe(`export KUBECONFIG=${sb.kubeconfigPath}\nexport HTTPS_PROXY=${sb.proxyUrl}\nexport NO_PROXY=127.0.0.1,localhost\nexport SANDBOX_REGISTRY_STORAGE=${sb.registryStorageDir}\n`);
    const kc = fs.readFileSync(sb.kubeconfigPath, 'utf8');
    expect(kc).toContain('current-context: admin');
    for (const c of ['admin', 'developer', 'system-admin']) expect(kc).toContain(`name: ${c}\n`);
  });

  it('kubectl reads the ClusterOperator and patches the config; the default route is admitted and published', async () => {
    const co = await kubectl('get', 'co', 'image-registry', '-o', 'json');
    expect(co.stderr).toBe('');
    const conds = JSON.parse(co.stdout).status.conditions;
    expect(conds.find((c: any) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'Ready' });
    const p = await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":true}}');
    expect(p.stdout).toContain('config.imageregistry.operator.openshift.io/cluster patched');
    await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? [])[0] === sb.defaultRouteHost);
    const r = JSON.parse((await kubectl('get', 'route', 'default-route', '-n', NS, '-o', 'json')).stdout);
    expect(r.status.ingress[0]).toMatchObject({ host: sb.defaultRouteHost, routerName: 'default', conditions: [{ type: 'Admitted', status: 'True' }] });
  });

  it('kubectl auth can-i as developer says no', async () => {
    const r = await kubectl('auth', 'can-i', 'patch', 'configs.imageregistry.operator.openshift.io', '--context', 'developer');
    expect(r.stdout.trim()).toBe('no');
  });

  it('skopeo copies and inspects through the router with the ingress CA and the admin token; the pods log it', async () => {
    await sb.waitFor((s) => !!(s.get('route.openshift.io/routes', NS, 'default-route')?.status as any)?.ingress, 10_000);
    const certs = path.join(tmp, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    const auth = path.join(tmp, 'auth.json');
    fs.writeFileSync(auth, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`user:${sb.tokens.admin}`).toString('base64') } } }));
    await writeDirImage(path.join(tmp, 'src'), buildImage('hello from the sandbox test\n'));
    const env = { ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    const ref = `docker://${sb.defaultRouteHost}/default/hello:v1`;
    const copy = await sh('skopeo', ['copy', '--dest-authfile', auth, '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, ref], env);
    expect(copy.stderr).not.toMatch(/level=fatal/);
    expect(copy.code).toBe(0);
    const inspect = await sh('skopeo', ['inspect', '--authfile', auth, '--cert-dir', certs, ref], env);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout).Name).toBe(`${sb.defaultRouteHost}/default/hello`);
    const lines = sb.store.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items
      .flatMap((p) => sb.store.logs.read(NS, p.metadata.name!, 'registry').map((l) => l.line));
    expect(lines.some((l) => /msg="response completed"/.test(l) && l.includes('/v2/default/hello/manifests/v1'))).toBe(true);
    expect(lines.join('\n')).not.toContain(sb.tokens.admin);
  });

  it('serves a custom route with its own certificate and the service host with the service CA', async () => {
    const ca = await createCA('custom-route-ca');
    const leaf = await ca.issue({ commonName: 'registry.example.com', dnsNames: ['registry.example.com'] });
    const b = (x: string) => Buffer.from(x).toString('base64');
    sb.store.create('/secrets', { metadata: { name: 'public-route-tls', namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': b(leaf.certPem), 'tls.key': b(leaf.keyPem), 'tls.cacrt': b(ca.certPem) } });
    const p = await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p',
      '{"spec":{"routes":[{"name":"public-routes","hostname":"registry.example.com","secretName":"public-route-tls"}]}}');
    expect(p.code).toBe(0);
    await sb.waitFor((s) => ((s.get('route.openshift.io/routes', NS, 'public-routes')?.status as any)?.ingress ?? [])[0]?.conditions?.[0]?.status === 'True');
    const env = { ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    const check = async (host: string, caPem: string) => {
      const certs = fs.mkdtempSync(path.join(tmp, 'certs-'));
      fs.writeFileSync(path.join(certs, 'ca.crt'), caPem);
      const auth = path.join(certs, 'auth.json');
      fs.writeFileSync(auth, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`user:${sb.tokens.admin}`).toString('base64') } } }));
      return sh('skopeo', ['inspect', '--authfile', auth, '--cert-dir', certs, `docker://${host}/default/hello:v1`], env);
    };
    const custom = await check('registry.example.com', ca.certPem);
    expect(custom.stderr).toBe('');
    expect(JSON.parse(custom.stdout).Name).toBe('registry.example.com/default/hello');
    expect((await check('registry.example.com', sb.caPems.ingress)).stderr).toMatch(/certificate signed by unknown authority/);
    const svc = await check('image-registry.openshift-image-registry.svc:5000', sb.caPems.service);
    expect(svc.stderr).toBe('');
    const logs = await kubectl('logs', '-n', NS, 'deployment/image-registry');
    expect(logs.stdout).toMatch(/msg="listening on :5000, tls"/);
  });

  it('stop() ends every process and removes its temp dirs', async () => {
    const dataDir = sb.registryDataDir;
    expect(processesUsing(dataDir).length).toBeGreaterThan(0);
    await sb.stop();
    expect(processesUsing(dataDir)).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(fs.existsSync(sb.dir)).toBe(false);
    const r = await kubectl('get', 'ns', '--request-timeout', '3s');
    expect(r.code).not.toBe(0);
  });
});

describe('baremetal and degraded profiles', () => {
  it('baremetal: Removed; a RWO PVC with RollingUpdate gives the real message and turns Degraded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-test-'));
    const sb = await startSandbox({ profile: 'baremetal', dir: path.join(dir, 'cluster'), degradedAfterMs: 0 });
    try {
      expect(cond(sb.store, 'Removed')).toMatchObject({ status: 'True', reason: 'Removed' });
      expect(cond(sb.store, 'Available')).toMatchObject({ status: 'True', reason: 'Removed' });
      expect(sb.store.get('apps/deployments', NS, 'image-registry')).toBeUndefined();
      expect(fs.existsSync(path.join(dir, 'cluster', 'kubeconfig'))).toBe(true);
      const env = { KUBECONFIG: sb.kubeconfigPath, HOME: dir };
      fs.writeFileSync(path.join(dir, 'pvc.yaml'), 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: registry-rwo, namespace: openshift-image-registry}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Gi}}}\n');
      const a = await sh('kubectl', ['apply', '-f', path.join(dir, 'pvc.yaml')], env);
      expect(a.stderr).toBe('');
      const p = await sh('kubectl', ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p',
        '{"spec":{"managementState":"Managed","replicas":1,"storage":{"pvc":{"claim":"registry-rwo"}}}}'], env);
      expect(p.stderr).toBe('');
      expect(p.code).toBe(0);
      await sb.waitFor((s) => cond(s, 'Degraded')?.status === 'True', 10_000);
      expect(cond(sb.store, 'Progressing')).toMatchObject({
        status: 'True', reason: 'Error',
        message: 'Unable to apply resources: unable to sync storage configuration: cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy',
      });
      expect(cond(sb.store, 'StorageExists')).toMatchObject({ status: 'False', reason: 'PVC Issues Found' });
    } finally {
      await sb.stop();
      expect(fs.existsSync(path.join(dir, 'cluster', 'kubeconfig'))).toBe(true); // a given dir is kept
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('degraded: Degraded, with the missing S3 key named in the operator conditions', async () => {
    const sb = await startSandbox({ profile: 'degraded' });
    try {
      expect(cond(sb.store, 'Degraded')).toMatchObject({ status: 'True', reason: 'Unavailable' });
      expect(cond(sb.store, 'Progressing').message).toBe('Unable to apply resources: unable to sync storage configuration: secret "openshift-image-registry/image-registry-private-configuration-user" does not contain required key "REGISTRY_STORAGE_S3_SECRETKEY"');
      const co = sb.store.get('config.openshift.io/clusteroperators', undefined, 'image-registry') as any;
      expect(co.status.conditions.find((c: any) => c.type === 'Degraded').status).toBe('True');
    } finally {
      await sb.stop();
    }
  });
});
