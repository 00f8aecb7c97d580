// regctl's health verdict (status) and the doctor's operator/management-state checks over real data: objects
// captured from live clusters (insights-operator archive samples) and the condition table of the operator's own
// status tests (cluster-image-registry-operator pkg/operator/status_test.go). Sources: test/fixtures/real/README.md.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStatus } from '../../src/cluster/status.js';
import { registryHealth, unionCondition, operatorInputs, type HealthCondition } from '../../src/cluster/health.js';
import { evaluateManagementState, evaluateOperator } from '../../src/doctor/checks-platform.js';
import { unhealthy } from '../../src/commands/status.run.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/real/image-registry-health');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));

const co = load('insights-clusteroperator-image-registry.json');
const config = load('insights-config-cluster.json');
const pruner = load('insights-imagepruner-cluster.json');
const gcsError = load('insights-config-cluster-gcs-error.json');
const table = load('ciro-sync-status-cases.json');

const raw = (cfg: any, clusterOperator: any = null, prunerObj: any = null) => ({
  config: cfg, co: clusterOperator, deploy: null, pods: null, imageConfig: null, routes: null, certs: null, pruner: prunerObj,
});

describe('the ClusterOperator union over a real cluster (insights archive, OCP 4.7.16)', () => {
  it('the config + pruner conditions union into exactly the ClusterOperator conditions the cluster reported', () => {
    const inputs = operatorInputs(config.status.conditions, pruner.status.conditions);
    for (const kind of ['Available', 'Progressing', 'Degraded'] as const) {
      const real = co.status.conditions.find((c: HealthCondition) => c.type === kind);
      expect(unionCondition(kind, inputs), kind).toEqual(real);
    }
  });

  it('status: healthy (Available Ready, not Degraded), the same from the config and from the ClusterOperator alone', () => {
    const s = buildStatus('https://api.example.com:6443', raw(config, co, pruner), {});
    expect(s.health).toEqual({ available: true, degraded: false, progressing: false, reason: 'Ready', message: 'The registry is ready' });
    const onlyCo = buildStatus('https://api.example.com:6443', raw(null, co), {});
    expect(onlyCo.health).toMatchObject({ available: true, degraded: false, progressing: false, reason: 'Ready' });
  });

  it('doctor: the operator check is ok and management-state Managed', () => {
    expect(evaluateOperator(config, co, pruner)).toMatchObject({ verdict: 'ok', summary: 'Available (Ready), not Degraded, ClusterOperator healthy' });
    expect(evaluateManagementState(config.spec).verdict).toBe('ok');
  });

  it('a sync error that leaves the registry serving (GCS without credentials): Available, Progressing Error — not a failure', () => {
    const v = registryHealth({ config: gcsError.status.conditions, managementState: gcsError.spec.managementState });
    expect(v).toMatchObject({ healthy: true, health: { available: true, degraded: false, progressing: true, reason: 'Ready' } });
    const d = evaluateOperator(gcsError, null);
    expect(d.verdict).toBe('warn');
    expect(d.summary).toMatch(/^Available, but still progressing: Error: Unable to apply resources: unable to sync storage configuration: unable to get cluster minted credentials/);
  });
});

describe('the operator status tests’ condition table (pkg/operator/status_test.go Test_syncStatus)', () => {
  for (const tc of table.cases as Array<{ name: string; managementState: string; expected: HealthCondition[] }>) {
    it(tc.name, () => {
      const get = (t: string) => tc.expected.find((c) => c.type === t)!;
      const removed = tc.managementState === 'Removed';
      const wantHealthy = get('Available').status === 'True' && get('Degraded').status === 'False' && !removed;
      const cfg = { spec: { managementState: tc.managementState, replicas: 2 }, status: { conditions: tc.expected } };
      const s = buildStatus('https://api.example.com:6443', raw(cfg), {});
      const v = registryHealth({ config: tc.expected, managementState: tc.managementState });
      expect(v.healthy).toBe(wantHealthy);
      expect(s.health.available).toBe(removed ? false : get('Available').status === 'True');
      expect(s.health.degraded).toBe(get('Degraded').status === 'True');
      if (removed) expect(s.health.reason).toBe('Removed');
      else if (get('Degraded').status === 'True') expect(s.health.reason).toBe(get('Degraded').reason);
      else if (get('Available').status !== 'True') expect(s.health.reason).toBe(get('Available').reason);
      else expect(s.health.reason).toBe(get('Available').reason);

      // status exits 3 exactly when doctor fails (management-state for Removed, operator otherwise).
      const doctor = removed ? evaluateManagementState(cfg.spec) : evaluateOperator(cfg, null);
      expect(doctor.verdict === 'fail').toBe(!wantHealthy);
      if (!wantHealthy) {
        const err = unhealthy(s);
        if (!removed) {
          expect(doctor.summary).toContain(s.health.reason);
          expect(err.message).toContain(s.health.reason);
        }
        // The Degraded message, not the Available one, unless a failed sync put the cause in Progressing.
        if (get('Degraded').status === 'True' && get('Progressing').reason !== 'Error') expect(err.message).toContain(get('Degraded').message!.split('\n')[0]);
      }
    });
  }
});
