import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { ProxyAgent, request } from 'undici';
import { createCA, type CertificateAuthority, type Issued } from '../pki.ts';
import type { RouteTarget } from '../types.ts';
import { startRouter, type RouterHandle } from './router.ts';

let ca: CertificateAuthority;
let wildcard: Issued;
let custom: Issued;
let router: RouterHandle;
let plainBackend: http.Server;
let tlsBackend: https.Server;
let agent: ProxyAgent;
const routes = new Map<string, RouteTarget>();
let stallBackend: { paused: boolean; resume?: () => void } = { paused: false };

function listen(s: http.Server | https.Server): Promise<string> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(String((s.address() as net.AddressInfo).port))));
}

/** Opens a CONNECT tunnel and a TLS session inside it; returns the server's leaf certificate. */
function tunnelCert(connectTo: string, servername?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(router.port, '127.0.0.1', () => sock.write(`CONNECT ${connectTo} HTTP/1.1\r\nHost: ${connectTo}\r\n\r\n`));
    sock.once('data', (d) => {
      if (!/^HTTP\/1\.1 200/.test(d.toString())) return reject(new Error(d.toString()));
      const t = tls.connect({ socket: sock, servername, rejectUnauthorized: false }, () => {
        const raw = t.getPeerCertificate().raw;
        t.destroy();
        resolve(new X509Certificate(raw));
      });
      t.on('error', reject);
    });
    sock.on('error', reject);
  });
}

beforeAll(async () => {
  ca = await createCA('ingress-operator@sandbox');
  wildcard = await ca.issue({ commonName: '*.apps.sandbox.test', dnsNames: ['*.apps.sandbox.test'] });
  custom = await ca.issue({ commonName: 'registry.example.test', dnsNames: ['registry.example.test'] });

  plainBackend = http.createServer((req, res) => {
    if (req.url === '/download') {
      const total = 64 << 20;
      const chunk = Buffer.alloc(1 << 20, 7);
      let sent = 0;
      res.writeHead(200, { 'Content-Length': String(total) });
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (req.url === '/upload') {
      const hash = createHash('sha256');
      let n = 0;
      req.pause();
      const start = () => {
        req.on('data', (c: Buffer) => {
          hash.update(c);
          n += c.length;
        });
        req.on('end', () => res.end(JSON.stringify({ bytes: n, sha256: hash.digest('hex') })));
        req.resume();
      };
      if (stallBackend.paused) stallBackend.resume = start;
      else start();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Multi': ['a', 'b'] });
    res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers }));
  });
  tlsBackend = https.createServer({ cert: custom.certPem, key: custom.keyPem }, (req, res) => {
    res.end(JSON.stringify({ tls: true, host: req.headers.host, xfp: req.headers['x-forwarded-proto'] }));
  });
  const plainPort = await listen(plainBackend);
  const tlsPort = await listen(tlsBackend);
  routes.set('app.apps.sandbox.test:443', { backend: `http://127.0.0.1:${plainPort}`, ...wildcard, chainPem: ca.certPem });
  routes.set('registry.example.test:443', { backend: `https://127.0.0.1:${tlsPort}`, ...custom });
  routes.set('plain.apps.sandbox.test:80', { backend: `http://127.0.0.1:${plainPort}`, ...wildcard });
  routes.set('down.apps.sandbox.test:443', { backend: 'http://127.0.0.1:1', ...wildcard });
  router = await startRouter({ resolve: (h, p) => routes.get(`${h}:${p}`), defaultCert: wildcard });
  agent = new ProxyAgent({ uri: router.proxyUrl, requestTls: { ca: ca.certPem } });
});

afterAll(async () => {
  await agent?.close();
  await router?.close();
  await new Promise((r) => plainBackend?.close(r));
  await new Promise((r) => tlsBackend?.close(r));
});

