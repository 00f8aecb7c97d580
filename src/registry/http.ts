// The one HTTP layer for everything that is not the API server: registry routes, /openshift/token,
// the OAuth server. undici with one dispatcher per trust configuration, the proxy taken from the
// environment the command was given (ctx.env, never process.env).
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { EnvHttpProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { RegistryConnectionError } from './errors.js';

/** Which certificates to trust. caPem is added to Node's default roots, never replacing them. */
export interface Trust {
  caPem?: string;
  /** Skip verification entirely. Only when the user asked for it. */
  insecure?: boolean;
}

export interface HttpOptions {
  /** The command's environment: HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy, NO_PROXY/no_proxy. */
  env: Record<string, string | undefined>;
  trust?: Trust;
  /** Per request: connect, headers and body-idle timeout in ms (0 = none). Default 30 s. */
  timeoutMs?: number;
  /** One line per request: method, URL (secrets redacted), status, ms. Never headers. */
  trace?: (line: string) => void;
  userAgent?: string;
}

export interface HttpRequest {
  method?: string;
  url: string | URL;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer | Uint8Array | Readable;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (except www-authenticate: see headerValues). */
  headers: Record<string, string>;
  /** Every value of a header, e.g. several WWW-Authenticate challenges. */
  headerValues(name: string): string[];
  url: string;
  body: Readable;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  json<T = unknown>(): Promise<T>;
  /** Discards the body (frees the connection). */
  dump(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const dispatchers = new Map<string, Dispatcher>();

function proxyEnv(env: Record<string, string | undefined>) {
  return {
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

/** One dispatcher per (trust, proxy settings, timeout); reused for the life of the process. */
const MAX_CONNECTIONS_PER_ORIGIN = 16;

export function dispatcherFor(trust: Trust, env: Record<string, string | undefined>, timeoutMs = DEFAULT_TIMEOUT_MS): Dispatcher {
  const p = proxyEnv(env);
  const caKey = trust.caPem ? createHash('sha256').update(trust.caPem).digest('hex') : '';
  const key = JSON.stringify([caKey, Boolean(trust.insecure), p, timeoutMs]);
  let d = dispatchers.get(key);
  if (!d) {
    // One secure context per dispatcher: passing `ca` would re-parse every root certificate per connection.
    const tlsOpts: tls.ConnectionOptions = trust.insecure
      ? { rejectUnauthorized: false }
      : trust.caPem
        ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, trust.caPem] }) }
        : {};
    const t = timeoutMs || undefined;
    d = new EnvHttpProxyAgent({
      httpProxy: p.httpProxy,
      httpsProxy: p.httpsProxy,
      noProxy: p.noProxy,
      // Direct connections use `connect`; tunnelled ones (through the proxy) use `requestTls`.
      connect: { ...tlsOpts, timeout: t },
      requestTls: { ...tlsOpts, timeout: t },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // Bounded per origin: concurrent readers (tags --all) reuse keep-alive connections instead of opening more.
      connections: MAX_CONNECTIONS_PER_ORIGIN,
    } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
    dispatchers.set(key, d);
  }
  return d;
}

/** Closes every dispatcher (tests; the CLI process just exits). */
export async function closeAllDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.allSettled(all.map((d) => d.close()));
}

/** The proxy a request to url goes through (EnvHttpProxyAgent's NO_PROXY rules), for messages. */
export function proxyFor(url: string, env: Record<string, string | undefined>): string | undefined {
  const p = proxyEnv(env);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const proxy = u.protocol === 'https:' ? p.httpsProxy || p.httpProxy : p.httpProxy;
  if (!proxy) return undefined;
  const host = u.hostname.toLowerCase();
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  for (const entry of p.noProxy.split(/[,\s]/).filter(Boolean)) {
    if (entry === '*') return undefined;
    const m = /^(.+):(\d+)$/.exec(entry);
    const h = (m ? m[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    if (m && Number(m[2]) !== port) continue;
    if (host === h || host.endsWith(`.${h}`)) return undefined;
  }
  try {
    const pu = new URL(proxy);
    return `${pu.protocol}//${pu.host}`; // never userinfo
  } catch {
    return proxy;
  }
}

const SECRET_QUERY = /^(code|access_token|token|password|code_verifier|client_secret)$/i;

/** URL for logs: secret-looking query values replaced, userinfo dropped. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (SECRET_QUERY.test(k)) u.searchParams.set(k, 'REDACTED');
    u.hash = '';
    return u.toString();
  } catch {
    return String(url);
  }
}

/** Finds the first error code along err.cause (undici wraps TLS/socket errors). */
export function errorCode(e: unknown): string | undefined {
  let cur: any = e;
  for (let i = 0; cur && i < 6; i++) {
    if (typeof cur.code === 'string' && cur.code !== 'UND_ERR_SOCKET' && cur.code !== 'UND_ERR_PRX_TLS') {
      if (cur.code === 'UND_ERR_ABORTED' && /Proxy response/.test(cur.message ?? '')) return 'PROXY';
      return cur.code;
    }
    cur = cur.cause;
  }
  if (/Proxy response/.test((e as Error)?.message ?? '')) return 'PROXY';
  return (e as any)?.code;
}

export class HttpClient {
  private readonly dispatcher: Dispatcher;

  constructor(readonly opts: HttpOptions) {
    this.dispatcher = dispatcherFor(opts.trust ?? {}, opts.env, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  get trust(): Trust {
    return this.opts.trust ?? {};
  }

  /** Sends one request; never follows redirects; any status resolves. Network/TLS failures → RegistryConnectionError. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = String(req.url);
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'regctl' };
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const started = Date.now();
    const timeout = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: req.body as never,
        signal: req.signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (e) {
      const code = errorCode(e) ?? 'EUNKNOWN';
      this.opts.trace?.(`${method} ${redactUrl(url)} failed ${code} ${Date.now() - started}ms`);
      if ((e as Error)?.name === 'AbortError' || req.signal?.aborted) throw e;
      throw new RegistryConnectionError(url, code, firstLine((e as Error)?.message ?? String(e)), proxyFor(url, this.opts.env));
    }
    this.opts.trace?.(`${method} ${redactUrl(url)} ${res.statusCode} ${Date.now() - started}ms`);
    return wrap(url, res);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function wrap(url: string, res: Dispatcher.ResponseData): HttpResponse {
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v.map(String) : [String(v)];
    multi[k.toLowerCase()] = list;
    headers[k.toLowerCase()] = list.join(', ');
  }
  const body = res.body as unknown as Readable & { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer>; dump(): Promise<void> };
  return {
    status: res.statusCode,
    headers,
    headerValues: (name) => multi[name.toLowerCase()] ?? [],
    url,
    body,
    text: () => body.text(),
    bytes: async () => Buffer.from(await body.arrayBuffer()),
    json: async <T>() => JSON.parse(await body.text()) as T,
    dump: () => body.dump().catch(() => undefined),
  };
}
