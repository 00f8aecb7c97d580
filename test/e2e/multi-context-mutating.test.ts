// A mutating command across contexts: `grant` needs --yes (without it nothing runs and nothing changes), changes the
// canary first (a failing canary stops the rest), stops at the first failure unless --continue-on-error, and the
// summary says what was done where. Cluster state is checked with kubectl, context by context.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox/index.js';
import { fleetKubeconfig, sandboxContext, startClusters, type Clusters } from '../sandbox/multi.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';
const NS = 'team';
let one: Sandbox;
let two: Sandbox;
let tmp: string;
let fleet: Clusters | undefined;
let kubeconfig: string;
const env = () => ({ KUBECONFIG: kubeconfig, NO_PROXY: '127.0.0.1,localhost' });
const regctl = (args: string[]) => runCli(args, { env: env() });

/** The users bound to registry-viewer in the project, as kubectl sees them in that context. */
async function viewers(context: string): Promise<string[]> {
  const r = await runTool('kubectl', ['--context', context, 'get', 'rolebindings', '-n', NS, '-o', 'json'], env(), tmp);
  expect(r.code).toBe(0);
  const items: any[] = JSON.parse(r.stdout).items;
  return items
    .filter((b) => b.roleRef?.name === 'registry-viewer')
    .flatMap((b) => (b.subjects ?? []).map((s: any) => s.name))
    .sort();
}

function summaryRows(stdout: string): string[][] {
  return stdout.trimEnd().split('\n\n').pop()!.split('\n').map((l) => l.split(/\s{2,}/));
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function project(sb: Sandbox): Promise<void> {
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => !!s.get(RB, NS, 'system:image-pullers'));
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-multi-mut-e2e-'));
  // Two clusters served by one process (test/sandbox/multi.ts), as `npm run sandbox -- --clusters 2` does.
  fleet = await startClusters(2, { profiles: ['aws', 'baremetal'] });
  [one, two] = fleet.sandboxes as [Sandbox, Sandbox];
  await Promise.all([project(one), project(two)]);
  kubeconfig = path.join(tmp, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    fleetKubeconfig([
      sandboxContext('one', one),
      sandboxContext('two', two),
      sandboxContext('forbidden', one, 'developer'),
      { name: 'down', server: `https://127.0.0.1:${await closedPort()}`, caPem: one.caPems.api, token: 'sha256~not-a-real-token-for-a-server-that-is-down' },
    ]),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await fleet?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('grant across contexts', () => {
  it('without --yes: refuses (exit 2) and changes nothing anywhere', async () => {
    const r = await regctl(['--contexts', 'one,two', 'grant', 'viewer', 'alice', '-n', NS]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: regctl grant changes every cluster it runs on: across contexts it needs --yes (it never asks)\nhint: see what it would change first with --dry-run, then run again with --yes\n',
    );
    expect(await viewers('one')).toEqual([]);
    expect(await viewers('two')).toEqual([]);
  });

  it('--dry-run needs no --yes, prints each plan and changes nothing', async () => {
    const r = await regctl(['--contexts', 'one,two', 'grant', 'viewer', 'alice', '-n', NS, '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.items.map((i: any) => [i.context, i.exitCode, i.result?.kind])).toEqual([['one', 0, 'Plan'], ['two', 0, 'Plan']]);
    expect(await viewers('one')).toEqual([]);
    expect(await viewers('two')).toEqual([]);
  });

  it('a failing canary stops the rest: nothing changed on the other contexts', async () => {
    const r = await regctl(['--contexts', 'forbidden,one,two', '--yes', 'grant', 'viewer', 'alice', '-n', NS]);
    expect(r.code).toBe(4);
    expect(summaryRows(r.stdout)).toEqual([
      ['CONTEXT', 'RESULT', 'EXIT', 'ERROR'],
      ['forbidden', 'failed (canary)', '4', expect.stringMatching(/^forbidden: .*User "developer" cannot/)],
      ['one', 'skipped', '-'],
      ['two', 'skipped', '-'],
    ]);
    expect(r.stderr).toMatch(/^Canary: regctl grant on forbidden\n/);
    expect(r.stderr).toMatch(/\nerror: canary failed: forbidden \(exit 4\); 2 contexts skipped, not changed\nhint: fix what failed, then run again on those with `--contexts forbidden,one,two`/);
    expect(await viewers('one')).toEqual([]);
    expect(await viewers('two')).toEqual([]);
  });

  it('after the canary, stops at the first failure (the next context is skipped)', async () => {
    const r = await regctl(['--contexts', 'one,down,two', '--yes', '--max-concurrency', '1', 'grant', 'viewer', 'bob', '-n', NS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^==> one <==\nclusterrole\.rbac\.authorization\.k8s\.io\/registry-viewer added: "bob"\n/);
    expect(summaryRows(r.stdout)).toEqual([
      ['CONTEXT', 'RESULT', 'EXIT', 'ERROR'],
      ['one', 'done (canary)', '0'],
      ['down', 'failed', '1', expect.stringMatching(/^cannot reach the API server .*ECONNREFUSED/)],
      ['two', 'skipped', '-'],
    ]);
    expect(r.stderr).toContain('[one] Created RoleBinding registry-viewer in team: user bob → ClusterRole registry-viewer\n');
    expect(r.stderr).toMatch(/\nerror: down \(exit 1\) failed; stopped: 1 context skipped, not changed\nhint: .*--contexts down,two.*--continue-on-error/);
    expect(await viewers('one')).toEqual(['bob']);
    expect(await viewers('two')).toEqual([]);
  });

  it('--continue-on-error goes on past a failure; -o json says what was done where', async () => {
    const r = await regctl(['--contexts', 'one,down,two', '--yes', '--max-concurrency', '1', '--continue-on-error', 'grant', 'viewer', 'carol', '-n', NS, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'List', command: 'grant', exitCode: 1 });
    expect(doc.items.map((i: any) => [i.context, i.state, i.exitCode, i.canary ?? false])).toEqual([
      ['one', 'done', 0, true],
      ['down', 'failed', 1, false],
      ['two', 'done', 0, false],
    ]);
    expect(doc.items[0].result).toMatchObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: expect.stringMatching(/^registry-viewer/), namespace: NS } });
    expect(doc.items[1].error.message).toMatch(/ECONNREFUSED/);
    expect(await viewers('one')).toEqual(['bob', 'carol']);
    expect(await viewers('two')).toEqual(['carol']);
    for (const t of [...Object.values(one.tokens), ...Object.values(two.tokens)]) expect(r.all).not.toContain(t);
  });

  it('runs again where it failed and is idempotent where it was done (exit 0)', async () => {
    const r = await regctl(['--contexts', 'one,two', '--yes', '--canary', '0', 'grant', 'viewer', 'bob', '-n', NS]);
    expect(r.code).toBe(0);
    expect(summaryRows(r.stdout).slice(1)).toEqual([
      ['one', 'done', '0'],
      ['two', 'done', '0'],
    ]);
    expect(await viewers('one')).toEqual(['bob', 'carol']);
    expect(await viewers('two')).toEqual(['bob', 'carol']);
  });
});
