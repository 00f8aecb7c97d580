import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caPath, certsDir, certsSearchPath, readTrustedCAs, removeCA, writeCA } from '../../../src/registry/certsd.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-certsd-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('certs.d', () => {
  it('location: --certs-dir, /etc/containers/certs.d as root, ~/.config otherwise', () => {
    expect(certsDir({ certsDir: 'x', env: {}, uid: 0 })).toBe(path.resolve('x'));
    expect(certsDir({ env: { HOME: '/h' }, uid: 0 })).toBe('/etc/containers/certs.d');
    expect(certsDir({ env: { HOME: '/h' }, uid: 1000 })).toBe('/h/.config/containers/certs.d');
    expect(certsDir({ env: { HOME: '/h', XDG_CONFIG_HOME: '/c' }, uid: 1000 })).toBe('/c/containers/certs.d');
    expect(certsSearchPath({ env: { HOME: '/h' }, uid: 1000 })).toEqual(['/h/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']);
  });
  it('writes <dir>/<host:port>/ca.crt 0644 in 0755 dirs, idempotently, and reads it back', () => {
    const dir = path.join(tmp, 'certs.d');
    const r = writeCA(dir, 'reg.example:8443', PEM);
    expect(r).toEqual({ file: path.join(dir, 'reg.example:8443', 'ca.crt'), changed: true });
    expect(fs.statSync(r.file).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.dirname(r.file)).mode & 0o777).toBe(0o755);
    expect(writeCA(dir, 'reg.example:8443', PEM).changed).toBe(false);
    expect(readTrustedCAs('reg.example:8443', { certsDir: dir, env: {} })?.pem).toBe(PEM);
    expect(readTrustedCAs('other', { certsDir: dir, env: {} })).toBeUndefined();
    expect(removeCA(dir, 'reg.example:8443')).toBe(true);
    expect(fs.existsSync(path.join(dir, 'reg.example:8443'))).toBe(false);
  });
  it('refuses hosts that would escape the directory', () => {
    expect(() => caPath('/d', '../etc')).toThrow();
    expect(() => caPath('/d', 'a/b')).toThrow();
  });
});
