// set-storage pvc on AWS, whose default storage class binds WaitForFirstConsumer (the sandbox's PV controller and
// scheduler, test/sandbox/operator/volumes.ts): the claim is Pending until the registry pod that uses it is
// scheduled, so --wait must not wait for the claim first, and an existing Pending claim of such a class is no reason
// to warn that the registry pod waits for it (the claim waits for the pod).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.js';

const NS = 'openshift-image-registry';
const PVC = '/persistentvolumeclaims';

describe('set-storage pvc on a WaitForFirstConsumer default class (AWS)', () => {
  let sb: Sandbox;
  let home: string;
  const env = () => ({ ...sb.env, HOME: home });
  const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, home);
  const claim = (name: string) => sb.store.get(PVC, NS, name) as any;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-wffc-'));
    sb = await startSandbox({ profile: 'aws' });
  });
  afterAll(async () => {
    await sb?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('an existing Pending claim of a WaitForFirstConsumer class: no "waits until it is bound" warning; --wait sees it bound and Available', async () => {
    const file = path.join(home, 'pre.yaml');
    fs.writeFileSync(file, `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pre, namespace: ${NS}}\nspec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 50Gi}}}\n`);
    expect((await kubectl(['apply', '-f', file])).code).toBe(0);
    expect(claim('pre').status.phase).toBe('Pending');
    const r = await runCli(['set-storage', 'pvc', '--claim', 'pre', '--yes', '--wait', '--timeout', '60s'], { env: env() });
    expect(r.all).not.toContain(sb.tokens.admin);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('waits until it is bound');
    expect(claim('pre').status.phase).toBe('Bound');
    expect(claim('pre').spec.volumeName).toBe(`pvc-${claim('pre').metadata.uid}`);
  });

  it('a new claim: created Pending, bound once the registry pod is scheduled; --wait exits 0', async () => {
    const r = await runCli(['set-storage', 'pvc', '--claim', 'fresh', '--yes', '--wait', '--timeout', '60s'], { env: env() });
    expect(r.code).toBe(0);
    const c = claim('fresh');
    expect(c.spec.storageClassName).toBe('standard');
    expect(c.status.phase).toBe('Bound');
    const ev = await kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=fresh', '-o', 'jsonpath={.items[*].reason}']);
    expect(ev.stdout).toContain('ProvisioningSucceeded');
  });
});
