import type { Context } from '../context.js';
import { collect, defineCommand, type OptionsOf } from './spec.js';
import type { AccessReport, AccessRow } from '../cluster/policy-access.js';
import type { Subject, SubjectRequest } from '../cluster/policy.js';
import { outputFormat, namespaceOption, outputOption } from './common.js';
import { print } from '../output/printer.js';
import { renderTable } from '../output/table.js';
import { UsageError } from '../errors.js';
import { collectAccess, pushNewAdvice } from '../cluster/policy-access.js';
import * as policy from '../cluster/policy.js';

const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
const CAPS = ['pull', 'push', 'pushNew', 'catalog', 'metrics', 'prune'] as const;
const HEADERS: Record<(typeof CAPS)[number], string> = { pull: 'pull', push: 'push', pushNew: 'push-new', catalog: 'catalog', metrics: 'metrics', prune: 'prune' };

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

export async function run(ctx: Context, args: string[], opts: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(opts, FORMATS);
  const users = args.filter(Boolean);
  const asked = users.length + (opts.group?.length ?? 0) + (opts.serviceAccount?.length ?? 0);
  if (asked > 1) throw new UsageError('access answers for one subject at a time', 'give one user, one --group or one -z; leave all out to list every subject');
  const cluster = await ctx.cluster(opts.namespace);
  let only: Subject | undefined;
  if (asked === 1) {
    const req: SubjectRequest = { users, groups: opts.group ?? [], serviceAccounts: opts.serviceAccount ?? [], namespace: cluster.namespace };
    policy.validateSubjects(req);
    only = policy.buildSubjects(req)[0];
  }
  const report = await ctx.spin('Reading bindings and reviewing access', () => collectAccess(cluster, cluster.namespace, only));
  for (const w of report.warnings) ctx.log.warn(w);
  if (only) {
    const advice = report.subjects[0] && pushNewAdvice(report.subjects[0], report.namespace);
    if (advice) ctx.log.info(advice);
  }
  print(ctx.io, format, {
    kind: 'AccessReport',
    data: report,
    rows: report.subjects,
    columns: [
      { header: 'subject', value: (r: AccessRow) => subjectLabel(r) },
      ...CAPS.map((k) => ({ header: HEADERS[k], value: (r: AccessRow) => (r.allowed[k] === null ? '?' : r.allowed[k] ? 'yes' : '-') })),
      { header: 'via', value: (r: AccessRow) => via(r, false) },
      { header: 'roles', value: (r: AccessRow) => via(r, true), wide: true },
    ],
    human: report.subjects.length ? undefined : () => empty(report, Boolean(only)),
  });
}

function subjectLabel(r: AccessRow): string {
  const s = r.subject;
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace}/${s.name}` : `${s.kind} ${s.name}`;
}

function via(r: AccessRow, roles: boolean): string {
  const parts = roles ? r.via.map((g) => g.role) : r.via.map((g) => g.binding);
  const out = [...new Set(parts)];
  if (!roles) for (const reason of Object.values(r.reasons)) if (reason && !out.length) out.push(reason);
  return out.join(', ');
}

function empty(report: AccessReport, single: boolean): string {
  return single ? 'no registry access\n' : `nobody has registry access in ${report.namespace} through bindings\n`;
}
