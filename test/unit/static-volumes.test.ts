import { describe, expect, it } from 'vitest';
import { cannotProvision, createPvFix, matchingVolume, quantityBytes } from '../../src/cluster/static-volumes.js';

const pv = (name: string, o: { size: string; modes: string[]; cls: string; phase?: string; claimRef?: object; volumeMode?: string }) => ({
  metadata: { name },
  spec: { capacity: { storage: o.size }, accessModes: o.modes, storageClassName: o.cls, ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}) },
  status: { phase: o.phase ?? 'Available' },
});
const need = { className: 'standard', size: '100Gi', accessModes: ['ReadWriteMany'], claim: { namespace: 'openshift-image-registry', name: 'image-registry-storage' } };

describe('static PersistentVolume matching (no-provisioner classes)', () => {
  it('parses quantities', () => {
    expect(quantityBytes('100Gi')).toBe(100 * 2 ** 30);
    expect(quantityBytes('1T')).toBe(1e12);
    expect(quantityBytes('bogus')).toBeNaN();
  });

  it('needs the class, enough capacity, covering access modes, Filesystem and Available with no claimRef', () => {
    expect(matchingVolume([pv('a', { size: '50Gi', modes: ['ReadWriteMany'], cls: 'standard' })], need)).toBeUndefined();
    expect(matchingVolume([pv('b', { size: '200Gi', modes: ['ReadWriteOnce'], cls: 'standard' })], need)).toBeUndefined();
    expect(matchingVolume([pv('c', { size: '200Gi', modes: ['ReadWriteMany'], cls: 'gold' })], need)).toBeUndefined();
    expect(matchingVolume([pv('d', { size: '200Gi', modes: ['ReadWriteMany'], cls: 'standard', phase: 'Released' })], need)).toBeUndefined();
    expect(matchingVolume([pv('e', { size: '200Gi', modes: ['ReadWriteMany'], cls: 'standard', volumeMode: 'Block' })], need)).toBeUndefined();
    expect(matchingVolume([pv('f', { size: '200Gi', modes: ['ReadWriteMany'], cls: 'standard', claimRef: { namespace: 'x', name: 'y' } })], need)).toBeUndefined();
    expect(matchingVolume([pv('g', { size: '1Ti', modes: ['ReadWriteOnce', 'ReadWriteMany'], cls: 'standard' })], need)?.metadata.name).toBe('g');
    expect(matchingVolume([pv('h', { size: '100Gi', modes: [], cls: 'x', phase: 'Bound', claimRef: need.claim })], need)?.metadata.name).toBe('h');
    expect(matchingVolume([pv('i', { size: '1Gi', modes: [], cls: 'x', phase: 'Bound', claimRef: need.claim })], need)).toBeUndefined();
  });

  it('knows which classes cannot provision and names the PV fields in the fix', () => {
    expect(cannotProvision({ provisioner: 'kubernetes.io/no-provisioner' })).toBe(true);
    expect(cannotProvision({ provisioner: 'ebs.csi.aws.com' })).toBe(false);
    expect(cannotProvision(undefined)).toBe(false);
    expect(createPvFix(need)).toBe('kubectl create -f pv.yaml  # a PersistentVolume with spec.storageClassName: standard, spec.accessModes: [ReadWriteMany], spec.capacity.storage: 100Gi (or more) and a volume source such as nfs');
  });
});
