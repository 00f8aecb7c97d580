// RestClient keeps one connection to the API server and presents the kubeconfig's client certificate on it: HTTP/2
// (negotiated by ALPN, as client-go and kube-apiserver do) carries parallel requests over one TLS connection; a server
// that offers only HTTP/1.1 gets keep-alive HTTP/1.1 (one agent with one secure context per client).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { RestClient } from '../../src/cluster/rest.js';

let dir: string;
let server: https.Server;
let h2server: http2.Http2SecureServer;
let connections = 0;
let h2connections = 0;
const subjects: string[] = [];
const versions: string[] = [];
const sessions: http2.ServerHttp2Session[] = [];
const b64 = (f: string) => fs.readFileSync(path.join(dir, f)).toString('base64');

function ssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-rest-connections-'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test api ca', '-days', '2');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  ssl('req', ...key, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/CN=system:admin');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
  const tlsOpts = serverTls();
  const answer = (req: { url?: string; httpVersion: string; socket: unknown }, res: { setHeader(k: string, v: string): void; end(s: string): void }) => {
    subjects.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
    versions.push(req.httpVersion);
    // Answer a little later, so that requests made together are in flight together.
    if (req.url?.endsWith('/reset') && 'stream' in req) return void (req as unknown as { stream: http2.ServerHttp2Stream }).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: req.url } }));
    }, 20);
  };
  server = https.createServer(tlsOpts, answer);
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  h2server = http2.createSecureServer(tlsOpts, answer);
  h2server.on('secureConnection', () => h2connections++);
  h2server.on('session', (session) => sessions.push(session));
  await new Promise<void>((r) => h2server.listen(0, '127.0.0.1', r));
  writeKubeconfig('kubeconfig', (server.address() as AddressInfo).port);
  writeKubeconfig('h2.kubeconfig', (h2server.address() as AddressInfo).port);
});

