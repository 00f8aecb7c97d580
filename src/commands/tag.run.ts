import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { FORMATS, type spec } from './tag.js';
import { outputFormat } from './common.js';
import { print, type OutputFormat } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { applyTag, deleteTags, parseDestination, planTag, renderSteps, tagSteps, validateTagFlags, type Destination, type TagPlan, type TagWrite } from '../cluster/tag-plan.js';
import { parseRetag, retag } from '../registry/retag.js';
import type { Cluster } from '../cluster/cluster.js';
import { R } from '../cluster/resources.js';
import * as is from '../cluster/imagestreams.js';
import { acmOnlyRemoval, planMode, type PlanMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { planData, planText } from '../plan/print.js';
import type { Plan, Step } from '../plan/types.js';

type Options = OptionsOf<typeof spec>;

const REGISTRY_FLAGS = ['registry', 'internal', 'authfile', 'caFile', 'certsDir', 'insecureSkipTlsVerify'] as const;

/** A docker:// source retagged in its own registry: every destination is docker://… or a bare tag. */
function isRegistryRetag(src: string, dests: string[]): boolean {
  if (!src.startsWith('docker://')) return false;
  const kinds = dests.map((d) => d.startsWith('docker://') || (!d.includes('/') && !d.includes(':')));
  if (kinds.every(Boolean)) return true;
  if (kinds.some(Boolean)) throw new UsageError('mixed destinations: docker:// references or bare tags retag in the source registry, [PROJECT/]STREAM:TAG tags into image streams', 'run one command for each kind');
  return false;
}

/** Why --dry-run=server does not send the writes (openshift-apiserver pkg/image/apiserver/registry/imagestreamtag/rest.go). */
const SERVER_DRY_RUN_NOTE =
  "ImageStreamTag writes are not sent with dryRun=All (openshift-apiserver passes dryRun on to the image stream only since the May 2025 z-streams of 4.16 and later; older clusters would really change it): the streams were read and the permissions checked instead";

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');

function planOf(name: string, command: string, steps: Step[], warnings: string[] = []): Plan {
  return { name: slug(name).slice(0, 50).replace(/-+$/, ''), command, steps, checks: [], warnings };
}

/** --dry-run: the plan; =server after reading what each step needs (the reads and permission checks were made by the planning). */
async function showPlan(ctx: Context, cluster: Cluster, plan: Plan, mode: PlanMode, format: OutputFormat): Promise<void> {
  if (mode.dryRun === 'client') {
    await runPlan(ctx, cluster, plan, mode, { format: format === 'table' ? undefined : format });
    return;
  }
  for (const s of plan.steps) {
    if (s.action === 'delete') await cluster.get(R.imageStreamTag, s.target.name, s.target.namespace);
    ctx.log.success(`server dry run: ${s.summary}: checked with reads and a permission check (not sent with dryRun=All)`);
  }
  const shown = { ...plan, warnings: plan.steps.length ? [...plan.warnings, SERVER_DRY_RUN_NOTE] : plan.warnings };
  for (const w of shown.warnings) ctx.log.warn(w);
  if (format === 'table') ctx.io.stdout.write(planText(shown, 'server'));
  else print(ctx.io, format, { data: planData(shown, 'server') });
}

function tagPlanName(plan: TagPlan): string {
  const w = plan.writes[0]!;
  return plan.writes.every((x) => x.namespace === w.namespace && x.imageStream === w.imageStream) ? `tag-${w.namespace}-${w.imageStream}` : 'tag';
}

export async function run(ctx: Context, args: string[], o: Options): Promise<void> {
  const format = outputFormat(o, FORMATS);
  // -d is a removal: only an ACM policy can say it (mustnothave), as for `regctl delete`.
  if (o.delete) acmOnlyRemoval(o.render, 'tag -d');
  const mode = planMode(o, o.output);
  if (o.delete) return mode.render ? renderDelete(ctx, args, o, mode) : runDelete(ctx, args, o, format, mode);
  const [src, ...dests] = args as [string, ...string[]];
  validateTagFlags({ ...o, namespace: '' }, dests.length);
  if (isRegistryRetag(src, dests)) {
    if (mode.render) throw new UsageError('a docker:// retag cannot be rendered: it stores a manifest in a registry, not an object of the cluster', 'run `regctl tag docker://…` directly; --render is for tags in image streams ([PROJECT/]STREAM:TAG destinations)');
    if (mode.dryRun === 'server') throw new UsageError('--dry-run=server is for tags in image streams: a docker:// retag writes to a registry, not the API server', 'use --dry-run');
    return runRetag(ctx, src, dests, o, format, mode.dryRun === 'client');
  }
  const flag = REGISTRY_FLAGS.find((k) => o[k] !== undefined && o[k] !== false);
  if (flag) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to docker:// retags only`, 'tags in image streams go through the API: drop the registry flags');

  const cluster = await ctx.cluster(o.namespace);
  const plan = await planTag(cluster, src, dests, { ...o, namespace: cluster.namespace });
  const command = `regctl tag ${src} ${dests.join(' ')}`;
  if (mode.render) {
    await runPlan(ctx, cluster, planOf(tagPlanName(plan), command, renderSteps(plan)), mode);
    return;
  }
  if (mode.dryRun !== 'none') {
    for (const w of plan.writes) {
      const name = `${w.namespace}/${w.imageStream}:${w.tag}`;
      if (w.action === 'unchanged') ctx.log.info(`Tag ${name} is already set to ${plan.source.reference}; nothing to change.`);
    }
    await showPlan(ctx, cluster, planOf(tagPlanName(plan), command, tagSteps(plan)), mode, format);
    return;
  }
  const applied = await applyTag(cluster, plan, async (s) => (await runPlan(ctx, cluster, planOf('tag', command, [s]), mode, { quiet: true })).results[0]!);
  const items = applied.map((a) => {
    const w: TagWrite = a.write;
    // After the write, the server's answer; in a dry run, the image an ImageStreamImage source names.
    const image = a.image ?? (w.from.kind === 'ImageStreamImage' ? plan.source.image : undefined);
    return {
      namespace: w.namespace,
      imageStream: w.imageStream,
      tag: w.tag,
      from: w.from,
      referencePolicy: w.referencePolicy,
      ...(Object.keys(w.importPolicy).length ? { importPolicy: w.importPolicy } : {}),
      alias: w.alias,
      ...(image ? { image } : {}),
      result: a.result,
    };
  });
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun: false, source: plan.source, items },
    rows: items,
    columns: [
      { header: 'imagestreamtag', value: (r) => `${r.namespace}/${r.imageStream}:${r.tag}` },
      { header: 'from', value: (r) => `${r.from.kind} ${r.from.namespace ? `${r.from.namespace}/` : ''}${r.from.name}` },
      { header: 'result', value: (r) => r.result },
    ],
  });
  for (const i of items) {
    const name = `${i.namespace}/${i.imageStream}:${i.tag}`;
    const what = i.alias ? `set up to track ${plan.source.reference}` : i.importPolicy?.scheduled ? `set to import ${plan.source.reference} periodically` : `set to ${plan.source.reference}`;
    if (i.result === 'unchanged') ctx.log.info(`Tag ${name} is already ${what}; nothing changed.`);
    else ctx.log.info(`Tag ${name} ${what}${i.from.kind === 'DockerImage' ? ' (the cluster imports it now; see `regctl tags ' + `${i.namespace}/${i.imageStream}\`)` : ''}.`);
  }
}

