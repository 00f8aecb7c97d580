// A small registry v2 client for one host: authentication (token flow), paging, JSON and streams.
// Built for login (ping) and for the catalog/tags/manifests/metrics commands.
import type { Readable } from 'node:stream';
import { HttpClient, type HttpOptions, type HttpResponse, type Trust } from './http.js';
import { TokenAuthenticator, scopeFor, type Credentials } from './auth.js';
import { RegistryHttpError, distributionError, type SavedLogin } from './errors.js';
import { httpError, nextLink } from './errors.js';
export { httpError, nextLink };

export type { Credentials } from './auth.js';
export type { Trust } from './http.js';

export interface RegistryClientOptions extends Omit<HttpOptions, 'trust'> {
  /** host[:port] of the registry (no scheme). */
  host: string;
  credentials?: Credentials;
  trust?: Trust;
  /** 'https' unless told otherwise. */
  scheme?: 'https' | 'http';
  /** Hint for a rejected token (e.g. how to get a new service-account token). */
  rejectedHint?: string;
  /** Hint when the registry wants credentials and none are held for it. */
  missingHint?: string;
  /** Message instead of `HOST requires credentials`. */
  missingMessage?: string;
  /** Message for rejected credentials that are not an OpenShift token (a stored password). */
  rejectedMessage?: string;
  /** Where denied credentials came from (auth.json) and the login that replaces them. */
  denied?: SavedLogin;
  /** Hosts besides this one a Bearer realm may be on (this cluster's registry hosts); elsewhere no credential goes. */
  realmHosts?: Iterable<string>;
  /** The OpenShift user behind the credentials, for the grant hint of a denial (asked only then). */
  grantSubject?: () => Promise<string | undefined>;
}

export interface GetOptions {
  accept?: string | string[];
  headers?: Record<string, string>;
  /** Docker token scope, e.g. `repository:ns/name:pull` (OpenShift does not need it; other registries do). */
  scope?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  method?: 'GET' | 'HEAD' | 'DELETE' | 'PUT' | 'POST' | 'PATCH';
  /**
   * A stream is sent once: a 401 cannot be answered by sending it again, so authenticate for the request's scope
   * first (blob uploads: the POST that opens the session asks for the same push scope as the PUT).
   */
  body?: string | Buffer | Readable;
  /** Follow 3xx to other hosts (blob storage redirects); Authorization is dropped on a host change. Default 5. */
  maxRedirects?: number;
}

export interface RegistryResponse {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  url: string;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface RegistryStream {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  url: string;
  body: Readable;
}

export interface PingResult {
  status: number;
  /** Docker-Distribution-API-Version header, e.g. registry/2.0. */
  apiVersion?: string;
  /** True when the credentials were accepted (200 after the challenge). */
  authenticated: boolean;
  /** The auth scheme that worked: bearer, basic or none. */
  scheme: 'bearer' | 'basic' | 'none';
}

export class RegistryClient {
  readonly host: string;
  readonly baseUrl: string;
  readonly http: HttpClient;
  private readonly auth: TokenAuthenticator;

  constructor(readonly opts: RegistryClientOptions) {
    this.host = opts.host.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    this.baseUrl = `${opts.scheme ?? 'https'}://${this.host}`;
    this.http = new HttpClient({ ...opts, trust: opts.trust });
    this.auth = new TokenAuthenticator(this.http, this.host, opts.credentials, {
      rejectedHint: opts.rejectedHint,
      missingHint: opts.missingHint,
      missingMessage: opts.missingMessage,
      rejectedMessage: opts.rejectedMessage,
      denied: opts.denied,
      realmHosts: opts.realmHosts,
      scheme: opts.scheme ?? 'https',
      grantSubject: opts.grantSubject,
    });
  }

