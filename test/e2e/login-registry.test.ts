// `regctl login REGISTRY -u USER` for a registry that is not OpenShift's, as podman login: Debian's docker-registry
// with htpasswd Basic auth and with distribution's token auth, both on TLS chaining to an intermediate. The password
// comes from --password-stdin or from a prompt on a real terminal (util-linux script) with echo off; the auth file
// written is then enough for skopeo and for `regctl pull-secret create --from-authfile` (the seeds' procedure).
// No kubeconfig is read on that path: KUBECONFIG points at a file that is not YAML. Also: -q silences login/logout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { buildImage, writeDirImage } from '../sandbox/registry/testing/image.ts';
import { startForeignRegistry, type ForeignRegistry } from './support/docker-registry.ts';
import { expectOneError } from './support/expect-error.ts';
import { readAuth } from './support/login-env.ts';
import { runCliOnPty } from './support/pty.ts';

const exec = promisify(execFile);
const USER = 'robot-puller';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;

let tmp: string;
let sb: Sandbox;
const regs: Record<'htpasswd' | 'token', ForeignRegistry> = {} as never;
let n = 0;

/** A fresh directory for one case: its auth file and certs.d. */
function caseDir() {
  const d = path.join(tmp, `case-${++n}`);
  fs.mkdirSync(d);
  return { authfile: path.join(d, 'auth.json'), certsDir: path.join(d, 'certs.d'), dir: d };
}

const env = () => ({ HOME: path.join(tmp, 'home'), XDG_RUNTIME_DIR: path.join(tmp, 'xdg'), NO_PROXY: '127.0.0.1,localhost', KUBECONFIG: path.join(tmp, 'not-a-kubeconfig') });
const cli = (args: string[], input?: string) => runCli(args, { env: env(), input, timeoutMs: 40_000 });

