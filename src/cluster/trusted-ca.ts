// additionalTrustedCA (openshift-behaviors.md d.5): a ConfigMap in openshift-config whose keys are registry hosts
// (`host..port`) and values PEM CAs, named by image.config.openshift.io/cluster spec.additionalTrustedCA.name.
// Writes are read-modify-write with resourceVersion, retried on 409, so concurrent edits of other keys survive.
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { backoffMs, sleep } from './retry.js';
import { failedPartWay } from './partial.js';
import { R, NAMES } from './resources.js';
import { NotFoundError, RegctlError, UsageError } from '../errors.js';
import { decodeKey } from '../pki/host.js';
import { inspectStored, MAX_CONFIGMAP_BYTES, sameCertificates, type CertSummary } from '../pki/pem.js';
import { target, type Step } from '../plan/types.js';

export const CONFIG_NAMESPACE = NAMES.configNamespace;
export const DEFAULT_CONFIGMAP = 'registry-cas';

export interface SetEntry {
  key: string;
  display: string;
  pem: string;
  certs: CertSummary[];
}

export interface RemoveEntry {
  key: string;
  display: string;
}

export type ChangeAction = 'add' | 'replace' | 'unchanged' | 'remove' | 'absent';

export interface TrustChange {
  key: string;
  host: string;
  action: ChangeAction;
  /** The certificates being replaced or removed, when readable. */
  previous?: CertSummary[];
}

export interface TrustPlan {
  namespace: string;
  configMapName: string;
  /** What image.config referenced before (undefined: nothing). */
  referencedBefore?: string;
  /** The ConfigMap as it will be (null for a remove with nothing to remove from). */
  configMap: Json | null;
  configMapWrite: 'create' | 'update' | 'none';
  imageConfigPatch: Json | null;
  changes: TrustChange[];
}

export interface TrustRequest {
  set?: SetEntry[];
  remove?: RemoveEntry[];
  /** --configmap: used when image.config references nothing yet. */
  configMapName?: string;
}

/** Pure: the plan for one read of image.config and the ConfigMap. Other keys are always kept. */
export function planTrust(req: TrustRequest, imageConfig: Json, current: Json | null): TrustPlan {
  const referenced: string | undefined = imageConfig?.spec?.additionalTrustedCA?.name || undefined;
  if (referenced && req.configMapName && req.configMapName !== referenced) {
    throw new UsageError(
      `image.config.openshift.io/cluster already references ConfigMap ${referenced}; --configmap ${req.configMapName} would replace it`,
      `drop --configmap: regctl adds the keys to ${CONFIG_NAMESPACE}/${referenced} and keeps its other keys`,
    );
  }
  const name = referenced ?? req.configMapName ?? DEFAULT_CONFIGMAP;
  const base: Json = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: CONFIG_NAMESPACE } };
  const data: Record<string, string> = { ...(base.data ?? {}) };
  const binaryData: Record<string, string> = { ...(base.binaryData ?? {}) };
  const changes: TrustChange[] = [];
  let dirty = false;

  const stored = (key: string): string | Buffer | undefined => (key in data ? data[key] : key in binaryData ? Buffer.from(binaryData[key]!, 'base64') : undefined);
  for (const e of req.set ?? []) {
    const old = stored(e.key);
    const previous = old === undefined ? undefined : inspectStored(old).certs;
    const same = previous !== undefined && previous.length > 0 && sameCertificates(previous, e.certs);
    if (same) {
      changes.push({ key: e.key, host: e.display, action: 'unchanged' });
      continue;
    }
    data[e.key] = e.pem;
    delete binaryData[e.key];
    dirty = true;
    changes.push({ key: e.key, host: e.display, action: old === undefined ? 'add' : 'replace', ...(previous?.length ? { previous } : {}) });
  }
  for (const e of req.remove ?? []) {
    const old = stored(e.key);
    if (old === undefined) {
      changes.push({ key: e.key, host: e.display, action: 'absent' });
      continue;
    }
    const previous = inspectStored(old).certs;
    delete data[e.key];
    delete binaryData[e.key];
    dirty = true;
    changes.push({ key: e.key, host: e.display, action: 'remove', ...(previous.length ? { previous } : {}) });
  }

  const removeOnly = !(req.set ?? []).length;
  if (removeOnly && (!referenced || !current)) {
    return { namespace: CONFIG_NAMESPACE, configMapName: name, referencedBefore: referenced, configMap: current ? clean(current) : null, configMapWrite: 'none', imageConfigPatch: null, changes };
  }
  const next: Json = { ...base, data: sortKeys(data) };
  if (Object.keys(binaryData).length) next.binaryData = sortKeys(binaryData);
  else delete next.binaryData;
  const size = [...Object.entries(data), ...Object.entries(binaryData)].reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (dirty && size > MAX_CONFIGMAP_BYTES) {
    throw new UsageError(`ConfigMap ${CONFIG_NAMESPACE}/${name} would exceed 1 MiB`, 'remove CAs that are no longer needed (regctl trust-ca remove HOST), or trim the bundles');
  }
  return {
    namespace: CONFIG_NAMESPACE,
    configMapName: name,
    referencedBefore: referenced,
    configMap: clean(next),
    configMapWrite: !current ? 'create' : dirty ? 'update' : 'none',
    imageConfigPatch: referenced || removeOnly ? null : { spec: { additionalTrustedCA: { name } } },
    changes,
  };
}