async function runRetag(ctx: Context, src: string, dests: string[], o: Options, format: OutputFormat, dryRun: boolean): Promise<void> {
  if (o.alias || o.source || o.scheduled || o.insecure || o.referencePolicy || o.namespace) {
    throw new UsageError('--alias, --source, --scheduled, --insecure, --reference-policy and -n are for image streams', 'a docker:// retag only stores the manifest under new tags: drop them');
  }
  const plan = parseRetag(src, dests);
  const s = await ctx.registry(o, { referenceHost: plan.host, checkLabel: `connecting to ${plan.host}` });
  const items = (await retag(s.client, plan, { dryRun, signal: ctx.signal })).map((r) => ({ registry: plan.host, ...r }));
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun, source: { input: src, reference: `${plan.host}/${plan.repository}${plan.source.includes(':') ? '@' : ':'}${plan.source}` }, items },
    rows: items,
    columns: [
      { header: 'image', value: (r) => `${r.registry}/${r.repository}:${r.tag}` },
      { header: 'digest', value: (r) => r.digest },
      { header: 'result', value: (r) => r.result },
    ],
  });
  if (dryRun) ctx.log.info('dry run: nothing changed');
}

/** -d's own checks (oc's flags, no registry flags) and its operands, each [PROJECT/]STREAM:TAG with its project. */
async function deleteDestinations(ctx: Context, args: string[], o: Options): Promise<{ cluster: Cluster; dests: Destination[] }> {
  validateTagFlags({ ...o, namespace: '' }, args.length);
  const flag = REGISTRY_FLAGS.find((k) => o[k] !== undefined && o[k] !== false);
  if (flag) throw new UsageError('the registry flags do not apply with -d', 'tags are deleted through the API: drop them');
  const cluster = await ctx.cluster(o.namespace);
  return { cluster, dests: args.map((a) => parseDestination(a, cluster.namespace)) };
}

