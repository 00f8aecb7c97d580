// Several sandboxes, one kubeconfig: a context per cluster (sandbox-1 … sandbox-N), as an administrator with a
// kubeconfig of many clusters has one (`oc login` to each adds a context, its cluster and its user; `kubectl config
// view --flatten` writes them into one file). Each sandbox is a whole cluster of its own (own state, API server,
// registry); they are started one after the other to keep the load of a 2-core machine low.
// The kubeconfig's shape: kubernetes staging/src/k8s.io/client-go/tools/clientcmd/api/v1/types.go (Config with named
// clusters, users and contexts lists; a context names its cluster and user).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { startSandbox, type ProfileName, type Sandbox, type SandboxOptions } from './index.ts';

export interface FleetContext {
  name: string;
  server: string;
  /** The API server's CA (PEM); absent: none in the kubeconfig. */
  caPem?: string;
  token: string;
  namespace?: string;
}

/** The context of a sandbox for one of its users (admin by default). */
export function sandboxContext(name: string, sb: Sandbox, user = 'admin'): FleetContext {
  const token = sb.tokens[user];
  if (!token) throw new Error(`sandbox has no token for ${user}`);
  return { name, server: sb.apiUrl, caPem: sb.caPems.api, token };
}

/** One kubeconfig with a cluster, a user and a context per entry (names are the context's). */
export function fleetKubeconfig(contexts: FleetContext[], current = contexts[0]?.name): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return yaml.dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: contexts.map((c) => ({ name: c.name, cluster: { server: c.server, ...(c.caPem ? { 'certificate-authority-data': b64(c.caPem) } : {}) } })),
      users: contexts.map((c) => ({ name: c.name, user: { token: c.token } })),
      contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name, namespace: c.namespace ?? 'default' } })),
      'current-context': current,
      preferences: {},
    },
    { lineWidth: -1 },
  );
}

export interface Clusters {
  sandboxes: Sandbox[];
  kubeconfigPath: string;
  /** KUBECONFIG (the fleet's), and cluster 1's proxy and NO_PROXY: the API servers are on loopback, reached directly. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts N sandboxes (profiles[i] for cluster i+1, the last one repeating) and writes DIR/kubeconfig with contexts
 * sandbox-1 … sandbox-N (as kube:admin). Every sandbox answers registry routes with the same host names, so
 * registry traffic (HTTPS_PROXY) reaches cluster 1's only; API traffic goes to each cluster's own server.
 */
export async function startClusters(n: number, o: { dir?: string; profiles?: ProfileName[]; options?: SandboxOptions } = {}): Promise<Clusters> {
  const ownDir = !o.dir;
  const dir = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-clusters-'));
  fs.mkdirSync(dir, { recursive: true });
  const sandboxes: Sandbox[] = [];
  const stop = async () => {
    for (const sb of sandboxes.splice(0).reverse()) await sb.stop().catch(() => undefined);
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const profiles = o.profiles?.length ? o.profiles : ['aws' as ProfileName];
    for (let i = 0; i < n; i++) {
      const profile = profiles[Math.min(i, profiles.length - 1)]!;
      sandboxes.push(await startSandbox({ ...o.options, profile, dir: path.join(dir, `cluster-${i + 1}`) }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfigPath, fleetKubeconfig(sandboxes.map((sb, i) => sandboxContext(`sandbox-${i + 1}`, sb))), { mode: 0o600 });
  const env = { KUBECONFIG: kubeconfigPath, HTTPS_PROXY: sandboxes[0]!.proxyUrl, NO_PROXY: '127.0.0.1,localhost' };
  fs.writeFileSync(path.join(dir, 'env'), Object.entries(env).map(([k, v]) => `export ${k}=${v}\n`).join(''));
  return { sandboxes, kubeconfigPath, env, stop };
}

/** `npm run sandbox -- --clusters N`: starts them, prints one ready line, stops everything on SIGINT/SIGTERM. Never returns. */
export async function serveClusters(o: { dir: string; n: number; profiles: ProfileName[]; options: SandboxOptions }): Promise<never> {
  const c = await startClusters(o.n, { dir: o.dir, profiles: o.profiles, options: o.options });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping ${o.n} sandboxes\n`);
    await c.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const envPath = path.join(path.resolve(o.dir), 'env');
  const profiles = c.sandboxes.map((sb) => sb.profile).join(',');
  process.stdout.write(`sandbox ready: clusters=${o.n} profiles=${profiles} contexts=sandbox-1..sandbox-${o.n} dir=${path.resolve(o.dir)} kubeconfig=${c.kubeconfigPath} env=${envPath} (source ${envPath})\n`);
  // The servers keep the process alive until a signal ends it.
  return new Promise<never>(() => {});
}
