// Several clusters in one process, one kubeconfig: a context per cluster (admin@cluster-1 … admin@cluster-N), as an
// administrator with a kubeconfig of many clusters has one (`oc login` to each adds a context, its cluster and its
// user; `kubectl config view --flatten` writes them into one file). Each cluster is whole (own store, operator and
// controllers, API listener, registry front and storage, ingress domain apps.cluster-K.example.com); what is shared
// is the process and the ingress proxy (cluster 1's router, which routes each cluster's hosts to that cluster).
// Each cluster's docker-registry starts at its front's first request (lazy), so 50 idle clusters are 50 API
// listeners in one Node process, not 50 registry processes.
// The kubeconfig's shape: kubernetes staging/src/k8s.io/client-go/tools/clientcmd/api/v1/types.go (Config with named
// clusters, users and contexts lists; a context names its cluster and user).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { startSandbox, type ProfileName, type Sandbox, type SandboxOptions, type SharedRouter } from './index.ts';
import { INGRESS_DOMAIN } from './profiles.ts';

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
  /** KUBECONFIG (the fleet's) and the one proxy (HTTPS_PROXY) that reaches every cluster's routes; NO_PROXY covers
   *  the API servers, which are on loopback and reached directly. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Context names of the fleet kubeconfig: admin@cluster-1 … admin@cluster-N. */
export const clusterContext = (i: number) => `admin@cluster-${i}`;
/** Cluster K's ingress domain (cluster 1 keeps the single sandbox's apps.sandbox.example.com). */
export const clusterDomain = (i: number) => (i === 1 ? INGRESS_DOMAIN : `apps.cluster-${i}.example.com`);

/**
 * Starts N clusters in this process (profiles[i] for cluster i+1, the last one repeating) and writes DIR/kubeconfig
 * with contexts admin@cluster-1 … admin@cluster-N (kube:admin of each; current admin@cluster-1) followed by cluster
 * 1's usual contexts (admin, developer, system-admin). Start-up runs `parallel` clusters at a time (default 2).
 */
export async function startClusters(
  n: number,
  o: { dir?: string; profiles?: ProfileName[]; options?: SandboxOptions; parallel?: number } = {},
): Promise<Clusters> {
  const ownDir = !o.dir;
  const dir = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-clusters-'));
  fs.mkdirSync(dir, { recursive: true });
  const sandboxes: Sandbox[] = [];
  const starting: Array<Promise<unknown>> = [];
  const stop = async () => {
    await Promise.allSettled(starting);
    // Cluster 1 last: the others route through its router.
    for (const sb of sandboxes.filter(Boolean).reverse()) await sb.stop().catch(() => undefined);
    sandboxes.length = 0;
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  const profiles = o.profiles?.length ? o.profiles : ['aws' as ProfileName];
  const start = (i: number, router?: SharedRouter) =>
    startSandbox({
      ...o.options,
      profile: profiles[Math.min(i - 1, profiles.length - 1)]!,
      dir: path.join(dir, `cluster-${i}`),
      ingressDomain: clusterDomain(i),
      lazyRegistry: true,
      ...(router ? { router } : {}),
    });
  try {
    sandboxes[0] = await start(1);
    const router = sandboxes[0].router;
    let next = 2;
    const worker = async () => {
      while (next <= n) {
        const i = next++;
        const p = start(i, router).then((sb) => (sandboxes[i - 1] = sb));
        starting.push(p);
        await p;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.parallel ?? 2) }, worker));
  } catch (e) {
    await stop();
    throw e;
  }
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const fleet = yaml.load(fleetKubeconfig(sandboxes.map((sb, i) => sandboxContext(clusterContext(i + 1), sb)))) as any;
  const first = yaml.load(fs.readFileSync(sandboxes[0]!.kubeconfigPath, 'utf8')) as any;
  for (const k of ['clusters', 'users', 'contexts']) fleet[k].push(...first[k]);
  fs.writeFileSync(kubeconfigPath, yaml.dump(fleet, { lineWidth: -1 }), { mode: 0o600 });
  const env = { KUBECONFIG: kubeconfigPath, HTTPS_PROXY: sandboxes[0]!.proxyUrl, NO_PROXY: '127.0.0.1,localhost' };
  fs.writeFileSync(path.join(dir, 'env'), Object.entries(env).map(([k, v]) => `export ${k}=${v}\n`).join(''));
  return { sandboxes, kubeconfigPath, env, stop };
}

/** `npm run sandbox -- --clusters N`: starts them, prints one ready line, stops everything on SIGINT/SIGTERM. Never returns. */
export async function serveClusters(o: { dir: string; n: number; profiles: ProfileName[]; options: SandboxOptions }): Promise<never> {
  const t0 = Date.now();
  const c = await startClusters(o.n, { dir: o.dir, profiles: o.profiles, options: o.options });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping ${o.n} clusters\n`);
    await c.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const envPath = path.join(path.resolve(o.dir), 'env');
  // Many clusters: runs of one profile as `aws×48,degraded×2`.
  const runs: Array<[string, number]> = [];
  for (const sb of c.sandboxes) {
    const last = runs[runs.length - 1];
    if (last && last[0] === sb.profile) last[1]++;
    else runs.push([sb.profile, 1]);
  }
  const profiles = o.n > 10 ? runs.map(([p, k]) => (k > 1 ? `${p}×${k}` : p)).join(',') : c.sandboxes.map((sb) => sb.profile).join(',');
  const rssMB = Math.round(process.memoryUsage().rss / 1e6);
  process.stdout.write(
    `sandbox ready: clusters=${o.n} profiles=${profiles} contexts=${clusterContext(1)}..${clusterContext(o.n)} dir=${path.resolve(o.dir)} kubeconfig=${c.kubeconfigPath} env=${envPath} proxy=${c.env.HTTPS_PROXY} rss=${rssMB}MB started=${Date.now() - t0}ms (source ${envPath})\n`,
  );
  // The servers keep the process alive until a signal ends it.
  return new Promise<never>(() => {});
}
