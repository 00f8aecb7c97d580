// RestClient keeps one TLS connection to the API server for requests made one after the other, and still presents
// the kubeconfig's client certificate on it (one agent with one secure context per client).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { RestClient } from '../../src/cluster/rest.js';

let dir: string;
let server: https.Server;
let connections = 0;
const subjects: string[] = [];
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
  const pem = (f: string) => fs.readFileSync(path.join(dir, f));
  server = https.createServer({ key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    subjects.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: req.url } }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  fs.writeFileSync(
    path.join(dir, 'kubeconfig'),
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
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('RestClient connections', () => {
  it('sends requests made one after the other over one TLS connection, with the client certificate', async () => {
    const k = loadKubeconfig({ kubeconfig: path.join(dir, 'kubeconfig'), env: {} });
    const rest = new RestClient(k, { timeoutMs: 5000, userAgent: 'regctl-test', env: {} });
    for (const name of ['a', 'b', 'c']) expect((await rest.get(`/api/v1/namespaces/${name}`)).kind).toBe('Namespace');
    expect(subjects).toEqual(['system:admin', 'system:admin', 'system:admin']);
    expect(connections).toBe(1);
  });
});
