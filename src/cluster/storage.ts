// `regctl set-storage`: what the cluster looks like (config, claim, storage classes, credentials secret, image
// streams), and the plan — pre-flight problems, risks needing --yes, and the writes in order (PVC, secret,
// one JSON patch of the Config). planStorage() is pure so every rule is unit-tested (d.6, d.7, seeds 001/004).
import { NO_PROVISIONER, cannotProvision, createPvFix, describeNeeds, isDefaultClass, matchingVolume, waitsForFirstConsumer, type ClaimNeeds } from './static-volumes.js';
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { R, NAMES } from './resources.js';
import { validateSpecField } from './config-schema.js';
import { PatchBuilder, accessModeProblem, deepEqual, storageTypes, type Problem, type Write } from './registry-config.js';

export type { Problem, Write } from './registry-config.js';

export type StorageType = 'pvc' | 's3' | 'gcs' | 'azure' | 'swift' | 'ibmcos' | 'emptyDir';

/** Keys of image-registry-private-configuration-user per type; any one complete set will do (d.7). */
export const CREDENTIAL_KEYS: Partial<Record<StorageType, string[][]>> = {
  s3: [['REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY']],
  gcs: [['REGISTRY_STORAGE_GCS_KEYFILE']],
  azure: [['REGISTRY_STORAGE_AZURE_ACCOUNTKEY']],
  ibmcos: [['REGISTRY_STORAGE_IBMCOS_IAMAPIKEY']],
  swift: [
    ['REGISTRY_STORAGE_SWIFT_USERNAME', 'REGISTRY_STORAGE_SWIFT_PASSWORD'],
    ['REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID', 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME', 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET'],
    ['REGISTRY_STORAGE_SWIFT_TOKENID'],
  ],
};

/** The fields that say *where* the images are; a change of any of them is a switch to another storage. */
const LOCATION: Record<StorageType, string[]> = {
  pvc: ['claim'],
  s3: ['bucket', 'regionEndpoint'],
  gcs: ['bucket', 'projectID'],
  azure: ['accountName', 'container'],
  swift: ['authURL', 'container'],
  ibmcos: ['bucket', 'location'],
  emptyDir: [],
};

export const USER_SECRET = NAMES.userCredentialsSecret;
export const MINTED_SECRET = 'installer-cloud-credentials';
export const REDACTED = 'REDACTED';

export interface PvcRequest {
  claim: string;
  size?: string;
  storageClass?: string;
  accessMode?: 'ReadWriteOnce' | 'ReadWriteMany';
}

export interface StorageRequest {
  type: StorageType;
  /** The value for spec.storage.<type>. */
  fields: Json;
  storageManagement?: 'Managed' | 'Unmanaged';
  /** Keys to write into the user credentials secret. Values never leave this process except to the API server. */
  credentials?: Record<string, string>;
  pvc?: PvcRequest;
}

export interface StorageState {
  config: Json;
  /** The requested claim, null when missing (only read for pvc). */
  pvc: Json | null;
  /** null when they could not be listed. */
  storageClasses: Json[] | null;
  /** Read for pvc; null/absent when they could not be listed. */
  persistentVolumes?: Json[] | null;
  userSecret: Json | null;
  mintedSecret: boolean;
  images: { held: boolean; why: string };
  /** The S3 trustedCA ConfigMap in openshift-config: null when missing, undefined when not asked or unreadable. */
  trustedCA?: Json | null;
}

export interface Plan {
  writes: Write[];
  warnings: string[];
  problems: Problem[];
  /** Reasons that need --yes (or an interactive yes). */
  risks: string[];
  /** A short description of the target storage, e.g. `s3 (bucket b, region r)`. */
  target: string;
  /** Said with the plan and after the change (not warnings): e.g. settings that stay as they were. */
  notes: string[];
}

