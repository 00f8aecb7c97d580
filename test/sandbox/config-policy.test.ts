// ACM Policy / Placement / PlacementBinding and Argo CD Application served with their real CRD schemas, and the
// sandbox's configuration-policy controller (operator/config-policy.ts), driven with kubectl.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from './index.ts';
import { LOCAL_CLUSTER, POLICIES } from './operator/config-policy.ts';
import { compareObject } from './operator/policy-match.ts';

const CFG = 'imageregistry.operator.openshift.io/configs';

function policy(action: 'inform' | 'enforce', extraSpec = ''): string {
  return `apiVersion: policy.open-cluster-management.io/v1
kind: Policy
metadata:
  name: registry-replicas
  namespace: default
spec:
  disabled: false
  remediationAction: ${action}${extraSpec}
  policy-templates:
  - objectDefinition:
      apiVersion: policy.open-cluster-management.io/v1
      kind: ConfigurationPolicy
      metadata:
        name: registry-replicas
      spec:
        remediationAction: inform
        severity: medium
        object-templates:
        - complianceType: musthave
          objectDefinition:
            apiVersion: imageregistry.operator.openshift.io/v1
            kind: Config
            metadata:
              name: cluster
            spec:
              replicas: 3
`;
}

const PLACEMENT = `apiVersion: cluster.open-cluster-management.io/v1beta1
kind: Placement
metadata:
  name: openshift-clusters
  namespace: default
spec:
  predicates:
  - requiredClusterSelector:
      labelSelector:
        matchExpressions:
        - key: vendor
          operator: In
          values: [OpenShift]
---
apiVersion: policy.open-cluster-management.io/v1
kind: PlacementBinding
metadata:
  name: registry-replicas
  namespace: default
placementRef:
  apiGroup: cluster.open-cluster-management.io
  kind: Placement
  name: openshift-clusters
subjects:
- apiGroup: policy.open-cluster-management.io
  kind: Policy
  name: registry-replicas
`;

const CLUSTERSET_BINDING = `apiVersion: cluster.open-cluster-management.io/v1beta2
kind: ManagedClusterSetBinding
metadata:
  name: global
  namespace: default
spec:
  clusterSet: global
`;

const APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: registry
  namespace: default
spec:
  project: default
  source:
    repoURL: https://git.example.com/cluster-config.git
    path: registry
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: openshift-image-registry
  syncPolicy:
    automated:
      prune: false
      selfHeal: true
