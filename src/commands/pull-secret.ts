import { collect, defineCommand } from './spec.js';
import { namespaceOption, outputOption, planOptions } from './common.js';

export const createSpec = defineCommand({
  name: 'create',
  summary: 'create or update a pull secret (kubernetes.io/dockerconfigjson)',
  description: [
    'Create the Secret NAME of type kubernetes.io/dockerconfigjson, with .dockerconfigjson = {"auths": {SERVER: {username, password, auth}}}.',
    "Credentials come from --server/--username plus the password on stdin (--password-stdin), or from a podman/Docker auth file (--from-authfile, optionally only --registry's entry).",
    'Running it again with the same credentials changes nothing; with new ones it updates the Secret (rotation). The password never appears in output.',
    '--link SA links the secret like `oc secrets link`: for pull (imagePullSecrets) and/or mount (secrets). Without --for, builder is linked for mount and other accounts for pull.',
  ].join('\n'),
  arguments: [{ name: 'name', description: 'name of the Secret' }],
  options: {
    namespace: namespaceOption(),
    server: { flags: '--server <host>', description: 'registry host the credentials are for, e.g. quay.io' },
    username: { flags: '--username <user>', description: 'registry user name' },
    passwordStdin: { flags: '--password-stdin', description: 'read the password (or token) from stdin' },
    fromAuthfile: { flags: '--from-authfile <file>', description: 'copy credentials from a containers auth.json or Docker config.json' },
    registry: { flags: '--registry <host>', description: "with --from-authfile: only this registry's entry" },
    link: { flags: '--link <sa>', description: 'link to this service account, e.g. default or builder (repeatable, comma-separated)', parse: collect },
    for: { flags: '--for <use>', description: 'with --link: pull, mount or pull,mount' },
    output: outputOption(['json', 'yaml'], null, 'the redacted Secret and changed service accounts; with --dry-run the Plan'),
    ...planOptions,
  },
  examples: [
    'printf %s "$QUAY_TOKEN" | regctl pull-secret create quaycreds --server quay.io --username myuser --password-stdin --link default -n myapp',
    'regctl pull-secret create regtoken --from-authfile "$XDG_RUNTIME_DIR/containers/auth.json" --registry registry.example.com -n shared',
    'regctl pull-secret create registrycreds --from-authfile auth.json --link builder --dry-run -o yaml',
    'regctl pull-secret create quaycreds --from-authfile auth.json --registry quay.io --link default -n myapp --render acm-policy --output-dir policy/',
  ],
});

export const linkSpec = defineCommand({
  name: 'link',
  summary: 'link an existing secret to service accounts (oc secrets link)',
  description: "Add the secret to the service accounts' imagePullSecrets (--for pull) and/or secrets (--for mount). Without --for, builder is linked for mount and other accounts for pull. Already linked: no change.",
  arguments: [
    { name: 'name', description: 'name of the Secret' },
    { name: 'serviceaccounts', description: 'service accounts, e.g. default builder', variadic: true },
  ],
  options: {
    namespace: namespaceOption(),
    for: { flags: '--for <use>', description: 'pull, mount or pull,mount' },
    output: outputOption(['json', 'yaml'], null, 'the changed service accounts; with --dry-run the Plan'),
    ...planOptions,
  },
  examples: ['regctl pull-secret link registrycreds default --for pull -n myapp', 'regctl pull-secret link registrycreds builder -n myapp'],
});

export const unlinkSpec = defineCommand({
  name: 'unlink',
  summary: 'remove a secret from service accounts (oc secrets unlink)',
  description: [
    "Remove the secret from the service accounts' imagePullSecrets and secrets, like `oc secrets unlink`; --for pull or --for mount removes it from one list only.",
    'Other entries stay as they are. The secret may already be deleted (dangling references are removed). Not linked: no change.',
  ].join('\n'),
  arguments: linkSpec.arguments,
  options: {
    namespace: namespaceOption(),
    for: { flags: '--for <use>', description: 'only from imagePullSecrets (pull) or secrets (mount); default: both' },
    dryRun: planOptions.dryRun,
    render: { ...planOptions.render, hidden: true },
    output: outputOption(['json', 'yaml'], null, 'the changed service accounts; with --dry-run the Plan'),
  },
  examples: ['regctl pull-secret unlink registrycreds default -n myapp', 'regctl pull-secret unlink registrycreds default builder --dry-run -o yaml'],
});

export const spec = defineCommand({
  name: 'pull-secret',
  summary: 'create image pull secrets and link them to service accounts (oc create secret docker-registry + oc secrets link)',
  description: 'Manage kubernetes.io/dockerconfigjson Secrets that let a project pull from private registries, and link them to (or unlink them from) its service accounts.',
  examples: [
    'printf %s "$QUAY_TOKEN" | regctl pull-secret create quaycreds --server quay.io --username myuser --password-stdin --link default -n myapp',
    'regctl pull-secret link quaycreds default builder -n myapp',
    'regctl pull-secret unlink quaycreds default -n myapp',
  ],
  subcommands: [
    { spec: createSpec, load: async () => (await import('./pull-secret.run.js')).runCreate },
    { spec: linkSpec, load: async () => (await import('./pull-secret.run.js')).runLink },
    { spec: unlinkSpec, load: async () => (await import('./pull-secret.run.js')).runUnlink },
  ],
});
