// `regctl pull-secret link/unlink` on an OpenShift 4.14 sandbox, whose openshift-controller-manager gives every
// account a legacy `<sa>-token-XXXXX` token secret and a `<sa>-dockercfg-XXXXX` pull secret made from it, linked by
// name prefix (no ref annotation; test/sandbox/operator/sa-pull-secrets-legacy.ts). What regctl says about
// unlinking that secret must be what 4.14 does: put back into the list it is still in, or replaced by a new pair
// while the old one (and its still valid token) stays. kubectl — an independent client — reads the resulting state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';

const NS = 'legacy414';
let sb: Sandbox;
let tmp: string;

const regctl = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const names = (l: Array<{ name: string }> | undefined) => (l ?? []).map((r) => r.name);
async function getSa(name: string): Promise<any> {
  const r = await kubectl(['get', 'sa', name, '-n', NS, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
async function getSecret(name: string): Promise<any | undefined> {
  const r = await kubectl(['get', 'secret', name, '-n', NS, '-o', 'json', '--ignore-not-found']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}
/** The account's own dockercfg secret once it is in both lists and exists (the controller has settled). */
const ownOf = (sa: string, s = sb.store) => {
  const a: any = s.get('/serviceaccounts', NS, sa);
  const n = names(a?.imagePullSecrets).find((x) => x.startsWith(`${sa}-dockercfg-`));
  return n && names(a.secrets).includes(n) && s.get('/secrets', NS, n) ? n : undefined;
};
/** Tokens in secret data and annotations: none may reach regctl's output. */
const tokens = () => (sb.store.list('/secrets', NS).items as any[]).filter((s) => s.type === 'kubernetes.io/service-account-token' && s.data?.token).map((s) => Buffer.from(s.data.token, 'base64').toString());
const noToken = (text: string) => {
  for (const t of tokens()) expect(text).not.toContain(t);
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-ps-414-'));
  sb = await startSandbox({ profile: 'aws', clusterVersion: '4.14' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => !!ownOf('default', s) && !!ownOf('builder', s));
  for (const n of ['regcreds', 'other']) {
    sb.store.create('/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: n, namespace: NS }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });
  }
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pull-secret on OpenShift 4.14 (legacy token-based dockercfg secrets)', () => {
  it('link and unlink of another secret keep the account\'s own dockercfg secret where it is', async () => {
    const own = ownOf('default')!;
    const l = await regctl(['pull-secret', 'link', 'regcreds', 'default', '-n', NS]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toBe('serviceaccount/default linked\n');
    const b = await regctl(['pull-secret', 'link', 'regcreds', 'builder', '-n', NS]);
    expect(b.stdout).toBe('serviceaccount/builder linked\n');
    let sa = await getSa('default');
    expect(names(sa.imagePullSecrets)).toEqual([own, 'regcreds']);
    expect(names(sa.secrets)).toEqual([own]);
    expect(names((await getSa('builder')).secrets)).toEqual([ownOf('builder'), 'regcreds']);

    const u = await regctl(['pull-secret', 'unlink', 'regcreds', 'default', '-n', NS]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toBe('Unlinked regcreds from serviceaccount default for pull (imagePullSecrets)\n');
    sa = await getSa('default');
    expect(names(sa.imagePullSecrets)).toEqual([own]);
    expect(names(sa.secrets)).toEqual([own]);
    noToken(l.all + b.all + u.all);
  });

  it('--dry-run of unlinking the own secret warns what 4.14 does and changes nothing; -o yaml is a Plan', async () => {
    const own = ownOf('default')!;
    const before = await getSa('default');
    const r = await regctl(['pull-secret', 'unlink', own, 'default', '-n', NS, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Warning: ${own} is serviceaccount default's own pull secret for the integrated registry: OpenShift's controller (4.15 and older) makes a new default-dockercfg-… secret with a new token and links it in its place`);
    expect(r.stdout).toContain(`# 1. patch ServiceAccount ${NS}/default (unlink ${own}: imagePullSecrets, secrets) (application/merge-patch+json)`);
    const y = await regctl(['pull-secret', 'unlink', own, 'default', '-n', NS, '--dry-run', '-o', 'yaml']);
    expect(y.code, y.stderr).toBe(0);
    const plan = yaml.load(y.stdout) as any;
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan' });
    expect(await getSa('default')).toEqual(before);
    noToken(r.all + y.all);
  });

  it('unlinking the own secret from imagePullSecrets only: the warning says it is put back, and it is', async () => {
    const own = ownOf('default')!;
    const r = await regctl(['pull-secret', 'unlink', own, 'default', '--for', 'pull', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Warning: ${own} is serviceaccount default's own pull secret for the integrated registry: OpenShift's controller (4.15 and older) adds it back to imagePullSecrets right away (it is still in secrets)`);
    await sb.waitFor((s) => names((s.get('/serviceaccounts', NS, 'default') as any).imagePullSecrets).includes(own));
    const sa = await getSa('default');
    expect(names(sa.imagePullSecrets)).toEqual([own]);
    expect(names(sa.secrets)).toEqual([own]);
  });

  it('unlinking the own secret from both lists: the warning names the token secret that stays, and 4.14 links a new pair while the old stays', async () => {
    const own = ownOf('builder')!;
    const tokenSecret = (await getSecret(own)).metadata.annotations['openshift.io/token-secret.name'];
    const r = await regctl(['pull-secret', 'unlink', own, 'builder', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('serviceaccount/builder unlinked\n');
    expect(r.stderr).toBe(
      `Warning: ${own} is serviceaccount builder's own pull secret for the integrated registry: OpenShift's controller (4.15 and older) makes a new builder-dockercfg-… secret with a new token and links it in its place; ${own} and its token secret ${tokenSecret} stay, their token still valid, until you delete ${own} (its token secret goes with it)\n` +
        `Unlinked ${own} from serviceaccount builder for pull and mount (imagePullSecrets, secrets)\n`,
    );
    noToken(r.all);
    await sb.waitFor((s) => !!ownOf('builder', s) && ownOf('builder', s) !== own);
    const fresh = ownOf('builder')!;
    const sa = await getSa('builder');
    expect(names(sa.secrets)).toEqual(['regcreds', fresh]);
    expect(names(sa.imagePullSecrets)).toEqual([fresh]);
    expect(await getSecret(own)).toBeDefined();
    expect(await getSecret(tokenSecret)).toBeDefined();
    // As the warning says: deleting it takes its token secret along.
    expect((await kubectl(['delete', 'secret', own, '-n', NS])).code).toBe(0);
    await sb.waitFor((s) => !s.get('/secrets', NS, tokenSecret));
  });

  it('link --render manifests: the note says what the rendered list does on another 4.14 cluster, and applied there it does that', async () => {
    const own = ownOf('default')!;
    const d = fs.mkdtempSync(path.join(tmp, 'render-'));
    const r = await regctl(['pull-secret', 'link', 'other', 'default', '-n', NS, '--render', 'manifests', '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `applying it on another cluster replaces that cluster's list, dropping its own default-dockercfg-… entry and naming this cluster's ${own}, a secret the other cluster does not have: OpenShift 4.16 and later adds its own entry back (a GitOps tool sees drift), 4.15 and older takes ${own} for the account's own and does not, leaving its pods without their pull secret for the integrated registry`,
    );
    // Another 4.14 cluster with the same project: its own dockercfg secret has another random name.
    const other = await startSandbox({ profile: 'aws', clusterVersion: '4.14' });
    try {
      other.store.create('/namespaces', { metadata: { name: NS } });
      await other.waitFor((s) => !!ownOf('default', s));
      const theirs = ownOf('default', other.store)!;
      const applied = await runTool('kubectl', ['apply', '--server-side', '--force-conflicts', '-f', d], other.env, tmp);
      expect(applied.code, applied.stderr).toBe(0);
      // The controller settles: an account update it reacts to is followed by its own write, if any. Wait for a
      // second account change (made here) to be seen, so the controller has had its turn on the first.
      const sa = () => other.store.get('/serviceaccounts', NS, 'default') as any;
      other.store.create('/serviceaccounts', { metadata: { name: 'probe', namespace: NS } });
      await other.waitFor((s) => !!ownOf('probe', s));
      expect(names(sa().imagePullSecrets)).toEqual([own, 'other']);
      expect(names(sa().secrets)).toEqual([theirs]);
      expect(other.store.get('/secrets', NS, own)).toBeUndefined();
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('another secret whose name only looks like a dockercfg secret of another account: no warning', async () => {
    const r = await regctl(['pull-secret', 'unlink', ownOf('builder')!, 'default', '-n', NS, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Warning');
    expect(r.stderr).toContain('does not link');
  });
});
