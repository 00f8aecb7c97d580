// The sandbox's ingress router: an HTTP CONNECT proxy that terminates TLS inside each tunnel with the
// route's certificate (or the ingress wildcard) and proxies HTTP/1.1 to the route's backend, like the
// OpenShift HAProxy router does for edge/re-encrypt routes. Bodies are streamed with backpressure.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { RouteResolver, RouteTarget } from '../types.ts';
import { APPLICATION_NOT_AVAILABLE_HTML } from './unavailable.ts';

export interface RouterOptions {
  resolve: RouteResolver;
  /** Presented for hosts without a route (the ingress controller's default certificate). */
  defaultCert: { certPem: string; keyPem: string; chainPem?: string };
  /**
   * Hosts the proxy only tunnels (a plain forward proxy's CONNECT: bytes spliced to host:port, no TLS
   * termination), e.g. the API server in --api-via-proxy mode. Undefined: the host is routed as usual.
   */
  tunnel?: (host: string, port: number) => { host: string; port: number } | undefined;
}

export interface RouterHandle {
  /** http://127.0.0.1:PORT — use as HTTPS_PROXY */
  proxyUrl: string;
  port: number;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

interface TunnelInfo {
  connectHost: string;
  port: number;
  clientAddr: string;
}

const tunnels = new WeakMap<net.Socket, TunnelInfo>();

function splitHostPort(hostport: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport) ?? /^([^:]+)(?::(\d+))?$/.exec(hostport);
  if (!m) return { host: hostport.toLowerCase(), port: defaultPort };
  return { host: m[1]!.toLowerCase(), port: m[2] ? Number(m[2]) : defaultPort };
}