/**
 * The writes of one plan as plan steps (src/plan), in the order that never leaves image.config pointing at a missing
 * ConfigMap: create or change the ConfigMap first, then point image.config at it. A change of an existing ConfigMap
 * is a merge patch of its data carrying the resourceVersion that was read (a 409 when someone wrote in between, as
 * the update it replaces); image.config's patch carries its resourceVersion too.
 */
export function trustSteps(plan: TrustPlan, imageConfig: Json, current: Json | null): Step[] {
  const steps: Step[] = [];
  const cm = target(R.configMap, plan.configMapName, CONFIG_NAMESPACE);
  const where = `ConfigMap ${CONFIG_NAMESPACE}/${plan.configMapName}`;
  const what = plan.changes.filter((c) => c.action !== 'unchanged' && c.action !== 'absent').map((c) => `${c.action} ${c.key}`).join(', ');
  if (plan.configMapWrite === 'create') steps.push({ action: 'create', target: cm, summary: `create ${where} (${what})`, object: plan.configMap! });
  else if (plan.configMapWrite === 'update') {
    const set = (next: Record<string, string> | undefined, cur: Record<string, string> | undefined): Json | undefined => {
      const out: Json = {};
      for (const [k, v] of Object.entries(next ?? {})) if (cur?.[k] !== v) out[k] = v;
      for (const k of Object.keys(cur ?? {})) if (!(k in (next ?? {}))) out[k] = null;
      return Object.keys(out).length ? out : undefined;
    };
    const data = set(plan.configMap!.data, current?.data);
    const binaryData = set(plan.configMap!.binaryData, current?.binaryData);
    const changed = plan.changes.filter((c) => c.action === 'add' || c.action === 'replace').map((c) => c.key);
    steps.push({
      action: 'patch',
      target: cm,
      summary: `patch ${where} (${what})`,
      patchType: 'merge',
      patch: { metadata: { resourceVersion: current?.metadata?.resourceVersion }, ...(data ? { data } : {}), ...(binaryData ? { binaryData } : {}) },
      // As desired state: the keys this change sets (the ConfigMap's other keys are not regctl's).
      applyConfig: { data: Object.fromEntries(changed.map((k) => [k, plan.configMap!.data[k]])) },
      ...(plan.changes.some((c) => c.action === 'remove') ? { removes: plan.changes.filter((c) => c.action === 'remove').map((c) => `data.${c.key}`) } : {}),
    });
  }
  if (plan.imageConfigPatch) {
    steps.push({
      action: 'patch',
      target: target(R.imageConfig, NAMES.cluster),
      summary: `patch image.config.openshift.io/cluster (spec.additionalTrustedCA.name: ${plan.configMapName})`,
      patchType: 'merge',
      patch: { ...plan.imageConfigPatch, metadata: { resourceVersion: imageConfig.metadata?.resourceVersion } },
    });
  }
  return steps;
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Sends one step (the plan engine); without it the writes go straight through the Cluster. */
  send?: (step: Step) => Promise<void>;
  signal?: AbortSignal;
  maxAttempts?: number;
  /** Told about each conflict that is retried. */
  onRetry?: (attempt: number, what: string) => void;
}