  /** GET /v2/ following the challenge. 401 after trying → RegistryAuthError; other non-2xx → RegistryHttpError. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    const res = await this.get('/v2/', { signal, accept: 'application/json' });
    if (!res.ok) throw httpError(res, 'GET');
    const h = this.auth.current();
    return {
      status: res.status,
      apiVersion: res.headers['docker-distribution-api-version'],
      authenticated: Boolean(h) && h !== 'Bearer anonymous',
      scheme: h?.startsWith('Bearer ') ? 'bearer' : h?.startsWith('Basic ') ? 'basic' : 'none',
    };
  }

  /** Any request; resolves for every status except 401 (auth errors are thrown, classified). Body buffered. */
  async get(path: string, o: GetOptions = {}): Promise<RegistryResponse> {
    const r = await this.send(path, o);
    const body = o.method === 'HEAD' ? Buffer.alloc(0) : await r.bytes();
    return {
      status: r.status,
      ok: r.status >= 200 && r.status < 300,
      headers: r.headers,
      url: r.url,
      body,
      text: () => body.toString('utf8'),
      json: <T>() => JSON.parse(body.toString('utf8')) as T,
    };
  }

  /** Like get() but the body is a stream (blobs, large manifests lists); the caller must consume or destroy it. */
  async stream(path: string, o: GetOptions = {}): Promise<RegistryStream> {
    const r = await this.send(path, o);
    return { status: r.status, ok: r.status >= 200 && r.status < 300, headers: r.headers, url: r.url, body: r.body };
  }

  /** GET and parse JSON; non-2xx → RegistryHttpError (404 becomes exit 5 through the translator). */
  async getJSON<T = unknown>(path: string, o: GetOptions = {}): Promise<{ data: T; headers: Record<string, string> }> {
    const res = await this.get(path, { accept: 'application/json', ...o });
    if (!res.ok) throw httpError(res, o.method ?? 'GET');
    return { data: res.json<T>(), headers: res.headers };
  }

  /** Follows `Link: <…>; rel="next"` pages, yielding each page's parsed JSON. */
  async *pages<T = unknown>(path: string, o: GetOptions = {}): AsyncGenerator<T> {
    let next: string | undefined = path;
    const seen = new Set<string>();
    while (next && !seen.has(next)) {
      seen.add(next);
      const { data, headers } = await this.getJSON<T>(next, o);
      yield data;
      next = nextLink(headers.link);
    }
  }

  private async send(path: string, o: GetOptions): Promise<HttpResponse> {
    let url = new URL(path, this.baseUrl).toString();
    const accept = Array.isArray(o.accept) ? o.accept.join(', ') : o.accept;
    let redirects = o.maxRedirects ?? 5;
    let sameHost = true;
    const scope = o.scope ?? scopeFor(o.method ?? 'GET', path);
    // This request's own header: concurrent requests for other scopes may change the authenticator's latest.
    let authorization = this.auth.current(scope);
    const streamed = o.body !== undefined && typeof o.body !== 'string' && !Buffer.isBuffer(o.body);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string | undefined> = { accept };
      // Credentials never follow a redirect to another host (blob storage), whoever set them.
      for (const [k, v] of Object.entries(o.headers ?? {})) if (sameHost || k.toLowerCase() !== 'authorization') headers[k.toLowerCase()] = v;
      if (sameHost) headers.authorization ??= authorization;
      const sent = headers.authorization;
      const res = await this.http.request({ method: o.method ?? 'GET', url, headers, body: o.body, signal: o.signal, timeoutMs: o.timeoutMs });
      if (res.status === 401 && sameHost && attempt < 3 && !streamed) {
        const text = await res.text();
        authorization = await this.auth.authorize(res, text, scope, o.signal, sent);
        continue;
      }
      if (res.status === 401) {
        const text = await res.text();
        await this.auth.authorize(res, text, scope, o.signal, sent); // throws the classified error
        throw new RegistryHttpError(401, o.method ?? 'GET', url, undefined, streamed ? 'authentication required (a streamed body is not sent twice)' : 'authentication required');
      }
      if (res.status >= 200 && res.status < 300 && sameHost && sent) this.auth.accepted = true;
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location && redirects-- > 0 && (o.method ?? 'GET') === 'GET') {
        await res.dump();
        const target = new URL(res.headers.location, url);
        sameHost = target.host === this.host;
        url = target.toString();
        continue;
      }
      return res;
    }
  }
}

/** The next-page path from a `Link: </v2/_catalog?last=x&n=100>; rel="next"` header. */
