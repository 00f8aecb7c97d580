import type { Context } from '../context.js';
import type { OptionsOf, Run } from './spec.js';
import { rotateCredentials } from '../cluster/storage-credentials.js';
import { requireConfirmation } from '../context.js';
import type { StorageRequest } from '../cluster/storage.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';
import { readTextFileCapped, type InputKind } from '../input/read.js';
import { planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { stepsFromWrites } from '../plan/from-writes.js';
import { target, type Plan, type Step } from '../plan/types.js';
import { NAMES, R } from '../cluster/resources.js';
import * as rc from '../cluster/registry-config.js';
import * as st from '../cluster/storage.js';
import * as ss from '../cluster/served-schema.js';
import { FORMATS, DEFAULT_TIMEOUT, type CommonOptions, type credentialsCommon, type Provider, type secretOptions, type pvcSpec, type s3Spec, type gcsSpec, type azureSpec, type swiftSpec, type ibmcosSpec } from './set-storage.js';

export const runPvc = async (ctx: Context, _a: string[], o: OptionsOf<typeof pvcSpec>) => apply(ctx, o, () => pvcRequest(o));
export const runS3 = async (ctx: Context, _a: string[], o: OptionsOf<typeof s3Spec>) => apply(ctx, o, () => s3Request(ctx, o));
export const runGcs = async (ctx: Context, _a: string[], o: OptionsOf<typeof gcsSpec>) => apply(ctx, o, () => gcsRequest(ctx, o));
export const runAzure = async (ctx: Context, _a: string[], o: OptionsOf<typeof azureSpec>) => apply(ctx, o, () => azureRequest(ctx, o));
export const runSwift = async (ctx: Context, _a: string[], o: OptionsOf<typeof swiftSpec>) => apply(ctx, o, () => swiftRequest(ctx, o));
export const runIbmcos = async (ctx: Context, _a: string[], o: OptionsOf<typeof ibmcosSpec>) => apply(ctx, o, () => ibmcosRequest(ctx, o));
export const runEmptydir = async (ctx: Context, _a: string[], o: CommonOptions) => apply(ctx, o, async () => ({ type: 'emptyDir', fields: {}, storageManagement: o.storageManagement }));

export async function runOss(): Promise<never> {
  throw new UsageError(
    'oss storage is not supported: current registry operators have no OSS driver (an oss-only configuration is treated as "storage not configured")',
    'use an S3-compatible endpoint (`regctl set-storage s3 --region-endpoint URL …`) or pvc',
  );
}

/** `set-storage credentials PROVIDER`: only the secret's keys, then the rollout (src/cluster/storage-credentials.ts). */
function credentialsRun<P extends Provider>(provider: P, build: (ctx: Context, o: OptionsOf<{ options: (typeof secretOptions)[P] }>) => Promise<StorageRequest>): Run {
  type Options = OptionsOf<{ options: (typeof secretOptions)[P] }> & OptionsOf<{ options: typeof credentialsCommon }>;
  const run = async (ctx: Context, _a: string[], o: Options) => {
    const format = outputFormat(o, FORMATS);
    const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
    if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
    if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout has no effect with --no-wait', 'drop one of them');
    const mode = planMode(o, o.output);
    const credentials = (await build(ctx, o)).credentials;
    // A dry run or rendering returns with the plan (which names the wait) before any waiting.
    return rotateCredentials(ctx, provider, credentials, { mode, wait: o.wait !== false, timeoutMs, format });
  };
  return run as Run;
}

export const runCredentials: Record<Provider, Run> = {
  s3: credentialsRun('s3', s3Request),
  gcs: credentialsRun('gcs', gcsRequest),
  azure: credentialsRun('azure', azureRequest),
  swift: credentialsRun('swift', swiftRequest),
  ibmcos: credentialsRun('ibmcos', ibmcosRequest),
};

/** `regctl set-storage` without a known type. */
export async function run(_ctx: Context, args: string[]): Promise<void> {
  const t = args[0];
  throw new UsageError(t ? `unknown storage type "${t}"` : 'which storage?', 'use one of: pvc, s3, gcs, azure, swift, ibmcos, emptydir (`regctl set-storage --help`)');
}

// ---------- requests per type (flag checks only; no cluster access) ----------

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
/** The smallest --size taken without a unit (bytes): 1Gi. */
const MIN_BARE_SIZE = 1024 ** 3;

function defined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
}