export interface ApplyResult extends TrustPlan {
  attempts: number;
  written: boolean;
  /** The writes of the last plan, as plan steps (what --dry-run shows). */
  steps: Step[];
  /** image.config as read for the last plan. */
  imageConfig: Json;
}

/** Read, plan, write; on 409 (someone else wrote in between) read again and re-plan. */
export async function applyTrust(c: Cluster, req: TrustRequest, o: ApplyOptions = {}): Promise<ApplyResult> {
  const wrote: { created?: string; updated?: string } = {};
  try {
    return await applyTrustOnce(c, req, o, wrote);
  } catch (e) {
    // The ConfigMap was written but image.config never pointed at it: delete what this run created, or name it.
    const name = wrote.created ?? wrote.updated;
    if (!name) throw e;
    throw await failedPartWay(e, {
      step: 'pointing image.config.openshift.io/cluster at the CA ConfigMap',
      left: `ConfigMap ${CONFIG_NAMESPACE}/${name} (${wrote.created ? 'created' : 'updated'}), not referenced by image.config.openshift.io/cluster spec.additionalTrustedCA`,
      finish: 'regctl trust-ca add … (the same command again)',
      undoCommand: wrote.created ? `oc delete configmap ${name} -n ${CONFIG_NAMESPACE}` : `regctl trust-ca remove HOST… (the hosts just added)`,
      undo: wrote.created ? () => c.delete(R.configMap, name, { namespace: CONFIG_NAMESPACE }) : undefined,
    });
  }
}

async function applyTrustOnce(c: Cluster, req: TrustRequest, o: ApplyOptions, wrote: { created?: string; updated?: string }): Promise<ApplyResult> {
  const max = o.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const imageConfig = await readImageConfig(c);
    const name = imageConfig.spec?.additionalTrustedCA?.name || req.configMapName || DEFAULT_CONFIGMAP;
    const current = await c.getOrNull(R.configMap, name, CONFIG_NAMESPACE);
    const plan = planTrust(req, imageConfig, current);
    const needed = plan.configMapWrite !== 'none' || plan.imageConfigPatch !== null;
    const steps = trustSteps(plan, imageConfig, current);
    if (o.dryRun || !needed) return { ...plan, attempts: attempt, written: false, steps, imageConfig };
    let step = `ConfigMap ${CONFIG_NAMESPACE}/${plan.configMapName}`;
    try {
      if (o.send) {
        for (const s of steps) {
          if (s.target.ref === R.imageConfig) step = 'image.config.openshift.io/cluster';
          await o.send(s);
          if (s.target.ref === R.configMap && plan.imageConfigPatch) {
            if (s.action === 'create') wrote.created = plan.configMapName;
            else if (!wrote.created) wrote.updated = plan.configMapName;
          }
        }
      } else if (plan.configMapWrite === 'create') {
        await c.create(R.configMap, plan.configMap!, { namespace: CONFIG_NAMESPACE });
        if (plan.imageConfigPatch) wrote.created = plan.configMapName;
      } else if (plan.configMapWrite === 'update') {
        // Everything but data/binaryData is sent back as read (labels, annotations, owner references…).
        const body: Json = { ...current!, data: plan.configMap!.data };
        if (plan.configMap!.binaryData) body.binaryData = plan.configMap!.binaryData;
        else delete body.binaryData;
        await c.update(R.configMap, body);
        if (plan.imageConfigPatch && !wrote.created) wrote.updated = plan.configMapName;
      }
      if (plan.imageConfigPatch && !o.send) {
        step = 'image.config.openshift.io/cluster';
        const patch = { ...plan.imageConfigPatch, metadata: { resourceVersion: imageConfig.metadata.resourceVersion } };
        await c.patch(R.imageConfig, NAMES.cluster, patch, 'merge');
      }
      return { ...plan, attempts: attempt, written: true, steps, imageConfig };
    } catch (e) {
      const retriable = isApiError(e, 409) || (isApiError(e, 404) && plan.configMapWrite === 'update' && step.startsWith('ConfigMap'));
      if (!retriable) throw e;
      if (attempt >= max) {
        throw new RegctlError(`${step} kept changing under us: gave up after ${attempt} conflicting writes`, {
          hint: 'something else is rewriting it constantly; check for a controller or script editing it, then run the command again',
        });
      }
      o.onRetry?.(attempt, step);
      await sleep(backoffMs(attempt), o.signal);
    }
  }
}

