// The certificate chain a registry presents: one TLS handshake (node:tls), through an HTTP CONNECT proxy when
// HTTPS_PROXY applies to the host (NO_PROXY honoured). Nothing is verified here: the caller shows the chain.
import tls from 'node:tls';
import http from 'node:http';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import { RegctlError, TimeoutError } from '../errors.js';
import { summarize, type CertSummary } from '../pki/pem.js';
import { bypassesProxy, parseProxyUrl, proxySettings } from '../net/proxy-env.js';

export interface ChainCert extends CertSummary {
  pem: string;
}

export interface ServerChain {
  host: string;
  port: number;
  /** The proxy used (scheme://host:port, no credentials), if any. */
  proxy?: string;
  /** Leaf first, as the server sent it. */
  certs: ChainCert[];
  /** Whether the chain verifies against Node's default CAs and the host name. */
  verified: boolean;
  verifyError?: string;
  /** Index i where certs[i] is not signed by certs[i+1] (undefined: every link holds). */
  unlinkedAt?: number;
}

export interface ChainOptions {
  env: Record<string, string | undefined>;
  timeoutMs: number;
  signal?: AbortSignal;
  now?: Date;
}

export async function fetchServerChain(host: string, port: number, o: ChainOptions): Promise<ServerChain> {
  const proxy = proxyFor(o.env, host, port);
  const target = `${host}:${port}`;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = o.timeoutMs > 0 ? setTimeout(() => ac.abort(new TimeoutError(`no TLS handshake with ${target} within ${o.timeoutMs / 1000}s${proxy ? ` (through proxy ${redact(proxy)})` : ''}`, { hint: 'check the host and port, or raise --request-timeout' })), o.timeoutMs) : undefined;
  const sockets: net.Socket[] = [];
  try {
    const raw = proxy ? await connectThroughProxy(proxy, host, port, ac.signal, sockets) : undefined;
    const socket = await handshake(host, port, raw, ac.signal, sockets, proxy);
    const { chain, unlinkedAt } = peerChain(socket, o.now ?? new Date());
    const identityError = chain.length ? tls.checkServerIdentity(host, socket.getPeerCertificate()) : undefined;
    const verifyError = socket.authorizationError ? String(socket.authorizationError) : identityError?.message;
    return { host, port, ...(proxy ? { proxy: redact(proxy) } : {}), certs: chain, verified: !verifyError, ...(verifyError ? { verifyError } : {}), ...(unlinkedAt !== undefined ? { unlinkedAt } : {}) };
  } catch (e) {
    if (ac.signal.aborted && ac.signal.reason instanceof RegctlError) throw ac.signal.reason;
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    // TLS socket before the proxy tunnel under it: destroying the tunnel first crashes Node 20 (segfault at exit).
    for (const s of sockets.reverse()) if (!s.destroyed) s.destroy();
  }
}

function handshake(host: string, port: number, over: net.Socket | undefined, signal: AbortSignal, sockets: net.Socket[], proxy?: URL): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(over ? { socket: over } : { host, port }),
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    sockets.push(s);
    const abort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', abort, { once: true });
    s.once('secureConnect', () => {
      signal.removeEventListener('abort', abort);
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', abort);
      reject(connectError(e, `${host}:${port}`, proxy));
    });
  });
}

function connectThroughProxy(proxy: URL, host: string, port: number, signal: AbortSignal, sockets: net.Socket[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `${host}:${port}` };
    if (proxy.username) headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      signal,
      ...(proxy.protocol === 'https:' ? { createConnection: () => tls.connect({ host: proxy.hostname, port: proxyPort, servername: net.isIP(proxy.hostname) ? undefined : proxy.hostname }) } : {}),
    });
    req.once('socket', (s) => sockets.push(s));
    req.once('connect', (res, socket) => {
      sockets.push(socket);
      if (res.statusCode !== 200) {
        reject(new RegctlError(`proxy ${redact(proxy)} refused to connect to ${host}:${port}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim(), {
          hint: `check the host name; if ${host} should not go through the proxy, add it to NO_PROXY`,
        }));
        return;
      }
      resolve(socket);
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      if (signal.aborted) return reject(signal.reason ?? e);
      reject(new RegctlError(`cannot reach the proxy ${redact(proxy)} (${e.code ?? e.message})`, { hint: 'check HTTPS_PROXY, or add the registry host to NO_PROXY' }));
    });
    req.end();
  });
}

function peerChain(s: tls.TLSSocket, now: Date): { chain: ChainCert[]; unlinkedAt?: number } {
  const out: ChainCert[] = [];
  const xs: X509Certificate[] = [];
  const seen = new Set<string>();
  let c = s.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    const x = new X509Certificate(c.raw);
    xs.push(x);
    out.push({ ...summarize(x, now), pem: x.toString().trim() + '\n' });
    c = c.issuerCertificate;
  }
  const unlinkedAt = xs.findIndex((x, i) => i + 1 < xs.length && !signedBy(x, xs[i + 1]!));
  return { chain: out, ...(unlinkedAt >= 0 ? { unlinkedAt } : {}) };
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function connectError(e: NodeJS.ErrnoException, target: string, proxy?: URL): RegctlError {
  if (e instanceof RegctlError) return e;
  const code = e.code ?? '';
  const via = proxy ? ` (through proxy ${redact(proxy)})` : '';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ECONNRESET') {
    return new RegctlError(`cannot connect to ${target}${via} (${code})`, {
      hint: proxy ? 'check the host and port' : 'check the host and port; if the registry is only reachable through a proxy, set HTTPS_PROXY',
    });
  }
  return new RegctlError(`${target}${via} did not complete a TLS handshake (${code || e.message.split('\n')[0]})`, {
    hint: 'is it an HTTPS port? a registry served over plain HTTP needs no CA',
  });
}

/** The proxy for an https connection to host:port, or undefined (no HTTPS_PROXY, or NO_PROXY matches). */
export function proxyFor(env: Record<string, string | undefined>, host: string, port: number): URL | undefined {
  // Go's rules (src/net/proxy-env.ts), as podman/skopeo and kubectl apply them.
  const raw = proxySettings(env).httpsProxy;
  if (!raw) return undefined;
  if (noProxyMatches(proxySettings(env).noProxy, host, port)) return undefined;
  const u = parseProxyUrl(raw);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new RegctlError('HTTPS_PROXY is not a valid http:// or https:// URL', { hint: 'set it like HTTPS_PROXY=http://proxy.example.com:3128', exitCode: 2 });
  }
  return u;
}

/** Go's NO_PROXY semantics (src/net/proxy-env.ts): `*`, domains with their subdomains, `.domain`, host:port, IPs, CIDRs, loopback. */
export function noProxyMatches(noProxy: string, host: string, port: number): boolean {
  return bypassesProxy(noProxy, host, port);
}

/** scheme://host:port, never the credentials. */
function redact(u: URL): string {
  return `${u.protocol}//${u.host}`;
}
