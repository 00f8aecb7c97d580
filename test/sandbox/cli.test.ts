// `npm run sandbox` entry point: prints one ready line, writes the env file, stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('sandbox cli', () => {
  it('starts, prints ready with the env file, and cleans up on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-cli-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/cli.ts', '--dir', dir, '--profile', 'baremetal', '--latency-ms', '5'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.includes('ready')) (clearInterval(t), resolve());
          if (child.exitCode !== null) (clearInterval(t), reject(new Error(`cli exited: ${err}`)));
        }, 50);
      });
      expect(out.trim().split('\n')).toHaveLength(1);
      expect(out).toContain(dir);
      expect(out).toContain(path.join(dir, 'env'));
      expect(fs.readFileSync(path.join(dir, 'env'), 'utf8')).toMatch(/^export KUBECONFIG=.*\nexport HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+\nexport NO_PROXY=127\.0\.0\.1,localhost\n$/);
      const kids = descendants(child.pid!);
      expect(kids.length).toBeGreaterThan(0); // docker-registry
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(kids.filter(alive)).toEqual([]);
      expect(out + err).not.toMatch(/sha256~/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
