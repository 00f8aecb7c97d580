// regctl login's files (auth.json locations, Docker config, corrupt files), regctl logout and regctl token,
// end to end on the sandbox.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, mode, readAuth, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';

let sb: Sandbox;
let t: LoginEnv;
let host: string;
const PROJECT = 'ci';


beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'login-files');
  sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROJECT } });
  sb.store.create('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pipeline', namespace: PROJECT } });
  const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir]);
  if (r.code !== 0) throw new Error(`expose failed: ${r.all}`);
  host = r.stdout.trim();
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('where login writes', () => {
  it('writes ${XDG_RUNTIME_DIR}/containers/auth.json by default, keeping other registries', async () => {
    const file = path.join(t.xdg, 'containers', 'auth.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ auths: { 'quay.io': { auth: 'cXVheTpzZWNyZXQ=' } } }));
    const r = await t.cli(['login', '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`into ${file}`);
    const d = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(d.auths).sort()).toEqual([host, 'quay.io'].sort());
    expect(d.auths['quay.io']).toEqual({ auth: 'cXVheTpzZWNyZXQ=' });
    expect(mode(file)).toBe(0o600);
  });

  it('REGISTRY_AUTH_FILE, and --docker keeping config.json\'s other keys', async () => {
    const envFile = path.join(t.tmp, 'env-auth.json');
    let r = await t.cli(['login', '--certs-dir', t.certsDir, '--skip-check'], { env: { REGISTRY_AUTH_FILE: envFile } });
    expect(r.code, r.all).toBe(0);
    expect(readAuth(envFile, host)?.username).toBe('kubeadmin');
    const docker = path.join(t.home, '.docker', 'config.json');
    fs.mkdirSync(path.dirname(docker), { recursive: true });
    fs.writeFileSync(docker, JSON.stringify({ auths: {}, HttpHeaders: { 'X-Meta': 'kept' }, detachKeys: 'ctrl-e,e' }));
    r = await t.cli(['login', '--docker', '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    const d = JSON.parse(fs.readFileSync(docker, 'utf8'));
    expect(d.HttpHeaders).toEqual({ 'X-Meta': 'kept' });
    expect(d.detachKeys).toBe('ctrl-e,e');
    expect(readAuth(docker, host)?.username).toBe('kubeadmin');
  });


});

describe('other credential sources and hosts', () => {
  it('with an exec-plugin kubeconfig user', async () => {
    const script = path.join(t.tmp, 'exec-plugin.cjs');
    fs.writeFileSync(script, `process.stdout.write(JSON.stringify({apiVersion:'client.authentication.k8s.io/v1',kind:'ExecCredential',status:{token:${JSON.stringify(sb.tokens.alice)}}}))`);
    const kc = path.join(t.tmp, 'exec-kubeconfig');
    fs.writeFileSync(
      kc,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'sb', cluster: { server: sb.apiUrl, 'certificate-authority-data': Buffer.from(sb.caPems.api).toString('base64') } }],
        users: [{ name: 'alice', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [script], interactiveMode: 'Never' } } }],
        contexts: [{ name: 'alice', context: { cluster: 'sb', user: 'alice' } }],
        'current-context': 'alice',
      }),
    );
    // So that regctl can confirm --registry HOST as this cluster's registry (the token rule): the reader role.
    const reader = await t.cli(['grant', 'reader', 'alice']);
    expect(reader.code, reader.all).toBe(0);
    const authfile = path.join(t.tmp, 'exec.json');
    const r = await t.cli(['login', '--registry', host, '--authfile', authfile, '--certs-dir', t.certsDir], { env: { KUBECONFIG: kc } });
    expect(r.code, r.all).toBe(0);
    expect(readAuth(authfile, host)).toEqual({ username: 'alice', password: sb.tokens.alice });
  });

  it('--registry-username overrides; --internal uses the service host (verified with the registry CA)', async () => {
    const authfile = path.join(t.tmp, 'internal.json');
    const r = await t.cli(['login', '--internal', '--registry-username', 'ci', '--authfile', authfile, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ registry: 'image-registry.openshift-image-registry.svc:5000', username: 'ci', verified: true, trust: 'registry-ca' });
    expect(readAuth(authfile, 'image-registry.openshift-image-registry.svc:5000')?.username).toBe('ci');
  });

});

