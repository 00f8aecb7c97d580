// The pure verdicts of the doctor's checks: storage rules (d.6, d.7), managementState, operator conditions
// (d.2, d.3), pods, routes (d.1) and RBAC answers, each with the fix it names.
import { describe, expect, it } from 'vitest';
import { evaluateStorage, storageFix } from '../../src/doctor/checks-storage.js';
import { evaluateInstalled, evaluateManagementState, evaluateOperator, evaluatePods, evaluateRoutes, ENABLE_CAPABILITY } from '../../src/doctor/checks-platform.js';
import { evaluateRbac, grantSubject } from '../../src/doctor/checks-access.js';
import { pullTarget } from '../../src/doctor/checks-image.js';
import type { RouteInfo } from '../../src/cluster/routes.js';

const S3 = { bucket: 'b1', region: 'us-east-1' };
const s3Spec = (extra: Record<string, unknown> = {}) => ({ managementState: 'Managed', replicas: 2, storage: { s3: S3, managementState: 'Managed' }, ...extra });

describe('storage', () => {
  it('nothing configured → fail with regctl set-storage pvc', () => {
    const o = evaluateStorage({ spec: { managementState: 'Managed', storage: {} }, status: {} });
    expect(o).toMatchObject({ verdict: 'fail', fix: 'regctl set-storage pvc', summary: 'no storage is configured (spec.storage names no type)' });
  });

  it('two types → fail with the operator message', () => {
    const o = evaluateStorage({ spec: { storage: { s3: S3, pvc: { claim: 'x' } } }, status: {} });
    expect(o.verdict).toBe('fail');
    expect(o.summary).toBe('exactly one storage type should be configured, got 2: [s3 pvc]');
  });

  it('s3 with a user secret lacking the secret key → fail naming it and the set-storage credentials command', () => {
    const o = evaluateStorage({ spec: s3Spec(), status: {}, userSecretKeys: ['REGISTRY_STORAGE_S3_ACCESSKEY'] });
    expect(o.verdict).toBe('fail');
    expect(o.summary).toMatch(/lacks REGISTRY_STORAGE_S3_SECRETKEY/);
    expect(o.details?.missingKeys).toEqual(['REGISTRY_STORAGE_S3_SECRETKEY']);
    expect(o.fix).toBe('printf %s "$AWS_SECRET_ACCESS_KEY" | regctl set-storage credentials s3 --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin');
  });

  it('s3 without user secret falls back to the minted secret; neither → fail', () => {
    expect(evaluateStorage({ spec: s3Spec(), status: {}, userSecretKeys: null, mintedSecret: true })).toMatchObject({ verdict: 'ok' });
    expect(evaluateStorage({ spec: s3Spec(), status: {}, userSecretKeys: null, mintedSecret: false })).toMatchObject({ verdict: 'fail' });
  });

  it('secrets not readable → ok, saying the credentials were not checked', () => {
    const o = evaluateStorage({ spec: s3Spec(), status: {}, userSecretKeys: undefined });
    expect(o.verdict).toBe('ok');
    expect(o.summary).toMatch(/credentials not checked/);
  });

  it('swift accepts any complete set of keys', () => {
    const spec = { storage: { swift: { container: 'c', authURL: 'https://keystone' } } };
    expect(evaluateStorage({ spec, status: {}, userSecretKeys: ['REGISTRY_STORAGE_SWIFT_TOKENID'] }).verdict).toBe('ok');
    expect(evaluateStorage({ spec, status: {}, userSecretKeys: ['REGISTRY_STORAGE_SWIFT_USERNAME'] }).summary).toMatch(/lacks REGISTRY_STORAGE_SWIFT_PASSWORD/);
  });

  it('azure with an empty account key → fail', () => {
    const o = evaluateStorage({ spec: { storage: { azure: { accountName: 'a', container: 'c' } } }, status: {}, userSecretKeys: ['REGISTRY_STORAGE_AZURE_ACCOUNTKEY'], userSecretEmptyKeys: ['REGISTRY_STORAGE_AZURE_ACCOUNTKEY'] });
    expect(o.summary).toMatch(/empty REGISTRY_STORAGE_AZURE_ACCOUNTKEY/);
    expect(o.fix).toBe('printf %s "$AZURE_STORAGE_KEY" | regctl set-storage credentials azure --account-key-stdin');
  });

  it('pvc: missing, pending, RWO with 2 replicas or RollingUpdate, bound RWX', () => {
    const spec = (extra = {}) => ({ replicas: 1, rolloutStrategy: 'Recreate', storage: { pvc: { claim: 'reg' } }, ...extra });
    const claim = (modes: string[], phase = 'Bound') => ({ metadata: { name: 'reg' }, spec: { accessModes: modes }, status: { phase } });
    expect(evaluateStorage({ spec: spec(), status: {}, claim: null })).toMatchObject({ verdict: 'fail', fix: 'regctl set-storage pvc --claim reg' });
    expect(evaluateStorage({ spec: spec(), status: {}, claim: claim(['ReadWriteOnce'], 'Pending') })).toMatchObject({ verdict: 'fail', fix: 'kubectl describe pvc reg -n openshift-image-registry' });
    expect(evaluateStorage({ spec: spec({ replicas: 2 }), status: {}, claim: claim(['ReadWriteOnce']) })).toMatchObject({
      verdict: 'fail',
      summary: 'cannot use ReadWriteOnce access mode with more than one replica of the image registry',
      fix: 'regctl config set replicas=1 rolloutStrategy=Recreate',
    });
    expect(evaluateStorage({ spec: spec({ rolloutStrategy: 'RollingUpdate' }), status: {}, claim: claim(['ReadWriteOnce']) }).summary).toBe('cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy');
    expect(evaluateStorage({ spec: spec({ replicas: 3, rolloutStrategy: 'RollingUpdate' }), status: {}, claim: claim(['ReadWriteMany']) }).verdict).toBe('ok');
  });

  it('emptyDir → warn (ephemeral); oss → fail (unsupported)', () => {
    expect(evaluateStorage({ spec: { storage: { emptyDir: {} } }, status: {} })).toMatchObject({ verdict: 'warn', fix: 'regctl set-storage pvc' });
    expect(evaluateStorage({ spec: { storage: { oss: { bucket: 'x' } } }, status: {} }).verdict).toBe('fail');
  });

  it("the operator's own storage error fails an otherwise valid config", () => {
    const status = { conditions: [{ type: 'Progressing', status: 'True', reason: 'Error', message: 'Unable to apply resources: unable to sync storage configuration: bucket access denied' }] };
    const o = evaluateStorage({ spec: s3Spec(), status, userSecretKeys: ['REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY'] });
    expect(o.verdict).toBe('fail');
    expect(o.summary).toMatch(/bucket access denied/);
  });

  it('storageFix quotes values for the shell', () => {
    expect(storageFix('s3', { bucket: "my bucket's", region: 'r' })).toContain(`--bucket 'my bucket'\\''s'`);
    expect(storageFix('pvc', {})).toBe('regctl set-storage pvc');
  });
});

