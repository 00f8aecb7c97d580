// Every file and stdin input is read with a cap (issue 16 §2): an endless input (/dev/zero) or a YAML alias bomb
// stops with exit 2 and one `error: … is larger than …` line, at once, and the cluster is left as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { createCA } from '../sandbox/pki.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { expectOneError } from './support/expect-error.js';

let sb: Sandbox;
let dir: string;
let snapshot: string;

const env = (extra: Record<string, string> = {}) => ({ KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: dir, XDG_RUNTIME_DIR: dir, ...extra });
const regctl = (args: string[], o: { stdinFile?: string; env?: Record<string, string> } = {}) => runCli(args, { env: env(o.env), stdinFile: o.stdinFile, timeoutMs: 30_000 });

/** Everything regctl could have changed: the registry config, image.config, openshift-config ConfigMaps and secrets. */
function clusterState(): string {
  const pick = (key: string, ns?: string) => sb.store.list(key, ns).items.map((o) => ({ name: o.metadata.name, spec: o.spec, data: (o as any).data }));
  return JSON.stringify([
    pick('imageregistry.operator.openshift.io/configs'),
    pick('config.openshift.io/images'),
    pick('/configmaps', 'openshift-config'),
    pick('/secrets', 'openshift-image-registry'),
    pick('/secrets', 'default'),
    pick('route.openshift.io/routes', 'openshift-image-registry'),
  ]);
}

function expectTooLarge(r: CliResult, what: RegExp): void {
  expect(r.code, r.all).toBe(2);
  expectOneError(r, what, /^hint: check what was given: .* is at most .*\(nothing was changed\)$/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-input-caps-'));
  const ca = await createCA('caps-ca');
  fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
  // 360 bytes that stand for 9^8 values once the aliases are expanded.
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) {
    const p = String.fromCharCode(96 + i);
    const n = String.fromCharCode(97 + i);
    levels.push(`${n}: &${n} [*${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}]`);
  }
  fs.writeFileSync(path.join(dir, 'bomb.yaml'), levels.join('\n') + '\n');
  snapshot = clusterState();
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('file inputs stop at their cap', () => {
  it('trust-ca add --ca /dev/zero', async () => {
    expectTooLarge(await regctl(['trust-ca', 'add', 'registry.example.com', '--ca', '/dev/zero']), /^error: --ca \/dev\/zero is larger than 4 MiB$/);
  });
  it('config set KEY=@/dev/zero', async () => {
    expectTooLarge(await regctl(['config', 'set', 'tolerations=@/dev/zero']), /^error: \/dev\/zero is larger than 1 MiB$/);
  });
  it('expose --cert/--key /dev/zero', async () => {
    expectTooLarge(await regctl(['expose', '--route', 'r1', '--hostname', 'r1.example.com', '--cert', '/dev/zero', '--key', path.join(dir, 'ca.pem')]), /^error: --cert \/dev\/zero is larger than 4 MiB$/);
    expectTooLarge(await regctl(['expose', '--route', 'r1', '--hostname', 'r1.example.com', '--cert', path.join(dir, 'ca.pem'), '--key', '/dev/zero']), /^error: --key \/dev\/zero is larger than 256 KiB$/);
  });
  it('pull-secret create --from-authfile /dev/zero', async () => {
    expectTooLarge(await regctl(['pull-secret', 'create', 'x', '--from-authfile', '/dev/zero', '-n', 'default']), /^error: \/dev\/zero is larger than 32 MiB$/);
  });
  it('login --authfile /dev/zero', async () => {
    expectTooLarge(await regctl(['login', '--authfile', '/dev/zero']), /^error: \/dev\/zero is larger than 32 MiB$/);
  });
  it('set-storage s3 --secret-access-key-file /dev/zero', async () => {
    expectTooLarge(await regctl(['set-storage', 's3', '--bucket', 'b', '--region', 'us-east-1', '--access-key-id', 'AKIDEXAMPLE', '--secret-access-key-file', '/dev/zero', '--yes']), /^error: \/dev\/zero is larger than 64 KiB$/);
  });
  it('--kubeconfig /dev/zero', async () => {
    expectTooLarge(await regctl(['status', '--kubeconfig', '/dev/zero']), /^error: \/dev\/zero is larger than 16 MiB$/);
  });
});

describe('stdin inputs stop at their cap', () => {
  it('config set KEY=@- < /dev/zero', async () => {
    expectTooLarge(await regctl(['config', 'set', 'tolerations=@-'], { stdinFile: '/dev/zero' }), /^error: stdin is larger than 1 MiB$/);
  });
  it('login --password-stdin < /dev/zero', async () => {
    expectTooLarge(await regctl(['login', '--username', 'developer', '--password-stdin'], { stdinFile: '/dev/zero' }), /^error: stdin is larger than 64 KiB$/);
  });
  it('set-storage s3 --secret-access-key-stdin < /dev/zero', async () => {
    expectTooLarge(
      await regctl(['set-storage', 's3', '--bucket', 'b', '--region', 'us-east-1', '--access-key-id', 'AKIDEXAMPLE', '--secret-access-key-stdin', '--yes'], { stdinFile: '/dev/zero' }),
      /^error: stdin is larger than 64 KiB$/,
    );
  });
  it('pull-secret create --password-stdin < /dev/zero', async () => {
    expectTooLarge(await regctl(['pull-secret', 'create', 'x', '--server', 'quay.io', '--username', 'u', '--password-stdin', '-n', 'default'], { stdinFile: '/dev/zero' }), /^error: stdin is larger than 64 KiB$/);
  });
});

describe('YAML values', () => {
  it('refuses an alias bomb at once, without echoing the expanded value', async () => {
    const r = await regctl(['config', 'set', `tolerations=@${path.join(dir, 'bomb.yaml')}`]);
    expect(r.code, r.all).toBe(2);
    expectOneError(r, /bomb\.yaml: the YAML expands to more than 100000 values \(anchors and aliases\)$/, /without nested aliases/);
    expect(r.all).not.toMatch(/x, x|"x"/);
  });
});

it('left the cluster as it was', () => {
  expect(clusterState()).toBe(snapshot);
});