const DEFAULT_SIZE = '100Gi';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : undefined);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields the operator fills in when they are empty (pkg/storage/*): absent in a request, any value is fine. */
const OPERATOR_FILLED: Record<StorageType, string[]> = {
  pvc: [],
  s3: ['virtualHostedStyle'],
  gcs: ['region'],
  azure: ['cloudName'],
  swift: [],
  ibmcos: [],
  emptyDir: [],
};

/** Go omits false and "" : an absent field and its zero value mean the same. */
const zero = (v: unknown) => v === undefined || v === null || v === false || v === '';

/**
 * Whether the current spec.storage.<type> already is what the request asks for: the same fields with the
 * same values, apart from zero values and the fields the operator fills in itself.
 */
export function sameFields(type: StorageType, want: Json, have: Json | undefined): boolean {
  const h = have ?? {};
  if (type === 'pvc') return normClaim(h.claim) === normClaim(want.claim);
  const keys = new Set([...Object.keys(want), ...Object.keys(h)]);
  for (const k of keys) {
    if (zero(want[k]) && (zero(h[k]) || OPERATOR_FILLED[type].includes(k))) continue;
    if (!deepEqual(want[k], h[k])) return false;
  }
  return true;
}

export function describe(type: string, fields: Json | undefined): string {
  const f = Object.entries(fields ?? {})
    .filter(([, v]) => typeof v !== 'object' && v !== '' && v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return f ? `${type} (${f})` : type;
}

/** The fields each type needs when the storage is not that type yet, with the flag that sets them. */
const REQUIRED: Partial<Record<StorageType, Array<[string, string]>>> = {
  s3: [['bucket', '--bucket'], ['region', '--region']],
  gcs: [['bucket', '--bucket']],
  azure: [['accountName', '--account-name'], ['container', '--container']],
  swift: [['container', '--container'], ['authURL', '--auth-url']],
  ibmcos: [['bucket', '--bucket'], ['location', '--location']],
};

/**
 * `set-storage TYPE` on a storage that already is TYPE changes only what is given: the other fields of
 * spec.storage.TYPE (encrypt, regionEndpoint, …) and spec.storage.managementState stay as they are (dropping
 * managementState would let the operator set Unmanaged). Switching type needs the type's required fields.
 */
export function keepCurrentFields(req: StorageRequest, config: Json): { req: StorageRequest; problem?: Problem } {
  const storage: Json | undefined = config.spec?.storage;
  const current = storageTypes(storage);
  if (current.length === 1 && current[0] === req.type && req.type !== 'pvc' && req.type !== 'emptyDir') {
    const kept: StorageRequest = { ...req, fields: { ...(storage![req.type] ?? {}), ...req.fields } };
    if (!req.storageManagement && (storage!.managementState === 'Managed' || storage!.managementState === 'Unmanaged')) kept.storageManagement = storage!.managementState;
    return { req: kept };
  }
  const missing = (REQUIRED[req.type] ?? []).filter(([k]) => zero(req.fields[k]));
  if (!missing.length) return { req };
  const flags = missing.map(([, f]) => f).join(' and ');
  return {
    req,
    problem: { message: `the storage is ${current.length ? current.join(', ') : 'not configured'}, not ${req.type}: switching to ${req.type} needs ${flags}`, hint: `pass ${missing.map(([, f]) => `${f} …`).join(' ')} (\`regctl set-storage ${req.type} --help\`)` },
  };
}

const normClaim = (c: unknown) => (typeof c === 'string' && c ? c : NAMES.defaultClaim);

/** Whether `storage` (a spec.storage or status.storage) points at the same place (bucket, claim …) as the request. */
export function sameLocation(storage: Json | undefined, type: StorageType, fields: Json): boolean {
  const types = storageTypes(storage);
  if (types.length !== 1 || types[0] !== type) return false;
  const have = storage![type] ?? {};
  if (type === 'pvc') return normClaim(have.claim) === normClaim(fields.claim);
  return LOCATION[type].every((k) => (zero(fields[k]) && zero(have[k])) || have[k] === fields[k]);
}

function secretHas(secret: Json | null, key: string): boolean {
  return Boolean(secret && ((secret.data ?? {})[key] !== undefined || (secret.stringData ?? {})[key] !== undefined));
}

function secretValue(secret: Json | null, key: string): string | undefined {
  if (!secret) return undefined;
  return secret.stringData?.[key] ?? unb64(secret.data?.[key]);
}

export function planStorage(req: StorageRequest, st: StorageState): Plan {
  const plan: Plan = { writes: [], warnings: [], problems: [], risks: [], target: describe(req.type, req.fields), notes: [] };
  const spec = st.config.spec ?? {};
  const replicas: number = spec.replicas ?? 1;
  const strategy: string = spec.rolloutStrategy || 'RollingUpdate';
  const want: { recreate?: boolean; replicas?: number } = {};
  let rwo: string | undefined;

  // --- where the images are now, and whether this leaves them behind
  const holders = [spec.storage, st.config.status?.storage].filter((s) => storageTypes(s).length > 0);
  const same = holders.length > 0 && holders.every((s) => sameLocation(s, req.type, req.fields));
  const leaving = holders.filter((s) => !sameLocation(s, req.type, req.fields));
  if (leaving.length && st.images.held) {
    const t = storageTypes(leaving[0])[0]!;
    plan.risks.push(`the current storage ${describe(t, leaving[0]![t])} holds images (${st.images.why}); after the switch the registry no longer serves them`);
  }

  // --- type-specific pre-flight
  if (req.type === 'pvc') {
    const rwoOnly = planPvc(req.pvc!, st, plan);
    if (rwoOnly) {
      if (strategy !== 'Recreate') want.recreate = true;
      if (replicas !== 1) want.replicas = 1;
      rwo = `ReadWriteOnce claim: the registry runs with rolloutStrategy Recreate and 1 replica${replicas !== 1 ? ` (was ${replicas})` : ''}, so upgrades and restarts have downtime`;
    }
  }
  if (req.type === 'emptyDir') {
    if (!same) plan.risks.push('emptyDir storage is ephemeral: every image pushed is lost when the registry pod restarts');
    if (replicas > 1) {
      want.replicas = 1;
      plan.warnings.push(`emptyDir storage is per pod: replicas go from ${replicas} to 1`);
    }
  }
  planCredentials(req, st, plan);
  const caName: string | undefined = req.fields.trustedCA?.name;
  if (caName) {
    if (st.trustedCA === null) {
      plan.problems.push({ message: `ConfigMap openshift-config/${caName} (--trusted-ca) does not exist`, hint: `create it first: \`oc create configmap ${caName} -n openshift-config --from-file=ca-bundle.crt=ca.pem\`` });
    } else if (st.trustedCA === undefined) {
      plan.warnings.push(`could not read ConfigMap openshift-config/${caName}: --trusted-ca is not verified`);
    } else if (st.trustedCA.data?.['ca-bundle.crt'] === undefined) {
      plan.problems.push({ message: `ConfigMap openshift-config/${caName} has no ca-bundle.crt key`, hint: 'the operator reads the endpoint CA from the key ca-bundle.crt' });
    }
  }

  // --- one JSON patch of the Config, in the order of the documented procedure (seed 004):
  // Managed, Recreate and 1 replica when needed, then spec.storage = only the requested type.
  const b = new PatchBuilder(st.config);
  if (spec.managementState !== 'Managed' && spec.managementState !== 'Force') b.set(['spec', 'managementState'], 'Managed');
  if (want.recreate) b.set(['spec', 'rolloutStrategy'], 'Recreate');
  if (want.replicas !== undefined) b.set(['spec', 'replicas'], want.replicas);
  const current = storageTypes(spec.storage);
  const storageSame = current.length === 1 && current[0] === req.type && sameFields(req.type, req.fields, spec.storage[req.type]);
  const storage: Json = { [req.type]: req.fields };
  if (req.storageManagement) storage.managementState = req.storageManagement;
  for (const e of validateSpecField(['storage'], storage)) plan.problems.push({ message: e, hint: `fix the value; see \`regctl set-storage ${req.type.toLowerCase()} --help\`` });
  if (!storageSame) b.set(['spec', 'storage'], storage);
  else if (req.storageManagement) b.set(['spec', 'storage', 'managementState'], req.storageManagement);

  if (b.ops.length) {
    plan.writes.push({
      action: 'patch',
      kind: 'Config',
      name: NAMES.cluster,
      patchType: 'json',
      body: b.ops,
      summary: `patch configs.imageregistry.operator.openshift.io/${NAMES.cluster}: ${b.ops.map((o) => `${o.op} ${o.path}`).join(', ')}`,
    });
  }
  if (rwo && plan.writes.length) plan.warnings.push(rwo);
  // Recreate (and 1 replica) is what a ReadWriteOnce claim needs; the operator requires them only for such a claim
  // (pkg/storage/pvc/pvc.go), and bootstraps object storage with RollingUpdate and 2 replicas (pkg/storage/storage.go).
  // A switch to storage every replica shares keeps them as they are: say so, and how to change them.
  const shared = req.type !== 'emptyDir' && (req.type !== 'pvc' || !rwo);
  if (shared && strategy === 'Recreate' && plan.writes.some((w) => w.kind === 'Config')) {
    const one = replicas <= 1;
    plan.notes.push(
      `rolloutStrategy Recreate${one ? ` and replicas ${replicas}` : ''} stay as they are (what a ReadWriteOnce claim needs); ${plan.target} is shared by every replica, and the operator requires Recreate and 1 replica only with a ReadWriteOnce claim: for restarts and upgrades without downtime run \`regctl config set rolloutStrategy=RollingUpdate${one ? ' replicas=2' : ''}\``,
    );
  }
  // Order of writes: claim, credentials, then the Config that makes the operator use them.
  plan.writes.sort((x, y) => order(x.kind) - order(y.kind));
  // Nothing to do means nothing at risk (idempotent re-runs need no --yes).
  if (!plan.writes.length) plan.risks.length = 0;
  return plan;
}

const order = (k: Write['kind']) => (k === 'PersistentVolumeClaim' ? 0 : k === 'Secret' ? 1 : 2);

/** Pre-flight of the claim; creates it when missing. Returns true when the claim is ReadWriteOnce only. */
function planPvc(p: PvcRequest, st: StorageState, plan: Plan): boolean {
  let modes: string[];
  const pvc = st.pvc;
  if (pvc) {
    modes = pvc.spec?.accessModes ?? [];
    if (pvc.metadata?.deletionTimestamp) {
      plan.problems.push({ message: `PersistentVolumeClaim ${p.claim} is being deleted`, hint: 'wait until it is gone and run again (regctl then creates it), or pick another --claim' });
      return false;
    }
    if (p.accessMode && !modes.includes(p.accessMode)) {
      plan.problems.push({
        message: `PersistentVolumeClaim ${p.claim} exists with access modes ${modes.join(',') || '(none)'}, not ${p.accessMode}`,
        hint: 'omit --access-mode to use the claim as it is, or choose another --claim',
      });
      return false;
    }
    const sc = pvc.spec?.storageClassName;
    if (p.storageClass && sc !== p.storageClass) plan.warnings.push(`PersistentVolumeClaim ${p.claim} exists with storage class ${sc ?? '(none)'}: --storage-class is ignored`);
    const size = pvc.spec?.resources?.requests?.storage;
    if (p.size && size !== p.size) plan.warnings.push(`PersistentVolumeClaim ${p.claim} exists with size ${size ?? '(unset)'}: --size is ignored`);
    // A WaitForFirstConsumer class binds the claim when the registry pod that uses it is scheduled: Pending is expected.
    const cls = st.storageClasses?.find((s) => s.metadata?.name === sc);
    if (pvc.status?.phase && pvc.status.phase !== 'Bound' && !waitsForFirstConsumer(pvc, cls)) plan.warnings.push(`PersistentVolumeClaim ${p.claim} is ${pvc.status.phase}: the registry pod waits until it is bound`);
    if (pvc.status?.phase !== 'Bound') {
      const need: ClaimNeeds = { className: sc ?? '', size: size ?? DEFAULT_SIZE, accessModes: modes, volumeMode: pvc.spec?.volumeMode, claim: { namespace: NAMES.registryNamespace, name: p.claim } };
      noVolumeWarning(cls, need, st, plan);
    }
    const noRwxRwo = accessModeProblem(p.claim, modes, 1, 'Recreate');
    if (noRwxRwo) {
      plan.problems.push({ message: noRwxRwo, hint: 'the registry needs a ReadWriteMany claim, or ReadWriteOnce with one replica; choose another --claim' });
      return false;
    }
  } else {
    const mode = p.accessMode ?? 'ReadWriteMany';
    modes = [mode];
    if (p.storageClass) {
      if (st.storageClasses && !st.storageClasses.some((s) => s.metadata?.name === p.storageClass)) {
        const names = st.storageClasses.map((s) => s.metadata?.name).filter(Boolean);
        plan.problems.push({ message: `storage class "${p.storageClass}" does not exist`, hint: names.length ? `available: ${names.join(', ')}` : 'this cluster has no storage classes; create the claim yourself and pass --claim' });
        return false;
      }
      if (!st.storageClasses) plan.warnings.push(`could not list storage classes: "${p.storageClass}" is not verified`);
    } else if (st.storageClasses && !st.storageClasses.some(isDefaultClass)) {
      plan.warnings.push('there is no default storage class: the claim stays Pending until a matching PersistentVolume exists (or pass --storage-class)');
    }
    const className: string | undefined = p.storageClass ?? st.storageClasses?.find(isDefaultClass)?.metadata?.name;
    const cls = className ? st.storageClasses?.find((s) => s.metadata?.name === className) : undefined;
    noVolumeWarning(cls, { className: className ?? '', size: p.size ?? DEFAULT_SIZE, accessModes: [mode], claim: { namespace: NAMES.registryNamespace, name: p.claim } }, st, plan);
    const obj: Json = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: p.claim, namespace: NAMES.registryNamespace },
      spec: {
        accessModes: [mode],
        resources: { requests: { storage: p.size ?? DEFAULT_SIZE } },
        volumeMode: 'Filesystem',
        ...(p.storageClass ? { storageClassName: p.storageClass } : {}),
      },
    };
    plan.writes.push({ action: 'create', kind: 'PersistentVolumeClaim', namespace: NAMES.registryNamespace, name: p.claim, body: obj, summary: `create PersistentVolumeClaim ${NAMES.registryNamespace}/${p.claim} (${p.size ?? DEFAULT_SIZE}, ${mode}${p.storageClass ? `, class ${p.storageClass}` : ''})` });
  }
  return !modes.includes('ReadWriteMany') && modes.includes('ReadWriteOnce');
}

