// Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` sends) turns a
// get/list/watch answer into a meta.k8s.io Table. Built-in kinds use kube's printers (pkg/printers/internalversion)
// and openshift-apiserver's; CRD-backed kinds their additionalPrinterColumns (else Age); anything else kube's
// default convertor (Name, Created At). The server computes the cells, ages included; kubectl prints them as sent.
import type { ServerResponse } from 'node:http';
import type { KubeObject, PrinterColumn, ResourceType } from '../types.ts';
import { keyOf } from '../resources.ts';
import { sendJson } from './context.ts';
import type { RequestCtx } from './context.ts';

export interface TableRequest {
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  includeObject: 'None' | 'Metadata' | 'Object';
}

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Obj = Record<string, any>;
type Cells = (o: Obj, now: number) => unknown[];
interface Printer {
  columns: TableColumn[];
  cells: Cells;
  conditions?: (o: Obj) => unknown[] | undefined;
}

/** The table the Accept header asks for (first acceptable media type wins); undefined = plain JSON. */
export function tableRequest(ctx: Pick<RequestCtx, 'req' | 'url'>): TableRequest | undefined {
  const accept = String(ctx.req.headers.accept ?? '');
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (!p.as) {
      if (type === 'application/json' || type === '*/*' || type === 'application/*' || !type) return undefined;
      continue;
    }
    if (p.as !== 'Table' || p.g !== 'meta.k8s.io' || (p.v !== 'v1' && p.v !== 'v1beta1') || (type !== 'application/json' && type !== 'application/*' && type !== '*/*')) continue;
    const inc = ctx.url.searchParams.get('includeObject');
    return { apiVersion: `meta.k8s.io/${p.v}`, includeObject: inc === 'None' || inc === 'Object' ? inc : 'Metadata' };
  }
  return undefined;
}

// ----- formatting helpers (kube's duration.HumanDuration, labels.FormatLabels, …) -----

/** apimachinery duration.HumanDuration: 45s, 2m5s, 3h10m, 5d2h, 1y20d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 ? `${minutes}m${seconds % 60}s` : `${minutes}m`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 ? `${Math.floor(hours / 24)}d${hours % 24}h` : `${hours / 24}d`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 ? `${Math.floor(days / 365)}y${days % 365}d` : `${days / 365}y`;
  return `${Math.floor(days / 365)}y`;
}

/** docker/go-units HumanDuration, used by openshift-apiserver's printers ("5 minutes ago"). */
function unitsDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 14) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 60) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

const since = (ts: unknown, now: number): string => (typeof ts === 'string' && ts ? humanDuration(now - Date.parse(ts)) : '<unknown>');
const age: Cells = (o, now) => [since(o.metadata?.creationTimestamp, now)];
const formatLabels = (m: Record<string, string> | undefined): string =>
  Object.keys(m ?? {}).length ? Object.keys(m!).sort().map((k) => `${k}=${m![k]}`).join(',') : '<none>';
const or = (v: unknown, dflt: string): unknown => (v === undefined || v === null || v === '' ? dflt : v);