describe('router', () => {
  it('proxies HTTPS through CONNECT with forwarded headers and the original Host', async () => {
    const res = await request('https://app.apps.sandbox.test/v2/?x=1', { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-multi']).toEqual(['a', 'b']);
    const body = (await res.body.json()) as any;
    expect(body.url).toBe('/v2/?x=1');
    expect(body.headers.host).toBe('app.apps.sandbox.test');
    expect(body.headers['x-forwarded-host']).toBe('app.apps.sandbox.test');
    expect(body.headers['x-forwarded-proto']).toBe('https');
    expect(body.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('re-encrypts to https backends without verifying them', async () => {
    const res = await request('https://registry.example.test/', { dispatcher: agent });
    expect(await res.body.json()).toEqual({ tls: true, host: 'registry.example.test', xfp: 'https' });
  });

  it('presents the route certificate, chosen by SNI, and the wildcard otherwise', async () => {
    expect((await tunnelCert('registry.example.test:443', 'registry.example.test')).subjectAltName).toBe('DNS:registry.example.test');
    expect((await tunnelCert('app.apps.sandbox.test:443', 'app.apps.sandbox.test')).subjectAltName).toBe('DNS:*.apps.sandbox.test');
    // SNI wins over the CONNECT authority; without SNI the CONNECT host decides.
    expect((await tunnelCert('app.apps.sandbox.test:443', 'registry.example.test')).subjectAltName).toBe('DNS:registry.example.test');
    expect((await tunnelCert('registry.example.test:443')).subjectAltName).toBe('DNS:registry.example.test');
    expect((await tunnelCert('nothing.example.test:443', 'nothing.example.test')).subjectAltName).toBe('DNS:*.apps.sandbox.test');
  });

  it('answers 503 "Application is not available" for unknown hosts, after TLS with the default certificate', async () => {
    const res = await request('https://nope.apps.sandbox.test/', { dispatcher: agent });
    expect(res.statusCode).toBe(503);
    expect(await res.body.text()).toContain('<h1>Application is not available</h1>');
  });

  it('answers 503 when the backend refuses connections', async () => {
    const res = await request('https://down.apps.sandbox.test/', { dispatcher: agent });
    expect(res.statusCode).toBe(503);
    await res.body.text();
  });

  it('serves absolute-form plain HTTP proxy requests', async () => {
    const body = await new Promise<any>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: router.port, path: 'http://plain.apps.sandbox.test/hello', headers: { Host: 'plain.apps.sandbox.test' } }, (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => resolve(JSON.parse(s)));
        })
        .on('error', reject);
    });
    expect(body.url).toBe('/hello');
    expect(body.headers['x-forwarded-proto']).toBe('http');
  });

  it('streams a large upload with backpressure (nothing buffered while the backend does not read)', async () => {
    const total = 128 << 20;
    const chunk = Buffer.alloc(1 << 20, 3);
    let produced = 0;
    const expected = createHash('sha256');
    const body = new Readable({
      highWaterMark: 1 << 20,
      read() {
        if (produced >= total) return this.push(null);
        produced += chunk.length;
        expected.update(chunk);
        this.push(chunk);
      },
    });
    stallBackend = { paused: true };
    const pending = request('https://app.apps.sandbox.test/upload', { method: 'POST', body, dispatcher: agent, headers: { 'content-length': String(total) } });
    // Wait until the request has reached the backend and the producer stops making progress while the backend does
    // not read. (On a loaded machine the request may not even have started after the first pause.)
    let last = -1;
    for (let i = 0; i < 400 && (stallBackend.resume === undefined || produced !== last); i++) {
      last = produced;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(produced).toBeLessThan(48 << 20);
    expect(stallBackend.resume).toBeTypeOf('function');
    stallBackend.resume!();
    stallBackend = { paused: false };
    const res = await pending;
    expect(await res.body.json()).toEqual({ bytes: total, sha256: expected.digest('hex') });
  });

  it('streams a large download', async () => {
    const res = await request('https://app.apps.sandbox.test/download', { dispatcher: agent });
    let n = 0;
    for await (const c of res.body) n += (c as Buffer).length;
    expect(n).toBe(64 << 20);
  });
});
