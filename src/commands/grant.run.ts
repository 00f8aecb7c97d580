import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import { NotFoundError } from '../errors.js';
import type { Binding } from '../cluster/policy.js';
import { prepareRoleChange, where } from '../cluster/role-change.js';
import { printObjects } from '../output/printer.js';
import { R } from '../cluster/resources.js';
import { registryReaderRole } from '../cluster/reader-role.js';
import { planMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import type { Plan, Step } from '../plan/types.js';
import { createBindingStep, createRoleStep, subjectsStep } from '../cluster/role-steps.js';
import type { spec } from './grant.js';

export async function run(ctx: Context, args: string[], opts: OptionsOf<typeof spec>): Promise<number | void> {
  const mode = planMode(opts, opts.output);
  const { parsed, roleKind, cluster, policy, rbac, clusterWide, req, subjects, targets } = await prepareRoleChange(ctx, args, opts);
  const { intent, word } = parsed;
  const dryRun = mode.dryRun !== 'none';
  const rendering = mode.render !== undefined;

  if (intent.clusterWide && opts.namespace && !req.serviceAccounts.length) ctx.log.info(`${word} is cluster-wide: granting with a ClusterRoleBinding (-n only applies to -z service accounts)`);
  let role = intent.roles[0]!;
  // metrics: the ClusterRole to create (prometheus-scraper) when the cluster has no metrics role; made just before the binding.
  let pendingRole: Json | undefined;
  let roleWhat = 'get image.openshift.io registry/metrics';
  if (intent.intent === 'metrics') {
    const m = await rbac.metricsRole(cluster);
    role = m.name;
    pendingRole = m.create;
  } else if (intent.intent === 'reader') {
    // Unreadable (403): leave it to the binding; the cluster's own definition, if any, is kept as it is.
    if ((await rbac.clusterRoleExists(cluster, role)) === false) pendingRole = registryReaderRole();
    roleWhat = 'get image.config, the registry config and ClusterOperator';
  }
  const extra: unknown[] = [];
  // Applies the ClusterRole step as today: an AlreadyExists (made meanwhile) is as good as created.
  const ensureRole = async () => {
    if (!pendingRole) return;
    const step = createRoleStep(pendingRole, roleWhat);
    const res = await runPlan(ctx, cluster, planOf([step]), mode, { quiet: true }).catch((e) => {
      if (rbac.isAlreadyExists(e)) return { results: [pendingRole!] };
      throw e;
    });
    extra.push(res.results[0] ?? pendingRole);
    ctx.log.success(`Created ClusterRole ${role} (${roleWhat})`);
    pendingRole = undefined;
  };
  // Named for the binding, so renderings of different grants (ACM policies, file names) do not overwrite each other.
  const planOf = (steps: Step[], b?: Binding): Plan => ({ name: b ? planName(b) : 'grant', command: `regctl grant ${word}`, steps, checks: [], warnings: [] });
  const scope = { namespace: clusterWide ? undefined : cluster.namespace, role, roleKind, bindingName: opts.rolebindingName };
  // A binding to a missing Role grants nothing: unlike oc's warning, refuse (the Role is in this very project).
  if (roleKind === 'Role') await requireRole(cluster, rbac, role, cluster.namespace);
  else if (!intent.intent) await requireClusterRole(cluster, rbac, role);
  const line = (dry = false, object?: Binding) => policy.successLine(role, 'added', targets, dry, object, roleKind);
  const pusherNote = () => {
    if (intent.intent === 'pusher') ctx.log.info(`note: ${role} allows pushing to existing image streams only; a push to a new name is denied (403) unless the subject may also create imagestreams (regctl grant builder … ${clusterWide ? '--cluster-wide' : `-n ${cluster.namespace}`})`);
  };

  for (let attempt = 0; ; attempt++) {
    const bindings = await rbac.listBindings(cluster, scope.namespace);
    const plan = policy.planAdd(bindings, scope, subjects);
    const roleSteps = pendingRole ? [createRoleStep(pendingRole, roleWhat)] : [];
    if (plan.action === 'none') {
      // Rendered, the grant is desired state for other clusters too: the binding as it is here.
      if (rendering) {
        await runPlan(ctx, cluster, planOf([...roleSteps, subjectsStep(plan.binding, 'already holds the subjects here')], plan.binding), mode);
        return;
      }
      if (dryRun) {
        if (roleSteps.length) ctx.log.info(`(dry run) would create ClusterRole ${role} (${roleWhat})`);
        ctx.log.info(`${targets.join(', ')} already ${targets.length > 1 ? 'have' : 'has'} ${role} (${where(plan.binding)}): nothing to change`);
        await runPlan(ctx, cluster, planOf(roleSteps), mode, { format: parsed.format });
        return;
      }
      await ensureRole();
      ctx.log.info(`${targets.join(', ')} already ${targets.length > 1 ? 'have' : 'has'} ${role} (${where(plan.binding)}): nothing to change`);
      pusherNote();
      if (parsed.format) printObjects(ctx.io, parsed.format, [...extra, plan.binding]);
      else ctx.io.stdout.write(line() + '\n');
      return;
    }
    const roleFound = pendingRole || extra.length || roleKind === 'Role' ? true : await rbac.clusterRoleExists(cluster, role);
    if (roleFound === false) ctx.log.warn(`role '${role}' not found`);
    for (const w of await rbac.missingSubjectWarnings(cluster, plan.newSubjects)) ctx.log.warn(w);

    const verb = plan.action === 'create' ? 'create' : 'update';
    const bindingStep = plan.action === 'create' ? createBindingStep(plan.binding) : subjectsStep(plan.binding, `add ${plan.newSubjects.map(policy.describeSubject).join(', ')}`);
    if (dryRun || rendering) {
      if (dryRun) {
        if (roleSteps.length) ctx.log.info(`(dry run) would create ClusterRole ${role} (${roleWhat})`);
        ctx.log.info(`(dry run) would ${verb} ${where(plan.binding)} (${roleKind} ${role})`);
      }
      await runPlan(ctx, cluster, planOf([...roleSteps, bindingStep], plan.binding), mode, { format: parsed.format });
      return;
    }
    await ensureRole();
    let written: Binding;
    try {
      written = (await runPlan(ctx, cluster, planOf([bindingStep]), mode, { quiet: true })).results[0] as Binding;
    } catch (e) {
      if ((rbac.isAlreadyExists(e) || rbac.isConflict(e)) && attempt < 5) continue;
      throw e;
    }
    ctx.log.success(`${verb === 'create' ? 'Created' : 'Updated'} ${where(plan.binding)}: ${plan.newSubjects.map(policy.describeSubject).join(', ')} → ${roleKind} ${role}`);
    pusherNote();
    if (parsed.format) printObjects(ctx.io, parsed.format, [...extra, written]);
    else ctx.io.stdout.write(line() + '\n');
    return;
  }
}

/** `grant-BINDING[-NAMESPACE]` in lower-case letters, digits and dashes, short enough for an ACM policy name. */
function planName(b: Binding): string {
  const n = `grant-${b.metadata.name}${b.metadata.namespace ? `-${b.metadata.namespace}` : ''}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return n.slice(0, 50).replace(/-+$/, '');
}

/** --cluster-role: a binding to a missing ClusterRole grants nothing, so it must exist (exit 5); unreadable (403) is let through. */
async function requireClusterRole(cluster: Cluster, rbac: typeof import('../cluster/rbac.js'), name: string): Promise<void> {
  if ((await rbac.clusterRoleExists(cluster, name)) !== false) return;
  throw new NotFoundError(`ClusterRole ${name} not found`, { hint: 'check the name with `kubectl get clusterroles`, or create the ClusterRole first' });
}

/** --role-namespace: the Role must exist (exit 5); unreadable (403) is let through, as oc does. */
async function requireRole(cluster: Cluster, rbac: typeof import('../cluster/rbac.js'), name: string, namespace: string): Promise<void> {
  if ((await rbac.exists(cluster, R.role, name, namespace)) !== false) return;
  const clusterRole = await rbac.clusterRoleExists(cluster, name);
  throw new NotFoundError(`Role ${name} not found in ${namespace}`, {
    hint: clusterRole
      ? `${name} is a ClusterRole: bind it with --cluster-role ${name} instead of --role-namespace`
      : `create it first, e.g. oc create role ${name} --verb=get,update --resource=imagestreams/layers -n ${namespace}`,
  });
}
