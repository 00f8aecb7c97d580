// A cluster whose default ingress certificate is a custom one signed by an intermediate of a private root (issue 15
// item 2): the router serves leaf + intermediate, default-ingress-cert holds leaf + intermediate, the root is nowhere.
// regctl must work there without --insecure-skip-tls-verify (Node accepts the intermediate as an anchor only with
// allowPartialTrustChain), and what `expose --trust` writes to certs.d must be what skopeo accepts. The root
// (sb.caPems.ingress) is never given to regctl or skopeo.
import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

let sb: Sandbox;
let t: LoginEnv;
let host: string;
let authfile: string;
let emptyCerts: string;

const pems = (s: string) => s.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const published = () => (sb.store.get('/configmaps', 'openshift-config-managed', 'default-ingress-cert') as any).data['ca-bundle.crt'] as string;
const noSecrets = (all: string) => {
  for (const tok of [sb.tokens.admin!, sb.tokens.developer!]) expect(all).not.toContain(tok);
};
const root = () => pems(sb.caPems.ingress)[0]!;

beforeAll(async () => {
  sb = await startSandbox({ ingressChain: 'intermediate' });
  t = await loginEnv(sb, 'ingress-intermediate');
  host = sb.defaultRouteHost;
  authfile = path.join(t.tmp, 'auth.json');
  emptyCerts = path.join(t.tmp, 'no-certs.d');
  fs.mkdirSync(emptyCerts);
}, 30_000);

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('a cluster whose ingress certificate chains to an intermediate of a private root', () => {
  it('premise: default-ingress-cert is leaf + intermediate, without the root', () => {
    const [leaf, intermediate, ...rest] = pems(published()).map((p) => new X509Certificate(p));
    expect(rest).toEqual([]);
    expect(leaf!.ca).toBe(false);
    expect(intermediate!.ca).toBe(true);
    expect(leaf!.checkIssued(intermediate!)).toBe(true);
    expect(intermediate!.checkIssued(intermediate!)).toBe(false);
    expect(published()).not.toContain(root());
  });

  it('expose --default-route --trust writes the intermediate to certs.d and verifies it without warning', async () => {
    const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).not.toMatch(/does not verify|warning/i);
    const out = JSON.parse(r.stdout);
    expect(out.host).toBe(host);
    const trusted = path.join(t.certsDir, host, 'ca.crt');
    expect(out.ca).toMatchObject({ trusted, source: 'configmap openshift-config-managed/default-ingress-cert' });
    const written = fs.readFileSync(trusted, 'utf8');
    expect(pems(written)).toEqual([pems(published())[1]]);
    expect(written).not.toContain(root());
    noSecrets(r.all);
  });

  it('skopeo accepts the certs.d entry regctl wrote (push and inspect through the route); without it, it does not', async () => {
    const login = await t.cli(['login', '--authfile', authfile, '--certs-dir', t.certsDir, '-o', 'json']);
    expect(login.code, login.all).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ verified: true, trust: 'certs.d' });
    noSecrets(login.all);

    const certDir = path.join(t.certsDir, host);
    const push = await t.skopeo(['copy', '--authfile', authfile, '--dest-cert-dir', certDir, `dir:${t.imageDir}`, `docker://${host}/default/chain-app:v1`]);
    expect(push.ok, push.stderr).toBe(true);
    const inspect = await t.skopeo(['inspect', '--authfile', authfile, '--cert-dir', certDir, `docker://${host}/default/chain-app:v1`]);
    expect(inspect.ok, inspect.stderr).toBe(true);
    expect(JSON.parse(inspect.stdout).Name).toBe(`${host}/default/chain-app`);

    const untrusted = await t.skopeo(['inspect', '--authfile', authfile, '--cert-dir', emptyCerts, `docker://${host}/default/chain-app:v1`]);
    expect(untrusted.ok).toBe(false);
    expect(untrusted.stderr).toMatch(/certificate signed by unknown authority/);
  });

  it('login with nothing in certs.d trusts the published chain (default-ingress-cert)', async () => {
    const other = path.join(t.tmp, 'auth-cluster-ca.json');
    const r = await t.cli(['login', '--authfile', other, '--certs-dir', emptyCerts, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, trust: 'ingress-ca' });
    noSecrets(r.all);
  });

  it('login --username through the OAuth server (served with the same chain)', async () => {
    const other = path.join(t.tmp, 'auth-oauth.json');
    const r = await t.cli(['login', '--username', 'developer', '--password-stdin', '--authfile', other, '--certs-dir', t.certsDir, '-o', 'json'], { input: 'developer\n' });
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, trust: 'certs.d' });
    expect(r.all).not.toContain(JSON.parse(fs.readFileSync(other, 'utf8')).auths[host].auth);
  });

  it('catalog, tags and inspect verify the route (certs.d, and the cluster chain alone)', async () => {
    for (const certs of [t.certsDir, emptyCerts]) {
      const base = ['--authfile', authfile, '--certs-dir', certs];
      const tags = await t.cli(['tags', 'default/chain-app', '-o', 'json', ...base]);
      expect(tags.code, tags.all).toBe(0);
      expect(JSON.stringify(JSON.parse(tags.stdout))).toContain('v1');
      const inspect = await t.cli(['inspect', 'default/chain-app:v1', '-o', 'json', ...base]);
      expect(inspect.code, inspect.all).toBe(0);
      expect(JSON.parse(inspect.stdout)).toBeTruthy();
      const catalog = await t.cli(['catalog', '-o', 'json', ...base]);
      expect(catalog.code, catalog.all).toBe(0);
      expect(catalog.stdout).toContain('default/chain-app');
      for (const r of [tags, inspect, catalog]) noSecrets(r.all);
    }
  });

  it('metrics reads the registry metrics through the route', async () => {
    const r = await t.cli(['metrics', '--filter', 'imageregistry_http_in_flight_requests', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toBeTruthy();
    noSecrets(r.all);
  });

  it('doctor: tls and registry-api pass (this machine trusts the route, the registry answers)', async () => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '--authfile', authfile, '--only', 'route,tls,registry-api', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const report = JSON.parse(r.stdout);
    const check = (id: string) => report.checks.find((c: any) => c.id === id);
    expect(check('tls'), JSON.stringify(check('tls'))).toMatchObject({ verdict: 'ok', details: { machineTrusted: true, clusterVerified: true } });
    expect(check('registry-api'), JSON.stringify(check('registry-api'))).toMatchObject({ verdict: 'ok' });
    noSecrets(r.all);
  });
});
