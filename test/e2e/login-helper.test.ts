// regctl login/logout and the registry commands with an auth file whose credHelpers routes the registry to
// docker-credential-<name> (containers-auth.json(5)): credentials go to and come from the helper, the file is
// never changed, skopeo (an independent client) uses the same helper, and the token shows up nowhere.
// docker-credential-sandbox is a small fake helper written below (a stand-in for an external program).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';

const exec = promisify(execFile);

let sb: Sandbox;
let t: LoginEnv;
let host: string;
let bin: string;
let PATH: string;
let token: string;

const FAKE_HELPER = `
const fs = require('fs');
const path = require('path');
const store = path.join(__dirname, 'store.json');
fs.appendFileSync(path.join(__dirname, 'calls.log'), JSON.stringify(process.argv.slice(2)) + '\\n');
const input = fs.readFileSync(0, 'utf8');
const db = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
const save = () => fs.writeFileSync(store, JSON.stringify(db));
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (process.env.FAKE_HELPER_FAIL) { process.stderr.write('the keychain is locked\\n'); process.exit(2); }
switch (process.argv[2]) {
  case 'store': { const c = JSON.parse(input); db[c.ServerURL] = { Username: c.Username, Secret: c.Secret }; save(); break; }
  case 'get': { const c = db[input.trim()]; if (!c) notFound(); process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ...c })); break; }
  case 'erase': { if (!db[input.trim()]) notFound(); delete db[input.trim()]; save(); break; }
  case 'list': { const out = {}; for (const k of Object.keys(db)) out[k] = db[k].Username; process.stdout.write(JSON.stringify(out)); break; }
  default: process.stdout.write('unknown action\\n'); process.exit(1);
}
`;


const store = (): Record<string, { Username: string; Secret: string }> => {
  const f = path.join(bin, 'store.json');
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
};
const calls = () => (fs.existsSync(path.join(bin, 'calls.log')) ? fs.readFileSync(path.join(bin, 'calls.log'), 'utf8') : '');

/** An auth file routing the registry to the helper; its auths entry for the host holds a token that does not work. */
function authFile(name: string, helper = 'sandbox'): { file: string; content: string } {
  const file = path.join(t.tmp, name);
  // Deliberately not regctl's formatting (2 spaces, no trailing newline) so any rewrite would show.
  const content = JSON.stringify({ auths: { [host]: { auth: Buffer.from('stale:sha256~not-a-real-token').toString('base64') }, 'quay.io': { auth: 'cXVheTpzZWNyZXQ=' } }, credHelpers: { [host]: helper } }, null, 2);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return { file, content };
}

/** The CLI with the helper on PATH; optionally without any kubeconfig, so only the helper can supply credentials. */
const cli = (args: string[], o: { noKube?: boolean; env?: Record<string, string> } = {}) =>
  t.cli(args, { env: { PATH, ...(o.noKube ? { KUBECONFIG: path.join(t.tmp, 'no-kubeconfig') } : {}), ...o.env } });

