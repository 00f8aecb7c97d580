// `regctl pull-secret unlink` on the sandbox, like `oc secrets unlink`: the secret leaves the service account's
// imagePullSecrets and secrets (or one of them with --for) and nothing else changes; idempotent, --dry-run,
// dangling references, conflict retry, errors. kubectl — an independent client — reads the resulting state.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';

const NS = 'unlinkapp';
const pexec = promisify(execFile);
let sb: Sandbox;
let own: string;
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
const names = (list: Array<{ name: string }> | undefined) => (list ?? []).map((r) => r.name);

async function kubectl(args: string[]): Promise<string> {
  const r = await pexec('kubectl', args, { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', KUBECONFIG: sb.kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 });
  return r.stdout;
}
const getSa = async (name: string): Promise<any> => JSON.parse(await kubectl(['get', 'sa', name, '-n', NS, '-o', 'json']));

function secret(name: string): void {
  sb.store.create('/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });
}

function expectOneError(r: { stderr: string }, message: string, hint: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toBe(`error: ${message}`);
  expect(lines[1]).toMatch(hint);
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  // What openshift-controller-manager gives every account (the sandbox runs it): its own <sa>-dockercfg-<random>
  // secret in imagePullSecrets and secrets, entries unlink must not touch.
  const settled = (sa: string) => (s: typeof sb.store) => {
    const o: any = s.get('/serviceaccounts', NS, sa);
    const ref = o?.metadata?.annotations?.['openshift.io/internal-registry-pull-secret-ref'];
    return !!ref && names(o.imagePullSecrets).includes(ref) && names(o.secrets).includes(ref) && !!s.get('/secrets', NS, ref);
  };
  await sb.waitFor((s) => settled('default')(s) && settled('builder')(s));
  own = (sb.store.get('/serviceaccounts', NS, 'default') as any).metadata.annotations['openshift.io/internal-registry-pull-secret-ref'];
  for (const n of ['regcreds', 'later', 'gone']) secret(n);
});
afterAll(async () => {
  await sb?.stop();
});

describe('pull-secret unlink', () => {
  it('removes only the named secret from imagePullSecrets and secrets, keeping the order of the others', async () => {
    expect((await regctl(['pull-secret', 'link', 'regcreds', 'default', '--for', 'pull,mount', '-n', NS])).code).toBe(0);
    expect((await regctl(['pull-secret', 'link', 'later', 'default', '--for', 'pull,mount', '-n', NS])).code).toBe(0);
    expect(names((await getSa('default')).imagePullSecrets)).toEqual([own, 'regcreds', 'later']);

    const r = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('serviceaccount/default unlinked\n');
    expect(r.stderr).toBe('Unlinked regcreds from serviceaccount default for pull and mount (imagePullSecrets, secrets)\n');
    const sa = await getSa('default');
    expect(sa.imagePullSecrets).toEqual([{ name: own }, { name: 'later' }]);
    expect(names(sa.secrets)).toEqual([own, 'later']);
  });

  it("unlinking the account's own dockercfg secret warns that OpenShift's controller links it again (and it does)", async () => {
    const r = await regctl(['pull-secret', 'unlink', own, 'default', '--for', 'pull', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Warning: ${own} is serviceaccount default's own pull secret for the integrated registry: OpenShift's controller links it again right away`);
    await sb.waitFor((s) => names((s.get('/serviceaccounts', NS, 'default') as any)?.imagePullSecrets).includes(own));
    const other = await regctl(['pull-secret', 'unlink', 'later', 'builder', '-n', NS, '--dry-run']);
    expect(other.stderr).not.toContain('own pull secret');
  });

  it('is idempotent: unlinking again writes nothing (resourceVersion unchanged) and says so', async () => {
    const rv = (await getSa('default')).metadata.resourceVersion;
    const r = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('serviceaccount/default unchanged\n');
    expect(r.stderr).toBe('serviceaccount default does not link regcreds (imagePullSecrets, secrets): nothing to change\n');
    expect((await getSa('default')).metadata.resourceVersion).toBe(rv);
    const j = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '-n', NS, '-o', 'json']);
    expect(JSON.parse(j.stdout)).toEqual({ apiVersion: 'v1', kind: 'List', metadata: {}, items: [] });
  });

  it('--dry-run prints the plan (the merge patch of the account, -o yaml as a Plan) and changes nothing', async () => {
    const before = await getSa('default');
    const dry = await regctl(['pull-secret', 'unlink', 'later', 'default', '-n', NS, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('# 1. patch ServiceAccount unlinkapp/default (unlink later: imagePullSecrets, secrets) (application/merge-patch+json)');
    expect(dry.stderr).toBe('(dry run) would unlink later from serviceaccount default for pull and mount (imagePullSecrets, secrets)\n');
    const y = await regctl(['pull-secret', 'unlink', 'later', 'default', '-n', NS, '--dry-run', '-o', 'yaml']);
    expect(y.code).toBe(0);
    expect(y.stdout).toContain('kind: Plan');
    expect(y.stdout).toContain('kind: ServiceAccount');
    expect(y.stdout).toContain(`- name: ${own}`);
    expect(y.stdout).not.toMatch(/- name: later/);
    expect(await getSa('default')).toEqual(before);
  });

  it('--for pull leaves secrets alone; without --for builder loses its mount link', async () => {
    const r = await regctl(['pull-secret', 'unlink', 'later', 'default', '--for', 'pull', '-n', NS]);
    expect(r.stdout).toBe('serviceaccount/default unlinked\n');
    const sa = await getSa('default');
    expect(names(sa.imagePullSecrets)).toEqual([own]);
    expect(names(sa.secrets)).toEqual([own, 'later']);

    expect((await regctl(['pull-secret', 'link', 'regcreds', 'builder', '-n', NS])).stdout).toBe('serviceaccount/builder linked\n');
    const b = await regctl(['pull-secret', 'unlink', 'regcreds', 'builder', '-n', NS, '-o', 'json']);
    expect(b.code).toBe(0);
    const out = JSON.parse(b.stdout);
    expect(out.items.map((i: any) => i.metadata.name)).toEqual(['builder']);
    expect(names(out.items[0].secrets)).not.toContain('regcreds');
    expect(names((await getSa('builder')).secrets)).not.toContain('regcreds');
  });

  it('removes dangling references to a deleted secret', async () => {
    expect((await regctl(['pull-secret', 'link', 'gone', 'default', '-n', NS])).code).toBe(0);
    await kubectl(['delete', 'secret', 'gone', '-n', NS]);
    const r = await regctl(['pull-secret', 'unlink', 'gone', 'default', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('serviceaccount/default unlinked\n');
    expect(r.stderr.split('\n')[0]).toBe('secret gone does not exist in unlinkapp: removing dangling references to it');
    expect(names((await getSa('default')).imagePullSecrets)).toEqual([own]);
  });

  it('retries a conflicting concurrent write', async () => {
    expect((await regctl(['pull-secret', 'link', 'regcreds', 'default', '-n', NS])).code).toBe(0);
    // unlink PUTs the service account as read (with its resourceVersion): that write loses the race once.
    sb.faults.conflicts = 1;
    const r = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.faults.conflicts).toBe(0);
    expect(names((await getSa('default')).imagePullSecrets)).toEqual([own]);
  });

  it('errors: unknown service account (exit 5, nothing changed), missing arguments and bad --for (exit 2)', async () => {
    expect((await regctl(['pull-secret', 'link', 'regcreds', 'default', '-n', NS])).code).toBe(0);
    const before = await getSa('default');
    const r = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', 'nosuchsa', '-n', NS]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expectOneError(r, 'serviceaccounts "nosuchsa" not found in unlinkapp', /^hint: .*oc get serviceaccounts -n unlinkapp/);
    expect(await getSa('default')).toEqual(before);

    const noName = await regctl(['pull-secret', 'unlink', '-n', NS]);
    expect(noName.code).toBe(2);
    expectOneError(noName, 'you must specify a secret and at least one service account', /^hint: regctl pull-secret unlink NAME default/);
    expect((await regctl(['pull-secret', 'unlink', 'regcreds', '-n', NS])).code).toBe(2);
    const badFor = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '--for', 'push', '-n', NS]);
    expect(badFor.code).toBe(2);
    expect(badFor.stderr.split('\n')[0]).toBe('error: invalid --for "push"');
    expect(await getSa('default')).toEqual(before);
  });
});
