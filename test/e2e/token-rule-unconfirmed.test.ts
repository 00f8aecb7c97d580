// The token rule when the cluster's registry host lists cannot be read (docs/conventions.md): a service account
// with only system:image-builder in its project may read neither image.config, the registry routes nor an image
// stream, so a host named with --registry cannot be confirmed as this cluster's registry and gets no cluster token,
// like any other host: only the credentials stored for it, or none. Decided in one place (clusterTokenDecision), so
// `login`, `metrics`, `catalog`, `tags`, `inspect` and `doctor` refuse it the same way, with the same error and hint
// (`regctl grant reader …`, or hand the token over: `regctl token | podman login …`). A small TLS server on 127.0.0.1
// records every Authorization header it receives; it accepts only the user name and password stored for it.
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA } from '../sandbox/pki.ts';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { expectOneError } from './support/expect-error.ts';
import { emptySharedNamespace } from './support/shared-namespace.ts';

const NS = 'ci';
const SA = 'pipeline';
let e: ContentEnv;
let caFile: string;
let certsDir: string;
let saToken: string;
let saKubeconfig: string;
let server: https.Server;
let rec: string;
/** Authorization header of every /v2/ request (undefined when none was sent). */
const seen: Array<string | undefined> = [];
/** The only credentials the recording server accepts: those stored for it in an auth file. */
const STORED = { username: 'stored-user', password: 'stored-password' };
const storedHeader = `Basic ${Buffer.from(`${STORED.username}:${STORED.password}`).toString('base64')}`;

const asSA = (args: string[]) => e.cli(args, { env: { KUBECONFIG: saKubeconfig } });
const decoded = (h: string | undefined) => (h?.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString() : (h ?? ''));
const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  e = await contentEnv('token-unconfirmed');
  // Every authenticated user may list the image streams in `openshift` (shared-resource-viewers), whose status names
  // the registry hosts: this cluster has none there (an admin deleted them), so nothing the account may read names them.
  emptySharedNamespace(e.sb);
  e.createNamespace(NS);
  e.sb.store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } });
  e.sb.store.create('rbac.authorization.k8s.io/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pipeline-builder', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-builder' },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
  });
  saToken = e.sb.issueToken(`system:serviceaccount:${NS}:${SA}`);
  const kc = yaml.load(fs.readFileSync(e.sb.kubeconfigPath, 'utf8')) as any;
  kc.users = [{ name: 'ci', user: { token: saToken } }];
  kc.contexts = [{ name: 'ci', context: { cluster: kc.clusters[0].name, user: 'ci', namespace: NS } }];
  kc['current-context'] = 'ci';
  saKubeconfig = path.join(e.tmp, 'ci-kubeconfig');
  fs.writeFileSync(saKubeconfig, yaml.dump(kc), { mode: 0o600 });

  const ca = await createCA('unconfirmed registry root');
  const leaf = await ca.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], server: true });
  caFile = path.join(e.tmp, 'rec-ca.crt');
  fs.writeFileSync(caFile, ca.certPem);
  server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    seen.push(req.headers.authorization);
    if (req.headers.authorization === storedHeader) {
      const body = req.url?.startsWith('/v2/_catalog') ? { repositories: ['stored/repo'] } : {};
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(401, { 'www-authenticate': 'Basic realm="recorder"', 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  certsDir = path.join(e.tmp, 'rec-certs.d');
  fs.mkdirSync(path.join(certsDir, rec), { recursive: true });
  fs.copyFileSync(caFile, path.join(certsDir, rec, 'ca.crt'));
}, 60_000);

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server.close(() => r(undefined)));
  }
  await e?.stop();
});

