import { defineCommand, type OptionsOf } from './spec.js';
import { outputOption, planOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;
export const DEFAULT_TIMEOUT = '10m';

/** The options every storage type takes (after its own). */
const storageCommon = {
  storageManagement: { flags: '--storage-management <state>', description: 'spec.storage.managementState: Managed lets the operator configure (and on Removed delete) the storage', choices: ['Managed', 'Unmanaged'] },
  yes: { flags: '-y, --yes', description: 'confirm switching away from storage that holds images, or to emptydir' },
  wait: { flags: '--wait', description: "follow the operator's conditions until the registry is Available (exit 0) or fails (exit 3)" },
  timeout: { flags: '--timeout <duration>', description: `with --wait: give up after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
  ...planOptions,
  output: outputOption(FORMATS),
} as const;

export type CommonOptions = OptionsOf<{ options: typeof storageCommon }>;

/** Each provider's secret flags: in `set-storage <provider>` and in `set-storage credentials <provider>`. */
export const secretOptions = {
  s3: {
    accessKeyId: { flags: '--access-key-id <id>', description: 'access key id (not secret; default $AWS_ACCESS_KEY_ID)' },
    secretAccessKeyStdin: { flags: '--secret-access-key-stdin', description: 'read the secret access key from stdin (default $AWS_SECRET_ACCESS_KEY)' },
    secretAccessKeyFile: { flags: '--secret-access-key-file <file>', description: 'read the secret access key from a file' },
  },
  gcs: {
    keyFile: { flags: '--key-file <file>', description: 'service-account key JSON (- reads stdin)' },
  },
  azure: {
    accountKeyStdin: { flags: '--account-key-stdin', description: 'read the storage account key from stdin (default $AZURE_STORAGE_KEY)' },
    accountKeyFile: { flags: '--account-key-file <file>', description: 'read the storage account key from a file' },
  },
  swift: {
    username: { flags: '--username <name>', description: 'user name (default $OS_USERNAME)' },
    passwordStdin: { flags: '--password-stdin', description: 'read the password from stdin (default $OS_PASSWORD)' },
    passwordFile: { flags: '--password-file <file>', description: 'read the password from a file' },
    applicationCredentialId: { flags: '--application-credential-id <id>', description: 'application credential id (default $OS_APPLICATION_CREDENTIAL_ID)' },
    applicationCredentialName: { flags: '--application-credential-name <name>', description: 'application credential name (default $OS_APPLICATION_CREDENTIAL_NAME)' },
    applicationCredentialSecretStdin: { flags: '--application-credential-secret-stdin', description: 'read the application credential secret from stdin (default $OS_APPLICATION_CREDENTIAL_SECRET)' },
    applicationCredentialSecretFile: { flags: '--application-credential-secret-file <file>', description: 'read the application credential secret from a file' },
  },
  ibmcos: {
    apiKeyStdin: { flags: '--api-key-stdin', description: 'read the IAM API key from stdin (default $IBMCLOUD_API_KEY)' },
    apiKeyFile: { flags: '--api-key-file <file>', description: 'read the IAM API key from a file' },
  },
} as const;

export const pvcSpec = defineCommand({
  name: 'pvc',
  summary: 'a PersistentVolumeClaim (created when missing)',
  options: {
    claim: { flags: '--claim <name>', description: 'the claim in openshift-image-registry', default: 'image-registry-storage' },
    size: { flags: '--size <quantity>', description: 'size when the claim is created (default 100Gi)' },
    storageClass: { flags: '--storage-class <name>', description: 'storage class when the claim is created (default: the cluster default)' },
    accessMode: { flags: '--access-mode <mode>', description: 'access mode; ReadWriteOnce also sets rolloutStrategy Recreate and 1 replica', choices: ['ReadWriteOnce', 'ReadWriteMany'] },
    ...storageCommon,
  },
  examples: ['regctl set-storage pvc                                   # 100Gi claim image-registry-storage, default class', 'regctl set-storage pvc --size 200Gi --storage-class gp3-csi --wait', 'regctl set-storage pvc --claim image-registry-pvc --access-mode ReadWriteOnce --dry-run'],
});

export const s3Spec = defineCommand({
  name: 's3',
  summary: 'an S3 (or S3-compatible, e.g. minio) bucket',
  options: {
    bucket: { flags: '--bucket <name>', description: 'bucket name (default: the configured one; required when switching to s3)' },
    region: { flags: '--region <region>', description: 'region, any value for S3-compatible endpoints (default: the configured one; required when switching to s3)' },
    regionEndpoint: { flags: '--region-endpoint <url>', description: 'endpoint URL with scheme for S3-compatible storage, e.g. https://minio.example:9000' },
    encrypt: { flags: '--encrypt', description: 'encrypt the data at rest', negate: 'do not encrypt' },
    virtualHostedStyle: { flags: '--virtual-hosted-style', description: 'use virtual-hosted-style bucket URLs instead of path style' },
    kmsKeyId: { flags: '--kms-key-id <id>', description: 'KMS key for encryption' },
    chunkSizeMib: { flags: '--chunk-size-mib <n>', description: 'multipart chunk size, 5-5120' },
    trustedCa: { flags: '--trusted-ca <configmap>', description: 'ConfigMap in openshift-config with the CA bundle of the endpoint' },
    ...secretOptions.s3,
    ...storageCommon,
  },
  examples: ['printf %s "$SECRET" | regctl set-storage s3 --bucket registry --region us-east-1 --access-key-id AKIA… --secret-access-key-stdin', 'regctl set-storage s3 --bucket minio-service --region dummyregion --region-endpoint http://minio.minio.svc:9000 --no-encrypt --dry-run'],
});

export const gcsSpec = defineCommand({
  name: 'gcs',
  summary: 'a Google Cloud Storage bucket',
  options: {
    bucket: { flags: '--bucket <name>', description: 'bucket name (default: the configured one; required when switching to gcs)' },
    region: { flags: '--region <region>', description: 'region' },
    projectId: { flags: '--project-id <id>', description: 'project id' },
    kmsKeyId: { flags: '--kms-key-id <id>', description: 'KMS key id' },
    ...secretOptions.gcs,
    ...storageCommon,
  },
  examples: ['regctl set-storage gcs --bucket registry --project-id my-project --key-file key.json --wait'],
});

export const azureSpec = defineCommand({
  name: 'azure',
  summary: 'an Azure blob storage container',
  options: {
    accountName: { flags: '--account-name <name>', description: 'storage account name (default: the configured one; required when switching to azure)' },
    container: { flags: '--container <name>', description: 'blob container name (default: the configured one; required when switching to azure)' },
    cloudName: { flags: '--cloud-name <name>', description: 'e.g. AzurePublicCloud, AzureUSGovernmentCloud' },
    ...secretOptions.azure,
    ...storageCommon,
  },
  examples: ['printf %s "$AZURE_STORAGE_KEY" | regctl set-storage azure --account-name registrysa --container registry --account-key-stdin'],
});

export const swiftSpec = defineCommand({
  name: 'swift',
  summary: 'an OpenStack Swift container',
  options: {
    container: { flags: '--container <name>', description: 'container name (default: the configured one; required when switching to swift)' },
    authUrl: { flags: '--auth-url <url>', description: 'Keystone URL (default: the configured one; required when switching to swift)' },
    authVersion: { flags: '--auth-version <v>', description: 'Keystone version, e.g. 3' },
    domain: { flags: '--domain <name>', description: 'domain name (v3)' },
    domainId: { flags: '--domain-id <id>', description: 'domain id (v3)' },
    tenant: { flags: '--tenant <name>', description: 'tenant (project) name' },
    tenantId: { flags: '--tenant-id <id>', description: 'tenant (project) id' },
    regionName: { flags: '--region-name <name>', description: 'region' },
    ...secretOptions.swift,
    ...storageCommon,
  },
  examples: ['printf %s "$OS_PASSWORD" | regctl set-storage swift --container registry --auth-url https://keystone.example.com:5000/v3 --auth-version 3 --domain Default --tenant registry --username registry --password-stdin'],
});

export const ibmcosSpec = defineCommand({
  name: 'ibmcos',
  summary: 'an IBM Cloud Object Storage bucket',
  options: {
    bucket: { flags: '--bucket <name>', description: 'bucket name (default: the configured one; required when switching to ibmcos)' },
    location: { flags: '--location <location>', description: 'location, e.g. us-east (default: the configured one; required when switching to ibmcos)' },
    resourceGroupName: { flags: '--resource-group-name <name>', description: 'resource group' },
    resourceKeyCrn: { flags: '--resource-key-crn <crn>', description: 'CRN of the service credential' },
    serviceInstanceCrn: { flags: '--service-instance-crn <crn>', description: 'CRN of the COS instance' },
    ...secretOptions.ibmcos,
    ...storageCommon,
  },
  examples: ['printf %s "$IBMCLOUD_API_KEY" | regctl set-storage ibmcos --bucket registry --location us-east --api-key-stdin'],
});

const emptydirSpec = defineCommand({
  name: 'emptydir',
  summary: 'ephemeral pod storage (testing only; needs --yes)',
  options: storageCommon,
  examples: ['regctl set-storage emptydir --yes   # images are lost whenever a registry pod restarts'],
});

/** The providers `set-storage credentials` takes (src/cluster/storage-credentials.ts PROVIDERS). */
export type Provider = keyof typeof secretOptions;

const CREDENTIALS_EXAMPLES: Record<Provider, string> = {
  s3: 'printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin',
  gcs: 'regctl set-storage credentials gcs --key-file key.json',
  azure: 'printf %s "$AZURE_STORAGE_KEY" | regctl set-storage credentials azure --account-key-stdin',
  swift: 'printf %s "$OS_PASSWORD" | regctl set-storage credentials swift --username "$OS_USERNAME" --password-stdin',
  ibmcos: 'printf %s "$IBMCLOUD_API_KEY" | regctl set-storage credentials ibmcos --api-key-stdin',
};

/** `set-storage credentials PROVIDER`: only the secret's keys, then the rollout (src/cluster/storage-credentials.ts). */
export const credentialsCommon = {
  wait: { flags: '--no-wait', description: 'do not wait for the operator to roll the registry onto the new credentials' },
  timeout: { flags: '--timeout <duration>', description: `give up waiting after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
  ...planOptions,
  output: outputOption(FORMATS),
} as const;

function credentialsSpecFor(provider: Provider) {
  return defineCommand({
    name: provider,
    summary: `replace the ${provider} keys of image-registry-private-configuration-user; the Config is not touched`,
    options: {
      ...secretOptions[provider],
      ...credentialsCommon,
    },
    examples: [CREDENTIALS_EXAMPLES[provider], `regctl set-storage credentials ${provider} … --dry-run   # shows the secret patch, values <redacted>`, `regctl set-storage credentials ${provider} … --render acm-policy   # values from a hub secret`],
  });
}

const credentialsSpec = defineCommand({
  name: 'credentials',
  summary: "replace only the storage credentials (the user secret's keys) and wait for the registry to roll",
  examples: ['printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin', 'regctl set-storage credentials gcs --key-file key.json --no-wait'],
  subcommands: [
    { spec: credentialsSpecFor('s3'), load: async () => (await import('./set-storage.run.js')).runCredentials.s3 },
    { spec: credentialsSpecFor('gcs'), load: async () => (await import('./set-storage.run.js')).runCredentials.gcs },
    { spec: credentialsSpecFor('azure'), load: async () => (await import('./set-storage.run.js')).runCredentials.azure },
    { spec: credentialsSpecFor('swift'), load: async () => (await import('./set-storage.run.js')).runCredentials.swift },
    { spec: credentialsSpecFor('ibmcos'), load: async () => (await import('./set-storage.run.js')).runCredentials.ibmcos },
  ],
});

const ossSpec = defineCommand({ name: 'oss', summary: 'refused: current operators have no OSS driver', acceptAnything: true });

export const spec = defineCommand({
  name: 'set-storage',
  summary: 'configure the registry storage (pvc, s3, gcs, azure, swift, ibmcos, emptydir) with pre-flight checks',
  description:
    'Point the integrated registry at its storage in one safe step: create the claim or credentials secret when needed, then one JSON patch of configs.imageregistry.operator.openshift.io/cluster (managementState Managed, spec.storage with only the chosen type).\n' +
    'Pre-flight checks run before any write; --dry-run prints every write; --wait follows the operator until the registry is Available.',
  arguments: [{ name: 'type', description: 'pvc, s3, gcs, azure, swift, ibmcos or emptydir' }],
  examples: [
    'regctl set-storage pvc --size 200Gi --storage-class gp3-csi --wait',
    'regctl set-storage pvc --claim image-registry-pvc --access-mode ReadWriteOnce',
    'printf %s "$SECRET" | regctl set-storage s3 --bucket registry --region us-east-1 --access-key-id AKIA… --secret-access-key-stdin',
    'regctl set-storage s3 --bucket minio-service --region dummyregion --region-endpoint http://minio.minio.svc:9000 --no-encrypt --dry-run',
    'regctl set-storage emptydir --yes',
  ],
  subcommands: [
    { spec: pvcSpec, load: async () => (await import('./set-storage.run.js')).runPvc },
    { spec: s3Spec, load: async () => (await import('./set-storage.run.js')).runS3 },
    { spec: gcsSpec, load: async () => (await import('./set-storage.run.js')).runGcs },
    { spec: azureSpec, load: async () => (await import('./set-storage.run.js')).runAzure },
    { spec: swiftSpec, load: async () => (await import('./set-storage.run.js')).runSwift },
    { spec: ibmcosSpec, load: async () => (await import('./set-storage.run.js')).runIbmcos },
    { spec: emptydirSpec, load: async () => (await import('./set-storage.run.js')).runEmptydir },
    { spec: credentialsSpec },
    { spec: ossSpec, load: async () => (await import('./set-storage.run.js')).runOss },
  ],
});

export const load = async () => (await import('./set-storage.run.js')).run;
