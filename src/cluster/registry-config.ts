// The operator's Config object (configs.imageregistry.operator.openshift.io/cluster): reading it, building
// minimal JSON patches for it, the settings vocabulary of `regctl config`, the ReadWriteOnce rules and
// following the operator's conditions after a change (openshift-behaviors.md d.2, d.6).
import { withDeadline } from './deadline.js';
import type { Cluster, Json } from './cluster.js';
import { isApiError } from './api-error.js';
import { R, NAMES } from './resources.js';
import { specSchemaAt, validateSpecField } from './config-schema.js';
import yaml from 'js-yaml';
import { loadUserYaml } from '../input/yaml.js';
import { CheckFailedError, NotFoundError, TimeoutError, UsageError } from '../errors.js';
import { editDistance } from '../input/edit-distance.js';

export type JsonPatchOp = { op: 'add' | 'replace' | 'remove' | 'test'; path: string; value?: unknown };

export const CONFIG_TARGET = `configs.imageregistry.operator.openshift.io/${NAMES.cluster}`;

export async function readConfig(c: Cluster): Promise<Json> {
  try {
    return await c.get(R.registryConfig, NAMES.cluster);
  } catch (e) {
    if (isApiError(e, 404) && e.status.details?.name) {
      throw new NotFoundError(`${CONFIG_TARGET} does not exist`, { hint: 'the image registry operator creates it at install; check `oc get co image-registry`' });
    }
    throw e;
  }
}

const pointer = (path: string[]) => '/' + path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Builds a JSON patch (RFC 6902) against a working copy of the object: `replace` for existing members,
 * `add` for new ones (with the missing parents as one nested value), `remove` only for existing members.
 * Setting a value equal to the current one emits nothing, so an unchanged request yields an empty patch.
 */
export class PatchBuilder {
  readonly ops: JsonPatchOp[] = [];
  readonly doc: Json;

  constructor(current: Json) {
    this.doc = structuredClone(current);
  }

  get(path: string[]): unknown {
    let v: any = this.doc;
    for (const p of path) {
      if (!isObj(v)) return undefined;
      v = v[p];
    }
    return v;
  }

  set(path: string[], value: unknown): this {
    if (deepEqual(this.get(path), value)) return this;
    let parent: any = this.doc;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i]!;
      if (!isObj(parent[k])) {
        let nested: unknown = value;
        for (let j = path.length - 1; j > i; j--) nested = { [path[j]!]: nested };
        const op = parent[k] === undefined ? 'add' : 'replace';
        this.ops.push({ op, path: pointer(path.slice(0, i + 1)), value: structuredClone(nested) });
        parent[k] = structuredClone(nested);
        return this;
      }
      parent = parent[k];
    }
    const last = path[path.length - 1]!;
    this.ops.push({ op: last in parent ? 'replace' : 'add', path: pointer(path), value: structuredClone(value) });
    parent[last] = structuredClone(value);
    return this;
  }

  remove(path: string[]): this {
    let parent: any = this.doc;
    for (const k of path.slice(0, -1)) {
      if (!isObj(parent[k])) return this;
      parent = parent[k];
    }
    const last = path[path.length - 1]!;
    if (!(last in parent)) return this;
    this.ops.push({ op: 'remove', path: pointer(path) });
    delete parent[last];
    return this;
  }
}

// ---------- settings vocabulary of `regctl config get|set` ----------

type Kind = 'string' | 'int' | 'bool' | 'map' | 'yaml';

export interface Setting {
  key: string;
  path: string[];
  kind: Kind;
  removable: boolean;
}

const setting = (key: string, kind: Kind, removable = true): Setting => ({ key, path: key.split('.'), kind, removable });

export const SETTINGS: Setting[] = [
  setting('managementState', 'string', false),
  setting('storage.managementState', 'string', false),
  setting('replicas', 'int', false),
  setting('logLevel', 'string'),
  setting('operatorLogLevel', 'string'),
  setting('readOnly', 'bool'),
  setting('disableRedirect', 'bool'),
  setting('rolloutStrategy', 'string'),
  ...['read', 'write'].flatMap((rw) => [
    setting(`requests.${rw}.maxRunning`, 'int'),
    setting(`requests.${rw}.maxInQueue`, 'int'),
    setting(`requests.${rw}.maxWaitInQueue`, 'string'),
  ]),
  setting('proxy.http', 'string'),
  setting('proxy.https', 'string'),
  setting('proxy.noProxy', 'string'),
  setting('nodeSelector', 'map'),
  setting('tolerations', 'yaml'),
  setting('affinity', 'yaml'),
  setting('topologySpreadConstraints', 'yaml'),
];

