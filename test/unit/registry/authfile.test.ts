import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptAuthFileError,
  authFileSearchPath,
  credentialHelperFor,
  lookupCredentials,
  removeCredentials,
  resolveAuthFile,
  setCredentials,
} from '../../../src/registry/authfile.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-authfile-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('resolveAuthFile (containers/image order)', () => {
  const env = (e: Record<string, string>) => ({ HOME: tmp, ...e });
  it('--authfile, then REGISTRY_AUTH_FILE, then XDG_RUNTIME_DIR, then /run/containers/<uid>', () => {
    fs.mkdirSync(path.join(tmp, 'xdg'));
    expect(resolveAuthFile({ authfile: 'a.json', env: env({ REGISTRY_AUTH_FILE: '/x' }) }).path).toBe(path.resolve('a.json'));
    expect(resolveAuthFile({ env: env({ REGISTRY_AUTH_FILE: '/x/auth.json', XDG_RUNTIME_DIR: path.join(tmp, 'xdg') }) })).toMatchObject({ path: '/x/auth.json', source: 'REGISTRY_AUTH_FILE' });
    expect(resolveAuthFile({ env: env({ XDG_RUNTIME_DIR: path.join(tmp, 'xdg') }), platform: 'linux' }).path).toBe(path.join(tmp, 'xdg', 'containers', 'auth.json'));
    expect(resolveAuthFile({ env: env({}), platform: 'linux', uid: 1234 }).path).toBe('/run/containers/1234/auth.json');
    expect(resolveAuthFile({ env: env({}), platform: 'darwin' }).path).toBe(path.join(tmp, '.config', 'containers', 'auth.json'));
  });
  it('a missing XDG_RUNTIME_DIR is an error naming the fix', () => {
    expect(() => resolveAuthFile({ env: env({ XDG_RUNTIME_DIR: path.join(tmp, 'nope') }), platform: 'linux' })).toThrow(/directory set by \$XDG_RUNTIME_DIR does not exist/);
  });
  it('--docker → ~/.docker/config.json (DOCKER_CONFIG honoured)', () => {
    expect(resolveAuthFile({ docker: true, env: env({}) })).toMatchObject({ path: path.join(tmp, '.docker', 'config.json'), docker: true });
    expect(resolveAuthFile({ docker: true, env: env({ DOCKER_CONFIG: '/d' }) }).path).toBe('/d/config.json');
  });
  it('readers also check ~/.config/containers/auth.json and Docker config, unless a file was chosen', () => {
    const p = authFileSearchPath({ env: env({}), platform: 'linux', uid: 5 }).map((l) => l.path);
    expect(p).toEqual(['/run/containers/5/auth.json', path.join(tmp, '.config/containers/auth.json'), path.join(tmp, '.docker/config.json')]);
    expect(authFileSearchPath({ env: env({ REGISTRY_AUTH_FILE: '/f' }) }).map((l) => l.path)).toEqual(['/f']);
  });
});

