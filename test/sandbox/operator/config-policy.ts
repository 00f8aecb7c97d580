// A minimal ACM governance stack on the sandbox's own cluster: the hub's policy propagator (Placement →
// decision, PlacementBinding → which Policies, the replicated Policy `<ns>.<name>` in the cluster namespace,
// the root Policy's status) and the managed cluster's config-policy-controller (ConfigurationPolicy
// object-templates evaluated against the store; enforce writes the objects). The sandbox is both the hub and
// its only managed cluster, `local-cluster`, as on a self-managed ACM hub. Behaviour read from
// open-cluster-management-io/governance-policy-propagator (controllers/common/common_status_update.go,
// controllers/propagator) and config-policy-controller (controllers/configurationpolicy_controller.go,
// configurationpolicy_utils.go); see docs/sandbox.md.
import type { KubeObject, ResourceType, Store } from '../types.ts';
import { type ComplianceType, compareObject } from './policy-match.ts';
import { HUB_TEMPLATE_ERROR, resolveHubTemplates } from './hub-templates.ts';
import { Loop, jsonEqual, now, tryGet, tryList } from './util.ts';

export const POLICIES = 'policy.open-cluster-management.io/policies';
export const PLACEMENT_BINDINGS = 'policy.open-cluster-management.io/placementbindings';
export const PLACEMENTS = 'cluster.open-cluster-management.io/placements';
export const CLUSTERSET_BINDINGS = 'cluster.open-cluster-management.io/managedclustersetbindings';
/** The ManagedClusterSets of an ACM hub: `default` (local-cluster's clusterset label) and `global` (every cluster). */
export const CLUSTER_SETS: readonly string[] = ['default', 'global'];
const POLICY_GROUP = 'policy.open-cluster-management.io';
const IMAGE_STREAMS = 'image.openshift.io/imagestreams';
const IMAGE_STREAM_TAGS = 'image.openshift.io/imagestreamtags';

/** The managed cluster the sandbox is (name, namespace and ManagedCluster labels of a self-managed hub). */
export const LOCAL_CLUSTER = 'local-cluster';
export const LOCAL_CLUSTER_LABELS: Readonly<Record<string, string>> = {
  'cluster.open-cluster-management.io/clusterset': 'default',
  'local-cluster': 'true',
  name: LOCAL_CLUSTER,
  openshiftVersion: '4.17.12',
  'openshiftVersion-major': '4',
  'openshiftVersion-major-minor': '4.17',
  vendor: 'OpenShift',
};

const HISTORY_MAX = 10;

type Compliance = 'Compliant' | 'NonCompliant' | 'Pending';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

function matches(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key] as string);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Placement predicates: any predicate's requiredClusterSelector.labelSelector matching selects the cluster. */
function predicatesMatch(p: KubeObject, labels: Record<string, string>): boolean {
  const preds = ((p.spec as any)?.predicates ?? []) as any[];
  if (!preds.length) return true;
  return preds.some((x) => matches(x?.requiredClusterSelector?.labelSelector, labels));
}

const boundCondition = (b: KubeObject) => (((b.status as any)?.conditions ?? []) as any[]).find((c) => c?.type === 'Bound');

/**
 * The placement scheduler's decision for the one cluster: only clustersets bound (Bound True) to the
 * placement's namespace count, narrowed to spec.clusterSets when given; then the predicates. Returns the
 * PlacementSatisfied condition as the scheduler words it.
 */
function schedule(store: Store, p: KubeObject, labels: Record<string, string>): { selected: boolean; reason: string; message: string } {
  const bound = tryList(store, CLUSTERSET_BINDINGS, p.metadata.namespace).filter((b) => boundCondition(b)?.status === 'True').map((b) => String((b.spec as any)?.clusterSet));
  const inSpec = (((p.spec as any)?.clusterSets ?? []) as string[]);
  const eligible = inSpec.length ? bound.filter((s) => inSpec.includes(s)) : bound;
  if (!bound.length) return { selected: false, reason: 'NoManagedClusterSetBindings', message: 'No valid ManagedClusterSetBindings found in placement namespace' };
  if (!eligible.length) return { selected: false, reason: 'NoIntersection', message: `None of ManagedClusterSets [${inSpec.join(',')}] is bound to placement namespace` };
  const member = eligible.some((s) => s === 'global' || labels['cluster.open-cluster-management.io/clusterset'] === s);
  if (!member) return { selected: false, reason: 'AllManagedClusterSetsEmpty', message: `All ManagedClusterSets [${[...new Set(eligible)].sort().join(',')}] have no member ManagedCluster` };
  if (!predicatesMatch(p, labels)) return { selected: false, reason: 'NoManagedClusterMatched', message: 'No ManagedCluster matches any of the cluster predicate' };
  return { selected: true, reason: 'AllDecisionsScheduled', message: 'All cluster decisions scheduled' };
}