`;

describe('ACM policies and Argo CD applications', () => {
  let sb: Sandbox;
  let tmp: string;

  const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile('kubectl', args, { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: tmp, ...sb.env }, timeout: 45_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const file = (name: string, text: string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const root = () => sb.store.get(POLICIES, 'default', 'registry-replicas') as any;
  const replicated = () => sb.store.get(POLICIES, LOCAL_CLUSTER, 'default.registry-replicas') as any;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-config-policy-test-'));
    sb = await startSandbox({ profile: 'aws' });
  });
  afterAll(async () => {
    await sb?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('inform reports NonCompliant with the controller message; enforce sets replicas and becomes Compliant', async () => {
    expect((sb.store.get(CFG, undefined, 'cluster')!.spec as any).replicas).toBe(2);
    const applied = await kubectl('apply', '-f', file('placement.yaml', PLACEMENT), '-f', file('policy.yaml', policy('inform')));
    expect(applied.code, applied.stderr).toBe(0);

    // No clusterset bound to the namespace: the placement selects nothing, the policy goes nowhere.
    const placement = () => sb.store.get('cluster.open-cluster-management.io/placements', 'default', 'openshift-clusters') as any;
    await sb.waitFor(() => placement()?.status?.conditions?.some((c: any) => c.type === 'PlacementSatisfied'), 20_000);
    expect(placement().status.numberOfSelectedClusters).toBe(0);
    expect(placement().status.conditions.find((c: any) => c.type === 'PlacementSatisfied')).toMatchObject({
      status: 'False', reason: 'NoManagedClusterSetBindings', message: 'No valid ManagedClusterSetBindings found in placement namespace',
    });
    await sb.waitFor(() => root()?.status?.placement !== undefined, 20_000);
    expect(root().status).toEqual({ placement: [{ placement: 'openshift-clusters', placementBinding: 'registry-replicas' }] });
    expect(replicated()).toBeUndefined();

    const bound = await kubectl('apply', '-f', file('binding.yaml', CLUSTERSET_BINDING));
    expect(bound.code, bound.stderr).toBe(0);

    await sb.waitFor(() => root()?.status?.compliant === 'NonCompliant', 20_000);
    expect(root().status).toEqual({
      compliant: 'NonCompliant',
      placement: [{ placement: 'openshift-clusters', placementBinding: 'registry-replicas' }],
      status: [{ clustername: LOCAL_CLUSTER, clusternamespace: LOCAL_CLUSTER, compliant: 'NonCompliant' }],
    });
    const details = replicated().status.details;
    expect(details).toHaveLength(1);
    expect(details[0]).toMatchObject({ compliant: 'NonCompliant', templateMeta: { name: 'registry-replicas' } });
    expect(details[0].history[0].message).toBe('NonCompliant; violation - configs [cluster] found but not as specified');
    expect(details[0].history[0].eventName).toMatch(/^default\.registry-replicas\.[0-9a-f]+$/);
    expect((sb.store.get(CFG, undefined, 'cluster')!.spec as any).replicas).toBe(2); // inform changes nothing
    expect(placement().status).toMatchObject({ numberOfSelectedClusters: 1 });
    expect(placement().status.conditions.find((c: any) => c.type === 'PlacementSatisfied')).toMatchObject({ status: 'True', reason: 'AllDecisionsScheduled' });

    const get = await kubectl('get', 'policies.policy.open-cluster-management.io', '-n', 'default');
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+REMEDIATION ACTION\s+COMPLIANCE STATE\s+AGE\n/);
    expect(get.stdout).toMatch(/registry-replicas\s+inform\s+NonCompliant/);

    const patched = await kubectl('patch', 'policies.policy.open-cluster-management.io', 'registry-replicas', '-n', 'default', '--type', 'merge', '-p', '{"spec":{"remediationAction":"enforce"}}');
    expect(patched.code, patched.stderr).toBe(0);
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant' && replicated()?.status?.details?.[0]?.history?.[0]?.message?.includes('found as specified'), 20_000);
    expect((sb.store.get(CFG, undefined, 'cluster')!.spec as any).replicas).toBe(3);
    const history = replicated().status.details[0].history.map((h: any) => h.message);
    expect(history).toEqual([
      'Compliant; notification - configs [cluster] found as specified',
      'Compliant; notification - configs [cluster] was updated successfully',
      'NonCompliant; violation - configs [cluster] found but not as specified',
    ]);
    // The registry operator rolls out the third replica.
    await sb.waitFor((s) => (s.get(CFG, undefined, 'cluster')?.status as any)?.readyReplicas === 3, 20_000);
  });

  it('enforce creates a missing namespaced object; mustnothave inform reports what exists', async () => {
    const text = `apiVersion: policy.open-cluster-management.io/v1
kind: Policy
metadata:
  name: ca-config
  namespace: default
spec:
  disabled: false
  policy-templates:
  - objectDefinition:
      apiVersion: policy.open-cluster-management.io/v1
      kind: ConfigurationPolicy
      metadata:
        name: registry-cas
      spec:
        remediationAction: enforce
        object-templates:
        - complianceType: musthave
          objectDefinition:
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: registry-cas
              namespace: openshift-config
            data:
              registry.example.com: "-----BEGIN CERTIFICATE-----"
  - objectDefinition:
      apiVersion: policy.open-cluster-management.io/v1
      kind: ConfigurationPolicy
      metadata:
        name: no-pruner
      spec:
        remediationAction: inform
        object-templates:
        - complianceType: mustnothave
          objectDefinition:
            apiVersion: imageregistry.operator.openshift.io/v1
            kind: ImagePruner
            metadata:
              name: cluster
---
apiVersion: policy.open-cluster-management.io/v1
kind: PlacementBinding
metadata:
  name: ca-config
  namespace: default
