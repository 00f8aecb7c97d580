// The API server reachable only through HTTPS_PROXY (sandbox apiViaProxy: the kubeconfig's server is
// https://api.sandbox.example.com:6443, a name no DNS knows; the proxy tunnels it). kubectl works there, so must
// every regctl command; kubeconfig proxy-url wins over the environment; NO_PROXY is matched as kubectl (Go) does;
// a dead or refusing proxy is one clear error naming the proxy, never its credentials.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_HOST, startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runCli } from '../helpers/cli.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';
import { expectOneError } from './support/expect-error.ts';
import { runTool } from './support/tool.ts';

let sb: Sandbox;
let t: LoginEnv;
const NS = 'proxied-team';
const PROXY_SECRET = 'pr0xy-s3cret-pw';
let deadPort: number;
let refusing: http.Server;
let refusingUrl: string;

const kubectl = (args: string[], env: Record<string, string> = {}) => runTool('kubectl', args, { ...sb.env, ...env }, t.home);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until(read: () => string, ok: (s: string) => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok(read())) {
    if (Date.now() > end) throw new Error(`output not seen in time:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sb = await startSandbox({ apiViaProxy: true });
  t = await loginEnv(sb, 'api-proxy');
  deadPort = await freePort();
  // A proxy that refuses every tunnel, as a corporate proxy does for hosts not on its allow list.
  refusing = http.createServer((_q, s) => s.writeHead(405).end());
  refusing.on('connect', (_req, socket: net.Socket) => {
    socket.on('error', () => socket.destroy()); // clients may reset the connection after the answer
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
  refusingUrl = `http://127.0.0.1:${(refusing.address() as net.AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => (refusing ? refusing.close(() => r()) : r()));
  await sb?.stop();
  t?.cleanup();
});

describe('sandbox --api-via-proxy', () => {
  it('kubectl reaches the API through HTTPS_PROXY; without the proxy the name does not resolve', async () => {
    expect(sb.apiUrl).toBe(`https://${API_HOST}:6443`);
    const kc = yaml.load(fs.readFileSync(sb.kubeconfigPath, 'utf8')) as any;
    expect(kc.clusters[0].cluster.server).toBe(sb.apiUrl);
    expect((sb.env.NO_PROXY ?? '').split(',')).not.toContain(API_HOST);
    const ok = await kubectl(['get', 'clusteroperator', 'image-registry']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/image-registry\s+4\.\d+\.\d+\s+True/);
    const cert = await kubectl(['--context', 'system-admin', 'auth', 'whoami']);
    expect(cert.code, cert.stderr).toBe(0);
    expect(cert.stdout).toContain('system:admin');
    const direct = await kubectl(['get', 'ns', '--request-timeout=15s'], { HTTPS_PROXY: '' });
    expect(direct.code).not.toBe(0);
    expect(direct.stderr).toMatch(/no such host|lookup api\.sandbox\.example\.com/);
  });
});

describe('regctl through the proxy', () => {
  it('status', async () => {
    const r = await t.cli(['status']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/Available/);
  });

  it('expose --default-route --trust (waits on a watch through the tunnel)', async () => {
    const r = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(sb.defaultRouteHost);
  });

  it('login with the kubeconfig token, and with a password (OAuth discovery on the API, token from the OAuth route)', async () => {
    const authfile = path.join(t.tmp, 'auth.json');
    const r = await t.cli(['login', '--authfile', authfile, '--certs-dir', t.certsDir]);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(fs.readFileSync(authfile, 'utf8')).auths[sb.defaultRouteHost]).toBeDefined();
    const dev = await t.cli(['login', '--username', 'developer', '--password-stdin', '--authfile', path.join(t.tmp, 'dev.json'), '--certs-dir', t.certsDir], { input: 'developer\n' });
    expect(dev.code, dev.all).toBe(0);
    expect(dev.all).not.toContain(sb.tokens.admin);
  });

  it('grant', async () => {
    const ns = await kubectl(['create', 'namespace', NS]);
    expect(ns.code, ns.stderr).toBe(0);
    const r = await t.cli(['grant', 'puller', 'developer', '-n', NS]);
    expect(r.code, r.all).toBe(0);
    const rb = await kubectl(['get', 'rolebindings', '-n', NS, '-o', 'json']);
    expect(JSON.parse(rb.stdout).items.some((b: any) => b.roleRef.name === 'system:image-puller' && (b.subjects ?? []).some((s: any) => s.name === 'developer'))).toBe(true);
  });

  it('logs, and logs -f streaming through the tunnel', async () => {
    const r = await t.cli(['logs', '--tail', '2']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/\] time=/);
    let child: ChildProcess | undefined;
    let out = '';
    const follow = runCli(['logs', '-f', '--tail', '1'], {
      env: { ...sb.env, HOME: t.home, XDG_RUNTIME_DIR: t.xdg },
      timeoutMs: 45_000,
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d) => (out += d));
      },
    });
    await until(() => out, (s) => s.includes('] time='));
    const pod = sb.store.list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' }).items[0]!.metadata.name!;
    sb.store.logs.append('openshift-image-registry', pod, 'registry', 'time="2026-01-01T00:00:00Z" level=info msg="api-proxy e2e live line"');
    await until(() => out, (s) => s.includes('api-proxy e2e live line'));
    child!.kill('SIGINT');
    expect((await follow).code).toBe(130);
  });

  it('metrics', async () => {
    const r = await t.cli(['metrics', '--raw']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('imageregistry_');
  });

  it('doctor finds the cluster (no API connection failure)', async () => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect([0, 3], r.all).toContain(r.code);
    expect(r.all).not.toMatch(/cannot reach the API|ENOTFOUND|EAI_AGAIN/);
    const checks = JSON.parse(r.stdout).checks as Array<{ id: string; status: string }>;
    expect(checks.length).toBeGreaterThan(3);
  });
});

