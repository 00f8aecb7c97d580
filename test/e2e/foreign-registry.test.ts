// catalog, tags and inspect against registries that are not OpenShift's: Debian's docker-registry (distribution
// 2.8) with TLS chaining to an intermediate, once with htpasswd Basic auth and once with distribution's token
// auth (service + scope). Credentials come from auth.json (user name and password as stored); content is pushed
// with skopeo, an independent client; no kubeconfig at all.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { buildImage, writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';
import { startForeignRegistry, TOKEN_SERVICE, type ForeignRegistry } from './support/docker-registry.ts';
import { expectOneError } from './support/expect-error.ts';

const exec = promisify(execFile);
const USER = 'robot-reader';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;

let tmp: string;
let img: TestImage;
const regs: Record<'htpasswd' | 'token', ForeignRegistry> = {} as never;
let authfile: string;

const env = () => ({ HOME: path.join(tmp, 'home'), XDG_RUNTIME_DIR: path.join(tmp, 'xdg'), NO_PROXY: '127.0.0.1,localhost' });
const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env(), ...extra }, timeoutMs: 40_000 });

async function skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await exec('skopeo', args, { env: { PATH: process.env.PATH, ...env() }, timeout: 40_000 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-foreign-'));
  fs.mkdirSync(path.join(tmp, 'home'));
  fs.mkdirSync(path.join(tmp, 'xdg'), { mode: 0o700 });
  const [h, t] = await Promise.all([
    startForeignRegistry({ dir: path.join(tmp, 'htpasswd'), auth: 'htpasswd', user: USER, password: PASSWORD }),
    startForeignRegistry({ dir: path.join(tmp, 'token'), auth: 'token', user: USER, password: PASSWORD }),
  ]);
  regs.htpasswd = h;
  regs.token = t;
  img = buildImage('pushed to a registry that is not OpenShift\n');
  const dir = path.join(tmp, 'image');
  await writeDirImage(dir, img);
  for (const r of [h, t]) {
    const push = await skopeo(['copy', '--dest-creds', `${USER}:${PASSWORD}`, '--dest-cert-dir', r.certDir, `dir:${dir}`, `docker://${r.host}/team/app:v1`]);
    expect(push.stderr).not.toMatch(/error|fatal/i);
    expect(push.ok).toBe(true);
  }
  authfile = path.join(tmp, 'auth.json');
  const entry = { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') };
  fs.writeFileSync(authfile, JSON.stringify({ auths: { [h.host]: entry, [t.host]: entry } }), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(regs).map((r) => r.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(['htpasswd', 'token'] as const)('docker-registry with %s auth and an intermediate-signed certificate', (mode) => {
  const flags = () => ['--registry', regs[mode].host, '--ca-file', regs[mode].caFile, '--authfile', authfile];

  it('catalog lists the pushed repository with the auth.json user and password', async () => {
    const r = await cli(['catalog', ...flags(), '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'RepositoryList', registry: regs[mode].host, source: 'catalog', repositories: ['team/app'] });
    expect(r.all).not.toContain(PASSWORD);
  });

  it('tags agree with skopeo list-tags', async () => {
    const r = await cli(['tags', 'team/app', ...flags(), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const sk = await skopeo(['list-tags', '--creds', `${USER}:${PASSWORD}`, '--cert-dir', regs[mode].certDir, `docker://${regs[mode].host}/team/app`]);
    expect(sk.ok, sk.stderr).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'TagList', registry: regs[mode].host, name: 'team/app', tags: JSON.parse(sk.stdout).Tags });
    expect(r.all).not.toContain(PASSWORD);
  });

  it('inspect HOST/team/app:v1 shows the digest skopeo pushed (certs.d trust, credentials from REGISTRY_AUTH_FILE)', async () => {
    const certs = path.join(tmp, `certs.d-${mode}`);
    fs.mkdirSync(path.join(certs, regs[mode].host), { recursive: true });
    fs.copyFileSync(regs[mode].caFile, path.join(certs, regs[mode].host, 'ca.crt'));
    const r = await cli(['inspect', `${regs[mode].host}/team/app:v1`, '--certs-dir', certs, '-o', 'json'], { REGISTRY_AUTH_FILE: authfile });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ registry: regs[mode].host, repository: 'team/app', tag: 'v1', digest: img.manifestDigest });
    expect(r.all).not.toContain(PASSWORD);
  });

  // Not this cluster's registry: `regctl expose --trust` cannot help it; the hint names its certs.d entry, which works.
  it('a certificate it cannot verify: the hint names <certs.d>/HOST/ca.crt; putting the CA there works', async () => {
    const host = regs[mode].host;
    const esc = host.replace(/[.]/g, '\\.');
    const certs = path.join(tmp, `untrusted-certs.d-${mode}`);
    const args = ['inspect', `${host}/team/app:v1`, '--certs-dir', certs, '-o', 'json'];
    const r = await cli(args, { REGISTRY_AUTH_FILE: authfile });
    expect(r.code, r.all).toBe(1);
    expectOneError(
      r,
      new RegExp(`^error: cannot verify the certificate of ${esc} \\(x509: [A-Z_]+\\)$`),
      new RegExp(`^hint: put the CA that signs ${esc}'s certificate where podman/skopeo look, <certs\\.d>/${esc}/ca\\.crt `),
    );
    fs.mkdirSync(path.join(certs, host), { recursive: true });
    fs.copyFileSync(regs[mode].caFile, path.join(certs, host, 'ca.crt'));
    const ok = await cli(args, { REGISTRY_AUTH_FILE: authfile });
    expect(ok.code, ok.all).toBe(0);
    expect(JSON.parse(ok.stdout).digest).toBe(img.manifestDigest);
    expect(r.all + ok.all).not.toContain(PASSWORD);
  });

  it('a wrong password: one error line, exit 4, and the password never shown', async () => {
    const bad = path.join(tmp, `bad-${mode}.json`);
    const wrong = `${PASSWORD}-wrong`;
    fs.writeFileSync(bad, JSON.stringify({ auths: { [regs[mode].host]: { auth: Buffer.from(`${USER}:${wrong}`).toString('base64') } } }), { mode: 0o600 });
    const r = await cli(['tags', 'team/app', '--registry', regs[mode].host, '--ca-file', regs[mode].caFile, '--authfile', bad]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expectOneError(r, new RegExp(`^error: ${regs[mode].host.replace(/\./g, '\\.')} rejected the credentials saved for it in ${bad.replace(/\./g, '\\.')}`), /^hint: log in again: `podman login /);
    expect(r.all).not.toContain(wrong);
  });
});

describe('the token flow (distribution docs/spec/auth/token.md)', () => {
  it('asks the realm with service, the scope the registry names and account, as Basic user:password', async () => {
    const t = regs.token;
    t.tokenRequests.length = 0;
    const r = await cli(['tags', 'team/app', '--registry', t.host, '--ca-file', t.caFile, '--authfile', authfile, '--digests', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).digests).toEqual({ v1: img.manifestDigest });
    expect(t.tokenRequests.length).toBeGreaterThan(0);
    for (const q of t.tokenRequests) expect(q).toMatchObject({ service: TOKEN_SERVICE, account: USER, user: USER, granted: true });
    // One token per scope: the repository's pull scope is asked for once, not per request.
    const scopes = t.tokenRequests.flatMap((q) => q.scopes);
    expect(scopes.filter((s) => s === 'repository:team/app:pull')).toHaveLength(1);
  });
});
