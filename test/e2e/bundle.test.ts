// `regctl status --bundle FILE.tar.gz` against the sandbox: what the support bundle holds, that no secret value
// reaches it (S3 keys, minted credentials, httpSecret, tokens, route and router private keys), and its usage errors.
// Also the degraded profile: doctor's storage check names the missing key and the fix, and that cluster's bundle.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const NS = 'openshift-image-registry';
const CONFIGS = 'imageregistry.operator.openshift.io/configs';

function parse(stdout: string) {
  const report = JSON.parse(stdout) as { checks: Array<{ id: string; verdict: string; summary: string; evidence: string[]; fix?: string; skipped?: any; details?: any }> };
  return { report, check: (id: string) => report.checks.find((c) => c.id === id)! };
}
let sb: Sandbox;
let t: LoginEnv;
let routeKeyPem = '';

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

function unpack(file: string): { root: string; files: string[]; read(rel: string): string } {
  const out = fs.mkdtempSync(path.join(t.tmp, 'unpacked-'));
  execFileSync('tar', ['-xzf', file, '-C', out]);
  const [top] = fs.readdirSync(out);
  const root = path.join(out, top!);
  return { root, files: walk(root).map((f) => path.relative(root, f)).sort(), read: (rel) => fs.readFileSync(path.join(root, rel), 'utf8') };
}