/** Parts of spec that other commands change (they do more than one patch); `config get` reads them. */
const ELSEWHERE: Array<{ key: string; command: string; hint: string }> = [
  { key: 'defaultRoute', command: 'regctl expose --default-route', hint: 'turn it on with `regctl expose --default-route` (it waits for the route), off with `regctl expose --remove`' },
  { key: 'routes', command: 'regctl expose --route NAME', hint: 'add one with `regctl expose --route NAME [--hostname HOST] [--cert FILE --key FILE]`, delete one with `regctl expose --remove --route NAME`' },
  { key: 'storage', command: 'regctl set-storage TYPE', hint: 'run `regctl set-storage TYPE` (pvc, s3, gcs, azure, swift, ibmcos, emptydir; see `regctl set-storage --help`); storage.managementState is a config setting' },
];


/**
 * The setting KEY names (case-insensitive, `spec.` optional). With `get`, also any path under the parts other
 * commands change (`storage`, `storage.s3.bucket`, `defaultRoute`, `routes`), which `config set` refuses naming
 * the command to use.
 */
export function findSetting(key: string, o: { get?: boolean } = {}): Setting {
  const k = key.replace(/^spec\./i, '');
  const lower = k.toLowerCase();
  const s = SETTINGS.find((x) => x.key === k) ?? SETTINGS.find((x) => x.key.toLowerCase() === lower);
  if (s) return s;
  const typo = SETTINGS.filter((x) => editDistance(x.key.toLowerCase(), lower) <= 2).map((x) => x.key);
  if (typo.length) throw new UsageError(`unknown setting "${key}"`, `did you mean ${typo.join(' or ')}? (see \`regctl config set --help\`)`);
  const other = ELSEWHERE.find((x) => lower === x.key.toLowerCase() || lower.startsWith(`${x.key.toLowerCase()}.`));
  if (other) {
    if (o.get) return { key: other.key + k.slice(other.key.length), path: [other.key, ...k.split('.').slice(1)], kind: 'yaml', removable: false };
    throw new UsageError(`${k} is not changed with \`config set\`: use \`${other.command}\``, other.hint);
  }
  // A dotted key hints only at settings of the same section: storage.x is not the operator's x.
  const section = k.includes('.') ? lower.split('.')[0] : undefined;
  const last = lower.split('.').pop() ?? '';
  const near = SETTINGS.filter((x) => x.key.toLowerCase().includes(last) && (!section || x.key.toLowerCase().startsWith(`${section}.`))).map((x) => x.key);
  throw new UsageError(`unknown setting "${key}"`, near.length ? `did you mean ${near.join(' or ')}? (see \`regctl config set --help\`)` : `settings: ${SETTINGS.map((x) => x.key).join(', ')}`);
}

/** The values the CRD allows for a string setting (its enum, or a `^(A|B)$` pattern); undefined when free-form. */
export function allowedValues(path: string[]): string[] | undefined {
  const s = specSchemaAt(path);
  if (s?.enum) return s.enum.filter((v): v is string => typeof v === 'string' && v !== '');
  const m = /^\^\(([A-Za-z0-9|]+)\)\$$/.exec(s?.pattern ?? '');
  return m ? m[1]!.split('|') : undefined;
}

/** A hint for a refused value of `a`: the allowed values with an example, when the CRD lists them. */
export function valueHint(a: Assignment): string | undefined {
  const values = allowedValues(a.setting.path);
  return values ? `${a.setting.key} is one of ${values.join(', ')}, e.g. ${a.setting.key}=${values[0]}` : undefined;
}

export interface Assignment {
  setting: Setting;
  /** undefined = remove the field (KEY-). */
  value: unknown;
  /** The value as typed when it was an enum value in another case (value is the canonical form). */
  given?: string;
}

