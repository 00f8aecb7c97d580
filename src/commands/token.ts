import type { Command } from 'commander';
import type { Context } from '../context.js';
import { examples, namespaceOption, tokenDurationSeconds, type Runtime } from './common.js';
import { UsageError } from '../errors.js';

interface TokenOptions {
  serviceAccount?: string;
  namespace?: string;
  duration?: string;
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('token')
    .summary('print a token for the registry (yours, or a short-lived service-account token)')
    .description(
      'Print a bearer token on stdout for scripts: your kubeconfig token (like `oc whoami -t`), or with --service-account a short-lived token from the TokenRequest API. The registry accepts it as the password of any user name.',
    )
    .option('-z, --service-account <name>', 'issue a token for this service account (TokenRequest)')
    .option('--duration <duration>', 'with --service-account: token lifetime (min 10m)', '1h');
  namespaceOption(cmd, "with --service-account: its namespace (default: the context's)");
  examples(cmd, [
    'regctl token | podman login -u unused --password-stdin "$(regctl status -o json | jq -r .hosts.external[0])"',
    'TOKEN=$(regctl token -z pipeline -n ci --duration 30m)',
  ]);
  cmd.action(rt.action(run));
}

async function run(ctx: Context, _args: string[], o: TokenOptions): Promise<void> {
  const durationSeconds = o.serviceAccount ? tokenDurationSeconds(o.duration) : 3600;
  if (!o.serviceAccount && o.namespace) {
    throw new UsageError('-n/--namespace only applies with --service-account', 'add --service-account SA, or drop -n');
  }
  const cluster = await ctx.cluster(o.namespace);
  if (o.serviceAccount) {
    const { requestServiceAccountToken } = await import('../cluster/tokens.js');
    const t = await requestServiceAccountToken(cluster, cluster.namespace, o.serviceAccount, durationSeconds);
    ctx.io.stdout.write(t.token + '\n');
    if (t.expiresAt) ctx.log.info(`expires at ${t.expiresAt}`);
    return;
  }
  const { AuthError } = await import('../errors.js');
  const token = ctx.globals.token ?? (await cluster.bearerToken());
  if (!token) {
    if (cluster.usesClientCertificate()) {
      throw new AuthError('no token is currently in use for this session: the kubeconfig user authenticates with a client certificate', {
        hint: 'issue one for a service account: `regctl token --service-account SA -n PROJECT`, or `oc login -u USER` for a user token',
      });
    }
    throw new AuthError('no token is currently in use for this session', { hint: 'log in with `oc login`, or use --service-account SA' });
  }
  ctx.io.stdout.write(token + '\n');
}
