import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Binding, RemoveChange, Subject } from '../cluster/policy.js';
import { prepareRoleChange, where } from '../cluster/role-change.js';
import { printObjects } from '../output/printer.js';
import { reviewSubject } from '../cluster/policy-access.js';
import { acmOnlyRemoval, planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import type { Json, Plan, Step } from '../plan/types.js';
import { deleteBindingStep, subjectsStep } from '../cluster/role-steps.js';
import type { spec } from './revoke.js';

const planOf = (steps: Step[]): Plan => ({ name: 'revoke', command: 'regctl revoke', steps, checks: [], warnings: [] });

export async function run(ctx: Context, args: string[], opts: OptionsOf<typeof spec>): Promise<number | void> {
  // Taking subjects away or deleting a binding: only ACM's mustonlyhave/mustnothave can say it.
  acmOnlyRemoval(opts.render, 'revoke');
  const mode = planMode(opts, opts.output);
  const dryRun = mode.dryRun !== 'none' || mode.render !== undefined;
  const { parsed, roleKind, cluster, policy, rbac, clusterWide, subjects, targets } = await prepareRoleChange(ctx, args, opts);
  const { intent } = parsed;
  const namespace = clusterWide ? undefined : cluster.namespace;
  const bindingType = namespace ? 'RoleBinding' : 'ClusterRoleBinding';

  const stepOf = (c: RemoveChange): Step => {
    const why = `remove ${c.removed.map(policy.describeSubject).join(', ')}`;
    if (c.action !== 'update') return deleteBindingStep(c.binding, `${why}: no subjects left`);
    // Rendered: a mustonlyhave of the binding — its subjects exactly the ones left (a RoleBinding has no other
    // top-level fields; metadata labels and annotations stay, as the template names none).
    return { ...subjectsStep(c.binding, why), exactly: { roleRef: c.binding.roleRef, subjects: c.binding.subjects ?? [] } as Json };
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
      if (mode.render) {
        await runPlan(ctx, cluster, { ...planOf(changes.map(stepOf)), name: renderName(changes.map((c) => c.binding)), command: `regctl revoke ${args.join(' ')}` }, mode);
        return;
      }
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

/** The rendered policy's name: `revoke-BINDING-NAMESPACE` for one binding, `revoke-NAMESPACE` for several, else `revoke`. */
function renderName(bs: Binding[]): string {
  const ns = bs[0]?.metadata.namespace;
  const n = bs.length === 1 ? `revoke-${bs[0]!.metadata.name}${ns ? `-${ns}` : ''}` : ns && bs.every((b) => b.metadata.namespace === ns) ? `revoke-${ns}` : 'revoke';
  return n.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50).replace(/-+$/, '');
}

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
