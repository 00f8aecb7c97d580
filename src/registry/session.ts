// One authenticated registry client for the content commands (catalog, tags, inspect): the host (flag,
// reference, --internal, or discovered like `regctl login`), the credentials (auth.json as login or podman
// writes it; the cluster token, --token or the kubeconfig's, only for this cluster's registry hosts) and the
// trust (--ca-file, certs.d, the route/ingress CA), checked with one GET /v2/ so every later request reuses the
// same token and keep-alive connections.
import type { Context } from '../context.js';
import type { Cluster } from '../cluster/cluster.js';
import { RegistryClient } from './client.js';
import { RegistryAuthError } from './errors.js';
import { lookupCredentials } from './authfile.js';
import { resolveTrust, type ResolvedTrust } from './trust.js';
import { INTERNAL_REGISTRY_HOST } from './reference.js';
import { validateAccessOptions, registryFlagHost, type CredentialSource, type RegistryAccessOptions } from './access.js';
import { clusterRegistryHosts, isClusterRegistryHost, normalizeHost, type ClusterRegistryHosts } from '../cluster/registry-hosts.js';
import { RegctlError, toRegctlError } from '../errors.js';
import { USER_AGENT } from '../version.js';

export type { RegistryAccessOptions, CredentialSource };
export { validateAccessOptions };

/** Credentials the command already holds (a token it obtained or minted): no auth.json lookup, no cluster token. */
export interface GivenCredentials {
  username: string;
  token: string;
  source: CredentialSource;
  rejectedHint?: string;
  rejectedMessage?: string;
}

export interface OpenHow {
  /** The host an image reference names (wins over discovery; must agree with --registry/--internal). */
  referenceHost?: string;
  /** A host the command already chose (login, metrics), with where it came from. */
  host?: { name: string; source: string };
  /** Use these credentials only. */
  credentials?: GivenCredentials;
  /** false: resolve host and trust only, send nothing (default: GET /v2/ with the credentials). */
  check?: boolean;
  /** Spinner text while checking. */
  checkLabel?: string;
  /** Another registry (`login HOST -u USER`): the kubeconfig is never read, the cluster's CA never used. */
  withoutCluster?: boolean;
  /** Flag rules for validateAccessOptions. */
  allowPath?: boolean;
}

export interface RegistrySession {
  client: RegistryClient;
  host: string;
  hostSource: string;
  credentials: CredentialSource;
  /** The auth file the credentials came from. */
  authfile?: string;
  trust: ResolvedTrust;
}

/** The cluster when a kubeconfig is usable; undefined otherwise (explicit hosts and auth.json need none). */
async function optionalCluster(ctx: Context, namespace?: string): Promise<Cluster | undefined> {
  try {
    return await ctx.cluster(namespace);
  } catch (e) {
    ctx.log.debug(`no cluster connection: ${(e as Error).message}`);
    return undefined;
  }
}

