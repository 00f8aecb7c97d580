// The storage check: one type configured, the claim Bound with access modes that fit replicas and rollout
// strategy, the credential keys present (behaviours d.6, d.7), and the operator's own storage errors.
import type { Json } from '../cluster/cluster.js';
import { accessModeProblem, storageTypes } from '../cluster/registry-config.js';
import { CREDENTIAL_KEYS, MINTED_SECRET, USER_SECRET, type StorageType } from '../cluster/storage.js';
import { NAMES, R } from '../cluster/resources.js';
import { emptySecretKeys, getClaim, secretKeys } from '../cluster/doctor-reads.js';
import { isApiError } from '../cluster/api-error.js';
import type { CheckImpl } from './engine.js';
import type { DoctorEnv } from './env.js';
import { fail, ok, warn, type Outcome } from './model.js';
import { sh } from './shell.js';
import { NO_PROVISIONER, cannotProvision, createPvFix, describeNeeds, isDefaultClass, matchingVolume, waitsForFirstConsumer, type ClaimNeeds } from '../cluster/static-volumes.js';

export interface StorageFacts {
  spec: Json;
  status: Json;
  /** The claim (pvc only): null when missing. */
  claim?: Json | null;
  /** Key names of image-registry-private-configuration-user: null = no such secret, undefined = not readable. */
  userSecretKeys?: string[] | null;
  userSecretEmptyKeys?: string[];
  /** installer-cloud-credentials exists; undefined = not readable. */
  mintedSecret?: boolean;
  /** The cluster's storage classes, read when the claim is not Bound; undefined = not readable. */
  storageClasses?: Json[];
  /** The cluster's PersistentVolumes, read when the claim is not Bound; undefined = not readable. */
  persistentVolumes?: Json[];
}

const NS = NAMES.registryNamespace;

/** The set-storage command that (re)configures this storage with its current location and fresh credentials. */
export function storageFix(type: string, fields: Json = {}): string {
  const v = (x: unknown, placeholder: string) => sh(typeof x === 'string' && x ? x : placeholder);
  switch (type) {
    case 's3':
      return `printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage s3 --bucket ${v(fields.bucket, 'BUCKET')} --region ${v(fields.region, 'REGION')} --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin`;
    case 'gcs':
      return `regctl set-storage gcs --bucket ${v(fields.bucket, 'BUCKET')} --key-file KEY.json`;
    case 'azure':
      return `printf %s "$AZURE_STORAGE_KEY" | regctl set-storage azure --account-name ${v(fields.accountName, 'ACCOUNT')} --container ${v(fields.container, 'CONTAINER')} --account-key-stdin`;
    case 'swift':
      return `printf %s "$OS_PASSWORD" | regctl set-storage swift --auth-url ${v(fields.authURL, 'AUTH_URL')} --container ${v(fields.container, 'CONTAINER')} --username "$OS_USERNAME" --password-stdin`;
    case 'ibmcos':
      return `printf %s "$IBMCLOUD_API_KEY" | regctl set-storage ibmcos --bucket ${v(fields.bucket, 'BUCKET')} --location ${v(fields.location, 'LOCATION')} --api-key-stdin`;
    case 'pvc':
      return `regctl set-storage pvc${fields.claim && fields.claim !== NAMES.defaultClaim ? ` --claim ${sh(fields.claim)}` : ''}`;
    default:
      return 'regctl set-storage pvc';
  }
}

/** The command that replaces only the credentials of the configured storage (bucket, encryption … stay as they are). */
export function credentialsFix(type: string): string {
  switch (type) {
    case 's3':
      return 'printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin';
    case 'gcs':
      return 'regctl set-storage credentials gcs --key-file KEY.json';
    case 'azure':
      return 'printf %s "$AZURE_STORAGE_KEY" | regctl set-storage credentials azure --account-key-stdin';
    case 'swift':
      return 'printf %s "$OS_PASSWORD" | regctl set-storage credentials swift --username "$OS_USERNAME" --password-stdin';
    case 'ibmcos':
      return 'printf %s "$IBMCLOUD_API_KEY" | regctl set-storage credentials ibmcos --api-key-stdin';
    default:
      return storageFix(type);
  }
}

