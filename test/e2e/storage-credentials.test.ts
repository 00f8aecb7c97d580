// `regctl set-storage credentials PROVIDER` (issue 17): only the user secret's keys change (the Config spec stays as
// it is, encrypt included), the operator rolls the registry and the command waits for it, no secret in any output;
// another provider is refused (exit 2); doctor's fix for missing keys is this command and running it heals the
// degraded cluster. And `set-storage s3 --region-endpoint X` on an s3 registry keeps encrypt, bucket, managementState.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';
const USER_SECRET = 'image-registry-private-configuration-user';
const PRIVATE_SECRET = 'image-registry-private-configuration';
const CHECKSUM = 'imageregistry.operator.openshift.io/dependencies-checksum';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

const NEW_ID = 'AKIAROTATED0EXAMPLE1';
const NEW_SECRET = 'rotated/S3+secretKEY-never-printed-0001';
const FIX_SECRET = 'doctorFix/S3+secretKEY-never-printed-0002';
const OLD_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSANDBOXKEY';

function noSecrets(all: string) {
  for (const s of [NEW_SECRET, FIX_SECRET, OLD_SECRET]) {
    expect(all).not.toContain(s);
    expect(all).not.toContain(b64(s));
  }
}

function helpers(get: () => Sandbox) {
  const config = () => get().store.get(CFG, undefined, 'cluster') as any;
  const secret = (name = USER_SECRET) => get().store.get('/secrets', NS, name) as any;
  const deployment = () => get().store.get('apps/deployments', NS, 'image-registry') as any;
  const regctl = (args: string[], o: { env?: Record<string, string>; input?: string } = {}) => {
    const sb = get();
    return runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...o.env }, input: o.input, timeoutMs: 50_000 });
  };
  return { config, secret, deployment, regctl };
}