function setCondition(conds: any[], type: string, status: string, reason: string, message?: string): any[] {
  const old = conds.find((c) => c?.type === type);
  if (old && old.status === status && old.reason === reason && old.message === message) return conds;
  const c = { type, status, reason, ...(message !== undefined ? { message } : {}), lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now() };
  return old ? conds.map((x) => (x === old ? c : x)) : [...conds, c];
}

interface TemplateResult {
  compliant: boolean;
  reason: string;
  message: string;
  related: Array<Record<string, unknown>>;
}

export function startConfigPolicyController(
  store: Store,
  opts: { labels?: Record<string, string>; onError?: (e: unknown) => void } = {},
): { stop(): void; loop: Loop } {
  const labels = { ...LOCAL_CLUSTER_LABELS, ...opts.labels };
  const loop = new Loop('config-policy', reconcile, opts.onError);
  let seq = 0; // event names stay distinct within one millisecond

  function typeFor(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return store.types().find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  // ImageStreamTags are a view of their image stream, which the controller reaches through the API server
  // (openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go): GET finds one when the tag's status
  // has an image (`imageFor`), DELETE takes the spec and the status tag out of the stream.
  function imageStreamTag(ns: string, name: string): KubeObject | undefined {
    const [stream, tag] = name.split(':');
    const is = stream ? tryGet(store, IMAGE_STREAMS, ns, stream) : undefined;
    const st = (((is?.status as any)?.tags ?? []) as any[]).find((x) => x?.tag === tag);
    return st?.items?.[0]?.image ? { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name, namespace: ns } } : undefined;
  }

  function deleteImageStreamTag(ns: string, name: string): void {
    const [stream, tag] = name.split(':');
    const is = tryGet(store, IMAGE_STREAMS, ns, stream!);
    if (!is) return;
    const spec = { ...(is.spec as any), tags: (((is.spec as any)?.tags ?? []) as any[]).filter((x) => x?.name !== tag) };
    const updated = store.update(IMAGE_STREAMS, { ...is, spec });
    const status = { ...(updated.status as any), tags: (((updated.status as any)?.tags ?? []) as any[]).filter((x) => x?.tag !== tag) };
    store.update(IMAGE_STREAMS, { ...updated, status }, { subresource: 'status' });
  }

  /**
   * Whether the controller reads the policy's objects through its watch cache: evaluationInterval `watch` (or unset)
   * for the state the policy is in now (configurationpolicy_controller.go `currentlyUsingWatch`).
   */
  function usingWatch(cp: any, compliant: string | undefined): boolean {
    const interval = cp?.spec?.evaluationInterval ?? {};
    const v = compliant === 'Compliant' ? interval.compliant : interval.noncompliant;
    return v === undefined || v === '' || v === 'watch';
  }

  function evaluate(tpl: any, enforce: boolean, index = 0, watch = true): TemplateResult {
    const ctype = String(tpl?.complianceType ?? 'musthave').toLowerCase() as ComplianceType;
    const def = (tpl?.objectDefinition ?? {}) as Record<string, any>;
    const t = typeFor(String(def.apiVersion ?? ''), String(def.kind ?? ''));
    if (!t) {
      const msg = `couldn't find mapping resource with kind ${def.kind} in API version ${def.apiVersion}, please check if you have CRD deployed`;
      return { compliant: false, reason: 'K8s error', message: msg, related: [] };
    }
    const name = def.metadata?.name as string | undefined;
    const ns = t.namespaced ? (def.metadata?.namespace as string | undefined) : undefined;
    // The watch cache cannot hold a kind whose API has no watch (kubernetes-dependency-watches client/cache.go:
    // ErrResourceUnwatchable); handleObjects reports it instead of evaluating the template.
    if (watch && name && !t.verbs.includes('watch')) {
      const message = `Error with object-template at index [${index}], it may require evaluationInterval to be set: ${t.group}/${t.version}, Kind=${t.kind} cannot be watched: watch not supported on this resource`;
      return { compliant: false, reason: 'unwatchable resource', message, related: [] };
    }
    if (!name || (t.namespaced && !ns)) {
      return { compliant: false, reason: 'K8s error', message: 'the sandbox evaluates only object-templates with a name (and a namespace for namespaced kinds)', related: [] };
    }
    const key = `${t.group}/${t.resource}`;
    const ist = key === IMAGE_STREAM_TAGS && ctype === 'mustnothave';
    const existing = ist ? imageStreamTag(ns!, name) : tryGet(store, key, ns, name);
    const where = ns ? ` in namespace ${ns}` : '';
    const names = `${t.resource} [${name}]`;
    const related = (compliant: boolean, reason: string) => [{
      compliant: compliant ? 'Compliant' : 'NonCompliant',
      object: { apiVersion: def.apiVersion, kind: def.kind, metadata: { name, ...(ns ? { namespace: ns } : {}) } },
      reason,
    }];
    if (ctype === 'mustnothave') {
      if (!existing) return { compliant: true, reason: 'K8s `must not have` object already missing', message: `${names} missing as expected${where}`, related: related(true, 'Resource not found as expected') };
      if (!enforce) return { compliant: false, reason: 'K8s has a `must not have` object', message: `${names} found${where}`, related: related(false, 'Resource found but should not exist') };
      try {
        if (ist) deleteImageStreamTag(ns!, name);
        else store.delete(key, ns, name);
      } catch { /* already gone */ }
      return { compliant: true, reason: 'K8s deletion success', message: `${names} was deleted successfully${where}`, related: related(true, 'K8s deletion success') };
    }
    if (!existing) {
      if (!enforce) return { compliant: false, reason: 'K8s does not have a `must have` object', message: `${names} not found${where}`, related: related(false, 'Resource not found but should exist') };
      const obj = structuredClone(def) as KubeObject;
      obj.metadata = { ...obj.metadata, name, ...(ns ? { namespace: ns } : {}) };
      try {
        store.create(key, obj);
      } catch (e) {
        return { compliant: false, reason: 'K8s creation error', message: `${names}${where} is missing, and cannot be created, reason: \`${(e as Error).message}\``, related: related(false, 'K8s creation error') };
      }
      return { compliant: true, reason: 'K8s creation success', message: `${names} was created successfully${where}`, related: related(true, 'K8s creation success') };
    }
    const mdType = String(tpl?.metadataComplianceType ?? ctype).toLowerCase() as ComplianceType;
    const { desired, mismatch } = compareObject(def, existing as Record<string, unknown>, ctype, mdType);
    if (!mismatch) return { compliant: true, reason: 'K8s `must have` object already exists', message: `${names} found as specified${where}`, related: related(true, 'Resource found as expected') };
    if (!enforce) return { compliant: false, reason: 'K8s does not have a `must have` object', message: `${names} found but not as specified${where}`, related: related(false, 'Resource found but does not match') };
    try {
      store.update(key, desired as KubeObject);
    } catch {
      // e.g. a value the schema rejects: the object stays as it was
      return { compliant: false, reason: 'K8s does not have a `must have` object', message: `${names} found but not as specified${where}`, related: related(false, 'Resource found but does not match') };
    }
    return { compliant: true, reason: 'K8s update success', message: `${names} was updated successfully${where}`, related: related(true, 'K8s update success') };
  }

  /** Bindings of this policy whose Placement selects the cluster: the root status's `placement` entries. */
  function placementsOf(policy: KubeObject): { entries: Array<Record<string, string>>; selected: boolean } {
    const ns = policy.metadata.namespace!;
    const entries: Array<Record<string, string>> = [];
    let selected = false;
    for (const pb of tryList(store, PLACEMENT_BINDINGS, ns)) {
      const subjects = ((pb as any).subjects ?? []) as any[];
      if (!subjects.some((s) => s?.apiGroup === POLICY_GROUP && s?.kind === 'Policy' && s?.name === policy.metadata.name)) continue;
      const ref = (pb as any).placementRef ?? {};
      if (ref.kind !== 'Placement' || ref.apiGroup !== 'cluster.open-cluster-management.io') continue;
      entries.push({ placement: ref.name, placementBinding: pb.metadata.name! });
      const p = tryGet(store, PLACEMENTS, ns, ref.name);
      if (p && schedule(store, p, labels).selected) selected = true;
    }
    entries.sort((a, b) => String(a.placementBinding).localeCompare(String(b.placementBinding)));
    return { entries, selected };
  }

  /** The clusterset-binding controller (Bound) and the placement scheduler's status (no PlacementDecisions). */
  function syncPlacements(): void {
    for (const b of tryList(store, CLUSTERSET_BINDINGS)) {
      const found = CLUSTER_SETS.includes(String((b.spec as any)?.clusterSet));
      const conds = setCondition(((b.status as any)?.conditions ?? []) as any[], 'Bound', found ? 'True' : 'False', found ? 'ClusterSetBound' : 'ClusterSetNotFound', '');
      if (jsonEqual(conds, (b.status as any)?.conditions)) continue;
      store.update(CLUSTERSET_BINDINGS, { ...b, status: { ...(b.status as object), conditions: conds } }, { subresource: 'status' });
    }
    for (const p of tryList(store, PLACEMENTS)) {
      const d = schedule(store, p, labels);
      const status = (p.status ?? {}) as Record<string, any>;
      let conds = setCondition(status.conditions ?? [], 'PlacementMisconfigured', 'False', 'Succeedconfigured', 'Placement configurations check pass');
      conds = setCondition(conds, 'PlacementSatisfied', d.selected ? 'True' : 'False', d.reason, d.message);
      const next = { ...status, conditions: conds, numberOfSelectedClusters: d.selected ? 1 : 0 };
      if (jsonEqual(status, next)) continue;
      store.update(PLACEMENTS, { ...p, status: next }, { subresource: 'status' });
    }
  }

  function ensureClusterNamespace(): void {
    if (tryGet(store, '/namespaces', undefined, LOCAL_CLUSTER)) return;
    store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LOCAL_CLUSTER } });
  }

  /** The root spec with hub templates resolved; a template that fails keeps its text and gets the error annotation. */
  function replicatedSpec(spec: any, rootNs: string): any {
    const out = structuredClone(spec ?? {});
    for (const pt of (out['policy-templates'] ?? []) as any[]) {
      if (!pt?.objectDefinition) continue;
      const r = resolveHubTemplates(store, pt.objectDefinition, rootNs, LOCAL_CLUSTER);
      if ('value' in r) pt.objectDefinition = r.value;
      else {
        const md = (pt.objectDefinition.metadata ??= {});
        md.annotations = { ...md.annotations, [HUB_TEMPLATE_ERROR]: r.error };
      }
    }
    return out;
  }

  /** The replicated Policy's status: one details entry per ConfigurationPolicy, history newest first. */
  function replicatedStatus(rep: KubeObject | undefined, spec: any, enforceRoot: boolean, rootName: string): Record<string, unknown> {
    const prev = ((rep?.status as any)?.details ?? []) as any[];
    const details: any[] = [];
    for (const pt of (spec?.['policy-templates'] ?? []) as any[]) {
      const cp = pt?.objectDefinition;
      if (cp?.kind !== 'ConfigurationPolicy') continue;
      const tplName = String(cp.metadata?.name ?? '');
      const action = String(spec?.remediationAction ?? cp.spec?.remediationAction ?? 'inform').toLowerCase();
      const enforce = enforceRoot || action === 'enforce';
      const tplError = cp.metadata?.annotations?.[HUB_TEMPLATE_ERROR] as string | undefined;
      // The template-sync of the managed cluster reports a hub template error instead of creating the policy.
      const watch = usingWatch(cp, prev.find((d) => d?.templateMeta?.name === tplName)?.compliant);
      const results = tplError ? [] : ((cp.spec?.['object-templates'] ?? []) as any[]).map((t, i) => evaluate(t, enforce, i, watch));
      const compliant = !tplError && results.every((r) => r.compliant);
      const state: Compliance = compliant ? 'Compliant' : 'NonCompliant';
      const message = tplError
        ? `NonCompliant; template-error; ${tplError}`
        : `${state}${results.map((r) => `; ${r.compliant ? 'notification' : 'violation'} - ${r.message}`).join('')}`;
      const old = prev.find((d) => d?.templateMeta?.name === tplName);
      let history = (old?.history ?? []) as any[];
      if (history[0]?.message !== message) {
        const eventName = `${rootName}.${(BigInt(Date.now()) * 1_000_000n + BigInt(++seq)).toString(16)}`;
        history = [{ eventName, lastTimestamp: now(), message }, ...history].slice(0, HISTORY_MAX);
      }
      details.push({ compliant: state, history, templateMeta: { name: tplName } });
    }
    const overall: Compliance | undefined = details.length ? (details.some((d) => d.compliant !== 'Compliant') ? 'NonCompliant' : 'Compliant') : undefined;
    return { ...(overall ? { compliant: overall } : {}), details };
  }

  function reconcile(): void {
    syncPlacements();
    const roots = tryList(store, POLICIES).filter((p) => !p.metadata.labels?.['policy.open-cluster-management.io/root-policy']);
    const wanted = new Set<string>();
    for (const root of roots) {
      const rootName = `${root.metadata.namespace}.${root.metadata.name}`;
      const spec = root.spec as any;
      const { entries, selected } = placementsOf(root);
      let perCluster: Array<Record<string, string>> = [];
      if (selected && !spec?.disabled) {
        wanted.add(rootName);
        ensureClusterNamespace();
        const repSpec = replicatedSpec(spec, root.metadata.namespace!);
        let rep = tryGet(store, POLICIES, LOCAL_CLUSTER, rootName);
        const repLabels = {
          'policy.open-cluster-management.io/cluster-name': LOCAL_CLUSTER,
          'policy.open-cluster-management.io/cluster-namespace': LOCAL_CLUSTER,
          'policy.open-cluster-management.io/root-policy': rootName,
        };
        if (!rep) {
          rep = store.create(POLICIES, { apiVersion: `${POLICY_GROUP}/v1`, kind: 'Policy', metadata: { name: rootName, namespace: LOCAL_CLUSTER, labels: repLabels }, spec: repSpec });
        } else if (!jsonEqual(rep.spec, repSpec)) {
          rep = store.update(POLICIES, { ...rep, spec: repSpec });
        }
        const status = replicatedStatus(rep, repSpec, String(spec?.remediationAction ?? '').toLowerCase() === 'enforce', rootName);
        if (!jsonEqual(rep.status ?? {}, status)) store.update(POLICIES, { ...rep, status }, { subresource: 'status' });
        const compliant = status.compliant as string | undefined;
        perCluster = [{ clustername: LOCAL_CLUSTER, clusternamespace: LOCAL_CLUSTER, ...(compliant ? { compliant } : {}) }];
      }
      const states = perCluster.map((c) => c.compliant);
      const rootCompliant = !states.length ? undefined
        : states.includes('NonCompliant') ? 'NonCompliant'
          : states.includes('Pending') ? 'Pending'
            : states.every((s) => s === 'Compliant') ? 'Compliant' : undefined;
      const rootStatus: Record<string, unknown> = {
        ...(rootCompliant ? { compliant: rootCompliant } : {}),
        ...(entries.length ? { placement: entries } : {}),
        ...(perCluster.length ? { status: perCluster } : {}),
      };
      if (!jsonEqual(root.status ?? {}, rootStatus)) store.update(POLICIES, { ...root, status: rootStatus }, { subresource: 'status' });
    }
    // Replicated policies whose root is gone or no longer placed are removed, as the propagator does.
    for (const rep of tryList(store, POLICIES, LOCAL_CLUSTER)) {
      const root = rep.metadata.labels?.['policy.open-cluster-management.io/root-policy'];
      if (root && !wanted.has(root)) store.delete(POLICIES, LOCAL_CLUSTER, rep.metadata.name!);
    }
  }

  // Any change may concern an object-template; the loop coalesces bursts and writes only what differs.
  const off = store.on((key) => {
    if (key !== '/events') loop.trigger();
  });
  loop.trigger();
  return { loop, stop: () => (off(), loop.stop()) };
}