async function pvcRequest(o: OptionsOf<typeof pvcSpec>): Promise<StorageRequest> {
  const claim = o.claim ?? 'image-registry-storage';
  if (!DNS1123.test(claim) || claim.length > 253) throw new UsageError(`invalid --claim "${claim}"`, 'a claim name is lower-case letters, digits, - and . (e.g. image-registry-storage)');
  if (o.size !== undefined && !QUANTITY.test(o.size)) throw new UsageError(`invalid --size "${o.size}"`, 'use a quantity such as 100Gi or 500G');
  // The API server refuses a claim of zero bytes ("must be greater than zero") only after the claim is sent.
  if (o.size !== undefined && Number.parseFloat(o.size) === 0) throw new UsageError(`invalid --size "${o.size}": a claim must be larger than zero`, 'use a quantity such as 100Gi or 500G');
  // A number without a unit counts bytes (as kubectl reads it): `--size 10` is a 10-byte claim, surely meant as 10Gi.
  // Bytes are taken as written only from 1Gi up (a number that long is deliberate).
  if (o.size !== undefined && /^[0-9.]+$/.test(o.size) && Number.parseFloat(o.size) < MIN_BARE_SIZE) {
    throw new UsageError(`--size ${o.size} has no unit, so it means ${o.size} bytes: too small for a registry`, `give the unit: --size ${o.size}Gi (a number without a unit is taken as bytes only from 1Gi, ${MIN_BARE_SIZE}, up)`);
  }
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
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    // host:port, as the docs' minio example writes it (`minio.svc.cluster.local:9000`): URL reads the host as a scheme.
    if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d+(\/\S*)?$/i.test(value)) {
      throw new UsageError(`invalid ${flag} "${value}": no scheme (http:// or https://)`, `write it with its scheme: ${flag} https://${value} (or http://${value} for a plain-HTTP endpoint)`);
    }
    throw new UsageError(`invalid ${flag} "${value}": the scheme must be http or https`, `e.g. ${example}`);
  }
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
  const mode = planMode(o, o.output);
  const dry = mode.dryRun !== 'none' || mode.render !== undefined;
  if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout needs --wait', 'add --wait, or drop --timeout');
  const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
  if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
  if (o.wait && dry) throw new UsageError(`--wait has nothing to wait for with ${mode.render ? '--render' : '--dry-run'}`, 'drop one of them');
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
  if (plan.risks.length && !dry) {
    await requireConfirmation(ctx, o.yes, `${plan.risks.join('; ')}.\nSwitch the registry storage to ${plan.target}?`, `refusing to switch the storage without --yes: ${plan.risks.join('; ')}`);
  }

  // The writes as one plan (src/plan): printed, checked by the server, rendered, or applied by the one engine.
  const type = req.type.toLowerCase();
  const steps = stepsFromWrites(plan.writes, { config });
  if (mode.render) steps.push(...desiredAsWell(req, plan.writes));
  const created = plan.writes.filter((w) => w.action === 'create');
  const thePlan: Plan = {
    name: `set-storage-${type}`,
    command: `regctl set-storage ${type}`,
    steps,
    checks: o.wait ? [{ name: 'registry Available', how: "the operator's Available condition for the new generation of configs.imageregistry.operator.openshift.io/cluster (--wait)" }] : [],
    warnings: plan.warnings,
    finish: 'regctl set-storage … (the same command again)',
    undo: created.map((w) => `oc delete ${w.kind === 'PersistentVolumeClaim' ? 'pvc' : 'secret'} ${w.name} -n ${w.namespace}`).join(' && ') || 'restore the previous values shown by --dry-run',
  };
  if (dry) {
    if (plan.risks.length) ctx.log.warn(`${mode.render ? 'this change' : 'without --dry-run this'} needs --yes: ${plan.risks.join('; ')}`);
    for (const n of plan.notes) ctx.log.info(`Note: ${n}`);
    await runPlan(ctx, cluster, thePlan, mode, { format, warned: true });
    return 0;
  }

  const result: Json = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'StorageChange',
    dryRun: false,
    changed: plan.writes.length > 0,
    storage: { type: req.type, ...req.fields, ...(req.storageManagement ? { managementState: req.storageManagement } : {}) },
    writes: plan.writes.map(st.redactWrite).map(({ summary: _s, ...w }) => w),
    warnings: plan.warnings,
    ...(plan.risks.length ? { risks: plan.risks } : {}),
  };
  // Server-side dry run of every write first (precheck): admission, RBAC and the CRD schema answer before anything changes.
  const applied = await runPlan(ctx, cluster, thePlan, mode, { precheck: true, warned: true });
  const configAt = plan.writes.findIndex((w) => w.kind === 'Config');
  const generation: number = (configAt >= 0 ? applied.results[configAt]?.metadata?.generation : undefined) ?? config.metadata?.generation ?? 0;
  if (!plan.writes.length) ctx.log.info(`Nothing to change: the registry already uses ${plan.target}`);
  else ctx.log.info(`The registry storage is now ${plan.target}${o.wait ? '' : '; follow the rollout with `regctl status --watch`'}`);
  if (plan.writes.length) for (const n of plan.notes) ctx.log.info(`Note: ${n}`);

  if (o.wait) {
    const summary = await rc.waitForOperator(cluster, { generation, timeoutMs, signal: ctx.signal, onProgress: (s) => ctx.log.info(`operator: ${s}`) });
    result.operator = { state: 'Available', summary };
    ctx.log.success(`The registry is Available on ${plan.target}`);
  }
  if (format !== 'table') print(ctx.io, format, { data: result });
  return 0;
}

/**
 * A rendering is desired state for other clusters too: what this cluster already has (so the plan skips it) is
 * rendered as well — the Config's storage, and every credential key given. (A claim that exists here is not.)
 */
function desiredAsWell(req: StorageRequest, writes: rc.Write[]): Step[] {
  const out: Step[] = [];
  if (req.credentials && !writes.some((w) => w.kind === 'Secret')) {
    const data = Object.fromEntries(Object.entries(req.credentials).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
    out.push({ action: 'patch', target: target(R.secret, st.USER_SECRET, NAMES.registryNamespace), summary: `patch Secret ${NAMES.registryNamespace}/${st.USER_SECRET} (already set on this cluster)`, patchType: 'merge', patch: { data } });
  }
  if (!writes.some((w) => w.kind === 'Config')) {
    const storage = { [req.type]: req.fields, ...(req.storageManagement ? { managementState: req.storageManagement } : {}) };
    out.push({ action: 'patch', target: target(R.registryConfig, NAMES.cluster), summary: `patch ${rc.CONFIG_TARGET} (already set on this cluster)`, patchType: 'merge', patch: { spec: { managementState: 'Managed', storage } } });
  }
  return out;
}
