// `npm run sandbox -- --clusters N --profile P1,P2`: N whole clusters, one kubeconfig with contexts sandbox-1..N,
// each its own cluster (the built regctl sees their different health), all stopped on SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { spawnSandboxCli } from './cli-process.ts';
import { runCli } from '../helpers/cli.ts';

function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l)!)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** Process ids below pid (from /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(pid);
  return out;
}
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('sandbox cli --clusters', () => {
  it('serves N clusters behind one kubeconfig and stops them all on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-clusters-'));
    const cli = spawnSandboxCli(['--dir', dir, '--clusters', '2', '--profile', 'aws,degraded']);
    try {
      await cli.ready();
      expect(cli.out()).toMatch(/^sandbox ready: clusters=2 profiles=aws,degraded contexts=sandbox-1\.\.sandbox-2 /);
      const env = envFile(path.join(dir, 'env'));
      expect(env.KUBECONFIG).toBe(path.join(dir, 'kubeconfig'));
      const kc = yaml.load(fs.readFileSync(env.KUBECONFIG!, 'utf8')) as any;
      expect(kc.contexts.map((c: any) => c.name)).toEqual(['sandbox-1', 'sandbox-2']);
      expect(new Set(kc.clusters.map((c: any) => c.cluster.server)).size).toBe(2);

      const r = await runCli(['--all-contexts', 'status', '-o', 'json'], { env });
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout);
      expect(doc.items.map((i: any) => [i.context, i.exitCode, i.summary?.health])).toEqual([
        ['sandbox-1', 0, 'Available'],
        ['sandbox-2', 3, 'Degraded'],
      ]);

      // One docker-registry per cluster.
      const kids = descendants(cli.child.pid!);
      expect(kids.length).toBeGreaterThanOrEqual(2);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(kids.filter(alive)).toEqual([]);
      expect(cli.err()).toContain('SIGTERM: stopping 2 sandboxes');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a list of profiles without --clusters', async () => {
    const cli = spawnSandboxCli(['--profile', 'aws,degraded']);
    expect(await cli.exited).toBe(2);
    expect(cli.err()).toMatch(/^error: a list of profiles needs --clusters N/);
  });
});
