import type { Context } from '../context.js';
import { defineCommand, type CommandModule, type OptionsOf } from './spec.js';
import { rotateCredentials, type Provider } from '../cluster/storage-credentials.js';
import { requireConfirmation } from '../context.js';
import type { StorageRequest } from '../cluster/storage.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat, dryRunOption, outputOption } from './common.js';
import { print } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';
import { readTextFileCapped, type InputKind } from '../input/read.js';
import { failedPartWay } from '../cluster/partial.js';
import { R } from '../cluster/resources.js';
import * as rc from '../cluster/registry-config.js';
import * as st from '../cluster/storage.js';
import * as ss from '../cluster/served-schema.js';

const FORMATS = ['table', 'json', 'yaml'] as const;
const DEFAULT_TIMEOUT = '10m';

/** The options every storage type takes (after its own). */
const storageCommon = {
  storageManagement: { flags: '--storage-management <state>', description: 'spec.storage.managementState: Managed lets the operator configure (and on Removed delete) the storage', choices: ['Managed', 'Unmanaged'] },
  yes: { flags: '-y, --yes', description: 'confirm switching away from storage that holds images, or to emptydir' },
  wait: { flags: '--wait', description: "follow the operator's conditions until the registry is Available (exit 0) or fails (exit 3)" },
  timeout: { flags: '--timeout <duration>', description: `with --wait: give up after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
  dryRun: dryRunOption,
  output: outputOption(FORMATS),
} as const;

type CommonOptions = OptionsOf<{ options: typeof storageCommon }>;

/** Each provider's secret flags: in `set-storage <provider>` and in `set-storage credentials <provider>`. */
const secretOptions = {
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

const pvcSpec = defineCommand({
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

const s3Spec = defineCommand({
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

const gcsSpec = defineCommand({
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

const azureSpec = defineCommand({
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

const swiftSpec = defineCommand({
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

const ibmcosSpec = defineCommand({
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

const CREDENTIALS_EXAMPLES: Record<Provider, string> = {
  s3: 'printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin',
  gcs: 'regctl set-storage credentials gcs --key-file key.json',
  azure: 'printf %s "$AZURE_STORAGE_KEY" | regctl set-storage credentials azure --account-key-stdin',
  swift: 'printf %s "$OS_PASSWORD" | regctl set-storage credentials swift --username "$OS_USERNAME" --password-stdin',
  ibmcos: 'printf %s "$IBMCLOUD_API_KEY" | regctl set-storage credentials ibmcos --api-key-stdin',
};

/** `set-storage credentials PROVIDER`: only the secret's keys, then the rollout (src/cluster/storage-credentials.ts). */
const credentialsCommon = {
  wait: { flags: '--no-wait', description: 'do not wait for the operator to roll the registry onto the new credentials' },
  timeout: { flags: '--timeout <duration>', description: `give up waiting after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
  dryRun: dryRunOption,
  output: outputOption(FORMATS),
} as const;

function credentialsCommand<P extends Provider>(provider: P, build: (ctx: Context, o: OptionsOf<{ options: (typeof secretOptions)[P] }>) => Promise<StorageRequest>): CommandModule {
  const spec = defineCommand({
    name: provider,
    summary: `replace the ${provider} keys of image-registry-private-configuration-user; the Config is not touched`,
    options: {
      ...secretOptions[provider],
      ...credentialsCommon,
    },
    examples: [CREDENTIALS_EXAMPLES[provider], `regctl set-storage credentials ${provider} … --dry-run   # shows the secret patch, values REDACTED`],
  });
  type Options = OptionsOf<{ options: (typeof secretOptions)[P] }> & OptionsOf<{ options: typeof credentialsCommon }>;
  const run = async (ctx: Context, _a: string[], o: Options) => {
    const format = outputFormat(o, FORMATS);
    const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
    if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
    if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout has no effect with --no-wait', 'drop one of them');
    const credentials = (await build(ctx, o)).credentials;
    return rotateCredentials(ctx, provider, credentials, { dryRun: o.dryRun, wait: o.wait !== false && !o.dryRun, timeoutMs, format });
  };
  return { spec, run };
}

const credentialsSpec = defineCommand({
  name: 'credentials',
  summary: "replace only the storage credentials (the user secret's keys) and wait for the registry to roll",
  examples: ['printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin', 'regctl set-storage credentials gcs --key-file key.json --no-wait'],
  subcommands: [
    credentialsCommand('s3', s3Request),
    credentialsCommand('gcs', gcsRequest),
    credentialsCommand('azure', azureRequest),
    credentialsCommand('swift', swiftRequest),
    credentialsCommand('ibmcos', ibmcosRequest),
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
    { spec: pvcSpec, run: async (ctx, _a, o: OptionsOf<typeof pvcSpec>) => apply(ctx, o, () => pvcRequest(o)) },
    { spec: s3Spec, run: async (ctx, _a, o: OptionsOf<typeof s3Spec>) => apply(ctx, o, () => s3Request(ctx, o)) },
    { spec: gcsSpec, run: async (ctx, _a, o: OptionsOf<typeof gcsSpec>) => apply(ctx, o, () => gcsRequest(ctx, o)) },
    { spec: azureSpec, run: async (ctx, _a, o: OptionsOf<typeof azureSpec>) => apply(ctx, o, () => azureRequest(ctx, o)) },
    { spec: swiftSpec, run: async (ctx, _a, o: OptionsOf<typeof swiftSpec>) => apply(ctx, o, () => swiftRequest(ctx, o)) },
    { spec: ibmcosSpec, run: async (ctx, _a, o: OptionsOf<typeof ibmcosSpec>) => apply(ctx, o, () => ibmcosRequest(ctx, o)) },
    { spec: emptydirSpec, run: async (ctx, _a, o: CommonOptions) => apply(ctx, o, async () => ({ type: 'emptyDir', fields: {}, storageManagement: o.storageManagement })) },
    { spec: credentialsSpec },
    {
      spec: ossSpec,
      run: async () => {
        throw new UsageError(
          'oss storage is not supported: current registry operators have no OSS driver (an oss-only configuration is treated as "storage not configured")',
          'use an S3-compatible endpoint (`regctl set-storage s3 --region-endpoint URL …`) or pvc',
        );
      },
    },
  ],
});

/** `regctl set-storage` without a known type. */
export async function run(_ctx: Context, args: string[]): Promise<void> {
  const t = args[0];
  throw new UsageError(t ? `unknown storage type "${t}"` : 'which storage?', 'use one of: pvc, s3, gcs, azure, swift, ibmcos, emptydir (`regctl set-storage --help`)');
}

// ---------- requests per type (flag checks only; no cluster access) ----------

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function defined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
}