describe('installed and managementState', () => {
  it('capability disabled → fail with the clusterversion patch', () => {
    expect(evaluateInstalled(null, { enabled: false, evidence: 'x' })).toMatchObject({ verdict: 'fail', fix: ENABLE_CAPABILITY });
    expect(evaluateInstalled(null, { evidence: 'no clusterversion' })).toMatchObject({ verdict: 'fail', fix: 'regctl logs --operator' });
    expect(evaluateInstalled({ metadata: {} }, { evidence: 'x' }, '4.17.12')).toMatchObject({ verdict: 'ok', summary: 'the operator config exists, version 4.17.12' });
    // The operator's API not served: the capability message when the cluster says it is disabled, else "is this OpenShift?".
    const off = evaluateInstalled(null, { enabled: false, evidence: 'x' }, undefined, false);
    expect(off).toMatchObject({ verdict: 'fail', summary: 'the ImageRegistry capability is disabled: the cluster has no integrated registry', fix: ENABLE_CAPABILITY });
    expect(off.evidence).toContain('imageregistry.operator.openshift.io is not served (no registry operator CRDs)');
    expect(evaluateInstalled(null, { evidence: 'clusterversions.config.openshift.io is not served' }, undefined, false).summary).toMatch(/is this OpenShift\?/);
  });

  it('Removed without storage → set-storage; Removed with storage → config set; Unmanaged → warn', () => {
    expect(evaluateManagementState({ managementState: 'Removed' })).toMatchObject({ verdict: 'fail', fix: 'regctl set-storage pvc' });
    expect(evaluateManagementState({ managementState: 'Removed', storage: { s3: S3 } })).toMatchObject({ verdict: 'fail', fix: 'regctl config set managementState=Managed' });
    expect(evaluateManagementState({ managementState: 'Unmanaged' })).toMatchObject({ verdict: 'warn', fix: 'regctl config set managementState=Managed' });
    expect(evaluateManagementState({ managementState: 'Managed' }).verdict).toBe('ok');
  });
});

