// regctl expose end to end: default route and custom routes on the operator config, waiting for admission,
// the CA written to --ca-out and certs.d (--trust), dry runs, removal, and the failures the issue names.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { loginEnv, mode, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';

let sb: Sandbox;
let t: LoginEnv;
const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const CUSTOM = 'registry.custom.example';
let custom: { ca: string; cert: string; key: string; otherKey: string; caPem: string; keyPem: string };

const config = () => sb.store.get(CONFIGS, undefined, 'cluster') as any;
const route = (name: string) => sb.store.get('route.openshift.io/routes', 'openshift-image-registry', name) as any;


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
