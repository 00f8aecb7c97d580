// `regctl --contexts … status` across a fleet kubeconfig: a healthy cluster, a degraded one, an API server that is
// down and a user who may read nothing — each a row of the summary (never a crash), the exit code the worst by the
// documented order; -o json|yaml as one List; --contexts-from; the refusals.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox/index.js';
import { fleetKubeconfig, sandboxContext, startClusters, type Clusters } from '../sandbox/multi.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.ts';

let healthy: Sandbox;
let degraded: Sandbox;
let tmp: string;
let fleet: Clusters | undefined;
let kubeconfig: string;
const env = () => ({ KUBECONFIG: kubeconfig, NO_PROXY: '127.0.0.1,localhost' });
const regctl = (args: string[]) => runCli(args, { env: env() });
const kubectl = (args: string[]) => runTool('kubectl', args, env(), tmp);
const ALL = 'healthy,degraded,down,forbidden';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The summary table's rows (after the last blank line of stdout), split on runs of 2+ spaces. */
function summaryRows(stdout: string): string[][] {
  const table = stdout.trimEnd().split('\n\n').pop()!;
  return table.split('\n').map((l) => l.split(/\s{2,}/));
}

function secrets(): string[] {
  return [...Object.values(healthy.tokens), ...Object.values(degraded.tokens)];
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-multi-e2e-'));
  // Two clusters served by one process (test/sandbox/multi.ts), as `npm run sandbox -- --clusters 2` does.
  fleet = await startClusters(2, { profiles: ['aws', 'degraded'] });
  [healthy, degraded] = fleet.sandboxes as [Sandbox, Sandbox];
  kubeconfig = path.join(tmp, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    fleetKubeconfig([
      sandboxContext('healthy', healthy),
      sandboxContext('degraded', degraded),
      { name: 'down', server: `https://127.0.0.1:${await closedPort()}`, caPem: healthy.caPems.api, token: 'sha256~not-a-real-token-for-a-server-that-is-down' },
      sandboxContext('forbidden', healthy, 'developer'),
    ]),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await fleet?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('status across contexts', () => {
  it('prints a section per cluster and one summary row each; exits with the worst code (4 > 3 > 1)', async () => {
    const r = await regctl(['--contexts', ALL, 'status']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^==> healthy <==\nHealth {10}Available \(Ready\)/);
    expect(r.stdout).toContain('\n==> degraded <==\nHealth          Degraded');
    // No output from the clusters that failed before printing: no section, only the row and the messages.
    expect(r.stdout).not.toContain('==> down <==');
    const version = await kubectl(['--context', 'healthy', 'get', 'clusteroperator', 'image-registry', '-o', 'jsonpath={.status.versions[?(@.name=="operator")].version}']);
    expect(version.code).toBe(0);
    expect(summaryRows(r.stdout)).toEqual([
      ['CONTEXT', 'HEALTH', 'VERSION', 'STORAGE', 'EXIT', 'ERROR'],
      ['healthy', 'Available', version.stdout, 's3', '0'],
      ['degraded', 'Degraded', '-', 's3', '3', expect.stringMatching(/^the registry is degraded: /)],
      ['down', '-', '-', '-', '1', expect.stringMatching(/^cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/)],
      ['forbidden', 'forbidden', '-', '-', '4', expect.stringMatching(/^forbidden: you may not read any part of the registry status/)],
    ]);
    expect(r.stderr).toMatch(/^\[down\] error: cannot reach the API server/m);
    expect(r.stderr).toMatch(/^\[down\] hint: /m);
    expect(r.stderr).toMatch(/^\[forbidden\] error: forbidden: /m);
    expect(r.stderr).toMatch(/\nerror: 3 of 4 contexts failed: degraded \(exit 3\), down \(exit 1\), forbidden \(exit 4\)\nhint: .*\n$/);
    for (const s of secrets()) expect(r.all).not.toContain(s);
  });

  it('-o json: one List, an item per context in the order given, with the result or the error', async () => {
    const r = await regctl(['--contexts', ALL, 'status', '-o', 'json']);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    expect(doc).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'List', command: 'status', exitCode: 4 });
    expect(doc.items.map((i: any) => [i.context, i.exitCode])).toEqual([['healthy', 0], ['degraded', 3], ['down', 1], ['forbidden', 4]]);
    const [ok, bad, down, forbidden] = doc.items;
    expect(ok.result).toMatchObject({ kind: 'RegistryStatus', server: healthy.apiUrl, health: { available: true, degraded: false } });
    expect(ok.error).toBeUndefined();
    expect(ok.summary).toMatchObject({ health: 'Available', storage: ['s3'] });
    // A verdict after the output: both the result and the error.
    expect(bad.result).toMatchObject({ kind: 'RegistryStatus', server: degraded.apiUrl, health: { degraded: true } });
    expect(bad.error).toMatchObject({ exitCode: 3, message: expect.stringMatching(/^the registry is degraded/) });
    expect(down.result).toBeUndefined();
    expect(down.error).toMatchObject({ exitCode: 1, message: expect.stringMatching(/ECONNREFUSED/), hint: expect.any(String) });
    expect(forbidden.error).toMatchObject({ exitCode: 4 });
    expect(forbidden.summary).toEqual({ health: 'forbidden' });
    // Independent: the degraded cluster's operator says so itself.
    const k = await kubectl(['--context', 'degraded', 'get', 'configs.imageregistry.operator.openshift.io', 'cluster', '-o', 'jsonpath={.status.conditions[?(@.type=="Degraded")].status}']);
    expect(k.stdout).toBe('True');
    for (const s of secrets()) expect(r.all).not.toContain(s);
  });

  it('-o yaml: the same List as YAML; the exit code is the worst present (3 > 1)', async () => {
    const r = await regctl(['--contexts', 'down,degraded,healthy', 'status', '-o', 'yaml']);
    expect(r.code).toBe(3);
    const doc = yaml.load(r.stdout) as any;
    expect(doc).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'List', exitCode: 3 });
    expect(doc.items.map((i: any) => i.context)).toEqual(['down', 'degraded', 'healthy']);
    expect(doc.items[2].result.kind).toBe('RegistryStatus');
  });

  it('exit 0 when every context is fine', async () => {
    const r = await regctl(['--contexts', 'healthy', 'status']);
    expect(r.code).toBe(0);
    expect(summaryRows(r.stdout)[1]!.slice(0, 2)).toEqual(['healthy', 'Available']);
    expect(r.stderr).toBe('');
  });
});

