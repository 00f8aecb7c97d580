// The Docker token flow as the OpenShift registry implements it (behaviours f.2, f.3):
// GET /v2/ → 401 `Bearer realm="https://HOST/openshift/token"` → GET realm with Basic user:TOKEN →
// {"token": …} → retry with `Bearer <token>`. A `Basic realm=openshift` challenge is answered with Basic.
import type { HttpClient, HttpResponse } from './http.js';
import { RegistryAuthError, TOKEN_REJECTED_HINT, distributionError, hostOf, tokenRejected, type SavedLogin } from './errors.js';

export { RegistryAuthError, RegistryConnectionError, RegistryHttpError, TOKEN_REJECTED_HINT, CERT_ERROR_CODES, tokenRejected } from './errors.js';

export interface Credentials {
  /** The registry ignores it, but Basic auth needs one; must not contain ':'. */
  username: string;
  /** An OpenShift OAuth or service-account token (the Basic password). Never logged. */
  token: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses WWW-Authenticate values (several challenges, quoted or bare parameter values). */
export function parseChallenges(values: string | string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of Array.isArray(values) ? values : [values]) {
    let i = 0;
    let cur: Challenge | undefined;
    const skip = () => {
      while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    };
    while (i < value.length) {
      skip();
      const m = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(value.slice(i));
      if (!m) break;
      i += m[0].length;
      while (value[i] === ' ') i++;
      if (value[i] !== '=') {
        cur = { scheme: m[0].toLowerCase(), params: {} };
        out.push(cur);
        continue;
      }
      i++;
      while (value[i] === ' ') i++;
      let v = '';
      if (value[i] === '"') {
        i++;
        while (i < value.length && value[i] !== '"') {
          if (value[i] === '\\') i++;
          v += value[i] ?? '';
          i++;
        }
        i++;
      } else {
        while (i < value.length && value[i] !== ',' && value[i] !== ' ') v += value[i++];
      }
      if (cur) cur.params[m[0].toLowerCase()] = v;
    }
  }
  return out;
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function validateUsername(username: string): string | undefined {
  if (!username) return 'the registry username is empty';
  if (username.includes(':')) return `the registry username "${username}" contains ':', which breaks Basic auth (user:password)`;
  return undefined;
}

/** The OpenShift user name as a registry username: colons removed (kube:admin → kubeadmin). */
export function registryUsername(openshiftUser: string): string {
  return openshiftUser.replace(/:/g, '') || 'user';
}

export interface AuthenticatorOptions {
  /** Hint for a rejected token (e.g. how to get a new service-account token). */
  rejectedHint?: string;
  /** Hint when the registry wants credentials and none are held for it. */
  missingHint?: string;
  /** Message instead of `HOST requires credentials` (why none are held, e.g. the token rule withheld the cluster token). */
  missingMessage?: string;
  /** Message for rejected credentials when they are not (only) an OpenShift token, e.g. a stored password. */
  rejectedMessage?: string;
  /**
   * Where credentials the registry denied came from when that is not the user's own kubeconfig (e.g. `the token
   * saved for HOST in FILE`), and the login that replaces them: named in the denial, which may be another user's.
   */
  denied?: SavedLogin;
  /**
   * Hosts besides the registry's own that a Bearer realm may be on (this cluster's registry hosts). No credential
   * is sent to a realm anywhere else.
   */
  realmHosts?: Iterable<string>;
  /** The registry's scheme: an https registry's credentials never go to an http realm. */
  scheme?: 'https' | 'http';
  /**
   * The OpenShift user behind the credentials, when known (the cluster's own token): for the grant that fixes a denial.
   * Asked only when the registry denies access.
   */
  grantSubject?: () => Promise<string | undefined>;
}

/** `repository:NAME:ACTIONS` / `registry:catalog:*` for a registry request, as containers/image asks for it. */
export function scopeFor(method: string, path: string): string | undefined {
  const p = path.replace(/^https?:\/\/[^/]+/, '').split('?')[0]!;
  if (p === '/v2/_catalog') return 'registry:catalog:*';
  const m = /^\/v2\/(.+?)\/(?:tags\/list|manifests\/[^/]+|blobs\/(?:uploads\/)?[^/]*)$/.exec(p);
  if (!m) return undefined;
  const read = method === 'GET' || method === 'HEAD';
  return `repository:${m[1]}:${read ? 'pull' : method === 'DELETE' ? 'delete' : 'pull,push'}`;
}

const hostnameOf = (h: string) => h.toLowerCase().replace(/:\d+$/, '');

/**
 * Holds the credentials for one registry and the Authorization headers that work: one Bearer token per scope the
 * registry names in its challenge (distribution's token auth; OpenShift names none, so one token serves all).
 * authorize() answers a 401; current() is what to send first.
 */
export class TokenAuthenticator {
  private header: string | undefined;
  private readonly tokens = new Map<string, string>();
  /** True once the registry (or its token endpoint) accepted the token. */
  accepted = false;
  private readonly realmHosts: Set<string>;