const cond = (status: Json, type: string): Json | undefined => (status.conditions ?? []).find((c: Json) => c.type === type);
const firstLine = (s: unknown) => String(s ?? '').split('\n')[0]!;

/** The operator's storage error, if its conditions carry one. */
function operatorStorageError(status: Json): string | undefined {
  const progressing = cond(status, 'Progressing');
  if (progressing?.status === 'True' && /storage/i.test(progressing.message ?? '') && progressing.reason === 'Error') return `Progressing: ${firstLine(progressing.message)}`;
  const available = cond(status, 'Available');
  if (available?.status === 'False' && /storage/i.test(available.message ?? '')) return `Available: ${firstLine(available.message)}`;
  const exists = cond(status, 'StorageExists');
  if (exists?.status === 'False') return `StorageExists False (${exists.reason ?? ''}): ${firstLine(exists.message)}`;
  return undefined;
}

/**
 * Why a claim is not Bound, as the PV controller and the scheduler decide it (kube pv_controller.go syncUnboundClaim,
 * scheduler volumebinding): a WaitForFirstConsumer class binds only once a pod using the claim is scheduled (the
 * scheduler then sets volume.kubernetes.io/selected-node), so such a claim is not the reason the registry pods are
 * not running; a claim with no class (nil) on a cluster without a default class is never provisioned; a class
 * with provisioner kubernetes.io/no-provisioner never provisions either: the claim needs an Available
 * PersistentVolume that matches it (pv_controller.go findProvisionablePlugin finds no plugin of that name; the
 * scheduler fails the pod with "didn't find available persistent volumes to bind").
 */
function unboundClaim(claim: Json, name: string, phase: string, f: StorageFacts, evidence: string[], details: Record<string, unknown>): Outcome {
  const describe = `kubectl describe pvc ${sh(name)} -n ${NS}`;
  const classes = f.storageClasses;
  const className: string | undefined = claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? claim.spec?.storageClassName;
  if (phase === 'Pending' && classes) {
    if (className === undefined || className === '') {
      const def = classes.find(isDefaultClass);
      evidence.push(`storage class: ${className === '' ? '"" (none asked for)' : 'none named'}; default storage class: ${def?.metadata?.name ?? 'none'}`);
      if (className === undefined && !def) {
        const first: string | undefined = classes[0]?.metadata?.name;
        return fail(`PersistentVolumeClaim ${name} names no storage class and the cluster has no default storage class: it stays Pending until a matching PersistentVolume exists`,
          first ? `kubectl annotate storageclass ${sh(first)} storageclass.kubernetes.io/is-default-class=true` : describe, evidence, details);
      }
      if (className === '') return fail(`PersistentVolumeClaim ${name} asks for no storage class (storageClassName ""): it stays Pending until a matching PersistentVolume without a class exists`, describe, evidence, details);
    } else {
      const sc = classes.find((c) => c.metadata?.name === className);
      if (!sc) {
        evidence.push(`storage class ${className}: does not exist`);
        return fail(`PersistentVolumeClaim ${name} asks for storage class ${className}, which does not exist: it stays Pending`, describe, evidence, details);
      }
      const mode: string = sc.volumeBindingMode ?? 'Immediate';
      const node: string | undefined = claim.metadata?.annotations?.['volume.kubernetes.io/selected-node'];
      evidence.push(`storage class ${className}: provisioner ${sc.provisioner ?? '(none)'}, volumeBindingMode ${mode}${node ? `; selected node ${node}` : ''}`);
      if (cannotProvision(sc) && f.persistentVolumes) {
        const need: ClaimNeeds = { className, size: claim.spec?.resources?.requests?.storage ?? '1Gi', accessModes: claim.spec?.accessModes ?? [], volumeMode: claim.spec?.volumeMode, claim: { namespace: NS, name } };
        if (!matchingVolume(f.persistentVolumes, need)) {
          evidence.push(`PersistentVolumes: ${f.persistentVolumes.length}, none Available that matches (${describeNeeds(need)})`);
          return fail(`PersistentVolumeClaim ${name} stays Pending: storage class ${className} has provisioner ${NO_PROVISIONER}, which creates no volumes, and no Available PersistentVolume matches the claim (${describeNeeds(need)})`, createPvFix(need), evidence, details);
        }
      }
      if (waitsForFirstConsumer(claim, sc)) {
        const waits = `PersistentVolumeClaim ${name} is Pending until a pod that uses it is scheduled (storage class ${className} binds WaitForFirstConsumer)`;
        if ((f.spec.replicas ?? 1) === 0) return warn(`${waits}, and the registry has 0 replicas`, 'regctl config set replicas=1', evidence, details);
        return warn(`${waits}: no registry pod is scheduled yet (see the pods check)`, `kubectl get events -n ${NS} --field-selector reason=FailedScheduling`, evidence, details);
      }
    }
  }
  return fail(`PersistentVolumeClaim ${name} is ${phase}: the registry pods wait until it is bound`, describe, evidence, details);
}

