// In-memory object store with Kubernetes semantics (resourceVersion, uid, generation, selectors,
// pagination, watch with bounded history, finalizers) plus the pod log store.
import { randomUUID } from 'node:crypto';
import { StoreError } from './types.ts';
import type {
  KubeObject, ListOptions, ListResult, LogLine, PodLogSource, PodLogStore, ResourceKey, ResourceType, Store, WatchEvent,
} from './types.ts';
import { defaultResourceTypes, keyOf, qualifiedKind, qualifiedResource } from './resources.ts';
import { nowLogTime, parseLogTime } from './log-time.ts';
import { admitBatch } from './apiserver/batch-admission.ts';
import { defaultStorageClassOnCreate } from './operator/volumes.ts';
import { prepareWorkloadForCreate, WORKLOAD_STRATEGY_KEYS } from './apiserver/workload-strategy.ts';
import { prepareImageForCreate } from './apiserver/image-strategy.ts';
import { imageStreamNameError, prepareImageStream } from './apiserver/imagestream-strategy.ts';

export interface StoreOptions {
  /** Resource table; defaults to resources.ts defaultResourceTypes(). */
  types?: ResourceType[];
  /** Number of change events kept for watch resumption (older → 410 Gone). Default 1000. */
  historyLimit?: number;
}

interface HistoryEntry {
  rv: number;
  key: ResourceKey;
  event: WatchEvent;
}

const clone = <T>(v: T): T => structuredClone(v);

// ---------- label / field selectors ----------

type Req = { key: string; op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

function splitTopLevel(sel: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function badSelector(sel: string, why: string): StoreError {
  return new StoreError(400, 'BadRequest', `unable to parse requirement: ${why}`, { selector: sel });
}

export function parseLabelSelector(sel: string): Req[] {
  const reqs: Req[] = [];
  for (const part of splitTopLevel(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '' || m![3]!.trim() === '') });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      reqs.push({ key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]!] });
    } else if ((m = part.match(/^!\s*([^\s!=(),]+)$/))) {
      reqs.push({ key: m[1]!, op: '!exists', values: [] });
    } else if ((m = part.match(/^([^\s!=(),]+)$/))) {
      reqs.push({ key: m[1]!, op: 'exists', values: [] });
    } else {
      throw badSelector(sel, `found '${part}', expected: !, identifier, or 'end of string'`);
    }
  }
  return reqs;
}

export function matchLabels(reqs: Req[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq': return has && v === r.values[0];
      case 'neq': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
      case 'exists': return has;
      case '!exists': return !has;
    }
  });
}

/** Field selectors: metadata.name, metadata.namespace (=, ==, !=). Other fields → BadRequest. */
const COMMON_FIELDS = new Set(['status.phase', 'spec.nodeName', 'type']);
// What kube-apiserver's event strategy offers (kubectl describe lists a pod's events with involvedObject.*).
const EVENT_FIELDS = new Set([
  'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
  'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type',
]);

