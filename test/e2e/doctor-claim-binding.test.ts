// doctor's storage check on claims that are Pending for reasons of the storage class, as a real cluster binds them
// (the sandbox's PV controller + scheduler, test/sandbox/operator/volumes.ts): on AWS the default class binds on
// WaitForFirstConsumer, so a claim no scheduled registry pod uses yet is Pending and is not the fault; a claim that
// names no class on a cluster without a default class stays Pending forever, and that is the fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.js';

const NS = 'openshift-image-registry';
const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const PVC = '/persistentvolumeclaims';

describe('doctor storage: claims waiting for their first consumer, and claims no class will bind', () => {
  let sb: Sandbox;
  let home: string;
  const env = () => ({ ...sb.env, HOME: home });
  const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, home);
  const claim = (name: string) => sb.store.get(PVC, NS, name) as any;

  async function storageCheck() {
    const r = await runCli(['doctor', '--only', 'storage', '-o', 'json'], { env: env() });
    expect(r.all).not.toContain(sb.tokens.admin);
    const report = JSON.parse(r.stdout);
    return { r, check: report.checks.find((c: any) => c.id === 'storage') };
  }

  function writeClaim(name: string, extra = ''): string {
    const file = path.join(home, `${name}.yaml`);
    fs.writeFileSync(file, `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}, namespace: ${NS}}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}${extra}}\n`);
    return file;
  }

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-claimbind-'));
    sb = await startSandbox({ profile: 'aws' });
  });
  afterAll(async () => {
    await sb?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('a WaitForFirstConsumer claim with no registry pod scheduled (0 replicas) is not blamed; once a pod runs it is Bound', async () => {
    expect((await kubectl(['apply', '-f', writeClaim('reg-wffc')])).code).toBe(0);
    // The DefaultStorageClass admission named the class; nothing uses the claim, so it waits.
    expect(claim('reg-wffc').spec.storageClassName).toBe('standard');
    const patch = JSON.stringify({ spec: { replicas: 0, rolloutStrategy: 'Recreate', storage: { s3: null, pvc: { claim: 'reg-wffc' } } } });
    expect((await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', patch])).code).toBe(0);
    await sb.waitFor((s) => (s.get(CONFIGS, undefined, 'cluster')?.status as any)?.storage?.pvc?.claim === 'reg-wffc', 15_000);
    const ev = await kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=reg-wffc', '-o', 'jsonpath={.items[*].reason}']);
    expect(ev.stdout).toContain('WaitForFirstConsumer');
    expect(claim('reg-wffc').status.phase).toBe('Pending');

    const { check } = await storageCheck();
    expect(check.verdict).toBe('warn');
    expect(check.summary).toBe('PersistentVolumeClaim reg-wffc is Pending until a pod that uses it is scheduled (storage class standard binds WaitForFirstConsumer), and the registry has 0 replicas');
    expect(check.fix).toBe('regctl config set replicas=1');

    // The fix it names: the registry pod is scheduled, the claim binds to a provisioned volume, the check passes.
    const fix = await runCli(['config', 'set', 'replicas=1'], { env: env() });
    expect(fix.code).toBe(0);
    const running = (s: Sandbox['store']) =>
      s.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items.filter((p: any) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running') as any[];
    await sb.waitFor((s) => (s.get(PVC, NS, 'reg-wffc')?.status as any)?.phase === 'Bound' && running(s).length === 1, 20_000);
    const bound = claim('reg-wffc');
    const pods = running(sb.store);
    expect(bound.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(pods[0].spec.nodeName);
    const pv = await kubectl(['get', 'pv', bound.spec.volumeName, '-o', 'jsonpath={.spec.claimRef.name} {.spec.storageClassName}']);
    expect(pv.stdout).toBe('reg-wffc standard');
    const table = await kubectl(['get', 'pv', bound.spec.volumeName]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${bound.spec.volumeName}\\s+10Gi\\s+RWO\\s+Delete\\s+Bound\\s+${NS}/reg-wffc\\s+standard\\s+<unset>\\s+\\S+$`));
    expect((await storageCheck()).check.verdict).toBe('ok');
  });

  it('a claim that names no class, on a cluster without a default class, stays Pending: fail naming the class to make default', async () => {
    expect((await kubectl(['annotate', 'storageclass', 'standard', 'storageclass.kubernetes.io/is-default-class-'])).code).toBe(0);
    expect((await kubectl(['apply', '-f', writeClaim('reg-noclass')])).code).toBe(0);
    expect(claim('reg-noclass').spec.storageClassName).toBeUndefined();
    const patch = JSON.stringify({ spec: { storage: { pvc: { claim: 'reg-noclass' } } } });
    expect((await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', patch])).code).toBe(0);
    await sb.waitFor((s) => (s.get(CONFIGS, undefined, 'cluster')?.status as any)?.storage?.pvc?.claim === 'reg-noclass', 15_000);
    const ev = await kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=reg-noclass', '-o', 'jsonpath={.items[*].message}']);
    expect(ev.stdout).toContain('no persistent volumes available for this claim and no storage class is set');

    const { r, check } = await storageCheck();
    expect(r.code).toBe(3);
    expect(check.verdict).toBe('fail');
    expect(check.summary).toBe('PersistentVolumeClaim reg-noclass names no storage class and the cluster has no default storage class: it stays Pending until a matching PersistentVolume exists');
    expect(check.fix).toBe('kubectl annotate storageclass standard storageclass.kubernetes.io/is-default-class=true');

    // The fix it names: the class becomes the default, the claim gets it (retroactive assignment) and binds.
    const [cmd, ...args] = check.fix.split(' ');
    expect(cmd).toBe('kubectl');
    expect((await kubectl(args)).code).toBe(0);
    await sb.waitFor((s) => (s.get(PVC, NS, 'reg-noclass')?.status as any)?.phase === 'Bound', 20_000);
    expect(claim('reg-noclass').spec.storageClassName).toBe('standard');
    expect((await storageCheck()).check.verdict).toBe('ok');
  });
});