export async function startRouter(opts: RouterOptions): Promise<RouterHandle> {
  const contexts = new Map<string, tls.SecureContext>();
  const contextFor = (c: { certPem: string; keyPem: string; chainPem?: string }): tls.SecureContext => {
    const key = c.certPem + c.keyPem + (c.chainPem ?? '');
    let ctx = contexts.get(key);
    if (!ctx) {
      if (contexts.size > 200) contexts.clear();
      ctx = tls.createSecureContext({ cert: c.certPem.trimEnd() + '\n' + (c.chainPem ?? ''), key: c.keyPem });
      contexts.set(key, ctx);
    }
    return ctx;
  };
  const safeResolve = (host: string, port: number): RouteTarget | undefined => {
    try {
      return opts.resolve(host, port);
    } catch {
      return undefined;
    }
  };

  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  function unavailable(res: http.ServerResponse): void {
    res.writeHead(503, {
      'Content-Type': 'text/html',
      'Content-Length': String(Buffer.byteLength(APPLICATION_NOT_AVAILABLE_HTML)),
      'Cache-Control': 'private, max-age=0, no-cache, no-store',
      Pragma: 'no-cache',
      Connection: 'close',
    });
    res.end(APPLICATION_NOT_AVAILABLE_HTML);
  }

  function proxy(req: http.IncomingMessage, res: http.ServerResponse, backend: string, proto: 'http' | 'https', port: number, clientAddr: string, path: string, service = false): void {
    const target = new URL(backend);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || (HOP.has(k) && k !== 'transfer-encoding')) continue;
      headers[k] = v;
    }
    if (service) {
      // kube-proxy adds nothing; the registry pod serves TLS itself (REGISTRY_HTTP_TLS_*), so distribution sees
      // r.TLS != nil and builds https Location URLs. The plain-HTTP docker-registry behind us learns it this way.
      if (!headers.forwarded && !headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'https';
    } else {
      const host = req.headers.host ?? '';
      const prior = req.headers['x-forwarded-for'];
      headers['x-forwarded-host'] = host;
      headers['x-forwarded-port'] = String(port);
      headers['x-forwarded-proto'] = proto;
      headers['x-forwarded-for'] = prior ? `${prior}, ${clientAddr}` : clientAddr;
      headers.forwarded = `for=${clientAddr};host=${host};proto=${proto}`;
    }
    const lib = target.protocol === 'https:' ? https : http;
    const up = lib.request({
      hostname: target.hostname,
      port: target.port || (target.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path,
      headers,
      agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
      rejectUnauthorized: false,
    });
    up.on('response', (ur) => {
      const raw: string[] = [];
      for (let i = 0; i < ur.rawHeaders.length; i += 2) {
        if (HOP.has(ur.rawHeaders[i]!.toLowerCase())) continue;
        raw.push(ur.rawHeaders[i]!, ur.rawHeaders[i + 1]!);
      }
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, raw);
      ur.pipe(res);
      ur.on('error', () => res.destroy());
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      req.unpipe(up);
      if (!res.headersSent) {
        if (err.code === 'ECONNREFUSED') unavailable(res);
        else {
          const body = 'Bad Gateway\n';
          res.writeHead(502, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length), Connection: 'close' });
          res.end(body);
        }
      } else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  // HTTP on the decrypted tunnel streams: the server never listens, tunnels are handed over as connections.
  const inner = http.createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
    const info = tunnels.get(req.socket) ?? { connectHost: '', port: 443, clientAddr: '127.0.0.1' };
    const servername = (req.socket as tls.TLSSocket).servername || info.connectHost;
    const hostHeader = req.headers.host ? splitHostPort(req.headers.host, info.port).host : servername;
    const target = safeResolve(hostHeader, info.port);
    if (!target) return unavailable(res);
    proxy(req, res, target.backend, 'https', info.port, info.clientAddr, req.url ?? '/', target.service === true);
  });
  inner.on('clientError', (_e, s) => s.destroy());

  // The proxy itself: CONNECT tunnels, plus absolute-form requests for plain-HTTP routes.
  const outer = http.createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
    const url = req.url ?? '';
    if (!/^http:\/\//i.test(url)) {
      res.writeHead(400, { 'Content-Type': 'text/plain', Connection: 'close' }).end('This is a proxy; use CONNECT or absolute-form http:// requests\n');
      return;
    }
    const u = new URL(url);
    const port = Number(u.port || 80);
    const target = safeResolve(u.hostname.toLowerCase(), port);
    if (!target || !target.backend.startsWith('http:')) return unavailable(res);
    proxy(req, res, target.backend, 'http', port, req.socket.remoteAddress ?? '127.0.0.1', u.pathname + u.search);
  });
  outer.on('connection', track);
  outer.on('clientError', (_e, s) => s.destroy());
  outer.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const { host, port } = splitHostPort(req.url ?? '', 443);
    const pass = opts.tunnel?.(host, port);
    if (pass) return splice(socket, head, pass);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    const first = safeResolve(host, port);
    const tlsSocket = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: contextFor(first ?? opts.defaultCert),
      ALPNProtocols: ['http/1.1'],
      SNICallback: (servername, cb) => {
        const t = safeResolve(servername.toLowerCase(), port) ?? first;
        cb(null, contextFor(t ?? opts.defaultCert));
      },
    });
    tunnels.set(tlsSocket, { connectHost: host, port, clientAddr: socket.remoteAddress ?? '127.0.0.1' });
    tlsSocket.on('error', () => tlsSocket.destroy());
    socket.on('error', () => socket.destroy());
    track(tlsSocket);
    inner.emit('connection', tlsSocket);
  });

  // A forward proxy's CONNECT: 200 once the upstream accepted the TCP connection, 502 when it did not.
  function splice(client: net.Socket, head: Buffer, to: { host: string; port: number }): void {
    const up = net.connect(to.port, to.host);
    track(up);
    let connected = false;
    client.on('error', () => up.destroy());
    client.on('close', () => up.destroy());
    up.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
      up.on('close', () => client.destroy());
    });
    up.on('error', () => {
      if (connected) client.destroy();
      else client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  }

  await new Promise<void>((resolve, reject) => {
    outer.once('error', reject);
    outer.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (outer.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    port,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((r) => outer.close(() => r()));
        for (const s of sockets) s.destroy();
        await done;
        inner.close();
        httpAgent.destroy();
        httpsAgent.destroy();
      })();
      return closed;
    },
  };
}
