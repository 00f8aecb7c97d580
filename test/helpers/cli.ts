// Runs the built CLI (bin/regctl.js → dist/) as a user would: a child process with its own env.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'regctl.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for secret-leak assertions. */
  all: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  /** A file to connect to the child's stdin instead of a pipe (e.g. /dev/zero). */
  stdinFile?: string;
  timeoutMs?: number;
  cwd?: string;
  /** Called with the child once spawned (e.g. to send SIGINT later). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** A clean environment: no inherited KUBECONFIG/proxy/colour settings unless given. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(args: string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdinFd = o.stdinFile === undefined ? undefined : openSync(o.stdinFile, 'r');
    const child = spawn(process.execPath, [BIN, ...args], {
      env: baseEnv(o.env),
      cwd: o.cwd ?? ROOT,
      stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'],
    });
    if (stdinFd !== undefined) closeSync(stdinFd);
    o.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
    if (o.input !== undefined) child.stdin!.end(o.input);
    else child.stdin?.end();
  });
}
