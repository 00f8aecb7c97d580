// The one engine every mutating command applies its plan with: steps in order through the cluster's REST client,
// retried as src/cluster/retry.ts says (transient answers, Retry-After, 409 of a patch), one line per step on stderr,
// and on a failure part-way the undo of what this run created (failedPartWay). Also the dry runs (client: print;
// server: every write with dryRun=All) and --render.
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { Cluster } from '../cluster/cluster.js';
import { apiVersionOf, resourcePath } from '../cluster/resources.js';
import { carriesResourceVersion, retryOnConflict, withTransientRetry } from '../cluster/retry.js';
import { failedPartWay } from '../cluster/partial.js';
import { print, type OutputFormat } from '../output/printer.js';
import { RegctlError, UsageError } from '../errors.js';
import { planData, planText } from './print.js';
import { redactPlan, secretValues } from './redact.js';
import { renderPlan, renderedStream } from './render.js';
import type { PlanMode } from './mode.js';
import { describeTarget, sameTarget, type Json, type Plan, type Step } from './types.js';

export const FIELD_MANAGER = 'regctl';

const PATCH_CONTENT = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * Sends one step; `dryRun` adds dryRun=All (the server checks it and stores nothing). `strict` adds
 * fieldValidation=Strict, as kubectl sends it: a field the served schema lacks is an error instead of being pruned.
 * Transient failures are retried by src/cluster/retry.ts; a patch that carries no resourceVersion is sent again on a
 * 409 (the server's own re-applies ran out), as Cluster.patch does.
 */
export async function sendStep(ctx: Context, cluster: Cluster, s: Step, dryRun: boolean, strict = false): Promise<Json> {
  const { ref, name, namespace } = s.target;
  const query: Record<string, string | undefined> = { dryRun: dryRun ? 'All' : undefined };
  const send = (method: string, path: string, body: unknown, contentType?: string) =>
    withTransientRetry(method, (left) => cluster.rest.request<Json>(method, path, { body, contentType, query, ...(left ? { timeoutMs: left } : {}) }), { timeoutMs: ctx.requestTimeoutMs, trace: ctx.trace });
  if (strict) query.fieldValidation = 'Strict';
  if (s.action === 'create') {
    const obj = { apiVersion: apiVersionOf(ref), kind: ref.kind, ...s.object };
    return s.put ? send('PUT', resourcePath(ref, { namespace, name }), obj) : send('POST', resourcePath(ref, { namespace }), obj);
  }
  const path = resourcePath(ref, { namespace, name });
  if (s.action === 'delete') {
    delete query.fieldValidation;
    if (!s.preconditions) return send('DELETE', path, undefined);
    // With a DeleteOptions body the API server reads only the body (handlers/delete.go): a dryRun in the query would be
    // ignored and the object really deleted, so it goes into the body, as client-go sends it.
    delete query.dryRun;
    return send('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: s.preconditions, ...(dryRun ? { dryRun: ['All'] } : {}) });
  }
  // Server-side apply: regctl's field manager, taking over the fields it sets (force), as `kubectl apply --server-side --force-conflicts`.
  if (s.patchType === 'apply') Object.assign(query, { fieldManager: FIELD_MANAGER, force: 'true' });
  const once = () => send('PATCH', path, s.patch, PATCH_CONTENT[s.patchType]);
  return s.patchType === 'apply' || carriesResourceVersion(s.patch) ? once() : retryOnConflict(once, { maxAttempts: 5, what: describeTarget(s.target) });
}

const past = (s: Step) => s.summary.replace(/^(create|patch|delete|apply)\b/, (m) => ({ create: 'created', patch: 'patched', delete: 'deleted', apply: 'applied' })[m] ?? m);

/**
 * The API server checks every write without storing it; `strict` (--dry-run=server) with strict field validation. A
 * step on an object an earlier step creates cannot be checked this way (it does not exist yet): reported as not checked.
 */
export async function checkOnServer(ctx: Context, cluster: Cluster, plan: Plan, o: { report?: boolean; strict?: boolean } = {}): Promise<void> {
  for (const [i, s] of plan.steps.entries()) {
    const creator = plan.steps.slice(0, i).find((x) => x.action === 'create' && sameTarget(x.target, s.target));
    if (creator && s.action !== 'create') {
      if (o.report) ctx.log.info(`server dry run: ${s.summary}: not checked (${describeTarget(s.target)} is created by an earlier step)`);
      continue;
    }
    // A PUT step's resource may ignore dryRun (ImageStreamTag on clusters before the 2025 z-streams): its command checks it another way.
    if (s.action === 'create' && s.put) throw new Error(`internal: ${s.summary} cannot be checked with dryRun=All`);
    await sendStep(ctx, cluster, s, true, o.strict);
    if (o.report) ctx.log.success(`server dry run: ${s.summary}`);
  }
}

export interface ApplyResult {
  /** What was done: `applied`, `dry-run` (client/server) or `rendered`. */
  outcome: 'applied' | 'dry-run' | 'rendered';
  /** The server's answer to each step that was sent (applied only). */
  results: Json[];
  files?: string[];
}

/** Last line of defence: text about to leave regctl must hold none of the plan's secret values. */
function assertNoSecrets(plan: Plan, texts: string[]): void {
  const values = secretValues(plan);
  if (texts.some((t) => values.some((v) => t.includes(v)))) {
    throw new RegctlError('internal error: a secret value would have been printed or written; nothing was', { hint: 'please report this bug' });
  }
}

/** --render: the files, or one YAML stream on stdout. */
export function writeRendering(ctx: Context, plan: Plan, mode: PlanMode): string[] {
  const r = mode.render!;
  const rendering = renderPlan(plan, r);
  if (!r.showSecrets) assertNoSecrets(plan, rendering.files.map((f) => f.content));
  for (const n of rendering.notes) ctx.log.warn(n);
  if (!r.outputDir) {
    ctx.io.stdout.write(renderedStream(rendering));
    return rendering.files.map((f) => f.path);
  }
  try {
    for (const f of rendering.files) {
      const p = path.join(r.outputDir, f.path);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.content, { mode: r.showSecrets ? 0o600 : 0o644 });
    }
  } catch (e) {
    throw new UsageError(`cannot write to ${r.outputDir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'give a directory you can write to with --output-dir');
  }
  ctx.log.success(`wrote ${rendering.files.length} file(s) to ${r.outputDir}: ${rendering.files.map((f) => f.path).join(', ')}`);
  return rendering.files.map((f) => path.join(r.outputDir!, f.path));
}

/**
 * Runs a plan as the flags ask. `format` is the command's -o: with a dry run json|yaml print the plan as data
 * (kind Plan), anything else prints it for people. `precheck` sends every step as a server dry run first, so
 * admission, RBAC and schemas answer before the first real write. `warned`: the command already logged the plan's
 * warnings (e.g. before asking for confirmation); `quiet`: it reports the steps itself; `spin`: the text of a spinner
 * (on a terminal) while a step is sent, for steps the server takes long to answer (undefined: none).
 */
export async function runPlan(ctx: Context, cluster: Cluster | undefined, plan: Plan, mode: PlanMode, o: { format?: OutputFormat; precheck?: boolean; warned?: boolean; quiet?: boolean; spin?: (s: Step) => string | undefined } = {}): Promise<ApplyResult> {
  if (!o.warned) for (const w of plan.warnings) ctx.log.warn(w);
  if (mode.render) return { outcome: 'rendered', results: [], files: writeRendering(ctx, plan, mode) };
  if (mode.dryRun !== 'none') {
    if (mode.dryRun === 'server') await checkOnServer(ctx, need(cluster), plan, { report: true, strict: true });
    const shown = redactPlan(plan);
    const text = o.format === 'json' || o.format === 'yaml' ? undefined : planText(shown, mode.dryRun);
    assertNoSecrets(plan, [text ?? JSON.stringify(planData(shown, mode.dryRun))]);
    if (text === undefined) print(ctx.io, o.format as 'json' | 'yaml', { data: planData(shown, mode.dryRun) });
    else ctx.io.stdout.write(text);
    return { outcome: 'dry-run', results: [] };
  }
  const c = need(cluster);
  if (o.precheck && plan.steps.length) await ctx.spin('Checking the writes with the API server (dry run)', () => checkOnServer(ctx, c, plan));
  const done: Step[] = [];
  const results: Json[] = [];
  for (const s of plan.steps) {
    try {
      const send = () => sendStep(ctx, c, s, false);
      const text = o.spin?.(s);
      results.push(await (text ? ctx.spin(text, send) : send()));
    } catch (e) {
      if (!done.length) throw e;
      throw await undoOrReport(ctx, c, plan, e, s, done);
    }
    done.push(s);
    if (!o.quiet) ctx.log.success(past(s));
  }
  return { outcome: 'applied', results };
}

function need(c: Cluster | undefined): Cluster {
  if (!c) throw new Error('internal: a plan that is sent needs a cluster');
  return c;
}

/** Deletes what this run created when every earlier step was a create; otherwise names what is left. */
async function undoOrReport(ctx: Context, c: Cluster, plan: Plan, e: unknown, failed: Step, done: Step[]): Promise<Error> {
  const created = done.filter((s) => s.action === 'create' && !s.put).reverse();
  const onlyCreated = created.length === done.length;
  const what = (s: Step) => `${describeTarget(s.target)} (${s.action === 'create' ? 'created' : s.action === 'patch' ? 'patched' : 'deleted'})`;
  const kubectlName = (s: Step) => `${s.target.ref.group ? `${s.target.ref.resource}.${s.target.ref.group}` : s.target.ref.resource} ${s.target.name}${s.target.namespace ? ` -n ${s.target.namespace}` : ''}`;
  return failedPartWay(e, {
    step: failed.summary,
    left: done.map(what).join(', '),
    finish: plan.finish ?? plan.command,
    undoCommand: plan.undo ?? (created.length ? created.map((s) => `oc delete ${kubectlName(s)}`).join(' && ') : 'restore the previous values shown by --dry-run'),
    undo: onlyCreated
      ? async () => {
          for (const s of created) await c.delete(s.target.ref, s.target.name, { namespace: s.target.namespace });
          ctx.log.info(`undone: ${created.map((s) => describeTarget(s.target)).join(', ')} deleted`);
        }
      : undefined,
  });
}
