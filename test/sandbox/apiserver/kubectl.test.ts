// kubectl 1.32 against the sandbox API server (discovery, protobuf request bodies, patch, can-i).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEY, registryConfig, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';

const KUBECTL = '/usr/bin/kubectl';
let kit: Kit;
let dir: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Async on purpose: the API server runs in this process.
    execFile(KUBECTL, ['--kubeconfig', join(dir, 'config'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir }, timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  kit = await startKit();
  kit.store.create(CONFIG_KEY, registryConfig());
  dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-'));
  writeFileSync(join(dir, 'ca.crt'), kit.caPem);
  const dev = kit.auth.issueToken('developer');
  writeFileSync(
    join(dir, 'config'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: sandbox\n  cluster:\n    server: ${kit.server.url}\n    certificate-authority: ${join(dir, 'ca.crt')}`,
      'users:',
      `- name: admin\n  user:\n    token: ${kit.adminToken}`,
      `- name: developer\n  user:\n    token: ${dev}`,
      'contexts:',
      '- name: admin\n  context:\n    cluster: sandbox\n    user: admin\n    namespace: default',
      '- name: developer\n  context:\n    cluster: sandbox\n    user: developer\n    namespace: default',
      'current-context: admin',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await kit?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(KUBECTL))('kubectl', () => {
  it('gets and patches the registry config', async () => {
    const get = await kubectl('get', 'configs.imageregistry.operator.openshift.io', 'cluster', '-o', 'json');
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ kind: 'Config', metadata: { name: 'cluster' }, spec: { replicas: 1 } });
    const patch = await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"replicas":2}}');
    expect(patch.code, patch.stderr).toBe(0);
    expect(patch.stdout.trim()).toBe('config.imageregistry.operator.openshift.io/cluster patched');
    expect((kit.store.get(CONFIG_KEY, undefined, 'cluster')!.spec as { replicas: number }).replicas).toBe(2);
    const bad = await kubectl('patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Bogus"}}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The Config "cluster" is invalid: spec.managementState: Invalid value: "Bogus"');
  });

  it('answers auth can-i correctly for admin and developer', async () => {
    const yes = await kubectl('auth', 'can-i', 'get', 'pods', '-n', 'default');
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    const no = await kubectl('--context', 'developer', 'auth', 'can-i', 'get', 'pods', '-n', 'default');
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    const forbidden = await kubectl('--context', 'developer', 'get', 'configs.imageregistry.operator.openshift.io', 'cluster');
    expect(forbidden.stderr).toContain(
      'Error from server (Forbidden): configs.imageregistry.operator.openshift.io "cluster" is forbidden: User "developer" cannot get resource "configs" in API group "imageregistry.operator.openshift.io" at the cluster scope',
    );
  });

  it('impersonation: --as/--as-group run as that identity when allowed, and are forbidden otherwise', async () => {
    const asDev = await kubectl('auth', 'can-i', 'get', 'pods', '-n', 'default', '--as', 'developer');
    expect([asDev.code, asDev.stdout.trim()]).toEqual([1, 'no']);
    const whoami = await kubectl('auth', 'whoami', '--as', 'system:serviceaccount:default:builder', '-o', 'json');
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    const asAdmins = await kubectl('auth', 'can-i', 'get', 'pods', '-n', 'default', '--as', 'alice', '--as-group', 'system:cluster-admins');
    expect([asAdmins.code, asAdmins.stdout.trim()]).toEqual([0, 'yes']);
    const denied = await kubectl('--context', 'developer', 'get', 'pods', '--as', 'kube:admin');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('users "kube:admin" is forbidden: User "developer" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('creates and deletes built-in objects sent as protobuf', async () => {
    const create = await kubectl('create', 'configmap', 'kc', '--from-literal=a=b');
    expect(create.code, create.stderr).toBe(0);
    expect(kit.store.get('/configmaps', 'default', 'kc')!.data).toEqual({ a: 'b' });
    const del = await kubectl('delete', 'configmap', 'kc');
    expect(del.code, del.stderr).toBe(0);
    expect(kit.store.get('/configmaps', 'default', 'kc')).toBeUndefined();
  });
});
