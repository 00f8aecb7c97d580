// fetchServerChain against loopback servers: a TLS server sending leaf + CA, and a CONNECT proxy in front of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCA, type CertificateAuthority } from '../sandbox/pki.js';
import { fetchServerChain, noProxyMatches, proxyFor } from '../../src/registry/server-chain.js';
import { RegctlError } from '../../src/errors.js';

let ca: CertificateAuthority;
let tlsServer: tls.Server;
let tlsPort: number;
let plainServer: net.Server;
let plainPort: number;
let silentServer: net.Server;
let silentPort: number;
let proxy: http.Server;
let proxyUrl: string;
const connects: string[] = [];
const sockets = new Set<net.Socket>();

const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
const track = (s: net.Server) =>
  s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => undefined); // the client hangs up mid-handshake on purpose
  });

beforeAll(async () => {
  ca = await createCA('chain-test-ca');
  const leaf = await ca.issue({ commonName: 'registry.test', dnsNames: ['registry.test'] });
  tlsServer = tls.createServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }, (s) => s.on('error', () => undefined).end());
  tlsServer.on('tlsClientError', () => undefined);
  plainServer = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  silentServer = net.createServer(() => undefined);
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    connects.push(`${req.url} auth=${req.headers['proxy-authorization'] ?? '-'}`);
    if (req.url?.startsWith('forbidden.test')) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const up = net.connect(tlsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(client).pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  for (const s of [tlsServer, plainServer, silentServer, proxy]) track(s);
  [tlsPort, plainPort, silentPort] = await Promise.all([listen(tlsServer), listen(plainServer), listen(silentServer)]);
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([tlsServer, plainServer, silentServer, proxy].map((s) => new Promise((r) => s.close(r))));
});

describe('fetchServerChain', () => {
  it('reads leaf and CA directly (no proxy configured)', async () => {
    const c = await fetchServerChain('127.0.0.1', tlsPort, { env: {}, timeoutMs: 5000 });
    expect(c.proxy).toBeUndefined();
    expect(c.certs.map((x) => x.subject)).toEqual(['CN=registry.test', 'CN=chain-test-ca']);
    expect(c.certs[1]!.isCA).toBe(true);
    expect(c.certs[1]!.selfSigned).toBe(true);
    expect(c.certs[1]!.pem).toBe(ca.certPem.trim() + '\n');
    expect(c.verified).toBe(false);
    expect(c.unlinkedAt).toBeUndefined();
  });

  it('goes through HTTPS_PROXY with CONNECT host:port and SNI, sending proxy credentials only to the proxy', async () => {
    connects.length = 0;
    const withAuth = proxyUrl.replace('http://', 'http://user:s3cret@');
    const c = await fetchServerChain('registry.test', 443, { env: { HTTPS_PROXY: withAuth }, timeoutMs: 5000 });
    expect(connects).toEqual([`registry.test:443 auth=Basic ${Buffer.from('user:s3cret').toString('base64')}`]);
    expect(c.proxy).toBe(proxyUrl);
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(c.certs).toHaveLength(2);
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    connects.length = 0;
    const c = await fetchServerChain('127.0.0.1', tlsPort, { env: { https_proxy: proxyUrl, no_proxy: 'localhost,127.0.0.1' }, timeoutMs: 5000 });
    expect(connects).toEqual([]);
    expect(c.certs).toHaveLength(2);
  });

  it('reports a proxy refusal, a refused connection, a non-TLS port and a timeout as one-line errors', async () => {
    const fail = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x) => x);
      expect(e).toBeInstanceOf(RegctlError);
      expect((e as RegctlError).message).not.toContain('\n');
      expect((e as RegctlError).hint).toBeTruthy();
      return (e as RegctlError).message;
    };
    expect(await fail(fetchServerChain('forbidden.test', 443, { env: { HTTPS_PROXY: proxyUrl }, timeoutMs: 5000 }))).toMatch(/proxy http:\/\/127\.0\.0\.1:\d+ refused to connect to forbidden.test:443: 403/);
    const closed = net.createServer();
    const closedPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    expect(await fail(fetchServerChain('127.0.0.1', closedPort, { env: {}, timeoutMs: 5000 }))).toMatch(/cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(await fail(fetchServerChain('127.0.0.1', plainPort, { env: {}, timeoutMs: 5000 }))).toMatch(/did not complete a TLS handshake/);
    expect(await fail(fetchServerChain('127.0.0.1', silentPort, { env: {}, timeoutMs: 300 }))).toMatch(/no TLS handshake with 127\.0\.0\.1:\d+ within 0\.3s/);
    expect(await fail(fetchServerChain('x.test', 443, { env: { HTTPS_PROXY: `http://127.0.0.1:${closedPort}` }, timeoutMs: 5000 }))).toMatch(/cannot reach the proxy/);
  });
});

describe('proxy selection', () => {
  it.each([
    ['', 'r.example.com', 443, false],
    ['*', 'r.example.com', 443, true],
    ['example.com', 'r.example.com', 443, true],
    ['.example.com', 'r.example.com', 443, true],
    // Go (golang.org/x/net/http/httpproxy): a leading dot matches subdomains only, not the domain itself.
    ['.example.com', 'example.com', 443, false],
    ['*.example.com', 'r.example.com', 443, true],
    ['ample.com', 'r.example.com', 443, false],
    ['r.example.com:5000', 'r.example.com', 443, false],
    ['r.example.com:5000', 'r.example.com', 5000, true],
    ['127.0.0.1,localhost', '127.0.0.1', 443, true],
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    [' foo.com , R.EXAMPLE.COM ', 'r.example.com', 443, true],
  ])('NO_PROXY=%j host %s:%d → %s', (np, host, port, want) => {
    expect(noProxyMatches(np, host, port)).toBe(want);
  });

  it('takes HTTPS_PROXY or https_proxy, with or without a scheme', () => {
    expect(proxyFor({}, 'a', 443)).toBeUndefined();
    expect(proxyFor({ HTTPS_PROXY: 'http://p:3128' }, 'a', 443)?.host).toBe('p:3128');
    expect(proxyFor({ https_proxy: 'p:3128' }, 'a', 443)?.protocol).toBe('http:');
    expect(proxyFor({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'a' }, 'a', 443)).toBeUndefined();
    expect(() => proxyFor({ HTTPS_PROXY: 'socks5://p:1080' }, 'a', 443)).toThrow(/not a valid http/);
  });
});