describe('proxy selection and failures', () => {
  it('kubeconfig proxy-url wins over a dead HTTPS_PROXY, for kubectl and regctl alike', async () => {
    const kc = yaml.load(fs.readFileSync(sb.kubeconfigPath, 'utf8')) as any;
    kc.clusters[0].cluster['proxy-url'] = sb.proxyUrl;
    const file = path.join(t.tmp, 'kubeconfig-proxy-url');
    fs.writeFileSync(file, yaml.dump(kc), { mode: 0o600 });
    const dead = `http://127.0.0.1:${deadPort}`;
    const k = await kubectl(['get', 'clusteroperator', 'image-registry'], { KUBECONFIG: file, HTTPS_PROXY: dead });
    expect(k.code, k.stderr).toBe(0);
    const r = await t.cli(['status'], { env: { KUBECONFIG: file, HTTPS_PROXY: dead } });
    expect(r.code, r.all).toBe(0);
    // oc sends its OAuth requests through the same transport: the password login goes through proxy-url too.
    const login = await t.cli(['login', '-u', 'developer', '--password-stdin', '--skip-check', '--authfile', path.join(t.tmp, 'kc-proxy.json'), '--certs-dir', t.certsDir], {
      env: { KUBECONFIG: file, HTTPS_PROXY: dead },
      input: 'developer\n',
    });
    expect(login.code, login.all).toBe(0);
  });

  it('NO_PROXY matching the API host (Go semantics: "example.com" covers its subdomains) bypasses the proxy, as kubectl does', async () => {
    const k = await kubectl(['get', 'ns', '--request-timeout=15s'], { NO_PROXY: '127.0.0.1,example.com' });
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/no such host/);
    const r = await t.cli(['status', '--request-timeout', '15s'], { env: { NO_PROXY: '127.0.0.1,example.com' } });
    expect(r.code, r.all).toBe(1);
    expectOneError(r, new RegExp(`cannot (reach|resolve) .*${API_HOST.replace(/\./g, '\\.')}`), /HTTPS_PROXY|NO_PROXY|proxy/);
  });

  it('a dead proxy: one error naming the proxy without its credentials, exit 1', async () => {
    const r = await t.cli(['status'], { env: { HTTPS_PROXY: `http://alice:${PROXY_SECRET}@127.0.0.1:${deadPort}` } });
    expect(r.code, r.all).toBe(1);
    expectOneError(r, new RegExp(`proxy http://127\\.0\\.0\\.1:${deadPort}\\b.*ECONNREFUSED`), /HTTPS_PROXY|NO_PROXY/);
    expect(r.all).not.toContain(PROXY_SECRET);
    expect(r.all).not.toContain('alice:');
    expect(r.all).not.toMatch(/\n\s+at /);
  });

  it('a proxy that refuses the tunnel (CONNECT 403): one error naming the proxy and its answer, exit 1', async () => {
    const r = await t.cli(['status'], { env: { HTTPS_PROXY: refusingUrl } });
    expect(r.code, r.all).toBe(1);
    expectOneError(r, new RegExp(`proxy ${refusingUrl.replace(/\./g, '\\.')} refused .*${API_HOST.replace(/\./g, '\\.')}:6443.*403`), /NO_PROXY|proxy/);
    const k = await kubectl(['get', 'ns'], { HTTPS_PROXY: refusingUrl });
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/Forbidden|403/);
  });
});
