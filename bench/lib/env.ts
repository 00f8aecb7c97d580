// Paths and the environment the CLI runs with in benchmarks: the sandbox's kubeconfig and proxy, a temp HOME
// (no auth.json, no certs.d: regctl discovers the route and uses the kubeconfig token and the ingress CA).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../../test/sandbox/index.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** REGCTL_BENCH_BIN runs another build (e.g. to compare before/after); default: this checkout's. */
export const BIN = process.env.REGCTL_BENCH_BIN ?? path.join(ROOT, 'bin', 'regctl.js');
export const NODE = process.execPath;

/** A temp dir removed by the returned function. */
export function tempDir(name: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `regctl-bench-${name}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function cliEnv(sb: Sandbox, home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const xdg = path.join(home, 'xdg');
  fs.mkdirSync(xdg, { recursive: true, mode: 0o700 });
  return baseEnv({ ...sb.env, HOME: home, XDG_RUNTIME_DIR: xdg, ...extra });
}

/** Turns on the default route and waits until the operator reports its host. */
export async function exposeDefaultRoute(sb: Sandbox): Promise<string> {
  const cfg: any = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster');
  cfg.spec.defaultRoute = true;
  sb.store.update('imageregistry.operator.openshift.io/configs', cfg);
  await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []).includes(sb.defaultRouteHost), 30_000);
  return sb.defaultRouteHost;
}

/** Registry pods that are Ready, sorted by name. */
export function registryPods(sb: Sandbox): string[] {
  return sb.store
    .list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' })
    .items.filter((p: any) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
    .map((p: any) => p.metadata.name as string)
    .sort();
}

export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}
