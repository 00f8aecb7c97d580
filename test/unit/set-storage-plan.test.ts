// planStorage(): the pre-flight rules and the writes of `regctl set-storage`, on cluster states taken from
// the documented procedures (seed 004: RWO PVC, minio S3) and the operator's rules (d.6, d.7).
import { describe, expect, it } from 'vitest';
import { planStorage, sameFields, redactWrite, sameLocation, type StorageRequest, type StorageState } from '../../src/cluster/storage.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const S3_KEYS = { REGISTRY_STORAGE_S3_ACCESSKEY: 'AKIDEXAMPLE', REGISTRY_STORAGE_S3_SECRETKEY: 'secret/VALUE+1' };

function state(over: Partial<StorageState> & { spec?: Record<string, unknown>; status?: Record<string, unknown> } = {}): StorageState {
  const { spec, status, ...rest } = over;
  return {
    config: { metadata: { name: 'cluster', generation: 3 }, spec: { managementState: 'Removed', replicas: 1, rolloutStrategy: 'RollingUpdate', storage: {}, ...spec }, status: status ?? {} },
    pvc: null,
    storageClasses: [{ metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } }, { metadata: { name: 'thin' } }],
    userSecret: null,
    mintedSecret: false,
    images: { held: false, why: 'no image stream has an image pushed to the registry' },
    ...rest,
  };
}

const awsSpec = {
  managementState: 'Managed',
  replicas: 2,
  storage: { s3: { bucket: 'cluster-bucket', region: 'us-east-1', encrypt: true, virtualHostedStyle: false }, managementState: 'Managed' },
};
const pvcReq = (p: Partial<NonNullable<StorageRequest['pvc']>> = {}): StorageRequest => {
  const claim = p.claim ?? 'image-registry-storage';
  return { type: 'pvc', fields: { claim }, pvc: { claim, ...p } };
};
const s3Req = (credentials?: Record<string, string>): StorageRequest => ({
  type: 's3',
  fields: { bucket: 'minio-service', region: 'dummyregion', regionEndpoint: 'http://minio.minio.svc:9000', encrypt: false },
  credentials,
});
const configPatch = (p: ReturnType<typeof planStorage>) => p.writes.find((w) => w.kind === 'Config')?.body;

