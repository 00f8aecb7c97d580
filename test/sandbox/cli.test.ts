// `npm run sandbox` entry point: prints one ready line, writes the env file, stops cleanly on SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSandboxCli } from './cli-process.ts';

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
    const cli = spawnSandboxCli(['--dir', dir, '--profile', 'baremetal', '--latency-ms', '5']);
    const { child, exited } = cli;
    try {
      await cli.ready();
      const out = cli.out();
      expect(out.trim().split('\n')).toHaveLength(1);
      expect(out).toContain(dir);
      expect(out).toContain(path.join(dir, 'env'));
      expect(fs.readFileSync(path.join(dir, 'env'), 'utf8')).toMatch(/^export KUBECONFIG=.*\nexport HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+\nexport NO_PROXY=127\.0\.0\.1,localhost\nexport SANDBOX_REGISTRY_STORAGE=\/.*\/storage\n$/);
      const kids = descendants(child.pid!);
      expect(kids.length).toBeGreaterThan(0); // docker-registry
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(kids.filter(alive)).toEqual([]);
      expect(cli.out() + cli.err()).not.toMatch(/sha256~/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
