// doctor's storage check on a claim that is not Bound: what the storage class says about why (evaluateStorage).
import { describe, expect, it } from 'vitest';
import { evaluateStorage } from '../../src/doctor/checks-storage.js';

const WFFC = { metadata: { name: 'gp3-csi', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'WaitForFirstConsumer' };
const IMMEDIATE = { metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io', volumeBindingMode: 'Immediate' };

function check(claimSpec: Record<string, unknown>, opts: { annotations?: Record<string, string>; classes?: any[]; replicas?: number } = {}) {
  return evaluateStorage({
    spec: { storage: { pvc: { claim: 'data' } }, replicas: opts.replicas ?? 1, rolloutStrategy: 'Recreate' },
    status: {},
    claim: { metadata: { name: 'data', annotations: opts.annotations }, spec: { accessModes: ['ReadWriteOnce'], ...claimSpec }, status: { phase: 'Pending' } },
    storageClasses: opts.classes,
  });
}

describe('doctor storage: a claim that is not Bound', () => {
  it('WaitForFirstConsumer, no selected node, replicas > 0: warns that no registry pod is scheduled, pointing at FailedScheduling', () => {
    const o = check({ storageClassName: 'gp3-csi' }, { classes: [WFFC] });
    expect(o.verdict).toBe('warn');
    expect(o.summary).toBe('PersistentVolumeClaim data is Pending until a pod that uses it is scheduled (storage class gp3-csi binds WaitForFirstConsumer): no registry pod is scheduled yet (see the pods check)');
    expect(o.fix).toBe('kubectl get events -n openshift-image-registry --field-selector reason=FailedScheduling');
  });

  it('WaitForFirstConsumer with a selected node: provisioning is the hold-up, so it fails as before', () => {
    const o = check({ storageClassName: 'gp3-csi' }, { classes: [WFFC], annotations: { 'volume.kubernetes.io/selected-node': 'n1' } });
    expect(o.verdict).toBe('fail');
    expect(o.summary).toBe('PersistentVolumeClaim data is Pending: the registry pods wait until it is bound');
    expect(o.evidence).toContain('storage class gp3-csi: provisioner ebs.csi.aws.com, volumeBindingMode WaitForFirstConsumer; selected node n1');
  });

  it('an Immediate class that has not bound it: fails as before', () => {
    expect(check({ storageClassName: 'nfs' }, { classes: [IMMEDIATE] }).verdict).toBe('fail');
  });

  it('a class that does not exist; storageClassName ""; classes not readable', () => {
    expect(check({ storageClassName: 'gold' }, { classes: [WFFC] }).summary).toBe('PersistentVolumeClaim data asks for storage class gold, which does not exist: it stays Pending');
    expect(check({ storageClassName: '' }, { classes: [WFFC] }).summary).toBe('PersistentVolumeClaim data asks for no storage class (storageClassName ""): it stays Pending until a matching PersistentVolume without a class exists');
    expect(check({ storageClassName: 'gp3-csi' }).summary).toBe('PersistentVolumeClaim data is Pending: the registry pods wait until it is bound');
  });

  it('no class on a cluster without any storage class: fails, pointing at the claim', () => {
    const o = check({}, { classes: [] });
    expect(o.verdict).toBe('fail');
    expect(o.fix).toBe('kubectl describe pvc data -n openshift-image-registry');
  });
});
