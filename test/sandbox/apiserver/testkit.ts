// Test fixture: a seeded store + API server with throwaway PKI, and a tiny HTTPS client for tests.
import { request } from 'node:https';
import { createCA } from '../pki.ts';
import { createStore } from '../store.ts';
import { defaultFaults } from '../types.ts';
import type { Faults, KubeObject, Store } from '../types.ts';
import { createAuthRegistry } from './auth.ts';
import type { SandboxAuthRegistry } from './auth.ts';
import { createAuthorizer, seedBootstrapRbac } from './rbac.ts';
import { startApiServer } from './server.ts';
import type { ApiServerHandle, ApiServerOptions } from './server.ts';

export interface Kit {
  store: Store;
  auth: SandboxAuthRegistry;
  faults: Faults;
  server: ApiServerHandle;
  caPem: string;
  clientCa: Awaited<ReturnType<typeof createCA>>;
  issuer: string;
  adminToken: string;
  close(): Promise<void>;
}

export async function startKit(extra: Partial<ApiServerOptions> = {}): Promise<Kit> {
  const ca = await createCA('sandbox-api-ca');
  const clientCa = await createCA('sandbox-client-ca');
  const serving = await ca.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], server: true });
  const store = createStore();
  store.create('/namespaces', { metadata: { name: 'default' } });
  seedBootstrapRbac(store);
  const auth = createAuthRegistry();
  auth.addUser('kube:admin', { password: 'admin-pass' });
  auth.addUser('developer', { password: 'dev-pass' });
  const faults = defaultFaults();
  const issuer = 'https://oauth-openshift.apps.sandbox.example.com';
  const server = await startApiServer({
    store,
    auth,
    authorizer: createAuthorizer(store),
    faults,
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: clientCa.certPem },
    oauth: { issuer },
    ...extra,
  });
  return { store, auth, faults, server, caPem: ca.certPem, clientCa, issuer, adminToken: auth.issueToken('kube:admin'), close: () => server.close() };
}

export interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function call(
  kit: Kit,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; contentType?: string; headers?: Record<string, string>; cert?: { certPem: string; keyPem: string } } = {},
): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let data: string | undefined;
    if (opts.body !== undefined) {
      data = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      // node:https frames no body of a DELETE by itself (no chunked encoding for it): without a length the body
      // would reach the server as the start of the next request.
      headers['Content-Length'] = String(Buffer.byteLength(data));
    }
    const req = request(
      `${kit.server.url}${path}`,
      { method, headers, ca: kit.caPem, cert: opts.cert?.certPem, key: opts.cert?.keyPem, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Opens a streaming GET; `lines` collects newline-delimited chunks as they arrive. */
export function stream(kit: Kit, path: string, token: string): Promise<{ status: number; lines: string[]; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${kit.server.url}${path}`, { headers: { Authorization: `Bearer ${token}` }, ca: kit.caPem, agent: false }, (res) => {
      const lines: string[] = [];
      let buf = '';
      const ended = new Promise<void>((r) => {
        res.on('end', () => r());
        res.on('close', () => r());
      });
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      resolve({ status: res.statusCode ?? 0, lines, ended, close: () => req.destroy() });
    });
    req.on('error', (e) => reject(e));
    req.end();
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const CONFIG_KEY = 'imageregistry.operator.openshift.io/configs';

export function registryConfig(): KubeObject {
  return {
    apiVersion: 'imageregistry.operator.openshift.io/v1',
    kind: 'Config',
    metadata: { name: 'cluster' },
    spec: { managementState: 'Managed', replicas: 1, storage: { emptyDir: {} }, logLevel: 'Normal', rolloutStrategy: 'RollingUpdate' },
  };
}
