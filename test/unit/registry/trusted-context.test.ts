// trustedContext: Node's roots plus one CA (which may be an intermediate), and no other context trusts that CA.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedContext } from '../../../src/registry/http.js';

let dir: string;
let server: tls.Server;
let port: number;
const pem = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

function ssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** 'trusted' or the verification error's code. */
function connect(secureContext: tls.SecureContext): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext }, () => {
      s.destroy();
      resolve('trusted');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-trusted-context-'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  // root → intermediate → leaf; the server sends leaf + intermediate, as a router's default certificate does.
  ssl('req', '-x509', ...key, '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=test root', '-days', '2');
  fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n');
  ssl('req', ...key, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=test intermediate');
  ssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.crt', '-days', '2', '-extfile', 'ca.ext');
  fs.writeFileSync(path.join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost\n');
  ssl('req', ...key, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'leaf.ext');
  server = tls.createServer({ key: pem('leaf.key'), cert: pem('leaf.crt') + pem('int.crt') }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('trustedContext', () => {
  it('trusts a server whose chain reaches the given CA', async () => {
    expect(await connect(trustedContext(pem('root.crt')))).toBe('trusted');
  });

  it('trusts an intermediate given alone (partial chain), as Go clients do', async () => {
    expect(await connect(trustedContext(pem('int.crt')))).toBe('trusted');
  });

  it('leaves Node\'s default trust unchanged: a context made afterwards does not trust the CA', async () => {
    trustedContext(pem('root.crt'));
    expect(await connect(tls.createSecureContext({}))).not.toBe('trusted');
    expect(await connect(tls.createSecureContext({ allowPartialTrustChain: true }))).not.toBe('trusted');
  });
});