export function evaluateStorage(f: StorageFacts): Outcome {
  const storage: Json = f.spec.storage ?? {};
  const types = storageTypes(storage);
  const evidence: string[] = [];
  const opError = operatorStorageError(f.status);
  if (opError) evidence.push(`operator: ${opError}`);
  if (!types.length) {
    return fail('no storage is configured (spec.storage names no type)', 'regctl set-storage pvc', [...evidence, 'spec.storage: {}', 'other types: regctl set-storage s3|gcs|azure|swift|ibmcos --help'], { types });
  }
  if (types.length > 1) {
    return fail(`exactly one storage type should be configured, got ${types.length}: [${types.join(' ')}]`, storageFix(types[0]!, storage[types[0]!]), [...evidence, `spec.storage types: ${types.join(', ')}`], { types });
  }
  const type = types[0]!;
  const fields: Json = storage[type] ?? {};
  const described = Object.entries(fields)
    .filter(([, x]) => typeof x !== 'object' && x !== '')
    .map(([k, x]) => `${k}=${x}`)
    .join(' ');
  evidence.unshift(`spec.storage.${type}${described ? `: ${described}` : ''}${storage.managementState ? ` (storage ${storage.managementState})` : ''}`);
  if (type === 'oss') return fail('oss storage is not supported by the registry operator (it behaves as "storage not configured")', 'regctl set-storage pvc', evidence, { type });

  if (type === 'pvc') {
    const claimName: string = fields.claim || NAMES.defaultClaim;
    const claim = f.claim;
    if (claim === null || claim === undefined) {
      return fail(`PersistentVolumeClaim ${NS}/${claimName} does not exist`, storageFix('pvc', { claim: claimName }), evidence, { type, claim: claimName });
    }
    const modes: string[] = claim.spec?.accessModes ?? [];
    const phase: string = claim.status?.phase ?? 'Pending';
    evidence.push(`PersistentVolumeClaim ${claimName}: ${phase}, ${modes.join(',') || 'no access modes'}${claim.spec?.resources?.requests?.storage ? `, ${claim.spec.resources.requests.storage}` : ''}`);
    if (claim.metadata?.deletionTimestamp) return fail(`PersistentVolumeClaim ${claimName} is being deleted`, storageFix('pvc', { claim: claimName }), evidence, { type, claim: claimName });
    const replicas: number = f.spec.replicas ?? 1;
    const strategy: string = f.spec.rolloutStrategy || 'RollingUpdate';
    evidence.push(`replicas ${replicas}, rolloutStrategy ${strategy}`);
    const problem = accessModeProblem(claimName, modes, replicas, strategy);
    if (problem) {
      const fix = modes.includes('ReadWriteOnce') ? 'regctl config set replicas=1 rolloutStrategy=Recreate' : `regctl set-storage pvc --claim ${sh(claimName + '-rwx')} --access-mode ReadWriteMany`;
      return fail(problem, fix, evidence, { type, claim: claimName });
    }
    if (phase !== 'Bound') return unboundClaim(claim, claimName, phase, f, evidence, { type, claim: claimName });
  }

  const sets = CREDENTIAL_KEYS[type as StorageType];
  let credentialNote = '';
  if (sets) {
    if (f.userSecretKeys === undefined) {
      credentialNote = ' (credentials not checked: secrets are not readable)';
      evidence.push(`secret ${NS}/${USER_SECRET}: not readable (forbidden)`);
    } else if (f.userSecretKeys) {
      const have = new Set(f.userSecretKeys);
      evidence.push(`secret ${NS}/${USER_SECRET}: keys ${f.userSecretKeys.join(', ') || '(none)'}`);
      if (!sets.some((set) => set.every((k) => have.has(k)))) {
        const missing = sets[0]!.filter((k) => !have.has(k));
        return fail(`secret ${NS}/${USER_SECRET} lacks ${missing.join(', ')} (while it exists the operator does not fall back to ${MINTED_SECRET})`, credentialsFix(type), evidence, { type, missingKeys: missing });
      }
      if (type === 'azure' && f.userSecretEmptyKeys?.includes('REGISTRY_STORAGE_AZURE_ACCOUNTKEY')) {
        return fail(`secret ${NS}/${USER_SECRET} has an empty REGISTRY_STORAGE_AZURE_ACCOUNTKEY`, credentialsFix(type), evidence, { type, missingKeys: ['REGISTRY_STORAGE_AZURE_ACCOUNTKEY'] });
      }
      credentialNote = `, credentials in ${USER_SECRET}`;
    } else if (f.mintedSecret === false) {
      evidence.push(`secret ${NS}/${USER_SECRET}: absent`, `secret ${NS}/${MINTED_SECRET}: absent`);
      return fail(`no ${type} credentials: neither ${USER_SECRET} nor the cluster-minted ${MINTED_SECRET} exists in ${NS}`, credentialsFix(type), evidence, { type, missingKeys: sets[0] });
    } else {
      evidence.push(`secret ${NS}/${USER_SECRET}: absent; ${MINTED_SECRET}: ${f.mintedSecret ? 'present' : 'not readable'}`);
      credentialNote = `, cluster-minted credentials (${MINTED_SECRET})`;
    }
  }
  if (opError) return fail(`the operator reports a storage error: ${opError}`, storageFix(type, fields), evidence, { type });
  if (type === 'emptyDir') return warn('emptyDir storage is ephemeral: every image pushed is lost when a registry pod restarts', 'regctl set-storage pvc', evidence, { type });
  return ok(`${type}${described ? ` (${described})` : ''}${credentialNote}`, evidence, { type });
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isApiError(e, 403)) return undefined;
    throw e;
  }
}

