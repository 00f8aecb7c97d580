// Storage drivers of cluster-image-registry-operator, reduced to what is observable: validation errors
// (exact texts), the StorageExists condition, the registry env/volumes and the merged credentials secret.
import type { KubeObject, Store } from '../types.ts';
import { REGISTRY_NS, hasSecretKey, secretValue, sha256Hex, tryGet } from './util.ts';

export const USER_SECRET = 'image-registry-private-configuration-user';
export const PRIVATE_SECRET = 'image-registry-private-configuration';
export const MINTED_SECRET = 'installer-cloud-credentials';
export const DEFAULT_PVC = 'image-registry-storage';

export class StorageNotConfigured extends Error {
  constructor() {
    super('storage backend not configured');
  }
}

type Cond = { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };

export interface StorageResult {
  /** Driver name as CIRO prints it (S3, PVC, …). */
  driver: string;
  env: Array<Record<string, unknown>>;
  volumes: Array<Record<string, unknown>>;
  mounts: Array<Record<string, unknown>>;
  /** Data for image-registry-private-configuration (undefined → no secret needed). */
  secretData?: Record<string, string>;
  /** spec.storage after the driver completed it (bucket names, default claim). */
  spec: Record<string, any>;
  storageManaged: boolean;
  storageExists: Cond;
}

export class StorageError extends Error {
  constructor(message: string, readonly storageExists?: Cond) {
    super(message);
  }
}

// Order of NewDriver in pkg/storage/storage.go. OSS is accepted by the API but has no driver any more.
const DRIVERS: Array<[string, string]> = [
  ['emptyDir', 'EmptyDir'], ['s3', 'S3'], ['swift', 'Swift'], ['gcs', 'GCS'], ['ibmcos', 'IBMCOS'], ['pvc', 'PVC'], ['azure', 'Azure'],
];

const REQUIRED_KEYS: Record<string, string[][]> = {
  S3: [['REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY']],
  GCS: [['REGISTRY_STORAGE_GCS_KEYFILE']],
  Azure: [['REGISTRY_STORAGE_AZURE_ACCOUNTKEY']],
  IBMCOS: [['REGISTRY_STORAGE_IBMCOS_IAMAPIKEY']],
  Swift: [
    ['REGISTRY_STORAGE_SWIFT_USERNAME', 'REGISTRY_STORAGE_SWIFT_PASSWORD'],
    ['REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID', 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME', 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET'],
    ['REGISTRY_STORAGE_SWIFT_TOKENID'],
  ],
};

/** Names of the configured drivers, in CIRO's order; throws the CIRO errors for zero or several. */
export function driverOf(storage: Record<string, any> | undefined): string {
  const names = DRIVERS.filter(([k]) => storage?.[k] != null).map(([, n]) => n);
  if (names.length === 0) throw new StorageNotConfigured();
  if (names.length > 1) throw new StorageError(`exactly one storage type should be configured at the same time, got ${names.length}: [${names.join(' ')}]`);
  return names[0]!;
}