describe('login refuses bad input and bad files', () => {
  it.each([
    ['invalid JSON', '{"auths": {"quay.io": '],
    ['an empty file', ''],
  ])('a corrupt auth file (%s) is refused with an explanation and left untouched', async (_n, content) => {
    const authfile = path.join(t.tmp, `corrupt-${content.length}.json`);
    fs.writeFileSync(authfile, content, { mode: 0o644 });
    const before = fs.statSync(authfile);
    const r = await t.cli(['login', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(1);
    expectOneError(r, /^error: refusing to change .*: it is (not valid JSON|empty)/, /left untouched/);
    expect(fs.readFileSync(authfile, 'utf8')).toBe(content);
    expect(fs.statSync(authfile).mtimeMs).toBe(before.mtimeMs);
    expect(mode(authfile)).toBe(0o644);
  });

  it('XDG_RUNTIME_DIR naming a missing directory is an error', async () => {
    const r = await t.cli(['login', '--certs-dir', t.certsDir], { env: { XDG_RUNTIME_DIR: path.join(t.tmp, 'no-such-dir') } });
    expect(r.code).toBe(1);
    expectOneError(r, /directory set by \$XDG_RUNTIME_DIR does not exist/, /--authfile/);
  });


  it('a registry username with a colon is rejected before anything happens (exit 2)', async () => {
    const r = await t.cli(['login', '--registry-username', 'kube:admin', '--authfile', path.join(t.tmp, 'colon.json')]);
    expect(r.code).toBe(2);
    expectOneError(r, /contains ':'/, /without a colon/);
    expect(fs.existsSync(path.join(t.tmp, 'colon.json'))).toBe(false);
  });

  it('--username without --password-stdin is a usage error', async () => {
    const r = await t.cli(['login', '-u', 'developer']);
    expect(r.code).toBe(2);
    expectOneError(r, /--username needs the password on stdin/, /--password-stdin/);
  });
});

describe('logout', () => {
  it('removes only that registry\'s entry (host discovered), is idempotent, and --all empties the file', async () => {
    const file = path.join(t.tmp, 'logout.json');
    fs.writeFileSync(file, JSON.stringify({ auths: { 'quay.io': { auth: 'cXVheTpzZWNyZXQ=' } }, credHelpers: { 'gcr.io': 'gcloud' } }));
    let r = await t.cli(['login', '--authfile', file, '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    r = await t.cli(['logout', '--authfile', file]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Removed login credentials for ${host} from ${file}`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ auths: { 'quay.io': { auth: 'cXVheTpzZWNyZXQ=' } }, credHelpers: { 'gcr.io': 'gcloud' } });
    expect(mode(file)).toBe(0o600);
    r = await t.cli(['logout', host, '--authfile', file]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/Not logged in/);
    r = await t.cli(['logout', '--all', '--authfile', file, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'LogoutResult', authfile: file, removed: ['quay.io'] });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).auths).toEqual({});
  });

  it('refuses a corrupt file and leaves it untouched', async () => {
    const file = path.join(t.tmp, 'logout-corrupt.json');
    fs.writeFileSync(file, '{"auths": [');
    const r = await t.cli(['logout', '--all', '--authfile', file]);
    expect(r.code).toBe(1);
    expectOneError(r, /refusing to change .*not valid JSON/, /left untouched/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"auths": [');
  });
});

describe('token', () => {
  it('prints the kubeconfig token on stdout only', async () => {
    const r = await t.cli(['token']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${sb.tokens.admin}\n`);
    expect(r.stderr).not.toContain(sb.tokens.admin!);
  });

  it('--service-account issues a short-lived token (stdout only) that the cluster accepts', async () => {
    const r = await t.cli(['token', '--service-account', 'pipeline', '-n', PROJECT, '--duration', '15m']);
    expect(r.code, r.all).toBe(0);
    const tok = r.stdout.trim();
    expect(r.stdout).toBe(`${tok}\n`);
    expect(sb.auth.lookup(tok)?.username).toBe(`system:serviceaccount:${PROJECT}:pipeline`);
    expect(r.stderr).not.toContain(tok);
    expect(r.stderr).toMatch(/expires at/);
  });

  it('a client-certificate user has no token: a clear error naming --service-account (exit 4)', async () => {
    const r = await t.cli(['token', '--context', 'system-admin']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expectOneError(r, /no token is currently in use for this session: .*client certificate/, /--service-account SA/);
  });

  it('usage errors: -n without --service-account, a duration under 10m (exit 2)', async () => {
    let r = await t.cli(['token', '-n', PROJECT]);
    expect(r.code).toBe(2);
    r = await t.cli(['token', '-z', 'pipeline', '--duration', '5m']);
    expect(r.code).toBe(2);
    expectOneError(r, /too short/, /10m/);
    // --duration without -z was silently ignored (the spec's default hid it): refused, and no token printed.
    r = await t.cli(['token', '--duration', '2h']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectOneError(r, /--duration only applies with --service-account/, /-z SA --duration 2h/);
  });

  it('-z without --duration: a token of 1h', async () => {
    const before = Date.now();
    const r = await t.cli(['token', '-z', 'pipeline', '-n', PROJECT]);
    expect(r.code, r.all).toBe(0);
    const expires = Date.parse(/expires at (\S+)/.exec(r.stderr)![1]!);
    expect(expires - before).toBeGreaterThan(55 * 60_000);
    expect(expires - before).toBeLessThan(65 * 60_000);
  });
});
