// `regctl set-storage` / `regctl config set` flag and secret-input handling, in-process: every bad input is
// a one-line error with a hint and exit 2 before any cluster access, and secret values never reach output.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYunitSECRET';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-unit-home-'));

async function run(argv: string[], o: { env?: Record<string, string>; stdin?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(o.stdin ?? '');
  const code = await main(argv, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin,
    // No cluster: anything that gets past the input checks fails on the kubeconfig (exit 4).
    env: { HOME: home, NO_COLOR: '1', KUBECONFIG: path.join(home, 'missing-kubeconfig'), ...o.env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr, all: stdout + stderr };
}

function usage(r: { code: number; stderr: string; stdout: string }, message: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines[lines.length - 1]).toMatch(/^hint: /);
}

const S3 = ['set-storage', 's3', '--bucket', 'b', '--region', 'r'];

describe('set-storage input checks', () => {
  it('requires a storage type', async () => {
    usage(await run(['set-storage']), /^error: which storage\?/);
    usage(await run(['set-storage', 'nfs']), /^error: unknown storage type "nfs"/);
  });

  it('refuses oss with the reason', async () => {
    usage(await run(['set-storage', 'oss', '--bucket', 'x']), /^error: oss storage is not supported: current registry operators have no OSS driver/);
  });

  it('s3 without --bucket is not a flag error: the configured bucket is kept (needed only when switching, test/e2e/storage-credentials.test.ts)', async () => {
    const r = await run(['set-storage', 's3', '--region', 'r']);
    expect(r.stderr).not.toMatch(/required option/);
    expect(r.code).toBe(4);
  });

  it('s3: an access key id without the secret, and the reverse', async () => {
    usage(await run([...S3, '--access-key-id', 'AKID']), /^error: --access-key-id needs the secret access key/);
    usage(await run([...S3, '--secret-access-key-stdin'], { stdin: SECRET }), /^error: the secret access key needs an access key id/);
    usage(await run(S3, { env: { AWS_ACCESS_KEY_ID: 'AKID' } }), /^error: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
  });

  it('s3: empty stdin and two sources for one secret', async () => {
    usage(await run([...S3, '--access-key-id', 'AKID', '--secret-access-key-stdin'], { stdin: '\n' }), /^error: the secret access key is empty/);
    usage(await run([...S3, '--access-key-id', 'AKID', '--secret-access-key-stdin', '--secret-access-key-file', '/x']), /^error: give the secret access key once/);
    const r = await run([...S3, '--access-key-id', 'AKID', '--secret-access-key-file', path.join(home, 'nope')]);
    usage(r, /^error: cannot read the secret access key from .*nope: ENOENT/);
  });

  it('s3: the endpoint must be a URL with a scheme', async () => {
    usage(await run([...S3, '--region-endpoint', 'minio.svc.cluster.local:9000']), /^error: invalid --region-endpoint "minio.svc.cluster.local:9000"/);
    usage(await run([...S3, '--chunk-size-mib', 'big']), /^error: invalid --chunk-size-mib/);
  });

  it('s3: credentials from stdin, a file or the environment get past the input checks without being echoed', async () => {
    const file = path.join(home, 'secret-key');
    fs.writeFileSync(file, `${SECRET}\n`);
    for (const r of [
      await run([...S3, '--access-key-id', 'AKID', '--secret-access-key-stdin'], { stdin: `${SECRET}\n` }),
      await run([...S3, '--access-key-id', 'AKID', '--secret-access-key-file', file]),
      await run(['-v', ...S3], { env: { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: SECRET } }),
    ]) {
      expect(r.code).toBe(4); // reached the cluster step: no kubeconfig here
      expect(r.all).not.toContain(SECRET);
    }
    const env = await run(S3, { env: { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: SECRET } });
    expect(env.stderr).toMatch(/Using the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('gcs: the key file must be JSON, and its content is never shown', async () => {
    const file = path.join(home, 'key.json');
    fs.writeFileSync(file, `not-json ${SECRET}`);
    const r = await run(['set-storage', 'gcs', '--bucket', 'b', '--key-file', file]);
    usage(r, /^error: the GCS key file is not a JSON object/);
    expect(r.all).not.toContain(SECRET);
    const ok = await run(['set-storage', 'gcs', '--bucket', 'b', '--key-file', '-'], { stdin: JSON.stringify({ type: 'service_account', private_key: SECRET }) });
    expect(ok.code).toBe(4);
    expect(ok.all).not.toContain(SECRET);
  });

  it('swift: one credential set at a time', async () => {
    const base = ['set-storage', 'swift', '--container', 'c', '--auth-url', 'https://keystone:5000/v3'];
    usage(await run([...base, '--username', 'u', '--application-credential-id', 'i']), /^error: give either a username and password or an application credential/);
    usage(await run([...base, '--username', 'u']), /^error: --username needs the password/);
    usage(await run([...base, '--password-stdin', '--application-credential-secret-stdin'], { stdin: 'x' }), /both read stdin|give either/);
    usage(await run(['set-storage', 'swift', '--container', 'c', '--auth-url', 'keystone']), /^error: invalid --auth-url "keystone": not a URL/);
  });

  it('pvc: claim name, size, and --timeout/--wait/--dry-run combinations', async () => {
    usage(await run(['set-storage', 'pvc', '--claim', 'Bad_Name']), /^error: invalid --claim "Bad_Name"/);
    usage(await run(['set-storage', 'pvc', '--size', '100 gigs']), /^error: invalid --size "100 gigs"/);
    usage(await run(['set-storage', 'pvc', '--timeout', '5m']), /^error: --timeout needs --wait/);
    usage(await run(['set-storage', 'pvc', '--wait', '--timeout', 'soon']), /^error: invalid --timeout "soon"/);
    usage(await run(['set-storage', 'pvc', '--wait', '--dry-run']), /^error: --wait has nothing to wait for with --dry-run/);
    const r = await run(['set-storage', 'pvc', '--access-mode', 'ReadWriteSometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are ReadWriteOnce, ReadWriteMany/);
  });
});

describe('config input checks', () => {
  it('config set: unknown keys and schema violations exit 2 before touching the cluster', async () => {
    usage(await run(['config', 'set', 'replica=2']), /^error: unknown setting "replica"/);
    usage(await run(['config', 'set', 'logLevel=Loud']), /^error: spec\.logLevel: "Loud" is not one of Normal, Debug, Trace, TraceAll; nothing was changed/);
    usage(await run(['config', 'set', 'rolloutStrategy=Rolling']), /^error: spec\.rolloutStrategy: "Rolling" does not match/);
    usage(await run(['config', 'set', 'requests.write.maxWaitInQueue=forever']), /is not a duration/);
    usage(await run(['config', 'set', 'tolerations=@/nonexistent/t.yaml']), /^error: cannot read \/nonexistent\/t.yaml: ENOENT/);
    const tol = path.join(home, 'tol.yaml');
    fs.writeFileSync(tol, '- key: infra\n  operater: Exists\n');
    usage(await run(['config', 'set', `tolerations=@${tol}`]), /^error: spec\.tolerations\[0\]\.operater: unknown field/);
  });

  it('config get: unknown keys and formats', async () => {
    usage(await run(['config', 'get', 'nosuch']), /^error: unknown setting "nosuch"/);
    usage(await run(['config', 'get', '-o', 'table']), /^error: unsupported output format "table"/);
  });

  it('valid input reaches the cluster step', async () => {
    const stdin = '- key: infra\n  operator: Exists\n  effect: NoSchedule\n';
    expect((await run(['config', 'set', 'replicas=2', 'tolerations=@-'], { stdin })).code).toBe(4);
  });
});
