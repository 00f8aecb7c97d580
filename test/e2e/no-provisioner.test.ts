// Bare metal's default class `standard` has provisioner kubernetes.io/no-provisioner: a claim binds only to a
// matching PersistentVolume the admin created. `set-storage pvc` warns before writing, doctor's storage check fails
// with what the volume needs; after `kubectl create -f pv.yaml` the claim binds and both are quiet.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/doctor/model.js';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';
import { runTool } from './support/tool.ts';

const NS = 'openshift-image-registry';
const CLAIM = 'image-registry-storage';

let sb: Sandbox;
let t: LoginEnv;
beforeAll(async () => {
  sb = await startSandbox({ profile: 'baremetal' });
  t = await loginEnv(sb, 'no-provisioner');
});
afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

const claim = () => sb.store.get('/persistentvolumeclaims', NS, CLAIM) as any;
const storageCheck = (stdout: string) => (JSON.parse(stdout) as DoctorReport).checks.find((c) => c.id === 'storage')!;
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, t.home);

describe('kubernetes.io/no-provisioner default class (bare metal)', () => {
  it('set-storage pvc --dry-run warns that no PersistentVolume matches and says what one needs; nothing is created', async () => {
    const r = await t.cli(['set-storage', 'pvc', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('storage class standard has provisioner kubernetes.io/no-provisioner: it creates no volumes, and no Available PersistentVolume matches the claim (storageClassName standard, accessModes [ReadWriteMany], capacity >= 100Gi)');
    expect(r.stderr).toContain('kubectl create -f pv.yaml');
    expect(claim()).toBeUndefined();
    expect(sb.store.list('/persistentvolumes').items).toEqual([]);
  });

  it('set-storage pvc writes with the warning; the claim stays Pending, no volume appears, doctor fails with the fix', async () => {
    const r = await t.cli(['set-storage', 'pvc']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Warning: storage class standard has provisioner kubernetes\.io\/no-provisioner/);
    await sb.waitFor((s) => (s.list('/events', NS).items as any[]).some((e) => e.reason === 'FailedScheduling' && e.message.includes("didn't find available persistent volumes to bind")), 15_000);
    expect(claim().status.phase).toBe('Pending');
    expect(sb.store.list('/persistentvolumes').items).toEqual([]);

    const d = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(d.code).toBe(3);
    const c = storageCheck(d.stdout);
    expect(c).toMatchObject({
      verdict: 'fail',
      summary: `PersistentVolumeClaim ${CLAIM} stays Pending: storage class standard has provisioner kubernetes.io/no-provisioner, which creates no volumes, and no Available PersistentVolume matches the claim (storageClassName standard, accessModes [ReadWriteMany], capacity >= 100Gi)`,
    });
    expect(c.fix).toMatch(/^kubectl create -f pv\.yaml {2}# a PersistentVolume with spec\.storageClassName: standard, spec\.accessModes: \[ReadWriteMany\], spec\.capacity\.storage: 100Gi/);
  });

  it('a too small PersistentVolume changes nothing; a matching one (kubectl create) binds, the registry runs, doctor and set-storage are quiet', async () => {
    const file = path.join(t.tmp, 'pv.yaml');
    const pv = (name: string, size: string) => `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ${name}}\nspec: {capacity: {storage: ${size}}, accessModes: [ReadWriteMany], storageClassName: standard, persistentVolumeReclaimPolicy: Retain, nfs: {server: nfs.example.com, path: /exports/${name}}}\n`;
    fs.writeFileSync(file, pv('small', '10Gi'));
    expect((await kubectl(['create', '-f', file])).code).toBe(0);
    await sb.waitFor((s) => (s.get('/persistentvolumes', undefined, 'small') as any)?.status?.phase === 'Available', 10_000);
    const still = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(storageCheck(still.stdout).verdict).toBe('fail');
    expect(claim().status.phase).toBe('Pending');

    fs.writeFileSync(file, pv('registry-pv', '200Gi'));
    const k = await kubectl(['create', '-f', file]);
    expect(k.code, k.stderr).toBe(0);
    await sb.waitFor(() => claim()?.status?.phase === 'Bound', 15_000);
    expect(claim().spec.volumeName).toBe('registry-pv');
    const got = await kubectl(['get', 'pv', 'registry-pv', '-o', 'jsonpath={.status.phase} {.spec.claimRef.namespace}/{.spec.claimRef.name}']);
    expect(got.stdout).toBe(`Bound ${NS}/${CLAIM}`);
    await sb.waitFor((s) => (s.list('/pods', NS).items as any[]).some((p) => p.metadata.name.startsWith('image-registry-') && p.spec.nodeName), 15_000);

    const d = await t.cli(['doctor', '--certs-dir', t.certsDir, '-o', 'json']);
    expect(storageCheck(d.stdout).verdict).toBe('ok');
    const again = await t.cli(['set-storage', 'pvc']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('no-provisioner');
  });
});