placementRef:
  apiGroup: cluster.open-cluster-management.io
  kind: Placement
  name: openshift-clusters
subjects:
- apiGroup: policy.open-cluster-management.io
  kind: Policy
  name: ca-config
`;
    const r = await kubectl('apply', '-f', file('ca-policy.yaml', text));
    expect(r.code, r.stderr).toBe(0);
    const rep = () => sb.store.get(POLICIES, LOCAL_CLUSTER, 'default.ca-config') as any;
    await sb.waitFor(() => rep()?.status?.details?.[0]?.history?.[0]?.message?.includes('found as specified'), 20_000);
    expect(sb.store.get('/configmaps', 'openshift-config', 'registry-cas')?.data).toEqual({ 'registry.example.com': '-----BEGIN CERTIFICATE-----' });
    const [cas, pruner] = rep().status.details;
    expect(cas.history.map((h: any) => h.message)).toEqual([
      'Compliant; notification - configmaps [registry-cas] found as specified in namespace openshift-config',
      'Compliant; notification - configmaps [registry-cas] was created successfully in namespace openshift-config',
    ]);
    expect(pruner).toMatchObject({ compliant: 'NonCompliant', templateMeta: { name: 'no-pruner' } });
    expect(pruner.history[0].message).toBe('NonCompliant; violation - imagepruners [cluster] found');
    expect(sb.store.get('imageregistry.operator.openshift.io/imagepruners', undefined, 'cluster')).toBeDefined();
    await sb.waitFor(() => (sb.store.get(POLICIES, 'default', 'ca-config') as any)?.status?.compliant === 'NonCompliant', 20_000);
  });

  it('resolves hub templates from the policy namespace; another namespace is a template error', async () => {
    sb.store.create('/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3-keys', namespace: 'default' }, data: { id: Buffer.from('AKIA-NEW').toString('base64') } });
    const text = (ns: string, name: string) => `apiVersion: policy.open-cluster-management.io/v1
kind: Policy
metadata:
  name: ${name}
  namespace: default
spec:
  disabled: false
  remediationAction: enforce
  policy-templates:
  - objectDefinition:
      apiVersion: policy.open-cluster-management.io/v1
      kind: ConfigurationPolicy
      metadata:
        name: ${name}
      spec:
        object-templates:
        - complianceType: musthave
          objectDefinition:
            apiVersion: v1
            kind: Secret
            metadata:
              name: ${name}
              namespace: openshift-image-registry
            data:
              REGISTRY_STORAGE_S3_ACCESSKEY: '{{hub fromSecret "${ns}" "s3-keys" "id" hub}}'
---
apiVersion: policy.open-cluster-management.io/v1
kind: PlacementBinding
metadata:
  name: ${name}
  namespace: default
