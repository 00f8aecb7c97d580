import { namespaceOption } from './common.js';
import { defineCommand } from './spec.js';
export const spec = defineCommand({
  name: 'token',
  summary: 'print a token for the registry (yours, or a short-lived service-account token)',
  description:
    'Print a bearer token on stdout for scripts: your kubeconfig token (like `oc whoami -t`), or with --service-account a short-lived token from the TokenRequest API. The registry accepts it as the password of any user name.',
  options: {
    serviceAccount: { flags: '-z, --service-account <name>', description: 'issue a token for this service account (TokenRequest)' },
    duration: { flags: '--duration <duration>', description: 'with --service-account: token lifetime (min 10m; default: 1h)' },
    namespace: namespaceOption("with --service-account: its namespace (default: the context's)"),
  },
  examples: [
    'regctl token | podman login -u unused --password-stdin "$(regctl status -o json | jq -r .hosts.external[0])"',
    'TOKEN=$(regctl token -z pipeline -n ci --duration 30m)',
  ],
});

export const load = async () => (await import('./token.run.js')).run;
