import { defineCommand } from './spec.js';
import { planOptions, roleArguments, roleOptions } from './common.js';

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
  options: { ...roleOptions('grant'), ...planOptions },
  examples: [
    'regctl grant viewer alice -n myproject',
    'regctl grant pusher -z builder -n myproject',
    'regctl grant puller --group system:serviceaccounts:myapp -n shared      # share image streams with project myapp',
    'regctl grant metrics prometheus-user',
    'regctl grant reader -z pipeline -n ci                                    # so the CI account finds the registry',
    'regctl grant puller bob --cluster-wide --dry-run -o yaml',
    'regctl grant image-pusher-local alice -n myproject --role-namespace myproject   # a Role of the project',
    'regctl grant --cluster-role admin developer -n myproject                       # any ClusterRole',
    'regctl grant puller -z deployer -n myapp --render acm-policy --placement-label env=prod   # for other clusters',
  ],
});

export const load = async () => (await import('./grant.run.js')).run;
