import https from 'node:https';
import http from 'node:http';
import { URL } from 'node:url';
import type { LoadedKubeconfig } from './kubeconfig.js';
import { ApiError, ConnectionError, type StatusBody } from './api-error.js';
import { ConnectProxyAgent, ProxyTunnelError, connectTls, tlsAgentOptions } from './proxy-agent.js';
import { H2Connection, h2ErrorCode, type RawResponse } from './h2.js';
import { proxyForUrl, redactProxy } from '../net/proxy-env.js';
import { applyUserAuth } from './user-auth.js';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's default timeout (ms); 0 = none (watches, log follows). */
  timeoutMs?: number;
}

export interface RestClientOptions {
  timeoutMs: number;
  /** Called after each request: method, URL, status, ms. Never receives headers. */
  trace?: (line: string) => void;
  userAgent: string;
  /** The command's environment: HTTPS_PROXY/NO_PROXY as kubectl reads them (the kubeconfig's proxy-url wins). */
  env?: Record<string, string | undefined>;
}

export type Json = Record<string, any>;
export type { RawResponse } from './h2.js';

/**
 * Minimal Kubernetes REST client over node:https, configured by @kubernetes/client-node's KubeConfig
 * (CA, client certificates, bearer tokens, exec plugins). Dynamic paths keep OpenShift kinds simple.
 */
export class RestClient {
  private base: URL;
  private prepared?: Promise<https.RequestOptions>;
  /** scheme://host:port of the proxy API requests go through, if any (never credentials). */
  private proxy?: string;
  /** HTTP/2 to an https API server (h2.ts); HTTP/1.1 through the agent when the server does not offer it. */
  private h2?: H2Connection;

  constructor(
    private readonly k: LoadedKubeconfig,
    private readonly opts: RestClientOptions,
  ) {
    this.base = new URL(k.server);
  }

  get server(): string {
    return this.k.server;
  }

  private prepare(): Promise<https.RequestOptions> {
    this.prepared ??= (async () => {
      const o: https.RequestOptions = { headers: {} };
      await applyUserAuth(this.k, o);
      // client-node handles a socks proxy-url itself; http(s) proxies (proxy-url or the environment) go through
      // CONNECT here, with client-go's choice of proxy (proxy-url, else HTTPS_PROXY unless NO_PROXY matches).
      // With or without a proxy, our keep-alive agent with one secure context replaces client-node's agent (which
      // closes each connection after its answer, so every request paid a new TLS handshake and secure context).
      const explicit = this.k.kc.getCurrentCluster()?.proxyUrl;
      if (this.base.protocol === 'https:' && !/^socks/i.test(explicit ?? '')) {
        const proxy = proxyForUrl(this.base, this.opts.env ?? {}, explicit);
        const tlsOpts = this.agentOptions(o);
        const tunnel = proxy && (proxy.protocol === 'http:' || proxy.protocol === 'https:') ? proxy : undefined;
        if (tunnel) {
          o.agent = new ConnectProxyAgent(tunnel, tlsOpts);
          this.proxy = redactProxy(tunnel);
        } else {
          o.agent = new https.Agent(tlsOpts);
        }
        const host = this.base.hostname.replace(/^\[|\]$/g, '');
        const port = Number(this.base.port) || 443;
        this.h2 = new H2Connection(this.base.origin, () => connectTls(host, port, tlsOpts, ['h2', 'http/1.1'], tunnel, this.opts.timeoutMs), this.opts.timeoutMs);
      } else if (this.base.protocol === 'http:' && !explicit) {
        o.agent = new http.Agent({ keepAlive: true });
      }
      return o;
    })();
    return this.prepared;
  }