export interface TrustItem {
  host: string;
  key: string;
  certificates: CertSummary[];
  expired: boolean;
  /** The value is not a readable PEM certificate. */
  error?: string;
  /** Whether the operator copied the key into openshift-image-registry/image-registry-certificates (null: unreadable). */
  inRegistryCertificates: boolean | null;
}

export interface TrustList {
  apiVersion: 'regctl.openshift.io/v1';
  kind: 'TrustedCAList';
  namespace: string;
  /** image.config spec.additionalTrustedCA.name, or null when nothing is referenced. */
  configMap: string | null;
  configMapFound: boolean;
  items: TrustItem[];
}

export async function listTrust(c: Cluster, now = new Date()): Promise<TrustList> {
  const imageConfig = await readImageConfig(c);
  const name: string | undefined = imageConfig.spec?.additionalTrustedCA?.name || undefined;
  const out: TrustList = { apiVersion: 'regctl.openshift.io/v1', kind: 'TrustedCAList', namespace: CONFIG_NAMESPACE, configMap: name ?? null, configMapFound: false, items: [] };
  if (!name) return out;
  const [cm, certs] = await Promise.all([
    c.getOrNull(R.configMap, name, CONFIG_NAMESPACE),
    c.getOrNull(R.configMap, NAMES.certificatesConfigMap, NAMES.registryNamespace).catch((e) => {
      if (isApiError(e, 403)) return undefined;
      throw e;
    }),
  ]);
  if (!cm) return out;
  out.configMapFound = true;
  const synced = certs === undefined ? null : new Set(Object.keys({ ...(certs?.data ?? {}), ...(certs?.binaryData ?? {}) }));
  const values: Array<[string, string | Buffer]> = [
    ...Object.entries<string>(cm.data ?? {}),
    ...Object.entries<string>(cm.binaryData ?? {}).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, 'base64')]),
  ];
  for (const [key, value] of values.sort(([a], [b]) => a.localeCompare(b))) {
    const r = inspectStored(value, now);
    out.items.push({
      host: decodeKey(key),
      key,
      certificates: r.certs,
      expired: r.certs.some((x) => x.expired),
      ...(r.error ? { error: r.error } : {}),
      inRegistryCertificates: synced === null ? null : synced.has(key),
    });
  }
  return out;
}

async function readImageConfig(c: Cluster): Promise<Json> {
  const ic = await c.getOrNull(R.imageConfig, NAMES.cluster);
  if (!ic) {
    throw new NotFoundError('image.config.openshift.io/cluster does not exist', { hint: 'the cluster creates it at install time; check you are on an OpenShift 4 cluster' });
  }
  return ic;
}

/** The object as a user would write it: no server-managed metadata. */
function clean(cm: Json): Json {
  const md = cm.metadata ?? {};
  const metadata: Json = { name: md.name, namespace: md.namespace };
  if (md.labels && Object.keys(md.labels).length) metadata.labels = md.labels;
  if (md.annotations && Object.keys(md.annotations).length) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _, ...rest } = md.annotations;
    if (Object.keys(rest).length) metadata.annotations = rest;
  }
  const out: Json = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  if (cm.immutable !== undefined) out.immutable = cm.immutable;
  out.data = cm.data ?? {};
  if (cm.binaryData) out.binaryData = cm.binaryData;
  return out;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