describe('the cluster token when the host lists are unreadable: one rule for every command', () => {
  it('--registry HOST: login, metrics, catalog, tags and inspect refuse it with the same error and hint (exit 4); no token sent, nothing written', async () => {
    const authfile = path.join(e.tmp, 'login-auth.json');
    const none = path.join(e.tmp, 'no-auth.json');
    const runs: Record<string, { args: string[]; sendsNothing: boolean }> = {
      login: { args: ['login', '--registry', rec, '--ca-file', caFile, '--authfile', authfile], sendsNothing: true },
      metrics: { args: ['metrics', '--registry', rec, '--ca-file', caFile], sendsNothing: true },
      catalog: { args: ['catalog', '--registry', rec, '--ca-file', caFile, '--authfile', none], sendsNothing: false },
      tags: { args: ['tags', 'x/y', '--registry', rec, '--ca-file', caFile, '--authfile', none], sendsNothing: false },
      inspect: { args: ['inspect', 'x/y:1', '--registry', rec, '--ca-file', caFile, '--authfile', none], sendsNothing: false },
    };
    const errors: string[][] = [];
    for (const [name, { args, sendsNothing }] of Object.entries(runs)) {
      seen.length = 0;
      const r = await asSA(args);
      expect(r.code, `${name}: ${r.all}`).toBe(4);
      // login and metrics decide before anything goes to the host; the content commands ask /v2/ without credentials.
      if (sendsNothing) expect(seen, name).toEqual([]);
      else expect(seen.length, name).toBeGreaterThan(0);
      expect(seen.every((h) => h === undefined), `${name} sent an Authorization header`).toBe(true);
      expect(r.all).not.toContain(saToken);
      expect(r.stderr).not.toMatch(/Warning/);
      errors.push(r.stderr.trimEnd().split('\n').filter((l) => /^(error|hint): /.test(l)));
    }
    expect(errors[0]).toEqual([
      `error: cannot confirm that ${rec} is this cluster's registry (you may not read image.config, the registry routes or an image stream); regctl sends the cluster token only to hosts the cluster names`,
      `hint: a cluster admin runs \`regctl grant reader -z ${SA} -n ${NS}\` so regctl can read the registry hosts, or hand the token over yourself: \`regctl token | podman login -u unused --password-stdin ${rec}\``,
    ]);
    for (const other of errors.slice(1)) expect(other).toEqual(errors[0]);
    expect(fs.existsSync(authfile)).toBe(false);
  });

  it('doctor --registry HOST: registry-api fails with the same error, the hint in its evidence, the fix `regctl grant reader`; no token sent', async () => {
    seen.length = 0;
    const r = await asSA(['doctor', '--registry', rec, '--certs-dir', certsDir, '--authfile', path.join(e.tmp, 'no-auth.json'), '--only', 'registry-api', '-o', 'json']);
    // doctor's verdict after its report is exit 3 (docs/commands/doctor.md), as for every failed check.
    expect(r.code, r.all).toBe(3);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h === undefined)).toBe(true);
    expect(r.all).not.toContain(saToken);
    const check = JSON.parse(r.stdout).checks.find((c: any) => c.id === 'registry-api');
    expect(check).toMatchObject({
      verdict: 'fail',
      summary: `cannot confirm that ${rec} is this cluster's registry (you may not read image.config, the registry routes or an image stream); regctl sends the cluster token only to hosts the cluster names`,
      fix: `regctl grant reader -z ${SA} -n ${NS}`,
    });
    expect(check.evidence).toContain(
      `hint: a cluster admin runs \`regctl grant reader -z ${SA} -n ${NS}\` so regctl can read the registry hosts, or hand the token over yourself: \`regctl token | podman login -u unused --password-stdin ${rec}\``,
    );
    expectOneError(r, /^error: 1 check failed: registry-api$/, new RegExp(`^hint: start with registry-api: \`regctl grant reader -z ${SA} -n ${NS}\`$`));
  });

  it('--registry HOST with credentials stored for it: catalog uses those (and only those) and gets the server\'s answer', async () => {
    const authfile = path.join(e.tmp, 'stored-auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [rec]: { auth: Buffer.from(`${STORED.username}:${STORED.password}`).toString('base64') } } }), { mode: 0o600 });
    seen.length = 0;
    const r = await asSA(['catalog', '--registry', rec, '--ca-file', caFile, '--authfile', authfile, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'RepositoryList', repositories: expect.arrayContaining(['stored/repo']) });
    expect(seen).toContain(storedHeader);
    expect(seen.every((h) => h === undefined || h === storedHeader)).toBe(true);
    expect(r.all).not.toContain(saToken);
    expect(r.all).not.toContain(STORED.password);
  });

  it.each([
    ['tags HOST/x/y', () => ['tags', `${rec}/x/y`]],
    ['inspect HOST/x/y:1', () => ['inspect', `${rec}/x/y:1`]],
  ])('%s (an image reference, no --registry): no cluster token; "requires credentials"', async (_name, args) => {
    seen.length = 0;
    const r = await asSA([...args(), '--ca-file', caFile, '--authfile', path.join(e.tmp, 'no-auth.json')]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h === undefined)).toBe(true);
    expect(r.code).toBe(4);
    expectOneError(r, new RegExp(`^error: ${esc(rec)} requires credentials`), /podman login/);
    expect(r.all).not.toContain(saToken);
  });
});