/** A class that provisions nothing (kubernetes.io/no-provisioner) and no Available PV for the claim: it stays Pending. */
function noVolumeWarning(cls: Json | undefined, need: ClaimNeeds, st: StorageState, plan: Plan): void {
  if (!cannotProvision(cls) || !st.persistentVolumes || matchingVolume(st.persistentVolumes, need)) return;
  plan.warnings.push(
    `storage class ${need.className} has provisioner ${NO_PROVISIONER}: it creates no volumes, and no Available PersistentVolume matches the claim (${describeNeeds(need)}): PersistentVolumeClaim ${need.claim!.name} stays Pending and the registry pod unschedulable until you create one: ${createPvFix(need)}`,
  );
}


/** Pre-flight of the credentials and the secret write (only the keys that change); also used by `set-storage credentials`. */
export function planCredentials(req: StorageRequest, st: Pick<StorageState, 'userSecret' | 'mintedSecret'>, plan: Pick<Plan, 'writes' | 'warnings' | 'problems'>): void {
  const sets = CREDENTIAL_KEYS[req.type];
  if (!sets) return;
  const given = req.credentials ?? {};
  const secret = st.userSecret;
  const changed = Object.entries(given).filter(([k, v]) => secretValue(secret, k) !== v);
  const has = (k: string) => k in given || secretHas(secret, k);
  if (secret || Object.keys(given).length) {
    const complete = sets.find((set) => set.every(has));
    if (!complete) {
      const missing = sets[0]!.filter((k) => !has(k));
      plan.problems.push({
        message: `no ${req.type} credentials: secret ${NAMES.registryNamespace}/${USER_SECRET} would lack ${missing.join(', ')}${secret ? ' (while that secret exists the operator does not fall back to cluster-minted credentials)' : ''}`,
        hint: credentialHint(req.type),
      });
      return;
    }
    if (req.type === 'azure' && !(given.REGISTRY_STORAGE_AZURE_ACCOUNTKEY ?? secretValue(secret, 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY'))) {
      plan.problems.push({ message: `secret ${NAMES.registryNamespace}/${USER_SECRET} has an empty REGISTRY_STORAGE_AZURE_ACCOUNTKEY`, hint: credentialHint('azure') });
      return;
    }
  } else if (!st.mintedSecret) {
    plan.problems.push({
      message: `no ${req.type} credentials: neither ${USER_SECRET} nor the cluster-minted ${MINTED_SECRET} exists in ${NAMES.registryNamespace}`,
      hint: credentialHint(req.type),
    });
    return;
  } else {
    plan.warnings.push(`no credentials given: the operator uses the cluster-minted secret ${MINTED_SECRET}`);
  }
  if (!changed.length) return;
  const data = Object.fromEntries(changed.map(([k, v]) => [k, b64(v)]));
  const keys = changed.map(([k]) => k).join(', ');
  if (!secret) {
    plan.writes.push({
      action: 'create',
      kind: 'Secret',
      namespace: NAMES.registryNamespace,
      name: USER_SECRET,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: USER_SECRET, namespace: NAMES.registryNamespace }, type: 'Opaque', data },
      summary: `create Secret ${NAMES.registryNamespace}/${USER_SECRET} (keys ${keys})`,
    });
  } else {
    plan.writes.push({
      action: 'patch',
      kind: 'Secret',
      namespace: NAMES.registryNamespace,
      name: USER_SECRET,
      patchType: 'merge',
      body: { data },
      summary: `patch Secret ${NAMES.registryNamespace}/${USER_SECRET} (set ${keys}; other keys kept)`,
    });
  }
}

