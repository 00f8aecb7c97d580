import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { outputFormat } from './common.js';
import { positiveInt } from './common.js';
import { ListWriter } from '../output/list-writer.js';
import { envelope } from '../output/printer.js';
import { imageStreamPages, repositoryOf } from '../cluster/imagestreams.js';
import { RegistryAuthError, catalogDenied } from '../registry/errors.js';
import { catalogPages } from '../registry/content.js';
import { FORMATS, type spec } from './catalog.js';

export async function run(ctx: Context, _args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const pageSize = positiveInt(o.pageSize, '--page-size', 1000, 1000);
  const writerFor = (head: Record<string, unknown>) =>
    new ListWriter<string>(ctx.io, { format, head: envelope('RepositoryList', head), key: 'repositories', columns: [{ header: 'repository', value: (r) => r }], names: (r) => [r] });

  if (o.namespace !== undefined) {
    const cluster = await ctx.cluster(o.namespace);
    const out = writerFor({ source: 'imagestreams', namespace: cluster.namespace });
    for await (const page of imageStreamPages(cluster, cluster.namespace, { signal: ctx.signal })) {
      for (const is of page) await out.add(repositoryOf(is));
    }
    await out.end();
    if (!out.rows) ctx.log.info(`No image streams in project ${cluster.namespace}.`);
    return;
  }
  const s = await ctx.registry(o);
  const out = writerFor({ registry: s.host, source: 'catalog' });
  try {
    for await (const page of catalogPages(s.client, { pageSize, signal: ctx.signal })) {
      for (const r of page) await out.add(r);
    }
  } catch (e) {
    if (e instanceof RegistryAuthError && e.kind === 'denied') throw catalogDenied(s.host, s.denied);
    throw e;
  }
  await out.end();
}