function fieldMatcher(sel: string, kind: string): (o: KubeObject) => boolean {
  const tests: Array<(o: KubeObject) => boolean> = [];
  for (const part of splitTopLevel(sel)) {
    const m = part.match(/^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new StoreError(400, 'BadRequest', `invalid selector: '${sel}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    let get: (o: KubeObject) => unknown;
    if (field === 'metadata.name') get = (o) => o.metadata.name;
    else if (field === 'metadata.namespace') get = (o) => o.metadata.namespace ?? '';
    else if (COMMON_FIELDS.has(field) || (kind === 'Event' && EVENT_FIELDS.has(field))) {
      const path = field === 'source' ? ['source', 'component'] : field.split('.');
      get = (o) => path.reduce<any>((acc, k) => (acc == null ? undefined : acc[k]), o) ?? '';
    } else {
      throw new StoreError(400, 'BadRequest', `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`, { kind });
    }
    tests.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => tests.every((t) => t(o));
}

// ---------- pod logs ----------

function createLogStore(): PodLogStore {
  const cur = new Map<string, LogLine[]>();
  const prev = new Map<string, LogLine[]>();
  const followers = new Map<string, Set<{ onLine: (l: LogLine) => void; onEnd: () => void }>>();
  const sources = new Map<string, PodLogSource>();
  const k = (ns: string, pod: string, c: string) => `${ns}/${pod}/${c}`;
  return {
    append(ns, pod, container, line, time) {
      const t = time === undefined ? nowLogTime() : typeof time === 'string' ? parseLogTime(time) : { time, nanos: 0 };
      const l = { ...t, line };
      const key = k(ns, pod, container);
      if (!cur.has(key)) cur.set(key, []);
      cur.get(key)!.push(l);
      for (const f of followers.get(key) ?? []) f.onLine({ ...l });
    },
    read(ns, pod, container, opts) {
      const src = opts?.previous ? prev : cur;
      return (src.get(k(ns, pod, container)) ?? []).map((l) => ({ ...l }));
    },
    follow(ns, pod, container, onLine, onEnd) {
      const key = k(ns, pod, container);
      const f = { onLine, onEnd };
      if (!followers.has(key)) followers.set(key, new Set());
      followers.get(key)!.add(f);
      return () => {
        followers.get(key)?.delete(f);
      };
    },
    restart(ns, pod, container) {
      const key = k(ns, pod, container);
      prev.set(key, cur.get(key) ?? []);
      cur.set(key, []);
      sources.delete(key);
    },
    setSource(ns, pod, container, source) {
      if (source) sources.set(k(ns, pod, container), source);
      else sources.delete(k(ns, pod, container));
    },
    source(ns, pod, container) {
      return sources.get(k(ns, pod, container));
    },
    remove(ns, pod) {
      const prefix = `${ns}/${pod}/`;
      for (const m of [cur, prev, sources]) for (const key of [...m.keys()]) if (key.startsWith(prefix)) m.delete(key);
      for (const [key, set] of [...followers]) {
        if (!key.startsWith(prefix)) continue;
        followers.delete(key);
        for (const f of set) f.onEnd();
      }
    },
  };
}

// ---------- the store ----------

function objKey(ns: string | undefined, name: string): string {
  return `${ns ?? ''}/${name}`;
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(rest);
}

/**
 * What the real API servers' admission/strategies do on write, done here so in-process controllers get it too:
 * route host allocation, Secret stringData → data, Service clusterIP, the Image strategy (image-strategy.ts).
 */
export function admit(key: ResourceKey, obj: KubeObject, old: KubeObject | undefined, get: (k: ResourceKey, name: string) => KubeObject | undefined): void {
  if (key === 'route.openshift.io/routes') {
    const spec = (obj.spec ??= {}) as Record<string, unknown>;
    if (!spec.host) {
      const oldHost = (old?.spec as Record<string, unknown> | undefined)?.host;
      if (oldHost) spec.host = oldHost;
      else {
        // openshift-apiserver's routingConfig.subdomain: spec.appsDomain when set, else spec.domain (operator/routes.ts).
        const ingress = get('config.openshift.io/ingresses', 'cluster')?.spec as Record<string, unknown> | undefined;
        const domain = (ingress?.appsDomain as string) || (ingress?.domain as string) || 'router.default.svc.cluster.local';
        spec.host = `${obj.metadata.name!.replace(/\./g, '-')}-${obj.metadata.namespace}.${domain}`;
      }
    }
  }
  if (key === 'batch/jobs' || key === 'batch/cronjobs') admitBatch(key, obj, !old, old);
  if (!old && WORKLOAD_STRATEGY_KEYS.has(key)) prepareWorkloadForCreate(key, obj);
  if (key === 'image.openshift.io/images' && !old) prepareImageForCreate(obj);
  if (key === 'image.openshift.io/imagestreams') prepareImageStream(obj, old);
  if (key === '/secrets') {
    const sd = obj.stringData as Record<string, string> | undefined;
    if (sd) {
      const data = (obj.data ??= {}) as Record<string, string>;
      for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      delete obj.stringData;
    }
    if (!obj.type) obj.type = 'Opaque';
  }
  if (key === '/services') {
    const spec = (obj.spec ??= {}) as Record<string, unknown>;
    if (!spec.type) spec.type = 'ClusterIP';
    if (!spec.clusterIP && spec.type !== 'ExternalName') {
      const oldIp = (old?.spec as Record<string, unknown> | undefined)?.clusterIP;
      spec.clusterIP = oldIp ?? `172.30.${Math.floor(Math.random() * 254) + 1}.${Math.floor(Math.random() * 254) + 1}`;
      spec.clusterIPs = [spec.clusterIP];
    }
  }
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.:~@]*[a-z0-9])?$/;

/** The 422 of a name the create strategy refuses (also for dry-run creates, which validate as real ones do). */
export function invalidName(t: ResourceType, name: string): StoreError | undefined {
  if (t.group === 'image.openshift.io' && t.resource === 'imagestreams') {
    const why = imageStreamNameError(name);
    return why ? new StoreError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: metadata.name: ${why}`, { name, group: t.group, kind: t.kind, causes: [{ reason: 'FieldValueInvalid', message: why, field: 'metadata.name' }] }) : undefined;
  }
  if (NAME_RE.test(name) && name.length <= 253) return undefined;
  const message = `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return new StoreError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: metadata.name: ${message}`, { name, group: t.group, kind: t.kind, causes: [{ reason: 'FieldValueInvalid', message, field: 'metadata.name' }] });
}