function selectorString(sel: Obj | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}=${sel.matchLabels[k]}`);
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

const containers = (tpl: Obj | undefined): string[] => [
  ((tpl?.spec?.containers ?? []) as Obj[]).map((c) => c.name).join(','),
  ((tpl?.spec?.containers ?? []) as Obj[]).map((c) => c.image).join(','),
];

// ----- columns -----

const DOC_NAME =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const DOC_CREATED =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** `'Ready'`, `'Data:integer'`, `'IP:string:1'` → a column definition (priority 1 = only with -o wide). */
function col(spec: string, description = ''): TableColumn {
  const [name, type = 'string', priority = '0'] = spec.split(':');
  if (name === 'Name') return { name, type: 'string', format: 'name', description: DOC_NAME, priority: Number(priority) };
  if (name === 'Age' || name === 'Created At') return { name, type: name === 'Age' ? 'string' : 'date', format: '', description: DOC_CREATED, priority: 0 };
  return { name: name!, type, format: '', description, priority: Number(priority) };
}
const cols = (...specs: string[]): TableColumn[] => specs.map((s) => col(s));

/** kube's rest.NewDefaultTableConvertor. */
const DEFAULT: Printer = {
  columns: cols('Name', 'Created At'),
  cells: (o) => [o.metadata?.name, o.metadata?.creationTimestamp ?? null],
};

// ----- kube and openshift-apiserver printers, by resource key -----

function podCells(o: Obj, now: number): unknown[] {
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  let reason: string = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c: Obj) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  let restarts = 0;
  let ready = 0;
  let lastRestart = 0;
  const noteRestart = (cs: Obj) => {
    restarts += cs.restartCount ?? 0;
    const fin = Date.parse(cs.lastState?.terminated?.finishedAt ?? '');
    if (fin > lastRestart) lastRestart = fin;
  };
  let initializing = false;
  const inits: Obj[] = status.initContainerStatuses ?? [];
  for (const [i, cs] of inits.entries()) {
    noteRestart(cs);
    const term = cs.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing') reason = `Init:${cs.state.waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  const initialized = (status.conditions ?? []).some((c: Obj) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    let hasRunning = false;
    const statuses: Obj[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      noteRestart(cs);
      const st = cs.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      else if (cs.ready && st.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = (status.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  if (o.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (o.metadata?.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  const restartStr = restarts && lastRestart ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  const gates: Obj[] = spec.readinessGates ?? [];
  const gatesTrue = gates.filter((g) => (status.conditions ?? []).find((c: Obj) => c.type === g.conditionType)?.status === 'True').length;
  return [
    o.metadata?.name,
    `${ready}/${(spec.containers ?? []).length}`,
    reason,
    restartStr,
    since(o.metadata?.creationTimestamp, now),
    or(status.podIPs?.[0]?.ip ?? status.podIP, '<none>'),
    or(spec.nodeName, '<none>'),
    or(status.nominatedNodeName, '<none>'),
    gates.length ? `${gatesTrue}/${gates.length}` : '<none>',
  ];
}

function serviceCells(o: Obj, now: number): unknown[] {
  const spec = o.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const ext: string[] = spec.externalIPs ?? [];
  let external = ext.length ? ext.join(',') : '<none>';
  if (type === 'LoadBalancer') {
    const lb = ((o.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip || i.hostname).filter(Boolean);
    external = [...lb, ...ext].join(',') || '<pending>';
  } else if (type === 'ExternalName') external = spec.externalName ?? '';
  const ports = ((spec.ports ?? []) as Obj[]).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
  return [o.metadata?.name, type, or(spec.clusterIPs?.[0] ?? spec.clusterIP, '<none>'), external, ports || '<none>', since(o.metadata?.creationTimestamp, now), formatLabels(spec.selector)];
}

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

function pvcCells(o: Obj, now: number): unknown[] {
  const spec = o.spec ?? {};
  const bound = Boolean(spec.volumeName);
  const phase = o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? '');
  return [
    o.metadata?.name,
    phase,
    spec.volumeName ?? '',
    bound ? (o.status?.capacity?.storage ?? '') : '',
    bound ? ((o.status?.accessModes ?? []) as string[]).map((m) => ACCESS_MODES[m] ?? m).join(',') : '',
    spec.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '',
    or(spec.volumeAttributesClassName, '<unset>'),
    since(o.metadata?.creationTimestamp, now),
    or(spec.volumeMode, '<unset>'),
  ];
}

// kube 1.30 pkg/printers/internalversion/printers.go printPersistentVolume.
function pvCells(o: Obj, now: number): unknown[] {
  const spec = o.spec ?? {};
  const ref = spec.claimRef;
  return [
    o.metadata?.name,
    spec.capacity?.storage ?? '',
    ((spec.accessModes ?? []) as string[]).map((m) => ACCESS_MODES[m] ?? m).join(','),
    spec.persistentVolumeReclaimPolicy ?? '',
    o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''),
    ref ? `${ref.namespace}/${ref.name}` : '',
    spec.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '',
    or(spec.volumeAttributesClassName, '<unset>'),
    o.status?.reason ?? '',
    since(o.metadata?.creationTimestamp, now),
    or(spec.volumeMode, '<unset>'),
  ];
}

function nodeCells(o: Obj, now: number): unknown[] {
  const ready = ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (o.spec?.unschedulable) status.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((o.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 24) roles.add(k.slice(24));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  const addr = (type: string) => or(((o.status?.addresses ?? []) as Obj[]).find((a) => a.type === type)?.address, '<none>');
  const info = o.status?.nodeInfo ?? {};
  return [
    o.metadata?.name,
    status.join(','),
    [...roles].sort().join(',') || '<none>',
    since(o.metadata?.creationTimestamp, now),
    info.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    or(info.osImage, '<unknown>'),
    or(info.kernelVersion, '<unknown>'),
    or(info.containerRuntimeVersion, '<unknown>'),
  ];
}

function bindingCells(o: Obj, now: number): unknown[] {
  const subjects: Obj[] = o.subjects ?? [];
  const of = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' && s.namespace ? `${s.namespace}/${s.name}` : s.name)).join(', ');
  return [o.metadata?.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, since(o.metadata?.creationTimestamp, now), of('User'), of('Group'), of('ServiceAccount')];
}

function eventCells(o: Obj, now: number): unknown[] {
  const first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
  let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
  let count = o.count ?? 0;
  if (o.series) {
    last = since(o.series.lastObservedTime, now);
    count = o.series.count;
  } else if (!count) count = 1;
  const io = o.involvedObject ?? {};
  const kind = String(io.kind ?? '').toLowerCase();
  const component = o.source?.component || o.reportingController || '';
  const instance = o.source?.host || o.reportingInstance || '';
  return [last, o.type ?? '', o.reason ?? '', io.name ? `${kind}/${io.name}` : kind, io.fieldPath ?? '', instance ? `${component}, ${instance}` : component, String(o.message ?? '').trim(), first, count, o.metadata?.name];
}

function routeCells(o: Obj): unknown[] {
  const spec = o.spec ?? {};
  let host: string = spec.host ?? '';
  let matched = false;
  let admitted = 0;
  let errors = 0;
  let reason = '';
  for (const ing of (o.status?.ingress ?? []) as Obj[]) {
    const c = ((ing.conditions ?? []) as Obj[]).find((x) => x.type === 'Admitted');
    if (c?.status === 'True') {
      admitted++;
      if (!matched) {
        matched = ing.host === spec.host;
        host = ing.host;
      }
    } else if (c?.status === 'False') {
      reason = c.reason ?? '';
      errors++;
    }
  }
  if (o.status?.ingress == null) {
    // legacy: no status from any router, show the host
  } else if (admitted === 0 && errors > 0) host = reason;
  else if (errors > 0) host = `${host} ... ${errors} rejected`;
  else if (admitted === 0) host = 'Pending';
  else if (admitted > 1) host = `${host} ... ${admitted - 1} more`;
  const term: string = spec.tls?.termination ?? '';
  const insecure: string = spec.tls?.insecureEdgeTerminationPolicy ?? '';
  const policy = term && insecure ? `${term}/${insecure}` : term || (insecure ? `default/${insecure}` : '');
  const backends: Obj[] = [spec.to ?? {}, ...(spec.alternateBackends ?? [])];
  const total = backends.reduce((n, b) => n + (b.weight ?? 0), 0);
  const services = backends.map((b) => {
    if (b.weight == null || (backends.length === 1 && total !== 0)) return b.name;
    if (total === 0) return `${b.name}(0%)`;
    return `${b.name}(${Math.floor((b.weight * 100) / total)}%)`;
  });
  return [o.metadata?.name, host, spec.path ?? '', services.join(','), spec.port ? String(spec.port.targetPort) : '<all>', policy, spec.wildcardPolicy ?? ''];
}

function imageStreamCells(o: Obj, now: number): unknown[] {
  const tags = ((o.status?.tags ?? []) as Obj[]).map((t) => ({ tag: String(t.tag), created: Date.parse(t.items?.[0]?.created ?? '') || 0 }));
  const latest = Math.max(0, ...tags.map((t) => t.created));
  const names = tags.sort((a, b) => b.created - a.created || a.tag.localeCompare(b.tag)).map((t) => t.tag);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(',')} + ${names.length - 3} more...` : names.join(',');
  const repo = o.status?.publicDockerImageRepository || o.status?.dockerImageRepository || '';
  return [o.metadata?.name, repo, shown, latest ? `${unitsDuration(now - latest)} ago` : ''];
}

const PRINTERS: Record<string, Printer> = {
  '/pods': {
    columns: [...cols('Name', 'Ready', 'Status', 'Restarts', 'Age'), ...cols('IP:string:1', 'Node:string:1', 'Nominated Node:string:1', 'Readiness Gates:string:1')],
    cells: podCells,
    conditions: (o) =>
      o.status?.phase === 'Succeeded'
        ? [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]
        : o.status?.phase === 'Failed'
          ? [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]
          : undefined,
  },
  '/services': { columns: cols('Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector:string:1'), cells: serviceCells },
  '/configmaps': { columns: cols('Name', 'Data:integer', 'Age'), cells: (o, n) => [o.metadata?.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, ...age(o, n)] },
  '/secrets': { columns: cols('Name', 'Type', 'Data:integer', 'Age'), cells: (o, n) => [o.metadata?.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, ...age(o, n)] },
  '/serviceaccounts': { columns: cols('Name', 'Secrets:integer', 'Age'), cells: (o, n) => [o.metadata?.name, (o.secrets ?? []).length, ...age(o, n)] },
  '/persistentvolumeclaims': {
    columns: cols('Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode:string:1'),
    cells: pvcCells,
  },
  '/persistentvolumes': {
    columns: cols('Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode:string:1'),
    cells: pvCells,
  },
  '/namespaces': { columns: cols('Name', 'Status', 'Age'), cells: (o, n) => [o.metadata?.name, o.status?.phase ?? '', ...age(o, n)] },
  '/nodes': {
    columns: cols('Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP:string:1', 'External-IP:string:1', 'OS-Image:string:1', 'Kernel-Version:string:1', 'Container-Runtime:string:1'),
    cells: nodeCells,
  },
  '/events': {
    columns: cols('Last Seen', 'Type', 'Reason', 'Object', 'Subobject:string:1', 'Source:string:1', 'Message', 'First Seen:string:1', 'Count:string:1', 'Name:string:1'),
    cells: eventCells,
  },
  'apps/deployments': {
    columns: cols('Name', 'Ready', 'Up-to-date:integer', 'Available:integer', 'Age', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'),
    cells: (o, n) => [o.metadata?.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, ...age(o, n), ...containers(o.spec?.template), selectorString(o.spec?.selector)],
  },
  'apps/replicasets': {
    columns: cols('Name', 'Desired:integer', 'Current:integer', 'Ready:integer', 'Age', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'),
    cells: (o, n) => [o.metadata?.name, o.spec?.replicas ?? 1, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, ...age(o, n), ...containers(o.spec?.template), selectorString(o.spec?.selector)],
  },
  'apps/daemonsets': {
    columns: cols('Name', 'Desired:integer', 'Current:integer', 'Ready:integer', 'Up-to-date:integer', 'Available:integer', 'Node Selector', 'Age', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'),
    cells: (o, n) => {
      const s = o.status ?? {};
      return [o.metadata?.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0, formatLabels(o.spec?.template?.spec?.nodeSelector), ...age(o, n), ...containers(o.spec?.template), selectorString(o.spec?.selector)];
    },
  },
  // kube 1.30 printJob / printCronJob.
  'batch/jobs': {
    columns: cols('Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'),
    cells: (o, n) => {
      const s = o.status ?? {};
      const has = (t: string) => ((s.conditions ?? []) as Obj[]).some((c) => c.type === t && c.status === 'True');
      const status = has('Complete') ? 'Complete' : has('Failed') ? 'Failed' : o.metadata?.deletionTimestamp ? 'Terminating' : has('Suspended') ? 'Suspended' : has('FailureTarget') ? 'FailureTarget' : 'Running';
      const par = o.spec?.parallelism ?? 0;
      const completions = o.spec?.completions != null ? `${s.succeeded ?? 0}/${o.spec.completions}` : par > 1 ? `${s.succeeded ?? 0}/1 of ${par}` : `${s.succeeded ?? 0}/1`;
      const duration = !s.startTime ? '' : humanDuration((s.completionTime ? Date.parse(s.completionTime) : n) - Date.parse(s.startTime));
      return [o.metadata?.name, status, completions, duration, ...age(o, n), ...containers(o.spec?.template), selectorString(o.spec?.selector)];
    },
  },
  'batch/cronjobs': {
    columns: cols('Name', 'Schedule', 'Timezone', 'Suspend:boolean', 'Active:integer', 'Last Schedule', 'Age', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'),
    cells: (o, n) => [
      o.metadata?.name, o.spec?.schedule ?? '', o.spec?.timeZone ?? '<none>', o.spec?.suspend == null ? '<unset>' : o.spec.suspend ? 'True' : 'False', (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, n) : '<none>', ...age(o, n), ...containers(o.spec?.jobTemplate?.spec?.template), selectorString(o.spec?.jobTemplate?.spec?.selector),
    ],
  },
  'storage.k8s.io/storageclasses': {
    columns: cols('Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion:boolean', 'Age'),
    cells: (o, n) => {
      const a = o.metadata?.annotations ?? {};
      const dflt = a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [dflt ? `${o.metadata?.name} (default)` : o.metadata?.name, o.provisioner ?? '', o.reclaimPolicy ?? 'Delete', o.volumeBindingMode ?? 'Immediate', o.allowVolumeExpansion ?? false, ...age(o, n)];
    },
  },
  'rbac.authorization.k8s.io/rolebindings': { columns: cols('Name', 'Role', 'Age', 'Users:string:1', 'Groups:string:1', 'ServiceAccounts:string:1'), cells: bindingCells },
  'rbac.authorization.k8s.io/clusterrolebindings': { columns: cols('Name', 'Role', 'Age', 'Users:string:1', 'Groups:string:1', 'ServiceAccounts:string:1'), cells: bindingCells },
  // openshift-apiserver (pkg/printers): routes are served by it on OpenShift, so its printer wins over the sandbox's CRD.
  'route.openshift.io/routes': { columns: cols('Name', 'Host/Port', 'Path', 'Services', 'Port', 'Termination', 'Wildcard'), cells: routeCells },
  'image.openshift.io/imagestreams': { columns: cols('Name', 'Image Repository', 'Tags', 'Updated'), cells: imageStreamCells },
  'image.openshift.io/imagestreamtags': {
    columns: cols('Name', 'Image Reference', 'Updated', 'Image Name:string:1'),
    cells: (o, n) => [o.metadata?.name, o.image?.dockerImageReference ?? '', `${unitsDuration(n - Date.parse(o.metadata?.creationTimestamp ?? ''))} ago`, o.image?.metadata?.name ?? ''],
  },
  'image.openshift.io/images': { columns: cols('Name', 'Image Reference'), cells: (o) => [o.metadata?.name, o.dockerImageReference ?? ''] },
  'user.openshift.io/users': { columns: cols('Name', 'UID', 'Full Name', 'Identities'), cells: (o) => [o.metadata?.name, o.metadata?.uid ?? '', o.fullName ?? '', (o.identities ?? []).join(', ')] },
  'user.openshift.io/groups': { columns: cols('Name', 'Users'), cells: (o) => [o.metadata?.name, (o.users ?? []).join(', ')] },
  'user.openshift.io/identities': {
    columns: cols('Name', 'IDP Name', 'IDP User Name', 'User Name', 'User UID'),
    cells: (o) => [o.metadata?.name, o.providerName ?? '', o.providerUserName ?? '', o.user?.name ?? '', o.user?.uid ?? ''],
  },
  'project.openshift.io/projects': {
    columns: cols('Name', 'Display Name', 'Status'),
    cells: (o) => [o.metadata?.name, o.metadata?.annotations?.['openshift.io/display-name'] ?? '', o.status?.phase ?? ''],
  },
};

/** Printer columns of real CRDs the sandbox has no CRD file for. */
const CRD_COLUMNS: Record<string, PrinterColumn[]> = {
  'config.openshift.io/clusterversions': [
    { name: 'Version', type: 'string', jsonPath: '.status.history[?(@.state=="Completed")].version' },
    { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
    { name: 'Progressing', type: 'string', jsonPath: '.status.conditions[?(@.type=="Progressing")].status' },
    { name: 'Since', type: 'date', jsonPath: '.status.conditions[?(@.type=="Progressing")].lastTransitionTime' },
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Progressing")].message' },
  ],
};

// ----- CRD additionalPrinterColumns (apiextensions-apiserver tableconvertor) -----

type Step = { key: string } | { index: number } | { all: true } | { filter: string[]; op: string; value: string };

/** The JSONPath subset CRD columns use: `.a.b`, `.a[0]`, `.a[*]`, `.a[?(@.type=="Ready")].status`. */
export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@((?:\.[^.=!<>\s]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\)\]/gy;
  let s = path.trim().replace(/^\{|\}$/g, '');
  if (s.startsWith('$')) s = s.slice(1);
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: m[3].slice(1).split('.'), op: m[4]!, value: m[5] ?? m[6] ?? m[7]! });
    else steps.push({ all: true });
  }
  if (re.lastIndex !== s.length) throw new Error(`unsupported JSONPath ${path}`);
  return steps;
}

export function evalJsonPath(obj: unknown, path: string): unknown[] {
  let cur: unknown[] = [obj];
  for (const st of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('key' in st) {
        if (v && typeof v === 'object' && !Array.isArray(v) && st.key in v) next.push((v as Obj)[st.key]);
      } else if ('index' in st) {
        if (Array.isArray(v) && st.index < v.length) next.push(v[st.index]);
      } else if ('all' in st) {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const el of v) {
          const got = st.filter.reduce<unknown>((a, k) => (a && typeof a === 'object' ? (a as Obj)[k] : undefined), el);
          if (got !== undefined && (String(got) === st.value) === (st.op === '==')) next.push(el);
        }
      }
    }
    cur = next;
  }
  return cur;
}

function crdCell(c: PrinterColumn, o: Obj, now: number): unknown {
  const v = evalJsonPath(o, c.jsonPath)[0];
  if (v === undefined || v === null) return null;
  switch (c.type) {
    case 'string':
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      if (typeof v !== 'string') return null;
      if (!v || v === 'null') return '<unknown>';
      return Number.isNaN(Date.parse(v)) ? '<invalid>' : humanDuration(now - Date.parse(v));
    default:
      return null;
  }
}

function crdPrinter(columns: PrinterColumn[]): Printer {
  return {
    columns: [
      col('Name'),
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: c.priority ?? 0 })),
    ],
    cells: (o, now) => [o.metadata?.name, ...columns.map((c) => crdCell(c, o, now))],
  };
}

const AGE_COLUMN: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: DOC_CREATED }];

export function printerFor(t: ResourceType): Printer {
  const key = keyOf(t);
  const builtin = PRINTERS[key];
  if (builtin) return builtin;
  const crdCols = t.printerColumns ?? CRD_COLUMNS[key];
  if (crdCols?.length) return crdPrinter(crdCols);
  if (t.schema) return crdPrinter(AGE_COLUMN);
  return DEFAULT;
}

/** An object, or a list (`items`), as a Table. headers=false leaves out columnDefinitions (watch events after the first). */
export function toTable(t: ResourceType, input: KubeObject | { metadata?: Obj; items: KubeObject[] }, opts: TableRequest, now = Date.now(), headers = true): Obj {
  const p = printerFor(t);
  const isList = Array.isArray((input as { items?: unknown }).items);
  const items = isList ? (input as { items: KubeObject[] }).items : [input as KubeObject];
  const md = (input.metadata ?? {}) as Obj;
  const metadata: Obj = { resourceVersion: md.resourceVersion ?? '' };
  if (isList && md.continue) metadata.continue = md.continue;
  if (isList && md.remainingItemCount !== undefined) metadata.remainingItemCount = md.remainingItemCount;
  const rows = items.map((o) => {
    const row: Obj = { cells: p.cells(o, now) };
    const conds = p.conditions?.(o);
    if (conds) row.conditions = conds;
    if (opts.includeObject === 'Object') row.object = o;
    else if (opts.includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: opts.apiVersion, metadata: o.metadata };
    return row;
  });
  const table: Obj = { kind: 'Table', apiVersion: opts.apiVersion, metadata };
  if (headers) table.columnDefinitions = p.columns;
  table.rows = rows;
  return table;
}

/**
 * Runs a handler that answers with sendJson (virtual resources: projects, imagestreamtags) and sends its 200 answer
 * as a Table; other answers pass through unchanged.
 */
export async function asTable(ctx: RequestCtx, t: ResourceType, opts: TableRequest, handle: (ctx: RequestCtx) => Promise<boolean>): Promise<boolean> {
  let code = 200;
  let headers: Record<string, string | number> = {};
  let body = '';
  let sent = false;
  const capture = {
    get headersSent() {
      return sent;
    },
    writeHead(c: number, h: Record<string, string | number>) {
      [code, headers, sent] = [c, h, true];
      return capture;
    },
    end(b?: string) {
      body = b ?? '';
    },
  };
  if (!(await handle({ ...ctx, res: capture as unknown as ServerResponse }))) return false;
  const parsed = code === 200 && body ? (JSON.parse(body) as KubeObject) : undefined;
  if (parsed && parsed.kind !== 'Status') sendJson(ctx.res, 200, toTable(t, parsed, opts));
  else {
    ctx.res.writeHead(code, headers);
    ctx.res.end(body);
  }
  return true;
}