async function skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await exec('skopeo', args, { env: { PATH: process.env.PATH, HOME: path.join(tmp, 'home'), XDG_RUNTIME_DIR: path.join(tmp, 'xdg') }, timeout: 40_000 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-login-registry-'));
  fs.mkdirSync(path.join(tmp, 'home'));
  fs.mkdirSync(path.join(tmp, 'xdg'), { mode: 0o700 });
  // Read as a kubeconfig, this fails: any success below proves the kubeconfig was never read.
  fs.writeFileSync(path.join(tmp, 'not-a-kubeconfig'), '{{ not yaml: [\n');
  const imageDir = path.join(tmp, 'image');
  const [h, t, s] = await Promise.all([
    startForeignRegistry({ dir: path.join(tmp, 'htpasswd'), auth: 'htpasswd', user: USER, password: PASSWORD }),
    startForeignRegistry({ dir: path.join(tmp, 'token'), auth: 'token', user: USER, password: PASSWORD }),
    startSandbox(),
    writeDirImage(imageDir, buildImage('pulled with the credentials regctl login saved\n')),
  ]);
  regs.htpasswd = h;
  regs.token = t;
  sb = s;
  for (const r of [h, t]) {
    const push = await skopeo(['copy', '--dest-creds', `${USER}:${PASSWORD}`, '--dest-cert-dir', r.certDir, `dir:${imageDir}`, `docker://${r.host}/team/app:v1`]);
    expect(push.ok, push.stderr).toBe(true);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...Object.values(regs).map((r) => r.stop()), sb?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(['htpasswd', 'token'] as const)('docker-registry with %s auth', (mode) => {
  it('--password-stdin: checked, saved as auths[HOST], the CA put into certs.d; skopeo pulls with only those', async () => {
    const reg = regs[mode];
    const c = caseDir();
    const r = await cli(['login', reg.host, '-u', USER, '--password-stdin', '--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile, '-o', 'json'], `${PASSWORD}\n`);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      apiVersion: 'regctl.openshift.io/v1',
      kind: 'LoginResult',
      registry: reg.host,
      hostSource: 'argument',
      username: USER,
      credentials: 'registry-password',
      authfile: c.authfile,
      credentialHelper: null,
      verified: true,
      trust: 'ca-file',
      expiresAt: null,
      dryRun: false,
    });
    expect(r.stderr).toContain(`Login Succeeded! Saved credentials for ${reg.host} into ${c.authfile}`);
    expect(r.all).not.toContain(PASSWORD);
    expect(readAuth(c.authfile, reg.host)).toEqual({ username: USER, password: PASSWORD });
    expect(fs.readFileSync(path.join(c.certsDir, reg.host, 'ca.crt'), 'utf8')).toBe(fs.readFileSync(reg.caFile, 'utf8'));
    if (mode === 'token') expect(reg.tokenRequests.some((q) => q.user === USER && q.granted)).toBe(true);

    const inspect = await skopeo(['inspect', '--authfile', c.authfile, '--cert-dir', path.join(c.certsDir, reg.host), `docker://${reg.host}/team/app:v1`]);
    expect(inspect.ok, inspect.stderr).toBe(true);
    expect(JSON.parse(inspect.stdout).Name).toBe(`${reg.host}/team/app`);
  });

  it('a wrong password: exit 4, one error naming the user, nothing written', async () => {
    const reg = regs[mode];
    const c = caseDir();
    const wrong = `${PASSWORD}-wrong`;
    const r = await cli(['login', reg.host, '-u', USER, '--password-stdin', '--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile], wrong);
    expect(r.code, r.all).toBe(4);
    expectOneError(r, new RegExp(`login failed: ${reg.host.replace(/\./g, '\\.')} rejected the user name or password for "${USER}"`), /nothing was written/);
    expect(r.all).not.toContain(wrong);
    expect(fs.readdirSync(c.dir)).toEqual([]);
  });
});

describe('the password prompt on a terminal', () => {
  it('asks with echo off, logs in, and never shows the password', async () => {
    const reg = regs.htpasswd;
    const c = caseDir();
    const r = await runCliOnPty(['login', reg.host, '-u', USER, '--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile], {
      env: env(),
      waitFor: 'Password: ',
      answer: `${PASSWORD}\r`,
    });
    expect(r.prompted, r.transcript).toBe(true);
    expect(r.code, r.transcript).toBe(0);
    expect(r.transcript).toContain(`Login Succeeded! Saved credentials for ${reg.host}`);
    expect(r.transcript).not.toContain(PASSWORD);
    expect(readAuth(c.authfile, reg.host)).toEqual({ username: USER, password: PASSWORD });
  });

  it('without a terminal (CI) and without --password-stdin: a usage error naming --password-stdin, nothing written', async () => {
    const reg = regs.htpasswd;
    const c = caseDir();
    const r = await cli(['login', reg.host, '-u', USER, '--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile]);
    expect(r.code, r.all).toBe(2);
    expectOneError(r, /--username needs the password on stdin/, new RegExp(`regctl login ${reg.host.replace(/\./g, '\\.')} -u ${USER} --password-stdin`));
    expect(fs.readdirSync(c.dir)).toEqual([]);
  });
});

describe('-q', () => {
  it('silences the login and logout messages; data on stdout stays', async () => {
    const reg = regs.htpasswd;
    const c = caseDir();
    const base = ['--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile];
    let r = await cli(['login', reg.host, '-u', USER, '--password-stdin', ...base, '-q'], PASSWORD);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    r = await cli(['-q', 'login', reg.host, '-u', USER, '--password-stdin', ...base, '-o', 'json'], PASSWORD);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).registry).toBe(reg.host);
    expect(readAuth(c.authfile, reg.host)?.username).toBe(USER);

    r = await cli(['logout', reg.host, '--authfile', c.authfile, '-q']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(readAuth(c.authfile, reg.host)).toBeUndefined();
    // Without -q the messages are there.
    await cli(['login', reg.host, '-u', USER, '--password-stdin', ...base], PASSWORD);
    r = await cli(['logout', reg.host, '--authfile', c.authfile]);
    expect(r.stderr).toContain(`Removed login credentials for ${reg.host} from ${c.authfile}`);
  });
});

describe('flags that do not fit another registry', () => {
  it.each([
    [['--registry', 'other.example.com'], /--registry cannot be combined/],
    [['--service-account', 'ci'], /--service-account and --username cannot be combined/],
    [['--registry-username', 'x'], /--registry-username cannot be combined/],
  ])('%j → exit 2 before anything is read or sent', async (extra, message) => {
    const c = caseDir();
    const r = await cli(['login', regs.htpasswd.host, '-u', USER, '--password-stdin', '--authfile', c.authfile, ...extra], PASSWORD);
    expect(r.code, r.all).toBe(2);
    expectOneError(r, message, /./);
    expect(fs.readdirSync(c.dir)).toEqual([]);
  });
});

describe('the seeds\' pull-secret procedure', () => {
  it('pull-secret create --from-authfile FILE --registry HOST takes what login wrote', async () => {
    const reg = regs.token;
    const c = caseDir();
    const login = await cli(['login', reg.host, '-u', USER, '--password-stdin', '--ca-file', reg.caFile, '--certs-dir', c.certsDir, '--authfile', c.authfile], PASSWORD);
    expect(login.code, login.all).toBe(0);
    const r = await runCli(['pull-secret', 'create', 'foreign-pull', '--from-authfile', c.authfile, '--registry', reg.host, '-n', 'default'], {
      env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: path.join(tmp, 'home') },
    });
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toContain(PASSWORD);
    const secret = sb.store.get('/secrets', 'default', 'foreign-pull') as any;
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const cfg = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
    expect(Object.keys(cfg.auths)).toEqual([reg.host]);
    expect(Buffer.from(cfg.auths[reg.host].auth, 'base64').toString('utf8')).toBe(`${USER}:${PASSWORD}`);
  });
});
