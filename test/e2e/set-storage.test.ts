// `regctl set-storage` against the sandbox: every storage type, the operator's reaction (conditions), each
// pre-flight refusal (nothing changed), --dry-run, idempotence, --yes, --wait (exit 0 / 3) and no credential
// in any output (also with -v).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.ts';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';
const USER_SECRET = 'image-registry-private-configuration-user';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

// Credentials used below: none may appear in any output, raw or base64.
const S3_SECRET = 'minio123-Sup3r/Secret+Key';
const S3_SECRET_2 = 'second-S3-secret-value-0042';
const GCS_PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----gcsSECRETkeyMATERIAL-----END PRIVATE KEY-----';
const AZURE_KEY = 'azureAccountKeySECRET==';
const SWIFT_PASSWORD = 'swift-password-SECRET';
const IBM_KEY = 'ibm-iam-api-key-SECRET';
const ALL_SECRETS = [S3_SECRET, S3_SECRET_2, GCS_PRIVATE_KEY, AZURE_KEY, SWIFT_PASSWORD, IBM_KEY];

function noSecrets(all: string) {
  for (const s of ALL_SECRETS) {
    expect(all).not.toContain(s);
    expect(all).not.toContain(b64(s));
  }
}

function helpers(get: () => Sandbox) {
  const config = () => get().store.get(CFG, undefined, 'cluster') as any;
  const cond = (type: string) => (config().status?.conditions ?? []).find((c: any) => c.type === type);
  const secret = () => get().store.get('/secrets', NS, USER_SECRET) as any;
  const regctl = (args: string[], o: { env?: Record<string, string>; input?: string } = {}) => {
    const sb = get();
    return runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...o.env }, input: o.input, timeoutMs: 90_000 });
  };
  /** A tag pushed to the integrated registry: what makes the current storage "hold images". */
  const pushImage = () => {
    const sb = get();
    const created = sb.store.create('image.openshift.io/imagestreams', { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'app', namespace: 'default' }, spec: {} });
    const digest = `sha256:${'ab'.repeat(32)}`;
    sb.store.update(
      'image.openshift.io/imagestreams',
      {
        ...created,
        status: {
          dockerImageRepository: 'image-registry.openshift-image-registry.svc:5000/default/app',
          tags: [{ tag: 'latest', items: [{ created: new Date().toISOString(), dockerImageReference: `image-registry.openshift-image-registry.svc:5000/default/app@${digest}`, image: digest, generation: 1 }] }],
        },
      },
      { subresource: 'status' },
    );
  };
  return { config, cond, secret, regctl, pushImage };
}

// Both clusters start together (each takes seconds); the two describe blocks use one each.
let bareMetal: Sandbox;
let aws: Sandbox;
beforeAll(async () => {
  [bareMetal, aws] = await Promise.all([startSandbox({ profile: 'baremetal' }), startSandbox({ profile: 'aws' })]);
});
afterAll(async () => {
  await Promise.all([bareMetal?.stop(), aws?.stop()]);
});

