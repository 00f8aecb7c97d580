import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Json } from '../cluster/cluster.js';
import { outputFormat } from './common.js';
import { print, type OutputFormat } from '../output/printer.js';
import { renderPruner } from '../output/pruner-view.js';
import { UsageError } from '../errors.js';
import { valueSourceReader } from '../input/read.js';
import { NAMES, R } from '../cluster/resources.js';
import { isApiError } from '../cluster/api-error.js';
import { planMode, type PlanFlags } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { jsonPatchRemovals, specSettingsStep } from '../plan/from-writes.js';
import { target, type Plan, type Step } from '../plan/types.js';
import { collectPruner, CRONJOB, effectiveSettings, PRUNER_CRONJOB, PRUNER_TARGET, readPruner } from '../cluster/pruner.js';
import { findPrunerSetting, parsePrunerAssignments, planPruner, prunerSchemaErrors, type PrunerAssignment } from '../cluster/pruner-settings.js';
import { parseCronSchedule } from '../cluster/cron.js';
import { CHANGE_FORMATS, DEFAULT_TAIL, SHOW_FORMATS, type resumeSpec, type setSpec, type showSpec, type suspendSpec } from './pruner.js';

const MAX_TAIL = 10_000;

function tailLines(v: string | undefined): number {
  const t = (v ?? DEFAULT_TAIL).trim();
  if (!/^\d+$/.test(t) || Number(t) > MAX_TAIL) throw new UsageError(`invalid --tail "${v}"`, `give a number of lines from 0 to ${MAX_TAIL}`);
  return Number(t);
}

export async function runShow(ctx: Context, _args: string[], o: OptionsOf<typeof showSpec>): Promise<number> {
  const format = outputFormat(o, SHOW_FORMATS);
  const tail = tailLines(o.tail);
  const cluster = await ctx.cluster();
  const s = await ctx.spin('Reading the image pruner', () => collectPruner(cluster, { tail, signal: ctx.signal, now: ctx.now() }));
  print(ctx.io, format, { kind: 'PrunerStatus', data: s, human: () => renderPruner(ctx.io, s, ctx.now()) });
  for (const [name, v] of Object.entries(s.unavailable)) if (v.reason === 'Forbidden') ctx.log.warn(`${name}: ${v.message}`);
  if (s.health.degraded) {
    ctx.log.warn(`the image pruner is Degraded (${s.health.reason}${s.health.message ? `: ${s.health.message.split('\n')[0]}` : ''}): the ClusterOperator image-registry reports Degraded ImagePruner${s.health.reason}`);
    if (s.health.fix) ctx.log.always(`fix: ${s.health.fix}`);
  }
  return 0;
}

/** @FILE / @- for YAML-valued settings, read through the capped readers; stdin once. */

type ChangeOptions = OptionsOf<typeof setSpec>;

export async function runSet(ctx: Context, args: string[], o: ChangeOptions): Promise<number> {
  const format = outputFormat(o, CHANGE_FORMATS);
  const assignments = await parsePrunerAssignments(args, valueSourceReader((k) => ctx.readStdin(k)));
  const problems = prunerSchemaErrors(assignments);
  if (problems.length) {
    for (const p of problems.slice(1)) ctx.log.warn(`also: ${p}`);
    const culprit = assignments.find((a) => problems[0]!.startsWith(`spec.${a.setting.key}`));
    const hint = culprit ? `e.g. ${culprit.setting.example} (\`regctl pruner set --help\` lists the settings)` : '`regctl pruner set --help` lists the settings and their values';
    throw new UsageError(`${problems[0]}; nothing was changed`, hint);
  }
  for (const a of assignments) if (a.given !== undefined) ctx.log.info(`${a.setting.key}=${a.given}: using ${String(a.value)}, as the CRD spells it`);
  return change(ctx, assignments, o, format, 'regctl pruner set');
}

export async function runSuspend(ctx: Context, _args: string[], o: OptionsOf<typeof suspendSpec>): Promise<number> {
  return change(ctx, [{ setting: findPrunerSetting('suspend'), value: true }], o, outputFormat(o, CHANGE_FORMATS), 'regctl pruner suspend');
}

export async function runResume(ctx: Context, _args: string[], o: OptionsOf<typeof resumeSpec>): Promise<number> {
  return change(ctx, [{ setting: findPrunerSetting('suspend'), value: false }], o, outputFormat(o, CHANGE_FORMATS), 'regctl pruner resume');
}