export async function openRegistry(ctx: Context, o: RegistryAccessOptions, how: OpenHow = {}): Promise<RegistrySession> {
  const referenceHost = how.referenceHost;
  validateAccessOptions(o, { referenceHost, allowPath: how.allowPath });
  let host: string;
  let hostSource: string;
  let cluster: Cluster | undefined;
  if (how.host) {
    host = how.host.name;
    hostSource = how.host.source;
  } else if (referenceHost) {
    host = referenceHost;
    hostSource = 'image reference';
  } else if (o.registry) {
    host = registryFlagHost(o.registry);
    hostSource = 'flag';
  } else if (o.internal) {
    host = INTERNAL_REGISTRY_HOST;
    hostSource = 'internal';
  } else {
    try {
      cluster = await ctx.cluster(o.namespace);
    } catch (e) {
      // No usable kubeconfig: the host cannot be discovered, but auth.json and --registry are enough.
      const err = toRegctlError(e);
      throw new RegctlError(`${err.message} (the registry host is discovered from the cluster)`, {
        hint: 'log in with `oc login`, or name the registry with --registry HOST (credentials then come from auth.json)',
        exitCode: err.exitCode,
      });
    }
    const { discoverRegistryHost } = await import('../cluster/routes.js');
    const d = await discoverRegistryHost(cluster, cluster.namespace);
    host = d.host;
    hostSource = d.source;
  }
  if (!how.host) ctx.log.debug(`registry ${host} (from ${hostSource})`);
  if (!how.withoutCluster) cluster ??= await optionalCluster(ctx, o.namespace);
  if (how.credentials) return openWithGiven(ctx, o, how, host, hostSource, cluster, how.credentials);

  // Credentials: what podman/skopeo would use for this host (auth.json, credential helpers), with the user name
  // stored there; the cluster token (--token, else the kubeconfig's) only for this cluster's registry hosts.
  let credentials: CredentialSource = 'none';
  let token: string | undefined;
  let username = 'user';
  let authfile: string | undefined;
  let helper: string | undefined;
  const discovered = hostSource !== 'image reference' && hostSource !== 'flag';
  let known: ClusterRegistryHosts | undefined;
  let unverified = false;
  let withheld = false;
  const isClusterHost = async (): Promise<boolean> => {
    if (discovered || normalizeHost(host) === normalizeHost(INTERNAL_REGISTRY_HOST)) return true;
    if (!known && cluster && !unverified) {
      try {
        known = await clusterRegistryHosts(cluster, cluster.namespace);
      } catch (e) {
        ctx.log.debug(`cannot read this cluster's registry hosts: ${(e as Error).message}`);
      }
      unverified = !known;
    }
    return known ? isClusterRegistryHost(host, known) : false;
  };
  const clusterToken = async (): Promise<string | undefined> => {
    const t = ctx.globals.token ?? (cluster && !cluster.usesClientCertificate() ? await cluster.bearerToken().catch(() => undefined) : undefined);
    if (!t) return undefined;
    if (await isClusterHost()) return t;
    withheld = true;
    ctx.log.debug(`not sending the cluster token to ${host}: ${known?.known ? `not one of this cluster's registry hosts (${[...known.hosts].join(', ')})` : "this cluster's registry hosts could not be read"}`);
    return undefined;
  };
  if (ctx.globals.token) {
    token = await clusterToken();
    if (token) credentials = 'token';
  }
  if (!token) {
    // A credHelpers entry for the host makes this ask docker-credential-<helper> (as podman does).
    const found = lookupCredentials(host, { authfile: o.authfile, env: ctx.env, debug: (l) => ctx.log.debug(l) });
    if (found?.password) {
      token = found.password;
      username = found.username || 'user';
      authfile = found.file;
      helper = found.helper;
      credentials = 'auth.json';
    }
  }
  const saved = () => (helper ? `the token credential helper ${helper} holds for ${host} (credHelpers in ${authfile})` : `the token saved for ${host} in ${authfile}`);
  if (!token && !ctx.globals.token) {
    token = await clusterToken();
    if (token) credentials = 'kubeconfig';
  }
  ctx.log.debug(`credentials for ${host}: ${credentials}${authfile ? ` (${authfile}${helper ? `, credential helper ${helper}` : ''})` : ''}`);
  const missingHint = !withheld
    ? undefined
    : `no credentials for ${host} in auth.json, and regctl sends the cluster token only to this cluster's registry hosts (image.config, the registry routes): log in to it with \`podman login ${host}\`${o.authfile ? ` --authfile ${o.authfile}` : ''}`;

  const trust = await trustFor(ctx, o, host, cluster);

  const make = (t: string | undefined, src: CredentialSource) =>
    new RegistryClient({
      host,
      credentials: t ? { username: src === 'auth.json' ? username : 'user', token: t } : undefined,
      missingHint,
      // Another registry's stored credentials may be a password, not a token.
      rejectedMessage: src === 'auth.json' && !discovered ? `${host} rejected the credentials saved for it in ${authfile}${helper ? ` (credential helper ${helper})` : ''} (401)` : undefined,
      realmHosts: known?.hosts,
      trust: trust.trust,
      env: ctx.env,
      timeoutMs: ctx.requestTimeoutMs,
      trace: ctx.trace,
      userAgent: USER_AGENT,
      rejectedHint:
        src === 'auth.json'
          ? discovered
            ? `${saved()} expired or was revoked: log in again with \`regctl login\``
            : `log in again: \`podman login ${host}\`${o.authfile ? ` --authfile ${o.authfile}` : ''} (for this cluster's registry: \`regctl login --registry ${host}\`)`
          : src === 'token'
            ? 'pass a valid token with --token (`oc whoami -t`)'
            : 'your kubeconfig token expired or was revoked: log in again with `oc login`',
    });
  let client = make(token, credentials);
  try {
    await client.ping(ctx.signal);
  } catch (e) {
    // A stale auth.json entry should not hide a good kubeconfig token.
    if (!(e instanceof RegistryAuthError && e.kind === 'rejected' && credentials === 'auth.json')) throw e;
    const kt = await clusterToken();
    if (!kt || kt === token) throw e;
    ctx.log.warn(`${saved()} was rejected; using the kubeconfig token (refresh it with \`regctl login\`)`);
    client = make(kt, 'kubeconfig');
    credentials = 'kubeconfig';
    authfile = undefined;
    helper = undefined;
    await client.ping(ctx.signal);
  }
  return { client, host, hostSource, credentials, authfile, trust };
}

/** The trust for host from --ca-file, --certs-dir/certs.d, --insecure-skip-tls-verify or the cluster's CA. */
async function trustFor(ctx: Context, o: RegistryAccessOptions, host: string, cluster: Cluster | undefined): Promise<ResolvedTrust> {
  const trust = await resolveTrust({
    host,
    caFile: o.caFile,
    certsDir: o.certsDir,
    insecure: o.insecureSkipTlsVerify,
    env: ctx.env,
    cluster,
    internal: host === INTERNAL_REGISTRY_HOST,
  });
  ctx.log.debug(`trusting ${trust.source}${trust.from ? ` (${trust.from})` : ''} for ${host}`);
  if (trust.source === 'insecure') ctx.log.warn(`not verifying the certificate of ${host} (--insecure-skip-tls-verify)`);
  return trust;
}

/** A session with credentials the command obtained itself (login's token, metrics' token): nothing is looked up. */
async function openWithGiven(
  ctx: Context,
  o: RegistryAccessOptions,
  how: OpenHow,
  host: string,
  hostSource: string,
  cluster: Cluster | undefined,
  given: GivenCredentials,
): Promise<RegistrySession> {
  const trust = await trustFor(ctx, o, host, cluster);
  const client = new RegistryClient({
    host,
    credentials: { username: given.username, token: given.token },
    trust: trust.trust,
    env: ctx.env,
    timeoutMs: ctx.requestTimeoutMs,
    trace: ctx.trace,
    userAgent: USER_AGENT,
    rejectedMessage: given.rejectedMessage,
    rejectedHint: given.rejectedHint,
  });
  if (how.check !== false) {
    const ping = () => client.ping(ctx.signal);
    await (how.checkLabel ? ctx.spin(how.checkLabel, ping) : ping());
  }
  return { client, host, hostSource, credentials: given.source, trust };
}