async function skopeo(args: string[]) {
  try {
    const r = await exec('skopeo', args, { env: { PATH, HOME: t.home, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeout: 40_000 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'login-helper');
  token = sb.tokens.admin!;
  const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir]);
  if (r.code !== 0) throw new Error(`expose failed: ${r.all}`);
  host = r.stdout.trim();
  bin = path.join(t.tmp, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'fake-helper.cjs'), FAKE_HELPER);
  fs.writeFileSync(path.join(bin, 'docker-credential-sandbox'), `#!/bin/sh\nexec '${process.execPath}' '${path.join(bin, 'fake-helper.cjs')}' "$@"\n`, { mode: 0o755 });
  PATH = `${bin}${path.delimiter}${process.env.PATH}`;
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('credHelpers routes the registry to docker-credential-sandbox', () => {
  let file: string;
  let content: string;
  const hostCerts = () => path.join(t.certsDir, host);

  it('login stores through the helper; the auth file is unchanged byte for byte', async () => {
    ({ file, content } = authFile('helper.json'));
    const mtime = fs.statSync(file).mtimeMs;
    const r = await cli(['login', '--authfile', file, '--certs-dir', t.certsDir, '-o', 'json', '-v']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Login Succeeded! Saved credentials for ${host} into credential helper: sandbox\n`);
    expect(JSON.parse(r.stdout)).toMatchObject({ registry: host, username: 'kubeadmin', authfile: file, credentialHelper: 'sandbox', verified: true });
    expect(store()[host]).toEqual({ Username: 'kubeadmin', Secret: token });
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(t.tmp).filter((f) => f.startsWith('.helper.json'))).toEqual([]);
    expect(r.all).not.toContain(token);
    expect(calls()).toContain('["store"]');
    expect(calls()).not.toContain(token); // never on the helper's command line
  });

  it('--dry-run names the helper and does not run it', async () => {
    const before = calls();
    const r = await cli(['login', '--dry-run', '--skip-check', '--authfile', file, '--registry', host]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Would save credentials for ${host} (user kubeadmin) into credential helper: sandbox (dry run)`);
    expect(calls()).toBe(before);
  });

  it('skopeo (containers/image) reads the same auth file and helper: push and list-tags', async () => {
    const push = await skopeo(['copy', '--authfile', file, '--dest-cert-dir', hostCerts(), `dir:${t.imageDir}`, `docker://${host}/default/helper-app:v1`]);
    expect(push.ok, push.stderr).toBe(true);
    const tags = await skopeo(['list-tags', '--authfile', file, '--cert-dir', hostCerts(), `docker://${host}/default/helper-app`]);
    expect(tags.ok, tags.stderr).toBe(true);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);
  });

  it('catalog and tags use the helper\'s credentials (no kubeconfig at all; the shadowed auths entry is ignored)', async () => {
    const cat = await cli(['catalog', '--registry', host, '--authfile', file, '--certs-dir', t.certsDir, '-o', 'name', '-v'], { noKube: true });
    expect(cat.code, cat.all).toBe(0);
    expect(cat.stdout.split('\n')).toContain('default/helper-app');
    expect(cat.stderr).toMatch(/credentials for .*: auth\.json \(.*helper\.json, credential helper sandbox\)/);
    expect(cat.all).not.toContain(token);
    const tags = await cli(['tags', `${host}/default/helper-app`, '--authfile', file, '--certs-dir', t.certsDir, '-o', 'json', '-v'], { noKube: true });
    expect(tags.code, tags.all).toBe(0);
    expect(JSON.parse(tags.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'TagList', registry: host, name: 'default/helper-app', tags: ['v1'] });
    expect(tags.all).not.toContain(token);
  });

  it('pull-secret create --from-authfile --registry copies the helper\'s credentials (not the shadowed auths entry)', async () => {
    const r = await cli(['pull-secret', 'create', 'via-helper', '--from-authfile', file, '--registry', host, '-n', 'default']);
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toContain(token);
    const k = await exec('kubectl', ['get', 'secret', 'via-helper', '-n', 'default', '-o', 'jsonpath={.data.\\.dockerconfigjson}'], { env: { ...process.env, KUBECONFIG: sb.kubeconfigPath } });
    const cfg = JSON.parse(Buffer.from(k.stdout, 'base64').toString());
    expect(Object.keys(cfg.auths)).toEqual([host]);
    expect(Buffer.from(cfg.auths[host].auth, 'base64').toString()).toBe(`kubeadmin:${token}`);
    // The Secret's config is an auth file skopeo can use as is.
    const secretFile = path.join(t.tmp, 'from-secret.json');
    fs.writeFileSync(secretFile, JSON.stringify(cfg), { mode: 0o600 });
    const tags = await skopeo(['list-tags', '--authfile', secretFile, '--cert-dir', hostCerts(), `docker://${host}/default/helper-app`]);
    expect(tags.ok, tags.stderr).toBe(true);
  });

  it('logout erases from the helper (and, like podman, the shadowed auths entry), keeping credHelpers', async () => {
    let r = await cli(['logout', host, '--authfile', file, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Removed login credentials for ${host} from credential helper: sandbox\n`);
    expect(r.stderr).toContain(`Removed login credentials for ${host} from ${file}\n`);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'LogoutResult', authfile: file, removed: [host] });
    expect(store()[host]).toBeUndefined();
    expect(calls()).toContain('["erase"]');
    r = await cli(['logout', host, '--authfile', file]);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/Not logged in to .* in credential helper sandbox/);
    const d = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(d).toEqual({ auths: { 'quay.io': { auth: 'cXVheTpzZWNyZXQ=' } }, credHelpers: { [host]: 'sandbox' } });
    // With nothing in the helper, the registry commands have no credentials (podman would not read auths either).
    const cat = await cli(['catalog', '--registry', host, '--authfile', file, '--certs-dir', t.certsDir], { noKube: true });
    expect(cat.code).toBe(4);
  });
});

describe('logout --all', () => {
  it('empties the file\'s auths but leaves the helpers\' credentials (and credHelpers), saying so', async () => {
    const { file } = authFile('all.json');
    let r = await cli(['login', '--authfile', file, '--certs-dir', t.certsDir, '--skip-check']);
    expect(r.code, r.all).toBe(0);
    r = await cli(['logout', '--all', '--authfile', file, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'LogoutResult', authfile: file, removed: [host, 'quay.io'] });
    expect(r.stderr).toContain(`Credentials of ${host} stay in the credential helpers ${file} names (credHelpers)`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ auths: {}, credHelpers: { [host]: 'sandbox' } });
    expect(store()[host]?.Secret).toBe(token);
    r = await cli(['logout', host, '--authfile', file]);
    expect(r.code, r.all).toBe(0);
    expect(store()[host]).toBeUndefined();
  });
});

describe('a missing or failing helper: one-line error, hint, exit code, file untouched', () => {
  it('login, catalog and logout name docker-credential-<helper> and the fixes', async () => {
    const { file, content } = authFile('missing.json', 'absent');
    const message = new RegExp(`^error: credential helper docker-credential-absent is not on PATH \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} routes ${host.replace(/\./g, '\\.')} to it in credHelpers\\)$`);
    const hint = /^hint: install docker-credential-absent, or remove credHelpers\[".*"\] from .*missing\.json, or use another file with --authfile FILE$/;
    let r = await cli(['login', '--authfile', file, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(1);
    expectOneError(r, message, hint);
    expect(r.stdout).toBe('');
    expect(r.all).not.toContain(token);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    r = await cli(['catalog', '--registry', host, '--authfile', file, '--certs-dir', t.certsDir]);
    expect(r.code).toBe(1);
    expectOneError(r, message, hint);
    r = await cli(['logout', host, '--authfile', file]);
    expect(r.code).toBe(1);
    expectOneError(r, message, hint);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });

  it('a helper that fails: its first line, never the token', async () => {
    const { file, content } = authFile('failing.json');
    const r = await cli(['login', '--authfile', file, '--certs-dir', t.certsDir, '-v'], { env: { FAKE_HELPER_FAIL: '1' } });
    expect(r.code).toBe(1);
    expectOneError(r, /^error: docker-credential-sandbox store failed for .* \(exit status 2: the keychain is locked\)$/, /docker-credential-sandbox list/);
    expect(r.all).not.toContain(token);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });
});

describe('credsStore (Docker\'s default store) is not a route for podman/skopeo', () => {
  it('login still writes auths[host], with a warning that Docker looks in credsStore', async () => {
    const file = path.join(t.tmp, 'credsstore.json');
    fs.writeFileSync(file, JSON.stringify({ auths: {}, credsStore: 'sandbox' }));
    const before = calls();
    const r = await cli(['login', '--authfile', file, '--certs-dir', t.certsDir, '--skip-check']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Saved credentials for ${host} into ${file}`);
    expect(r.stderr).toMatch(/warning: .*credsStore "sandbox"/i);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).auths[host]).toBeDefined();
    expect(calls()).toBe(before);
  });
});