describe('set-storage pvc', () => {
  it('bare metal: creates the default claim and patches Managed + storage in one JSON patch', () => {
    const p = planStorage(pvcReq(), state());
    expect(p.problems).toEqual([]);
    expect(p.risks).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(p.writes.map((w) => `${w.action} ${w.kind}`)).toEqual(['create PersistentVolumeClaim', 'patch Config']);
    expect(p.writes[0]!.body).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'image-registry-storage', namespace: 'openshift-image-registry' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, volumeMode: 'Filesystem' },
    });
    expect(configPatch(p)).toEqual([
      { op: 'replace', path: '/spec/managementState', value: 'Managed' },
      { op: 'replace', path: '/spec/storage', value: { pvc: { claim: 'image-registry-storage' } } },
    ]);
  });

  it('ReadWriteOnce (seed 004): Recreate and 1 replica in the same patch, with a downtime warning', () => {
    const p = planStorage(pvcReq({ claim: 'image-registry-pvc', accessMode: 'ReadWriteOnce', size: '50Gi', storageClass: 'thin' }), state({ spec: { replicas: 2 } }));
    expect(p.writes[0]!.body).toMatchObject({ spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'thin' } });
    expect(configPatch(p)).toEqual([
      { op: 'replace', path: '/spec/managementState', value: 'Managed' },
      { op: 'replace', path: '/spec/rolloutStrategy', value: 'Recreate' },
      { op: 'replace', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/storage', value: { pvc: { claim: 'image-registry-pvc' } } },
    ]);
    expect(p.warnings.join()).toMatch(/ReadWriteOnce claim: .*Recreate and 1 replica \(was 2\).*downtime/);
  });

  it('an existing ReadWriteOnce claim gets the same rules; no claim is created', () => {
    const p = planStorage(pvcReq({ claim: 'mine' }), state({ pvc: { metadata: { name: 'mine' }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Bound' } } }));
    expect(p.writes.map((w) => w.kind)).toEqual(['Config']);
    expect(JSON.stringify(configPatch(p))).toMatch(/Recreate/);
  });

  it('refuses an existing claim whose modes do not fit', () => {
    const ro = planStorage(pvcReq({ claim: 'mine' }), state({ pvc: { metadata: { name: 'mine' }, spec: { accessModes: ['ReadOnlyMany'] } } }));
    expect(ro.problems[0]!.message).toBe('PVC mine does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce');
    const mismatch = planStorage(pvcReq({ claim: 'mine', accessMode: 'ReadWriteMany' }), state({ pvc: { metadata: { name: 'mine' }, spec: { accessModes: ['ReadWriteOnce'] } } }));
    expect(mismatch.problems[0]!.message).toMatch(/exists with access modes ReadWriteOnce, not ReadWriteMany/);
  });

  it('refuses a storage class that does not exist, listing the ones that do', () => {
    const p = planStorage(pvcReq({ storageClass: 'fast' }), state());
    expect(p.problems[0]).toEqual({ message: 'storage class "fast" does not exist', hint: 'available: standard, thin' });
  });

  it('warns when there is no default storage class, or the class cannot be verified', () => {
    expect(planStorage(pvcReq(), state({ storageClasses: [{ metadata: { name: 'thin' } }] })).warnings[0]).toMatch(/no default storage class/);
    expect(planStorage(pvcReq({ storageClass: 'x' }), state({ storageClasses: null })).warnings[0]).toMatch(/not verified/);
  });

  it('is idempotent once applied (the operator adds storage.managementState)', () => {
    const applied = state({
      spec: { managementState: 'Managed', storage: { pvc: { claim: 'image-registry-storage' }, managementState: 'Unmanaged' } },
      pvc: { metadata: { name: 'image-registry-storage' }, spec: { accessModes: ['ReadWriteMany'] } },
      images: { held: true, why: 'x' },
    });
    const p = planStorage(pvcReq(), applied);
    expect(p.writes).toEqual([]);
    expect(p.risks).toEqual([]);
  });

  it('--storage-management on the same storage only sets spec.storage.managementState', () => {
    const applied = state({
      spec: { managementState: 'Managed', storage: { pvc: { claim: 'image-registry-storage' }, managementState: 'Unmanaged' } },
      pvc: { metadata: { name: 'image-registry-storage' }, spec: { accessModes: ['ReadWriteMany'] } },
    });
    const p = planStorage({ ...pvcReq(), storageManagement: 'Managed' }, applied);
    expect(configPatch(p)).toEqual([{ op: 'replace', path: '/spec/storage/managementState', value: 'Managed' }]);
  });
});

describe('switching away from storage that holds images', () => {
  it('needs confirmation when images were pushed to the current storage', () => {
    const p = planStorage(pvcReq(), state({ spec: awsSpec, images: { held: true, why: 'e.g. ns/app:latest was pushed to it' } }));
    expect(p.risks[0]).toMatch(/^the current storage s3 \(bucket cluster-bucket, region us-east-1, encrypt true, virtualHostedStyle false\) holds images \(e\.g\. ns\/app:latest/);
  });

  it('does not when no image was pushed', () => {
    expect(planStorage(pvcReq(), state({ spec: awsSpec })).risks).toEqual([]);
  });

  it('counts the storage in status too (what the registry last ran on)', () => {
    const p = planStorage(pvcReq(), state({ spec: { managementState: 'Managed', storage: { pvc: { claim: 'image-registry-storage' } } }, status: { storage: { s3: { bucket: 'old' } } }, images: { held: true, why: 'x' } }));
    expect(p.risks[0]).toMatch(/s3 \(bucket old\) holds images/);
  });

  it('dropping the endpoint of an S3-compatible store is a switch', () => {
    const minio = { managementState: 'Managed', storage: { s3: { bucket: 'b', region: 'r', regionEndpoint: 'http://minio:9000' } } };
    const p = planStorage({ type: 's3', fields: { bucket: 'b', region: 'r' } }, state({ spec: minio, mintedSecret: true, images: { held: true, why: 'x' } }));
    expect(p.risks[0]).toMatch(/regionEndpoint http:\/\/minio:9000\) holds images/);
  });

  it('the same bucket with other settings is not a switch', () => {
    const p = planStorage({ type: 's3', fields: { bucket: 'cluster-bucket', region: 'us-east-1', encrypt: false } }, state({ spec: awsSpec, userSecret: { data: { REGISTRY_STORAGE_S3_ACCESSKEY: b64('a'), REGISTRY_STORAGE_S3_SECRETKEY: b64('b') } }, images: { held: true, why: 'x' } }));
    expect(p.risks).toEqual([]);
    expect(configPatch(p)).toEqual([{ op: 'replace', path: '/spec/storage', value: { s3: { bucket: 'cluster-bucket', region: 'us-east-1', encrypt: false } } }]);
  });
});

describe('set-storage s3 credentials (d.7)', () => {
  const userSecret = (data: Record<string, string>) => ({ metadata: { name: 'image-registry-private-configuration-user' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });

  it('creates the user secret with both keys when it is missing', () => {
    const p = planStorage(s3Req(S3_KEYS), state({ spec: awsSpec, mintedSecret: true }));
    const w = p.writes.find((x) => x.kind === 'Secret')!;
    expect(w.action).toBe('create');
    expect(w.body).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'image-registry-private-configuration-user', namespace: 'openshift-image-registry' },
      type: 'Opaque',
      data: { REGISTRY_STORAGE_S3_ACCESSKEY: b64('AKIDEXAMPLE'), REGISTRY_STORAGE_S3_SECRETKEY: b64('secret/VALUE+1') },
    });
    expect(p.writes.map((x) => x.kind)).toEqual(['Secret', 'Config']);
  });

  it('merge-patches only the keys that change, keeping the others', () => {
    const p = planStorage(s3Req(S3_KEYS), state({ spec: awsSpec, userSecret: userSecret({ REGISTRY_STORAGE_S3_ACCESSKEY: 'AKIDEXAMPLE', REGISTRY_STORAGE_S3_SECRETKEY: 'old', REGISTRY_STORAGE_GCS_KEYFILE: '{}' }) }));
    const w = p.writes.find((x) => x.kind === 'Secret')!;
    expect(w).toMatchObject({ action: 'patch', patchType: 'merge', body: { data: { REGISTRY_STORAGE_S3_SECRETKEY: b64('secret/VALUE+1') } } });
    expect(Object.keys((w.body as any).data)).toEqual(['REGISTRY_STORAGE_S3_SECRETKEY']);
  });

  it('writes nothing to the secret when the values are already there', () => {
    const p = planStorage(s3Req(S3_KEYS), state({ spec: awsSpec, userSecret: userSecret(S3_KEYS) }));
    expect(p.writes.map((x) => x.kind)).toEqual(['Config']);
  });

  it('refuses when the existing user secret lacks a key (the operator would not fall back)', () => {
    const p = planStorage(s3Req(), state({ spec: awsSpec, mintedSecret: true, userSecret: userSecret({ REGISTRY_STORAGE_S3_ACCESSKEY: 'a' }) }));
    expect(p.problems[0]!.message).toMatch(/would lack REGISTRY_STORAGE_S3_SECRETKEY \(while that secret exists the operator does not fall back/);
    expect(p.problems[0]!.hint).toMatch(/--secret-access-key-stdin.*AWS_ACCESS_KEY_ID/);
  });

  it('falls back to cluster-minted credentials with a warning, or refuses when there are none', () => {
    expect(planStorage(s3Req(), state({ spec: awsSpec, mintedSecret: true })).warnings.join()).toMatch(/installer-cloud-credentials/);
    expect(planStorage(s3Req(), state({ spec: awsSpec })).problems[0]!.message).toMatch(/no s3 credentials: neither image-registry-private-configuration-user nor the cluster-minted installer-cloud-credentials exists/);
  });

  it('--trusted-ca: the ConfigMap must exist in openshift-config with ca-bundle.crt', () => {
    const req: StorageRequest = { type: 's3', fields: { bucket: 'b', region: 'r', trustedCA: { name: 'minio-ca' } }, credentials: S3_KEYS };
    expect(planStorage(req, state({ trustedCA: null })).problems[0]!.message).toBe('ConfigMap openshift-config/minio-ca (--trusted-ca) does not exist');
    expect(planStorage(req, state({ trustedCA: { data: { 'ca.crt': 'x' } } })).problems[0]!.message).toMatch(/has no ca-bundle.crt key/);
    expect(planStorage(req, state({ trustedCA: { data: { 'ca-bundle.crt': 'x' } } })).problems).toEqual([]);
    expect(planStorage(req, state({ trustedCA: undefined })).warnings.join()).toMatch(/not verified/);
  });

  it('never lets a secret value into what gets printed', () => {
    const p = planStorage(s3Req(S3_KEYS), state({ spec: awsSpec }));
    const printed = JSON.stringify(p.writes.map(redactWrite)) + p.warnings.join() + JSON.stringify(p.problems);
    expect(printed).not.toContain(b64('secret/VALUE+1'));
    expect(printed).not.toContain('secret/VALUE+1');
    expect(printed).toContain('REDACTED');
  });
});

describe('other storage types', () => {
  it('gcs, azure, ibmcos: each needs its key', () => {
    expect(planStorage({ type: 'gcs', fields: { bucket: 'b' } }, state()).problems[0]!.hint).toMatch(/--key-file/);
    expect(planStorage({ type: 'ibmcos', fields: { bucket: 'b', location: 'us-east' } }, state()).problems[0]!.hint).toMatch(/--api-key-stdin/);
    const az = planStorage({ type: 'azure', fields: { accountName: 'acct', container: 'registry' } }, state({ userSecret: { data: { REGISTRY_STORAGE_AZURE_ACCOUNTKEY: '' } } }));
    expect(az.problems[0]!.message).toMatch(/empty REGISTRY_STORAGE_AZURE_ACCOUNTKEY/);
    const gcs = planStorage({ type: 'gcs', fields: { bucket: 'b' }, credentials: { REGISTRY_STORAGE_GCS_KEYFILE: '{"type":"service_account"}' } }, state());
    expect(gcs.problems).toEqual([]);
    expect(configPatch(gcs)).toContainEqual({ op: 'replace', path: '/spec/storage', value: { gcs: { bucket: 'b' } } });
  });

  it('swift accepts either credential set', () => {
    const base = { type: 'swift' as const, fields: { container: 'c', authURL: 'https://keystone:5000/v3' } };
    const user = planStorage({ ...base, credentials: { REGISTRY_STORAGE_SWIFT_USERNAME: 'u', REGISTRY_STORAGE_SWIFT_PASSWORD: 'p' } }, state());
    expect(user.problems).toEqual([]);
    const app = planStorage(base, state({ userSecret: { data: { REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID: b64('i'), REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME: b64('n'), REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET: b64('s') } } }));
    expect(app.problems).toEqual([]);
    expect(planStorage(base, state({ userSecret: { data: {} } })).problems[0]!.message).toMatch(/REGISTRY_STORAGE_SWIFT_USERNAME, REGISTRY_STORAGE_SWIFT_PASSWORD/);
  });

  it('schema violations are problems (azure container name)', () => {
    const p = planStorage({ type: 'azure', fields: { accountName: 'a', container: 'Bad_Name' }, credentials: { REGISTRY_STORAGE_AZURE_ACCOUNTKEY: 'k' } }, state());
    expect(p.problems[0]!.message).toMatch(/^spec\.storage\.azure\.container: "Bad_Name" does not match/);
  });

  it('emptydir always needs confirmation and brings replicas to 1', () => {
    const p = planStorage({ type: 'emptyDir', fields: {} }, state({ spec: { ...awsSpec } }));
    expect(p.risks.join()).toMatch(/emptyDir storage is ephemeral/);
    expect(p.warnings.join()).toMatch(/replicas go from 2 to 1/);
    expect(configPatch(p)).toEqual([
      { op: 'replace', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/storage', value: { emptyDir: {} } },
    ]);
    const again = planStorage({ type: 'emptyDir', fields: {} }, state({ spec: { managementState: 'Managed', storage: { emptyDir: {}, managementState: 'Managed' } } }));
    expect(again.writes).toEqual([]);
    expect(again.risks).toEqual([]);
  });

  it('keeps managementState Force', () => {
    const p = planStorage({ type: 'emptyDir', fields: {} }, state({ spec: { managementState: 'Force' } }));
    expect(JSON.stringify(configPatch(p))).not.toMatch(/managementState/);
  });
});

describe('helpers', () => {
  it('sameFields: the request is exact, apart from zero values and what the operator fills in', () => {
    expect(sameFields('s3', { bucket: 'b', region: 'r' }, { bucket: 'b', region: 'r', virtualHostedStyle: false })).toBe(true);
    expect(sameFields('s3', { bucket: 'b', region: 'r', encrypt: false }, { bucket: 'b', region: 'r' })).toBe(true);
    expect(sameFields('s3', { bucket: 'b', region: 'r' }, { bucket: 'b', region: 'r', encrypt: true })).toBe(false);
    expect(sameFields('s3', { bucket: 'b', region: 'r' }, { bucket: 'b', region: 'r', regionEndpoint: 'http://minio:9000' })).toBe(false);
    expect(sameFields('gcs', { bucket: 'b' }, { bucket: 'b', region: 'us-east1' })).toBe(true);
    expect(sameFields('pvc', { claim: 'image-registry-storage' }, { claim: '' })).toBe(true);
  });

  it('sameLocation: the default claim name equals an empty claim', () => {
    expect(sameLocation({ pvc: { claim: '' } }, 'pvc', { claim: 'image-registry-storage' })).toBe(true);
    expect(sameLocation({ pvc: { claim: 'a' } }, 'pvc', { claim: 'b' })).toBe(false);
    expect(sameLocation({ s3: { bucket: 'a' }, pvc: {} }, 's3', { bucket: 'a' })).toBe(false);
    expect(sameLocation({ s3: { bucket: 'a', regionEndpoint: 'http://minio:9000' } }, 's3', { bucket: 'a' })).toBe(false);
    expect(sameLocation({ s3: { bucket: 'a', encrypt: true } }, 's3', { bucket: 'a' })).toBe(true);
  });
});