describe('setCredentials', () => {
  it('creates dir 0700 and file 0600, tab-indented', () => {
    const f = path.join(tmp, 'new', 'dir', 'auth.json');
    setCredentials(f, 'reg.example:443', 'kubeadmin', 'sha256~tok');
    expect(fs.statSync(path.dirname(f)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(f, 'utf8');
    expect(text).toBe(`{\n\t"auths": {\n\t\t"reg.example:443": {\n\t\t\t"auth": "${Buffer.from('kubeadmin:sha256~tok').toString('base64')}"\n\t\t}\n\t}\n}\n`);
    expect(fs.readdirSync(path.dirname(f))).toEqual(['auth.json']);
  });
  it('keeps other registries and other top-level keys; replaces the entry', () => {
    const f = path.join(tmp, 'config.json');
    fs.writeFileSync(f, JSON.stringify({ auths: { 'quay.io': { auth: 'eDp5' }, 'reg': { auth: 'old', identitytoken: 'x' } }, credsStore: 'desktop', psFormat: 'table' }));
    const r = setCredentials(f, 'reg', 'u', 'p');
    const d = JSON.parse(fs.readFileSync(f, 'utf8'));
    expect(d).toEqual({ auths: { 'quay.io': { auth: 'eDp5' }, reg: { auth: Buffer.from('u:p').toString('base64') } }, credsStore: 'desktop', psFormat: 'table' });
    expect(r.warnings.join()).toMatch(/credsStore/);
  });
  it.each([
    ['empty', ''],
    ['invalid JSON', '{"auths": {'],
    ['not an object', '[1]'],
    ['auths not an object', '{"auths": 3}'],
  ])('refuses a corrupt file (%s) and leaves it untouched', (_n, content) => {
    const f = path.join(tmp, 'auth.json');
    fs.writeFileSync(f, content, { mode: 0o644 });
    const before = fs.statSync(f);
    expect(() => setCredentials(f, 'reg', 'u', 'p')).toThrow(CorruptAuthFileError);
    expect(fs.readFileSync(f, 'utf8')).toBe(content);
    expect(fs.statSync(f).mtimeMs).toBe(before.mtimeMs);
    expect(fs.readdirSync(tmp)).toEqual(['auth.json']);
  });
  it('writes through a symlink, keeping the link', () => {
    const real = path.join(tmp, 'real.json');
    fs.writeFileSync(real, '{}');
    const link = path.join(tmp, 'link.json');
    fs.symlinkSync(real, link);
    setCredentials(link, 'reg', 'u', 'p');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(fs.readFileSync(real, 'utf8')).auths.reg).toBeDefined();
  });
});

describe('lookup and remove', () => {
  it('finds normalised keys and removes only what was asked', () => {
    const f = path.join(tmp, 'auth.json');
    setCredentials(f, 'a.example', 'u', 'tok:with:colons');
    setCredentials(f, 'b.example:5000', 'v', 't2');
    expect(lookupCredentials('a.example', { authfile: f, env: { HOME: tmp } })).toMatchObject({ username: 'u', password: 'tok:with:colons', file: f });
    expect(removeCredentials(f, ['a.example']).removed).toEqual(['a.example']);
    expect(Object.keys(JSON.parse(fs.readFileSync(f, 'utf8')).auths)).toEqual(['b.example:5000']);
    expect(removeCredentials(f, 'all').removed).toEqual(['b.example:5000']);
    expect(JSON.parse(fs.readFileSync(f, 'utf8'))).toEqual({ auths: {} });
  });
});

describe('credentialHelperFor', () => {
  it('matches credHelpers keys normalised (Docker writes https://host), and nothing else', () => {
    const c = { auths: {}, credHelpers: { 'https://reg.example:5000': 'pass', 'gcr.io': 'gcloud', 'empty.example': '' } };
    expect(credentialHelperFor(c, 'reg.example:5000')).toEqual({ helper: 'pass', key: 'https://reg.example:5000' });
    expect(credentialHelperFor(c, 'gcr.io')).toEqual({ helper: 'gcloud', key: 'gcr.io' });
    expect(credentialHelperFor(c, 'quay.io')).toBeUndefined();
    expect(credentialHelperFor(c, 'empty.example')).toBeUndefined();
    expect(credentialHelperFor(undefined, 'gcr.io')).toBeUndefined();
  });
  it('credsStore alone does not route: the entry is written, with a warning (podman and skopeo ignore credsStore)', () => {
    const f = path.join(tmp, 'config.json');
    fs.writeFileSync(f, JSON.stringify({ credsStore: 'desktop' }));
    const r = setCredentials(f, 'reg', 'u', 'p', { env: { PATH: '' } });
    expect(r.helper).toBeUndefined();
    expect(r.warnings.join()).toMatch(/credsStore "desktop"/);
    expect(JSON.parse(fs.readFileSync(f, 'utf8')).auths.reg).toEqual({ auth: Buffer.from('u:p').toString('base64') });
  });
});
