import { beforeAll, describe, expect, it, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCA, type CertificateAuthority, type Issued } from '../sandbox/pki.js';
import { caWarnings, inspectStored, parseCABundle, sameCertificates } from '../../src/pki/pem.js';
import { entriesFromDir, entriesFromPairs, rejectDuplicates } from '../../src/pki/inputs.js';
import { UsageError } from '../../src/errors.js';

const DAY = 86_400_000;
let ca: CertificateAuthority;
let ca2: CertificateAuthority;
let expiredCA: CertificateAuthority;
let leaf: Issued;
let dir: string;

beforeAll(async () => {
  [ca, ca2, expiredCA] = await Promise.all([
    createCA('unit-ca'),
    createCA('unit-ca-2'),
    createCA('old-ca', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }),
  ]);
  leaf = await ca.issue({ commonName: 'registry.example.com', dnsNames: ['registry.example.com'] });
  dir = mkdtempSync(path.join(tmpdir(), 'regctl-trust-ca-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).not.toContain('\n');
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseCABundle', () => {
  it('parses one CA and summarises it', () => {
    const b = parseCABundle(ca.certPem, 'ca.pem');
    expect(b.certs).toHaveLength(1);
    const c = b.certs[0]!;
    expect(c.subject).toBe('CN=unit-ca');
    expect(c.isCA).toBe(true);
    expect(c.selfSigned).toBe(true);
    expect(c.expired).toBe(false);
    expect(c.sha256).toBe(new X509Certificate(ca.certPem).fingerprint256);
    expect(caWarnings(b, 'ca.pem')).toEqual([]);
  });

  it('keeps a bundle whole, in order, dropping text between blocks and CRLFs', () => {
    const text = `# my CAs\r\n${ca.certPem.replace(/\n/g, '\r\n')}\nsubject=CN=unit-ca-2\n${ca2.certPem}`;
    const b = parseCABundle(text, 'bundle.pem');
    expect(b.certs.map((c) => c.subject)).toEqual(['CN=unit-ca', 'CN=unit-ca-2']);
    expect(b.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(b.pem).not.toContain('\r');
    expect(b.pem).not.toContain('subject=');
    expect(sameCertificates(b.certs, parseCABundle(ca.certPem + ca2.certPem, 'x').certs)).toBe(true);
    expect(sameCertificates(b.certs, parseCABundle(ca2.certPem + ca.certPem, 'x').certs)).toBe(false);
  });

  it('warns on expired and non-CA certificates', () => {
    const w = caWarnings(parseCABundle(expiredCA.certPem + leaf.certPem, 'mixed.pem'), 'mixed.pem');
    expect(w.some((x) => /CN=old-ca.*expired on/.test(x))).toBe(true);
    expect(w.some((x) => /CN=registry.example.com.*not a CA certificate/.test(x))).toBe(true);
  });

  it.each([
    ['empty', '', /is empty/],
    ['blank', '  \n\n', /is empty/],
    ['not PEM', 'hello world\n', /is not a PEM certificate/],
    ['private key only', () => leaf.keyPem, /contains a private key/],
    ['cert + key', () => leaf.certPem + leaf.keyPem, /contains a private key/],
    ['CSR', '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', /block 1 is a CERTIFICATE REQUEST/],
    ['garbage inside', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n', /certificate 1 cannot be parsed/],
    ['truncated', () => ca.certPem.slice(0, 200) + '\n-----END CERTIFICATE-----\n', /cannot be parsed/],
  ])('rejects %s', (_name, input, re) => {
    const text = typeof input === 'function' ? input() : input;
    const e = usage(() => parseCABundle(text, 'f.pem'));
    expect(e.message).toMatch(re);
    expect(e.hint).toBeTruthy();
  });

  it('recognises DER and says how to convert it', () => {
    const der = new X509Certificate(ca.certPem).raw;
    const e = usage(() => parseCABundle(der, 'ca.der'));
    expect(e.message).toBe('ca.der is not a PEM certificate (it looks like DER)');
    expect(e.hint).toContain('openssl x509 -inform der');
    expect(inspectStored(der).certs[0]!.subject).toBe('CN=unit-ca');
  });

  it('never puts key material in the error', () => {
    const e = usage(() => parseCABundle(leaf.keyPem, 'k.pem'));
    const body = leaf.keyPem.split('\n')[1]!;
    expect(e.message + e.hint).not.toContain(body.slice(0, 20));
  });

  it('inspectStored never throws', () => {
    expect(inspectStored('junk').error).toMatch(/not a PEM certificate/);
    expect(inspectStored(ca.certPem).certs).toHaveLength(1);
  });
});

describe('inputs', () => {
  it('pairs hosts and --ca files in order', () => {
    const a = path.join(dir, 'a.pem');
    const b = path.join(dir, 'b.pem');
    writeFileSync(a, ca.certPem);
    writeFileSync(b, ca2.certPem);
    const e = entriesFromPairs(['A.example.com', 'b.example.com:5000'], [a, b]);
    expect(e.map((x) => [x.key, x.bundle.certs[0]!.subject])).toEqual([
      ['a.example.com', 'CN=unit-ca'],
      ['b.example.com..5000', 'CN=unit-ca-2'],
    ]);
  });

  it('rejects unequal counts, missing files and directories', () => {
    expect(usage(() => entriesFromPairs(['a.example.com', 'b.example.com'], ['x'])).message).toBe('got 2 host(s) and 1 --ca file(s)');
    expect(usage(() => entriesFromPairs(['a.example.com'], [path.join(dir, 'nope.pem')])).message).toMatch(/cannot read .*nope.pem: no such file/);
    expect(usage(() => entriesFromPairs(['a.example.com'], [dir])).message).toMatch(/is a directory/);
  });

  it('reads HOST[:PORT].crt files from a directory and ignores others', () => {
    const d = path.join(dir, 'cas');
    mkdirSync(d);
    writeFileSync(path.join(d, 'one.example.com.crt'), ca.certPem);
    writeFileSync(path.join(d, 'two.example.com:5000.crt'), ca2.certPem);
    writeFileSync(path.join(d, 'README'), 'notes');
    const r = entriesFromDir(d);
    expect(r.entries.map((x) => x.key)).toEqual(['one.example.com', 'two.example.com..5000']);
    expect(r.ignored).toEqual(['README']);
  });

  it('rejects a directory without .crt files, and bad host names in file names', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(usage(() => entriesFromDir(empty)).message).toMatch(/has no HOST\[:PORT\]\.crt files/);
    const bad = path.join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'under_score.example.com.crt'), ca.certPem);
    expect(usage(() => entriesFromDir(bad)).message).toMatch(/invalid host in file name under_score.example.com.crt/);
    expect(usage(() => entriesFromDir(path.join(dir, 'missing'))).message).toMatch(/cannot read --from-dir/);
  });

  it('rejects the same registry twice', () => {
    expect(usage(() => rejectDuplicates([{ key: 'a', display: 'a' }, { key: 'a', display: 'a' }])).message).toBe('registry a is given more than once');
  });
});
