// The one HTTP layer for everything that is not the API server: registry routes, /openshift/token,
// the OAuth server. undici with one dispatcher per trust configuration, the proxy taken from the
// environment the command was given (ctx.env, never process.env).
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { proxyForUrl, proxySettings, redactProxy } from '../net/proxy-env.js';
import { GoProxyDispatcher } from './proxy-dispatcher.js';
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
  return proxySettings(env);
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
        ? { secureContext: trustedContext(trust.caPem) }
        : {};
    const t = timeoutMs || undefined;
    // Proxy per origin with Go's HTTPS_PROXY/NO_PROXY rules (src/net/proxy-env.ts), as podman and skopeo choose.
    d = new GoProxyDispatcher(p, {
      // Direct connections use `connect`; tunnelled ones (through the proxy) use `requestTls`.
      connect: { ...tlsOpts, timeout: t },
      requestTls: { ...tlsOpts, timeout: t },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // Bounded per origin: concurrent readers (tags --all) reuse keep-alive connections instead of opening more.
      connections: MAX_CONNECTIONS_PER_ORIGIN,
    } as ConstructorParameters<typeof GoProxyDispatcher>[1]);
    dispatchers.set(key, d);
  }
  return d;
}

/**
 * Node's roots plus the given CAs, any of which may be an intermediate or even the leaf: default-ingress-cert holds the
 * router's serving chain (leaf, intermediates), often without the root. Go clients (podman, skopeo) take every
 * certificate in their pool as an anchor; OpenSSL does so only with X509_V_FLAG_PARTIAL_CHAIN (allowPartialTrustChain,
 * Node ≥ 20.18).
 */
export function trustedContext(caPem: string): tls.SecureContext {
  // `ca: [...tls.rootCertificates, caPem]` parses Node's ~140 PEM roots again (50-80 ms of CPU per command). A
  // context made without `ca` starts from Node's parsed roots, and adding a CA to it gives it its own copy of them
  // first (src/crypto/crypto_context.cc, SecureContext::SetCACert), so no other context trusts caPem.
  const sc = tls.createSecureContext({ allowPartialTrustChain: true });
  const native = (sc as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== 'function') return tls.createSecureContext({ ca: [...tls.rootCertificates, caPem], allowPartialTrustChain: true });
  native.addCACert(caPem);
  return sc;
}

/** Closes every dispatcher (tests; the CLI process just exits). */
export async function closeAllDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.allSettled(all.map((d) => d.close()));
}

/** The proxy a request to url goes through (Go's NO_PROXY rules, src/net/proxy-env.ts), for messages: no userinfo. */
export function proxyFor(url: string, env: Record<string, string | undefined>): string | undefined {
  const proxy = proxyForUrl(url, env);
  return proxy ? redactProxy(proxy) : undefined;
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