export function credentialHint(type: StorageType): string {
  switch (type) {
    case 's3':
      return 'pass --access-key-id ID and the secret with --secret-access-key-stdin (or --secret-access-key-file), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    case 'gcs':
      return 'pass the service-account key with --key-file FILE (or --key-file - to read stdin)';
    case 'azure':
      return 'pass the storage account key with --account-key-stdin or --account-key-file FILE, or set AZURE_STORAGE_KEY';
    case 'swift':
      return 'pass --username U with --password-stdin (or --password-file), or --application-credential-id/-name with --application-credential-secret-stdin; or set OS_USERNAME/OS_PASSWORD';
    case 'ibmcos':
      return 'pass the IAM API key with --api-key-stdin or --api-key-file FILE, or set IBMCLOUD_API_KEY';
    default:
      return '';
  }
}

/** A write as it may be printed: every Secret value replaced by REDACTED. */
export function redactWrite(w: Write): Write {
  if (w.kind !== 'Secret') return w;
  const body = structuredClone(w.body) as Json;
  for (const k of Object.keys(body.data ?? {})) body.data[k] = REDACTED;
  for (const k of Object.keys(body.stringData ?? {})) body.stringData[k] = REDACTED;
  return { ...w, body };
}

// ---------- reading the cluster ----------