export function createStore(opts: StoreOptions = {}): Store {
  const typeList = opts.types ?? defaultResourceTypes();
  const typeMap = new Map(typeList.map((t) => [keyOf(t), t]));
  const historyLimit = opts.historyLimit ?? 1000;
  const data = new Map<ResourceKey, Map<string, KubeObject>>();
  const history: HistoryEntry[] = [];
  /** Events with rv <= compactedRv are no longer replayable. */
  let compactedRv = 0;
  let rv = 0;
  const listeners = new Set<(key: ResourceKey, e: WatchEvent) => void>();
  const watchers = new Set<{ key: ResourceKey; ns?: string; cb: (e: WatchEvent) => void }>();
  const logs = createLogStore();

  function typeOrThrow(key: ResourceKey): ResourceType {
    const t = typeMap.get(key);
    if (!t) throw new StoreError(404, 'NotFound', `the server could not find the requested resource (${key})`);
    return t;
  }
  function bucket(key: ResourceKey): Map<string, KubeObject> {
    let b = data.get(key);
    if (!b) data.set(key, (b = new Map()));
    return b;
  }
  const b2 = (k: ResourceKey) => bucket(k);
  function notFound(t: ResourceType, name: string): StoreError {
    return new StoreError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, { name, group: t.group, kind: t.resource });
  }
  function invalid(t: ResourceType, name: string, field: string, message: string, reason = 'FieldValueInvalid'): StoreError {
    return new StoreError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: ${field}: ${message}`, {
      name, group: t.group, kind: t.kind, causes: [{ reason, message, field }],
    });
  }
  function emit(key: ResourceKey, event: WatchEvent): void {
    const ev: WatchEvent = { type: event.type, object: clone(event.object), ...(event.prevObject ? { prevObject: clone(event.prevObject) } : {}) };
    history.push({ rv, key, event: ev });
    while (history.length > historyLimit) compactedRv = history.shift()!.rv;
    for (const w of [...watchers]) {
      if (w.key !== key) continue;
      if (w.ns !== undefined && w.ns !== (ev.object.metadata.namespace ?? '')) continue;
      w.cb(clone(ev));
    }
    for (const l of [...listeners]) {
      try {
        l(key, clone(ev));
      } catch {
        // a failing controller must not break writes
      }
    }
  }
  function withTypeMeta(t: ResourceType, o: KubeObject): KubeObject {
    const { apiVersion: _a, kind: _k, metadata, ...rest } = o;
    return { apiVersion: t.group ? `${t.group}/${t.version}` : t.version, kind: t.kind, metadata, ...rest };
  }

  function reallyDelete(key: ResourceKey, t: ResourceType, cur: KubeObject): KubeObject {
    const b = bucket(key);
    b.delete(objKey(cur.metadata.namespace, cur.metadata.name!));
    orderCache.delete(key);
    rv++;
    const gone = clone(cur);
    gone.metadata.resourceVersion = String(rv);
    emit(key, { type: 'DELETED', object: gone });
    if (key === '/pods') logs.remove(cur.metadata.namespace!, cur.metadata.name!);
    if (key === '/namespaces') {
      // Cascade: the namespace controller's job, done at once here.
      for (const [k2, t2] of typeMap) {
        if (!t2.namespaced) continue;
        for (const o of [...bucket(k2).values()]) if (o.metadata.namespace === cur.metadata.name) reallyDelete(k2, t2, o);
      }
    }
    void t;
    return clone(gone);
  }

  // Keys of each bucket in list order (namespace, then name), rebuilt after a create or delete changed the set.
  const sortKey = (o: KubeObject) => `${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
  const orderCache = new Map<ResourceKey, Array<{ sk: string; k: string }>>();
  function sortedKeys(key: ResourceKey): Array<{ sk: string; k: string }> {
    let order = orderCache.get(key);
    if (!order) {
      order = [...bucket(key)].map(([k, o]) => ({ sk: sortKey(o), k }));
      order.sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
      orderCache.set(key, order);
    }
    return order;
  }
  /** The first index whose sort key is greater than sk. */
  function upperBound(order: Array<{ sk: string }>, sk: string): number {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]!.sk <= sk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  const store: Store = {
    logs,
    types: () => clone(typeList),
    type: (key) => {
      const t = typeMap.get(key);
      return t ? clone(t) : undefined;
    },

    get(key, namespace, name) {
      const t = typeOrThrow(key);
      const o = bucket(key).get(objKey(t.namespaced ? namespace : undefined, name));
      return o ? clone(o) : undefined;
    },

    list(key, namespace, lo: ListOptions = {}) {
      const t = typeOrThrow(key);
      const b = bucket(key);
      const nsOnly = t.namespaced && namespace ? namespace : undefined;
      const labelReqs = lo.labelSelector ? parseLabelSelector(lo.labelSelector) : undefined;
      const fieldOk = lo.fieldSelector ? fieldMatcher(lo.fieldSelector, t.kind) : undefined;
      const matches = (o: KubeObject) => (nsOnly === undefined || o.metadata.namespace === nsOnly) && (!labelReqs || matchLabels(labelReqs, o.metadata.labels)) && (!fieldOk || fieldOk(o));
      let listRv = String(rv);
      let after: string | undefined;
      if (lo.continue) {
        let c: { k: string; rv: string };
        try {
          c = JSON.parse(Buffer.from(lo.continue, 'base64url').toString('utf8'));
          if (typeof c.k !== 'string') throw new Error();
        } catch {
          throw new StoreError(400, 'BadRequest', 'continue key is not valid: invalid continue token');
        }
        if (Number(c.rv) <= compactedRv) {
          throw new StoreError(410, 'Gone', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
        }
        listRv = c.rv;
        after = c.k;
      }
      // Walk the keys in order from the continue point; stop once a page and one more item are found.
      const order = sortedKeys(key);
      const want = lo.limit && lo.limit > 0 ? lo.limit + 1 : Infinity;
      const items: KubeObject[] = [];
      for (let i = after === undefined ? 0 : upperBound(order, after); i < order.length && items.length < want; i++) {
        const o = b.get(order[i]!.k);
        if (o && matches(o)) items.push(o);
      }
      const res: ListResult = { items: [], resourceVersion: listRv };
      if (items.length === want) {
        items.length = lo.limit!;
        res.continue = Buffer.from(JSON.stringify({ k: sortKey(items[items.length - 1]!), rv: listRv })).toString('base64url');
      }
      res.items = items.map(clone);
      return res;
    },

    create(key, input) {
      const t = typeOrThrow(key);
      const obj = withTypeMeta(t, clone(input));
      obj.metadata = obj.metadata ?? {};
      const md = obj.metadata;
      if (!t.namespaced) delete md.namespace;
      else if (!md.namespace) throw invalid(t, md.name ?? '', 'metadata.namespace', 'Required value', 'FieldValueRequired');
      if (!md.name) {
        if (md.generateName) {
          const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
          let suffix = '';
          for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
          md.name = md.generateName + suffix;
        } else {
          throw invalid(t, '', 'metadata.name', 'Required value: name or generateName is required', 'FieldValueRequired');
        }
      }
      const badName = invalidName(t, md.name);
      if (badName) throw badName;
      if (t.namespaced && key !== '/namespaces' && typeMap.has('/namespaces') && !bucket('/namespaces').has(objKey(undefined, md.namespace!))) {
        throw new StoreError(404, 'NotFound', `namespaces "${md.namespace}" not found`, { name: md.namespace, kind: 'namespaces' });
      }
      const b = bucket(key);
      const k = objKey(md.namespace, md.name);
      if (b.has(k)) {
        throw new StoreError(409, 'AlreadyExists', `${qualifiedResource(t)} "${md.name}" already exists`, { name: md.name, group: t.group, kind: t.resource });
      }
      md.uid = randomUUID();
      admit(key, obj, undefined, (k, n) => b2(k).get(objKey(undefined, n)));
      if (key === '/persistentvolumeclaims') defaultStorageClassOnCreate(obj, [...b2('storage.k8s.io/storageclasses').values()]);
      rv++;
      md.resourceVersion = String(rv);
      md.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      md.generation = 1;
      delete md.deletionTimestamp;
      if (key === '/namespaces') {
        obj.spec = { finalizers: ['kubernetes'], ...(obj.spec as object) };
        obj.status = { phase: 'Active', ...(obj.status as object) };
        md.labels = { 'kubernetes.io/metadata.name': md.name, ...md.labels };
      }
      b.set(k, obj);
      orderCache.delete(key);
      emit(key, { type: 'ADDED', object: obj });
      return clone(obj);
    },

    update(key, input, uo) {
      const t = typeOrThrow(key);
      const md = input.metadata ?? {};
      const ns = t.namespaced ? md.namespace : undefined;
      const name = md.name;
      if (!name) throw invalid(t, '', 'metadata.name', 'Required value: name is required', 'FieldValueRequired');
      const b = bucket(key);
      const cur = b.get(objKey(ns, name));
      if (!cur) throw notFound(t, name);
      if (md.resourceVersion && md.resourceVersion !== cur.metadata.resourceVersion) {
        throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: t.group, kind: t.resource });
      }
      const hasStatusSub = t.subresources?.includes('status') ?? false;
      let next: KubeObject;
      if (uo?.subresource === 'status' && uo.whole) {
        // A status strategy that writes more than status (openshift-apiserver's ImageStream StatusStrategy keeps only
        // spec.tags/dockerImageRepository; imagestream-strategy.ts prepared the object): what the store never takes
        // from a request is still the stored one.
        next = withTypeMeta(t, clone(input));
        const m = next.metadata;
        m.uid = cur.metadata.uid;
        m.creationTimestamp = cur.metadata.creationTimestamp;
        m.generation = cur.metadata.generation;
        if (t.namespaced) m.namespace = cur.metadata.namespace;
        else delete m.namespace;
        if (cur.metadata.deletionTimestamp) m.deletionTimestamp = cur.metadata.deletionTimestamp;
        else delete m.deletionTimestamp;
      } else if (uo?.subresource === 'status') {
        next = clone(cur);
        if (input.status === undefined) delete next.status;
        else next.status = clone(input.status);
      } else {
        next = withTypeMeta(t, clone(input));
        // (`withStatus`: the strategy itself wrote status on a main-resource write, as the image stream one does.)
        if (hasStatusSub && !uo?.withStatus) {
          if (cur.status === undefined) delete next.status;
          else next.status = clone(cur.status);
        }
        const m = next.metadata;
        m.uid = cur.metadata.uid;
        m.creationTimestamp = cur.metadata.creationTimestamp;
        m.namespace = cur.metadata.namespace;
        if (!t.namespaced) delete m.namespace;
        m.generation = cur.metadata.generation;
        if (cur.metadata.deletionTimestamp) m.deletionTimestamp = cur.metadata.deletionTimestamp;
        else delete m.deletionTimestamp;
        delete m.generateName;
        if (cur.metadata.generateName) m.generateName = cur.metadata.generateName;
        // (`admitted`: the API handler already ran the strategy on this object; the image stream one is not idempotent.)
        if (!uo?.admitted) admit(key, next, cur, (k, n) => b2(k).get(objKey(undefined, n)));
        if (specOf(next) !== specOf(cur)) m.generation = (cur.metadata.generation ?? 0) + 1;
        if (key === '/namespaces' && cur.status) next.status = clone(cur.status);
      }
      // Nothing changed → no new resourceVersion, no event (like a no-op update in kube).
      const strip = (o: KubeObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
      if (strip(next) === strip(cur)) return clone(cur);
      rv++;
      next.metadata.resourceVersion = String(rv);
      if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length)) {
        b.set(objKey(ns, name), next);
        rv--;
        return reallyDelete(key, t, next);
      }
      b.set(objKey(ns, name), next);
      emit(key, { type: 'MODIFIED', object: next, prevObject: cur });
      return clone(next);
    },

    delete(key, namespace, name) {
      const t = typeOrThrow(key);
      const b = bucket(key);
      const cur = b.get(objKey(t.namespaced ? namespace : undefined, name));
      if (!cur) throw notFound(t, name);
      if (cur.metadata.finalizers?.length) {
        if (cur.metadata.deletionTimestamp) return clone(cur);
        rv++;
        const next = clone(cur);
        next.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        next.metadata.resourceVersion = String(rv);
        b.set(objKey(cur.metadata.namespace, name), next);
        emit(key, { type: 'MODIFIED', object: next, prevObject: cur });
        return clone(next);
      }
      return reallyDelete(key, t, cur);
    },

    watch(key, namespace, fromResourceVersion, onEvent) {
      const t = typeOrThrow(key);
      const ns = t.namespaced && namespace ? namespace : undefined;
      const match = (o: KubeObject) => ns === undefined || o.metadata.namespace === ns;
      const w = { key, ns, cb: onEvent };
      if (fromResourceVersion === undefined || fromResourceVersion === '' || fromResourceVersion === '0') {
        const snapshot = [...bucket(key).values()].filter(match).map(clone);
        watchers.add(w);
        for (const o of snapshot) onEvent({ type: 'ADDED', object: o });
      } else {
        const from = Number(fromResourceVersion);
        if (!Number.isFinite(from) || from < 0) {
          throw new StoreError(400, 'BadRequest', `invalid resource version "${fromResourceVersion}"`);
        }
        if (from < compactedRv) {
          throw new StoreError(410, 'Gone', `too old resource version: ${fromResourceVersion} (${compactedRv + 1})`);
        }
        const replay = history.filter((h) => h.rv > from && h.key === key && match(h.event.object)).map((h) => clone(h.event));
        watchers.add(w);
        for (const e of replay) onEvent(e);
      }
      return () => {
        watchers.delete(w);
      };
    },

    restore(key, objects) {
      const t = typeOrThrow(key);
      const b = bucket(key);
      const ready: Array<[string, KubeObject]> = [];
      const seen = new Set<string>();
      for (const input of objects) {
        const obj = withTypeMeta(t, input);
        const md = (obj.metadata ??= {});
        if (!t.namespaced) delete md.namespace;
        const k = objKey(md.namespace, md.name ?? '');
        if (!md.name || b.has(k) || seen.has(k)) {
          throw new StoreError(409, 'AlreadyExists', `${qualifiedResource(t)} "${md.name ?? ''}" already exists`, { name: md.name, group: t.group, kind: t.resource });
        }
        seen.add(k);
        ready.push([k, obj]);
      }
      rv++;
      const version = String(rv);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      for (const [k, obj] of ready) {
        const md = obj.metadata;
        md.uid ??= randomUUID();
        md.resourceVersion = version;
        md.creationTimestamp ??= now;
        md.generation ??= 1;
        b.set(k, obj);
      }
      orderCache.delete(key);
    },

    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return store;
}