async function pvcRequest(o: OptionsOf<typeof pvcSpec>): Promise<StorageRequest> {
  const claim = o.claim ?? 'image-registry-storage';
  if (!DNS1123.test(claim) || claim.length > 253) throw new UsageError(`invalid --claim "${claim}"`, 'a claim name is lower-case letters, digits, - and . (e.g. image-registry-storage)');
  if (o.size !== undefined && !QUANTITY.test(o.size)) throw new UsageError(`invalid --size "${o.size}"`, 'use a quantity such as 100Gi or 500G');
  // The API server refuses a claim of zero bytes ("must be greater than zero") only after the claim is sent.
  if (o.size !== undefined && Number.parseFloat(o.size) === 0) throw new UsageError(`invalid --size "${o.size}": a claim must be larger than zero`, 'use a quantity such as 100Gi or 500G');
  if (o.storageClass !== undefined && !DNS1123.test(o.storageClass)) throw new UsageError(`invalid --storage-class "${o.storageClass}"`, 'name an existing storage class (kubectl get storageclass)');
  return {
    type: 'pvc',
    fields: { claim },
    storageManagement: o.storageManagement,
    pvc: { claim, size: o.size, storageClass: o.storageClass, accessMode: o.accessMode },
  };
}

function url(value: string, flag: string, example: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`invalid ${flag} "${value}": not a URL`, `give the URL with its scheme, e.g. ${example}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`invalid ${flag} "${value}": the scheme must be http or https`, `e.g. ${example}`);
  return value;
}

async function s3Request(ctx: Context, o: OptionsOf<typeof s3Spec>): Promise<StorageRequest> {
  const fields: Json = defined({
    bucket: o.bucket,
    region: o.region,
    regionEndpoint: o.regionEndpoint === undefined ? undefined : url(o.regionEndpoint, '--region-endpoint', 'https://minio.example.com:9000'),
    encrypt: o.encrypt,
    virtualHostedStyle: o.virtualHostedStyle,
    keyID: o.kmsKeyId,
  });
  if (o.chunkSizeMib !== undefined) {
    if (!/^\d+$/.test(o.chunkSizeMib)) throw new UsageError(`invalid --chunk-size-mib "${o.chunkSizeMib}"`, 'give a whole number of MiB between 5 and 5120');
    fields.chunkSizeMiB = Number(o.chunkSizeMib);
  }
  if (o.trustedCa !== undefined) fields.trustedCA = { name: o.trustedCa };
  const stdin = new StdinClaim();
  const secretFlag = o.secretAccessKeyStdin || o.secretAccessKeyFile !== undefined;
  let id: string | undefined = o.accessKeyId;
  let secret = await readSecret(ctx, stdin, { stdin: o.secretAccessKeyStdin, file: o.secretAccessKeyFile, flags: '--secret-access-key-stdin/--secret-access-key-file', what: 'the secret access key' });
  const envId = ctx.env.AWS_ACCESS_KEY_ID || undefined;
  const envSecret = ctx.env.AWS_SECRET_ACCESS_KEY || undefined;
  if (id === undefined && secret === undefined) {
    if (envId && envSecret) {
      ctx.log.info('Using the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
      id = envId;
      secret = envSecret;
    } else if (envId || envSecret) {
      throw new UsageError(`${envId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set but ${envId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not`, 'set both, or unset both to keep the credentials the cluster has');
    }
  } else {
    id ??= envId;
    secret ??= envSecret;
    if (id === undefined) throw new UsageError(`${secretFlag ? 'the secret access key' : 'AWS_SECRET_ACCESS_KEY'} needs an access key id`, 'pass --access-key-id ID (or set AWS_ACCESS_KEY_ID)');
    if (secret === undefined) throw new UsageError('--access-key-id needs the secret access key', 'pipe it to --secret-access-key-stdin, pass --secret-access-key-file FILE, or set AWS_SECRET_ACCESS_KEY');
  }
  if (id !== undefined && !id.trim()) throw new UsageError('the access key id is empty', 'pass --access-key-id ID');
  const credentials = id !== undefined && secret !== undefined ? { REGISTRY_STORAGE_S3_ACCESSKEY: id.trim(), REGISTRY_STORAGE_S3_SECRETKEY: secret } : undefined;
  return { type: 's3', fields, storageManagement: o.storageManagement, credentials };
}

async function gcsRequest(ctx: Context, o: OptionsOf<typeof gcsSpec>): Promise<StorageRequest> {
  const fields = defined({ bucket: o.bucket, region: o.region, projectID: o.projectId, keyID: o.kmsKeyId });
  let credentials: Record<string, string> | undefined;
  if (o.keyFile !== undefined) {
    const stdin = new StdinClaim();
    const text = o.keyFile === '-' ? await stdin.read(ctx, '--key-file -', 'key') : readFileSecret(o.keyFile, 'the key file', 'key');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the input: never show it.
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) throw new UsageError('the GCS key file is not a JSON object', 'pass the service-account key file (JSON) downloaded for the account');
    credentials = { REGISTRY_STORAGE_GCS_KEYFILE: text };
  }
  return { type: 'gcs', fields, storageManagement: o.storageManagement, credentials };
}

async function azureRequest(ctx: Context, o: OptionsOf<typeof azureSpec>): Promise<StorageRequest> {
  const fields = defined({ accountName: o.accountName, container: o.container, cloudName: o.cloudName });
  const key = (await readSecret(ctx, new StdinClaim(), { stdin: o.accountKeyStdin, file: o.accountKeyFile, flags: '--account-key-stdin/--account-key-file', what: 'the account key' })) ?? (ctx.env.AZURE_STORAGE_KEY || undefined);
  return { type: 'azure', fields, storageManagement: o.storageManagement, credentials: key === undefined ? undefined : { REGISTRY_STORAGE_AZURE_ACCOUNTKEY: key } };
}

async function swiftRequest(ctx: Context, o: OptionsOf<typeof swiftSpec>): Promise<StorageRequest> {
  const fields = defined({
    container: o.container,
    authURL: o.authUrl === undefined ? undefined : url(o.authUrl, '--auth-url', 'https://keystone.example.com:5000/v3'),
    authVersion: o.authVersion,
    domain: o.domain,
    domainID: o.domainId,
    tenant: o.tenant,
    tenantID: o.tenantId,
    regionName: o.regionName,
  });
  const stdin = new StdinClaim();
  const env = ctx.env;
  const password = await readSecret(ctx, stdin, { stdin: o.passwordStdin, file: o.passwordFile, flags: '--password-stdin/--password-file', what: 'the password' });
  const appSecret = await readSecret(ctx, stdin, {
    stdin: o.applicationCredentialSecretStdin,
    file: o.applicationCredentialSecretFile,
    flags: '--application-credential-secret-stdin/--application-credential-secret-file',
    what: 'the application credential secret',
  });
  const userFlags = o.username !== undefined || password !== undefined;
  const appFlags = o.applicationCredentialId !== undefined || o.applicationCredentialName !== undefined || appSecret !== undefined;
  if (userFlags && appFlags) throw new UsageError('give either a username and password or an application credential, not both', 'drop one of the two sets of flags');
  let credentials: Record<string, string> | undefined;
  const useUser = userFlags || (!appFlags && Boolean(env.OS_USERNAME && env.OS_PASSWORD));
  const useApp = appFlags || (!useUser && Boolean(env.OS_APPLICATION_CREDENTIAL_SECRET));
  if (useUser) {
    const u = o.username ?? env.OS_USERNAME;
    const p = password ?? env.OS_PASSWORD;
    if (!u) throw new UsageError('the password needs a --username', 'pass --username NAME (or set OS_USERNAME)');
    if (p === undefined || p === '') throw new UsageError('--username needs the password', 'pipe it to --password-stdin, pass --password-file FILE, or set OS_PASSWORD');
    credentials = { REGISTRY_STORAGE_SWIFT_USERNAME: u, REGISTRY_STORAGE_SWIFT_PASSWORD: p };
  } else if (useApp) {
    const id = o.applicationCredentialId ?? env.OS_APPLICATION_CREDENTIAL_ID;
    const name = o.applicationCredentialName ?? env.OS_APPLICATION_CREDENTIAL_NAME;
    const sec = appSecret ?? env.OS_APPLICATION_CREDENTIAL_SECRET;
    if (!id || !name) throw new UsageError('an application credential needs its id and name', 'pass --application-credential-id and --application-credential-name (or OS_APPLICATION_CREDENTIAL_ID/_NAME)');
    if (!sec) throw new UsageError('the application credential needs its secret', 'pipe it to --application-credential-secret-stdin or pass --application-credential-secret-file FILE');
    credentials = { REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID: id, REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME: name, REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET: sec };
  }
  return { type: 'swift', fields, storageManagement: o.storageManagement, credentials };
}

async function ibmcosRequest(ctx: Context, o: OptionsOf<typeof ibmcosSpec>): Promise<StorageRequest> {
  const fields = defined({
    bucket: o.bucket,
    location: o.location,
    resourceGroupName: o.resourceGroupName,
    resourceKeyCRN: o.resourceKeyCrn,
    serviceInstanceCRN: o.serviceInstanceCrn,
  });
  const key = (await readSecret(ctx, new StdinClaim(), { stdin: o.apiKeyStdin, file: o.apiKeyFile, flags: '--api-key-stdin/--api-key-file', what: 'the IAM API key' })) ?? (ctx.env.IBMCLOUD_API_KEY || undefined);
  return { type: 'ibmcos', fields, storageManagement: o.storageManagement, credentials: key === undefined ? undefined : { REGISTRY_STORAGE_IBMCOS_IAMAPIKEY: key } };
}

// ---------- secret input: stdin, files, environment; never flags, never echoed ----------

class StdinClaim {
  private by?: string;
  async read(ctx: Context, flag: string, kind: InputKind): Promise<string> {
    if (this.by) throw new UsageError(`${flag} and ${this.by} both read stdin`, 'read one of them from a file instead');
    this.by = flag;
    return ctx.readStdin(kind);
  }
}

/** One trailing newline is what `echo` or a text editor adds; it is not part of the value. */
function chomp(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function readFileSecret(file: string, what: string, kind: InputKind): string {
  try {
    return readTextFileCapped(file, kind);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} from ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'check the path and its permissions');
  }
}

async function readSecret(ctx: Context, stdin: StdinClaim, s: { stdin?: boolean; file?: string; flags: string; what: string }): Promise<string | undefined> {
  if (s.stdin && s.file !== undefined) throw new UsageError(`give ${s.what} once`, `use one of ${s.flags}`);
  let v: string | undefined;
  if (s.stdin) v = chomp(await stdin.read(ctx, s.flags.split('/')[0]!, 'secret'));
  else if (s.file !== undefined) v = chomp(readFileSecret(s.file, s.what, 'secret'));
  if (v !== undefined && v.trim() === '') throw new UsageError(`${s.what} is empty`, `give the value through ${s.flags}`);
  return v;
}

// ---------- the common flow: pre-flight, dry run, writes, wait ----------

/** The flag that sets spec.storage.<type>.<field>…, for the fields whose flag is not just their name in kebab case. */
const FLAG_OF: Record<string, string> = { keyID: '--kms-key-id', chunkSizeMiB: '--chunk-size-mib', trustedCA: '--trusted-ca', claim: '--claim' };
function optionFor(field: string): string | undefined {
  const m = /^spec\.storage\.[a-zA-Z0-9]+\.([a-zA-Z]+)/.exec(field);
  if (!m) return undefined;
  return FLAG_OF[m[1]!] ?? '--' + m[1]!.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

async function apply(ctx: Context, o: CommonOptions, build: () => Promise<StorageRequest>): Promise<number> {
  const format = outputFormat(o, FORMATS);
  if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout needs --wait', 'add --wait, or drop --timeout');
  const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
  if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
  if (o.wait && o.dryRun) throw new UsageError('--wait has nothing to wait for with --dry-run', 'drop one of them');
  const asked = await build();
  let req = asked;

  const cluster = await ctx.cluster();
  const { plan, config, served } = await ctx.spin('Running pre-flight checks', async () => {
    const config = await rc.readConfig(cluster);
    // The same type again changes only what is given (issue 17): keep the other fields and managementState.
    const kept = st.keepCurrentFields(asked, config);
    req = kept.req;
    const state = await st.readStorageState(cluster, config, req);
    const served = await ss.readServedSchema(cluster);
    const plan = st.planStorage(req, state);
    if (kept.problem) plan.problems.unshift(kept.problem);
    return { plan, config, served };
  });
  if (served.note) ctx.log.warn(served.note);
  // What this cluster's CRD lacks would be pruned without an error: refuse it like any bad input.
  const storage = { [req.type]: req.fields, ...(req.storageManagement ? { managementState: req.storageManagement } : {}) };
  for (const p of ss.checkServed(['storage'], storage, served)) {
    const flag = optionFor(p.field);
    plan.problems.push({ message: p.message, hint: flag ? `drop ${flag}: ${served.cluster} predates it` : `drop the option that sets ${p.field}: ${served.cluster} predates it` });
  }
  if (plan.problems.length) {
    for (const p of plan.problems.slice(1)) ctx.log.warn(`also: ${p.message}`);
    const p = plan.problems[0]!;
    throw new UsageError(`${p.message}; nothing was changed`, p.hint);
  }
  for (const w of plan.warnings) ctx.log.warn(w);
  if (plan.risks.length && !o.dryRun) {
    await requireConfirmation(ctx, o.yes, `${plan.risks.join('; ')}.\nSwitch the registry storage to ${plan.target}?`, `refusing to switch the storage without --yes: ${plan.risks.join('; ')}`);
  }

  // Server-side dry run of every write first: admission, RBAC and the CRD schema answer before anything changes.
  await ctx.spin('Checking the writes with the API server (dry run)', async () => {
    for (const w of plan.writes) await send(cluster, w, true);
  });
  const redacted = plan.writes.map(st.redactWrite);
  const result: Json = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'StorageChange',
    dryRun: Boolean(o.dryRun),
    changed: plan.writes.length > 0,
    storage: { type: req.type, ...req.fields, ...(req.storageManagement ? { managementState: req.storageManagement } : {}) },
    writes: redacted.map(({ summary: _s, ...w }) => w),
    warnings: plan.warnings,
    ...(plan.risks.length ? { risks: plan.risks } : {}),
  };
  if (o.dryRun) {
    if (plan.risks.length) ctx.log.warn(`without --dry-run this needs --yes: ${plan.risks.join('; ')}`);
    if (format === 'table') ctx.io.stdout.write(`# dry run: nothing was changed\n${rc.renderWrites(redacted)}`);
    else print(ctx.io, format, { data: result });
    return 0;
  }

  let generation: number = config.metadata?.generation ?? 0;
  const done: Array<import('../cluster/storage.js').Write> = [];
  for (const w of plan.writes) {
    let res: Json;
    try {
      res = await send(cluster, w, false);
    } catch (e) {
      if (!done.length) throw e;
      throw await undoWrites(cluster, e, w, done, plan.target);
    }
    done.push(w);
    if (w.kind === 'Config') generation = res?.metadata?.generation ?? generation;
    ctx.log.success(`${w.summary.replace(/^(create|patch)/, (m) => (m === 'create' ? 'created' : 'patched'))}`);
  }
  if (!plan.writes.length) ctx.log.info(`Nothing to change: the registry already uses ${plan.target}`);
  else ctx.log.info(`The registry storage is now ${plan.target}${o.wait ? '' : '; follow the rollout with `regctl status --watch`'}`);

  if (o.wait) {
    const summary = await rc.waitForOperator(cluster, { generation, timeoutMs, signal: ctx.signal, onProgress: (s) => ctx.log.info(`operator: ${s}`) });
    result.operator = { state: 'Available', summary };
    ctx.log.success(`The registry is Available on ${plan.target}`);
  }
  if (format !== 'table') print(ctx.io, format, { data: result });
  return 0;
}

/**
 * A write failed after earlier ones succeeded: delete what this run created (a claim or credentials secret nothing
 * references yet); what was patched cannot be taken back, so the error names it and the command that finishes.
 */
async function undoWrites(cluster: import('../cluster/cluster.js').Cluster, e: unknown, failed: import('../cluster/storage.js').Write, done: Array<import('../cluster/storage.js').Write>, target: string): Promise<Error> {
  const what = (w: import('../cluster/storage.js').Write) => `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name} (${w.action === 'create' ? 'created' : 'patched'})`;
  const onlyCreated = done.every((w) => w.action === 'create');
  const deletes = done.filter((w) => w.action === 'create').reverse();
  return failedPartWay(e, {
    step: `switching the registry storage to ${target} (${failed.kind} ${failed.name})`,
    left: done.map(what).join(', '),
    finish: 'regctl set-storage … (the same command again)',
    undoCommand: deletes.map((w) => `oc delete ${w.kind === 'PersistentVolumeClaim' ? 'pvc' : 'secret'} ${w.name} -n ${w.namespace}`).join(' && ') || 'restore the previous values shown by --dry-run',
    undo: onlyCreated
      ? async () => {
          for (const w of deletes) await cluster.delete(w.kind === 'PersistentVolumeClaim' ? R.pvc : R.secret, w.name, { namespace: w.namespace });
        }
      : undefined,
  });
}

async function send(cluster: import('../cluster/cluster.js').Cluster, w: import('../cluster/storage.js').Write, dryRun: boolean): Promise<Json> {
  const ref = w.kind === 'PersistentVolumeClaim' ? R.pvc : w.kind === 'Secret' ? R.secret : R.registryConfig;
  if (w.action === 'create') return cluster.create(ref, w.body as Json, { namespace: w.namespace, dryRun });
  return cluster.patch(ref, w.name, w.body, w.patchType ?? 'merge', { namespace: w.namespace, dryRun });
}