  /** A kubeconfig CA or client certificate Node cannot use fails as a connection would have (before: on each request). */
  private agentOptions(o: https.RequestOptions): https.AgentOptions {
    try {
      return tlsAgentOptions(o);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new ConnectionError(this.k.server, err.code ?? 'EUNKNOWN', err.message);
    }
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** A failed request as regctl reports it: a ConnectionError naming the server (and the proxy, if any). */
  private connectionError(e: NodeJS.ErrnoException, code: string): ConnectionError {
    const via = e instanceof ProxyTunnelError ? { url: e.proxy, kind: e.kind, status: e.status } : this.proxy ? { url: this.proxy } : undefined;
    return new ConnectionError(this.k.server, code, e.message, via);
  }

  /** Sends a request and returns the raw response (caller consumes the body). */
  async raw(method: string, path: string, o: RequestOptions = {}): Promise<RawResponse> {
    const base = await this.prepare();
    const u = this.url(path, o.query);
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string>),
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent,
    };
    if (body !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const timeout = o.timeoutMs ?? this.opts.timeoutMs;
    const started = Date.now();
    const failed = (e: NodeJS.ErrnoException, code = e.code ?? 'EUNKNOWN') => {
      this.opts.trace?.(`${method} ${u.pathname}${u.search} failed ${code === e.code || !e.code ? code : `${code} (${e.code})`} ${Date.now() - started}ms${this.proxy ? ` (proxy ${this.proxy})` : ''}`);
      return this.connectionError(e, code);
    };
    if (this.h2) {
      let res: RawResponse | undefined;
      try {
        res = await this.h2.send({ method, path: u.pathname + u.search, headers, body, timeoutMs: timeout, signal: o.signal });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.name === 'AbortError') throw err;
        throw failed(err, h2ErrorCode(err));
      }
      if (res) {
        this.opts.trace?.(`${method} ${u.pathname}${u.search} ${res.statusCode} ${Date.now() - started}ms`);
        return res;
      }
    }
    const mod = u.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        u,
        { ...base, method, headers, signal: o.signal, timeout: timeout || undefined },
        (res) => {
          this.opts.trace?.(`${method} ${u.pathname}${u.search} ${res.statusCode} ${Date.now() - started}ms`);
          resolve(res);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return reject(e); // the caller ended it on purpose: not a failure
        reject(failed(e));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request<T = Json>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, o);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw Object.assign(toApiError(code, method, path, text, this.k.inCluster), { retryAfter: res.headers['retry-after'] }); // read by retry.ts
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T = Json>(path: string, o?: RequestOptions) {
    return this.request<T>('GET', path, o);
  }

  /**
   * An HTTP/1.1 upgrade (pods/exec over WebSocket): resolves with the socket once the server answers 101; any other
   * answer rejects with its ApiError. Authentication, TLS and the proxy are the client's own.
   */
  async upgrade(path: string, query: Array<[string, string]>, headers: Record<string, string>, signal?: AbortSignal): Promise<{ socket: import('node:net').Socket; head: Buffer; headers: http.IncomingHttpHeaders }> {
    const base = await this.prepare();
    const u = this.url(path);
    for (const [k, v] of query) u.searchParams.append(k, v);
    const mod = u.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = mod.request(u, { ...base, method: 'GET', signal, headers: { ...(base.headers as Record<string, string>), 'User-Agent': this.opts.userAgent, ...headers } });
      req.on('upgrade', (res, socket, head) => {
        this.opts.trace?.(`GET ${u.pathname} ${res.statusCode} (upgraded)`);
        resolve({ socket, head, headers: res.headers });
      });
      req.on('response', (res) => {
        this.opts.trace?.(`GET ${u.pathname} ${res.statusCode}`);
        readAll(res).then((text) => reject(toApiError(res.statusCode ?? 0, 'GET', path, text, this.k.inCluster)), reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return reject(e);
        reject(new ConnectionError(this.k.server, e.code ?? 'EUNKNOWN', e.message, this.proxy ? { url: this.proxy } : undefined));
      });
      req.end();
    });
  }

  /**
   * Streams newline-delimited data (watch events, followed logs). Resolves when the stream ends;
   * rejects with ApiError on a non-2xx answer.
   */
  async lines(path: string, o: RequestOptions, onLine: (line: string) => void | Promise<void>): Promise<void> {
    const res = await this.raw('GET', path, { ...o, timeoutMs: o.timeoutMs ?? 0 });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw toApiError(code, 'GET', path, await readAll(res), this.k.inCluster);
    let buf = '';
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        await onLine(line);
      }
    }
    if (buf) await onLine(buf);
  }
}

/** The whole body (with listeners, not `for await`: an async iterator per response is measurable across a fleet). */
function readAll(res: RawResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.readableEnded) reject(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
    });
  });
}

function toApiError(code: number, method: string, path: string, text: string, inCluster: boolean): ApiError {
  let status: StatusBody = {};
  try {
    status = JSON.parse(text) as StatusBody;
  } catch {
    status = { message: text.trim().slice(0, 200) || `HTTP ${code}` };
  }
  const e = new ApiError(code, method, path, status);
  // The credentials were the pod's service account (in-cluster config): its errors get the pod's hints.
  if (inCluster) e.inCluster = true;
  return e;
}
