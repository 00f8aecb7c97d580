import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { FORMATS, type spec } from './tag.js';
import { outputFormat } from './common.js';
import { print, type OutputFormat } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { applyTag, deleteTags, parseDestination, planTag, validateTagFlags, type TagWrite } from '../cluster/tag-plan.js';
import { parseRetag, retag } from '../registry/retag.js';

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

export async function run(ctx: Context, args: string[], o: Options): Promise<void> {
  const format = outputFormat(o, FORMATS);
  if (o.delete) return runDelete(ctx, args, o, format);
  const [src, ...dests] = args as [string, ...string[]];
  validateTagFlags({ ...o, namespace: '' }, dests.length);
  if (isRegistryRetag(src, dests)) return runRetag(ctx, src, dests, o, format);
  const flag = REGISTRY_FLAGS.find((k) => o[k] !== undefined && o[k] !== false);
  if (flag) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to docker:// retags only`, 'tags in image streams go through the API: drop the registry flags');

  const cluster = await ctx.cluster(o.namespace);
  const plan = await planTag(cluster, src, dests, { ...o, namespace: cluster.namespace });
  const applied = o.dryRun ? plan.writes.map((w) => ({ write: w, result: (w.action === 'unchanged' ? 'unchanged' : `would ${w.action}`) as string, image: undefined as string | undefined })) : await applyTag(cluster, plan);
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
      ...(o.dryRun && w.request ? { request: w.request } : {}),
    };
  });
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun: Boolean(o.dryRun), source: plan.source, items },
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
    else ctx.log.info(`Tag ${name} ${o.dryRun ? `would be ${what}` : what}${i.from.kind === 'DockerImage' && !o.dryRun ? ' (the cluster imports it now; see `regctl tags ' + `${i.namespace}/${i.imageStream}\`)` : ''}.`);
  }
  if (o.dryRun) ctx.log.info('dry run: nothing changed');
}

async function runRetag(ctx: Context, src: string, dests: string[], o: Options, format: OutputFormat): Promise<void> {
  if (o.alias || o.source || o.scheduled || o.insecure || o.referencePolicy || o.namespace) {
    throw new UsageError('--alias, --source, --scheduled, --insecure, --reference-policy and -n are for image streams', 'a docker:// retag only stores the manifest under new tags: drop them');
  }
  const plan = parseRetag(src, dests);
  const s = await ctx.registry(o, { referenceHost: plan.host, checkLabel: `connecting to ${plan.host}` });
  const items = (await retag(s.client, plan, { dryRun: o.dryRun, signal: ctx.signal })).map((r) => ({ registry: plan.host, ...r }));
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun: Boolean(o.dryRun), source: { input: src, reference: `${plan.host}/${plan.repository}${plan.source.includes(':') ? '@' : ':'}${plan.source}` }, items },
    rows: items,
    columns: [
      { header: 'image', value: (r) => `${r.registry}/${r.repository}:${r.tag}` },
      { header: 'digest', value: (r) => r.digest },
      { header: 'result', value: (r) => r.result },
    ],
  });
  if (o.dryRun) ctx.log.info('dry run: nothing changed');
}

async function runDelete(ctx: Context, args: string[], o: Options, format: OutputFormat): Promise<void> {
  validateTagFlags({ ...o, namespace: '' }, args.length);
  const flag = REGISTRY_FLAGS.find((k) => o[k] !== undefined && o[k] !== false);
  if (flag) throw new UsageError('the registry flags do not apply with -d', 'tags are deleted through the API: drop them');
  const cluster = await ctx.cluster(o.namespace);
  const dests = args.map((a) => parseDestination(a, cluster.namespace));
  const results = await deleteTags(cluster, dests, Boolean(o.dryRun));
  print(ctx.io, format, {
    kind: 'TagResult',
    data: { dryRun: Boolean(o.dryRun), delete: true, items: results },
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
    else ctx.log.info(`${o.dryRun ? 'Would delete' : 'Deleted'} tag ${name}.`);
  }
  if (o.dryRun) ctx.log.info('dry run: nothing changed');
}
