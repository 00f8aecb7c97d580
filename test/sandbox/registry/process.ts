// Runs the real docker-registry (distribution 2.8.2) without auth on a loopback port; the front
// in front.ts adds the OpenShift behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

export interface DistributionProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The last lines of the process' output, for error messages. */
  tail(): string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function configYaml(storageDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(32).toString('hex')}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url + '/v2/', { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/**
 * `env`: start another instance on the config.yml an earlier call wrote (same storage and http secret, as the pods of
 * one Deployment share REGISTRY_HTTP_SECRET) with these REGISTRY_* overrides, on its own port (REGISTRY_HTTP_ADDR).
 */
export async function startDistribution(opts: { dataDir: string; onLine?: (line: string) => void; timeoutMs?: number; env?: Record<string, string> }): Promise<DistributionProcess> {
  const storageDir = path.join(opts.dataDir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const port = await freePort();
  const configPath = path.join(opts.dataDir, 'config.yml');
  if (!opts.env) await writeFile(configPath, configYaml(storageDir, port), { mode: 0o600 });

  installExitHook();
  const child = spawn(DOCKER_REGISTRY_BIN, ['serve', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.dataDir, ...(opts.env ? { ...opts.env, REGISTRY_HTTP_ADDR: `127.0.0.1:${port}` } : {}) },
  });
  running.add(child);
  const lines: string[] = [];
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.on('error', (e) => {
      lines.push(`spawn error: ${e.message}`);
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  const onData = (buf: Buffer) => {
    for (const l of buf.toString('utf8').split('\n')) {
      if (!l.trim()) continue;
      lines.push(l);
      if (lines.length > 50) lines.shift();
      opts.onLine?.(l);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => !exited && child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (!(await probe(url))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start: ${lines.slice(-10).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, child, tail: () => [...lines], stop };
}