function serverTls() {
  const pem = (f: string) => fs.readFileSync(path.join(dir, f));
  return { key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true };
}
function writeKubeconfig(name: string, port: number): void {
  fs.writeFileSync(
    path.join(dir, name),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: https://127.0.0.1:${port}`,
      `    certificate-authority-data: ${b64('ca.crt')}`,
      'users:',
      '- name: u',
      '  user:',
      `    client-certificate-data: ${b64('client.crt')}`,
      `    client-key-data: ${b64('client.key')}`,
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n'),
  );
}

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  for (const session of sessions) session.destroy();
  await new Promise((r) => h2server?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('RestClient connections', () => {
  it('HTTP/2: requests made together share one TLS connection, with the client certificate', async () => {
    subjects.length = versions.length = 0;
    const k = loadKubeconfig({ kubeconfig: path.join(dir, 'h2.kubeconfig'), env: {} });
    const rest = new RestClient(k, { timeoutMs: 5000, userAgent: 'regctl-test', env: {} });
    const names = ['a', 'b', 'c', 'd', 'e'];
    const got = await Promise.all(names.map((n) => rest.get(`/api/v1/namespaces/${n}`)));
    expect(got.map((g) => g.metadata.name)).toEqual(names.map((n) => `/api/v1/namespaces/${n}`));
    expect((await rest.get('/api/v1/namespaces/f')).kind).toBe('Namespace');
    expect(versions).toEqual(Array(6).fill('2.0'));
    expect(subjects).toEqual(Array(6).fill('system:admin'));
    expect(h2connections).toBe(1);
  });

  it('HTTP/2: a connection the server closed is replaced; a reset stream fails as a reset connection, the others go on', async () => {
    const k = loadKubeconfig({ kubeconfig: path.join(dir, 'h2.kubeconfig'), env: {} });
    const rest = new RestClient(k, { timeoutMs: 5000, userAgent: 'regctl-test', env: {} });
    const before = h2connections;
    expect((await rest.get('/api/v1/namespaces/a')).kind).toBe('Namespace');
    // GOAWAY: a request sent before the client reads it is refused and sent again on a new connection.
    for (const session of sessions) session.close();
    expect((await rest.get('/api/v1/namespaces/b')).kind).toBe('Namespace');
    expect(h2connections).toBe(before + 2);
    const [reset, ok] = await Promise.allSettled([rest.get('/api/v1/namespaces/reset'), rest.get('/api/v1/namespaces/c')]);
    expect(reset.status === 'rejected' && reset.reason).toMatchObject({ name: 'ConnectionError', code: 'ECONNRESET' });
    expect(ok.status === 'fulfilled' && ok.value.kind).toBe('Namespace');
    expect(h2connections).toBe(before + 2);
  });

  it('HTTP/2: more requests at once than the server allows streams wait for a stream, on the same connection', async () => {
    const small = http2.createSecureServer({ ...serverTls(), settings: { maxConcurrentStreams: 2 } }, (req, res) => setTimeout(() => res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: req.url } })), 20));
    let conns = 0;
    small.on('secureConnection', () => conns++);
    const open: http2.ServerHttp2Session[] = [];
    small.on('session', (x) => open.push(x));
    await new Promise<void>((r) => small.listen(0, '127.0.0.1', r));
    try {
      writeKubeconfig('small.kubeconfig', (small.address() as AddressInfo).port);
      const rest = new RestClient(loadKubeconfig({ kubeconfig: path.join(dir, 'small.kubeconfig'), env: {} }), { timeoutMs: 5000, userAgent: 'regctl-test', env: {} });
      const got = await Promise.all(Array.from({ length: 9 }, (_, i) => rest.get(`/api/v1/namespaces/n${i}`)));
      expect(got.map((g) => g.metadata.name)).toEqual(Array.from({ length: 9 }, (_, i) => `/api/v1/namespaces/n${i}`));
      expect(conns).toBe(1);
    } finally {
      for (const x of open) x.destroy();
      await new Promise((r) => small.close(r));
    }
  });

  it('HTTP/2: a server that chose h2 but never sends its SETTINGS fails the request within the timeout', async () => {
    let open = 0;
    const mute = tls.createServer({ ...serverTls(), ALPNProtocols: ['h2'] }, (socket) => {
      open++;
      socket.resume(); // reads (and drops) what the client sends, so it sees the client close
      socket.on('close', () => --open === 0 && mute.emit('gone'));
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    try {
      writeKubeconfig('mute.kubeconfig', (mute.address() as AddressInfo).port);
      const rest = new RestClient(loadKubeconfig({ kubeconfig: path.join(dir, 'mute.kubeconfig'), env: {} }), { timeoutMs: 300, userAgent: 'regctl-test', env: {} });
      await expect(rest.get('/api/v1/namespaces/x')).rejects.toMatchObject({ name: 'ConnectionError', code: 'ETIMEDOUT' });
      // The client let go of the connection: the server sees it close.
      await new Promise<void>((r) => (open === 0 ? r() : mute.once('gone', r)));
    } finally {
      await new Promise((r) => mute.close(r));
    }
  });

  it('a server without HTTP/2: requests made one after the other reuse one HTTP/1.1 connection, with the client certificate', async () => {
    subjects.length = versions.length = 0;
    const k = loadKubeconfig({ kubeconfig: path.join(dir, 'kubeconfig'), env: {} });
    const rest = new RestClient(k, { timeoutMs: 5000, userAgent: 'regctl-test', env: {} });
    for (const name of ['a', 'b', 'c']) expect((await rest.get(`/api/v1/namespaces/${name}`)).kind).toBe('Namespace');
    expect(versions).toEqual(['1.1', '1.1', '1.1']);
    expect(subjects).toEqual(['system:admin', 'system:admin', 'system:admin']);
    // Plus, at most, the connection that offered h2 and was closed once the server chose http/1.1.
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(connections).toBeLessThanOrEqual(2);
  });
});
