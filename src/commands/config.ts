import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import { requireConfirmation } from '../context.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat, dryRunOption, outputOption } from './common.js';
import { print } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import { NAMES, R } from '../cluster/resources.js';
import { isApiError } from '../cluster/api-error.js';
import * as rc from '../cluster/registry-config.js';
import * as ss from '../cluster/served-schema.js';

const GET_FORMATS = ['yaml', 'json'] as const;
const SET_FORMATS = ['table', 'json', 'yaml'] as const;
const DEFAULT_TIMEOUT = '10m';

const SETTINGS_HELP = `
Settings (KEY=VALUE sets, KEY- removes):
  managementState            Managed | Unmanaged | Force | Removed (Removed needs --yes when storage is managed)
  replicas                   integer >= 0 (a ReadWriteOnce claim allows only 1, with rolloutStrategy=Recreate)
  storage.managementState    Managed | Unmanaged (whether the operator manages the storage; set storage with regctl set-storage)
  logLevel, operatorLogLevel Normal | Debug | Trace | TraceAll
  readOnly, disableRedirect  true | false
  rolloutStrategy            RollingUpdate | Recreate
  requests.read.maxRunning, requests.read.maxInQueue, requests.write.maxRunning, requests.write.maxInQueue   integer
  requests.read.maxWaitInQueue, requests.write.maxWaitInQueue   duration, e.g. 30s
  proxy.http, proxy.https, proxy.noProxy                          string
  nodeSelector               LABEL=VALUE[,LABEL=VALUE…]  (replaces the whole map; empty value clears it)
  tolerations, affinity, topologySpreadConstraints   @FILE.yaml (or @- for stdin): the value, or a fragment keyed by the name
Values are checked against the CRD schema before anything is sent; enum values in any case (debug → Debug).
defaultRoute and routes are set with regctl expose, storage with regctl set-storage (config get reads them).`;

const getSpec = defineCommand({
  name: 'get',
  summary: 'print the configuration (spec), or the given settings',
  description: 'Print spec of configs.imageregistry.operator.openshift.io/cluster (httpSecret shown as REDACTED), or only the settings named as arguments.',
  arguments: [{ name: 'keys', description: 'settings to print, e.g. replicas proxy.http', variadic: true }],
  options: { output: outputOption(GET_FORMATS, 'yaml') },
  examples: ['regctl config get', 'regctl config get -o json | jq .replicas', 'regctl config get replicas rolloutStrategy'],
});

