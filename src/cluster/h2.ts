// One HTTP/2 connection per API server, as client-go keeps one (its transport negotiates h2 by ALPN and multiplexes every
// request of a rest.Config over it; kube-apiserver offers h2 and http/1.1, k8s.io/apiserver pkg/server/secure_serving.go).
// Parallel requests then share one TLS handshake instead of opening a connection each. A server (or a proxy's far end)
// that chooses http/1.1 is remembered and the caller uses its HTTP/1.1 agent from then on.
import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** A response as callers read it: status, headers and the body stream (node:http's IncomingMessage fits too). */
export type RawResponse = Readable & { statusCode?: number; headers: IncomingHttpHeaders };

export interface H2Request {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Idle timeout of the request (ms); 0 = none. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Opens a TLS connection that offered h2 and http/1.1 by ALPN (directly or through a proxy tunnel). */
export type TlsConnect = () => Promise<TLSSocket>;

/** Stream and session failures before an answer read as a reset connection (retried for GET, as before). */
const RESET_LIKE = new Set(['ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_ERROR']);

function notProcessed(e: NodeJS.ErrnoException & { rstCode?: number }): boolean {
  return e.code === 'ERR_HTTP2_GOAWAY_SESSION' || e.code === 'ERR_HTTP2_INVALID_SESSION' || e.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
}

export function h2ErrorCode(e: NodeJS.ErrnoException): string {
  return e.code && RESET_LIKE.has(e.code) ? 'ECONNRESET' : (e.code ?? 'EUNKNOWN');
}

export class H2Connection {
  private session?: http2.ClientHttp2Session;
  private opening?: Promise<http2.ClientHttp2Session | undefined>;
  /** The server chose http/1.1: no more attempts. */
  private http1 = false;
  private active = 0;

  constructor(
    private readonly origin: string,
    private readonly connect: TlsConnect,
    /** How long to wait for the server's SETTINGS after the handshake (ms); 0 = no limit. */
    private readonly timeoutMs = 0,
  ) {}

  /** The live session, a new one, or undefined when the server speaks only HTTP/1.1. */
  async get(): Promise<http2.ClientHttp2Session | undefined> {
    if (this.http1) return undefined;
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<http2.ClientHttp2Session | undefined> {
    const socket = await this.connect();
    if (socket.alpnProtocol !== 'h2') {
      this.http1 = true;
      socket.destroy();
      return undefined;
    }
    const session = http2.connect(this.origin, { createConnection: () => socket });
    session.on('error', () => undefined); // each stream reports its own failure
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.once('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    // The server's SETTINGS before the first request: once its stream limit is known, nghttp2 holds streams above it
    // until one closes; sent before, a burst above the limit is refused.
    await new Promise<void>((resolve, reject) => {
      const timer = this.timeoutMs
        ? setTimeout(() => {
            reject(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }));
            session.destroy();
            socket.destroy();
          }, this.timeoutMs)
        : undefined;
      session.once('remoteSettings', () => {
        clearTimeout(timer);
        resolve();
      });
      session.once('close', () => {
        clearTimeout(timer);
        reject(Object.assign(new Error("the connection closed before the server's HTTP/2 settings"), { code: 'ECONNRESET' }));
      });
    });
    session.unref();
    this.session = session;
    return session;
  }

  /**
   * Sends one request; resolves with the response once its headers arrive, or undefined when the server speaks only
   * HTTP/1.1. A request the server provably did not process — the session was already closing, or the stream was
   * refused (REFUSED_STREAM, RFC 9113 §8.7) — is sent once more on a new connection, whatever its method.
   */
  async send(r: H2Request): Promise<RawResponse | undefined> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.get();
      if (!session) return undefined;
      try {
        return await this.request(session, r);
      } catch (e) {
        if (attempt > 1 || !notProcessed(e as NodeJS.ErrnoException)) throw e;
        if (this.session === session) this.session = undefined;
      }
    }
  }

  private request(session: http2.ClientHttp2Session, r: H2Request): Promise<RawResponse> {
    const headers: http2.OutgoingHttpHeaders = { ':method': r.method, ':path': r.path };
    for (const [k, v] of Object.entries(r.headers)) if (k.toLowerCase() !== 'host') headers[k.toLowerCase()] = v;
    const stream = session.request(headers, { endStream: r.body === undefined });
    if (this.active++ === 0) session.ref();
    stream.once('close', () => {
      if (--this.active === 0 && !session.destroyed) session.unref();
    });
    return new Promise((resolve, reject) => {
      let answered = false;
      const fail = (e: Error) => (answered ? stream.destroy(e) : (stream.destroy(), reject(e)));
      const onAbort = () => fail(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
      if (r.signal?.aborted) return onAbort();
      r.signal?.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => r.signal?.removeEventListener('abort', onAbort));
      if (r.timeoutMs) stream.setTimeout(r.timeoutMs, () => fail(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      stream.once('error', (e: NodeJS.ErrnoException) => {
        if (!answered) reject(Object.assign(e, { rstCode: stream.rstCode }));
      });
      stream.once('close', () => {
        if (!answered) reject(Object.assign(new Error(`stream closed with HTTP/2 error code ${stream.rstCode}`), { code: 'ERR_HTTP2_STREAM_ERROR', rstCode: stream.rstCode }));
      });
      stream.once('response', (h) => {
        answered = true;
        const out: IncomingHttpHeaders = {};
        for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) out[k] = v as string | string[];
        resolve(Object.assign(stream, { statusCode: Number(h[':status']), headers: out }) as unknown as RawResponse);
      });
      if (r.body !== undefined) stream.end(r.body);
    });
  }

  close(): void {
    this.session?.close();
  }
}
