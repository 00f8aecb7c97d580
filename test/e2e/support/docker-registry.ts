// A registry that is not OpenShift's: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with TLS whose
// server certificate chains to an intermediate (the file holds leaf + intermediate; the root is given to clients
// as their CA), and either htpasswd Basic auth or distribution's token auth with a token server started here.
// The token server follows distribution's docs/spec/auth/token.md: GET realm?service=…&scope=…&account=… with
// Basic user:password → {"token", "access_token", "expires_in", "issued_at"}; the token is a JWT (ES256, x5c
// header chaining to the registry's rootcertbundle) granting the requested access to the one known user.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCA } from '../../sandbox/pki.ts';
import { DOCKER_REGISTRY_BIN, freePort } from '../../sandbox/registry/process.ts';

const exec = promisify(execFile);

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  account: string | null;
  /** The user name of the Basic credentials, when any were sent. */
  user: string | null;
  granted: boolean;
}

export interface ForeignRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** The root CA (PEM file) the chain ends in. */
  caFile: string;
  /** A certs.d-style directory for skopeo (--cert-dir): ca.crt = the root. */
  certDir: string;
  user: string;
  password: string;
  /** Requests to the token server (token mode). */
  tokenRequests: TokenRequest[];
  stop(): Promise<void>;
}

export const TOKEN_SERVICE = 'foreign-registry.test';
const ISSUER = 'regctl-e2e-token-issuer';
const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A bcrypt htpasswd line (docker-registry accepts only bcrypt) through libc crypt(3), which perl exposes. */
async function htpasswdLine(user: string, password: string): Promise<string> {
  const salt = Array.from(randomBytes(21), (b) => B64[b % 64]).join('') + '.Oeu'[randomBytes(1)[0]! % 4];
  const { stdout } = await exec('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`]);
  if (!/^\$2[aby]\$05\$[./A-Za-z0-9]{53}$/.test(stdout)) throw new Error(`perl crypt() did not produce a bcrypt hash (libcrypt without bcrypt?): ${stdout.slice(0, 7)}`);
  return `${user}:${stdout}\n`;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function parseBasic(h: string | undefined): { user: string; password: string } | undefined {
  if (!h?.startsWith('Basic ')) return undefined;
  const s = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i < 0 ? undefined : { user: s.slice(0, i), password: s.slice(i + 1) };
}

function waitForListen(host: string, caPem: string, child: ChildProcess, tail: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`docker-registry exited: ${tail()}`));
      const req = https.get(`https://${host}/v2/`, { ca: caPem, timeout: 2000 }, (res) => {
        res.resume();
        resolve();
      });
      req.on('error', () => (Date.now() > deadline ? reject(new Error(`docker-registry did not start: ${tail()}`)) : setTimeout(attempt, 100)));
      req.on('timeout', () => req.destroy());
    };
    attempt();
  });
}

export async function startForeignRegistry(o: { dir: string; auth: 'htpasswd' | 'token'; user: string; password: string }): Promise<ForeignRegistry> {
  fs.mkdirSync(o.dir, { recursive: true });
  const root = await createCA('foreign-registry root');
  const intermediate = await root.issueCA('foreign-registry intermediate');
  const leaf = await intermediate.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], server: true });
  const chainPem = leaf.certPem + intermediate.certPem;
  const file = (name: string, content: string) => {
    const p = path.join(o.dir, name);
    fs.writeFileSync(p, content, { mode: 0o600 });
    return p;
  };
  const certFile = file('tls.crt', chainPem);
  const keyFile = file('tls.key', leaf.keyPem);
  const caFile = file('root-ca.crt', root.certPem);
  const certDir = path.join(o.dir, 'certs');
  fs.mkdirSync(certDir);
  fs.writeFileSync(path.join(certDir, 'ca.crt'), root.certPem);

  const tokenRequests: TokenRequest[] = [];
  let tokenServer: https.Server | undefined;
  let authYaml: string[];
  if (o.auth === 'htpasswd') {
    const htpasswd = file('htpasswd', await htpasswdLine(o.user, o.password));
    authYaml = ['auth:', '  htpasswd:', '    realm: foreign-registry', `    path: ${JSON.stringify(htpasswd)}`];
  } else {
    const signer = await createCA('foreign-registry token signer');
    const bundle = file('token-signer.crt', signer.certPem);
    const x5c = Buffer.from(signer.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
    tokenServer = https.createServer({ cert: chainPem, key: leaf.keyPem }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const basic = parseBasic(req.headers.authorization);
      const granted = Boolean(basic && basic.user === o.user && basic.password === o.password);
      const scopes = url.searchParams.getAll('scope');
      tokenRequests.push({ service: url.searchParams.get('service'), scopes, account: url.searchParams.get('account'), user: basic?.user ?? null, granted });
      if (url.pathname !== '/token' || (basic && !granted)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const access = granted
        ? scopes.flatMap((s) => s.split(' ')).map((s) => {
            const [type, ...rest] = s.split(':');
            const actions = rest.pop()!.split(',');
            return { type, name: rest.join(':'), actions };
          })
        : [];
      const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [x5c] }));
      const claims = b64url(JSON.stringify({ iss: ISSUER, sub: basic?.user ?? '', aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
      const sig = sign('sha256', Buffer.from(`${header}.${claims}`), { key: signer.keyPem, dsaEncoding: 'ieee-p1363' });
      const token = `${header}.${claims}.${b64url(sig)}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    await new Promise<void>((r) => tokenServer!.listen(0, '127.0.0.1', r));
    const tport = (tokenServer.address() as AddressInfo).port;
    authYaml = ['auth:', '  token:', `    realm: https://127.0.0.1:${tport}/token`, `    service: ${TOKEN_SERVICE}`, `    issuer: ${ISSUER}`, `    rootcertbundle: ${JSON.stringify(bundle)}`];
  }

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = file(
    'config.yml',
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(path.join(o.dir, 'storage'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      '  tls:',
      `    certificate: ${JSON.stringify(certFile)}`,
      `    key: ${JSON.stringify(keyFile)}`,
      ...authYaml,
      '',
    ].join('\n'),
  );
  const child = spawn(DOCKER_REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: o.dir } });
  const lines: string[] = [];
  const keep = (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean).slice(-20));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A test process that dies leaves no registry behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    tokenServer?.closeAllConnections();
    await new Promise<void>((r) => (tokenServer ? tokenServer.close(() => r()) : r()));
  };
  try {
    await waitForListen(host, root.certPem, child, () => lines.slice(-5).join('\n'));
  } catch (e) {
    await stop();
    throw e;
  }
  return { host, caFile, certDir, user: o.user, password: o.password, tokenRequests, stop };
}