placementRef: {apiGroup: cluster.open-cluster-management.io, kind: Placement, name: openshift-clusters}
subjects:
- {apiGroup: policy.open-cluster-management.io, kind: Policy, name: ${name}}
`;
    const r = await kubectl('apply', '-f', file('hub-ok.yaml', text('default', 'hub-ok')), '-f', file('hub-bad.yaml', text('openshift-config', 'hub-bad')));
    expect(r.code, r.stderr).toBe(0);
    const rootOf = (n: string) => sb.store.get(POLICIES, 'default', n) as any;
    await sb.waitFor(() => rootOf('hub-ok')?.status?.compliant === 'Compliant' && rootOf('hub-bad')?.status?.compliant === 'NonCompliant', 20_000);
    expect((sb.store.get('/secrets', 'openshift-image-registry', 'hub-ok') as any).data).toEqual({ REGISTRY_STORAGE_S3_ACCESSKEY: Buffer.from('AKIA-NEW').toString('base64') });
    expect(rootOf('hub-ok').spec['policy-templates'][0].objectDefinition.spec['object-templates'][0].objectDefinition.data.REGISTRY_STORAGE_S3_ACCESSKEY).toContain('{{hub fromSecret');
    const bad = sb.store.get(POLICIES, LOCAL_CLUSTER, 'default.hub-bad') as any;
    expect(bad.status.details[0].history[0].message).toBe('NonCompliant; template-error; failed to get the secret s3-keys from openshift-config: the namespace argument is restricted to default');
    expect(sb.store.get('/secrets', 'openshift-image-registry', 'hub-bad')).toBeUndefined();
  });

  it('rejects an unknown Policy field on a server-side dry run, as fieldValidation=Strict does', async () => {
    const r = await kubectl('apply', '--dry-run=server', '-f', file('bad-policy.yaml', policy('inform', '\n  severity: high')));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.severity"');
    const missing = await kubectl('apply', '--dry-run=server', '-f', file('no-disabled.yaml', policy('inform').replace('  disabled: false\n', '')));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('spec.disabled: Required value');
  });

  it('validates an Argo CD Application against its schema', async () => {
    const ok = await kubectl('apply', '--dry-run=server', '-f', file('app.yaml', APPLICATION));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('application.argoproj.io/registry created (server dry run)');
    const bad = await kubectl('apply', '--dry-run=server', '-f', file('bad-app.yaml', APPLICATION.replace('    path: registry\n', '    path: registry\n    branch: main\n')));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown field "spec.source.branch"');
  });
});

describe('object-template matching (musthave / mustonlyhave)', () => {
  const existing = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', labels: { app: 'd', tier: 'web' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'b:1' }] } } },
  };
  it('musthave: a list matches when it holds the template items (same name merges, order free)', () => {
    const tpl = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'd' } }, spec: { template: { spec: { containers: [{ name: 'b', image: 'b:1' }] } } } };
    expect(compareObject(tpl, existing, 'musthave').mismatch).toBe(false);
    const changed = { ...tpl, spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } };
    const r = compareObject(changed, existing, 'musthave');
    expect(r.mismatch).toBe(true);
    expect((r.desired.spec as any).template.spec.containers).toEqual([{ name: 'b', image: 'b:2' }, { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] }]);
  });
  it('musthave: numbers compare by value as printed, labels merge', () => {
    expect(compareObject({ spec: { replicas: 2 } }, existing, 'musthave').mismatch).toBe(false);
    const r = compareObject({ metadata: { labels: { team: 'x' } } }, existing, 'musthave');
    expect(r.mismatch).toBe(true);
    expect((r.desired.metadata as any).labels).toEqual({ app: 'd', tier: 'web', team: 'x' });
  });
  it('mustonlyhave: lists must be exactly the template', () => {
    const tpl = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'b', image: 'b:1' }] } } } };
    expect(compareObject(tpl, existing, 'mustonlyhave').mismatch).toBe(true);
  });
  // config-policy-controller handleKeys / mergeMaps: a named map is replaced whole, keys the template lacks go
  // (except metadata, status, a v1 ServiceAccount's secrets/imagePullSecrets); metadata without labels keeps them.
  it('mustonlyhave: a named map loses the keys the template lacks; unnamed top-level keys go; labels stay', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', labels: { a: 'b' } }, data: { x: '1', y: '2' }, binaryData: { z: 'AA==' } };
    const r = compareObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { x: '1' } }, cm, 'mustonlyhave');
    expect(r.mismatch).toBe(true);
    expect(r.desired).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', labels: { a: 'b' } }, data: { x: '1' } });
    const same = compareObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1', y: '2' }, binaryData: { z: 'AA==' } }, cm, 'mustonlyhave');
    expect(same.mismatch).toBe(false);
  });
  it("mustonlyhave on a v1 ServiceAccount keeps secrets (and imagePullSecrets) the template does not name", () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'n' }, secrets: [{ name: 'default-dockercfg-x' }], imagePullSecrets: [{ name: 'default-dockercfg-x' }, { name: 'q' }], automountServiceAccountToken: false };
    const r = compareObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'n' }, imagePullSecrets: [{ name: 'default-dockercfg-x' }] }, sa, 'mustonlyhave');
    expect(r.mismatch).toBe(true);
    const { automountServiceAccountToken: _a, ...kept } = sa;
    expect(r.desired).toEqual({ ...kept, imagePullSecrets: [{ name: 'default-dockercfg-x' }] });
    expect(compareObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, kept, 'mustonlyhave').mismatch).toBe(false);
  });
});