/**
 * -d --render acm-policy: what `regctl delete PROJECT/STREAM:TAG…` renders for the same tags — one mustnothave
 * ImageStreamTag per tag that exists, under the same plan name and command — so both give the same files.
 */
async function renderDelete(ctx: Context, args: string[], o: Options, mode: PlanMode): Promise<void> {
  const { cluster, dests } = await deleteDestinations(ctx, args, o);
  const steps: Step[] = [];
  const seen = new Set<string>();
  for (const d of dests) {
    const key = `${d.namespace}/${d.stream}:${d.tag}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const stream = await is.getImageStream(cluster, d.namespace, d.stream);
    const tag = stream ? is.streamTags(stream).find((t) => t.tag === d.tag) : undefined;
    if (!tag) ctx.log.warn(`${stream ? `${key} not found` : `image stream ${d.namespace}/${d.stream} not found`}: nothing to delete`);
    else steps.push(is.deleteTagStep(d.namespace, d.stream, d.tag, tag.image ?? null));
  }
  const command = `regctl delete ${dests.map((d) => `${d.namespace}/${d.stream}:${d.tag}`).join(' ')}`;
  await runPlan(ctx, cluster, planOf(is.deleteTagsPlanName(steps), command, steps), mode);
}

async function runDelete(ctx: Context, args: string[], o: Options, format: OutputFormat, mode: PlanMode): Promise<void> {
  const { cluster, dests } = await deleteDestinations(ctx, args, o);
  const dry = mode.dryRun !== 'none';
  const command = `regctl tag -d ${args.join(' ')}`;
  const { results, steps } = await deleteTags(cluster, dests, dry, (s) => runPlan(ctx, cluster, planOf('tag-delete', command, [s]), mode, { quiet: true }));
  if (dry) {
    for (const r of results) if (r.result === 'not found') ctx.log.warn(`${r.namespace}/${r.imageStream}:${r.tag} not found: nothing to delete`);
    await showPlan(ctx, cluster, planOf('tag-delete', command, steps), mode, format);
    return;
  }
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun: false, delete: true, items: results },
    rows: results,
    columns: [
      { header: 'imagestreamtag', value: (r) => `${r.namespace}/${r.imageStream}:${r.tag}` },
      { header: 'image', value: (r) => r.image ?? '' },
      { header: 'result', value: (r) => r.result },
    ],
  });
  for (const r of results) {
    const name = `${r.namespace}/${r.imageStream}:${r.tag}`;
    if (r.result === 'not found') ctx.log.warn(`${name} not found: nothing to delete`);
    else ctx.log.info(`Deleted tag ${name}.`);
  }
}