describe('set-storage on bare metal (Removed, no storage)', () => {
  let sb: Sandbox;
  const h = helpers(() => sb);
  beforeAll(() => {
    sb = bareMetal;
  });

  it('--dry-run prints the claim and the JSON patch, and changes nothing', async () => {
    const before = JSON.stringify(h.config().spec);
    const r = await h.regctl(['set-storage', 'pvc', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# dry run: nothing was changed');
    expect(r.stdout).toMatch(/# 1\. create PersistentVolumeClaim openshift-image-registry\/image-registry-storage \(100Gi, ReadWriteMany\)\napiVersion: v1\nkind: PersistentVolumeClaim/);
    expect(r.stdout).toContain(
      '[\n  {"op":"replace","path":"/spec/managementState","value":"Managed"},\n  {"op":"replace","path":"/spec/storage","value":{"pvc":{"claim":"image-registry-storage"}}}\n]\n',
    );
    expect(sb.store.get('/persistentvolumeclaims', NS, 'image-registry-storage')).toBeUndefined();
    expect(JSON.stringify(h.config().spec)).toBe(before);
  });

  it('pre-flight refusals: exit 2 (4 when forbidden), one error line and a hint, nothing changed', async () => {
    sb.store.create('/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'ro', namespace: NS }, spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '1Gi' } } } });
    const before = JSON.stringify(h.config().spec);
    const [noClass, roClaim, forbidden, zero, bare] = await Promise.all([
      h.regctl(['set-storage', 'pvc', '--storage-class', 'gold']),
      h.regctl(['set-storage', 'pvc', '--claim', 'ro']),
      h.regctl(['--context', 'developer', 'set-storage', 'pvc', '--claim', 'dev']),
      h.regctl(['set-storage', 'pvc', '--size', '0Gi']),
      h.regctl(['set-storage', 'pvc', '--size', '10']),
    ]);
    // A number without a unit is bytes: `--size 10` would be a 10-byte claim.
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe('error: --size 10 has no unit, so it means 10 bytes: too small for a registry\nhint: give the unit: --size 10Gi (a number without a unit is taken as bytes only from 1Gi, 1073741824, up)\n');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toBe('error: invalid --size "0Gi": a claim must be larger than zero\nhint: use a quantity such as 100Gi or 500G\n');
    expect(noClass.code).toBe(2);
    expect(noClass.stderr).toBe('error: storage class "gold" does not exist; nothing was changed\nhint: available: standard\n');
    expect(roClaim.code).toBe(2);
    expect(roClaim.stderr).toMatch(/^error: PVC ro does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce; nothing was changed\nhint: /);
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toMatch(/^error: forbidden: /);
    expect(sb.store.get('/persistentvolumeclaims', NS, 'dev')).toBeUndefined();
    expect(sb.store.get('/persistentvolumeclaims', NS, 'image-registry-storage')).toBeUndefined();
    expect(JSON.stringify(h.config().spec)).toBe(before);
  });

  it('ReadWriteOnce claim (seed 004): creates it, sets Recreate + 1 replica, warns about downtime, and --wait sees it Available', async () => {
    // Bare metal's `standard` class is kubernetes.io/no-provisioner: as an admin would, create the volume first.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-set-storage-pv-'));
    try {
      const pvFile = path.join(home, 'pv.yaml');
      fs.writeFileSync(pvFile, 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: registry-pv}\nspec: {capacity: {storage: 100Gi}, accessModes: [ReadWriteOnce], storageClassName: standard, persistentVolumeReclaimPolicy: Retain, hostPath: {path: /var/lib/registry}}\n');
      const k = await runTool('kubectl', ['create', '-f', pvFile], sb.env, home);
      expect(k.code, k.stderr).toBe(0);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    const r = await h.regctl(['set-storage', 'pvc', '--claim', 'image-registry-pvc', '--access-mode', 'ReadWriteOnce', '--size', '50Gi', '--storage-class', 'standard', '--wait', '--timeout', '60s']);
    expect(r.stderr).toMatch(/Warning: ReadWriteOnce claim: the registry runs with rolloutStrategy Recreate and 1 replica, so upgrades and restarts have downtime/);
    expect(r.stderr).not.toMatch(/rolloutStrategy=RollingUpdate/);
    expect(r.stderr).toMatch(/created PersistentVolumeClaim openshift-image-registry\/image-registry-pvc \(50Gi, ReadWriteOnce, class standard\)/);
    expect(r.stderr).toMatch(/The registry is Available on pvc \(claim image-registry-pvc\)/);
    expect(r.code).toBe(0);
    const pvc = sb.store.get('/persistentvolumeclaims', NS, 'image-registry-pvc') as any;
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'standard', volumeName: 'registry-pv' });
    expect(pvc.status).toMatchObject({ phase: 'Bound', capacity: { storage: '100Gi' } });
    expect((sb.store.get('/persistentvolumes', undefined, 'registry-pv') as any).spec.claimRef).toMatchObject({ namespace: NS, name: 'image-registry-pvc' });
    const spec = h.config().spec;
    expect(spec).toMatchObject({ managementState: 'Managed', rolloutStrategy: 'Recreate', replicas: 1 });
    expect(spec.storage.pvc).toEqual({ claim: 'image-registry-pvc' });
    expect(h.cond('Available')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(h.cond('StorageExists')).toMatchObject({ status: 'True', reason: 'PVC Exists' });
    const deploy = sb.store.get('apps/deployments', NS, 'image-registry') as any;
    expect(deploy.spec.strategy.type).toBe('Recreate');
    expect(deploy.spec.template.spec.volumes).toContainEqual({ name: 'registry-storage', persistentVolumeClaim: { claimName: 'image-registry-pvc' } });
  });

  it('is idempotent: the same command again changes nothing and needs no --yes', async () => {
    h.pushImage();
    const gen = h.config().metadata.generation;
    const r = await h.regctl(['set-storage', 'pvc', '--claim', 'image-registry-pvc', '--access-mode', 'ReadWriteOnce', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Nothing to change: the registry already uses pvc \(claim image-registry-pvc\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'StorageChange', changed: false, writes: [] });
    expect(h.config().metadata.generation).toBe(gen);
  });

  it('an existing claim with another access mode is refused', async () => {
    const r = await h.regctl(['set-storage', 'pvc', '--claim', 'image-registry-pvc', '--access-mode', 'ReadWriteMany']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: PersistentVolumeClaim image-registry-pvc exists with access modes ReadWriteOnce, not ReadWriteMany; nothing was changed\nhint: omit --access-mode/);
  });

  it('switching away from storage that holds images, or to emptydir, needs --yes', async () => {
    const before = JSON.stringify(h.config().spec);
    const [toEmpty, toOther] = await Promise.all([h.regctl(['set-storage', 'emptydir']), h.regctl(['set-storage', 'pvc', '--claim', 'other'])]);
    for (const r of [toEmpty, toOther]) {
      expect(r.code).toBe(2);
      const [err, hint] = r.stderr.trimEnd().split('\n').slice(-2);
      expect(err).toMatch(/^error: refusing to switch the storage without --yes: the current storage pvc \(claim image-registry-pvc\) holds images \(e\.g\. default\/app:latest was pushed to it\)/);
      expect(hint).toBe('hint: pass --yes (required when not running interactively)');
    }
    expect(toEmpty.stderr).toMatch(/emptyDir storage is ephemeral: every image pushed is lost when the registry pod restarts/);
    expect(sb.store.get('/persistentvolumeclaims', NS, 'other')).toBeUndefined();
    expect(JSON.stringify(h.config().spec)).toBe(before);
  });

  it('emptydir with --yes switches, and the operator reports it', async () => {
    const r = await h.regctl(['set-storage', 'emptydir', '--yes', '--wait', '--timeout', '60s', '-o', 'json']);
    expect(r.code).toBe(0);
    // emptyDir is per pod: no note suggesting more replicas.
    expect(r.stderr).not.toMatch(/rolloutStrategy=RollingUpdate/);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ kind: 'StorageChange', changed: true, storage: { type: 'emptyDir' }, operator: { state: 'Available' } });
    expect(out.writes).toEqual([{ action: 'patch', kind: 'Config', name: 'cluster', patchType: 'json', body: [{ op: 'replace', path: '/spec/storage', value: { emptyDir: {} } }] }]);
    expect(h.config().spec.storage.emptyDir).toEqual({});
    expect(h.cond('StorageExists')).toMatchObject({ status: 'True', reason: 'Creation Successful' });
  });

  it('leaving the ReadWriteOnce setup for shared storage: Recreate and 1 replica stay, a note says how to change them (dry run and real run)', async () => {
    // emptydir (the test before) kept what the ReadWriteOnce claim set, without the note: emptyDir is per pod.
    expect(h.config().spec).toMatchObject({ rolloutStrategy: 'Recreate', replicas: 1 });
    const note = /Note: rolloutStrategy Recreate and replicas 1 stay as they are \(what a ReadWriteOnce claim needs\); (.+) is shared by every replica, and the operator requires Recreate and 1 replica only with a ReadWriteOnce claim: for restarts and upgrades without downtime run `regctl config set rolloutStrategy=RollingUpdate replicas=2`/;
    const s3 = await h.regctl(['set-storage', 's3', '--bucket', 'images', '--region', 'us-east-1', '--access-key-id', 'AKIAEXAMPLE', '--secret-access-key-stdin', '--dry-run'], { input: S3_SECRET });
    expect(s3.code, s3.stderr).toBe(0);
    expect(s3.stderr).toMatch(note);
    noSecrets(s3.all);
    const rwo = await h.regctl(['set-storage', 'pvc', '--claim', 'single', '--access-mode', 'ReadWriteOnce', '--yes', '--dry-run']);
    expect(rwo.code, rwo.stderr).toBe(0);
    expect(rwo.stderr).not.toMatch(/rolloutStrategy=RollingUpdate/);
    const r = await h.regctl(['set-storage', 'pvc', '--claim', 'shared', '--access-mode', 'ReadWriteMany', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/The registry storage is now pvc \(claim shared\)/);
    expect(r.stderr.match(note)?.[1]).toBe('pvc (claim shared)');
    expect(h.config().spec).toMatchObject({ rolloutStrategy: 'Recreate', replicas: 1, storage: { pvc: { claim: 'shared' } } });
    // The note's command is accepted by the operator for shared storage.
    const fix = await h.regctl(['config', 'set', 'rolloutStrategy=RollingUpdate', 'replicas=2']);
    expect(fix.code, fix.stderr).toBe(0);
    expect(h.config().spec).toMatchObject({ rolloutStrategy: 'RollingUpdate', replicas: 2 });
  });

  it('--wait exits 3 with the operator reason when the operator fails (claim deleted behind our back)', async () => {
    // Simulates a concurrent deletion right after regctl's patch: a failure no pre-flight can foresee.
    const off = sb.store.on((key, e) => {
      if (key === CFG && (e.object as any).spec?.storage?.pvc?.claim === 'vanishing' && sb.store.get('/persistentvolumeclaims', NS, 'vanishing')) {
        sb.store.delete('/persistentvolumeclaims', NS, 'vanishing');
      }
    });
    try {
      const r = await h.regctl(['set-storage', 'pvc', '--claim', 'vanishing', '--yes', '--wait', '--timeout', '60s']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/error: the operator reports Error: Unable to apply resources: unable to sync storage configuration: persistentvolumeclaims "vanishing" not found\nhint: /);
      expect(h.cond('StorageExists')).toMatchObject({ status: 'False' });
    } finally {
      off();
    }
  });
});

describe('set-storage on AWS (S3 with user credentials, 2 replicas)', () => {
  let sb: Sandbox;
  let dir: string;
  const h = helpers(() => sb);
  beforeAll(() => {
    sb = aws;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-set-storage-'));
    // A key of another storage type that must survive every update of the secret.
    const s = h.secret();
    sb.store.update('/secrets', { ...s, data: { ...s.data, EXTRA_KEY: b64('keep-me') } });
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('s3 on an S3-compatible endpoint (seed 004 minio), secret from stdin, -v, --wait', async () => {
    const r = await h.regctl(
      ['-v', 'set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--region-endpoint', 'http://minio.minio.svc.cluster.local:9000', '--no-encrypt', '--access-key-id', 'minio', '--secret-access-key-stdin', '--wait', '--timeout', '60s'],
      { input: `${S3_SECRET}\n` },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[api\] PATCH \/api\/v1\/namespaces\/openshift-image-registry\/secrets\/image-registry-private-configuration-user\?dryRun=All 200/);
    expect(r.stderr).toMatch(/patched Secret openshift-image-registry\/image-registry-private-configuration-user \(set REGISTRY_STORAGE_S3_ACCESSKEY, REGISTRY_STORAGE_S3_SECRETKEY; other keys kept\)/);
    noSecrets(r.all);
    const data = h.secret().data;
    expect(unb64(data.REGISTRY_STORAGE_S3_ACCESSKEY)).toBe('minio');
    expect(unb64(data.REGISTRY_STORAGE_S3_SECRETKEY)).toBe(S3_SECRET);
    expect(unb64(data.EXTRA_KEY)).toBe('keep-me');
    const storage = h.config().spec.storage;
    expect(storage.s3).toMatchObject({ bucket: 'minio-service', region: 'dummyregion', regionEndpoint: 'http://minio.minio.svc.cluster.local:9000', encrypt: false });
    expect(Object.keys(storage).sort()).toEqual(['managementState', 's3']);
    expect(h.config().status.storage.s3.bucket).toBe('minio-service');
    expect(h.cond('Available')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(h.cond('StorageExists')).toMatchObject({ status: 'True', reason: 'S3 Bucket Exists' });
    const env = (sb.store.get('apps/deployments', NS, 'image-registry') as any).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'REGISTRY_STORAGE_S3_REGIONENDPOINT', value: 'http://minio.minio.svc.cluster.local:9000' });
  });

  it('the same again with AWS_* environment credentials is a no-op', async () => {
    const rv = h.secret().metadata.resourceVersion;
    const r = await h.regctl(['set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--region-endpoint', 'http://minio.minio.svc.cluster.local:9000', '--no-encrypt'], {
      env: { AWS_ACCESS_KEY_ID: 'minio', AWS_SECRET_ACCESS_KEY: S3_SECRET },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Using the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(r.stderr).toMatch(/Nothing to change/);
    expect(h.secret().metadata.resourceVersion).toBe(rv);
    noSecrets(r.all);
  });

  it('--dry-run with new credentials shows <redacted> values and changes nothing', async () => {
    const file = path.join(dir, 'aws-secret');
    fs.writeFileSync(file, S3_SECRET_2);
    const [text, json] = await Promise.all([
      h.regctl(['-v', 'set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--access-key-id', 'minio2', '--secret-access-key-file', file, '--dry-run']),
      h.regctl(['set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--access-key-id', 'minio2', '--secret-access-key-file', file, '--dry-run', '-o', 'json']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/# 1\. patch Secret openshift-image-registry\/image-registry-private-configuration-user .*\(application\/merge-patch\+json\)\ndata:\n  REGISTRY_STORAGE_S3_ACCESSKEY: <redacted>\n  REGISTRY_STORAGE_S3_SECRETKEY: <redacted>\n/);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    // The plan as data (issue 18): kind Plan, the patch exactly as it would be sent, values redacted.
    expect(out).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'set-storage-s3', dryRun: 'client' });
    expect(out.steps[0]).toMatchObject({ action: 'patch', target: { apiVersion: 'v1', kind: 'Secret', namespace: NS, name: USER_SECRET }, patchType: 'merge', patch: { data: { REGISTRY_STORAGE_S3_ACCESSKEY: '<redacted>', REGISTRY_STORAGE_S3_SECRETKEY: '<redacted>' } } });
    // Same type: the fields not given (regionEndpoint, encrypt …) are kept, so only the secret changes (issue 17).
    expect(out.steps).toHaveLength(1);
    noSecrets(text.all + json.all);
    expect(unb64(h.secret().data.REGISTRY_STORAGE_S3_SECRETKEY)).toBe(S3_SECRET);
    expect(h.config().spec.storage.s3.regionEndpoint).toBe('http://minio.minio.svc.cluster.local:9000');
  });

  it('pre-flight refusals: missing credential keys, a missing trusted CA ConfigMap, oss', async () => {
    const before = JSON.stringify(h.config().spec);
    const [gcs, ca, oss] = await Promise.all([
      h.regctl(['set-storage', 'gcs', '--bucket', 'b']),
      h.regctl(['set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--trusted-ca', 'minio-ca']),
      h.regctl(['set-storage', 'oss', '--bucket', 'b']),
    ]);
    expect(gcs.code).toBe(2);
    expect(gcs.stderr).toMatch(/^error: no gcs credentials: secret openshift-image-registry\/image-registry-private-configuration-user would lack REGISTRY_STORAGE_GCS_KEYFILE .*; nothing was changed\nhint: pass the service-account key with --key-file/);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toMatch(/^error: ConfigMap openshift-config\/minio-ca \(--trusted-ca\) does not exist; nothing was changed\nhint: create it first/);
    expect(oss.code).toBe(2);
    expect(oss.stderr).toMatch(/^error: oss storage is not supported: current registry operators have no OSS driver/);
    expect(JSON.stringify(h.config().spec)).toBe(before);
  });

  it('seed 004\'s scheme-less regionEndpoint (host:port): exit 2, the hint gives the value with its scheme', async () => {
    const before = JSON.stringify(h.config().spec);
    const r = await h.regctl(['set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--region-endpoint', 'minio.svc.cluster.local:9000', '--no-encrypt', '--dry-run']);
    expect(r.code, r.all).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: invalid --region-endpoint "minio.svc.cluster.local:9000": no scheme (http:// or https://)\n' +
        'hint: write it with its scheme: --region-endpoint https://minio.svc.cluster.local:9000 (or http://minio.svc.cluster.local:9000 for a plain-HTTP endpoint)\n',
    );
    expect(JSON.stringify(h.config().spec)).toBe(before);
  });

  it('a user secret missing a key (the degraded profile) is refused; giving the key fixes it and --wait sees the recovery', async () => {
    const s = h.secret();
    const { REGISTRY_STORAGE_S3_SECRETKEY: _drop, ...rest } = s.data;
    sb.store.update('/secrets', { ...s, data: rest });
    await sb.waitFor(() => h.cond('Progressing')?.reason === 'Error', 20_000);
    const args = ['set-storage', 's3', '--bucket', 'minio-service', '--region', 'dummyregion', '--region-endpoint', 'http://minio.minio.svc.cluster.local:9000', '--no-encrypt'];
    const refused = await h.regctl(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: no s3 credentials: secret openshift-image-registry\/image-registry-private-configuration-user would lack REGISTRY_STORAGE_S3_SECRETKEY/);
    const fixed = await h.regctl([...args, '--access-key-id', 'minio', '--secret-access-key-stdin', '--wait', '--timeout', '60s'], { input: S3_SECRET });
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toMatch(/patched Secret .*\(set REGISTRY_STORAGE_S3_SECRETKEY; other keys kept\)/);
    expect(fixed.stderr).toMatch(/The registry is Available on s3/);
    noSecrets(refused.all + fixed.all);
    expect(h.cond('Progressing')).toMatchObject({ status: 'False', reason: 'Ready' });
  });

  it('gcs, azure, swift and ibmcos: credentials land in the secret and the operator takes each storage', async () => {
    h.pushImage();
    const keyFile = path.join(dir, 'gcs.json');
    fs.writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: 'p', private_key: GCS_PRIVATE_KEY }));
    const cases: Array<{ args: string[]; input?: string; env?: Record<string, string>; key: string; value: string; storage: Record<string, unknown>; exists: string }> = [
      { args: ['gcs', '--bucket', 'reg-gcs', '--project-id', 'p', '--key-file', keyFile], key: 'REGISTRY_STORAGE_GCS_KEYFILE', value: fs.readFileSync(keyFile, 'utf8'), storage: { gcs: { bucket: 'reg-gcs', projectID: 'p' } }, exists: 'GCS Bucket Exists' },
      { args: ['azure', '--account-name', 'acct', '--container', 'registry', '--account-key-stdin'], input: AZURE_KEY, key: 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY', value: AZURE_KEY, storage: { azure: { accountName: 'acct', container: 'registry' } }, exists: 'Azure Container Exists' },
      { args: ['swift', '--container', 'registry', '--auth-url', 'https://keystone.example:5000/v3', '--username', 'svc', '--password-stdin'], input: `${SWIFT_PASSWORD}\n`, key: 'REGISTRY_STORAGE_SWIFT_PASSWORD', value: SWIFT_PASSWORD, storage: { swift: { container: 'registry', authURL: 'https://keystone.example:5000/v3' } }, exists: 'Swift container Exists' },
      { args: ['ibmcos', '--bucket', 'reg-cos', '--location', 'us-east'], env: { IBMCLOUD_API_KEY: IBM_KEY }, key: 'REGISTRY_STORAGE_IBMCOS_IAMAPIKEY', value: IBM_KEY, storage: { ibmcos: { bucket: 'reg-cos', location: 'us-east' } }, exists: 'IBM COS Bucket Exists' },
    ];
    for (const c of cases) {
      const r = await h.regctl(['-v', 'set-storage', ...c.args, '--yes', '--wait', '--timeout', '60s'], { input: c.input, env: c.env });
      expect(r.stderr).toMatch(/The registry is Available on /);
      expect(r.code).toBe(0);
      noSecrets(r.all);
      expect(unb64(h.secret().data[c.key])).toBe(c.value);
      expect(unb64(h.secret().data.EXTRA_KEY)).toBe('keep-me');
      const storage = h.config().spec.storage;
      expect(storage).toMatchObject(c.storage);
      expect(Object.keys(storage).filter((k) => k !== 'managementState')).toEqual(Object.keys(c.storage));
      expect(h.cond('StorageExists')).toMatchObject({ status: 'True', reason: c.exists });
      expect(h.cond('Available')).toMatchObject({ status: 'True' });
    }
  });

  it('--storage-management sets spec.storage.managementState only', async () => {
    const r = await h.regctl(['set-storage', 'ibmcos', '--bucket', 'reg-cos', '--location', 'us-east', '--storage-management', 'Managed', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).writes).toEqual([{ action: 'patch', kind: 'Config', name: 'cluster', patchType: 'json', body: [{ op: 'replace', path: '/spec/storage/managementState', value: 'Managed' }] }]);
    expect(h.config().spec.storage.managementState).toBe('Managed');
  });
});