/** Every secret value the sandbox holds: in the clear, base64'd, and the body lines of private keys. */
function secretValues(): string[] {
  const values = new Set<string>();
  const add = (v: string | undefined) => {
    if (!v || v.length < 8) return;
    values.add(v);
    values.add(Buffer.from(v).toString('base64'));
  };
  for (const ns of [NS, 'openshift-ingress']) {
    for (const s of sb.store.list('/secrets', ns).items as any[]) {
      for (const v of Object.values((s.data ?? {}) as Record<string, string>)) {
        const text = Buffer.from(v, 'base64').toString('utf8');
        if (/-----BEGIN CERTIFICATE-----/.test(text) && !/PRIVATE KEY/.test(text)) continue; // public certificates
        add(text.trim());
        for (const m of text.matchAll(/=\s*(\S{8,})/g)) add(m[1]);
        for (const line of text.split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) values.add(line);
      }
    }
  }
  add((sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster') as any).spec.httpSecret);
  for (const tok of Object.values(sb.tokens)) add(tok);
  for (const line of routeKeyPem.split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) values.add(line);
  return [...values];
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  t = await loginEnv(sb, 'bundle');
  // A custom route with its own certificate: its private key lands in a Secret and in the Route's spec.tls.key.
  const ca = await createCA('bundle-test-ca');
  const leaf = await ca.issue({ commonName: 'registry.bundle.example', dnsNames: ['registry.bundle.example'], server: true });
  routeKeyPem = leaf.keyPem;
  for (const [f, pem] of [['ca.crt', ca.certPem], ['tls.crt', leaf.certPem], ['tls.key', leaf.keyPem]] as const) fs.writeFileSync(path.join(t.tmp, f), pem);
  const exposed = await t.cli(['expose', '--route', 'bundle', '--hostname', 'registry.bundle.example', '--cert', path.join(t.tmp, 'tls.crt'), '--key', path.join(t.tmp, 'tls.key'), '--ca', path.join(t.tmp, 'ca.crt')]);
  expect(exposed.code, exposed.all).toBe(0);
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

describe('status --bundle', () => {
  it('writes a 0600 tar.gz with config, conditions, events, logs, routes, image.config, status and the doctor report', async () => {
    const file = path.join(t.tmp, 'support.tar.gz');
    const r = await t.cli(['status', '--bundle', file, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout).kind).toBe('RegistryStatus');
    expect(r.stderr).toMatch(new RegExp(`^Wrote the support bundle ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ files, secrets redacted\\)\\.\\n$`));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const b = unpack(file);
    expect(b.files).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'status.json',
        'doctor.json',
        'doctor.txt',
        'cluster/config.imageregistry.yaml',
        'cluster/clusteroperator.image-registry.yaml',
        'cluster/image.config.yaml',
        'cluster/imagepruner.yaml',
        `${NS}/routes.yaml`,
        `${NS}/events.yaml`,
        `${NS}/pods.yaml`,
        `${NS}/deployments.yaml`,
        `${NS}/secrets.yaml`,
      ]),
    );
    const logs = b.files.filter((f) => f.startsWith(`${NS}/logs/`));
    expect(logs.some((f) => /\/image-registry-[^/]+\/registry\.log$/.test(f))).toBe(true);
    expect(logs.some((f) => /cluster-image-registry-operator-[^/]+\/cluster-image-registry-operator\.log$/.test(f))).toBe(true);
    expect(b.read(logs.find((f) => f.endsWith('/registry.log'))!)).toMatch(/msg="start registry"/);

    const manifest = JSON.parse(b.read('manifest.json'));
    expect(manifest).toMatchObject({ kind: 'SupportBundle', errors: {} });
    expect([...manifest.files].sort()).toEqual(b.files);
    const config = yaml.load(b.read('cluster/config.imageregistry.yaml')) as any;
    expect(config.spec.httpSecret).toBe('REDACTED');
    expect(config.status.conditions.map((c: any) => c.type)).toEqual(expect.arrayContaining(['Available', 'Progressing', 'Degraded']));
    const secrets = yaml.load(b.read(`${NS}/secrets.yaml`)) as any[];
    const user = secrets.find((s) => s.metadata.name === 'image-registry-private-configuration-user');
    expect(user.data).toEqual({ REGISTRY_STORAGE_S3_ACCESSKEY: 'REDACTED', REGISTRY_STORAGE_S3_SECRETKEY: 'REDACTED' });
    const routes = yaml.load(b.read(`${NS}/routes.yaml`)) as any[];
    expect(routes.find((x) => x.metadata.name === 'bundle').spec.tls).toMatchObject({ key: 'REDACTED', certificate: expect.stringContaining('BEGIN CERTIFICATE') });
    const events = yaml.load(b.read(`${NS}/events.yaml`)) as any[];
    expect(events.filter((e) => e.involvedObject?.kind === 'Pod' && /^image-registry-/.test(e.involvedObject.name)).map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Pulled', 'Created', 'Started']));
    const doctor = JSON.parse(b.read('doctor.json'));
    expect(doctor.kind).toBe('DoctorReport');
    expect(doctor.checks.find((c: any) => c.id === 'storage').verdict).toBe('ok');
    expect(b.read('doctor.txt')).toMatch(/^ok   api /m);

    // The point of the exercise: not one secret value anywhere in the bundle (nor in the output).
    const everything = b.files.map((f) => b.read(f)).join('\n');
    const secrets2 = secretValues();
    expect(secrets2).toEqual(expect.arrayContaining(['wJalrXUtnFEMI/K7MDENG/bPxRfiCYSANDBOXKEY', 'AKIAQX7SANDBOX2EXAMPLE', 'mintedSandboxSecretKeyForTheRegistry0000', sb.tokens.admin]));
    const leaked = secrets2.filter((v) => everything.includes(v) || r.all.includes(v));
    expect(leaked).toEqual([]);
    expect(everything).not.toMatch(/PRIVATE KEY-----/);
    expect(everything).not.toMatch(/sha256~[A-Za-z0-9_-]{20,}/);
  });

  it('with the API server down it still writes the bundle (doctor says why) and fails like status', async () => {
    const file = path.join(t.tmp, 'down.tar.gz');
    sb.faults.down = true;
    let r;
    try {
      r = await t.cli(['status', '--bundle', file]);
    } finally {
      sb.faults.down = false;
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const b = unpack(file);
    const doctor = JSON.parse(b.read('doctor.json'));
    expect(doctor.checks[0]).toMatchObject({ id: 'api', verdict: 'fail' });
    const errors = JSON.parse(b.read('manifest.json')).errors;
    expect(errors['status.json']).toMatch(/cannot reach the API server/);
    expect(errors['cluster/config.imageregistry.yaml']).toMatch(/cannot reach the API server/);
  });

  it('refuses bad targets and --watch before reading anything (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['status', '--bundle', path.join(t.tmp, 'missing', 'b.tar.gz')], /^error: --bundle .*: directory .*missing does not exist\nhint: /],
      [['status', '--bundle', path.join(t.tmp, 'b.zip')], /^error: --bundle .*b\.zip: the bundle is a gzip'd tar\nhint: name it FILE\.tar\.gz/],
      [['status', '--bundle', path.join(t.tmp, 'b.tar.gz'), '--watch'], /^error: --bundle cannot be combined with --watch\n/],
    ];
    for (const [args, err] of cases) {
      const r = await t.cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(err);
    }
    expect(fs.existsSync(path.join(t.tmp, 'b.tar.gz'))).toBe(false);
  });
});

describe('a degraded cluster (S3 credentials lack a key): doctor, then its bundle', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'degraded' });
    t = await loginEnv(sb, 'doctor-degraded');
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  it('storage fails naming the missing key and `regctl set-storage credentials s3 …`; running the fix makes it pass', async () => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json', '--only', 'api,installed,management-state,storage,operator,pods']);
    expect(r.code).toBe(3);
    const { check } = parse(r.stdout);
    expect(r.all).not.toContain(sb.tokens.admin);
    const st = check('storage');
    expect(st.verdict).toBe('fail');
    expect(st.summary).toBe('secret openshift-image-registry/image-registry-private-configuration-user lacks REGISTRY_STORAGE_S3_SECRETKEY (while it exists the operator does not fall back to installer-cloud-credentials)');
    expect(st.details?.missingKeys).toEqual(['REGISTRY_STORAGE_S3_SECRETKEY']);
    const bucket = (sb.store.get(CONFIGS, undefined, 'cluster') as any).spec.storage.s3.bucket;
    expect(st.fix).toBe('printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin');
    expect(st.evidence.join('\n')).toMatch(/operator: Progressing: Unable to apply resources: unable to sync storage configuration: .*REGISTRY_STORAGE_S3_SECRETKEY/);
    expect(check('operator').skipped?.failedCheck).toBe('storage');
    expect(check('pods').skipped?.failedCheck).toBe('storage');

    // The support bundle of this broken cluster carries the same finding, and still no secret value.
    const file = path.join(t.tmp, 'degraded.tar.gz');
    const b = await t.cli(['status', '--bundle', file]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/Wrote the support bundle/);
    const out = fs.mkdtempSync(path.join(t.tmp, 'degraded-'));
    execFileSync('tar', ['-xzf', file, '-C', out]);
    const root = path.join(out, fs.readdirSync(out)[0]!);
    const doctor = JSON.parse(fs.readFileSync(path.join(root, 'doctor.json'), 'utf8'));
    expect(doctor.checks.find((c: any) => c.id === 'storage')).toMatchObject({ verdict: 'fail', details: { missingKeys: ['REGISTRY_STORAGE_S3_SECRETKEY'] } });
    const everything = walk(root).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const v of ['AKIAQX7SANDBOX2EXAMPLE', 'AKIAQX7SANDBOXMINTED', 'mintedSandboxSecretKeyForTheRegistry0000', sb.tokens.admin!]) expect(everything).not.toContain(v);

    // The fix, as printed, with the credentials in the environment it names.
    const secret = 'doctorFixSecretKey0123456789abcdefEXAMPLE';
    const fix = await t.cli(['set-storage', 's3', '--bucket', bucket, '--region', 'us-east-1', '--access-key-id', 'AKIADOCTORFIXEXAMPLE', '--secret-access-key-stdin'], { input: secret });
    expect(fix.code, fix.all).toBe(0);
    expect(fix.all).not.toContain(secret);
    await sb.waitFor((s) => ((s.get(CONFIGS, undefined, 'cluster') as any)?.status?.conditions ?? []).some((c: any) => c.type === 'Available' && c.status === 'True'), 15_000);
    const after = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json', '--only', 'storage,operator']);
    expect(parse(after.stdout).check('storage').verdict).toBe('ok');
  });
});
