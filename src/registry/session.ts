// The one registry factory behind ctx.registry(): every command that talks to a registry (catalog, tags, inspect,
// login, metrics, doctor's registry-api check, expose --trust's anonymous CA probe) gets its client here. The host
// (flag, reference, --internal, discovered like `regctl login`, or the command's own), the credentials (auth.json as
// login or podman writes it; the cluster token, --token or the kubeconfig's, as the token rule in
// src/cluster/registry-hosts.ts decides; or the command's own, or none) and the trust (--ca-file, certs.d, the
// route/ingress CA, or the command's own), checked with one GET /v2/ so every later request reuses the same token
// and keep-alive connections.
import type { Context } from '../context.js';
import type { Cluster } from '../cluster/cluster.js';
import { RegistryClient } from './client.js';
import { RegistryAuthError, type SavedLogin } from './errors.js';
import { lookupCredentials } from './authfile.js';
import { resolveTrust, type ResolvedTrust } from './trust.js';
import { INTERNAL_REGISTRY_HOST } from './reference.js';
import { validateAccessOptions, registryFlagHost, type CredentialSource, type RegistryAccessOptions } from './access.js';
import { clusterTokenDecision, type HostOrigin, type TokenDecision } from '../cluster/registry-hosts.js';
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
  /**
   * A host the command already chose (login, metrics, doctor), with where it came from; `origin` for the token
   * rule (default: named when `source` is 'flag', else cluster).
   */
  host?: { name: string; source: string; origin?: HostOrigin };
  /** Use these credentials only. */
  credentials?: GivenCredentials;
  /** No credentials at all (no auth.json, no cluster token): a probe such as `expose --trust`'s CA check. */
  anonymous?: boolean;
  /** A trust the command already resolved (doctor: what its tls check found; expose: the CA it wrote). */
  trust?: ResolvedTrust;
  /** Per-request timeout instead of --request-timeout. */
  timeoutMs?: number;
  /** false: resolve host, trust and credentials only, send nothing (default: GET /v2/ with the credentials). */
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
  /** The token rule's note: why the cluster token was withheld. */
  tokenNote?: string;
  /** The cluster token was withheld from this host (not one of this cluster's registry hosts, or unconfirmed). */
  tokenWithheld?: boolean;
  /** Withheld because the --registry host cannot be confirmed as this cluster's registry: the error for it (exit 4). */
  tokenUnconfirmed?: { message: string; hint: string };
  /** A client with the cluster token when the rule allows it and it differs from the credentials used (doctor's evidence). */
  withClusterToken(): Promise<RegistryClient | undefined>;
  /** The credentials came from auth.json: where, and the login that replaces them (for a denial's message). */
  denied?: SavedLogin;
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
  if (!how.withoutCluster && !(how.anonymous && how.trust)) cluster ??= await optionalCluster(ctx, o.namespace);
  if (how.credentials || how.anonymous) return openWithGiven(ctx, o, how, host, hostSource, cluster, how.credentials);

  // Credentials: what podman/skopeo would use for this host (auth.json, credential helpers), with the user name
  // stored there; the cluster token (--token, else the kubeconfig's) only for this cluster's registry hosts.
  let credentials: CredentialSource = 'none';
  let token: string | undefined;
  let username = 'user';
  let authfile: string | undefined;
  let helper: string | undefined;
  const origin: HostOrigin = how.host
    ? (how.host.origin ?? (hostSource === 'flag' ? 'named' : 'cluster'))
    : hostSource === 'flag' || (hostSource === 'image reference' && o.registry)
      ? 'named'
      : hostSource === 'image reference'
        ? 'reference'
        : 'cluster';
  const discovered = origin === 'cluster';
  let decision: TokenDecision | undefined;
  let withheld = false;
  /** The cluster token (--token, else the kubeconfig's) when the token rule lets it go to host. */
  const clusterToken = async (): Promise<string | undefined> => {
    const t = ctx.globals.token ?? (cluster && !cluster.usesClientCertificate() ? await cluster.bearerToken().catch(() => undefined) : undefined);
    if (!t) return undefined;
    decision ??= await clusterTokenDecision(cluster, host, origin);
    if (decision.allowed) return t;
    withheld = true;
    ctx.log.debug(`not sending the cluster token to ${host}: ${decision.note}`);
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
  // A --registry host that cannot be confirmed as this cluster's registry: the token rule's error, when it wants credentials.
  const unconfirmed = withheld ? decision?.unconfirmed : undefined;
  const missingHint = !withheld
    ? undefined
    : unconfirmed
      ? unconfirmed.hint
      : `no credentials for ${host} in auth.json, and regctl sends the cluster token only to this cluster's registry hosts (image.config, the registry routes): log in to it with \`podman login ${host}\`${o.authfile ? ` --authfile ${o.authfile}` : ''}`;

  const trust = await trustFor(ctx, o, host, cluster, how.trust);
  // A denial of what auth.json holds may be another user's login (e.g. an earlier `regctl login -u developer`).
  const savedLogin = () => ({ from: saved(), relogin: `${discovered ? 'regctl login' : `podman login ${host}`}${o.authfile ? ` --authfile ${o.authfile}` : ''}` });

  const make = (t: string | undefined, src: CredentialSource) =>
    new RegistryClient({
      host,
      credentials: t ? { username: src === 'auth.json' ? username : 'user', token: t } : undefined,
      missingHint,
      missingMessage: unconfirmed?.message,
      // Another registry's stored credentials may be a password, not a token.
      rejectedMessage: src === 'auth.json' && !discovered ? `${host} rejected the credentials saved for it in ${authfile}${helper ? ` (credential helper ${helper})` : ''} (401)` : undefined,
      realmHosts: decision?.known?.hosts,
      grantSubject: t ? () => clusterUserOf(cluster, t) : undefined,
      denied: src === 'auth.json' ? savedLogin() : undefined,
      trust: trust.trust,
      env: ctx.env,
      timeoutMs: how.timeoutMs ?? ctx.requestTimeoutMs,
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
  const session: RegistrySession = {
    client,
    host,
    hostSource,
    credentials,
    authfile,
    trust,
    denied: credentials === 'auth.json' ? savedLogin() : undefined,
    get tokenNote() {
      return decision?.note;
    },
    get tokenWithheld() {
      return withheld;
    },
    get tokenUnconfirmed() {
      return withheld ? decision?.unconfirmed : undefined;
    },
    async withClusterToken() {
      const kt = await clusterToken();
      return kt && kt !== token ? make(kt, ctx.globals.token ? 'token' : 'kubeconfig') : undefined;
    },
  };
  if (how.check === false) return session;
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
  return { ...session, client, credentials, authfile, tokenWithheld: withheld, tokenNote: decision?.note, tokenUnconfirmed: withheld ? decision?.unconfirmed : undefined };
}

/** The trust for host from --ca-file, --certs-dir/certs.d, --insecure-skip-tls-verify or the cluster's CA. */
async function trustFor(ctx: Context, o: RegistryAccessOptions, host: string, cluster: Cluster | undefined, given?: ResolvedTrust): Promise<ResolvedTrust> {
  if (given) return given;
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

/**
 * A session with credentials the command obtained itself (login's token, metrics' token; their host passed the
 * token rule first: assertClusterRegistryHost), or with none (anonymous): nothing is looked up.
 */
async function openWithGiven(
  ctx: Context,
  o: RegistryAccessOptions,
  how: OpenHow,
  host: string,
  hostSource: string,
  cluster: Cluster | undefined,
  given: GivenCredentials | undefined,
): Promise<RegistrySession> {
  const trust = await trustFor(ctx, o, host, cluster, how.trust);
  const client = new RegistryClient({
    host,
    credentials: given ? { username: given.username, token: given.token } : undefined,
    trust: trust.trust,
    env: ctx.env,
    timeoutMs: how.timeoutMs ?? ctx.requestTimeoutMs,
    trace: ctx.trace,
    userAgent: USER_AGENT,
    rejectedMessage: given?.rejectedMessage,
    rejectedHint: given?.rejectedHint,
  });
  if (how.check !== false) {
    const ping = () => client.ping(ctx.signal);
    await (how.checkLabel ? ctx.spin(how.checkLabel, ping) : ping());
  }
  return { client, host, hostSource, credentials: given?.source ?? 'none', trust, withClusterToken: async () => undefined };
}

/** The cluster user when token is the cluster's own token (--token, the kubeconfig's, a pod's), else undefined. */
async function clusterUserOf(cluster: Cluster | undefined, token: string): Promise<string | undefined> {
  if (!cluster || (await cluster.bearerToken()) !== token) return undefined;
  return (await cluster.whoami()).username || undefined;
}
