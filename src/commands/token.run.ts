import type { Context } from '../context.js';
import { tokenDurationSeconds } from './common.js';
import type { OptionsOf } from './spec.js';
import type { spec } from './token.js';
import { requestServiceAccountToken } from '../cluster/tokens.js';
import { AuthError, UsageError } from '../errors.js';

export async function run(ctx: Context, _args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  if (!o.serviceAccount && o.namespace) {
    throw new UsageError('-n/--namespace only applies with --service-account', 'add --service-account SA, or drop -n');
  }
  // No spec default: a --duration given without -z would otherwise be silently ignored (tokenDurationSeconds: 1h).
  if (!o.serviceAccount && o.duration !== undefined) {
    throw new UsageError('--duration only applies with --service-account (your own token keeps the lifetime it has)', `add -z SA for a service-account token of that lifetime: regctl token -z SA --duration ${o.duration}, or drop --duration`);
  }
  const durationSeconds = o.serviceAccount ? tokenDurationSeconds(o.duration) : 3600;
  const cluster = await ctx.cluster(o.namespace);
  if (o.serviceAccount) {
    const t = await requestServiceAccountToken(cluster, cluster.namespace, o.serviceAccount, durationSeconds);
    ctx.io.stdout.write(t.token + '\n');
    if (t.expiresAt) ctx.log.info(`expires at ${t.expiresAt}`);
    return;
  }
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
