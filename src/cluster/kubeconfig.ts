import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
// Its config module, not the package index (which re-exports every API class, model, watch, exec, …).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { AuthError, RegctlError, UsageError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import { readKubeconfigDoc } from './kubeconfig-doc.js';
import { applyUserAuth, readTokenFile, tokenFileOf } from './user-auth.js';
import { SA_DIR, inClusterNamespace, inClusterPossible } from './in-cluster.js';

export interface KubeconfigSelection {
  kubeconfig?: string;
  context?: string;
  env: Record<string, string | undefined>;
}

export interface LoadedKubeconfig {
  kc: KubeConfig;
  contextName: string;
  namespace: string;
  server: string;
  /** Where it came from, for messages. */
  source: string;
  inCluster: boolean;
  /** users[].user.tokenFile by user name (absolute), which client-node drops. */
  tokenFiles: Record<string, string>;
}

/**
 * client-go rest.InClusterConfig (k8s.io/client-go/rest/config.go): https://JoinHostPort(HOST, PORT) from the env
 * given (not process.env, as client-node's loadFromCluster reads), the pod's ca.crt when it parses, and the token
 * as a token FILE, read again on every use (client-go's BearerTokenFile: projected tokens are rotated by the kubelet).
 */
function loadInCluster(kc: KubeConfig, env: Record<string, string | undefined>, tokenFiles: Record<string, string>): void {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT}`;
  const caFile = path.join(SA_DIR, 'ca.crt');
  let ca = false;
  try {
    ca = /-----BEGIN CERTIFICATE-----/.test(readTextFileCapped(caFile, 'pem', caFile));
  } catch {
    /* client-go logs "Expected to load root CA config" and goes on with the system roots */
  }
  kc.loadFromClusterAndUser({ name: 'inCluster', server, ...(ca ? { caFile } : {}), skipTLSVerify: false }, { name: 'inClusterUser' });
  tokenFiles.inClusterUser = path.join(SA_DIR, 'token');
}

/**
 * kubectl's resolution: --kubeconfig, KUBECONFIG (list; missing files skipped), ~/.kube/config; when none of those
 * files exists, in-cluster (client-go DeferredLoadingClientConfig: an empty config falls back to in-cluster when
 * inClusterClientConfig.Possible()). An explicit --kubeconfig that does not exist stays an error.
 */
export function loadKubeconfig(sel: KubeconfigSelection): LoadedKubeconfig {
  const kc = new KubeConfig();
  const tokenFiles: Record<string, string> = {};
  const loadFile = (into: KubeConfig, file: string) => loadKubeconfigFile(into, file, tokenFiles);
  let source: string;
  let inCluster = false;
  try {
    if (sel.kubeconfig) {
      if (!fs.existsSync(sel.kubeconfig)) {
        throw new UsageError(`kubeconfig file "${sel.kubeconfig}" does not exist`, 'check the --kubeconfig path');
      }
      loadFile(kc, sel.kubeconfig);
      source = sel.kubeconfig;
    } else if (sel.env.KUBECONFIG) {
      const files = sel.env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f));
      if (files.length === 0) {
        if (!inClusterPossible(sel.env)) throw noConfig(`none of the files in KUBECONFIG exist (${sel.env.KUBECONFIG})`);
        loadInCluster(kc, sel.env, tokenFiles);
        source = IN_CLUSTER;
        inCluster = true;
      } else {
        loadFile(kc, files[0]!);
        for (const f of files.slice(1)) {
          const other = new KubeConfig();
          loadFile(other, f);
          kc.mergeConfig(other, true);
        }
        source = files.join(path.delimiter);
      }
    } else {
      const home = sel.env.HOME ?? os.homedir();
      const file = path.join(home, '.kube', 'config');
      if (fs.existsSync(file)) {
        loadFile(kc, file);
        source = file;
      } else if (inClusterPossible(sel.env)) {
        loadInCluster(kc, sel.env, tokenFiles);
        source = IN_CLUSTER;
        inCluster = true;
      } else {
        throw noConfig('no kubeconfig found');
      }
    }
  } catch (e) {
    if (e instanceof RegctlError) throw e;
    throw new RegctlError(`cannot load kubeconfig: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'check the file is valid YAML (kubectl config view), or point --kubeconfig at another one',
      cause: e,
    });
  }
  if (sel.context) {
    if (!kc.getContextObject(sel.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new UsageError(`context "${sel.context}" does not exist in ${source}`, `available contexts: ${names.join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(sel.context);
  }
  const contextName = kc.getCurrentContext();
  const ctx = kc.getContextObject(contextName);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw noConfig(`the current context "${contextName || '(none)'}" in ${source} has no cluster`);
  }
  const namespace = inCluster ? inClusterNamespace(sel.env) : ctx?.namespace || 'default';
  return { kc, contextName, namespace, server: cluster.server, source, inCluster, tokenFiles };
}

interface ParsedFile {
  options: Parameters<KubeConfig['loadFromOptions']>[0];
  tokenFiles: Array<[string, string]>;
}

type RawKubeconfig = { clusters?: unknown; contexts?: unknown; users?: Array<{ name?: unknown; user?: { tokenFile?: unknown } }>; 'current-context'?: string } | undefined;

/**
 * client-node's loadFromFile (its loadFromString on the parsed YAML, which is parsed once per run: kubeconfig-doc.ts),
 * with the file read under the kubeconfig cap; notes each user's tokenFile (first wins, as kubectl merges).
 */
function loadKubeconfigFile(kc: KubeConfig, file: string, tokenFiles: Record<string, string>): void {
  const doc = (readKubeconfigDoc(file) ?? {}) as NonNullable<RawKubeconfig>;
  kc.loadFromOptions({ clusters: newClusters(doc.clusters), users: newUsers(doc.users), contexts: newContexts(doc.contexts), currentContext: doc['current-context'] as string });
  kc.makePathsAbsolute(path.dirname(file));
  for (const u of Array.isArray(doc.users) ? doc.users : []) {
    const f = u?.user?.tokenFile;
    if (typeof u?.name === 'string' && typeof f === 'string' && f && !(u.name in tokenFiles)) tokenFiles[u.name] = path.resolve(path.dirname(file), f);
  }
}

const IN_CLUSTER = `the pod's service account (${SA_DIR})`;

function noConfig(msg: string): AuthError {
  return new AuthError(msg, { hint: 'log in with `oc login <api-url>`, or set KUBECONFIG / --kubeconfig to a kubeconfig file' });
}

/** The bearer token of the current user: token, tokenFile, or an exec plugin's token. Never printed. */
export async function currentBearerToken(k: LoadedKubeconfig): Promise<string | undefined> {
  const user = k.kc.getCurrentUser();
  if (!user) return undefined;
  if (user.token) return user.token.trim();
  const tokenFile = tokenFileOf(k);
  if (tokenFile) return readTokenFile(k, tokenFile);
  if (user.exec || user.authProvider) {
    const opts: { headers?: Record<string, string> } = { headers: {} };
    await applyUserAuth(k, opts);
    const h = opts.headers?.Authorization ?? opts.headers?.authorization;
    if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  }
  return undefined;
}

export function usesClientCertificate(k: LoadedKubeconfig): boolean {
  const u = k.kc.getCurrentUser();
  return Boolean(u && (u.certData || u.certFile));
}