describe('operator conditions', () => {
  const cond = (type: string, status: string, reason = '', message = '') => ({ type, status, reason, message });
  const cfg = (...conditions: any[]) => ({ status: { conditions } });
  it('Available False → fail with its reason; StorageNotConfigured → set-storage', () => {
    expect(evaluateOperator(cfg(cond('Available', 'False', 'NoReplicasAvailable', 'The deployment does not have available replicas')), null)).toMatchObject({
      verdict: 'fail',
      summary: 'not Available: NoReplicasAvailable: The deployment does not have available replicas',
      fix: 'regctl logs',
    });
    expect(evaluateOperator(cfg(cond('Available', 'False', 'StorageNotConfigured', 'Error: storage backend not configured')), null).fix).toBe('regctl set-storage pvc');
  });
  it('Degraded True → fail; Progressing True → warn; ClusterOperator Degraded → fail', () => {
    expect(evaluateOperator(cfg(cond('Available', 'True', 'Ready'), cond('Degraded', 'True', 'Unavailable', 'x')), null).verdict).toBe('fail');
    expect(evaluateOperator(cfg(cond('Available', 'True', 'Ready'), cond('Progressing', 'True', 'DeploymentNotCompleted', 'The deployment has not completed')), null)).toMatchObject({ verdict: 'warn', fix: 'regctl status --watch --timeout 5m' });
    const co = { status: { conditions: [cond('Degraded', 'True', 'NodeCADaemonControllerError', 'NodeCADaemonControllerDegraded: boom')] } };
    expect(evaluateOperator(cfg(cond('Available', 'True', 'Ready'), cond('Degraded', 'False')), co).summary).toMatch(/^ClusterOperator image-registry Degraded: NodeCADaemonControllerError/);
  });
  it('healthy → ok', () => {
    expect(evaluateOperator(cfg(cond('Available', 'True', 'Ready'), cond('Progressing', 'False', 'Ready'), cond('Degraded', 'False')), { status: { conditions: [] } }).verdict).toBe('ok');
  });
});

describe('pods', () => {
  const pod = (name: string, ready: boolean, extra: any = {}) => ({
    metadata: { name },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'registry', ready, restartCount: 0, state: { running: {} }, ...extra }] },
  });
  const deploy = (replicas: number, ready: number) => ({ spec: { replicas }, status: { readyReplicas: ready, updatedReplicas: ready } });
  it('no deployment, scaled to 0, none ready, some ready, all ready', () => {
    expect(evaluatePods(null, [], { managementState: 'Managed' })).toMatchObject({ verdict: 'fail', fix: 'regctl logs --operator' });
    expect(evaluatePods(deploy(0, 0), [], { replicas: 0, storage: { s3: {} } })).toMatchObject({ verdict: 'fail', fix: 'regctl config set replicas=2' });
    expect(evaluatePods(deploy(0, 0), [], { replicas: 0, storage: { pvc: {} } }).fix).toBe('regctl config set replicas=1');
    const pending = { metadata: { name: 'p1' }, status: { phase: 'Pending', conditions: [], containerStatuses: [{ name: 'registry', state: { waiting: { reason: 'ImagePullBackOff', message: 'pull failed' } } }] } };
    expect(evaluatePods(deploy(1, 0), [pending], {})).toMatchObject({ verdict: 'fail', summary: '0 of 1 registry pods ready: p1 is ImagePullBackOff', fix: 'kubectl describe pod p1 -n openshift-image-registry' });
    expect(evaluatePods(deploy(2, 1), [pod('a', true), pod('b', false, { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } })], {})).toMatchObject({ verdict: 'warn', fix: 'regctl logs --pod b --previous' });
    expect(evaluatePods(deploy(2, 2), [pod('a', true), pod('b', true)], {})).toMatchObject({ verdict: 'ok', summary: '2 of 2 registry pods ready' });
  });
});

