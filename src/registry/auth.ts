// The Docker token flow as the OpenShift registry implements it (behaviours f.2, f.3):
// GET /v2/ → 401 `Bearer realm="https://HOST/openshift/token"` → GET realm with Basic user:TOKEN →
// {"token": …} → retry with `Bearer <token>`. A `Basic realm=openshift` challenge is answered with Basic.
import type { HttpClient, HttpResponse } from './http.js';
import { RegistryAuthError, TOKEN_REJECTED_HINT, distributionError, hostOf, tokenRejected } from './errors.js';

export { RegistryAuthError, RegistryConnectionError, RegistryHttpError, TRUST_HINT, TOKEN_REJECTED_HINT, CERT_ERROR_CODES, tokenRejected } from './errors.js';

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

/**
 * Holds the credentials for one registry and the Authorization header that currently works.
 * authorize() answers a 401; headerFor() is what to send first.
 */
export class TokenAuthenticator {
  private header: string | undefined;
  /** True once the registry (or its token endpoint) accepted the token. */
  accepted = false;

  constructor(
    private readonly http: HttpClient,
    readonly host: string,
    private readonly creds: Credentials | undefined,
    private readonly rejectedHint: string = TOKEN_REJECTED_HINT,
  ) {}

  current(): string | undefined {
    return this.header;
  }

  /**
   * Handles a 401 answer to a request (whose body the caller has consumed). Returns the header to retry with,
   * or throws a classified RegistryAuthError when retrying cannot help.
   */
  async authorize(res: HttpResponse, bodyText: string, scope?: string, signal?: AbortSignal): Promise<string> {
    const challenges = parseChallenges(res.headerValues('www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    const sentHeader = this.header;
    if (!this.creds) {
      if (bearer) {
        this.header = await this.fetchToken(bearer, undefined, scope, signal);
        if (this.header !== sentHeader) return this.header;
      }
      throw new RegistryAuthError('rejected', this.host, `${this.host} requires credentials`, 'log in first: `regctl login`');
    }
    if (bearer && !(sentHeader?.startsWith('Bearer ') && this.accepted)) {
      this.header = await this.fetchToken(bearer, this.creds, scope, signal);
      return this.header;
    }
    const basicHeaderValue = basicHeader(this.creds.username, this.creds.token);
    if (basic && sentHeader !== basicHeaderValue && !(basic.params.error && sentHeader)) {
      this.header = basicHeaderValue;
      return this.header;
    }
    // The credentials were sent and refused.
    const err = basic?.params.error ?? distributionError(bodyText).message ?? '';
    if (this.accepted) {
      throw new RegistryAuthError('denied', this.host, `access denied by ${this.host}${scope ? ` (${scope})` : ''}: ${err || '401 Unauthorized'}`, 'ask a project admin for a registry role: `regctl grant …` (pull: registry-viewer, push: registry-editor)');
    }
    throw tokenRejected(this.host, this.rejectedHint);
  }

  /** GET <realm>[?service&scope] with Basic user:token (none for anonymous) → the token in the answer. */
  private async fetchToken(ch: Challenge, creds: Credentials | undefined, scope: string | undefined, signal?: AbortSignal): Promise<string> {
    const realm = new URL(ch.params.realm!);
    if (ch.params.service) realm.searchParams.set('service', ch.params.service);
    if (scope) realm.searchParams.set('scope', scope);
    if (creds) realm.searchParams.set('account', creds.username);
    const res = await this.http.request({
      url: realm,
      headers: { authorization: creds ? basicHeader(creds.username, creds.token) : undefined, accept: 'application/json' },
      signal,
    });
    const text = await res.text();
    if (res.status === 401) throw tokenRejected(this.host, this.rejectedHint);
    if (res.status === 403) {
      throw new RegistryAuthError('forbidden', this.host, `forbidden by ${hostOf(realm.toString())}: ${distributionError(text).message ?? '403'}`);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new RegistryAuthError('unsupported', this.host, `the token endpoint ${realm.origin}${realm.pathname} answered ${res.status}`, 'check the registry is the OpenShift registry (`regctl status`); run again with -v');
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
