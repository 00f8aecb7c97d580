import { defineCommand } from './spec.js';
import { planOptions, removalRenderOptions, roleArguments, roleOptions } from './common.js';

export const spec = defineCommand({
  name: 'revoke',
  summary: 'take a registry role away again (like oc policy remove-role-from-user)',
  description: [
        'Remove subjects from every binding of the role, exactly as `oc policy remove-role-from-user`/`-group` (or `oc adm policy remove-cluster-role-from-*` with --cluster-wide): a binding left without subjects is deleted unless it is annotated rbac.authorization.kubernetes.io/autoupdate=false; bindings marked autoupdate=true draw oc\'s reconciliation warning.',
        'ROLE is an intent (viewer, editor, puller, pusher, builder, metrics, pruner, reader); any other ClusterRole is named with --cluster-role NAME; see `regctl grant --help`. With --role-namespace NS (= -n) ROLE is a namespaced Role and only bindings referencing that Role are touched.',
        'Nothing to remove is not an error: the subjects already lack the role (exit 0).',
      ].join('\n'),
  arguments: roleArguments,
  options: { ...roleOptions('revoke'), dryRun: planOptions.dryRun, ...removalRenderOptions },
  examples: [
    'regctl revoke viewer alice -n myproject',
    'regctl revoke puller --group system:serviceaccounts:myapp -n shared',
    'regctl revoke metrics prometheus-user',
    'regctl revoke pusher -z builder -n myproject --dry-run -o yaml',
    'regctl revoke image-pusher-local alice -n myproject --role-namespace myproject',
    'regctl revoke viewer alice -n myproject --render acm-policy --output-dir policy/   # mustonlyhave/mustnothave of the bindings',
  ],
});

export const load = async () => (await import('./revoke.run.js')).run;
