import { collect, defineCommand } from './spec.js';
import { namespaceOption, outputOption } from './common.js';

export const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'access',
  summary: 'show who may pull, push, list the catalog, read metrics and prune',
  description: [
    'List the subjects whose bindings (RoleBindings of the project, and ClusterRoleBindings) grant what the registry checks, each confirmed with a SubjectAccessReview:',
    '  pull     get imagestreams/layers in the project',
    '  push     update imagestreams/layers in the project (push to an existing image stream)',
    '  push-new push and create imagestreams in the project (push to a new name: the registry',
    "           creates the stream with the pusher's own token: builder/editor can, pusher cannot)",
    '  catalog  list imagestreams cluster-wide (/v2/_catalog)',
    '  metrics  get registry/metrics (/extensions/v2/metrics)',
    '  prune    delete images cluster-wide',
    'With SUBJECT (a user or system:serviceaccount:NS:SA), --group or -z, answer for that subject only, including access it has through its groups.',
    'Without permission to create SubjectAccessReviews the answer comes from the bindings alone (a warning says so).',
  ].join('\n'),
  arguments: [{ name: 'subject', description: 'a user name (system:serviceaccount:NS:SA for a service account)' }],
  options: {
    namespace: namespaceOption(),
    group: { flags: '--group <group>', description: 'answer for this group', parse: collect },
    serviceAccount: { flags: '-z, --service-account <name>', description: 'answer for this service account of the project', parse: collect },
    output: outputOption(FORMATS),
  },
  examples: ['regctl access -n myproject', 'regctl access alice -n myproject', 'regctl access -z builder -n myproject -o json', 'regctl access --group system:serviceaccounts:myapp -n shared'],
});

export const load = async () => (await import('./access.run.js')).run;
