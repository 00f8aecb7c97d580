// `regctl grant/revoke --role-namespace` on the sandbox: binds a namespaced Role (roleRef kind Role) exactly as
// `oc policy add-role-to-user ROLE USER --role-namespace=NS` does (behaviours c.1, c.3, c.4), the registry then
// lets alice push and pull, `regctl access` names the binding, and the usage errors change nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { buildImage, writeDirImage } from '../sandbox/registry/testing/image.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.ts';

const RB = 'rbac.authorization.k8s.io/rolebindings';
const CRB = 'rbac.authorization.k8s.io/clusterrolebindings';
const NS = 'rolens';
const ROLE = 'image-pusher-local';

let sb: Sandbox;
let tmp: string;
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
const rb = (name: string): any => sb.store.get(RB, NS, name);
/** Every binding with its resourceVersion: "nothing changed" means this is identical before and after. */
const bindingState = () => [...sb.store.list(RB).items, ...sb.store.list(CRB).items].map((b) => `${b.metadata.namespace ?? ''}/${b.metadata.name}@${b.metadata.resourceVersion}`).sort();

const sh = (cmd: string, args: string[]) => runTool(cmd, args, sb.env, tmp);
/**
 * `kubectl auth can-i VERB imagestreams --subresource=layers` as alice herself: the sandbox ignores impersonation
 * (--as would answer for the admin), and `imagestreams/layers` would mean the stream named "layers" to kubectl.
 */
const canI = async (verb: string) => (await sh('kubectl', ['auth', 'can-i', verb, 'imagestreams', '--subresource=layers', '-n', NS, '--token', sb.issueToken('alice')])).stdout.trim();