function credentials(store: Store, driver: string): Record<string, string> {
  const user = tryGet(store, '/secrets', REGISTRY_NS, USER_SECRET);
  const out: Record<string, string> = {};
  if (user) {
    const sets = REQUIRED_KEYS[driver]!;
    const ok = sets.find((set) => set.every((k) => hasSecretKey(user, k)));
    if (!ok) {
      const missing = sets[0]!.find((k) => !hasSecretKey(user, k))!;
      throw new StorageError(`secret "${REGISTRY_NS}/${USER_SECRET}" does not contain required key "${missing}"`, unknownCond(driver));
    }
    if (driver === 'Azure' && !secretValue(user, 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY')) {
      throw new StorageError(`the secret ${REGISTRY_NS}/${USER_SECRET} has an empty value for REGISTRY_STORAGE_AZURE_ACCOUNTKEY; the secret should be removed so that the operator can use cluster-wide secrets or it should contain a valid storage account access key`, unknownCond(driver));
    }
    for (const k of ok) out[k] = secretValue(user, k) ?? '';
    return out;
  }
  const minted = tryGet(store, '/secrets', REGISTRY_NS, MINTED_SECRET);
  if (!minted) {
    throw new StorageError(`unable to get cluster minted credentials "${REGISTRY_NS}/${MINTED_SECRET}": secret "${MINTED_SECRET}" not found`, unknownCond(driver));
  }
  for (const k of Object.keys({ ...(minted.data as object), ...(minted.stringData as object) })) out[k] = secretValue(minted, k) ?? '';
  return out;
}

function unknownCond(driver: string): Cond {
  const label = driver === 'EmptyDir' ? 'EmptyDir' : driver;
  return { status: 'Unknown', reason: `${label} Configuration Changed`, message: `${label} storage is in an unknown state` };
}

const REG_ROOT = '/registry';

export interface StorageContext {
  replicas: number;
  rolloutStrategy: string;
  infraName: string;
  region: string;
  statusStorage?: Record<string, any>;
  statusStorageManaged?: boolean;
}

/**
 * Runs the driver: validates, may create the default PVC (store write), and returns the rendering inputs.
 * Throws StorageNotConfigured or StorageError (with its StorageExists condition).
 */
export function syncStorage(store: Store, storage: Record<string, any> | undefined, ctx: StorageContext): StorageResult {
  const driver = driverOf(storage);
  const spec = structuredClone(storage!) as Record<string, any>;
  const fsEnv = [
    { name: 'REGISTRY_STORAGE', value: 'filesystem' },
    { name: 'REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY', value: REG_ROOT },
  ];
  const mountStorage = { name: 'registry-storage', mountPath: REG_ROOT };
  const cloudMount = { name: 'registry-cloud-credentials', mountPath: '/var/run/secrets/cloud' };
  const cloudVolume = { name: 'registry-cloud-credentials', secret: { secretName: PRIVATE_SECRET, defaultMode: 420 } };
  const prevSame = ctx.statusStorage && JSON.stringify(ctx.statusStorage[Object.keys(spec).find((k) => k !== 'managementState')!]) === JSON.stringify(spec[Object.keys(spec).find((k) => k !== 'managementState')!]);

  switch (driver) {
    case 'EmptyDir':
      return {
        driver, spec, env: fsEnv, mounts: [mountStorage], volumes: [{ name: 'registry-storage', emptyDir: {} }],
        storageManaged: true,
        storageExists: { status: 'True', reason: 'Creation Successful', message: 'EmptyDir storage successfully created' },
      };
    case 'PVC': {
      let claim: string = spec.pvc.claim ?? '';
      let managed = false;
      let exists: Cond;
      if (!claim) {
        claim = DEFAULT_PVC;
        managed = true;
        const pvc = tryGet(store, '/persistentvolumeclaims', REGISTRY_NS, claim);
        if (pvc && pvc.metadata.annotations?.['imageregistry.openshift.io'] === undefined) {
          const msg = 'could not create default PVC, it already exists and is not owned by the operator';
          throw new StorageError(msg, { status: 'False', reason: 'PVC Already Exists', message: msg });
        }
        if (!pvc) {
          createDefaultPvc(store, claim);
          exists = { status: 'True', reason: 'PVC Created', message: '' };
        } else exists = { status: 'True', reason: 'PVC Exists', message: '' };
        spec.pvc.claim = claim;
      } else {
        managed = !!(prevSame && ctx.statusStorageManaged);
        exists = { status: 'True', reason: 'PVC Exists', message: '' };
      }
      const pvc = tryGet(store, '/persistentvolumeclaims', REGISTRY_NS, claim);
      if (!pvc) {
        throw new StorageError(`persistentvolumeclaims "${claim}" not found`, { status: 'False', reason: 'PVC does not exist', message: '' });
      }
      const modes: string[] = (pvc.spec as any)?.accessModes ?? [];
      let problem: string | undefined;
      // CIRO checks the access modes in CreateStorage only, which runs when spec.storage.pvc differs from
      // status.storage.pvc or the claim is missing (pkg/resource/generator.go syncStorage, pkg/storage/pvc/pvc.go):
      // a later switch to RollingUpdate or more replicas goes unchecked.
      const checked = !prevSame;
      if (modes.includes('ReadWriteMany')) problem = undefined;
      else if (modes.includes('ReadWriteOnce')) {
        if (ctx.replicas > 1) problem = 'cannot use ReadWriteOnce access mode with more than one replica of the image registry';
        else if (ctx.rolloutStrategy !== 'Recreate') problem = 'cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy';
      } else problem = `PVC ${claim} does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce`;
      if (problem && checked) throw new StorageError(problem, { status: 'False', reason: 'PVC Issues Found', message: problem });
      return {
        driver, spec, env: fsEnv, mounts: [mountStorage],
        volumes: [{ name: 'registry-storage', persistentVolumeClaim: { claimName: claim } }],
        storageManaged: managed, storageExists: exists,
      };
    }
    case 'S3': {
      const s3 = spec.s3 as Record<string, any>;
      const creds = credentials(store, driver);
      let managed = !!(prevSame && ctx.statusStorageManaged);
      let exists: Cond = { status: 'True', reason: 'S3 Bucket Exists', message: '' };
      if (!s3.region) s3.region = ctx.region;
      if (!s3.bucket) {
        s3.bucket = `${ctx.infraName}-image-registry-${s3.region}-${sha256Hex(ctx.infraName + s3.region).slice(0, 30)}`.slice(0, 62);
        managed = true;
        exists = { status: 'True', reason: 'Creation Successful', message: '' };
      }
      if (s3.virtualHostedStyle === undefined) s3.virtualHostedStyle = false;
      const access = creds.REGISTRY_STORAGE_S3_ACCESSKEY ?? creds.aws_access_key_id ?? '';
      const secret = creds.REGISTRY_STORAGE_S3_SECRETKEY ?? creds.aws_secret_access_key ?? '';
      const ini = creds.credentials ?? `[default]\naws_access_key_id = ${access}\naws_secret_access_key = ${secret}\n`;
      const env: Array<Record<string, unknown>> = [
        { name: 'REGISTRY_STORAGE', value: 's3' },
        { name: 'REGISTRY_STORAGE_S3_BUCKET', value: s3.bucket },
        { name: 'REGISTRY_STORAGE_S3_REGION', value: s3.region },
      ];
      if (s3.regionEndpoint) env.push({ name: 'REGISTRY_STORAGE_S3_REGIONENDPOINT', value: s3.regionEndpoint });
      env.push({ name: 'REGISTRY_STORAGE_S3_ENCRYPT', value: String(!!s3.encrypt) });
      if (s3.keyID) env.push({ name: 'REGISTRY_STORAGE_S3_KEYID', value: s3.keyID });
      env.push({ name: 'REGISTRY_STORAGE_S3_FORCEPATHSTYLE', value: String(!s3.virtualHostedStyle) });
      if (s3.chunkSizeMiB) env.push({ name: 'REGISTRY_STORAGE_S3_CHUNKSIZE', value: String(s3.chunkSizeMiB * 1024 * 1024) });
      env.push({ name: 'REGISTRY_STORAGE_S3_CREDENTIALSCONFIGPATH', value: '/var/run/secrets/cloud/credentials' });
      return { driver, spec, env, volumes: [cloudVolume], mounts: [cloudMount], secretData: { credentials: ini }, storageManaged: managed, storageExists: exists };
    }
    case 'GCS': {
      const creds = credentials(store, driver);
      const gcs = spec.gcs as Record<string, any>;
      let managed = !!(prevSame && ctx.statusStorageManaged);
      if (!gcs.bucket) {
        gcs.bucket = `${ctx.infraName}-image-registry-${sha256Hex(ctx.infraName).slice(0, 20)}`;
        managed = true;
      }
      gcs.region ??= 'us-east1';
      const keyfile = creds.REGISTRY_STORAGE_GCS_KEYFILE ?? creds['service_account.json'] ?? '';
      return {
        driver, spec,
        env: [{ name: 'REGISTRY_STORAGE', value: 'gcs' }, { name: 'REGISTRY_STORAGE_GCS_BUCKET', value: gcs.bucket }, { name: 'REGISTRY_STORAGE_GCS_KEYFILE', value: '/gcs/keyfile' }],
        volumes: [{ name: 'registry-storage-keyfile', secret: { secretName: PRIVATE_SECRET, defaultMode: 420 } }],
        mounts: [{ name: 'registry-storage-keyfile', mountPath: '/gcs' }],
        secretData: { keyfile }, storageManaged: managed,
        storageExists: { status: 'True', reason: 'GCS Bucket Exists', message: '' },
      };
    }
    case 'Azure': {
      const creds = credentials(store, driver);
      const az = spec.azure as Record<string, any>;
      az.accountName ||= `${ctx.infraName.replace(/-/g, '')}imageregistry`.slice(0, 24);
      az.container ||= `${ctx.infraName}-image-registry-${sha256Hex(ctx.infraName).slice(0, 12)}`;
      az.cloudName ||= 'AzurePublicCloud';
      return {
        driver, spec,
        env: [
          { name: 'REGISTRY_STORAGE', value: 'azure' },
          { name: 'REGISTRY_STORAGE_AZURE_CONTAINER', value: az.container },
          { name: 'REGISTRY_STORAGE_AZURE_ACCOUNTNAME', value: az.accountName },
          { name: 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY', valueFrom: { secretKeyRef: { name: PRIVATE_SECRET, key: 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY' } } },
          { name: 'REGISTRY_STORAGE_AZURE_REALM', value: 'core.windows.net' },
        ],
        volumes: [], mounts: [],
        secretData: { REGISTRY_STORAGE_AZURE_ACCOUNTKEY: creds.REGISTRY_STORAGE_AZURE_ACCOUNTKEY ?? creds.azure_client_secret ?? '' },
        storageManaged: !!(prevSame && ctx.statusStorageManaged),
        storageExists: { status: 'True', reason: 'Azure Container Exists', message: '' },
      };
    }
    case 'Swift': {
      const creds = credentials(store, driver);
      const sw = spec.swift as Record<string, any>;
      sw.container ||= `${ctx.infraName}-image-registry-${sha256Hex(ctx.infraName).slice(0, 12)}`;
      const env: Array<Record<string, unknown>> = [{ name: 'REGISTRY_STORAGE', value: 'swift' }, { name: 'REGISTRY_STORAGE_SWIFT_CONTAINER', value: sw.container }];
      for (const [k, e] of [['authURL', 'AUTHURL'], ['authVersion', 'AUTHVERSION'], ['domain', 'DOMAIN'], ['domainID', 'DOMAINID'], ['tenant', 'TENANT'], ['tenantID', 'TENANTID'], ['regionName', 'REGION']] as const) {
        if (sw[k]) env.push({ name: `REGISTRY_STORAGE_SWIFT_${e}`, value: String(sw[k]) });
      }
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(creds)) {
        if (!k.startsWith('REGISTRY_STORAGE_SWIFT_')) continue;
        data[k] = v;
        env.push({ name: k, valueFrom: { secretKeyRef: { name: PRIVATE_SECRET, key: k } } });
      }
      return { driver, spec, env, volumes: [], mounts: [], secretData: data, storageManaged: !!(prevSame && ctx.statusStorageManaged), storageExists: { status: 'True', reason: 'Swift container Exists', message: '' } };
    }
    case 'IBMCOS': {
      const creds = credentials(store, driver);
      const cos = spec.ibmcos as Record<string, any>;
      cos.bucket ||= `${ctx.infraName}-image-registry-${sha256Hex(ctx.infraName).slice(0, 12)}`;
      cos.location ||= 'us-east';
      return {
        driver, spec,
        env: [
          { name: 'REGISTRY_STORAGE', value: 's3' },
          { name: 'REGISTRY_STORAGE_S3_BUCKET', value: cos.bucket },
          { name: 'REGISTRY_STORAGE_S3_REGION', value: cos.location },
          { name: 'REGISTRY_STORAGE_S3_REGIONENDPOINT', value: `https://s3.${cos.location}.cloud-object-storage.appdomain.cloud` },
          { name: 'REGISTRY_STORAGE_S3_CREDENTIALSCONFIGPATH', value: '/var/run/secrets/cloud/credentials' },
        ],
        volumes: [cloudVolume], mounts: [cloudMount],
        secretData: { credentials: `[default]\nibm_api_key_id = ${creds.REGISTRY_STORAGE_IBMCOS_IAMAPIKEY ?? creds.ibmcloud_api_key ?? ''}\n` },
        storageManaged: !!(prevSame && ctx.statusStorageManaged),
        storageExists: { status: 'True', reason: 'IBM COS Bucket Exists', message: '' },
      };
    }
  }
  throw new StorageNotConfigured();
}

// CIRO pkg/storage/pvc/pvc.go createPVC: no storage class and no status; the DefaultStorageClass admission names the
// class and the PV controller binds it (volumes.ts), waiting for the registry pod on a WaitForFirstConsumer class.
function createDefaultPvc(store: Store, name: string): void {
  store.create('/persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: REGISTRY_NS, annotations: { 'imageregistry.openshift.io': 'true' } },
    spec: {
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '100Gi' } },
      volumeMode: 'Filesystem',
    },
  });
}
