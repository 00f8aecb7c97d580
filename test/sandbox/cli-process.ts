// Runs the sandbox CLI (test/sandbox/cli.ts) as `npm run sandbox` does, for tests of the CLI itself.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface SandboxCli {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** The exit code (null when a signal ended it), once its output is complete. */
  exited: Promise<number | null>;
  /** Resolves once the ready line is printed; rejects if the CLI exits first. */
  ready(): Promise<void>;
}

export function spawnSandboxCli(args: string[]): SandboxCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/cli.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const ready = () =>
    new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (out.includes('ready')) (clearInterval(t), resolve());
        if (child.exitCode !== null || child.signalCode !== null) (clearInterval(t), reject(new Error(`cli exited: ${err}`)));
      }, 50);
    });
  return { child, out: () => out, err: () => err, exited, ready };
}