/** skopeo copy of the prepared image to NS/app:TAG with a fresh token (the registry caches reviews per token). */
async function push(user: string, token: string, tag: string) {
  const authfile = path.join(tmp, `${user}-${tag}.json`);
  fs.writeFileSync(authfile, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`${user}:${token}`).toString('base64') } } }), { mode: 0o600 });
  return sh('skopeo', ['copy', '--dest-authfile', authfile, '--dest-cert-dir', path.join(tmp, 'certs'), `dir:${path.join(tmp, 'src')}`, `docker://${sb.defaultRouteHost}/${NS}/app:${tag}`]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-grant-rolens-'));
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => !!s.get(RB, NS, 'system:image-pullers'));
  const k = await sh('kubectl', ['create', 'role', ROLE, '--verb=get,update', '--resource=imagestreams/layers', '-n', NS]);
  if (k.code !== 0) throw new Error(`kubectl create role: ${k.stderr}`);
});
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('grant --role-namespace', () => {
  it('binds the Role: RoleBinding ROLE with roleRef kind Role, and alice may push', async () => {
    expect(await canI('update')).toBe('no');
    const r = await regctl(['grant', ROLE, 'alice', '-n', NS, '--role-namespace', NS]);
    expect(r.stderr).toBe(`Created RoleBinding ${ROLE} in ${NS}: user alice → Role ${ROLE}\n`);
    expect(r.stdout).toBe(`role.rbac.authorization.k8s.io/${ROLE} added: "alice"\n`);
    expect(r.code).toBe(0);
    expect(rb(ROLE)).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    expect(await canI('update')).toBe('yes');
    expect(await canI('get')).toBe('yes');
  });

  it('the registry lets alice push with skopeo', async () => {
    await sh('kubectl', ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":true}}']);
    await sb.waitFor((s) => ((s.get('route.openshift.io/routes', 'openshift-image-registry', 'default-route')?.status as any)?.ingress ?? []).some((i: any) => (i.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True')), 15_000);
    fs.mkdirSync(path.join(tmp, 'certs'));
    fs.writeFileSync(path.join(tmp, 'certs', 'ca.crt'), sb.caPems.ingress);
    await writeDirImage(path.join(tmp, 'src'), buildImage('role-namespace image\n'));
    // The admin creates the image stream; alice's Role allows pushing to it, not creating streams.
    const seed = await push('admin', sb.tokens.admin!, 'v1');
    expect(seed.code).toBe(0);
    const r = await push('alice', sb.issueToken('alice'), 'v2');
    expect(r.stderr).not.toMatch(/level=fatal/);
    expect(r.code).toBe(0);
  });

  it('regctl access names the RoleBinding', async () => {
    const r = await regctl(['access', 'alice', '-n', NS, '-o', 'json']);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout).subjects[0];
    expect(row.allowed).toMatchObject({ pull: true, push: true });
    expect(row.via).toEqual([
      { capability: 'pull', binding: `RoleBinding/${ROLE}`, role: ROLE },
      { capability: 'push', binding: `RoleBinding/${ROLE}`, role: ROLE },
    ]);
  });

  it('is idempotent: the second grant writes nothing', async () => {
    const before = bindingState();
    const r = await regctl(['grant', ROLE, 'alice', '-n', NS, '--role-namespace', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`role.rbac.authorization.k8s.io/${ROLE} added: "alice"\n`);
    expect(r.stderr).toBe(`alice already has ${ROLE} (RoleBinding ${ROLE} in ${NS}): nothing to change\n`);
    expect(bindingState()).toEqual(before);
  });

  it('--dry-run (-o yaml) shows the next binding, ROLE-0, and writes nothing; -o json prints the one written', async () => {
    const before = bindingState();
    const dry = await regctl(['grant', ROLE, 'bob', '-n', NS, '--role-namespace', NS, '--dry-run', '-o', 'yaml']);
    expect(dry.code).toBe(0);
    // A Plan (issue 18): one step, the RoleBinding as it would be sent.
    expect(dry.stdout).toContain(
      [
        '    object:',
        '      apiVersion: rbac.authorization.k8s.io/v1',
        '      kind: RoleBinding',
        '      metadata:',
        `        name: ${ROLE}-0`,
        `        namespace: ${NS}`,
        '      roleRef:',
        '        apiGroup: rbac.authorization.k8s.io',
        '        kind: Role',
        `        name: ${ROLE}`,
        '      subjects:',
        '        - kind: User',
        '          apiGroup: rbac.authorization.k8s.io',
        '          name: bob',
        '',
      ].join('\n'),
    );
    expect(dry.stdout).toMatch(/^apiVersion: regctl\.openshift\.io\/v1\nkind: Plan\n/);
    expect(dry.stderr).toContain(`(dry run) would create RoleBinding ${ROLE}-0 in ${NS} (Role ${ROLE})`);
    const text = await regctl(['grant', ROLE, 'bob', '-n', NS, '--role-namespace', NS, '--dry-run']);
    expect(text.stdout).toContain(`# 1. create RoleBinding ${ROLE}-0 in ${NS} (Role ${ROLE})\n`);
    expect(bindingState()).toEqual(before);

    const r = await regctl(['grant', ROLE, 'bob', '-n', NS, '--role-namespace', NS, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'RoleBinding', metadata: { name: `${ROLE}-0`, namespace: NS }, roleRef: { kind: 'Role', name: ROLE } });
    expect(rb(`${ROLE}-0`).subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }]);
  });
});

describe('revoke --role-namespace', () => {
  it('without --role-namespace the Role binding is not touched (roleRef kind must match)', async () => {
    const before = bindingState();
    const r = await regctl(['revoke', '--cluster-role', ROLE, 'alice', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`nothing to revoke: unable to locate any RoleBinding for ClusterRole "${ROLE}" in ${NS}\n`);
    expect(bindingState()).toEqual(before);
  });

  it('removes alice from the Role binding (deleted when empty) and is idempotent', async () => {
    const dry = await regctl(['revoke', ROLE, 'alice', '-n', NS, '--role-namespace', NS, '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).steps.map((s: any) => [s.action, s.target.kind, s.target.name])).toEqual([['delete', 'RoleBinding', ROLE]]);
    expect(rb(ROLE)).toBeDefined();

    const r = await regctl(['revoke', ROLE, 'alice', '-n', NS, '--role-namespace', NS]);
    expect(r.stdout).toBe(`role.rbac.authorization.k8s.io/${ROLE} removed: "alice"\n`);
    expect(r.stderr).toBe(`Deleted RoleBinding ${ROLE} in ${NS}: removed user alice from Role ${ROLE}\n`);
    expect(r.code).toBe(0);
    expect(rb(ROLE)).toBeUndefined();
    expect(rb(`${ROLE}-0`)).toBeDefined();
    expect(await canI('update')).toBe('no');
    const denied = await push('alice', sb.issueToken('alice'), 'v3');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unauthorized|authentication required/i);

    const again = await regctl(['revoke', ROLE, 'alice', '-n', NS, '--role-namespace', NS]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('nothing to revoke: unable to find target [alice]\n');
  });
});

describe('errors: exit code, one line and a hint, nothing changed', () => {
  it.each([
    ['an intent', ['grant', 'pusher', 'alice', '-n', NS, '--role-namespace', NS], 2, 'error: pusher is an intent for the ClusterRole system:image-pusher; --role-namespace needs the name of a namespaced Role'],
    ['an intent (revoke)', ['revoke', 'viewer', 'bob', '-n', NS, '--role-namespace', NS], 2, 'error: viewer is an intent for the ClusterRole registry-viewer; --role-namespace needs the name of a namespaced Role'],
    ['--cluster-wide', ['grant', ROLE, 'alice', '--cluster-wide', '--role-namespace', NS], 2, 'error: --role-namespace cannot be used with --cluster-wide'],
    ['another namespace than -n', ['grant', ROLE, 'alice', '-n', NS, '--role-namespace', 'other'], 2, `error: role binding in namespace "${NS}" can't reference role in different namespace "other"`],
    ['another namespace than the context\'s', ['grant', ROLE, 'alice', '--role-namespace', NS], 2, `error: role binding in namespace "default" can't reference role in different namespace "${NS}"`],
    ['a missing Role', ['grant', 'no-such-role', 'alice', '-n', NS, '--role-namespace', NS], 5, `error: Role no-such-role not found in ${NS}`],
    ['a ClusterRole name', ['grant', 'registry-viewer', 'alice', '-n', NS, '--role-namespace', NS, '--dry-run'], 5, `error: Role registry-viewer not found in ${NS}`],
  ] as Array<[string, string[], number, string]>)('%s', async (_what, args, code, message) => {
    const before = bindingState();
    const r = await regctl(args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(message);
    expect(lines[1]).toMatch(/^hint: /);
    if (args[1] === 'no-such-role') expect(lines[1]).toBe(`hint: create it first, e.g. oc create role no-such-role --verb=get,update --resource=imagestreams/layers -n ${NS}`);
    if (args[1] === 'registry-viewer') expect(lines[1]).toBe('hint: registry-viewer is a ClusterRole: bind it with --cluster-role registry-viewer instead of --role-namespace');
    expect(bindingState()).toEqual(before);
  });
});
