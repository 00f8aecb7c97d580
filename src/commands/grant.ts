import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import type { Json } from '../cluster/cluster.js';
import type { Binding, Subject, SubjectRequest } from '../cluster/policy.js';
import type { Intent } from '../cluster/policy-intents.js';
import { dryRunOption, examples, namespaceOption, type Runtime } from './common.js';
import { parseOutput, toJSON, toYAML } from '../output/printer.js';
import { UsageError } from '../errors.js';

/** Options shared by grant and revoke (oc policy flags plus regctl's --group/--cluster-wide). */
export interface RoleOptions {
  namespace?: string;
  group?: string[];
  serviceAccount?: string[];
  serviceaccount?: string[];
  clusterWide?: boolean;
  rolebindingName?: string;
  dryRun?: boolean;
  output?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function roleCommandOptions(cmd: Command, verb: 'grant' | 'revoke'): Command {
  namespaceOption(cmd, 'the project (namespace) of the RoleBinding and of -z service accounts; defaults to the kubeconfig context\'s');
  cmd
    .option('--group <group>', `${verb === 'grant' ? 'grant to' : 'revoke from'} this group (repeatable, comma-separated)`, collect)
    .option('-z, --service-account <name>', 'a service account of the project (repeatable, comma-separated)', collect)
    .addOption(new Option('--serviceaccount <name>', 'alias of --service-account (oc spelling)').argParser(collect).hideHelp())
    .option('--cluster-wide', `${verb === 'grant' ? 'create a ClusterRoleBinding' : 'revoke from ClusterRoleBindings'} (all projects) instead of a RoleBinding`)
    .option('--rolebinding-name <name>', verb === 'grant' ? 'create or extend this binding instead of a new one named ROLE, ROLE-0, …' : 'only revoke from this binding');
  dryRunOption(cmd);
  cmd.addOption(new Option('-o, --output <format>', 'print the binding(s) as json|yaml instead of the oc-style line'));
  return cmd;
}

export interface ParsedRoleArgs {
  word: string;
  intent: Intent;
  request: Omit<SubjectRequest, 'namespace'>;
  format?: 'json' | 'yaml';
}

/** Argument checks that need no cluster (oc's texts), before any request. */
export async function parseRoleArgs(args: string[], opts: RoleOptions): Promise<ParsedRoleArgs> {
  const [word, ...users] = args;
  if (!word) throw new UsageError('you must specify a role', `name an intent (viewer, editor, puller, pusher, builder, metrics, pruner) or a ClusterRole`);
  const format = opts.output === undefined ? undefined : (parseOutput(opts.output, ['json', 'yaml']) as 'json' | 'yaml');
  const { resolveIntent } = await import('../cluster/policy-intents.js');
  const { validateSubjects } = await import('../cluster/policy.js');
  const request = { users, groups: opts.group ?? [], serviceAccounts: [...(opts.serviceAccount ?? []), ...(opts.serviceaccount ?? [])] };
  // The namespace is only known after connecting; check names now with a valid placeholder.
  validateSubjects({ ...request, namespace: opts.namespace ?? 'default' });
  if (opts.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namespace)) {
    throw new UsageError(`"${opts.namespace}" is not a valid project name`, 'project names are lower-case DNS labels, e.g. myapp');
  }
  return { word, intent: resolveIntent(word), request, format };
}

export function printObjects(ctx: Context, format: 'json' | 'yaml', objects: unknown[], alwaysList = false): void {
  const data = objects.length === 1 && !alwaysList ? objects[0] : { apiVersion: 'v1', kind: 'List', metadata: {}, items: objects };
  ctx.io.stdout.write(format === 'json' ? toJSON(data) : toYAML(data));
}

export function where(b: Binding): string {
  return b.metadata.namespace ? `RoleBinding ${b.metadata.name} in ${b.metadata.namespace}` : `ClusterRoleBinding ${b.metadata.name}`;
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('grant')
    .summary('give users, groups or service accounts a registry role (like oc policy add-role-to-user)')
    .description(
      [
        'Bind a registry role to subjects, exactly as `oc policy add-role-to-user`/`add-role-to-group` (or `oc adm policy add-cluster-role-to-*` with --cluster-wide) would: no write when a binding of the role already holds every subject; otherwise a new binding named ROLE, ROLE-0, ROLE-1, …',
        '',
        'ROLE is an intent or any ClusterRole:',
        '  viewer   registry-viewer          pull and view image streams',
        '  editor   registry-editor          push, pull, tag and manage image streams',
        '  puller   system:image-puller      pull images',
        '  pusher   system:image-pusher      push and pull images',
        '  builder  system:image-builder     push, pull and create image streams (builds)',
        '  metrics  registry-monitoring      read the registry metrics (cluster-wide; or prometheus-scraper,',
        '                                    created as in the docs when the cluster has neither)',
        '  pruner   system:image-pruner      prune images (cluster-wide)',
        'SUBJECTs are users (system:serviceaccount:NS:SA names a service account); add groups with --group and service accounts of the project with -z.',
      ].join('\n'),
    )
    .argument('[role]', 'intent or ClusterRole name')
    .argument('[subjects...]', 'user names');
  roleCommandOptions(cmd, 'grant');
  examples(cmd, [
    'regctl grant viewer alice -n myproject',
    'regctl grant pusher -z builder -n myproject',
    'regctl grant puller --group system:serviceaccounts:myapp -n shared      # share image streams with project myapp',
    'regctl grant metrics prometheus-user',
    'regctl grant puller bob --cluster-wide --dry-run -o yaml',
  ]);
  cmd.action(rt.action(run));
}

