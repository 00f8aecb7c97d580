// docker-credential-<name> helpers: the spawning module and auth.json's credHelpers routing, against a small fake
// helper (a stand-in for an external program) that keeps credentials in a JSON file and logs its argv.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CredentialHelperError,
  CredentialHelperNotFoundError,
  eraseCredentials,
  findHelper,
  getCredentials,
  storeCredentials,
} from '../../../src/registry/credential-helper.js';
import { lookupCredentials, removeCredentials, setCredentials } from '../../../src/registry/authfile.js';
import { TimeoutError } from '../../../src/errors.js';

const SECRET = 'sha256~unit-secret-value-0123456789';

const FAKE = `
const fs = require('fs');
const path = require('path');
const dir = __dirname;
const store = path.join(dir, 'store.json');
fs.appendFileSync(path.join(dir, 'calls.log'), JSON.stringify(process.argv.slice(2)) + '\\n');
const input = fs.readFileSync(0, 'utf8');
const db = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
const save = () => fs.writeFileSync(store, JSON.stringify(db));
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (process.env.FAKE_HELPER_SLEEP) { setTimeout(() => {}, 30000); return; }
if (process.env.FAKE_HELPER_FAIL) { process.stderr.write('\\nkeychain is locked\\nsecond line\\n'); process.exit(3); }
if (process.env.FAKE_HELPER_ECHO) { process.stderr.write('rejected ' + JSON.parse(input).Secret + '\\n'); process.exit(1); }
if (process.env.FAKE_HELPER_DUMP) { process.stdout.write(input + '\\n'); process.exit(1); }
if (process.env.FAKE_HELPER_GARBAGE) { process.stdout.write('not json ' + JSON.stringify(db)); process.exit(0); }
switch (process.argv[2]) {
  case 'store': { const c = JSON.parse(input); db[c.ServerURL] = { Username: c.Username, Secret: c.Secret }; save(); break; }
  case 'get': { const c = db[input.trim()]; if (!c) notFound(); process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ...c })); break; }
  case 'erase': { if (!db[input.trim()]) notFound(); delete db[input.trim()]; save(); break; }
  default: process.stdout.write('unknown action\\n'); process.exit(1);
}
`;

let tmp: string;
let bin: string;
let env: Record<string, string | undefined>;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-credhelper-'));
  bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'fake-helper.cjs'), FAKE);
  fs.writeFileSync(path.join(bin, 'docker-credential-fake'), `#!/bin/sh\nexec '${process.execPath}' '${path.join(bin, 'fake-helper.cjs')}' "$@"\n`, { mode: 0o755 });
  env = { PATH: `${bin}${path.delimiter}/usr/bin:/bin`, HOME: tmp };
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const store = () => JSON.parse(fs.readFileSync(path.join(bin, 'store.json'), 'utf8'));
const calls = () => fs.readFileSync(path.join(bin, 'calls.log'), 'utf8');