let aws: Sandbox;
let degraded: Sandbox;
beforeAll(async () => {
  [aws, degraded] = await Promise.all([startSandbox({ profile: 'aws' }), startSandbox({ profile: 'degraded' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([aws?.stop(), degraded?.stop()]);
});

describe('set-storage credentials s3 on the aws profile', () => {
  const h = helpers(() => aws);
  const rotate = ['set-storage', 'credentials', 's3', '--access-key-id', NEW_ID, '--secret-access-key-stdin'];

  it('--dry-run shows the plan: the redacted secret patch and the wait (issue 18); changes nothing', async () => {
    const before = JSON.stringify(h.secret());
    const r = await h.regctl([...rotate, '--dry-run'], { input: NEW_SECRET });
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(
      '# dry run: nothing was changed\n---\n' +
        `# 1. patch Secret ${NS}/${USER_SECRET} (set REGISTRY_STORAGE_S3_ACCESSKEY, REGISTRY_STORAGE_S3_SECRETKEY; other keys kept) (application/merge-patch+json)\n` +
        'data:\n  REGISTRY_STORAGE_S3_ACCESSKEY: <redacted>\n  REGISTRY_STORAGE_S3_SECRETKEY: <redacted>\n' +
        '---\n# then waits for:\n#   registry rolled onto the new credentials: the Deployment openshift-image-registry/image-registry rolled out with a new dependencies checksum and the operator Available (--no-wait skips it)\n',
    );
    expect(r.all).not.toContain(NEW_ID);
    noSecrets(r.all);
    expect(JSON.stringify(h.secret())).toBe(before);
  });

  it('replaces only the keys, leaves the Config spec as it is, and waits until the operator rolled the registry', async () => {
    const spec = structuredClone(h.config().spec);
    expect(spec.storage.s3.encrypt).toBe(true);
    const sumBefore = h.deployment().spec.template.metadata.annotations[CHECKSUM];
    const r = await h.regctl([...rotate, '-v', '-o', 'json'], { input: NEW_SECRET });
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ kind: 'StorageCredentialsChange', changed: true, provider: 's3', operator: { state: 'Available' } });
    expect(JSON.stringify(out.writes)).toContain('REDACTED');

    // Only the secret changed.
    expect(h.config().spec).toEqual(spec);
    const data = h.secret().data;
    expect(unb64(data.REGISTRY_STORAGE_S3_ACCESSKEY)).toBe(NEW_ID);
    expect(unb64(data.REGISTRY_STORAGE_S3_SECRETKEY)).toBe(NEW_SECRET);
    // When the command returned, the operator had copied the keys and the new pods were rolled out.
    expect(unb64(h.secret(PRIVATE_SECRET).data.credentials)).toContain(NEW_ID);
    const d = h.deployment();
    expect(d.spec.template.metadata.annotations[CHECKSUM]).not.toBe(sumBefore);
    expect(d.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2, replicas: 2 });
    expect(d.status.observedGeneration).toBeGreaterThanOrEqual(d.metadata.generation);
    const conds = h.config().status.conditions;
    expect(conds.find((c: any) => c.type === 'Available')).toMatchObject({ status: 'True' });
    expect(conds.find((c: any) => c.type === 'Progressing')).toMatchObject({ status: 'False' });
  });

  it('is idempotent: the same keys again change nothing', async () => {
    const rv = h.secret().metadata.resourceVersion;
    const r = await h.regctl(rotate, { input: NEW_SECRET + '\n' });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toMatch(/Nothing to change/);
    expect(h.secret().metadata.resourceVersion).toBe(rv);
  });

  it('refuses another provider than the configured one (exit 2, naming it), nothing changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-creds-'));
    try {
      const key = path.join(dir, 'key.json');
      fs.writeFileSync(key, JSON.stringify({ type: 'service_account', private_key: 'x' }));
      const rv = h.secret().metadata.resourceVersion;
      const r = await h.regctl(['set-storage', 'credentials', 'gcs', '--key-file', key]);
      expect(r.code, r.all).toBe(2);
      expect(r.stderr).toMatch(/^error: the registry storage is s3, not gcs; nothing was changed$/m);
      expect(r.stderr).toMatch(/^hint: .*regctl set-storage credentials s3/m);
      expect(h.secret().metadata.resourceVersion).toBe(rv);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('switching to another type still needs its location flags (exit 2, nothing changed)', async () => {
    const rv = h.config().metadata.resourceVersion;
    const r = await h.regctl(['set-storage', 'gcs', '--project-id', 'p']);
    expect(r.code, r.all).toBe(2);
    expect(r.stderr).toMatch(/^error: the storage is s3, not gcs: switching to gcs needs --bucket; nothing was changed$/m);
    expect(h.config().metadata.resourceVersion).toBe(rv);
  });

  it('set-storage s3 --region-endpoint keeps encrypt, the bucket, the region and managementState (exact dry run)', async () => {
    const s3 = structuredClone(h.config().spec.storage.s3);
    const endpoint = 'https://minio.example.com:9000';
    const dry = await h.regctl(['set-storage', 's3', '--region-endpoint', endpoint, '--dry-run']);
    expect(dry.code, dry.all).toBe(0);
    const value = { s3: { ...s3, regionEndpoint: endpoint }, managementState: 'Managed' };
    expect(dry.stdout).toBe(
      '# dry run: nothing was changed\n---\n' +
        '# 1. patch configs.imageregistry.operator.openshift.io/cluster: replace /spec/storage (application/json-patch+json)\n' +
        '# rolls out the registry: changes spec.storage\n' +
        `[\n  ${JSON.stringify({ op: 'replace', path: '/spec/storage', value })}\n]\n`,
    );
    const r = await h.regctl(['set-storage', 's3', '--region-endpoint', endpoint, '--yes']);
    expect(r.code, r.all).toBe(0);
    const storage = h.config().spec.storage;
    expect(storage).toMatchObject({ managementState: 'Managed', s3: { bucket: s3.bucket, region: s3.region, encrypt: true, regionEndpoint: endpoint } });
  });
});

describe('the degraded profile (user secret without REGISTRY_STORAGE_S3_SECRETKEY)', () => {
  const h = helpers(() => degraded);

  it("doctor's fix is set-storage credentials, and running it makes status healthy", async () => {
    const d = await h.regctl(['doctor', '-o', 'json', '--only', 'storage']);
    const storage = JSON.parse(d.stdout).checks.find((c: any) => c.id === 'storage');
    expect(storage.verdict).toBe('fail');
    expect(storage.fix).toBe('printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin');
    const spec = structuredClone(h.config().spec);

    // The fix as printed: the secret on stdin, the key id from the environment it names.
    const r = await h.regctl(['set-storage', 'credentials', 's3', '--access-key-id', 'AKIADOCTORFIX0EXAMPLE', '--secret-access-key-stdin'], { input: FIX_SECRET });
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    expect(h.config().spec).toEqual(spec);
    expect(unb64(h.secret().data.REGISTRY_STORAGE_S3_SECRETKEY)).toBe(FIX_SECRET);

    const st = await h.regctl(['status']);
    expect(st.code, st.all).toBe(0);
    noSecrets(st.all);
  });
});
