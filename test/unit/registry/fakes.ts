// Loopback fakes for the registry HTTP layer: an HTTPS server that answers like the OpenShift registry
// (/v2/ Bearer challenge, /openshift/token echoing the Basic password) and an HTTP CONNECT proxy.
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createCA, type CertificateAuthority } from '../../sandbox/pki.ts';

export interface FakeRegistry {
  port: number;
  ca: CertificateAuthority;
  /** Authorization headers seen, per path. */
  seen: Array<{ path: string; authorization?: string; userAgent?: string }>;
  validTokens: Set<string>;
  /** repo (ns/name) → tokens allowed to pull. */
  pullers: Map<string, Set<string>>;
  close(): Promise<void>;
}

const j = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
  res.end(JSON.stringify(body));
};

export async function startFakeRegistry(hostnames: string[]): Promise<FakeRegistry> {
  const ca = await createCA('fake-ingress-ca');
  const leaf = await ca.issue({ commonName: hostnames[0]!, dnsNames: hostnames, ipAddresses: ['127.0.0.1'], server: true });
  const seen: FakeRegistry['seen'] = [];
  const validTokens = new Set<string>();
  const pullers = new Map<string, Set<string>>();
  const tokenOf = (h: string | undefined): string | undefined => {
    if (!h) return undefined;
    if (h.startsWith('Bearer ')) return h.slice(7);
    if (h.startsWith('Basic ')) return Buffer.from(h.slice(6), 'base64').toString().split(':').slice(1).join(':');
    return undefined;
  };
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const url = new URL(req.url!, `https://${req.headers.host}`);
    seen.push({ path: url.pathname, authorization: req.headers.authorization, userAgent: req.headers['user-agent'] });
    const realm = `Bearer realm="https://${req.headers.host}/openshift/token"`;
    if (url.pathname === '/openshift/token') {
      const h = req.headers.authorization;
      if (!h) return j(res, 200, { token: 'anonymous', access_token: 'anonymous' });
      if (!h.startsWith('Basic ')) return j(res, 401, {});
      const t = tokenOf(h)!;
      if (!validTokens.has(t)) return j(res, 401, {});
      return j(res, 200, { token: t, access_token: t });
    }
    const t = tokenOf(req.headers.authorization);
    if (!t) return j(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }, { 'www-authenticate': realm });
    if (!validTokens.has(t)) {
      return j(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm=openshift,error="access denied"' });
    }
    if (url.pathname === '/v2/') return j(res, 200, {});
    const m = /^\/v2\/([^/]+\/[^/]+)\/tags\/list$/.exec(url.pathname);
    if (m) {
      if (!pullers.get(m[1]!)?.has(t)) {
        return j(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm=openshift,error="access denied"' });
      }
      const n = Number(url.searchParams.get('n') ?? 2);
      const all = ['a', 'b', 'c', 'd', 'e'];
      const last = url.searchParams.get('last');
      const start = last ? all.indexOf(last) + 1 : 0;
      const page = all.slice(start, start + n);
      const headers: Record<string, string> = {};
      if (page.length === n) headers.link = `</v2/${m[1]}/tags/list?last=${page[page.length - 1]}&n=${n}>; rel="next"`;
      return j(res, 200, { name: m[1], tags: page }, headers);
    }
    return j(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    ca,
    seen,
    validTokens,
    pullers,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface FakeProxy {
  url: string;
  connects: string[];
  close(): Promise<void>;
}

/** CONNECT proxy: every tunnel goes to 127.0.0.1:targetPort whatever host was asked for (like the sandbox router). */
export async function startFakeProxy(targetPort: number): Promise<FakeProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req, client: net.Socket) => {
    connects.push(req.url!);
    const upstream = net.connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    const drop = () => (client.destroy(), upstream.destroy());
    upstream.on('error', drop);
    client.on('error', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.closeAllConnections(); server.close(() => r()); }),
  };
}
