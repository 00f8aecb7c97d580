// Getting a registry token for the current user: the kubeconfig's, a service account's (TokenRequest), or
// one from the OAuth server for a username and password. Shared by login, token and metrics.
import type { Context } from '../context.js';
import { USER_AGENT } from '../version.js';
import type { Cluster } from './cluster.js';
import { AuthError } from '../errors.js';
import { kubeconfigTrust, oauthMetadata, requestServiceAccountToken } from './tokens.js';
import { requestOAuthToken } from '../registry/oauth.js';
import { ingressCA } from './routes.js';
import { withKubeconfigProxy } from './proxy-agent.js';
import { isApiError } from './api-error.js';
import { tokenRejectedHint } from './in-cluster.js';
import { tokenRejected } from '../registry/errors.js';
import type { ClusterCredentialSource } from '../registry/access.js';


export interface Token {
  token: string;
  username: string;
  source: ClusterCredentialSource;
  expiresAt?: string;
  rejectedHint: string;
}

/** The token to use and the user behind it, from the chosen source. Shared with `regctl token`. */
export async function obtainToken(
  ctx: Context,
  cluster: Cluster,
  o: { serviceAccount?: string; durationSeconds: number; username?: string; password?: string; noUsernameFlag?: boolean },
): Promise<Token> {
  if (o.serviceAccount) {
    const ns = cluster.namespace;
    const t = await requestServiceAccountToken(cluster, ns, o.serviceAccount, o.durationSeconds);
    return {
      token: t.token,
      username: `system:serviceaccount:${ns}:${o.serviceAccount}`,
      source: 'service-account',
      expiresAt: t.expiresAt,
      rejectedHint: `the registry refused the new token of ${ns}/${o.serviceAccount}; check the service account still exists and try again`,
    };
  }
  if (o.username) {
    const { HttpClient } = await import('../registry/http.js');
    const meta = await oauthMetadata(cluster);
    const kt = kubeconfigTrust(cluster);
    let ingress = '';
    try {
      ingress = (await ingressCA(cluster)).pem;
    } catch {
      /* not readable without a token: the kubeconfig CA and system roots must do */
    }
    const caPem = [kt.caPem, ingress].filter(Boolean).join('\n') || undefined;
    const env = withKubeconfigProxy(cluster.config.kc.getCurrentCluster()?.proxyUrl, ctx.env);
    const http = new HttpClient({ env, trust: { caPem, insecure: kt.insecure }, timeoutMs: ctx.requestTimeoutMs, trace: ctx.trace, userAgent: USER_AGENT });
    const t = await requestOAuthToken(http, meta, o.username, o.password ?? '', ctx.signal);
    return {
      token: t.token,
      username: o.username,
      source: 'password',
      expiresAt: t.expiresIn ? new Date(ctx.now().getTime() + t.expiresIn * 1000).toISOString() : undefined,
      rejectedHint: 'the registry refused the token the OAuth server just issued; try again',
    };
  }
  const fromFlag = ctx.globals.token;
  const token = fromFlag ?? (await cluster.bearerToken());
  if (!token) {
    if (cluster.usesClientCertificate()) {
      // Only login takes --username (metrics does not).
      throw new AuthError('the kubeconfig user authenticates with a client certificate, which the registry does not accept (it needs a token)', {
        hint: `use --service-account SA (short-lived token, e.g. -z builder -n PROJECT)${o.noUsernameFlag ? ' or --token' : ', --username U --password-stdin, or --token'}; or \`oc login\` as a user with a token`,
      });
    }
    throw new AuthError('no token is currently in use for this session', { hint: `log in with \`oc login\`, or use --service-account SA${o.noUsernameFlag ? ' or --token' : ', --username U --password-stdin, or --token'}` });
  }
  // In a pod (in-cluster config) the current token is the pod's service-account token: its own hint.
  const rejectedHint = fromFlag ? 'pass a valid token with --token (`oc whoami -t`)' : cluster.config.inCluster ? tokenRejectedHint(cluster.config) : `${tokenRejectedHint(cluster.config)}, then \`regctl login\``;
  let username: string;
  try {
    username = (await cluster.whoami()).username;
  } catch (e) {
    if (isApiError(e, 401)) throw tokenRejected(new URL(cluster.server).host, rejectedHint);
    throw e;
  }
  return { token, username, source: fromFlag ? 'token' : 'kubeconfig', rejectedHint };
}
