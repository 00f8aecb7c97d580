// Fault matrix, registry-wide commands (they share the registry Config and image.config, so they run one at a time
// on one sandbox): expose default/custom route, config set, set-storage pvc/s3, trust-ca add/remove.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { expectNoViolations, makeRunner, renderMatrix, type Case, type Row } from './support/matrix.js';

const CFG = 'imageregistry.operator.openshift.io/configs';
const IMG = 'config.openshift.io/images';
const RNS = 'openshift-image-registry';
let sb: Sandbox;
let tmp: string;
let original: any;
const rows: Row[] = [];

const cfg = (): any => sb.store.get(CFG, undefined, 'cluster');
const imageConfig = (): any => sb.store.get(IMG, undefined, 'cluster');
/** Writes spec fields of the Config as a cluster admin would (kubectl edit). */
function setSpec(edit: (spec: any) => void): void {
  const c = structuredClone(cfg());
  edit(c.spec);
  sb.store.update(CFG, c);
}
function drop(key: string, ns: string | undefined, name: string): void {
  if (sb.store.get(key, ns, name)) sb.store.delete(key, ns, name);
}

function cases(): Case[] {
  const caFile = path.join(tmp, 'ca.pem');
  fs.writeFileSync(caFile, sb.caPems.ingress);
  const trustState = () => {
    const ref = imageConfig().spec?.additionalTrustedCA?.name ?? null;
    const cm: any = ref ? sb.store.get('/configmaps', 'openshift-config', ref) : sb.store.get('/configmaps', 'openshift-config', 'registry-cas');
    return { ref, cm: cm ? Object.keys(cm.data ?? {}).sort() : null };
  };
  const unsetTrust = () => {
    const ic = structuredClone(imageConfig());
    delete ic.spec.additionalTrustedCA;
    sb.store.update(IMG, ic);
    drop('/configmaps', 'openshift-config', 'registry-cas');
  };
  return [
    {
      name: 'expose default route',
      args: ['expose', '--default-route', '--no-wait'],
      reset: () => setSpec((s) => (s.defaultRoute = false)),
      state: () => cfg().spec.defaultRoute ?? false,
      wanted: () => cfg().spec.defaultRoute === true,
    },
    {
      name: 'expose custom route',
      args: ['expose', '--route', 'fault-route', '--hostname', 'fault-route.apps.sandbox.example.com', '--no-wait'],
      reset: () => setSpec((s) => delete s.routes),
      state: () => cfg().spec.routes ?? [],
      wanted: () => (cfg().spec.routes ?? []).some((r: any) => r.name === 'fault-route'),
    },
    {
      name: 'config set',
      args: ['config', 'set', 'logLevel=Debug'],
      reset: () => setSpec((s) => (s.logLevel = 'Normal')),
      state: () => cfg().spec.logLevel,
      wanted: () => cfg().spec.logLevel === 'Debug',
    },
    {
      name: 'set-storage pvc',
      args: ['set-storage', 'pvc', '--claim', 'fault-claim', '--yes'],
      reset: () => {
        setSpec((s) => Object.assign(s, { storage: original.storage, replicas: original.replicas, rolloutStrategy: original.rolloutStrategy }));
        drop('/persistentvolumeclaims', RNS, 'fault-claim');
      },
      state: () => ({ storage: cfg().spec.storage, replicas: cfg().spec.replicas, strategy: cfg().spec.rolloutStrategy, pvc: Boolean(sb.store.get('/persistentvolumeclaims', RNS, 'fault-claim')) }),
      wanted: () => cfg().spec.storage?.pvc?.claim === 'fault-claim' && Boolean(sb.store.get('/persistentvolumeclaims', RNS, 'fault-claim')),
    },
    {
      name: 'set-storage s3',
      args: ['set-storage', 's3', '--bucket', 'fault-bucket', '--region', 'us-east-1', '--yes'],
      reset: () => setSpec((s) => Object.assign(s, { storage: original.storage, replicas: original.replicas, rolloutStrategy: original.rolloutStrategy })),
      state: () => cfg().spec.storage,
      wanted: () => cfg().spec.storage?.s3?.bucket === 'fault-bucket',
    },
    {
      name: 'trust-ca add',
      args: ['trust-ca', 'add', 'fault.example.com', '--ca', caFile],
      reset: unsetTrust,
      state: trustState,
      wanted: () => trustState().ref === 'registry-cas' && (trustState().cm ?? []).includes('fault.example.com'),
    },
    {
      name: 'trust-ca remove',
      args: ['trust-ca', 'remove', 'fault.example.com'],
      reset: () => {
        unsetTrust();
        sb.store.create('/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-cas', namespace: 'openshift-config' }, data: { 'fault.example.com': sb.caPems.ingress, 'keep.example.com': sb.caPems.ingress } });
        const ic = structuredClone(imageConfig());
        ic.spec.additionalTrustedCA = { name: 'registry-cas' };
        sb.store.update(IMG, ic);
      },
      state: trustState,
      wanted: () => !(trustState().cm ?? []).includes('fault.example.com') && (trustState().cm ?? []).includes('keep.example.com'),
    },
  ];
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-faults-'));
  original = structuredClone(cfg().spec);
});
afterAll(async () => {
  if (rows.length) process.stderr.write(renderMatrix('registry-wide commands', rows));
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('fault matrix: registry-wide commands', () => {
  it('every command under every fault: no false success, no unreported change, converges, then idempotent', { timeout: 280_000 }, async () => {
    const { matrix } = makeRunner(sb, { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: tmp });
    await matrix(cases(), rows);
    expectNoViolations(rows);
  });
});
