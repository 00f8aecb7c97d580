// issue 17 §2: the rough edges a new user hit in `regctl config`: enum values in any case (stored in the CRD's
// spelling, and said so), storage.managementState as its own setting (not the operator's managementState),
// defaultRoute pointing at `regctl expose --default-route`, and `config get storage`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';

const CFG = 'imageregistry.operator.openshift.io/configs';
let sb: Sandbox;
const config = () => sb.store.get(CFG, undefined, 'cluster') as any;
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeoutMs: 50_000 });

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
});
afterAll(async () => {
  await sb?.stop();
});

/** stderr is exactly one error line and one hint line. */
function oneError(stderr: string): [string, string] {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[1]).toMatch(/^hint: /);
  return [lines[0]!, lines[1]!];
}

describe('config set: usability', () => {
  it('logLevel=debug stores Debug and says so', async () => {
    const r = await regctl(['config', 'set', 'logLevel=debug']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/logLevel=debug: using Debug, as the CRD spells it/);
    expect(r.stderr).toMatch(/Patched configs\.imageregistry\.operator\.openshift\.io\/cluster: logLevel=Debug/);
    expect(config().spec.logLevel).toBe('Debug');
  });

  it('storage.managementState is the storage\'s own setting: a wrong value hints at it, a right one in any case is set', async () => {
    const before = JSON.stringify(config().spec);
    const bad = await regctl(['config', 'set', 'storage.managementState=bogus']);
    expect(bad.code).toBe(2);
    const [err, hint] = oneError(bad.stderr);
    expect(err).toBe('error: spec.storage.managementState: "bogus" does not match ^(Managed|Unmanaged)$; nothing was changed');
    expect(hint).toBe('hint: storage.managementState is one of Managed, Unmanaged, e.g. storage.managementState=Managed');
    const typo = await regctl(['config', 'set', 'storage.managmentState=Unmanaged']);
    expect(typo.code).toBe(2);
    expect(oneError(typo.stderr)[1]).toMatch(/^hint: did you mean storage\.managementState\?/);
    expect(JSON.stringify(config().spec)).toBe(before);

    const ok = await regctl(['config', 'set', 'storage.managementState=unmanaged', '-o', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).patch).toEqual([{ op: 'replace', path: '/spec/storage/managementState', value: 'Unmanaged' }]);
    expect(config().spec.storage.managementState).toBe('Unmanaged');
    expect(config().spec.managementState).toBe('Managed');
  });

  it('defaultRoute=true exits 2 naming `regctl expose --default-route`, nothing changed', async () => {
    const before = JSON.stringify(config().spec);
    const r = await regctl(['config', 'set', 'defaultRoute=true']);
    expect(r.code).toBe(2);
    const [err, hint] = oneError(r.stderr);
    expect(err).toBe('error: defaultRoute is not changed with `config set`: use `regctl expose --default-route`');
    expect(hint).toMatch(/regctl expose --default-route/);
    expect(JSON.stringify(config().spec)).toBe(before);
    expect(config().spec.defaultRoute).toBeFalsy();
  });
});

describe('config get storage', () => {
  it('prints the storage section (YAML and JSON), no secrets', async () => {
    const r = await regctl(['config', 'get', 'storage']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(yaml.load(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'RegistryConfigValues', storage: config().spec.storage });
    expect(config().spec.storage.s3.bucket).toBeTruthy();
    const j = await regctl(['config', 'get', 'storage.s3.bucket', 'defaultRoute', '-o', 'json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'RegistryConfigValues', 'storage.s3.bucket': config().spec.storage.s3.bucket, defaultRoute: config().spec.defaultRoute ?? null });
    const secret: any = sb.store.get('/secrets', 'openshift-image-registry', 'image-registry-private-configuration-user');
    const values = Object.values(secret?.data ?? {}).map((v) => Buffer.from(String(v), 'base64').toString('utf8'));
    expect(values.length).toBeGreaterThan(0);
    for (const v of [...values, config().spec.httpSecret].filter(Boolean)) expect(r.all + j.all).not.toContain(v);
  });
});
