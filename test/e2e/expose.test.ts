// regctl expose end to end: default route and custom routes on the operator config, waiting for admission,
// the CA written to --ca-out and certs.d (--trust), dry runs, removal, and the failures the issue names.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { loginEnv, mode, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';
import { runTool } from './support/tool.ts';

let sb: Sandbox;
let t: LoginEnv;
const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const CUSTOM = 'registry.custom.example';
let custom: { ca: string; cert: string; key: string; otherKey: string; caPem: string; keyPem: string };

const config = () => sb.store.get(CONFIGS, undefined, 'cluster') as any;
const route = (name: string) => sb.store.get('route.openshift.io/routes', 'openshift-image-registry', name) as any;
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, t.tmp);


beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'expose');
  const ca = await createCA('custom-registry-ca');
  const leaf = await ca.issue({ commonName: CUSTOM, dnsNames: [CUSTOM], server: true });
  const other = await ca.issue({ commonName: 'other', dnsNames: ['other.example'], server: true });
  custom = { ca: path.join(t.tmp, 'custom-ca.crt'), cert: path.join(t.tmp, 'tls.crt'), key: path.join(t.tmp, 'tls.key'), otherKey: path.join(t.tmp, 'other.key'), caPem: ca.certPem, keyPem: leaf.keyPem };
  fs.writeFileSync(custom.ca, ca.certPem);
  fs.writeFileSync(custom.cert, leaf.certPem);
  fs.writeFileSync(custom.key, leaf.keyPem);
  fs.writeFileSync(custom.otherKey, other.keyPem);
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('expose --default-route', () => {
  it('--dry-run prints the patch and changes nothing', async () => {
    const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir, '--dry-run']);
    expect(r.code, r.all).toBe(0);
    // The plan (issue 18): the merge patch, the check it waits for, and the certs.d file as a local action.
    expect(r.stdout).toContain('# 1. patch Config cluster: spec.defaultRoute=true (application/merge-patch+json)\nspec:\n  defaultRoute: true\n');
    expect(r.stdout).toContain('#   route default-route admitted:');
    expect(r.stdout).toContain(`#   local: trust: write ${path.join(t.certsDir, sb.defaultRouteHost, 'ca.crt')}`);
    expect(config().spec.defaultRoute).not.toBe(true);
    expect(fs.existsSync(t.certsDir)).toBe(false);
  });

  it('patches the config, waits for the admitted route, prints the host, writes the CA (--ca-out, --trust)', async () => {
    const caOut = path.join(t.tmp, 'out', 'ingress-ca.crt');
    const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir, '--ca-out', caOut, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.host).toBe(sb.defaultRouteHost);
    expect(out.routes).toEqual([{ name: 'default-route', host: sb.defaultRouteHost, admitted: true }]);
    expect(out.ca).toMatchObject({ file: caOut, trusted: path.join(t.certsDir, sb.defaultRouteHost, 'ca.crt') });
    expect(out.ca.subject).toMatch(/CN=ingress-operator@/);
    expect(out.ca.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(new Date(out.ca.notAfter).getTime()).toBeGreaterThan(Date.now());
    expect(config().spec.defaultRoute).toBe(true);
    const trusted = path.join(t.certsDir, sb.defaultRouteHost, 'ca.crt');
    expect(fs.readFileSync(trusted, 'utf8')).toBe(sb.caPems.ingress);
    expect(fs.readFileSync(caOut, 'utf8')).toBe(sb.caPems.ingress);
    expect(mode(trusted)).toBe(0o644);
    expect(mode(path.dirname(trusted))).toBe(0o755);
    expect(mode(t.certsDir)).toBe(0o755);
  });

  it('already exposed: reports the host, exit 0, changes nothing', async () => {
    const rv = config().metadata.resourceVersion;
    const r = await t.cli(['expose', '--default-route']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${sb.defaultRouteHost}\n`);
    expect(r.stderr).toMatch(/already exposed/);
    expect(config().metadata.resourceVersion).toBe(rv);
  });
});

describe('expose --route NAME (custom routes)', () => {
  it('refuses the name default-route (it breaks the operator) before changing anything', async () => {
    const rv = config().metadata.resourceVersion;
    const r = await t.cli(['expose', '--route', 'default-route', '--hostname', 'x.apps.sandbox.example.com']);
    expect(r.code).toBe(2);
    expectOneError(r, /default-route is reserved.*VerificationFailed/, /--default-route/);
    expect(config().metadata.resourceVersion).toBe(rv);
  });

  it('refuses a key that does not match the certificate, or a certificate for another host (exit 2)', async () => {
    let r = await t.cli(['expose', '--route', 'public', '--hostname', CUSTOM, '--cert', custom.cert, '--key', custom.otherKey]);
    expect(r.code).toBe(2);
    expectOneError(r, /does not belong to --cert/, /key the certificate was issued for/);
    r = await t.cli(['expose', '--route', 'public', '--hostname', 'elsewhere.example', '--cert', custom.cert, '--key', custom.key]);
    expect(r.code).toBe(2);
    expectOneError(r, /is not valid for elsewhere\.example/, /SANs/);
    expect(config().spec.routes ?? []).toEqual([]);
  });

  it('--dry-run shows the secret with its values redacted', async () => {
    const r = await t.cli(['expose', '--route', 'public', '--hostname', CUSTOM, '--cert', custom.cert, '--key', custom.key, '--ca', custom.ca, '--dry-run', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ kind: 'Plan', name: 'expose-route-public', dryRun: 'client' });
    expect(out.steps.map((c: any) => c.action)).toEqual(['create', 'patch']);
    expect(out.steps[0].object.data['tls.key']).toBe('<redacted>');
    expect(out.steps[1]).toMatchObject({ patchType: 'json', patch: [{ op: 'test', path: '/spec/routes', value: null }, { op: 'add', path: '/spec/routes', value: [{ name: 'public', hostname: CUSTOM, secretName: 'public-route-tls' }] }] });
    expect(out.checks).toEqual([{ name: 'route public admitted', how: expect.stringContaining(`spec.host ${CUSTOM}`) }]);
    expect(r.all).not.toContain(custom.keyPem.split('\n')[1]!);
    expect(sb.store.get('/secrets', 'openshift-image-registry', 'public-route-tls')).toBeUndefined();
  });

  it('with --cert/--key/--ca: a TLS secret, an entry in spec.routes, the CA trusted; login and skopeo push use it', async () => {
    const r = await t.cli(['expose', '--route', 'public', '--hostname', CUSTOM, '--cert', custom.cert, '--key', custom.key, '--ca', custom.ca, '--trust', '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${CUSTOM}\n`);
    const secret = sb.store.get('/secrets', 'openshift-image-registry', 'public-route-tls') as any;
    expect(Object.keys(secret.data).sort()).toEqual(['tls.cacrt', 'tls.crt', 'tls.key']);
    expect(Buffer.from(secret.data['tls.cacrt'], 'base64').toString()).toBe(custom.caPem);
    expect(config().spec.routes).toEqual([{ name: 'public', hostname: CUSTOM, secretName: 'public-route-tls' }]);
    expect(fs.readFileSync(path.join(t.certsDir, CUSTOM, 'ca.crt'), 'utf8')).toBe(custom.caPem);
    expect(r.all).not.toContain(custom.keyPem.split('\n')[1]!);

    const authfile = path.join(t.tmp, 'custom-auth.json');
    const login = await t.cli(['login', '--registry', CUSTOM, '--authfile', authfile, '--certs-dir', t.certsDir, '-o', 'json']);
    expect(login.code, login.all).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ verified: true, trust: 'certs.d' });
    const push = await t.skopeo(['copy', '--authfile', authfile, '--dest-cert-dir', path.join(t.certsDir, CUSTOM), `dir:${t.imageDir}`, `docker://${CUSTOM}/default/custom-app:v1`]);
    expect(push.ok, push.stderr).toBe(true);
  });

  // Trusting a configured custom route: `regctl expose --trust` acts on the default route, so login names
  // `--route NAME --trust`, and --route NAME alone must not replace the entry with {name} (that dropped its host and
  // certificate secret: the route then served the ingress certificate and the CA written did not verify it).
  it('--route NAME alone keeps a configured route\'s host and certificate; login names it; --trust installs its CA', async () => {
    const before = JSON.stringify(config().spec.routes);
    const certsDir = path.join(t.tmp, 'keep-certs.d');
    const authfile = path.join(t.tmp, 'keep-auth.json');
    const login = await t.cli(['login', '--registry', CUSTOM, '--authfile', authfile, '--certs-dir', certsDir]);
    expect(login.code, login.all).toBe(0);
    expect(login.stderr).toContain(`podman, skopeo and buildah do not trust ${CUSTOM} yet (no CA in certs.d); run \`regctl expose --route public --trust\``);
    const r = await t.cli(['expose', '--route', 'public', '--trust', '--certs-dir', certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${CUSTOM}\n`);
    expect(r.stderr).toContain(`Route public keeps its host ${CUSTOM} and certificate (secret public-route-tls); to change them give --hostname/--cert again.`);
    expect(r.stderr).not.toContain('Warning');
    expect(JSON.stringify(config().spec.routes)).toBe(before);
    expect(route('public').spec.tls.certificate).toBeDefined();
    expect(fs.readFileSync(path.join(certsDir, CUSTOM, 'ca.crt'), 'utf8')).toBe(custom.caPem);
    // skopeo, with that certs.d entry and the login, reads the image pushed through the route.
    const inspect = await t.skopeo(['inspect', '--authfile', authfile, '--cert-dir', path.join(certsDir, CUSTOM), `docker://${CUSTOM}/default/custom-app:v1`]);
    expect(inspect.ok, inspect.stderr).toBe(true);
  });

  it('an existing entry is updated, never duplicated; without a certificate the ingress default applies', async () => {
    const host = `public2.${sb.ingressDomain}`;
    const r = await t.cli(['expose', '--route', 'public', '--hostname', host]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${host}\n`);
    expect(config().spec.routes).toEqual([{ name: 'public', hostname: host }]);
    expect(route('public').spec.host).toBe(host);
    expect(route('public').spec.tls.certificate).toBeUndefined();
  });

  it('a host another route already claims: not admitted, the reason named (exit 1)', async () => {
    const taken = `taken.${sb.ingressDomain}`;
    sb.store.create('route.openshift.io/routes', {
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: { name: 'squatter', namespace: 'default', creationTimestamp: '2020-01-01T00:00:00Z' },
      spec: { host: taken, to: { kind: 'Service', name: 'web' } },
    });
    const r = await t.cli(['expose', '--route', 'clash', '--hostname', taken, '--timeout', '20s']);
    expect(r.code).toBe(1);
    expectOneError(r, /route clash \(host taken\..*\) was not admitted: HostAlreadyClaimed/, /another route already uses that host/);
  });

  it('--remove --route NAME removes the entry, its secret and (with --trust) the certs.d entry', async () => {
    // Point the entry back at the custom host so --trust knows which certs.d entry to drop.
    let r = await t.cli(['expose', '--route', 'public', '--hostname', CUSTOM, '--cert', custom.cert, '--key', custom.key, '--ca', custom.ca, '--no-wait']);
    expect(r.code, r.all).toBe(0);
    r = await t.cli(['expose', '--remove', '--route', 'public', '--trust', '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect((config().spec.routes ?? []).map((x: any) => x.name)).toEqual(['clash']);
    expect(sb.store.get('/secrets', 'openshift-image-registry', 'public-route-tls')).toBeUndefined();
    expect(fs.existsSync(path.join(t.certsDir, CUSTOM, 'ca.crt'))).toBe(false);
    expect(route('public')).toBeUndefined();
    r = await t.cli(['expose', '--remove', '--route', 'public']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/nothing to remove/);
  });
});

// Seed 001 ("exposing a custom secure route"): the admin creates the secret (`oc create secret tls …`), then names it in
// spec.routes. The operator (pkg/resource/route.go) copies the secret's tls.crt, tls.key and tls.cacrt into the route.
describe('expose --route NAME --secret (an existing TLS secret)', () => {
  const NS = 'openshift-image-registry';
  const secrets = () => (sb.store.list('/secrets', NS).items as any[]).map((x) => x.metadata.name).sort();
  /** Every file a rendering wrote (argocd and kustomize write subdirectories), as one text. */
  const rendered = (d: string): string =>
    (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(d, f)).isFile()).map((f) => fs.readFileSync(path.join(d, f), 'utf8')).join('\n');
  const noKey = (text: string) => {
    expect(text).not.toContain(custom.keyPem.split('\n')[1]!);
    expect(text).not.toContain(Buffer.from(custom.keyPem).toString('base64').slice(0, 40));
  };
  const SECURE = () => ['expose', '--route', 'secure', '--hostname', CUSTOM];

  beforeAll(async () => {
    for (const a of [
      ['create', 'secret', 'tls', 'public-route-tls', `--cert=${custom.cert}`, `--key=${custom.key}`, '-n', NS],
      ['create', 'secret', 'generic', 'only-cert', `--from-file=tls.crt=${custom.cert}`, '-n', NS],
      ['create', 'secret', 'generic', 'with-ca', `--from-file=tls.crt=${custom.cert}`, `--from-file=tls.key=${custom.key}`, `--from-file=ca.crt=${custom.ca}`, '-n', NS],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
  });

  it('refusals before any write: with --cert/--key (2), a missing secret (5), no tls.key (2), another host (2), --trust without a CA in the secret (2)', async () => {
    const rv = config().metadata.resourceVersion;
    const before = secrets();
    let r = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--cert', custom.cert, '--key', custom.key]);
    expect(r.code).toBe(2);
    expectOneError(r, /--secret cannot be combined with --cert\/--key\/--ca/, /not both/);
    r = await t.cli([...SECURE(), '--secret', 'nope']);
    expect(r.code).toBe(5);
    expectOneError(r, /secret nope in openshift-image-registry not found; nothing was changed/, /oc create secret tls nope --cert=tls\.crt --key=tls\.key -n openshift-image-registry/);
    r = await t.cli([...SECURE(), '--secret', 'only-cert']);
    expect(r.code).toBe(2);
    expectOneError(r, /secret only-cert in openshift-image-registry has no tls\.key/, /oc create secret tls only-cert/);
    r = await t.cli(['expose', '--route', 'secure', '--hostname', 'elsewhere.example', '--secret', 'public-route-tls']);
    expect(r.code).toBe(2);
    expectOneError(r, /the certificate \(tls\.crt\) of secret public-route-tls in openshift-image-registry is not valid for elsewhere\.example/, /SANs/);
    r = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--trust', '--certs-dir', t.certsDir]);
    expect(r.code).toBe(2);
    expectOneError(r, /--trust\/--ca-out need the CA that signed .*the secret has no tls\.cacrt or ca\.crt/, /tls\.cacrt/);
    r = await t.cli(['expose', '--secret', 'public-route-tls']);
    expect(r.code).toBe(2);
    expectOneError(r, /apply to a custom route/, /--route NAME/);
    expect(config().metadata.resourceVersion).toBe(rv);
    expect(secrets()).toEqual(before);
    expect(fs.existsSync(path.join(t.certsDir, CUSTOM))).toBe(false);
  });

  it('--dry-run, -o yaml and --dry-run=server: only the spec.routes patch naming the secret, no secret step; nothing changed', async () => {
    const rv = config().metadata.resourceVersion;
    const before = secrets();
    const table = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--dry-run']);
    expect(table.code, table.all).toBe(0);
    expect(table.stdout).toContain('# 1. patch Config cluster: spec.routes add secure (registry.custom.example) (application/json-patch+json)');
    expect(table.stdout).toContain(`{"name":"secure","hostname":"${CUSTOM}","secretName":"public-route-tls"}]}`);
    expect(table.stdout).not.toMatch(/Secret|# 2\./);
    const y = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--dry-run', '-o', 'yaml']);
    expect(y.code, y.all).toBe(0);
    expect(y.stdout).toMatch(/^apiVersion: regctl.openshift.io\/v1\nkind: Plan\n/);
    expect(y.stdout).toMatch(/^command: regctl expose --route secure --hostname registry\.custom\.example --secret public-route-tls$/m);
    expect(y.stdout.match(/^  - action: /gm)).toEqual(['  - action: ']);
    const server = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--dry-run=server']);
    expect(server.code, server.all).toBe(0);
    expect(server.stderr).toContain('server dry run: patch Config cluster: spec.routes add secure');
    for (const r of [table, y, server]) noKey(r.all);
    expect(config().metadata.resourceVersion).toBe(rv);
    expect(secrets()).toEqual(before);
  });

  it('--render manifests|kustomize|acm-policy|argocd: the entry names the secret, no Secret rendered, a warning that it must exist on every target', async () => {
    const rv = config().metadata.resourceVersion;
    for (const format of ['manifests', 'kustomize', 'acm-policy', 'argocd']) {
      const d = fs.mkdtempSync(path.join(t.tmp, `render-${format}-`));
      const git = format === 'argocd' ? ['--repo-url', 'https://git.example.com/fleet.git', '--path', 'registry'] : [];
      const r = await t.cli([...SECURE(), '--secret', 'public-route-tls', '--render', format, '--output-dir', d, ...git]);
      expect(r.code, `${format}: ${r.all}`).toBe(0);
      expect(r.stderr).toContain('names Secret openshift-image-registry/public-route-tls (tls.crt, tls.key): it is not rendered, and must exist on every target cluster');
      const text = rendered(d);
      expect(text, format).toMatch(/secretName: public-route-tls/);
      expect(text, format).not.toMatch(/kind: Secret|tls\.key/);
      noKey(text + r.all);
    }
    // Rendered for other clusters: a secret missing here is a warning, not a refusal.
    const d = fs.mkdtempSync(path.join(t.tmp, 'render-missing-'));
    const m = await t.cli([...SECURE(), '--secret', 'elsewhere-tls', '--render', 'manifests', '--output-dir', d]);
    expect(m.code, m.all).toBe(0);
    expect(m.stderr).toContain('secret elsewhere-tls in openshift-image-registry does not exist on this cluster');
    expect(config().metadata.resourceVersion).toBe(rv);
  });

  it('applies: spec.routes names the secret (no new secret), the route serves its certificate, --trust takes ca.crt; login and skopeo verify it', async () => {
    const before = secrets();
    const userSecret = JSON.stringify(sb.store.get('/secrets', NS, 'with-ca'));
    const certsDir = path.join(t.tmp, 'secret-certs.d');
    const r = await t.cli([...SECURE(), '--secret', 'with-ca', '--trust', '--certs-dir', certsDir, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ kind: 'ExposeResult', host: CUSTOM, changed: true, ca: { source: 'secret with-ca ca.crt', trusted: path.join(certsDir, CUSTOM, 'ca.crt') } });
    noKey(r.all);
    const others = (config().spec.routes ?? []).filter((x: any) => x.name !== 'secure');
    expect(config().spec.routes).toEqual([...others, { name: 'secure', hostname: CUSTOM, secretName: 'with-ca' }]);
    expect(secrets()).toEqual(before);
    expect(JSON.stringify(sb.store.get('/secrets', NS, 'with-ca'))).toBe(userSecret);
    expect(route('secure').spec.tls.certificate).toBe(fs.readFileSync(custom.cert, 'utf8'));
    expect(fs.readFileSync(path.join(certsDir, CUSTOM, 'ca.crt'), 'utf8')).toBe(custom.caPem);
    // Independent check: skopeo, with only that certs.d entry and regctl's login, pushes and reads through the route.
    const authfile = path.join(t.tmp, 'secret-auth.json');
    const login = await t.cli(['login', '--registry', CUSTOM, '--authfile', authfile, '--certs-dir', certsDir]);
    expect(login.code, login.all).toBe(0);
    const hostCerts = path.join(certsDir, CUSTOM);
    const push = await t.skopeo(['copy', '--authfile', authfile, '--dest-cert-dir', hostCerts, `dir:${t.imageDir}`, `docker://${CUSTOM}/default/secret-app:v1`]);
    expect(push.ok, push.stderr).toBe(true);
    const inspect = await t.skopeo(['inspect', '--authfile', authfile, '--cert-dir', hostCerts, `docker://${CUSTOM}/default/secret-app:v1`]);
    expect(inspect.ok, inspect.stderr).toBe(true);
    // Again: nothing to change. --remove takes the entry out and leaves the user's secret alone.
    const again = await t.cli([...SECURE(), '--secret', 'with-ca']);
    expect(again.code, again.all).toBe(0);
    expect(again.stderr).toContain('Route secure is already configured');
    const rm = await t.cli(['expose', '--remove', '--route', 'secure']);
    expect(rm.code, rm.all).toBe(0);
    expect(config().spec.routes ?? []).toEqual(others);
    expect(secrets()).toEqual(before);
  });
});

