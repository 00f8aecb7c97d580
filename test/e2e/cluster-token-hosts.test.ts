// The cluster token (kubeconfig or --token) goes only to this cluster's registry hosts (image.config, the
// registry routes, the internal host), never to a registry named by an image reference or --registry; and no
// credential goes to a Bearer realm on a third host. Small TLS servers on 127.0.0.1 record every Authorization
// header they receive.
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA } from '../sandbox/pki.ts';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { expectOneError } from './support/expect-error.ts';

interface Recorder {
  host: string;
  /** Authorization header of every request (undefined when none was sent). */
  seen: Array<string | undefined>;
  close(): Promise<void>;
}

let e: ContentEnv;
let caFile: string;
let basicReg: Recorder;
let bearerReg: Recorder;
let third: Recorder;

async function recorder(cert: { certPem: string; keyPem: string }, challenge: (port: number) => string): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    seen.push(req.headers.authorization);
    res.writeHead(401, { 'www-authenticate': challenge(port), 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

beforeAll(async () => {
  e = await contentEnv('cluster-token');
  e.createNamespace('dev');
  e.createStreams('dev', 'mine', 1, ['latest']);
  e.bind('developer', 'edit', 'dev');
  const ca = await createCA('not-the-cluster root');
  const leaf = await ca.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], server: true });
  caFile = path.join(e.tmp, 'foreign-ca.crt');
  fs.writeFileSync(caFile, ca.certPem);
  third = await recorder(leaf, () => 'Basic realm="third"');
  const thirdPort = third.host.split(':')[1];
  basicReg = await recorder(leaf, () => 'Basic realm="not-openshift"');
  bearerReg = await recorder(leaf, () => `Bearer realm="https://localhost:${thirdPort}/token",service="not-openshift"`);
}, 60_000);

afterAll(async () => {
  await Promise.all([basicReg, bearerReg, third].filter(Boolean).map((r) => r.close()));
  await e?.stop();
});

const secrets = () => [e.sb.tokens.admin!, e.sb.tokens.developer!];
/** No request to the recorder carried any Authorization header, least of all a cluster token. */
function expectNoCredentials(r: Recorder): void {
  for (const h of r.seen) {
    const decoded = h?.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString() : (h ?? '');
    for (const s of secrets()) expect(decoded).not.toContain(s);
    expect(h).toBeUndefined();
  }
}

describe('the cluster token stays with the cluster registry', () => {
  it.each([
    ['inspect HOST/x/y:1', () => ['inspect', `${basicReg.host}/x/y:1`]],
    ['tags x/y --registry HOST', () => ['tags', 'x/y', '--registry', basicReg.host]],
    ['catalog --registry HOST', () => ['catalog', '--registry', basicReg.host]],
    ['tags with an explicit --token', () => ['tags', 'x/y', '--registry', basicReg.host, '--token', e.sb.tokens.admin!]],
  ])('%s: the kubeconfig token never arrives; "requires credentials" with a hint', async (_name, args) => {
    basicReg.seen.length = 0;
    const r = await e.cli([...args(), '--ca-file', caFile]);
    expect(basicReg.seen.length).toBeGreaterThan(0);
    expectNoCredentials(basicReg);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expectOneError(r, new RegExp(`^error: ${basicReg.host.replace(/\./g, '\\.')} requires credentials`), /podman login/);
    for (const s of secrets()) expect(r.all).not.toContain(s);
  });

  it('a Bearer realm on a third host gets no credential: refused naming both hosts', async () => {
    const authfile = path.join(e.tmp, 'foreign-auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [bearerReg.host]: { auth: Buffer.from('robot:robot-password').toString('base64') } } }), { mode: 0o600 });
    bearerReg.seen.length = 0;
    third.seen.length = 0;
    const r = await e.cli(['tags', 'x/y', '--registry', bearerReg.host, '--authfile', authfile, '--ca-file', caFile]);
    expect(third.seen).toEqual([]);
    expect(r.code).toBe(4);
    const thirdHost = `localhost:${third.host.split(':')[1]}`;
    expectOneError(r, new RegExp(`^error: refusing to send credentials for ${bearerReg.host.replace(/\./g, '\\.')} to the token service on ${thirdHost}`), /^hint: /);
    expect(third.seen).toEqual([]);
    expectNoCredentials(bearerReg);
    expect(r.all).not.toContain('robot-password');
  });

  it('login --registry HOST refuses a host the cluster does not name (exit 2), before sending anything', async () => {
    basicReg.seen.length = 0;
    const authfile = path.join(e.tmp, 'login-foreign.json');
    const r = await e.cli(['login', '--registry', basicReg.host, '--ca-file', caFile, '--authfile', authfile]);
    expectNoCredentials(basicReg);
    expect(r.code).toBe(2);
    expectOneError(r, new RegExp(`^error: ${basicReg.host.replace(/\./g, '\\.')} is not one of this cluster's registry hosts \\(.*${e.host.replace(/\./g, '\\.')}`), /podman login/);
    expect(basicReg.seen).toEqual([]);
    expect(fs.existsSync(authfile)).toBe(false);
    for (const s of secrets()) expect(r.all).not.toContain(s);
  });

  it('metrics --registry HOST refuses the same way: the token is not sent', async () => {
    basicReg.seen.length = 0;
    const r = await e.cli(['metrics', '--registry', basicReg.host, '--ca-file', caFile]);
    expect(basicReg.seen).toEqual([]);
    expect(r.code).toBe(2);
    expectOneError(r, new RegExp(`^error: ${basicReg.host.replace(/\./g, '\\.')} is not one of this cluster's registry hosts`), /podman login/);
  });

  it('doctor --registry HOST checks the registry API without the cluster token', async () => {
    basicReg.seen.length = 0;
    const certs = path.join(e.tmp, 'doctor-certs.d');
    fs.mkdirSync(path.join(certs, basicReg.host), { recursive: true });
    fs.copyFileSync(caFile, path.join(certs, basicReg.host, 'ca.crt'));
    const r = await e.cli(['doctor', '--registry', basicReg.host, '--certs-dir', certs, '--only', 'registry-api', '-o', 'json']);
    expect(basicReg.seen.length).toBeGreaterThan(0);
    expectNoCredentials(basicReg);
    for (const s of secrets()) expect(r.all).not.toContain(s);
  });

  it("still goes to the cluster's own route host: admin (image.config) and a developer (their image streams)", async () => {
    const admin = await e.cli(['tags', 'dev/mine-000', '--registry', e.host, '--certs-dir', e.certsDir, '-o', 'json']);
    expect(admin.code, admin.stderr).toBe(0);
    expect(JSON.parse(admin.stdout).tags).toEqual(['latest']);
    const dev = await e.cli(['tags', 'dev/mine-000', '--registry', e.host, '--certs-dir', e.certsDir, '--context', 'developer', '-o', 'json']);
    expect(dev.code, dev.stderr).toBe(0);
    expect(JSON.parse(dev.stdout).tags).toEqual(['latest']);
    for (const s of secrets()) expect(admin.all + dev.all).not.toContain(s);
  });
});