/** `KEY=VALUE` sets, `KEY-` removes; VALUE `@FILE` (or `@-` for stdin) for YAML-valued settings. */
export async function parseAssignments(args: string[], readSource: (src: string) => Promise<string>): Promise<Assignment[]> {
  if (!args.length) throw new UsageError('nothing to set', 'give one or more KEY=VALUE, e.g. `regctl config set replicas=2 logLevel=Debug`');
  const out: Assignment[] = [];
  for (const arg of args) {
    let key: string;
    let raw: string | undefined;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      key = arg.slice(0, eq);
      raw = arg.slice(eq + 1);
    } else if (arg.endsWith('-') && arg.length > 1) {
      key = arg.slice(0, -1);
    } else {
      throw new UsageError(`"${arg}" is not KEY=VALUE`, 'write settings as KEY=VALUE (or KEY- to remove one), e.g. replicas=2');
    }
    const s = findSetting(key);
    if (out.some((a) => a.setting.key === s.key)) throw new UsageError(`"${s.key}" is given twice`, 'give each setting once');
    if (raw === undefined) {
      if (!s.removable) throw new UsageError(`${s.key} cannot be removed`, `set a value instead, e.g. ${s.key}=${s.kind === 'int' ? '1' : 'Managed'}`);
      out.push({ setting: s, value: undefined });
      continue;
    }
    const value = await parseValue(s, raw, readSource);
    out.push({ setting: s, value, ...(typeof value === 'string' && value !== raw ? { given: raw } : {}) });
  }
  return out;
}

async function parseValue(s: Setting, raw: string, readSource: (src: string) => Promise<string>): Promise<unknown> {
  switch (s.kind) {
    case 'string': {
      // Enum values are case-sensitive for the API server: take the CRD's spelling (debug → Debug).
      const canonical = allowedValues(s.path)?.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
      return canonical ?? raw;
    }
    case 'int':
      if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`${s.key} must be an integer, got "${raw}"`, `e.g. ${s.key}=2`);
      return Number(raw.trim());
    case 'bool':
      if (!/^(true|false)$/i.test(raw.trim())) throw new UsageError(`${s.key} must be true or false, got "${raw}"`, `e.g. ${s.key}=true`);
      return raw.trim().toLowerCase() === 'true';
    case 'map': {
      const m: Record<string, string> = {};
      if (raw.trim() === '' || raw.trim() === '{}') return m;
      for (const pair of raw.split(',')) {
        const i = pair.indexOf('=');
        if (i <= 0) throw new UsageError(`${s.key} must be LABEL=VALUE[,LABEL=VALUE…], got "${raw}"`, `e.g. ${s.key}=node-role.kubernetes.io/infra=`);
        m[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
      }
      return m;
    }
    case 'yaml': {
      if (!raw.startsWith('@') || raw.length < 2) throw new UsageError(`${s.key} is read from a YAML file`, `write ${s.key}=@FILE.yaml (or ${s.key}=@- to read stdin)`);
      const text = await readSource(raw.slice(1));
      let v = loadUserYaml(text, raw.slice(1));
      // Accept either the bare value or a fragment keyed by the setting name (copied from a spec, or `config get KEY -o yaml`).
      if (isObj(v) && v.apiVersion === 'regctl.openshift.io/v1' && v.kind === 'RegistryConfigValues') {
        const { apiVersion: _a, kind: _k, ...rest } = v;
        v = rest;
      }
      if (isObj(v) && Object.keys(v).length === 1 && s.key in v) v = v[s.key];
      if (v === undefined || v === null) throw new UsageError(`${raw.slice(1)} is empty`, `put the ${s.key} value in the file`);
      return v;
    }
  }
}

/** Validates each assignment against the CRD schema; returns one line per problem. */
export function schemaErrors(assignments: Assignment[]): string[] {
  return assignments.filter((a) => a.value !== undefined).flatMap((a) => validateSpecField(a.setting.path, a.value));
}

/** `config get`: the spec as served, with the upload secret hidden. */
export function redactSpec(spec: Json | undefined): Json {
  const s = structuredClone(spec ?? {});
  if (s.httpSecret) s.httpSecret = 'REDACTED';
  return s;
}

export function settingValue(spec: Json, key: string): unknown {
  const s = findSetting(key, { get: true });
  let v: any = spec;
  for (const p of s.path) v = isObj(v) ? v[p] : undefined;
  return v;
}

// ---------- ReadWriteOnce rules (pkg/storage/pvc) ----------

/** The operator's rule for a claim's access modes; undefined when the combination works. */
export function accessModeProblem(claim: string, modes: string[], replicas: number, rolloutStrategy: string | undefined): string | undefined {
  if (modes.includes('ReadWriteMany')) return undefined;
  if (modes.includes('ReadWriteOnce')) {
    if (replicas > 1) return 'cannot use ReadWriteOnce access mode with more than one replica of the image registry';
    if ((rolloutStrategy || 'RollingUpdate') !== 'Recreate') return 'cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy';
    return undefined;
  }
  return `PVC ${claim} does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce`;
}

