// `npm run sandbox -- --clusters N --profile P1,P2`: N clusters in one process, one kubeconfig with contexts
// admin@cluster-1..N (plus cluster 1's usual ones), each its own cluster (the built regctl sees their different
// health; an image pushed to one cluster's registry is in that registry only), all stopped on SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSandboxCli, type SandboxCli } from './cli-process.ts';
import { buildImage, writeDirImage } from './registry/testing/image.ts';
import { runTool } from '../e2e/support/tool.ts';
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
/** The docker-registry processes below pid (tsx may also run an esbuild service, depending on its cache). */
function registries(pid: number): number[] {
  return descendants(pid).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith('docker-registry');
    } catch {
      return false;
    }
  });
}
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('sandbox cli --clusters', () => {
  let dir: string;
  let cli: SandboxCli;
  let env: Record<string, string>;
  const tool = (cmd: string, args: string[]) => runTool(cmd, args, env, path.join(dir, 'home'));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-sandbox-clusters-'));
    fs.mkdirSync(path.join(dir, 'home'));
    cli = spawnSandboxCli(['--dir', dir, '--clusters', '3', '--profile', 'aws,aws,degraded', '--api-latency', '5ms']);
    await cli.ready();
    env = envFile(path.join(dir, 'env'));
  }, 60_000);

  afterAll(() => {
    if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves N clusters in one process behind one kubeconfig', async () => {
    expect(cli.out()).toMatch(/^sandbox ready: clusters=3 profiles=aws,aws,degraded contexts=admin@cluster-1\.\.admin@cluster-3 /);
    expect(env.KUBECONFIG).toBe(path.join(dir, 'kubeconfig'));
    const kc = yaml.load(fs.readFileSync(env.KUBECONFIG!, 'utf8')) as any;
    expect(kc.contexts.map((c: any) => c.name)).toEqual(['admin@cluster-1', 'admin@cluster-2', 'admin@cluster-3', 'admin', 'developer', 'system-admin']);
    expect(kc['current-context']).toBe('admin@cluster-1');
    expect(new Set(kc.clusters.map((c: any) => c.cluster.server)).size).toBe(3);
    // Each cluster its own ingress domain (kubectl reads it, not regctl).
    const domains = await Promise.all([1, 2, 3].map((i) => tool('kubectl', ['--context', `admin@cluster-${i}`, 'get', 'ingresses.config.openshift.io', 'cluster', '-o', 'jsonpath={.spec.domain}'])));
    expect(domains.map((d) => d.stdout)).toEqual(['apps.sandbox.example.com', 'apps.cluster-2.example.com', 'apps.cluster-3.example.com']);

    const r = await runCli(['--contexts', 'admin@cluster-1,admin@cluster-2,admin@cluster-3', 'status', '-o', 'json'], { env });
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.items.map((i: any) => [i.context, i.exitCode, i.summary?.health])).toEqual([
      ['admin@cluster-1', 0, 'Available'],
      ['admin@cluster-2', 0, 'Available'],
      ['admin@cluster-3', 3, 'Degraded'],
    ]);
    // Registries start at first use: no docker-registry yet.
    expect(registries(cli.child.pid!)).toEqual([]);
  });

  it('registry commands reach each cluster its own registry', async () => {
    // The default route on clusters 1 and 2 (kubectl), then an image pushed to each with skopeo.
    const hosts: string[] = [];
    for (const i of [1, 2]) {
      const ctx = `admin@cluster-${i}`;
      const p = await tool('kubectl', ['--context', ctx, 'patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":true}}']);
      expect(p.stderr).toBe('');
      let host = '';
      for (let t = 0; t < 50 && !host; t++) {
        const g = await tool('kubectl', ['--context', ctx, 'get', 'images.config.openshift.io', 'cluster', '-o', 'jsonpath={.status.externalRegistryHostnames[0]}']);
        host = g.stdout.trim();
        if (!host) await new Promise((r) => setTimeout(r, 200));
      }
      expect(host).toBe(`default-route-openshift-image-registry.${i === 1 ? 'apps.sandbox.example.com' : 'apps.cluster-2.example.com'}`);
      hosts.push(host);
    }
    const kc = yaml.load(fs.readFileSync(env.KUBECONFIG!, 'utf8')) as any;
    for (const [k, host] of hosts.entries()) {
      const i = k + 1;
      const token = kc.users.find((u: any) => u.name === `admin@cluster-${i}`).user.token as string;
      const certs = path.join(dir, `certs-${i}`);
      fs.mkdirSync(certs);
      fs.copyFileSync(path.join(dir, `cluster-${i}`, 'ingress-ca.crt'), path.join(certs, 'ca.crt'));
      const img = path.join(dir, `img-${i}`);
      await writeDirImage(img, buildImage(`cluster ${i}\n`));
      const push = await tool('skopeo', ['copy', '--dest-creds', `kubeadmin:${token}`, '--dest-cert-dir', certs, `dir:${img}`, `docker://${host}/default/only-on-${i}:v${i}`]);
      expect(push.code, push.stderr).toBe(0);
    }

    const r = await runCli(['--contexts', 'admin@cluster-1,admin@cluster-2', 'catalog', '-o', 'json'], { env: { ...env, HOME: path.join(dir, 'home') } });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const repos = (item: any) => JSON.stringify(item.result).match(/default\/only-on-\d/g);
    expect(doc.items.map((i: any) => [i.context, repos(i)])).toEqual([
      ['admin@cluster-1', ['default/only-on-1']],
      ['admin@cluster-2', ['default/only-on-2']],
    ]);
    const t = await runCli(['--contexts', 'admin@cluster-1,admin@cluster-2', 'tags', 'default/only-on-2', '-o', 'json'], { env: { ...env, HOME: path.join(dir, 'home') } });
    expect(JSON.parse(t.stdout).items.map((i: any) => [i.context, i.exitCode, JSON.stringify(i.result ?? null).includes('"v2"')])).toEqual([
      ['admin@cluster-1', 5, false],
      ['admin@cluster-2', 0, true],
    ]);
    // Two registries now run (clusters 1 and 2), the third not.
    expect(registries(cli.child.pid!).length).toBe(2);
  });

  it('stops every cluster and registry on SIGTERM', async () => {
    const kids = registries(cli.child.pid!);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(kids.filter(alive)).toEqual([]);
    expect(cli.err()).toContain('SIGTERM: stopping 3 clusters');
  });

  it('refuses a list of profiles without --clusters, and a bad --api-latency', async () => {
    const a = spawnSandboxCli(['--profile', 'aws,degraded']);
    expect(await a.exited).toBe(2);
    expect(a.err()).toMatch(/^error: a list of profiles needs --clusters N/);
    const b = spawnSandboxCli(['--api-latency', 'soon']);
    expect(await b.exited).toBe(2);
    expect(b.err()).toMatch(/^error: invalid --api-latency "soon" \(a duration such as 50ms or 1s\)/);
  });
});
