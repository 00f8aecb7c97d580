import { defineCommand } from './spec.js';
import { namespaceOption, outputOption } from './common.js';
import { registryOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml', 'name'] as const;

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

export const load = async () => (await import('./catalog.run.js')).run;
