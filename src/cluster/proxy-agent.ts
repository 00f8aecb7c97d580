// An https.Agent that reaches the API server through an HTTP(S) proxy with CONNECT, as client-go's transport does
// (http.ProxyFromEnvironment or the kubeconfig's proxy-url). TLS to the API server runs inside the tunnel with the
// kubeconfig's CA and client certificate, so the proxy sees only the host name.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { redactProxy } from '../net/proxy-env.js';

/** A failure of the proxy leg; the message never holds the proxy's credentials. */
export class ProxyTunnelError extends Error {
  constructor(
    /** scheme://host:port of the proxy. */
    readonly proxy: string,
    /** 'unreachable': no connection to the proxy; 'refused': it answered CONNECT with a non-2xx status. */
    readonly kind: 'unreachable' | 'refused',
    readonly code: string,
    message: string,
    readonly status?: string,
  ) {
    super(message);
    this.name = 'ProxyTunnelError';
  }
}

type ConnectOptions = tls.ConnectionOptions & { host?: string; port?: number | string; timeout?: number };

function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number | undefined, done: (err: Error | null, s?: net.Socket) => void): void {
  const shown = redactProxy(proxy);
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { Host: target };
  if (proxy.username) {
    const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  let finished = false;
  const finish = (err: Error | null, s?: net.Socket) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    done(err, s);
  };
  const req = http.request({
    host: proxyHost,
    port: proxyPort,
    method: 'CONNECT',
    path: target,
    headers,
    agent: false,
    ...(proxy.protocol === 'https:'
      ? { createConnection: () => tls.connect({ host: proxyHost, port: proxyPort, ...(net.isIP(proxyHost) ? {} : { servername: proxyHost }) }) }
      : {}),
  });
  const timer = timeoutMs
    ? setTimeout(() => {
        req.destroy();
        finish(new ProxyTunnelError(shown, 'unreachable', 'ETIMEDOUT', `the proxy ${shown} did not open a tunnel to ${target} in time`));
      }, timeoutMs)
    : undefined;
  req.once('connect', (res, socket) => {
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      socket.destroy();
      const status = `${code} ${res.statusMessage ?? ''}`.trim();
      finish(new ProxyTunnelError(shown, 'refused', 'PROXY_REFUSED', `the proxy ${shown} refused to connect to ${target}: ${status}`, status));
      return;
    }
    finish(null, socket);
  });
  req.once('error', (e: NodeJS.ErrnoException) => {
    const code = e.code ?? 'EUNKNOWN';
    finish(new ProxyTunnelError(shown, 'unreachable', code, `cannot reach the proxy ${shown} (${code})`));
  });
  req.end();
}

/** https.Agent whose connections are TLS over a CONNECT tunnel through `proxy`. */
export class ConnectProxyAgent extends https.Agent {
  constructor(
    readonly proxy: URL,
    opts: https.AgentOptions,
  ) {
    super(opts);
  }

  // Asynchronous form: Node's agent waits for the callback when createConnection returns nothing.
  override createConnection(opts: http.ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const options = opts as ConnectOptions;
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port) || 443;
    openTunnel(this.proxy, host, port, options.timeout, (err, raw) => {
      if (err || !raw) return cb?.(err ?? new Error('no tunnel'), undefined as never);
      const servername = options.servername || (net.isIP(host) ? undefined : host);
      const s = tls.connect({ ...options, socket: raw, ...(servername ? { servername } : {}) });
      s.once('close', () => raw.destroy());
      cb?.(null, s);
    });
    return undefined;
  }
}

/**
 * One TLS connection to host:port (through `proxy`'s CONNECT tunnel when given) with the agent's TLS settings, offering
 * `alpn`; resolves once the handshake is done. `timeoutMs` bounds the tunnel and the handshake.
 */
export function connectTls(host: string, port: number, agent: https.AgentOptions, alpn: string[], proxy: URL | undefined, timeoutMs: number): Promise<tls.TLSSocket> {
  const servername = agent.servername || (net.isIP(host) ? undefined : host);
  const opts: tls.ConnectionOptions = { secureContext: agent.secureContext, ALPNProtocols: alpn, ...(servername ? { servername } : {}) };
  if (agent.rejectUnauthorized !== undefined) opts.rejectUnauthorized = agent.rejectUnauthorized;
  const handshake = (s: tls.TLSSocket, done: (err: Error | null, s?: tls.TLSSocket) => void) => {
    const timer = timeoutMs ? setTimeout(() => s.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })), timeoutMs) : undefined;
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeListener('error', onError);
      done(null, s);
    });
    const onError = (e: Error) => {
      clearTimeout(timer);
      done(e);
    };
    s.once('error', onError);
  };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, s?: tls.TLSSocket) => (err || !s ? reject(err) : resolve(s));
    // TCP keep-alive as node:https's keep-alive agent sets it, so a long watch notices a peer that went away.
    if (!proxy) return handshake(tls.connect({ ...opts, host, port }).setKeepAlive(true, 1000), done);
    openTunnel(proxy, host, port, timeoutMs || undefined, (err, raw) => {
      if (err || !raw) return reject(err ?? new Error('no tunnel'));
      raw.setKeepAlive(true, 1000);
      const s = tls.connect({ ...opts, socket: raw });
      s.once('close', () => raw.destroy());
      handshake(s, done);
    });
  });
}

/** What goes into a secure context: the CA, the client certificate and the protocol settings client-node put on the options. */
const CONTEXT_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'crl', 'secureOptions', 'secureProtocol', 'honorCipherOrder', 'ecdhCurve', 'dhparam', 'sessionIdContext'] as const;

/**
 * The TLS options client-node put on the request options, moved to one agent: its context is built once (CA and
 * client certificate parsed once, not for every new connection, as Node does for `ca`/`cert`/`key` given per
 * request) and its connections are kept alive between requests. Removes them from `o`.
 */
export function tlsAgentOptions(o: https.RequestOptions): https.AgentOptions {
  const ctx: tls.SecureContextOptions = {};
  for (const k of CONTEXT_KEYS) {
    if (o[k] !== undefined) (ctx as Record<string, unknown>)[k] = o[k];
    delete o[k];
  }
  const keep: https.AgentOptions = { keepAlive: true, secureContext: tls.createSecureContext(ctx) };
  if (o.rejectUnauthorized !== undefined) keep.rejectUnauthorized = o.rejectUnauthorized;
  if (o.servername !== undefined) keep.servername = o.servername;
  return keep;
}

/**
 * The environment for other HTTP clients that talk to the cluster's own endpoints (the OAuth server in `login -u`):
 * the kubeconfig cluster's http(s) proxy-url replaces HTTPS_PROXY/NO_PROXY, as oc sends its OAuth requests through the
 * same rest.Config transport (Proxy) as its API requests. Without a proxy-url the environment is returned unchanged.
 */
export function withKubeconfigProxy(proxyUrl: string | undefined, env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (!proxyUrl || /^socks/i.test(proxyUrl)) return env;
  return { ...env, HTTPS_PROXY: proxyUrl, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };
}