describe('routes', () => {
  const r = (name: string, admitted: boolean | null, extra: Partial<RouteInfo> = {}): RouteInfo => ({ name, host: `${name}.apps.example.com`, admitted, operatorOwned: true, ...extra });
  it('none → expose --default-route; requested but missing → operator logs', () => {
    expect(evaluateRoutes([], {})).toMatchObject({ verdict: 'fail', fix: 'regctl expose --default-route' });
    expect(evaluateRoutes([], { defaultRoute: true }).fix).toBe('regctl logs --operator');
    // Not exposed and nobody asked for the external path: a warning (the in-cluster path may be all that is used).
    expect(evaluateRoutes([], {}, false)).toMatchObject({ verdict: 'warn', fix: 'regctl expose --default-route' });
  });
  it('rejected → fail with the reason; one of two rejected → warn', () => {
    const claimed = r('registry', false, { reason: 'HostAlreadyClaimed', message: 'route x already exposes this host' });
    expect(evaluateRoutes([claimed], {})).toMatchObject({ verdict: 'fail', fix: 'regctl expose --route registry --hostname OTHER-HOST' });
    expect(evaluateRoutes([r('default-route', true), claimed], {}).verdict).toBe('warn');
    expect(evaluateRoutes([r('default-route', true)], { defaultRoute: true })).toMatchObject({ verdict: 'ok', summary: 'default-route.apps.example.com admitted' });
  });
});

describe('rbac', () => {
  const all = { pull: true, push: true, createStream: true, catalog: false, metrics: false };
  it('push denied → warn, or fail when a push test was asked for; pusher when new streams may be created, else builder', () => {
    expect(evaluateRbac({ ...all, push: false }, 'developer', 'team', false)).toMatchObject({ verdict: 'warn', fix: 'regctl grant pusher developer -n team' });
    expect(evaluateRbac({ ...all, push: false }, 'developer', 'team', true)).toMatchObject({ verdict: 'fail', summary: 'developer may pull from team but not push to it' });
    expect(evaluateRbac({ ...all, push: false, createStream: false }, 'developer', 'team', true).fix).toBe('regctl grant builder developer -n team');
  });
  it('push allowed but not create imagestreams (system:image-pusher) → warn naming regctl grant builder', () => {
    expect(evaluateRbac({ ...all, createStream: false }, 'developer', 'team', true)).toMatchObject({
      verdict: 'warn',
      summary: 'developer may push to existing image streams in team but not to a new name (create imagestreams denied)',
      fix: 'regctl grant builder developer -n team',
    });
  });
  it('pull denied → fail with puller (pusher/builder when pushing is wanted)', () => {
    expect(evaluateRbac({ ...all, pull: false, push: false }, 'bob', 'team', false)).toMatchObject({ verdict: 'fail', fix: 'regctl grant puller bob -n team' });
    expect(evaluateRbac({ ...all, pull: false, push: false }, 'bob', 'team', true).fix).toBe('regctl grant pusher bob -n team');
    expect(evaluateRbac({ ...all, pull: false, push: false, createStream: false }, 'bob', 'team', true).fix).toBe('regctl grant builder bob -n team');
  });
  it('service accounts of the project are named with -z', () => {
    expect(grantSubject('system:serviceaccount:team:ci', 'team')).toBe('-z ci');
    expect(grantSubject('system:serviceaccount:other:ci', 'team')).toBe('system:serviceaccount:other:ci');
    expect(evaluateRbac(all, 'kube:admin', 'default', false)).toMatchObject({ verdict: 'ok', summary: 'kube:admin may pull from and push to default' });
  });
});

describe('--pull-test IMAGE', () => {
  it('names an image of the project or of another project; the tag defaults to latest', () => {
    expect(pullTarget('app:v1', 'team')).toEqual({ repo: 'team/app', tag: 'v1' });
    expect(pullTarget('app', 'team')).toEqual({ repo: 'team/app', tag: 'latest' });
    expect(pullTarget('shared/base:9.4', 'team')).toEqual({ repo: 'shared/base', tag: '9.4' });
  });
});

