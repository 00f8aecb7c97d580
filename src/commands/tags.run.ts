import { setMaxListeners } from 'node:events';
import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { RepositoryTags } from '../registry/content.js';
import { outputFormat } from './common.js';
import { positiveInt } from './common.js';
import { ListWriter } from '../output/list-writer.js';
import { NotFoundError, RegctlError, UsageError, toRegctlError } from '../errors.js';
import type { OutputFormat } from '../output/printer.js';
import { assertOpenShiftRepository, needsNamespace, parseReference, withNamespace } from '../registry/reference.js';
import { envelope, print } from '../output/printer.js';
import { RegistryAuthError, RegistryHttpError, catalogDenied } from '../registry/errors.js';
import { imageStreamPages, repositoryOf } from '../cluster/imagestreams.js';
import { catalogPages, Limiter, orderedMap, repositoryTags } from '../registry/content.js';
import { FORMATS, type spec } from './tags.js';

type RepoTags = RepositoryTags & { tag?: string };

type TagsOptions = OptionsOf<typeof spec>;

export async function run(ctx: Context, args: string[], o: TagsOptions): Promise<number | void> {
  const format = outputFormat(o, FORMATS);
  const concurrency = positiveInt(o.concurrency, '--concurrency', 16, 64);
  const digests = Boolean(o.digests) || format === 'wide';
  // Every request in flight listens on the Ctrl-C signal.
  setMaxListeners(concurrency * 2 + 10, ctx.signal);
  const input = args[0];
  if (o.all && input) throw new UsageError('give a repository or --all, not both', 'drop REPO to list every repository, or drop --all');
  if (!o.all && !input) throw new UsageError('which repository?', 'give one, e.g. `regctl tags team/app`, or list every repository with --all');
  if (o.all) return listAll(ctx, o, format, concurrency, digests);
  let ref = parseReference(input!, { what: 'repository', example: 'team/app' });
  if (ref.tag || ref.digest) throw new UsageError(`give the repository without a tag or digest: "${input}"`, `e.g. regctl tags ${ref.host ? `${ref.host}/` : ''}${ref.path}`);
  if (needsNamespace(ref)) ref = withNamespace(ref, (await ctx.cluster(o.namespace)).namespace);
  else if (o.namespace && ref.namespace && o.namespace !== ref.namespace) {
    throw new UsageError(`the repository names project ${ref.namespace} but -n says ${o.namespace}`, 'give the project in one place only');
  }
  if (!ref.hostExplicit) assertOpenShiftRepository(ref, input!, 'repository');
  const s = await ctx.registry(o, { referenceHost: ref.host });
  let r: RepoTags;
  try {
    r = await repositoryTags(s.client, ref.path, { limiter: new Limiter(concurrency), digests, signal: ctx.signal });
  } catch (e) {
    throw await notFound(e, s.host, ref.path);
  }
  if (format === 'json' || format === 'yaml') {
    print(ctx.io, format, { kind: 'TagList', data: { registry: s.host, ...r } });
    return;
  }
  const out = new ListWriter<string>(ctx.io, {
    format,
    head: {},
    key: 'tags',
    columns: [
      { header: 'tag', value: (t) => t, width: Math.max(3, ...r.tags.map((t) => t.length)) },
      ...(digests ? [{ header: 'digest', value: (t: string) => r.digests?.[t] ?? '' }] : []),
    ],
    names: (t) => [`${ref.path}:${t}`],
  });
  for (const t of r.tags) await out.add(t);
  await out.end();
  if (!r.tags.length) ctx.log.info(`${ref.path} has no tags.`);
}

async function notFound(e: unknown, host: string, repo: string): Promise<unknown> {
  if (e instanceof RegistryHttpError && e.status === 404) {
    return new NotFoundError(`repository ${repo} not found in ${host} (${e.message})`, { hint: `list the repositories of the project: \`regctl catalog -n ${repo.split('/')[0]}\`` });
  }
  return e;
}

async function listAll(ctx: Context, o: TagsOptions, format: OutputFormat, concurrency: number, digests: boolean): Promise<number | void> {

  // The repository names first (small), so the table can be aligned while the tags stream.
  const names: string[] = [];
  let head: Record<string, unknown>;
  let session;
  if (o.namespace !== undefined) {
    const cluster = await ctx.cluster(o.namespace);
    for await (const page of imageStreamPages(cluster, cluster.namespace, { signal: ctx.signal })) names.push(...page.map(repositoryOf));
    session = await ctx.registry(o);
    head = { registry: session.host, source: 'imagestreams', namespace: cluster.namespace };
  } else {
    session = await ctx.registry(o);
    try {
      for await (const page of catalogPages(session.client, { pageSize: 1000, signal: ctx.signal })) names.push(...page);
    } catch (e) {
      if (e instanceof RegistryAuthError && e.kind === 'denied') throw catalogDenied(session.host, session.denied);
      throw e;
    }
    head = { registry: session.host, source: 'catalog' };
  }
  const client = session.client;
  const limiter = new Limiter(concurrency);
  const wide = format === 'wide';
  const repoWidth = Math.max(10, ...names.map((n) => n.length));
  const out = new ListWriter<RepoTags>(ctx.io, {
    format,
    head: envelope('RepositoryTagsList', head),
    key: 'repositories',
    columns: wide
      ? [
          { header: 'repository', value: (r) => r.name, width: repoWidth },
          { header: 'tag', value: (r) => r.tag ?? (r.error ? '<error>' : '<none>'), width: 20 },
          { header: 'digest', value: (r) => (r.tag ? (r.digests?.[r.tag] ?? '') : (r.error ?? '')) },
        ]
      : [
          { header: 'repository', value: (r) => r.name, width: repoWidth },
          { header: 'tags', value: (r) => (r.error ? `<error: ${r.error}>` : r.tags.join(',')) },
        ],
    names: (r) => r.tags.map((t) => `${r.name}:${t}`),
  });
  let failed = 0;
  const task = async (name: string): Promise<RepoTags> => {
    try {
      return await repositoryTags(client, name, { limiter, digests, signal: ctx.signal });
    } catch (e) {
      // A repository that vanished or is not ours to read is reported; anything else (token, network) stops the run.
      const perRepo = (e instanceof RegistryHttpError && e.status === 404) || (e instanceof RegistryAuthError && (e.kind === 'denied' || e.kind === 'forbidden'));
      if (!perRepo) throw e;
      return { name, tags: [], error: toRegctlError(e).message };
    }
  };
  for await (const r of orderedMap(names, task, concurrency * 4)) {
    if (r.error) {
      failed++;
      ctx.log.warn(`${r.name}: ${r.error}`);
    }
    if (wide) {
      // One row per tag in -o wide.
      if (!r.tags.length) await out.add(r);
      for (const t of r.tags) await out.add({ ...r, tag: t });
      continue;
    }
    await out.add(r);
  }
  await out.end();
  if (failed) {
    throw new RegctlError(`${failed} of ${names.length} repositories could not be listed`, { hint: 'see the warnings above; -n PROJECT lists only a project you may read' });
  }
}
