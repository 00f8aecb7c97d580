import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { requireConfirmation } from '../context.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';
import { valueSourceReader } from '../input/read.js';
import { NAMES, R } from '../cluster/resources.js';
import { isApiError } from '../cluster/api-error.js';
import * as rc from '../cluster/registry-config.js';
import * as ss from '../cluster/served-schema.js';
import { planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { jsonPatchRemovals, specSettingsStep } from '../plan/from-writes.js';
import { target, type Plan, type Step } from '../plan/types.js';
import { GET_FORMATS, SET_FORMATS, DEFAULT_TIMEOUT, type getSpec, type setSpec } from './config.js';

export async function runGet(ctx: Context, keys: string[], o: OptionsOf<typeof getSpec>): Promise<number> {
  const format = outputFormat(o, GET_FORMATS, 'yaml');
  for (const k of keys) rc.findSetting(k, { get: true });
  const cluster = await ctx.cluster();
  const cfg = await ctx.spin('Reading the registry configuration', () => rc.readConfig(cluster));
  const spec = rc.redactSpec(cfg.spec);
  const data: Json = keys.length ? Object.fromEntries(keys.map((k) => [rc.findSetting(k, { get: true }).key, rc.settingValue(spec, k) ?? null])) : spec;
  print(ctx.io, format, { kind: 'RegistryConfigValues', data });
  return 0;
}

export async function runSet(ctx: Context, args: string[], o: OptionsOf<typeof setSpec>): Promise<number> {
  const format = outputFormat(o, SET_FORMATS);
  if (o.timeout !== undefined && !o.wait) throw new UsageError('--timeout needs --wait', 'add --wait, or drop --timeout');
  const timeoutMs = parseDuration(o.timeout ?? DEFAULT_TIMEOUT);
  if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 10m');
  const mode = planMode(o, o.output);
  const dry = mode.dryRun !== 'none' || mode.render !== undefined;
  if (o.wait && dry) throw new UsageError(`--wait has nothing to wait for with ${mode.render ? '--render' : '--dry-run'}`, 'drop one of them');
  const assignments = await rc.parseAssignments(args, valueSourceReader((k) => ctx.readStdin(k)));
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
  if (plan.risks.length && plan.ops.length && !dry) {
    await requireConfirmation(ctx, o.yes, `${plan.risks.join('; ')}.\nContinue?`, `refusing without --yes: ${plan.risks.join('; ')}`);
  }
  // One step (src/plan): a JSON patch of the Config; replacing an object takes away the keys the new value lacks.
  const ops = plan.ops as unknown as Json[];
  const removes = jsonPatchRemovals(plan.cfg, ops);
  const thePlan: Plan = {
    name: 'config-set',
    command: 'regctl config set',
    steps: ops.length ? [{ action: 'patch', target: target(R.registryConfig, NAMES.cluster), summary: `patch ${rc.CONFIG_TARGET}`, patchType: 'json', patch: ops, ...(removes.length ? { removes } : {}) }] : [],
    checks: o.wait ? [{ name: 'operator applied the configuration', how: "the operator's conditions for the new generation of configs.imageregistry.operator.openshift.io/cluster (--wait)" }] : [],
    warnings: plan.warnings,
  };
  // Rendered, the change is desired state for other clusters too: every assignment, also those this cluster already has.
  if (mode.render) thePlan.steps = assignmentsAsSteps(assignments, plan.cfg);
  if (dry) {
    if (plan.risks.length && plan.ops.length) ctx.log.warn(`${mode.render ? 'this change' : 'without --dry-run this'} needs --yes: ${plan.risks.join('; ')}`);
    await runPlan(ctx, cluster, thePlan, mode, { format, warned: true });
    return 0;
  }
  const result: Json = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'ConfigChange',
    dryRun: false,
    changed: plan.ops.length > 0,
    patch: plan.ops,
    warnings: plan.warnings,
  };
  const summary = assignments.map((a) => (a.value === undefined ? `${a.setting.key} removed` : `${a.setting.key}=${typeof a.value === 'object' ? JSON.stringify(a.value) : a.value}`)).join(', ');
  let generation: number = plan.cfg.metadata?.generation ?? 0;
  if (plan.ops.length) {
    const res = (await runPlan(ctx, cluster, thePlan, mode, { precheck: true, warned: true, quiet: true })).results[0];
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

/** `config set` as desired state: one merge patch with every value given; `KEY-` and replaced objects are removals. */
function assignmentsAsSteps(assignments: Array<{ setting: { path: string[] }; value?: unknown }>, cfg: Json): Step[] {
  return [specSettingsStep(assignments, cfg, target(R.registryConfig, NAMES.cluster), `patch ${rc.CONFIG_TARGET}`)];
}
