// 10. `--render acm-policy` (issue 18 part 5): every mutating command that renders, against one sandbox (and an AWS one
// for set-storage credentials), each timed
// from process start to exit (one unmeasured warm-up, then the median of the rounds). A render reads the cluster and
// writes files; nothing is applied. Target: under 1 s each.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startSandbox, type Sandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, cliEnv, tempDir } from './lib/env.ts';
import { check, fmtMs, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 1000;

export async function render(o: { rounds: number }): Promise<Row[]> {
  const tmp = tempDir('render');
  const sb = await startSandbox({ profile: 'baremetal' });
  try {
    const env = cliEnv(sb, tmp.dir);
    const ca = path.join(tmp.dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=bench-ca', '-keyout', path.join(tmp.dir, 'ca.key'), '-out', ca], { stdio: 'ignore' });
    const authfile = path.join(tmp.dir, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { 'quay.io': { auth: Buffer.from('bench:not-a-real-password').toString('base64') } } }), { mode: 0o600 });
    const cli = async (args: string[], what: string) => check(await run(NODE, [BIN, ...args], { env, cwd: ROOT, timeoutMs: 60_000 }), `regctl ${what}`);
    // Set up for real, unmeasured: the secret pull-secret link links, what revoke and trust-ca remove take away, and an
    // image stream with two tags (written into the sandbox's store as the registry and openshift-apiserver leave a push).
    await cli(['pull-secret', 'create', 'benchcreds', '--from-authfile', authfile, '-n', 'default'], 'pull-secret create (setup)');
    await cli(['grant', 'viewer', 'bob', '-n', 'default'], 'grant (setup)');
    await cli(['trust-ca', 'add', 'old.example.com', '--ca', ca], 'trust-ca add (setup)');
    seedStream(sb, 'default', 'app', ['v1', 'v2']);
    const secretFile = path.join(tmp.dir, 'secret-key');
    fs.writeFileSync(secretFile, 'not-a-real-secret-key\n', { mode: 0o600 });
    const commands: Array<[string, string[]]> = [
      ['set-storage pvc', ['set-storage', 'pvc']],
      ['config set', ['config', 'set', 'logLevel=Debug']],
      ['expose --default-route', ['expose', '--default-route']],
      ['trust-ca add', ['trust-ca', 'add', 'registry.example.com', '--ca', ca]],
      ['grant viewer', ['grant', 'viewer', 'alice', '-n', 'default']],
      ['pull-secret create', ['pull-secret', 'create', 'quaycreds', '--from-authfile', authfile, '--link', 'default', '-n', 'default']],
      ['pull-secret link', ['pull-secret', 'link', 'benchcreds', 'builder', '-n', 'default']],
      ['tag', ['tag', 'default/app:v1', 'default/app:stable']],
      ['import-image', ['import-image', 'ext:v1', '--from', 'quay.io/bench/ext:v1', '-n', 'default']],
      ['pruner set', ['pruner', 'set', 'keepTagRevisions=5']],
      ['pruner suspend', ['pruner', 'suspend']],
      ['delete', ['delete', 'default/app:v2']],
      ['tag -d', ['tag', '-d', 'default/app:v2']],
      ['revoke viewer', ['revoke', 'viewer', 'bob', '-n', 'default']],
      ['trust-ca remove', ['trust-ca', 'remove', 'old.example.com']],
    ];
    const rows: Row[] = [];
    for (const [i, [name, args]] of commands.entries()) {
      const out = path.join(tmp.dir, `out-${i}`);
      const once = () => cli([...args, '--render', 'acm-policy', '--output-dir', out], `${name} --render acm-policy`);
      await once();
      // The run must have rendered a policy, not just exited 0.
      const files = fs.readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'));
      if (!files.some((f) => /^kind: Policy$/m.test(fs.readFileSync(path.join(out, f), 'utf8')))) throw new Error(`${name} --render acm-policy wrote no Policy (${files.join(', ') || 'no files'})`);
      const ms: number[] = [];
      for (let r = 0; r < o.rounds; r++) ms.push((await once()).wallMs);
      const m = median(ms);
      rows.push({ id: `10${String.fromCharCode(97 + i)}`, name: `${name} --render acm-policy`, measured: fmtMs(m), baseline: '-', ratio: fmtMs(m), target: `< ${TARGET_MS / 1000} s`, pass: m < TARGET_MS, notes: [`${name} --render acm-policy: ${ms.map(fmtMs).join(', ')}`] });
    }
    // set-storage credentials rotates the keys of the storage the cluster has: S3 on an AWS cluster.
    const aws = await startSandbox({ profile: 'aws' });
    try {
      const awsEnv = cliEnv(aws, tmp.dir);
      const out = path.join(tmp.dir, 'out-credentials');
      const args = ['set-storage', 'credentials', 's3', '--access-key-id', 'AKIABENCHEXAMPLE', '--secret-access-key-file', secretFile, '--render', 'acm-policy', '--output-dir', out];
      const once = async () => check(await run(NODE, [BIN, ...args], { env: awsEnv, cwd: ROOT, timeoutMs: 60_000 }), 'regctl set-storage credentials s3 --render acm-policy');
      await once();
      const ms: number[] = [];
      for (let r = 0; r < o.rounds; r++) ms.push((await once()).wallMs);
      const m = median(ms);
      rows.push({ id: `10${String.fromCharCode(97 + rows.length)}`, name: 'set-storage credentials s3 --render acm-policy', measured: fmtMs(m), baseline: '-', ratio: fmtMs(m), target: `< ${TARGET_MS / 1000} s`, pass: m < TARGET_MS, notes: [`set-storage credentials s3 (AWS sandbox): ${ms.map(fmtMs).join(', ')}`] });
    } finally {
      await aws.stop();
    }
    return rows;
  } finally {
    await sb.stop();
    tmp.remove();
  }
}

/** An image stream with these tags, each pointing at its own image, as a push leaves it (status tags and Images). */
function seedStream(sb: Sandbox, ns: string, name: string, tags: string[]): void {
  const host = 'image-registry.openshift-image-registry.svc:5000';
  const items = tags.map((tag, i) => ({ tag, image: `sha256:${String(i + 1).repeat(64)}` }));
  for (const { image } of items) sb.store.create('image.openshift.io/images', { metadata: { name: image }, dockerImageReference: `${host}/${ns}/${name}@${image}` });
  const s = sb.store.create('image.openshift.io/imagestreams', { metadata: { name, namespace: ns }, spec: { lookupPolicy: { local: false } } });
  sb.store.update('image.openshift.io/imagestreams', { ...s, status: { dockerImageRepository: `${host}/${ns}/${name}`, tags: items.map(({ tag, image }) => ({ tag, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `${host}/${ns}/${name}@${image}`, image, generation: 1 }] })) } }, { subresource: 'status' });
}