export const STORAGE_KEYS = ['s3', 'gcs', 'azure', 'swift', 'pvc', 'emptyDir', 'ibmcos', 'oss'] as const;

/** Storage types configured in spec.storage (more than one is the operator's "exactly one" error). */
export function storageTypes(storage: Json | undefined): string[] {
  return STORAGE_KEYS.filter((k) => storage?.[k] !== undefined && storage?.[k] !== null);
}

// ---------- following the operator ----------

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export type Verdict =
  | { state: 'pending'; summary: string }
  | { state: 'ready'; summary: string }
  | { state: 'failed'; reason: string; message: string; summary: string };

const firstLine = (m?: string) => (m ?? '').split('\n')[0] ?? '';

/**
 * Reads the operator's verdict on generation `generation` of the Config (d.2). Pending until
 * status.observedGeneration reaches it; failed on an apply error or Degraded=True (Degraded Unavailable only once
 * nothing is progressing); ready when Available=True,
 * Progressing=False (the Deployment rolled out) and not Degraded, or Removed/Unmanaged as asked.
 */
export function evaluate(config: Json, generation: number): Verdict {
  const conds: Condition[] = config.status?.conditions ?? [];
  const get = (t: string) => conds.find((c) => c.type === t);
  const a = get('Available');
  const p = get('Progressing');
  const d = get('Degraded');
  const fmt = (c?: Condition) => (c ? `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${firstLine(c.message)}` : ''}` : '');
  const summary = [a, p, d].filter(Boolean).map(fmt).join('; ') || 'no conditions yet';
  const observed = config.status?.observedGeneration;
  if (typeof observed === 'number' && observed < generation) return { state: 'pending', summary: `waiting for the operator to observe generation ${generation} (at ${observed})` };
  const ms = config.spec?.managementState;
  if (ms === 'Unmanaged') return { state: 'ready', summary: 'Unmanaged: the operator leaves the registry alone' };
  if (p?.reason === 'Error') return { state: 'failed', reason: 'Error', message: firstLine(p.message), summary };
  // Degraded "Unavailable" only says Available has been False for a while; while the Deployment is still
  // rolling out (e.g. just after a fix) that may resolve, so it fails the wait only once nothing progresses.
  const stuck = d?.reason !== 'Unavailable' || p?.status !== 'True';
  if (d?.status === 'True' && stuck) return { state: 'failed', reason: d.reason || 'Degraded', message: firstLine(d.message) || firstLine(a?.message), summary };
  if (ms === 'Removed') {
    return get('Removed')?.status === 'True' && p?.status === 'False' ? { state: 'ready', summary } : { state: 'pending', summary };
  }
  // Available MinimumAvailability means the Deployment has not finished its rollout yet (pkg/operator/status.go:
  // !isDeploymentStatusComplete; CIRO then also reports Progressing=True DeploymentNotCompleted). Progressing
  // never carries MinimumAvailability in 4.16–4.19; that check is only defensive.
  if (a?.reason === 'MinimumAvailability' || p?.reason === 'MinimumAvailability') return { state: 'pending', summary };
  if (a?.status === 'True' && p?.status === 'False') return { state: 'ready', summary };
  return { state: 'pending', summary };
}

/** isDeploymentStatusComplete (CIRO pkg/operator/status.go): every wanted replica updated and available, spec observed. */
export function deploymentComplete(d: Json): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

export interface WaitOptions {
  generation: number;
  timeoutMs: number;
  signal: AbortSignal;
  onProgress?: (summary: string) => void;
}

/** Watches the Config until evaluate() says ready (returns its summary) or failed (CheckFailedError, exit 3). */
export async function waitForOperator(c: Cluster, o: WaitOptions): Promise<string> {
  const deadline = withDeadline(o.signal, o.timeoutMs);
  let last: Verdict | undefined;
  let config: Json | undefined;
  const see = (obj: Json) => {
    const v = evaluate(obj, o.generation);
    if (v.summary !== last?.summary) o.onProgress?.(v.summary);
    last = v;
    config = obj;
    return v.state !== 'pending';
  };
  try {
    for (;;) {
      await c.watch(R.registryConfig, { namespace: null, fieldSelector: `metadata.name=${NAMES.cluster}`, signal: deadline.signal }, (ev) =>
        ev.type === 'ADDED' || ev.type === 'MODIFIED' ? see(ev.object) : false,
      );
      if (last?.state !== 'ready' || deadline.signal.aborted) break;
      const ms = config?.spec?.managementState;
      if (ms === 'Removed' || ms === 'Unmanaged') break;
      // The operator may have judged a Deployment it had just updated (its cache not yet showing the new generation):
      // the rollout is done only once the Deployment itself reports it, and the operator still says ready after that.
      const rollout = await waitForDeployment(c, deadline.signal);
      if (!rollout) break;
      if (typeof rollout === 'object') {
        // What the operator reports for it as Degraded (pkg/operator/status.go), without waiting for its next sync.
        const message = `Registry deployment has timed out progressing: ${rollout.stuck}`;
        last = { state: 'failed', reason: 'ProgressDeadlineExceeded', message, summary: message };
        break;
      }
      if (deadline.signal.aborted) {
        last = { state: 'pending', summary: `${last.summary}; the Deployment has not finished its rollout` };
        break;
      }
      if (see(await c.get(R.registryConfig, NAMES.cluster)) && last?.state === 'ready') break;
    }
  } finally {
    deadline.dispose();
  }
  if (last?.state === 'ready') return last.summary;
  if (last?.state === 'failed') {
    throw new CheckFailedError(`the operator reports ${last.reason}: ${last.message}`, { hint: 'fix the cause and run the command again; `regctl status` shows every condition' });
  }
  if (deadline.timedOut()) {
    throw new TimeoutError(`the registry did not become Available in time (${last?.summary ?? 'no status seen'})`, {
      hint: 'raise --timeout, or follow it with `regctl status --watch`',
    });
  }
  // Interrupted (Ctrl-C) or the watch ended: the caller maps an aborted signal to exit 130.
  throw new CheckFailedError('stopped waiting for the operator', { hint: 'follow it with `regctl status --watch`' });
}

/**
 * Watches the registry Deployment until deploymentComplete, or until its rollout is stuck (ProgressDeadlineExceeded:
 * the operator turns that into Degraded, which the caller reads next); false when it cannot be read (then the
 * operator's word stands).
 */
async function waitForDeployment(c: Cluster, signal: AbortSignal): Promise<boolean | { stuck: string }> {
  let stuck: string | undefined;
  const done = (d: Json) => {
    const p = ((d.status?.conditions ?? []) as Json[]).find((x) => x.type === 'Progressing');
    if (p?.reason === 'ProgressDeadlineExceeded' && !deploymentComplete(d)) stuck = firstLine(p.message);
    return deploymentComplete(d) || stuck !== undefined;
  };
  try {
    await c.watch(R.deployment, { namespace: NAMES.registryNamespace, fieldSelector: `metadata.name=${NAMES.deployment}`, signal }, (ev) =>
      ev.type === 'ADDED' || ev.type === 'MODIFIED' ? done(ev.object) : false,
    );
    return stuck === undefined ? true : { stuck };
  } catch (e) {
    if (isApiError(e, 403) || isApiError(e, 404)) return false;
    throw e;
  }
}

// ---------- plans: what a command would write ----------

export interface Write {
  action: 'create' | 'patch';
  kind: 'PersistentVolumeClaim' | 'Secret' | 'Config';
  namespace?: string;
  name: string;
  patchType?: 'json' | 'merge';
  /** The object or patch sent. Secret values are real here: print only redacted copies. */
  body: Json | JsonPatchOp[];
  summary: string;
}

export interface Problem {
  message: string;
  hint: string;
}

/** The JSON patch, one operation per line: exactly what `oc patch --type=json -p` would take. */
export function patchJSON(ops: JsonPatchOp[]): string {
  return ops.length ? `[\n${ops.map((o) => `  ${JSON.stringify(o)}`).join(',\n')}\n]\n` : '[]\n';
}

/** --dry-run output: a YAML stream, one document per write, in order, each introduced by a comment. */
export function renderWrites(writes: Write[]): string {
  if (!writes.length) return '# nothing to change\n';
  return writes
    .map((w, i) => {
      const head = `# ${i + 1}. ${w.summary}${w.patchType ? ` (${w.patchType === 'json' ? 'application/json-patch+json' : 'application/merge-patch+json'})` : ''}\n`;
      const body = w.patchType === 'json' ? patchJSON(w.body as JsonPatchOp[]) : yaml.dump(w.body, { noRefs: true, lineWidth: -1 });
      return `---\n${head}${body}`;
    })
    .join('');
}

