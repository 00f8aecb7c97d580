import { beforeAll, describe, expect, it } from 'vitest';
import { createCA, type CertificateAuthority } from '../sandbox/pki.js';
import { planTrust, type SetEntry } from '../../src/cluster/trusted-ca.js';
import { parseCABundle } from '../../src/pki/pem.js';
import { UsageError } from '../../src/errors.js';

let ca1: CertificateAuthority;
let ca2: CertificateAuthority;
const entry = (key: string, display: string, pem: string): SetEntry => {
  const b = parseCABundle(pem, 'x');
  return { key, display, pem: b.pem, certs: b.certs };
};
const imageConfig = (name?: string) => ({ metadata: { name: 'cluster', resourceVersion: '7' }, spec: name ? { additionalTrustedCA: { name } } : {} });
const cm = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'openshift-config', resourceVersion: '42', uid: 'u', managedFields: [{}], labels: { team: 'a' } },
  data,
  ...extra,
});

beforeAll(async () => {
  [ca1, ca2] = await Promise.all([createCA('plan-ca-1'), createCA('plan-ca-2')]);
});

describe('planTrust', () => {
  it('creates registry-cas and patches image.config when nothing is referenced', () => {
    const p = planTrust({ set: [entry('r.example.com..5000', 'r.example.com:5000', ca1.certPem)] }, imageConfig(), null);
    expect(p.configMapName).toBe('registry-cas');
    expect(p.configMapWrite).toBe('create');
    expect(p.imageConfigPatch).toEqual({ spec: { additionalTrustedCA: { name: 'registry-cas' } } });
    expect(p.configMap).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas', namespace: 'openshift-config' } });
    expect(Object.keys(p.configMap!.data)).toEqual(['r.example.com..5000']);
    expect(p.changes).toEqual([{ key: 'r.example.com..5000', host: 'r.example.com:5000', action: 'add' }]);
  });

  it('honours --configmap when nothing is referenced', () => {
    const p = planTrust({ set: [entry('a', 'a', ca1.certPem)], configMapName: 'my-cas' }, imageConfig(), null);
    expect(p.configMapName).toBe('my-cas');
    expect(p.imageConfigPatch).toEqual({ spec: { additionalTrustedCA: { name: 'my-cas' } } });
  });

  it('refuses a --configmap different from the referenced one', () => {
    expect(() => planTrust({ set: [entry('a', 'a', ca1.certPem)], configMapName: 'other' }, imageConfig('existing'), null)).toThrow(UsageError);
    expect(() => planTrust({ set: [entry('a', 'a', ca1.certPem)], configMapName: 'existing' }, imageConfig('existing'), null)).not.toThrow();
  });

  it('adds to the referenced ConfigMap, keeps other keys, binaryData and labels, no patch', () => {
    const cur = cm('existing', { 'other.example.com': ca2.certPem, 'z..1': 'not pem' }, { binaryData: { 'bin.example.com': 'AAAA' } });
    const p = planTrust({ set: [entry('new.example.com', 'new.example.com', ca1.certPem)] }, imageConfig('existing'), cur);
    expect(p.configMapWrite).toBe('update');
    expect(p.imageConfigPatch).toBeNull();
    expect(Object.keys(p.configMap!.data)).toEqual(['new.example.com', 'other.example.com', 'z..1']);
    expect(p.configMap!.data['z..1']).toBe('not pem');
    expect(p.configMap!.binaryData).toEqual({ 'bin.example.com': 'AAAA' });
    expect(p.configMap!.metadata).toEqual({ name: 'existing', namespace: 'openshift-config', labels: { team: 'a' } });
  });

  it('creates the referenced ConfigMap when it is missing (no patch)', () => {
    const p = planTrust({ set: [entry('a', 'a', ca1.certPem)] }, imageConfig('gone'), null);
    expect(p.configMapName).toBe('gone');
    expect(p.configMapWrite).toBe('create');
    expect(p.imageConfigPatch).toBeNull();
  });

  it('is idempotent: same certificates (whatever the formatting) → no write', () => {
    const cur = cm('existing', { a: ca1.certPem.replace(/\n/g, '\r\n') });
    const p = planTrust({ set: [entry('a', 'a', ca1.certPem)] }, imageConfig('existing'), cur);
    expect(p.configMapWrite).toBe('none');
    expect(p.imageConfigPatch).toBeNull();
    expect(p.changes[0]!.action).toBe('unchanged');
  });

  it('replaces a different CA and reports the previous one', () => {
    const cur = cm('existing', { a: ca2.certPem });
    const p = planTrust({ set: [entry('a', 'a', ca1.certPem)] }, imageConfig('existing'), cur);
    expect(p.configMapWrite).toBe('update');
    expect(p.changes[0]).toMatchObject({ action: 'replace', previous: [{ subject: 'CN=plan-ca-2' }] });
  });

  it('moves a key from binaryData to data when replacing it', () => {
    const cur = cm('existing', {}, { binaryData: { a: Buffer.from('x').toString('base64') } });
    const p = planTrust({ set: [entry('a', 'a', ca1.certPem)] }, imageConfig('existing'), cur);
    expect(p.configMap!.data.a).toContain('BEGIN CERTIFICATE');
    expect(p.configMap!.binaryData).toBeUndefined();
  });

  it('removes keys and keeps the rest; absent keys change nothing', () => {
    const cur = cm('existing', { a: ca1.certPem, b: ca2.certPem });
    const p = planTrust({ remove: [{ key: 'a', display: 'a' }, { key: 'x..5000', display: 'x:5000' }] }, imageConfig('existing'), cur);
    expect(p.configMapWrite).toBe('update');
    expect(Object.keys(p.configMap!.data)).toEqual(['b']);
    expect(p.changes.map((c) => c.action)).toEqual(['remove', 'absent']);
    const none = planTrust({ remove: [{ key: 'x', display: 'x' }] }, imageConfig('existing'), cur);
    expect(none.configMapWrite).toBe('none');
  });

  it('remove with nothing referenced writes nothing and never patches', () => {
    const p = planTrust({ remove: [{ key: 'a', display: 'a' }] }, imageConfig(), null);
    expect(p.configMapWrite).toBe('none');
    expect(p.imageConfigPatch).toBeNull();
    expect(p.configMap).toBeNull();
    expect(p.changes[0]!.action).toBe('absent');
  });

  it('refuses to grow the ConfigMap past 1 MiB', () => {
    const cur = cm('existing', { big: 'x'.repeat(1024 * 1024) });
    expect(() => planTrust({ set: [entry('a', 'a', ca1.certPem)] }, imageConfig('existing'), cur)).toThrow(/would exceed 1 MiB/);
  });
});