/** The plan (one JSON patch of the ImagePruner), then the engine: dry run, render, or apply after a server dry run. */
async function change(ctx: Context, assignments: PrunerAssignment[], o: PlanFlags & { output?: string }, format: OutputFormat, command: string): Promise<number> {
  const mode = planMode(o, o.output);
  const cluster = await ctx.cluster();
  const pruner = await ctx.spin('Reading the image pruner', () => readPruner(cluster));
  const plan = planPruner(assignments, pruner);
  const summary = assignments.map((a) => (a.value === undefined ? `${a.setting.key} removed` : `${a.setting.key}=${typeof a.value === 'object' ? JSON.stringify(a.value) : String(a.value)}`)).join(', ');
  const ops = plan.ops as unknown as Json[];
  const removes = jsonPatchRemovals(pruner, ops);
  const thePlan: Plan = {
    name: command.replace(/^regctl /, '').replace(/ /g, '-'),
    command,
    steps: ops.length ? [{ action: 'patch', target: target(R.imagePruner, NAMES.cluster), summary: `patch ${PRUNER_TARGET}`, patchType: 'json', patch: ops, ...(removes.length ? { removes } : {}) }] : [],
    checks: [],
    warnings: plan.warnings,
  };
  // Rendered, the change is desired state for other clusters too: every assignment, also those this cluster has.
  if (mode.render) thePlan.steps = assignmentsAsSteps(assignments, pruner);
  if (mode.render || mode.dryRun !== 'none') {
    await runPlan(ctx, cluster, thePlan, mode, { format });
    return 0;
  }
  const result = { dryRun: false, changed: plan.ops.length > 0, patch: plan.ops, warnings: plan.warnings };
  for (const w of plan.warnings) ctx.log.warn(w);
  if (plan.ops.length) {
    // The server-side dry run first (precheck): admission and the CRD schema answer before the real patch.
    await runPlan(ctx, cluster, thePlan, mode, { precheck: true, warned: true, quiet: true });
    ctx.log.success(`Patched ${PRUNER_TARGET}: ${summary}`);
  } else {
    ctx.log.info(`Nothing to change: ${summary} already`);
  }
  const touched = new Set(assignments.map((a) => a.setting.key));
  const after = effectiveSettings({ ...(pruner.spec ?? {}), ...Object.fromEntries(assignments.filter((a) => a.setting.path.length === 1).map((a) => [a.setting.key, a.value])) });
  if (touched.has('suspend') && after.suspend) {
    const active = await activeJobs(ctx);
    ctx.log.info(`No scheduled runs until \`regctl pruner resume\`${active.length ? `; ${active.join(', ')} already started and runs to its end` : ''}.`);
  } else if ((touched.has('suspend') || touched.has('schedule')) && !after.suspend) {
    ctx.log.info(await nextRunNote(ctx, after.schedule, touched.has('suspend') && plan.ops.length > 0));
  }
  if (format !== 'table') print(ctx.io, format, { kind: 'PrunerChange', data: result });
  return 0;
}

async function readCronJob(ctx: Context): Promise<Json | null> {
  try {
    return await (await ctx.cluster()).getOrNull(CRONJOB, PRUNER_CRONJOB, NAMES.registryNamespace);
  } catch (e) {
    if (isApiError(e)) return null;
    throw e;
  }
}

/** Names of the pruner Jobs the CronJob lists as active; none when it cannot be read. */
async function activeJobs(ctx: Context): Promise<string[]> {
  return ((await readCronJob(ctx))?.status?.active ?? []).map((a: { name: string }) => a.name);
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');

/**
 * When the next run is. On resume, the CronJob controller starts the most recent run missed while suspended if it
 * was due less than startingDeadlineSeconds (3600, as the operator renders it) ago (kubernetes
 * pkg/controller/cronjob/utils.go mostRecentScheduleTime).
 */
async function nextRunNote(ctx: Context, schedule: string, resumed: boolean): Promise<string> {
  const now = ctx.now();
  let sched;
  try {
    sched = parseCronSchedule(schedule);
  } catch {
    return `Schedule "${schedule}".`;
  }
  const next = `Next run: ${iso(sched.next(now))} (schedule "${schedule}", UTC), once the operator has re-rendered CronJob ${PRUNER_CRONJOB}.`;
  if (!resumed) return next;
  const cj = await readCronJob(ctx);
  const since = Date.parse(cj?.status?.lastScheduleTime ?? cj?.metadata?.creationTimestamp ?? '');
  if (!Number.isFinite(since) || since > now.getTime()) return next;
  let missed: Date | undefined;
  for (let t = sched.next(new Date(since)), n = 0; t.getTime() <= now.getTime() && n < 100_000; t = sched.next(t), n++) missed = t;
  const deadline = Number(cj?.spec?.startingDeadlineSeconds ?? 3600);
  if (missed && now.getTime() - missed.getTime() <= deadline * 1000) return `The run due at ${iso(missed)} was missed while suspended and starts now (less than ${deadline}s late). ${next}`;
  return next;
}

/** The pruner change as desired state: one merge patch with every value given; `KEY-` and replaced objects are removals. */
function assignmentsAsSteps(assignments: PrunerAssignment[], pruner: Json): Step[] {
  return [specSettingsStep(assignments, pruner, target(R.imagePruner, NAMES.cluster), `patch ${PRUNER_TARGET}`)];
}
