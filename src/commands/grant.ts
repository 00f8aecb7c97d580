import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import { NotFoundError } from '../errors.js';
import type { Binding } from '../cluster/policy.js';

import { prepareRoleChange, roleArguments, roleOptions, where } from './role-args.js';
import { printObjects } from '../output/printer.js';
import { R } from '../cluster/resources.js';
import { registryReaderRole } from '../cluster/reader-role.js';

export const spec = defineCommand({
  name: 'grant',
  summary: 'give users, groups or service accounts a registry role (like oc policy add-role-to-user)',
  description: [
        'Bind a registry role to subjects, exactly as `oc policy add-role-to-user`/`add-role-to-group` (or `oc adm policy add-cluster-role-to-*` with --cluster-wide) would: no write when a binding of the role already holds every subject; otherwise a new binding named ROLE, ROLE-0, ROLE-1, …',
        '',
        'ROLE is an intent (any other ClusterRole: --cluster-role NAME, which must exist):',
        '  viewer   registry-viewer          pull and view image streams',
        '  editor   registry-editor          push, pull, tag and manage image streams',
        '  puller   system:image-puller      pull images',
        '  pusher   system:image-pusher      push to existing image streams and pull',
        '  builder  system:image-builder     push and pull, also to new image streams (it may create them)',
        '  metrics  registry-monitoring      read the registry metrics (cluster-wide; or prometheus-scraper,',
        '                                    created as in the docs when the cluster has neither)',
        '  pruner   system:image-pruner      prune images (cluster-wide)',
        '  reader   registry-reader          find the registry host and read its status (cluster-wide: get',
        '                                    image.config, the registry config and ClusterOperator; created',
        '                                    when missing) — what a CI service account needs for regctl login',
        "A push to a new name makes the registry create the image stream with the pusher's own token: that needs builder or editor (pusher alone gets 403 denied).",
        'With --role-namespace NS (= -n), ROLE names a namespaced Role of the project instead (not an intent); it must exist.',
        'SUBJECTs are users (system:serviceaccount:NS:SA names a service account); add groups with --group and service accounts of the project with -z.',
      ].join('\n'),
  arguments: roleArguments,
  options: roleOptions('grant'),
  examples: [
    'regctl grant viewer alice -n myproject',
    'regctl grant pusher -z builder -n myproject',
    'regctl grant puller --group system:serviceaccounts:myapp -n shared      # share image streams with project myapp',
    'regctl grant metrics prometheus-user',
    'regctl grant reader -z pipeline -n ci                                    # so the CI account finds the registry',
    'regctl grant puller bob --cluster-wide --dry-run -o yaml',
    'regctl grant image-pusher-local alice -n myproject --role-namespace myproject   # a Role of the project',
    'regctl grant --cluster-role admin developer -n myproject                       # any ClusterRole',
  ],
});

export async function run(ctx: Context, args: string[], opts: OptionsOf<typeof spec>): Promise<number | void> {
  const { parsed, roleKind, cluster, policy, rbac, clusterWide, req, subjects, targets, dryRun } = await prepareRoleChange(ctx, args, opts);
  const { intent, word } = parsed;

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
  const ensureRole = async () => {
    if (!pendingRole) return;
    if (dryRun) {
      ctx.log.info(`(dry run) would create ClusterRole ${role} (${roleWhat})`);
      extra.push(pendingRole);
    } else {
      const create = pendingRole;
      extra.push(
        await rbac.createClusterRole(cluster, create).catch((e) => {
          if (rbac.isAlreadyExists(e)) return create;
          throw e;
        }),
      );
      ctx.log.success(`Created ClusterRole ${role} (${roleWhat})`);
    }
    pendingRole = undefined;
  };
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
    if (plan.action === 'none') {
      await ensureRole();
      ctx.log.info(`${targets.join(', ')} already ${targets.length > 1 ? 'have' : 'has'} ${role} (${where(plan.binding)}): nothing to change`);
      pusherNote();
      if (parsed.format) printObjects(ctx.io, parsed.format, [...extra, plan.binding]);
      else ctx.io.stdout.write(line(dryRun) + '\n');
      return;
    }
    const roleFound = pendingRole || extra.length || roleKind === 'Role' ? true : await rbac.clusterRoleExists(cluster, role);
    if (roleFound === false) ctx.log.warn(`role '${role}' not found`);
    for (const w of await rbac.missingSubjectWarnings(cluster, plan.newSubjects)) ctx.log.warn(w);

    const verb = plan.action === 'create' ? 'create' : 'update';
    await ensureRole();
    if (dryRun) {
      ctx.log.info(`(dry run) would ${verb} ${where(plan.binding)} (${roleKind} ${role})`);
      if (parsed.format) printObjects(ctx.io, parsed.format, [...extra, plan.binding]);
      else ctx.io.stdout.write(line(true, plan.binding) + '\n');
      return;
    }
    let written: Binding;
    try {
      written = plan.action === 'create' ? await rbac.createBinding(cluster, plan.binding) : await rbac.updateBinding(cluster, plan.binding);
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
