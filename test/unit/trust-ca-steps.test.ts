// trust-ca's writes as plan steps (issue 18): the ConfigMap before image.config, resourceVersion preconditions on
// every read-modify-write, other keys untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import { createCA, type CertificateAuthority } from '../sandbox/pki.js';
import { planTrust, trustSteps, type SetEntry } from '../../src/cluster/trusted-ca.js';
import { parseCABundle } from '../../src/pki/pem.js';

let ca1: CertificateAuthority;
let ca2: CertificateAuthority;
const entry = (key: string, pem: string): SetEntry => {
  const b = parseCABundle(pem, 'x');
  return { key, display: key, pem: b.pem, certs: b.certs };
};
const imageConfig = (name?: string) => ({ metadata: { name: 'cluster', resourceVersion: '7' }, spec: name ? { additionalTrustedCA: { name } } : {} });
const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas', namespace: 'openshift-config', resourceVersion: '42' }, data });
const steps = (req: Parameters<typeof planTrust>[0], ic: any, cur: any) => trustSteps(planTrust(req, ic, cur), ic, cur);

beforeAll(async () => {
  [ca1, ca2] = await Promise.all([createCA('steps-ca-1'), createCA('steps-ca-2')]);
});

describe('trustSteps', () => {
  it('nothing referenced: create the ConfigMap, then patch image.config with its resourceVersion', () => {
    const s = steps({ set: [entry('a.example.com', ca1.certPem)] }, imageConfig(), null);
    expect(s.map((x) => [x.action, x.target.ref.kind, x.target.name])).toEqual([['create', 'ConfigMap', 'registry-cas'], ['patch', 'Image', 'cluster']]);
    expect(s[1]).toMatchObject({ patchType: 'merge', patch: { spec: { additionalTrustedCA: { name: 'registry-cas' } }, metadata: { resourceVersion: '7' } } });
  });

  it('a referenced ConfigMap: one merge patch of the changed keys carrying its resourceVersion; image.config untouched', () => {
    const cur = cm({ 'keep.example.com': ca2.certPem, 'a.example.com': ca2.certPem });
    const s = steps({ set: [entry('a.example.com', ca1.certPem)] }, imageConfig('cas'), cur);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ action: 'patch', patchType: 'merge', patch: { metadata: { resourceVersion: '42' }, data: { 'a.example.com': expect.stringContaining('BEGIN CERTIFICATE') } } });
    expect(Object.keys((s[0] as any).patch.data)).toEqual(['a.example.com']);
  });

  it('remove: the key set to null (a removal), nothing else', () => {
    const s = steps({ remove: [{ key: 'a.example.com', display: 'a.example.com' }] }, imageConfig('cas'), cm({ 'a.example.com': ca1.certPem, 'b.example.com': ca2.certPem }));
    expect(s).toEqual([expect.objectContaining({ action: 'patch', patch: { metadata: { resourceVersion: '42' }, data: { 'a.example.com': null } }, removes: ['data.a.example.com'] })]);
  });

  it('nothing to change: no steps', () => {
    const cur = cm({ 'a.example.com': ca1.certPem });
    expect(steps({ set: [entry('a.example.com', ca1.certPem)] }, imageConfig('cas'), cur)).toEqual([]);
  });
});