async function run(ctx: Context, args: string[], opts: RoleOptions): Promise<number | void> {
  const parsed = await parseRoleArgs(args, opts);
  const cluster = await ctx.cluster(opts.namespace);
  const policy = await import('../cluster/policy.js');
  const rbac = await import('../cluster/rbac.js');
  const { INTENT_NAMES } = await import('../cluster/policy-intents.js');
  const { intent, word } = parsed;
  const clusterWide = Boolean(opts.clusterWide || intent.clusterWide);
  const req: SubjectRequest = { ...parsed.request, namespace: cluster.namespace };
  policy.validateSubjects(req);
  const subjects: Subject[] = policy.buildSubjects(req);
  const targets = policy.targetsOf(req);
  const dryRun = Boolean(opts.dryRun);

  if (intent.clusterWide && opts.namespace && !req.serviceAccounts.length) ctx.log.info(`${word} is cluster-wide: granting with a ClusterRoleBinding (-n only applies to -z service accounts)`);
  let role = intent.roles[0]!;
  // metrics: the ClusterRole to create (prometheus-scraper) when the cluster has no metrics role; made just before the binding.
  let pendingRole: Json | undefined;
  if (intent.intent === 'metrics') {
    const m = await rbac.metricsRole(cluster);
    role = m.name;
    pendingRole = m.create;
  }
  const extra: unknown[] = [];
  const ensureRole = async () => {
    if (!pendingRole) return;
    if (dryRun) {
      ctx.log.info(`(dry run) would create ClusterRole ${role} (get image.openshift.io registry/metrics)`);
      extra.push(pendingRole);
    } else {
      const create = pendingRole;
      extra.push(
        await rbac.createClusterRole(cluster, create).catch((e) => {
          if (rbac.isAlreadyExists(e)) return create;
          throw e;
        }),
      );
      ctx.log.success(`Created ClusterRole ${role} (get image.openshift.io registry/metrics)`);
    }
    pendingRole = undefined;
  };
  const scope = { namespace: clusterWide ? undefined : cluster.namespace, role, bindingName: opts.rolebindingName };

  for (let attempt = 0; ; attempt++) {
    const bindings = await rbac.listBindings(cluster, scope.namespace);
    const plan = policy.planAdd(bindings, scope, subjects);
    if (plan.action === 'none') {
      await ensureRole();
      ctx.log.info(`${targets.join(', ')} already ${targets.length > 1 ? 'have' : 'has'} ${role} (${where(plan.binding)}): nothing to change`);
      if (parsed.format) printObjects(ctx, parsed.format, [...extra, plan.binding]);
      else ctx.io.stdout.write(policy.successLine(role, 'added', targets, dryRun) + '\n');
      return;
    }
    const roleFound = pendingRole || extra.length ? true : await rbac.clusterRoleExists(cluster, role);
    if (roleFound === false) {
      ctx.log.warn(`role '${role}' not found`);
      if (!intent.intent) ctx.log.info(`hint: '${word}' is neither an intent (${INTENT_NAMES.join(', ')}) nor an existing ClusterRole`);
    }
    for (const w of await rbac.missingSubjectWarnings(cluster, plan.newSubjects)) ctx.log.warn(w);

    const verb = plan.action === 'create' ? 'create' : 'update';
    await ensureRole();
    if (dryRun) {
      ctx.log.info(`(dry run) would ${verb} ${where(plan.binding)} (ClusterRole ${role})`);
      if (parsed.format) printObjects(ctx, parsed.format, [...extra, plan.binding]);
      else ctx.io.stdout.write(policy.successLine(role, 'added', targets, true, plan.binding) + '\n');
      return;
    }
    let written: Binding;
    try {
      written = plan.action === 'create' ? await rbac.createBinding(cluster, plan.binding) : await rbac.updateBinding(cluster, plan.binding);
    } catch (e) {
      if ((rbac.isAlreadyExists(e) || rbac.isConflict(e)) && attempt < 5) continue;
      throw e;
    }
    ctx.log.success(`${verb === 'create' ? 'Created' : 'Updated'} ${where(plan.binding)}: ${plan.newSubjects.map(policy.describeSubject).join(', ')} → ClusterRole ${role}`);
    if (parsed.format) printObjects(ctx, parsed.format, [...extra, written]);
    else ctx.io.stdout.write(policy.successLine(role, 'added', targets) + '\n');
    return;
  }
}