describe('credential helper protocol', () => {
  it('finds the helper on PATH only', () => {
    expect(findHelper('fake', env)).toBe(path.join(bin, 'docker-credential-fake'));
    expect(findHelper('fake', { PATH: '/usr/bin:/bin' })).toBeUndefined();
    fs.writeFileSync(path.join(bin, 'docker-credential-noexec'), '#!/bin/sh\n', { mode: 0o644 });
    expect(findHelper('noexec', env)).toBeUndefined();
  });

  it('store, get, erase round trip; the secret travels on stdin only', () => {
    storeCredentials('fake', 'reg.example:443', 'kubeadmin', SECRET, { env });
    expect(store()).toEqual({ 'reg.example:443': { Username: 'kubeadmin', Secret: SECRET } });
    expect(getCredentials('fake', 'reg.example:443', { env })).toEqual({ username: 'kubeadmin', secret: SECRET });
    expect(eraseCredentials('fake', 'reg.example:443', { env })).toBe(true);
    expect(store()).toEqual({});
    expect(calls()).toBe('["store"]\n["get"]\n["erase"]\n');
    expect(calls()).not.toContain(SECRET);
  });

  it('"credentials not found in native keychain" means none: get → undefined, erase → false', () => {
    expect(getCredentials('fake', 'other.example', { env })).toBeUndefined();
    expect(eraseCredentials('fake', 'other.example', { env })).toBe(false);
  });

  it('debug lines name the helper and the outcome, never the secret', () => {
    const lines: string[] = [];
    storeCredentials('fake', 'reg.example', 'u', SECRET, { env, debug: (l) => lines.push(l) });
    getCredentials('fake', 'reg.example', { env, debug: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/docker-credential-fake store for reg\.example: ok/);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('a missing helper: one line naming docker-credential-<name>, a hint with the fixes', () => {
    let err: unknown;
    try {
      storeCredentials('absent', 'reg.example', 'u', SECRET, { env, file: '/f/auth.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CredentialHelperNotFoundError);
    const e = err as CredentialHelperNotFoundError;
    expect(e.message).toBe('credential helper docker-credential-absent is not on PATH (/f/auth.json routes reg.example to it in credHelpers)');
    expect(e.hint).toBe('install docker-credential-absent, or remove credHelpers["reg.example"] from /f/auth.json, or use another file with --authfile FILE');
    expect(e.exitCode).toBe(1);
  });

  it('a failing helper: the first line of its stderr and its exit status', () => {
    expect(() => getCredentials('fake', 'reg.example', { env: { ...env, FAKE_HELPER_FAIL: '1' } })).toThrow(
      new CredentialHelperError('docker-credential-fake get failed for reg.example (exit status 3: keychain is locked)', 'fake', 'reg.example', { env }),
    );
  });

  it('never puts the secret in an error, even when the helper echoes it', () => {
    for (const mode of ['FAKE_HELPER_ECHO', 'FAKE_HELPER_DUMP']) {
      let msg = '';
      try {
        storeCredentials('fake', 'reg.example', 'u', SECRET, { env: { ...env, [mode]: '1' } });
      } catch (e) {
        msg = `${(e as Error).message}\n${(e as CredentialHelperError).hint}`;
      }
      expect(msg).toMatch(/docker-credential-fake store failed for reg\.example/);
      expect(msg).not.toContain(SECRET);
    }
    storeCredentials('fake', 'reg.example', 'u', SECRET, { env });
    let msg = '';
    try {
      getCredentials('fake', 'reg.example', { env: { ...env, FAKE_HELPER_GARBAGE: '1' } });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe('docker-credential-fake get for reg.example printed something that is not credentials JSON');
  });

  it('refuses helper names that would run another program', () => {
    expect(() => getCredentials('../../bin/sh', 'reg.example', { env })).toThrow(/invalid credential helper name/);
  });

  it('a helper that hangs is stopped (exit 124)', () => {
    let err: unknown;
    try {
      getCredentials('fake', 'reg.example', { env: { ...env, FAKE_HELPER_SLEEP: '1' }, timeoutMs: 500 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).exitCode).toBe(124);
  });
});

describe('auth.json credHelpers routing', () => {
  const file = () => path.join(tmp, 'auth.json');
  const CONTENT = '{"auths": {"reg.example": {"auth": "dTpzdGFsZQ=="}, "quay.io": {"auth": "eDp5"}},\n  "credHelpers": {"reg.example": "fake"}}\n';

  it('setCredentials stores through the helper and leaves the file byte for byte', () => {
    fs.writeFileSync(file(), CONTENT);
    const before = fs.statSync(file()).mtimeMs;
    const w = setCredentials(file(), 'reg.example', 'kubeadmin', SECRET, { env });
    expect(w).toMatchObject({ helper: 'fake', file: file(), warnings: [] });
    expect(fs.readFileSync(file(), 'utf8')).toBe(CONTENT);
    expect(fs.statSync(file()).mtimeMs).toBe(before);
    expect(store()['reg.example']).toEqual({ Username: 'kubeadmin', Secret: SECRET });
  });

  it('other registries of the same file still go to auths', () => {
    fs.writeFileSync(file(), CONTENT);
    const w = setCredentials(file(), 'other.example', 'u', 'p', { env });
    expect(w.helper).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).auths['other.example']).toEqual({ auth: Buffer.from('u:p').toString('base64') });
  });

  it('a missing helper leaves the file untouched', () => {
    fs.writeFileSync(file(), CONTENT.replace('"fake"', '"absent"'));
    expect(() => setCredentials(file(), 'reg.example', 'u', SECRET, { env })).toThrow(CredentialHelperNotFoundError);
    expect(fs.readFileSync(file(), 'utf8')).toBe(CONTENT.replace('"fake"', '"absent"'));
    expect(fs.readdirSync(tmp).sort()).toEqual(['auth.json', 'bin']);
  });

  it('lookupCredentials asks the helper, not the shadowed auths entry; none there → the next file searched', () => {
    fs.writeFileSync(file(), CONTENT);
    const docker = path.join(tmp, '.docker', 'config.json');
    fs.mkdirSync(path.dirname(docker));
    fs.writeFileSync(docker, JSON.stringify({ auths: { 'reg.example': { auth: Buffer.from('d:docker-token').toString('base64') } } }));
    const sel = { env: { ...env, XDG_RUNTIME_DIR: undefined }, platform: 'linux' as const, uid: 99999 };
    // Not in the helper: nothing, even though the file's auths has an entry the helper shadows (as podman).
    expect(lookupCredentials('reg.example', { ...sel, authfile: file() })).toBeUndefined();
    storeCredentials('fake', 'reg.example', 'kubeadmin', SECRET, { env });
    expect(lookupCredentials('reg.example', { ...sel, authfile: file() })).toEqual({ username: 'kubeadmin', password: SECRET, file: file(), key: 'reg.example', helper: 'fake' });
    expect(lookupCredentials('quay.io', { ...sel, authfile: file() })).toMatchObject({ username: 'x', password: 'y' });
    fs.mkdirSync(path.join(tmp, '.config', 'containers'), { recursive: true });
    fs.copyFileSync(file(), path.join(tmp, '.config', 'containers', 'auth.json'));
    eraseCredentials('fake', 'reg.example', { env });
    expect(lookupCredentials('reg.example', sel)).toMatchObject({ password: 'docker-token', file: docker });
  });

  it('removeCredentials erases from the helper (and the file\'s own entry); "all" leaves helpers alone', () => {
    fs.writeFileSync(file(), CONTENT);
    storeCredentials('fake', 'reg.example', 'kubeadmin', SECRET, { env });
    const r = removeCredentials(file(), ['reg.example'], { env });
    expect(r.helper).toEqual({ name: 'fake', key: 'reg.example', erased: true });
    expect(r.removed).toEqual(['reg.example']);
    expect(store()).toEqual({});
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).credHelpers).toEqual({ 'reg.example': 'fake' });
    expect(removeCredentials(file(), ['reg.example'], { env })).toMatchObject({ removed: [], helper: { erased: false } });
    storeCredentials('fake', 'reg.example', 'kubeadmin', SECRET, { env });
    expect(removeCredentials(file(), 'all', { env })).toMatchObject({ removed: ['quay.io'], keptInHelpers: ['reg.example'] });
    expect(Object.keys(store())).toEqual(['reg.example']);
  });

  it('a failing erase leaves the file untouched', () => {
    fs.writeFileSync(file(), CONTENT);
    expect(() => removeCredentials(file(), ['reg.example'], { env: { ...env, FAKE_HELPER_FAIL: '1' } })).toThrow(/keychain is locked/);
    expect(fs.readFileSync(file(), 'utf8')).toBe(CONTENT);
  });
});