/** null when missing; on 403 null, or undefined ("could not tell") with unknownWhenForbidden. */
async function orNull<T>(p: Promise<T>, unknownWhenForbidden = false): Promise<T | null | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isApiError(e, 404)) return null;
    if (isApiError(e, 403)) return unknownWhenForbidden ? undefined : null;
    throw e;
  }
}

export async function readStorageState(c: Cluster, config: Json, req: StorageRequest): Promise<StorageState> {
  const ns = NAMES.registryNamespace;
  const needsSecret = Boolean(CREDENTIAL_KEYS[req.type]);
  const caName: string | undefined = req.fields.trustedCA?.name;
  const [pvc, classes, volumes, userSecret, minted, images, trustedCA] = await Promise.all([
    req.type === 'pvc' ? c.getOrNull(R.pvc, req.pvc!.claim, ns) : Promise.resolve(null),
    req.type === 'pvc' ? orNull(c.list(R.storageClass, { namespace: null }).then((l) => l.items)) : Promise.resolve(null),
    req.type === 'pvc' ? orNull(c.list(R.persistentVolume, { namespace: null }).then((l) => l.items)) : Promise.resolve(null),
    needsSecret ? c.getOrNull(R.secret, USER_SECRET, ns) : Promise.resolve(null),
    needsSecret ? orNull(c.get(R.secret, MINTED_SECRET, ns)).then(Boolean) : Promise.resolve(false),
    imagesHeld(c, config),
    caName ? orNull(c.get(R.configMap, caName, NAMES.configNamespace), true) : Promise.resolve(undefined),
  ]);
  return { config, pvc, storageClasses: classes ?? null, persistentVolumes: volumes ?? null, userSecret, mintedSecret: minted, images, trustedCA };
}

