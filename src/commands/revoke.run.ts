import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Binding, RemoveChange, Subject } from '../cluster/policy.js';
import { prepareRoleChange, where } from '../cluster/role-change.js';
import { printObjects } from '../output/printer.js';
import { reviewSubject } from '../cluster/policy-access.js';
import { UsageError } from '../errors.js';
import { planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import type { Plan, Step } from '../plan/types.js';
import { deleteBindingStep, subjectsStep } from '../cluster/role-steps.js';
import type { spec } from './revoke.js';

const planOf = (steps: Step[]): Plan => ({ name: 'revoke', command: 'regctl revoke', steps, checks: [], warnings: [] });

export async function run(ctx: Context, args: string[], opts: OptionsOf<typeof spec>): Promise<number | void> {
  const mode = planMode(opts, opts.output);
  // Taking subjects away or deleting a binding is not desired state: apply/musthave cannot say it.
  if (mode.render) throw new UsageError('revoke cannot be rendered: removing subjects from a binding (or deleting it) is not desired state', 'run `regctl revoke` on each cluster (--contexts runs it on several); render the bindings to keep with `regctl grant … --render`');
  const dryRun = mode.dryRun !== 'none';
  const { parsed, roleKind, cluster, policy, rbac, clusterWide, subjects, targets } = await prepareRoleChange(ctx, args, opts);
  const { intent } = parsed;
  const namespace = clusterWide ? undefined : cluster.namespace;
  const bindingType = namespace ? 'RoleBinding' : 'ClusterRoleBinding';

  const stepOf = (c: RemoveChange) => {
    const why = `remove ${c.removed.map(policy.describeSubject).join(', ')}`;
    return c.action === 'update' ? subjectsStep(c.binding, why) : deleteBindingStep(c.binding, `${why}: no subjects left`);
  };
  for (let attempt = 0; ; attempt++) {
    const bindings = await rbac.listBindings(cluster, namespace);
    const plans = intent.roles.map((role) => ({ role, plan: policy.planRemove(bindings, { namespace, role, roleKind, bindingName: opts.rolebindingName }, subjects) }));
    const changes: Array<RemoveChange & { role: string }> = plans.flatMap((p) => p.plan.changes.map((c) => ({ ...c, role: p.role })));
    if (!changes.length) {
      const missing = plans.find((p) => p.plan.missingBinding);
      const reason = missing
        ? `${bindingType.toLowerCase()} "${opts.rolebindingName}" not found`
        : plans.every((p) => !p.plan.candidates.length)
          ? `unable to locate any ${bindingType} for ${roleKind} ${intent.roles.map((r) => `"${r}"`).join(' or ')}${namespace ? ` in ${namespace}` : ''}`
          : policy.notFoundTargets(targets);
      ctx.log.info(`nothing to revoke: ${reason}`);
      if (dryRun) await runPlan(ctx, cluster, planOf([]), mode, { format: parsed.format });
      else if (parsed.format) printObjects(ctx.io, parsed.format, [], true);
      return;
    }
    if (dryRun) {
      for (const c of changes) ctx.log.info(`(dry run) would ${c.action} ${where(c.binding)}${c.action === 'update' ? ` (remove ${c.removed.map(policy.describeSubject).join(', ')})` : ''}`);
      await runPlan(ctx, cluster, planOf(changes.map(stepOf)), mode, { format: parsed.format });
      return;
    }
    const written: Binding[] = [];
    let retry = false;
    for (const c of changes) {
      try {
        const sent = await runPlan(ctx, cluster, planOf([stepOf(c)]), mode, { quiet: true }).catch((e) => {
          // Already deleted meanwhile: what revoke wanted.
          if (c.action === 'delete' && rbac.isNotFound(e)) return { results: [] };
          throw e;
        });
        written.push(c.action === 'update' ? (sent.results[0] as Binding) : c.binding);
      } catch (e) {
        if (rbac.isConflict(e) && attempt < 5) {
          retry = true;
          break;
        }
        throw e;
      }
      ctx.log.success(`${c.action === 'update' ? 'Updated' : 'Deleted'} ${where(c.binding)}: removed ${c.removed.map(policy.describeSubject).join(', ')} from ${roleKind} ${c.role}`);
      if (c.autoupdate) ctx.log.warn(policy.autoupdateWarning(c.binding));
    }
    if (retry) continue;
    report(ctx, policy, parsed.format, changes.map((c, i) => ({ ...c, binding: written[i] ?? c.binding })), targets, false, roleKind);
    if (namespace) await stillAllowed(ctx, cluster, namespace, subjects);
    return;
  }
}

type PolicyModule = typeof import('../cluster/policy.js');

function report(
  ctx: Context,
  policy: PolicyModule,
  format: 'json' | 'yaml' | undefined,
  changes: Array<RemoveChange & { role: string }>,
  targets: string[],
  dryRun: boolean,
  roleKind: 'ClusterRole' | 'Role',
): void {
  if (format) return printObjects(ctx.io, format, changes.map((c) => c.binding), true);
  for (const role of [...new Set(changes.map((c) => c.role))]) ctx.io.stdout.write(policy.successLine(role, 'removed', targets, dryRun, undefined, roleKind) + '\n');
}

/** Other bindings may still let the subjects pull or push: say so instead of leaving a false sense of revocation. */
async function stillAllowed(ctx: Context, cluster: import('../cluster/cluster.js').Cluster, namespace: string, subjects: Subject[]): Promise<void> {
  for (const s of subjects) {
    try {
      const r = await reviewSubject(cluster, namespace, s, ['pull', 'push']);
      if (!r) return;
      const still = (['pull', 'push'] as const).filter((k) => r[k]?.allowed);
      if (!still.length) continue;
      const reason = r[still[0]!]?.reason;
      ctx.log.warn(`${s.name} can still ${still.join(' and ')} in ${namespace}${reason ? ` (${reason})` : ''}; see \`regctl access ${s.kind === 'Group' ? '--group ' : ''}${s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:` : ''}${s.name} -n ${namespace}\``);
    } catch {
      // best effort: the revoke itself succeeded
    }
  }
}
