// `regctl status` and `regctl doctor` on the health states a real cluster reaches while the registry's own
// Available condition stays True: a rollout stuck on a ReadWriteOnce claim (Degraded ProgressDeadlineExceeded),
// a missing additionalTrustedCA ConfigMap (ImageRegistryCertificatesControllerDegraded), node-ca pods that never
// become ready (NodeCADaemonAvailable False) — and a Removed registry in JSON. status must use the ClusterOperator's
// union of conditions, report the failing condition's reason and message, exit 3, and doctor must agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.js';

const NS = 'openshift-image-registry';
const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const COS = 'config.openshift.io/clusteroperators';

describe('status and doctor: Degraded while Available, and sub-controller conditions', () => {
  let sb: Sandbox;
  let home: string;
  const env = () => ({ ...sb.env, HOME: home });
  const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, home);
  const cond = (s: Sandbox['store'], type: string) => ((s.get(CONFIGS, undefined, 'cluster')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
  const coCond = (s: Sandbox['store'], type: string) => ((s.get(COS, undefined, 'image-registry')?.status as any)?.conditions ?? []).find((c: any) => c.type === type);
  // The deployment controller has caught up (a rollout the operator just started is not yet in its conditions).
  const settled = (s: Sandbox['store']) => {
    const d = s.get('apps/deployments', NS, 'image-registry') as any;
    const want = d?.spec?.replicas;
    return !!d && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && d.status?.replicas === want && d.status?.updatedReplicas === want && d.status?.availableReplicas === want;
  };
  const healthy = (s: Sandbox['store']) =>
    settled(s) && cond(s, 'Available')?.reason === 'Ready' && cond(s, 'Progressing')?.status === 'False' && coCond(s, 'Degraded')?.status === 'False' && coCond(s, 'Available')?.status === 'True';

  async function statusJson() {
    const r = await runCli(['status', '-o', 'json'], { env: env() });
    expect(r.all).not.toContain(sb.tokens.admin);
    return { r, s: JSON.parse(r.stdout) };
  }
  async function doctorOperator() {
    const r = await runCli(['doctor', '--only', 'management-state,operator', '-o', 'json'], { env: env() });
    expect(r.all).not.toContain(sb.tokens.admin);
    const report = JSON.parse(r.stdout);
    return { r, check: (id: string) => report.checks.find((c: any) => c.id === id) };
  }

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-health-'));
    // The operator renders progressDeadlineSeconds: 120 as CIRO does; the sandbox's deployment controller is told
    // to give up after 2 s instead.
    sb = await startSandbox({ profile: 'aws', progressDeadlineMs: 2_000 });
  });
  afterAll(async () => {
    await sb?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('a RollingUpdate stuck on a ReadWriteOnce claim: Degraded ProgressDeadlineExceeded while Available; the hint fixes it', async () => {
    fs.writeFileSync(path.join(home, 'pvc.yaml'), `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: registry-rwo, namespace: ${NS}}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Gi}}}\n`);
    expect((await kubectl(['apply', '-f', path.join(home, 'pvc.yaml')])).code).toBe(0);
    // Valid when set (one replica, Recreate): the operator checks access modes only when the storage changes.
    const toPvc = await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p',
      '{"spec":{"replicas":1,"rolloutStrategy":"Recreate","storage":{"s3":null,"pvc":{"claim":"registry-rwo"}}}}']);
    expect(toPvc.stderr).toBe('');
    await sb.waitFor((s) => healthy(s) && (s.get('apps/deployments', NS, 'image-registry')?.spec as any)?.template?.spec?.volumes?.some((v: any) => v.persistentVolumeClaim?.claimName === 'registry-rwo'), 30_000);
    // Later switched to RollingUpdate, and a change that rolls the pods: the new pod lands on another node.
    const roll = await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"rolloutStrategy":"RollingUpdate","logLevel":"Debug"}}']);
    expect(roll.code).toBe(0);
    await sb.waitFor((s) => coCond(s, 'Degraded')?.status === 'True', 30_000);
    expect(cond(sb.store, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumAvailability' });
    expect(coCond(sb.store, 'Available')).toMatchObject({ status: 'True' });
    expect(coCond(sb.store, 'Degraded')).toMatchObject({ reason: 'ProgressDeadlineExceeded' });
    const ev = await kubectl(['get', 'events', '-n', NS, '--field-selector', 'reason=FailedAttachVolume', '-o', 'json']);
    expect(JSON.parse(ev.stdout).items[0].message).toMatch(/^Multi-Attach error for volume "pvc-[0-9a-f-]+" Volume is already used by pod\(s\) image-registry-/);

    const { r, s } = await statusJson();
    expect(r.code).toBe(3);
    expect(s.health).toMatchObject({ available: true, degraded: true, reason: 'ProgressDeadlineExceeded' });
    expect(s.health.message).toMatch(/^Registry deployment has timed out progressing: ReplicaSet "image-registry-[a-z0-9]+" has timed out progressing\.$/);
    const human = await runCli(['status'], { env: env() });
    expect(human.code).toBe(3);
    const lines = human.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: the registry is degraded: ProgressDeadlineExceeded: Registry deployment has timed out progressing: /);
    expect(lines[1]).toMatch(/^hint: .*`regctl config set rolloutStrategy=Recreate`/);
    const d = await doctorOperator();
    expect(d.r.code).toBe(3);
    expect(d.check('operator')).toMatchObject({ verdict: 'fail', summary: `Degraded: ProgressDeadlineExceeded: ${s.health.message}` });

    // The hint's fix: Recreate stops the old pod, the volume moves, the rollout finishes.
    expect((await runCli(['config', 'set', 'rolloutStrategy=Recreate'], { env: env() })).code).toBe(0);
    await sb.waitFor((st) => healthy(st), 30_000);
    expect((await runCli(['status'], { env: env() })).code).toBe(0);
  }, 50_000);

  it('a missing additionalTrustedCA ConfigMap: ImageRegistryCertificatesControllerDegraded; trust-ca add fixes it', async () => {
    const p = await kubectl(['patch', 'images.config.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"additionalTrustedCA":{"name":"missing-cas"}}}']);
    expect(p.code).toBe(0);
    await sb.waitFor((st) => cond(st, 'ImageRegistryCertificatesControllerDegraded')?.status === 'True' && coCond(st, 'Degraded')?.status === 'True', 20_000);
    const message = `failed to update object *v1.ConfigMap, Namespace=${NS}, Name=image-registry-certificates: image-registry-certificates: configmap "missing-cas" not found`;
    expect(coCond(sb.store, 'Degraded')).toMatchObject({ reason: 'ImageRegistryCertificatesControllerError', message: `ImageRegistryCertificatesControllerDegraded: ${message}` });
    expect(coCond(sb.store, 'Available')?.status).toBe('True');

    const { r, s } = await statusJson();
    expect(r.code).toBe(3);
    expect(s.health).toMatchObject({ available: true, degraded: true, reason: 'ImageRegistryCertificatesControllerError', message });
    const human = await runCli(['status'], { env: env() });
    expect(human.code).toBe(3);
    expect(human.stderr).toBe(
      `error: the registry is degraded: ImageRegistryCertificatesControllerError: ${message}\n` +
        'hint: image.config.openshift.io/cluster spec.additionalTrustedCA names ConfigMap "missing-cas", which is not in openshift-config: create it with `regctl trust-ca add HOST[:PORT] --ca FILE`, or drop the reference\n',
    );
    const d = await doctorOperator();
    expect(d.r.code).toBe(3);
    expect(d.check('operator')).toMatchObject({ verdict: 'fail', summary: `Degraded: ImageRegistryCertificatesControllerError: ${message}` });

    const ca = path.join(home, 'ca.pem');
    fs.writeFileSync(ca, sb.caPems.service);
    expect((await runCli(['trust-ca', 'add', 'registry.example.com:5000', '--ca', ca], { env: env() })).code).toBe(0);
    await sb.waitFor((st) => cond(st, 'ImageRegistryCertificatesControllerDegraded')?.status === 'False' && healthy(st), 20_000);
    expect((await runCli(['status'], { env: env() })).code).toBe(0);
  }, 40_000);

  it('node-ca pods crash-looping: NodeCADaemonAvailable False makes the union unavailable; status and doctor say so', async () => {
    const nodeCa = sb.store.list('/pods', NS, { labelSelector: 'name=node-ca' }).items;
    expect(nodeCa.length).toBeGreaterThan(0);
    for (const p of nodeCa) sb.crashLoop(NS, p.metadata.name!);
    await sb.waitFor((st) => cond(st, 'NodeCADaemonAvailable')?.status === 'False' && coCond(st, 'Available')?.status === 'False', 20_000);
    expect(cond(sb.store, 'Available')).toMatchObject({ status: 'True', reason: 'Ready' });
    const co = JSON.parse((await kubectl(['get', 'clusteroperator', 'image-registry', '-o', 'json'])).stdout);
    const coAvailable = co.status.conditions.find((c: any) => c.type === 'Available');
    expect(coAvailable).toMatchObject({ status: 'False', reason: 'NodeCADaemonNoAvailableReplicas::Ready' });

    const { r, s } = await statusJson();
    expect(r.code).toBe(3);
    expect(s.health).toMatchObject({ available: false, degraded: false, reason: 'NodeCADaemonNoAvailableReplicas', message: 'The daemon set node-ca does not have available replicas' });
    const human = await runCli(['status'], { env: env() });
    expect(human.code).toBe(3);
    const lines = human.stderr.trim().split('\n');
    expect(lines[0]).toBe('error: the registry is not available: NodeCADaemonNoAvailableReplicas: The daemon set node-ca does not have available replicas');
    expect(lines[1]).toMatch(new RegExp(`^hint: .*\`regctl logs --pod ${nodeCa[0]!.metadata.name} --previous\``));
    const hinted = /`regctl (logs --pod \S+ --previous)`/.exec(lines[1]!)![1]!.split(' ');
    const logs = await runCli(hinted, { env: env() });
    expect(logs.code, logs.stderr).toBe(0);
    const d = await doctorOperator();
    expect(d.r.code).toBe(3);
    expect(d.check('operator')).toMatchObject({ verdict: 'fail', summary: 'not Available: NodeCADaemonNoAvailableReplicas: The daemon set node-ca does not have available replicas' });

    expect((await kubectl(['delete', 'pod', '-n', NS, '-l', 'name=node-ca', '--wait=false'])).code).toBe(0);
    await sb.waitFor((st) => cond(st, 'NodeCADaemonAvailable')?.status === 'True' && healthy(st), 20_000);
    expect((await runCli(['status'], { env: env() })).code).toBe(0);
  }, 40_000);

  it('Removed: -o json never says available while exiting 3; doctor fails management-state', async () => {
    const p = await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Removed"}}']);
    expect(p.code).toBe(0);
    await sb.waitFor((st) => cond(st, 'Removed')?.status === 'True' && !st.get('apps/deployments', NS, 'image-registry'), 20_000);
    expect(coCond(sb.store, 'Available')).toMatchObject({ status: 'True', reason: 'Removed' });
    const { r, s } = await statusJson();
    expect(r.code).toBe(3);
    expect(s.health.available).toBe(false);
    expect(s.health.reason).toBe('Removed');
    const d = await doctorOperator();
    expect(d.r.code).toBe(3);
    expect(d.check('management-state')).toMatchObject({ verdict: 'fail' });
  }, 30_000);
});