/**
 * The rule for "a storage that holds images": some ImageStream has a tag whose image was pushed to this
 * registry (its dockerImageReference starts with the internal registry host). Imported images live in the
 * source registry and do not count. When image streams cannot be listed, a registry that is Available on
 * its configured storage is assumed to hold images.
 */
export async function imagesHeld(c: Cluster, config: Json): Promise<{ held: boolean; why: string }> {
  if (!storageTypes(config.spec?.storage).length && !storageTypes(config.status?.storage).length) return { held: false, why: 'no storage is configured' };
  const imageConfig = await orNull(c.get(R.imageConfig, NAMES.cluster));
  const host: string = imageConfig?.status?.internalRegistryHostname || NAMES.internalHost;
  try {
    let cont: string | undefined;
    do {
      const page = await c.list(R.imageStream, { namespace: null, limit: 500, continue: cont });
      for (const is of page.items) {
        for (const t of is.status?.tags ?? []) {
          if ((t.items ?? []).some((i: Json) => String(i.dockerImageReference ?? '').startsWith(`${host}/`))) {
            return { held: true, why: `e.g. ${is.metadata?.namespace}/${is.metadata?.name}:${t.tag} was pushed to it` };
          }
        }
      }
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { held: false, why: 'no image stream has an image pushed to the registry' };
  } catch (e) {
    if (!isApiError(e, 403) && !isApiError(e, 404)) throw e;
    const available = (config.status?.conditions ?? []).some((x: Json) => x.type === 'Available' && x.status === 'True');
    return available
      ? { held: true, why: 'image streams cannot be listed, and the registry is Available on this storage' }
      : { held: false, why: 'image streams cannot be listed, and the registry is not Available' };
  }
}
