// One call for commands that talk to the registry (catalog, tags, manifests, metrics): picks the credentials
// and the trust the way `regctl login` does and returns a ready RegistryClient.
//
//   const { openRegistry } = await import('../registry/connect.js');
//   const reg = await openRegistry(ctx, { host, cluster });
//   for await (const page of reg.pages<{ repositories: string[] }>('/v2/_catalog?n=100')) …
import type { Cluster } from '../cluster/cluster.js';
import { RegistryClient } from './client.js';
import { lookupCredentials } from './authfile.js';
import { clusterRegistryHosts, isClusterRegistryHost } from '../cluster/registry-hosts.js';
import { resolveTrust, type TrustSource } from './trust.js';
import { USER_AGENT } from '../version.js';

export interface RegistryContext {
  env: Record<string, string | undefined>;
  trace?: (line: string) => void;
  requestTimeoutMs: number;
  globals: { token?: string };
}

export interface OpenOptions {
  host: string;
  /** For the kubeconfig token and the cluster's CAs; without it only local files are used. */
  cluster?: Cluster;
  /** Explicit token (wins over everything). */
  token?: string;
  username?: string;
  caFile?: string;
  certsDir?: string;
  insecure?: boolean;
  authfile?: string;
  /** Also look the host up in auth files (default true), after --token and before the kubeconfig token. */
  useAuthFile?: boolean;
  internal?: boolean;
}

export interface OpenedRegistry extends RegistryClient {
  readonly credentialSource: 'token' | 'authfile' | 'kubeconfig' | 'anonymous';
  readonly trustSource: TrustSource;
}

export async function openRegistry(ctx: RegistryContext, o: OpenOptions): Promise<OpenedRegistry> {
  let creds: { username: string; token: string } | undefined;
  let credentialSource: OpenedRegistry['credentialSource'] = 'anonymous';
  const explicit = o.token ?? ctx.globals.token;
  if (explicit) {
    creds = { username: o.username ?? 'regctl', token: explicit };
    credentialSource = 'token';
  } else {
    const found = o.useAuthFile === false ? undefined : lookupCredentials(o.host, { authfile: o.authfile, env: ctx.env });
    if (found) {
      creds = { username: found.username || 'regctl', token: found.password };
      credentialSource = 'authfile';
    } else if (o.cluster && (o.internal || isClusterRegistryHost(o.host, await clusterRegistryHosts(o.cluster, o.cluster.namespace)))) {
      // The cluster token only for this cluster's registry hosts (docs/conventions.md).
      const t = await o.cluster.bearerToken();
      if (t) {
        creds = { username: o.username ?? 'regctl', token: t };
        credentialSource = 'kubeconfig';
      }
    }
  }
  const t = await resolveTrust({ host: o.host, caFile: o.caFile, certsDir: o.certsDir, insecure: o.insecure, env: ctx.env, cluster: o.cluster, internal: o.internal });
  const client = new RegistryClient({
    host: o.host,
    credentials: creds,
    trust: t.trust,
    env: ctx.env,
    timeoutMs: ctx.requestTimeoutMs,
    trace: ctx.trace,
    userAgent: USER_AGENT,
  });
  return Object.assign(client, { credentialSource, trustSource: t.source }) as OpenedRegistry;
}
