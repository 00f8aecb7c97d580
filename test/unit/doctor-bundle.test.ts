// The support bundle's building blocks: the ustar writer (read back by the system tar), redaction by
// structure and by value, and the doctor's in-memory test image.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { header, splitName, tar } from '../../src/doctor/tar.js';
import { REDACTED, redactObject, Scrubber, scrubTerms, withItemKind } from '../../src/doctor/redact.js';
import { buildTestImage, MEDIA } from '../../src/doctor/test-image.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-doctor-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('tar writer', () => {
  it('writes an archive the system tar lists and extracts byte for byte', () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name-${'f'.repeat(40)}.log`;
    const binary = Buffer.from([0, 1, 2, 255, 254, 10]);
    const archive = tar([
      { name: 'root', type: 'dir', mtime: 1_700_000_000 },
      { name: 'root/a.txt', data: 'hello\n', mtime: 1_700_000_000 },
      { name: 'root/empty', data: '' },
      { name: `root/${long}`, data: 'x'.repeat(1025) },
      { name: 'root/bin', data: binary, mode: 0o600 },
      { name: 'root/ünï.txt', data: 'utf8 name' },
    ]);
    expect(archive.length % 512).toBe(0);
    const file = path.join(tmp, 't.tar.gz');
    fs.writeFileSync(file, gzipSync(archive));
    const listing = execFileSync('tar', ['-tzvf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/^drwxr-xr-x root\/root\s+0 .* root\/$/m);
    expect(listing).toMatch(/^-rw------- root\/root\s+6 .* root\/bin$/m);
    const out = path.join(tmp, 'x');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    expect(fs.readFileSync(path.join(out, 'root/a.txt'), 'utf8')).toBe('hello\n');
    expect(fs.readFileSync(path.join(out, 'root/empty'), 'utf8')).toBe('');
    expect(fs.readFileSync(path.join(out, 'root', long), 'utf8')).toBe('x'.repeat(1025));
    expect(fs.readFileSync(path.join(out, 'root/bin'))).toEqual(binary);
    expect(fs.readFileSync(path.join(out, 'root/ünï.txt'), 'utf8')).toBe('utf8 name');
  });

  it('headers carry a valid checksum and the ustar magic', () => {
    const h = header({ name: 'a' }, 3);
    expect(h.subarray(257, 263).toString('latin1')).toBe('ustar\0');
    const stored = parseInt(h.subarray(148, 154).toString('ascii'), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((a, b) => a + b, 0));
  });

  it('splits long names at a slash, and refuses what cannot fit', () => {
    expect(splitName('short')).toEqual({ name: 'short', prefix: '' });
    const n = `${'p'.repeat(120)}/${'n'.repeat(90)}`;
    expect(splitName(n)).toEqual({ name: 'n'.repeat(90), prefix: 'p'.repeat(120) });
    expect(() => splitName('z'.repeat(300))).toThrow(/path too long/);
  });
});

describe('redaction by structure', () => {
  it('Secrets: every value, and the last-applied annotation', () => {
    const s = redactObject({
      kind: 'Secret',
      metadata: { name: 'x', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}' }, managedFields: [{}] },
      data: { REGISTRY_STORAGE_S3_SECRETKEY: 'c2VjcmV0' },
      stringData: { password: 'hunter22' },
    }) as any;
    expect(s.data.REGISTRY_STORAGE_S3_SECRETKEY).toBe(REDACTED);
    expect(s.stringData.password).toBe(REDACTED);
    expect(s.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(REDACTED);
    expect(s.metadata.managedFields).toBeUndefined();
  });

  it('the registry Config: httpSecret; Routes: the private key', () => {
    expect((redactObject({ kind: 'Config', spec: { httpSecret: 'abc', replicas: 2 } }) as any).spec).toEqual({ httpSecret: REDACTED, replicas: 2 });
    const r = redactObject({ kind: 'Route', spec: { tls: { termination: 'reencrypt', certificate: 'CERT', key: 'KEY' } } }) as any;
    expect(r.spec.tls).toEqual({ termination: 'reencrypt', certificate: 'CERT', key: REDACTED });
  });

  it('workloads: secret-looking env values, not file paths nor ordinary settings', () => {
    const env = [
      { name: 'REGISTRY_HTTP_SECRET', value: 'deadbeef' },
      { name: 'REGISTRY_STORAGE_S3_ACCESSKEY', value: 'AKIA123' },
      { name: 'REGISTRY_STORAGE_SWIFT_PASSWORD', value: 'pw' },
      { name: 'REGISTRY_HTTP_TLS_KEY', value: '/etc/secrets/tls.key' },
      { name: 'REGISTRY_STORAGE_S3_BUCKET', value: 'bucket' },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ];
    const d = redactObject({ kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'registry', env }] } } } }) as any;
    expect(d.spec.template.spec.containers[0].env.map((e: any) => e.value)).toEqual([REDACTED, REDACTED, REDACTED, '/etc/secrets/tls.key', 'bucket', undefined]);
    const pods = withItemKind([{ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', env: [{ name: 'TOKEN', value: 't0k3n' }] }] } }], 'Pod');
    expect((redactObject(pods) as any)[0].spec.containers[0].env[0].value).toBe(REDACTED);
  });
});

describe('redaction by value', () => {
  it('scrubs whole values, their base64, ini and JSON secret fields; keeps certificates and the namespace', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUJ\n-----END CERTIFICATE-----\n';
    const terms = scrubTerms([
      { key: 'REGISTRY_STORAGE_S3_SECRETKEY', value: 'wJalrXUtnFEMI/K7MDENG' },
      { key: 'credentials', value: '[default]\naws_access_key_id = AKIAEXAMPLEKEY\naws_secret_access_key = verySecretValue0000\n' },
      { key: '.dockerconfigjson', value: JSON.stringify({ auths: { 'r.example': { auth: Buffer.from('u:tokenValue123').toString('base64') } } }) },
      { key: 'ca.crt', value: cert },
      { key: 'namespace', value: 'openshift-image-registry' },
      { key: 'tls.crt', value: cert },
    ]);
    expect(terms).toEqual(expect.arrayContaining(['wJalrXUtnFEMI/K7MDENG', Buffer.from('wJalrXUtnFEMI/K7MDENG').toString('base64'), 'AKIAEXAMPLEKEY', 'verySecretValue0000', 'tokenValue123']));
    expect(terms).not.toContain('openshift-image-registry');
    expect(terms.some((t) => t.includes('CERTIFICATE'))).toBe(false);
  });

  it('Scrubber replaces known values, private keys and token-shaped strings anywhere', () => {
    const s = new Scrubber([{ key: 'k', value: 'topsecretvalue' }]);
    s.add([{ key: 'token', value: 'sha256~abcdefghijklmnopqrstuvwxyz0123' }]);
    const text = [
      'env: topsecretvalue',
      'bearer sha256~ZYXWVUTSRQPONMLKJIHGFEDCBA9876543 in a log line',
      'jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2lnbmF0dXJl',
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----',
      'harmless openshift-image-registry text',
    ].join('\n');
    const out = s.scrub(text);
    expect(out).not.toMatch(/topsecretvalue|sha256~|eyJhbGci|PRIVATE KEY|MHcCAQEEIB/);
    expect(out).toContain('harmless openshift-image-registry text');
    expect(out.match(/REDACTED/g)).toHaveLength(4);
  });
});

describe('test image', () => {
  it('is a schema 2 image whose digests and diff_id match its bytes', () => {
    const img = buildTestImage('cafe0001', new Date('2025-01-01T00:00:00Z'));
    const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
    const m = JSON.parse(img.manifest.data.toString());
    expect(m).toMatchObject({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { digest: sha(img.config.data), size: img.config.data.length }, layers: [{ mediaType: MEDIA.layer, digest: sha(img.layer.data) }] });
    const cfg = JSON.parse(img.config.data.toString());
    expect(cfg.rootfs.diff_ids).toEqual([sha(gunzipSync(img.layer.data))]);
    expect(cfg.config.Labels['io.openshift.regctl.doctor']).toBe('cafe0001');
    expect(img.manifest.digest).toBe(sha(img.manifest.data));
    expect(img.layer.data.length).toBeLessThan(1024);
  });
});
