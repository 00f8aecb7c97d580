// The default ingress certificate as cluster-ingress-operator sets it up: what the router serves and what
// certificate-publisher puts in openshift-config-managed/default-ingress-cert (its tls.crt, leaf first), for the
// operator-generated certificate and for a custom one chaining to an intermediate of a private root.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthRegistry } from './apiserver/index.ts';
import { createIngressPki } from './ingress-pki.ts';
import { spawnSandboxCli } from './cli-process.ts';
import { createCA } from './pki.ts';
import { startSandbox, type Sandbox } from './index.ts';
import { seedCluster } from './profiles.ts';
import { defaultResourceTypes, keyOf, VIRTUAL_RESOURCES } from './resources.ts';
import { createStore } from './store.ts';

const pems = (s: string) => s.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

/** The chain the router sends for host (through the CONNECT proxy), leaf first, and whether `ca` verifies it. */
function served(sb: Sandbox, host: string, ca: string, partial = false): Promise<{ chain: X509Certificate[]; authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const port = Number(new URL(sb.proxyUrl).port);
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
    sock.once('data', (d) => {
      if (!/^HTTP\/1\.1 200/.test(d.toString())) return reject(new Error(d.toString()));
      const secureContext = tls.createSecureContext({ ca, allowPartialTrustChain: partial });
      const s = tls.connect({ socket: sock, servername: host, secureContext, rejectUnauthorized: false }, () => {
        const chain: X509Certificate[] = [];
        let c = s.getPeerCertificate(true) as tls.DetailedPeerCertificate;
        const seen = new Set<string>();
        while (c?.raw && !seen.has(c.fingerprint256)) {
          seen.add(c.fingerprint256);
          chain.push(new X509Certificate(c.raw));
          c = c.issuerCertificate;
        }
        const out = { chain, authorized: s.authorized, ...(s.authorizationError ? { error: String(s.authorizationError) } : {}) };
        s.destroy();
        resolve(out);
      });
      s.on('error', reject);
    });
    sock.on('error', reject);
  });
}

describe('operator-generated default certificate (default)', () => {
  it('router-certs-default and default-ingress-cert hold leaf + the operator CA, leaf first (library-go MakeServerCert)', async () => {
    const pki = await createIngressPki('root', 'apps.example.test');
    const store = createStore();
    seedCluster(store, createAuthRegistry(), { profile: 'aws', nodes: 1, ingressCaPem: pki.rootPem, wildcard: pki.wildcard, serviceCaPem: pki.rootPem, kubeadminPassword: 'x' });
    const secret = store.get('/secrets', 'openshift-ingress', 'router-certs-default') as any;
    const cm = store.get('/configmaps', 'openshift-config-managed', 'default-ingress-cert') as any;
    expect(pems(decode(secret.data['tls.crt']))).toEqual([...pems(pki.wildcard.certPem), ...pems(pki.rootPem)]);
    expect(cm.data['ca-bundle.crt']).toBe(decode(secret.data['tls.crt']));
  });
});