const setSpec = defineCommand({
  name: 'set',
  summary: 'change settings, with pre-flight checks',
  description: 'Change settings in one JSON patch of configs.imageregistry.operator.openshift.io/cluster. Idempotent: unchanged values send nothing.',
  arguments: [{ name: 'assignments', description: 'KEY=VALUE (or KEY- to remove)', required: true, variadic: true }],
  options: {
    yes: { flags: '-y, --yes', description: 'confirm managementState=Removed' },
    wait: { flags: '--wait', description: "follow the operator's conditions until the registry is Available (exit 0) or fails (exit 3)" },
    timeout: { flags: '--timeout <duration>', description: `with --wait: give up after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
    dryRun: dryRunOption,
    output: outputOption(SET_FORMATS),
  },
  notes: SETTINGS_HELP,
  examples: [
    'regctl config set replicas=2 logLevel=Debug',
    'regctl config set rolloutStrategy=Recreate replicas=1 --wait',
    'regctl config set proxy.https=http://proxy.corp:3128 proxy.noProxy=.cluster.local,.svc',
    'regctl config set nodeSelector=node-role.kubernetes.io/infra= tolerations=@infra-tolerations.yaml',
    'regctl config set requests.read.maxRunning=100 requests.read.maxWaitInQueue=60s --dry-run',
    'regctl config set proxy.http-',
  ],
});

export const spec = defineCommand({
  name: 'config',
  summary: 'show or change the operator configuration (replicas, log levels, proxy, placement, …)',
  description: 'Read and change the settings of configs.imageregistry.operator.openshift.io/cluster. Storage is set with `regctl set-storage`.',
  examples: ['regctl config get replicas', 'regctl config set replicas=3 logLevel=Debug --wait', 'regctl config set tolerations=@tolerations.yaml --dry-run'],
  subcommands: [
    { spec: getSpec, run: runGet },
    { spec: setSpec, run: runSet },
  ],
});

async function runGet(ctx: Context, keys: string[], o: OptionsOf<typeof getSpec>): Promise<number> {
  const format = outputFormat(o, GET_FORMATS, 'yaml');
  for (const k of keys) rc.findSetting(k, { get: true });
  const cluster = await ctx.cluster();
  const cfg = await ctx.spin('Reading the registry configuration', () => rc.readConfig(cluster));
  const spec = rc.redactSpec(cfg.spec);
  const data: Json = keys.length ? Object.fromEntries(keys.map((k) => [rc.findSetting(k, { get: true }).key, rc.settingValue(spec, k) ?? null])) : spec;
  print(ctx.io, format, { kind: 'RegistryConfigValues', data });
  return 0;
}

async function runSet(ctx: Context, args: string[], o: OptionsOf<typeof setSpec>): Promise<number> {
  const format = outputFormat(o, SET_FORMATS);
  if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout needs --wait', 'add --wait, or drop --timeout');
  const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
  if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
  if (o.wait && o.dryRun) throw new UsageError('--wait has nothing to wait for with --dry-run', 'drop one of them');
  let stdinUsed = false;
  const assignments = await rc.parseAssignments(args, async (src) => {
    if (src === '-') {
      if (stdinUsed) throw new UsageError('only one setting can be read from stdin (@-)', 'read the others from files');
      stdinUsed = true;
      return ctx.readStdin('value');
    }
    try {
      return readTextFileCapped(src, 'value');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${src}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'check the path and its permissions');
    }
  });
  // Schema problems are bad input: report them before touching the cluster.
  const schemaProblems = rc.schemaErrors(assignments);
  if (schemaProblems.length) {
    for (const p of schemaProblems.slice(1)) ctx.log.warn(`also: ${p}`);
    const culprit = assignments.find((a) => schemaProblems[0]!.startsWith(`spec.${a.setting.key}:`));
    const hint = (culprit && rc.valueHint(culprit)) ?? '`regctl config set --help` lists the settings and their values';
    throw new UsageError(`${schemaProblems[0]}; nothing was changed`, hint);
  }
  for (const a of assignments) if (a.given !== undefined) ctx.log.info(`${a.setting.key}=${a.given}: using ${a.value}, as the CRD spells it`);

  const cluster = await ctx.cluster();
  const { served, ...plan } = await ctx.spin('Running pre-flight checks', async () => {
    const cfg = await rc.readConfig(cluster);
    const pvc = await claimInUse(cluster, cfg, assignments);
    const served = await ss.readServedSchema(cluster);
    return { cfg, served, ...rc.planConfig(assignments, cfg, pvc) };
  });
  if (served.note) ctx.log.warn(served.note);
  // The cluster's own CRD: what it lacks would be pruned silently, so it is refused like any bad input.
  const dropped = assignments.flatMap((a) => ss.checkServed(a.setting.path, a.value, served).map((p) => ({ ...p, key: a.setting.key })));
  if (dropped.length) {
    for (const p of dropped.slice(1)) ctx.log.warn(`also: ${p.message}`);
    const p = dropped[0]!;
    const what = p.field === `spec.${p.key}` ? `do not set ${p.key}` : `leave ${p.field.replace(/^spec\./, '')} out of ${p.key}`;
    throw new UsageError(`${p.message}; nothing was changed`, `${what}: ${served.cluster} predates it`);
  }
  if (plan.problems.length) {
    for (const p of plan.problems.slice(1)) ctx.log.warn(`also: ${p.message}`);
    const p = plan.problems[0]!;
    throw new UsageError(`${p.message}; nothing was changed`, p.hint);
  }
  for (const w of plan.warnings) ctx.log.warn(w);
  if (plan.risks.length && plan.ops.length && !o.dryRun) {
    await requireConfirmation(ctx, o.yes, `${plan.risks.join('; ')}.\nContinue?`, `refusing without --yes: ${plan.risks.join('; ')}`);
  }
  if (plan.ops.length) await ctx.spin('Checking the patch with the API server (dry run)', () => cluster.patch(R.registryConfig, NAMES.cluster, plan.ops, 'json', { dryRun: true }));
  const result: Json = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'ConfigChange',
    dryRun: Boolean(o.dryRun),
    changed: plan.ops.length > 0,
    patch: plan.ops,
    warnings: plan.warnings,
  };
  const summary = assignments.map((a) => (a.value === undefined ? `${a.setting.key} removed` : `${a.setting.key}=${typeof a.value === 'object' ? JSON.stringify(a.value) : a.value}`)).join(', ');
  if (o.dryRun) {
    if (plan.risks.length && plan.ops.length) ctx.log.warn(`without --dry-run this needs --yes: ${plan.risks.join('; ')}`);
    if (format === 'table') {
      const write = { action: 'patch' as const, kind: 'Config' as const, name: NAMES.cluster, patchType: 'json' as const, body: plan.ops, summary: `patch ${rc.CONFIG_TARGET}` };
      ctx.io.stdout.write(`# dry run: nothing was changed\n${rc.renderWrites(plan.ops.length ? [write] : [])}`);
    } else print(ctx.io, format, { data: result });
    return 0;
  }
  let generation: number = plan.cfg.metadata?.generation ?? 0;
  if (plan.ops.length) {
    const res = await cluster.patch(R.registryConfig, NAMES.cluster, plan.ops, 'json');
    generation = res?.metadata?.generation ?? generation;
    ctx.log.success(`Patched ${rc.CONFIG_TARGET}: ${summary}`);
  } else {
    ctx.log.info(`Nothing to change: ${summary} already`);
  }
  if (o.wait) {
    const s = await rc.waitForOperator(cluster, { generation, timeoutMs, signal: ctx.signal, onProgress: (x) => ctx.log.info(`operator: ${x}`) });
    result.operator = { summary: s };
    ctx.log.success('The operator applied the configuration');
  }
  if (format !== 'table') print(ctx.io, format, { data: result });
  return 0;
}

/** The claim the registry uses when the change could break the ReadWriteOnce rules; undefined if unreadable. */
async function claimInUse(cluster: import('../cluster/cluster.js').Cluster, cfg: Json, assignments: Array<{ setting: { key: string } }>): Promise<Json | null | undefined> {
  if (!assignments.some((a) => a.setting.key === 'replicas' || a.setting.key === 'rolloutStrategy')) return null;
  const claim = cfg.spec?.storage?.pvc ? cfg.spec.storage.pvc.claim || 'image-registry-storage' : undefined;
  if (!claim) return null;
  try {
    return await cluster.getOrNull(R.pvc, claim, NAMES.registryNamespace);
  } catch (e) {
    if (isApiError(e, 403)) return undefined;
    throw e;
  }
}
