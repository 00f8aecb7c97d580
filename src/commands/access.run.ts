import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { AccessReport, AccessRow } from '../cluster/policy-access.js';
import type { Subject, SubjectRequest } from '../cluster/policy.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { collectAccess, pushNewAdvice } from '../cluster/policy-access.js';
import * as policy from '../cluster/policy.js';
import { FORMATS, type spec } from './access.js';

const CAPS = ['pull', 'push', 'pushNew', 'catalog', 'metrics', 'prune'] as const;
const HEADERS: Record<(typeof CAPS)[number], string> = { pull: 'pull', push: 'push', pushNew: 'push-new', catalog: 'catalog', metrics: 'metrics', prune: 'prune' };

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
