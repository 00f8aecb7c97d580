import { defineCommand } from './spec.js';
import { namespaceOption, outputOption } from './common.js';
import { registryOptions } from './common.js';

export const FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;

export const spec = defineCommand({
  name: 'tags',
  summary: 'list the tags of a repository, or of every repository',
  description:
    'List tags through the registry API (/v2/<project>/<name>/tags/list, every Link page), as podman and skopeo see them. REPO is <project>/<name>, or <name> in the current project, optionally with the registry host in front.\n' +
    '--all lists every repository of the catalog (cluster-wide list rights), or of project -n PROJECT (ImageStream API), with a bounded pool of concurrent requests over kept-alive connections and one token; results stream in catalog order.',
  arguments: [{ name: 'repo', description: 'repository: [HOST/]PROJECT/NAME or NAME' }],
  options: {
    all: { flags: '-A, --all', description: 'every repository (of the catalog, or of -n PROJECT)' },
    digests: { flags: '--digests', description: 'also resolve the digest of every tag (one HEAD request per tag); -o wide implies it' },
    concurrency: { flags: '--concurrency <n>', description: 'requests in flight at once with --all or --digests', default: '16' },
    namespace: namespaceOption('the project of a one-segment REPO; with --all: list the repositories of this project only'),
    ...registryOptions,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl tags team/app',
    'regctl tags app -n team -o wide',
    'regctl tags --all -n team',
    'regctl tags --all -o json > all-tags.json',
    'regctl tags --all -o name   # project/name:tag lines',
  ],
});

export const load = async () => (await import('./tags.run.js')).run;