  constructor(
    private readonly http: HttpClient,
    readonly host: string,
    private readonly creds: Credentials | undefined,
    private readonly opts: AuthenticatorOptions = {},
  ) {
    this.realmHosts = new Set([host, ...(opts.realmHosts ?? [])].map(hostnameOf));
  }

  /** The header to send first: the token fetched for this request's scope, else the last one that worked. */
  current(scope?: string): string | undefined {
    return (scope && this.tokens.get(scope)) || this.header;
  }

  /**
   * Handles a 401 answer to a request that carried `sent` (whose body the caller has consumed). Returns the header
   * to retry with, or throws a classified RegistryAuthError when retrying cannot help.
   */
  async authorize(res: HttpResponse, bodyText: string, scope?: string, signal?: AbortSignal, sent: string | undefined = this.header): Promise<string> {
    const challenges = parseChallenges(res.headerValues('www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      // The scope the registry asks for (distribution names it; OpenShift does not), else the request's own.
      const key = bearer.params.scope ?? '';
      const cached = this.tokens.get(key);
      if (cached && cached !== sent) return (this.header = cached);
      if (!cached) {
        const h = await this.fetchToken(bearer, this.creds, bearer.params.scope ?? scope, signal);
        this.tokens.set(key, h);
        return (this.header = h);
      }
    } else if (basic && this.creds) {
      const basicHeaderValue = basicHeader(this.creds.username, this.creds.token);
      if (sent !== basicHeaderValue && !(basic.params.error && sent)) return (this.header = basicHeaderValue);
    }
    if (!this.creds) {
      throw new RegistryAuthError('rejected', this.host, this.opts.missingMessage ?? `${this.host} requires credentials`, this.opts.missingHint ?? 'log in first: `regctl login`');
    }
    // The credentials were sent and refused.
    const err = basic?.params.error ?? bearer?.params.error ?? distributionError(bodyText).message ?? '';
    if (this.accepted || bearer?.params.error === 'insufficient_scope') {
      const d = this.opts.denied;
      throw new RegistryAuthError(
        'denied',
        this.host,
        `access denied by ${this.host}${scope ? ` (${scope})` : ''}${d ? ` to ${d.from}` : ''}: ${err || '401 Unauthorized'}`,
        `${await this.deniedHint(scope)}${d ? `; or, if that saved login is not yours, log in again: \`${d.relogin}\`` : ''}`,
      );
    }
    throw this.rejected();
  }

  /** The grant that fixes a denial, naming the user when the credentials are the cluster's own token. */
  private async deniedHint(scope: string | undefined): Promise<string> {
    const generic = 'ask a project admin for a registry role: `regctl grant …` (pull: registry-viewer, push: registry-editor)';
    const repo = /^repository:([^/:]+)\/[^:]+:(.*)$/.exec(scope ?? '');
    const user = repo ? await this.opts.grantSubject?.().catch(() => undefined) : undefined;
    if (!repo || !user) return generic;
    const project = repo[1]!;
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
    // `-z` names a service account of the project (-n); one of another project is named in full, as oc policy takes it.
    const subject = sa && sa[1] === project ? `-z ${sa[2]}` : user;
    const role = /push|\*/.test(repo[2]!) ? 'pusher' : 'puller';
    return `ask an admin of project ${project}: \`regctl grant ${role} ${subject} -n ${project}\``;
  }

  private rejected(): RegistryAuthError {
    const hint = this.opts.rejectedHint ?? TOKEN_REJECTED_HINT;
    return this.opts.rejectedMessage ? new RegistryAuthError('rejected', this.host, this.opts.rejectedMessage, hint) : tokenRejected(this.host, hint);
  }

  /** A realm elsewhere than the registry (or this cluster's registry hosts) gets no credential: refused first. */
  private checkRealm(realm: URL): void {
    const registry = hostnameOf(this.host);
    if (!this.realmHosts.has(realm.hostname.toLowerCase())) {
      throw new RegistryAuthError(
        'unsupported',
        this.host,
        `refusing to send credentials for ${this.host} to the token service on ${realm.host}: it is neither ${registry} nor one of this cluster's registry hosts`,
        `check that ${this.host} is the registry you meant; pull from it with podman or skopeo, whose credentials for it are their own`,
      );
    }
    if (realm.protocol !== 'https:' && (this.opts.scheme ?? 'https') === 'https') {
      throw new RegistryAuthError('unsupported', this.host, `refusing to send credentials for ${this.host} over plain HTTP to ${realm.origin}`, 'the registry must name an https token endpoint (realm)');
    }
  }

  /** GET <realm>[?service&scope&account] with Basic user:password (none for anonymous) → the token in the answer. */
  private async fetchToken(ch: Challenge, creds: Credentials | undefined, scope: string | undefined, signal?: AbortSignal): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(ch.params.realm!);
    } catch {
      throw new RegistryAuthError('unsupported', this.host, `${this.host} names an invalid token endpoint (realm) in its challenge`, 'run again with -v to see the requests');
    }
    if (creds) this.checkRealm(realm);
    if (ch.params.service) realm.searchParams.set('service', ch.params.service);
    if (scope) for (const s of scope.split(' ').filter(Boolean)) realm.searchParams.append('scope', s);
    if (creds) realm.searchParams.set('account', creds.username);
    const res = await this.http.request({
      url: realm,
      headers: { authorization: creds ? basicHeader(creds.username, creds.token) : undefined, accept: 'application/json' },
      signal,
    });
    const text = await res.text();
    if (res.status === 401) {
      if (!creds) throw new RegistryAuthError('rejected', this.host, this.opts.missingMessage ?? `${this.host} requires credentials`, this.opts.missingHint ?? 'log in first: `regctl login`');
      throw this.rejected();
    }
    if (res.status === 403) {
      throw new RegistryAuthError('forbidden', this.host, `forbidden by ${hostOf(realm.toString())}: ${distributionError(text).message ?? '403'}`);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new RegistryAuthError('unsupported', this.host, `the token endpoint ${realm.origin}${realm.pathname} answered ${res.status}`, 'run again with -v to see the requests (for the cluster registry: `regctl status`)');
    }
    let body: { token?: string; access_token?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new RegistryAuthError('unsupported', this.host, `the token endpoint ${realm.origin}${realm.pathname} did not answer JSON`);
    }
    const t = body.token ?? body.access_token;
    if (!t) throw new RegistryAuthError('unsupported', this.host, `the token endpoint ${realm.origin}${realm.pathname} returned no token`);
    if (creds) this.accepted = true;
    return t === 'anonymous' && !creds ? 'Bearer anonymous' : `Bearer ${t}`;
  }
}