describe('--contexts-from and --all-contexts', () => {
  it('reads one context a line, skipping blank lines and comments', async () => {
    const file = path.join(tmp, 'fleet.txt');
    fs.writeFileSync(file, '# the registry fleet\nhealthy\n\ndegraded   # the broken one\nhealthy\n');
    const r = await regctl(['--contexts-from', file, 'status', '-o', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).items.map((i: any) => i.context)).toEqual(['healthy', 'degraded']);
  });

  it('--all-contexts runs on every context of the kubeconfig', async () => {
    const r = await regctl(['--all-contexts', 'status', '-o', 'json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).items.map((i: any) => i.context)).toEqual(['healthy', 'degraded', 'down', 'forbidden']);
  });

  it('refuses an unknown context before contacting any cluster', async () => {
    const file = path.join(tmp, 'typo.txt');
    fs.writeFileSync(file, 'healthy\nhealhty\n');
    const r = await regctl(['--contexts-from', file, 'status']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: context "healhty" does not exist in ${kubeconfig}\nhint: available contexts: healthy, degraded, down, forbidden\n`);
  });

  it('caps the file it reads, and names a missing one', async () => {
    const r = await runCli(['--contexts-from', '/dev/zero', 'status'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: \/dev\/zero is larger than 1 MiB\nhint: /);
    const missing = await regctl(['--contexts-from', path.join(tmp, 'nope.txt'), 'status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read --contexts-from .*nope\.txt \(ENOENT\)\nhint: /);
  });
});

describe('Ctrl-C', () => {
  it('stops at once: the running context is interrupted, the rest skipped, the summary printed, exit 130', async () => {
    // An API server that accepts connections and never answers (the request timeout is far away).
    const hang = net.createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const file = path.join(tmp, 'kubeconfig-hang');
      const port = (hang.address() as net.AddressInfo).port;
      fs.writeFileSync(file, fleetKubeconfig([sandboxContext('healthy', healthy), { name: 'hang', server: `https://127.0.0.1:${port}`, caPem: healthy.caPems.api, token: 'sha256~hang' }, sandboxContext('after', degraded)]));
      const r = await runCli(['--all-contexts', '--max-concurrency', '1', '--request-timeout', '10m', 'status'], {
        env: { ...env(), KUBECONFIG: file },
        // The first section is printed when the first context is done; the next one has started by then.
        onSpawn: (child) => {
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
            if (out.includes('==> healthy <==')) child.kill('SIGINT');
          });
        },
      });
      expect(r.code).toBe(130);
      expect(summaryRows(r.stdout)).toEqual([
        ['CONTEXT', 'HEALTH', 'VERSION', 'STORAGE', 'EXIT', 'ERROR'],
        ['healthy', 'Available', expect.any(String), 's3', '0'],
        ['hang', '-', '-', '-', '130', 'interrupted'],
        ['after', '-', '-', '-', '-'],
      ]);
    } finally {
      hang.close();
    }
  });
});

describe('refusals (exit 2, nothing run)', () => {
  const cases: Array<[string[], RegExp, RegExp]> = [
    [['--all-contexts', 'logs', '-f'], /^error: regctl logs does not run across contexts: /, /^hint: run it on one context: `regctl --context NAME logs`$/m],
    [['--all-contexts', 'token'], /^error: regctl token does not run across contexts: /, /--context NAME token/],
    [['--all-contexts', 'status', '--watch'], /^error: regctl status --watch does not run across contexts/, /drop --watch/],
    [['--contexts', 'healthy', '--context', 'degraded', 'status'], /^error: --context picks one context; --contexts picks several/, /drop --context/],
    [['--all-contexts', '--token', 'sha256~abc', 'status'], /^error: --token cannot be used with --all-contexts/, /kubeconfig/],
    [['--all-contexts', '--contexts', 'healthy', 'status'], /^error: --contexts and --all-contexts cannot be combined/, /give one of/],
    [['--canary', '2', 'status'], /^error: --canary only applies with --contexts, --all-contexts or --contexts-from/, /name the contexts/],
    [['--all-contexts', '--canary', '2', 'status'], /^error: --canary and --continue-on-error apply to commands that change clusters/, /drop them/],
    [['--all-contexts', '--max-concurrency', '0', 'status'], /^error: invalid --max-concurrency "0"/, /whole number/],
  ];
  for (const [args, error, hint] of cases) {
    it(args.join(' '), async () => {
      const r = await regctl(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(error);
      expect(r.stderr).toMatch(hint);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
    });
  }
});