describe('expose --remove, then login cannot find a host', () => {
  it('--remove sets defaultRoute=false and waits until the route is gone', async () => {
    let r = await t.cli(['expose', '--remove', '--route', 'clash']);
    expect(r.code, r.all).toBe(0);
    r = await t.cli(['expose', '--remove', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: null, changed: true });
    expect(config().spec.defaultRoute).toBe(false);
    expect(route('default-route')).toBeUndefined();
  });

  it('login: no external host → error whose hint is `regctl expose --default-route` (exit 5)', async () => {
    await sb.waitFor((s) => !((s.get('config.openshift.io/images', undefined, 'cluster') as any)?.status?.externalRegistryHostnames ?? []).length);
    const authfile = path.join(t.tmp, 'none.json');
    const r = await t.cli(['login', '--authfile', authfile]);
    expect(r.code).toBe(5);
    expectOneError(r, /not exposed/, /regctl expose --default-route/);
    expect(fs.existsSync(authfile)).toBe(false);
  });

  it('a route that is never admitted: --timeout → exit 124; --no-wait returns at once', async () => {
    const cfg = config();
    sb.store.update(CONFIGS, { ...cfg, metadata: { ...cfg.metadata, resourceVersion: undefined }, spec: { ...cfg.spec, managementState: 'Unmanaged' } });
    let r = await t.cli(['expose', '--default-route', '--timeout', '2s']);
    expect(r.code).toBe(124);
    expectOneError(r, /route default-route was not admitted within 2s/, /regctl status/);
    r = await t.cli(['expose', '--default-route', '--no-wait']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${sb.defaultRouteHost}\n`);
  });
});