export const storageCheck: CheckImpl<DoctorEnv> = {
  id: 'storage',
  async run(env) {
    const c = await env.cluster();
    const cfg = await env.config();
    if (!cfg) return fail('configs.imageregistry.operator.openshift.io/cluster does not exist', 'regctl logs --operator');
    const spec: Json = cfg.spec ?? {};
    const types = storageTypes(spec.storage);
    const type = types.length === 1 ? types[0]! : undefined;
    const facts: StorageFacts = { spec, status: cfg.status ?? {} };
    if (type === 'pvc') facts.claim = await getClaim(c, spec.storage.pvc?.claim || NAMES.defaultClaim);
    if (facts.claim && facts.claim.status?.phase !== 'Bound') {
      [facts.storageClasses, facts.persistentVolumes] = await Promise.all([
        orUndefined(c.list(R.storageClass, { namespace: null }).then((l) => l.items)),
        orUndefined(c.list(R.persistentVolume, { namespace: null }).then((l) => l.items)),
      ]);
    }
    if (type && CREDENTIAL_KEYS[type as StorageType]) {
      facts.userSecretKeys = await orUndefined(secretKeys(c, USER_SECRET));
      if (type === 'azure' && facts.userSecretKeys) facts.userSecretEmptyKeys = await emptySecretKeys(c, USER_SECRET);
      if (facts.userSecretKeys === null) facts.mintedSecret = await orUndefined(secretKeys(c, MINTED_SECRET).then((k) => k !== null));
    }
    return evaluateStorage(facts);
  },
};
