import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import { outputFormat, namespaceOption, outputOption } from './common.js';
import { positiveInt, registryOptions } from './common.js';
import { ListWriter } from '../output/list-writer.js';
import { envelope } from '../output/printer.js';
import { AuthError } from '../errors.js';
import { imageStreamPages, repositoryOf } from '../cluster/imagestreams.js';
import { RegistryAuthError } from '../registry/errors.js';
import { catalogPages } from '../registry/content.js';

const FORMATS = ['table', 'json', 'yaml', 'name'] as const;

export const spec = defineCommand({
  name: 'catalog',
  summary: 'list the repositories in the registry (or in one project)',
  description:
    'List repositories as <project>/<name>.\n' +
    'Without -n: the registry\'s /v2/_catalog, every page (Link rel="next"). The OpenShift registry builds it from the ImageStreams of every project, so it needs cluster-wide "list imagestreams" (cluster-reader).\n' +
    'With -n PROJECT: the ImageStreams of that project, through the API, for users with rights in that project only.',
  options: {
    pageSize: { flags: '--page-size <n>', description: 'repositories per _catalog request (the registry allows up to 1000)', default: '1000' },
    namespace: namespaceOption('list this project through the ImageStream API instead of the cluster-wide _catalog'),
    ...registryOptions,
    output: outputOption(FORMATS),
  },
  examples: ['regctl catalog', 'regctl catalog -n team', 'regctl catalog -o name | wc -l', 'regctl catalog -o json | jq -r ".repositories[]"'],
});

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
    if (e instanceof RegistryAuthError && e.kind === 'denied') throw catalogDenied(s.host);
    throw e;
  }
  await out.end();
}

export function catalogDenied(host: string): AuthError {
  return new AuthError(
    `${host} refused /v2/_catalog: listing the catalog needs cluster-wide "list imagestreams" (image.openshift.io), which this user does not have`,
    { hint: 'list one project through the ImageStream API instead: `regctl catalog -n PROJECT` (or ask a cluster admin for cluster-reader)' },
  );
}