describe('custom default certificate signed by an intermediate (ingressChain: intermediate)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ ingressChain: 'intermediate' });
  }, 30_000);
  afterAll(async () => {
    await sb?.stop();
  });

  it('the custom secret replaces router-certs-default; default-ingress-cert is its tls.crt: leaf + intermediate', () => {
    expect(sb.ingressChain).toBe('intermediate');
    expect(sb.store.get('/secrets', 'openshift-ingress', 'router-certs-default')).toBeUndefined();
    const secret = sb.store.get('/secrets', 'openshift-ingress', 'custom-certs-default') as any;
    const bundle = (sb.store.get('/configmaps', 'openshift-config-managed', 'default-ingress-cert') as any).data['ca-bundle.crt'] as string;
    expect(bundle).toBe(decode(secret.data['tls.crt']));
    const [leaf, intermediate, ...more] = pems(bundle).map((p) => new X509Certificate(p));
    expect(more).toEqual([]);
    expect(leaf!.ca).toBe(false);
    expect(leaf!.checkHost(sb.defaultRouteHost)).toBeTruthy();
    expect(intermediate!.ca).toBe(true);
    expect(leaf!.verify(intermediate!.publicKey)).toBe(true);
    const root = new X509Certificate(sb.caPems.ingress);
    expect(intermediate!.verify(root.publicKey)).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
  });

  it('the root is nowhere in the cluster, only in DIR/ingress-ca.crt', () => {
    const root = body(sb.caPems.ingress);
    const rootB64 = Buffer.from(sb.caPems.ingress).toString('base64');
    for (const t of defaultResourceTypes()) {
      if (VIRTUAL_RESOURCES.has(keyOf(t))) continue;
      let items: unknown[];
      try {
        items = sb.store.list(keyOf(t)).items;
      } catch {
        continue;
      }
      const text = JSON.stringify(items);
      const decoded = t.resource === 'secrets' ? items.flatMap((s: any) => Object.values(s.data ?? {}).map((v) => decode(String(v)))).join('\n') : '';
      expect(body(text + decoded).includes(root), keyOf(t)).toBe(false);
      expect(text.includes(rootB64), keyOf(t)).toBe(false);
    }
    expect(fs.readFileSync(path.join(sb.dir, 'ingress-ca.crt'), 'utf8')).toBe(sb.caPems.ingress);
  });

  it('the router serves leaf + intermediate for routes and the OAuth host; the intermediate alone is an anchor only with partial chains', async () => {
    const bundle = (sb.store.get('/configmaps', 'openshift-config-managed', 'default-ingress-cert') as any).data['ca-bundle.crt'] as string;
    const intermediate = pems(bundle)[1]!;
    const unrelated = (await createCA('unrelated')).certPem;
    for (const host of [sb.oauthHost, `anything.${sb.ingressDomain}`]) {
      // Verified against an unrelated CA, the peer chain is exactly what the router sent.
      const sent = await served(sb, host, unrelated);
      expect(sent.chain.map((c) => body(c.toString()))).toEqual(pems(bundle).map(body));
      const withRoot = await served(sb, host, sb.caPems.ingress);
      expect(withRoot.authorized, withRoot.error).toBe(true);
      const strict = await served(sb, host, intermediate);
      expect(strict.authorized).toBe(false);
      expect(strict.error).toMatch(/UNABLE_TO_GET_ISSUER_CERT/);
      const partial = await served(sb, host, intermediate, true);
      expect(partial.authorized, partial.error).toBe(true);
    }
  });
});

describe('npm run sandbox -- --ingress-chain', () => {
  it('refuses an unknown value (exit 2, one error line)', async () => {
    const bad = spawnSandboxCli(['--ingress-chain', 'bogus']);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toBe('error: unknown --ingress-chain "bogus" (one of root, intermediate)\n');
  });

  it('intermediate: kubectl sees leaf + intermediate in default-ingress-cert; DIR/ingress-ca.crt holds the root', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-chain-'));
    const sandbox = spawnSandboxCli(['--dir', dir, '--profile', 'baremetal', '--ingress-chain', 'intermediate']);
    const { child, exited } = sandbox;
    try {
      await sandbox.ready();
      const { stdout } = await promisify(execFile)('kubectl', ['get', 'configmap', 'default-ingress-cert', '-n', 'openshift-config-managed', '-o', 'jsonpath={.data.ca-bundle\\.crt}'], {
        env: { PATH: process.env.PATH!, HOME: dir, KUBECONFIG: path.join(dir, 'kubeconfig') },
      });
      const [leaf, intermediate, ...more] = pems(stdout).map((p) => new X509Certificate(p));
      expect(more).toEqual([]);
      const rootCert = new X509Certificate(fs.readFileSync(path.join(dir, 'ingress-ca.crt')));
      expect(leaf!.verify(intermediate!.publicKey)).toBe(true);
      expect(intermediate!.verify(rootCert.publicKey)).toBe(true);
      expect(stdout).not.toContain(body(rootCert.toString()).slice(0, 64));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
