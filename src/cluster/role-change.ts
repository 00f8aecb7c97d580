// grant and revoke: argument parsing (oc's texts and checks) and what both work out before changing a binding.
import type { Cluster } from './cluster.js';
import type { Binding, SubjectRequest } from './policy.js';
import type { Intent } from './policy-intents.js';
import { parseOutput } from '../output/formats.js';
import { UsageError } from '../errors.js';
import { INTENT_NAMES, resolveIntent, unknownIntent } from './policy-intents.js';
import { validateSubjects } from './policy.js';
import * as policy from './policy.js';
import * as rbac from './rbac.js';

/** The options of grant and revoke (their specs: roleOptions in src/commands/common.ts). */
export interface RoleOptions {
  namespace?: string;
  group?: string[];
  serviceAccount?: string[];
  serviceaccount?: string[];
  clusterWide?: boolean;
  rolebindingName?: string;
  clusterRole?: string;
  roleNamespace?: string;
  dryRun?: boolean | string;
  output?: string;
}

export interface ParsedRoleArgs {
  word: string;
  intent: Intent;
  /** roleRef.kind: Role with --role-namespace (oc's checkRoleBindingNamespace), else ClusterRole. */
  roleKind: 'ClusterRole' | 'Role';
  roleNamespace?: string;
  request: Omit<SubjectRequest, 'namespace'>;
  format?: 'json' | 'yaml';
}

/** Argument checks that need no cluster (oc's texts), before any request. */
export async function parseRoleArgs(args: string[], opts: RoleOptions): Promise<ParsedRoleArgs> {
  const clusterRole = opts.clusterRole;
  const [word, ...users] = clusterRole === undefined ? args : [clusterRole, ...args];
  if (!word) throw new UsageError('you must specify a role', `name an intent (${INTENT_NAMES.join(', ')}), or a ClusterRole with --cluster-role NAME`);
  if (clusterRole !== undefined) {
    if (opts.roleNamespace) throw new UsageError('--cluster-role and --role-namespace cannot be combined', 'bind a ClusterRole with --cluster-role, or a Role of the project with ROLE --role-namespace NS');
    if (!/^[^/%\s]+$/.test(clusterRole) || clusterRole === '.' || clusterRole === '..' || clusterRole.length > 253) {
      throw new UsageError(`"${clusterRole.slice(0, 60)}" is not a valid ClusterRole name`, 'list them with `kubectl get clusterroles`');
    }
  } else if (!opts.roleNamespace && !INTENT_NAMES.includes(word)) {
    throw unknownIntent(word);
  }
  const format = opts.output === undefined ? undefined : (parseOutput(opts.output, ['json', 'yaml']) as 'json' | 'yaml');
  const request = { users, groups: opts.group ?? [], serviceAccounts: [...(opts.serviceAccount ?? []), ...(opts.serviceaccount ?? [])] };
  // The namespace is only known after connecting; check names now with a valid placeholder.
  validateSubjects({ ...request, namespace: opts.namespace ?? 'default' });
  if (opts.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namespace)) {
    throw new UsageError(`"${opts.namespace}" is not a valid project name`, 'project names are lower-case DNS labels, e.g. myapp');
  }
  const intent = clusterRole === undefined ? resolveIntent(word) : { intent: '', roles: [clusterRole], clusterWide: false, what: '' };
  // oc: an empty --role-namespace means a ClusterRole.
  const roleNamespace = opts.roleNamespace || undefined;
  if (roleNamespace !== undefined) checkRoleNamespace(word, intent, roleNamespace, opts);
  return { word, intent, roleKind: roleNamespace ? 'Role' : 'ClusterRole', roleNamespace, request, format };
}

function checkRoleNamespace(word: string, intent: Intent, roleNamespace: string, opts: RoleOptions): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(roleNamespace)) {
    throw new UsageError(`"${roleNamespace}" is not a valid project name for --role-namespace`, 'project names are lower-case DNS labels, e.g. myapp');
  }
  if (opts.clusterWide) {
    throw new UsageError('--role-namespace cannot be used with --cluster-wide', `a ClusterRoleBinding can only reference a ClusterRole; drop --cluster-wide to bind the Role ${word} in its project (-n ${roleNamespace})`);
  }
  if (intent.intent) {
    throw new UsageError(
      `${word} is an intent for the ClusterRole ${intent.roles.join(' or ')}; --role-namespace needs the name of a namespaced Role`,
      `drop --role-namespace to use the intent, or name a Role of the project (kubectl get roles -n ${roleNamespace})`,
    );
  }
  if (opts.namespace !== undefined) roleBindingNamespaceMatches(opts.namespace, roleNamespace);
}

/** oc's checkRoleBindingNamespace: a RoleBinding can only reference a Role of its own namespace. */
function roleBindingNamespaceMatches(bindingNamespace: string, roleNamespace: string): void {
  if (bindingNamespace === roleNamespace) return;
  throw new UsageError(
    `role binding in namespace "${bindingNamespace}" can't reference role in different namespace "${roleNamespace}"`,
    `a RoleBinding can only reference a Role of its own project: pass -n ${roleNamespace} --role-namespace ${roleNamespace}`,
  );
}

export function where(b: Binding): string {
  return b.metadata.namespace ? `RoleBinding ${b.metadata.name} in ${b.metadata.namespace}` : `ClusterRoleBinding ${b.metadata.name}`;
}

/** What grant and revoke both work out before changing any binding. */
export async function prepareRoleChange(ctx: { cluster(namespace?: string): Promise<Cluster> }, args: string[], opts: RoleOptions) {
  const parsed = await parseRoleArgs(args, opts);
  const cluster = await ctx.cluster(opts.namespace);
  // Without -n the binding's namespace is the kubeconfig context's, known only now.
  if (parsed.roleNamespace) roleBindingNamespaceMatches(cluster.namespace, parsed.roleNamespace);
  const clusterWide = Boolean(opts.clusterWide || parsed.intent.clusterWide);
  const req: SubjectRequest = { ...parsed.request, namespace: cluster.namespace };
  policy.validateSubjects(req);
  return { parsed, roleKind: parsed.roleKind, cluster, policy, rbac, clusterWide, req, subjects: policy.buildSubjects(req), targets: policy.targetsOf(req) };
}