export interface ConfigPlan {
  ops: JsonPatchOp[];
  problems: Problem[];
  warnings: string[];
  risks: string[];
}

/**
 * Pre-flight of `config set`: the schema, the operator's own verification rules (replicas >= 0, exactly one
 * storage when Managed) and the ReadWriteOnce rules against the claim in use. `pvc` is the claim when
 * spec.storage is pvc (null: missing, undefined: could not be read).
 */
export function planConfig(assignments: Assignment[], config: Json, pvc: Json | null | undefined): ConfigPlan {
  const plan: ConfigPlan = { ops: [], problems: [], warnings: [], risks: [] };
  for (const e of schemaErrors(assignments)) plan.problems.push({ message: e, hint: 'fix the value; `regctl config set --help` lists the settings and their values' });
  if (plan.problems.length) return plan;
  const b = new PatchBuilder(config);
  for (const a of assignments) {
    if (a.value === undefined) b.remove(['spec', ...a.setting.path]);
    else b.set(['spec', ...a.setting.path], a.value);
  }
  const before = config.spec ?? {};
  const spec = b.doc.spec ?? {};
  const touched = new Set(assignments.map((a) => a.setting.key));
  const types = storageTypes(spec.storage);
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    plan.problems.push({ message: 'replicas must be greater than or equal to 0', hint: 'e.g. replicas=2' });
  }
  if (touched.has('managementState') && ['Managed', 'Force'].includes(spec.managementState) && before.managementState !== spec.managementState) {
    if (types.length === 0) {
      plan.problems.push({
        message: `managementState ${spec.managementState} without storage: the operator would report StorageNotConfigured`,
        hint: 'configure storage instead, which also sets Managed: `regctl set-storage pvc` (or s3, gcs, azure, swift, ibmcos, emptydir)',
      });
    } else if (types.length > 1) {
      plan.problems.push({ message: `spec.storage has ${types.length} storage types (${types.join(', ')}): the operator accepts exactly one`, hint: 'pick one with `regctl set-storage <type>`' });
    }
  }
  if ((touched.has('replicas') || touched.has('rolloutStrategy')) && types.length === 1 && types[0] === 'pvc') {
    const claim = spec.storage.pvc?.claim || NAMES.defaultClaim;
    if (pvc === undefined) plan.warnings.push(`could not read PersistentVolumeClaim ${claim}: its access mode is not verified`);
    else if (pvc) {
      const problem = accessModeProblem(claim, pvc.spec?.accessModes ?? [], spec.replicas ?? 1, spec.rolloutStrategy);
      if (problem) {
        plan.problems.push({
          message: `${problem} (claim ${claim} is ${(pvc.spec?.accessModes ?? []).join(',')})`,
          hint: 'a ReadWriteOnce claim needs rolloutStrategy=Recreate and replicas=1; for more replicas move to a ReadWriteMany claim: `regctl set-storage pvc --claim NAME --access-mode ReadWriteMany`',
        });
      }
    }
  }
  if (touched.has('replicas') && types.includes('emptyDir') && spec.replicas > 1) {
    plan.warnings.push(`emptyDir storage is per pod: with ${spec.replicas} replicas each pod serves different images`);
  }
  if (touched.has('replicas') && spec.replicas === 0) plan.warnings.push('replicas 0: the registry will have no pods and be unavailable');
  if (touched.has('managementState') && before.managementState !== spec.managementState) {
    if (spec.managementState === 'Removed') {
      const managed = spec.storage?.managementState === 'Managed' || config.status?.storageManaged === true;
      plan.risks.push(
        managed
          ? `managementState Removed deletes the registry and the storage the operator manages (${types.join(', ') || 'none'}), with the images in it`
          : 'managementState Removed deletes the registry deployment: pushes and pulls stop',
      );
    }
    if (spec.managementState === 'Unmanaged') plan.warnings.push('Unmanaged: the operator stops applying configuration changes to the registry');
  }
  if (touched.has('readOnly') && spec.readOnly === true) plan.warnings.push('readOnly: the registry refuses pushes and deletes');
  plan.ops = b.ops;
  return plan;
}
