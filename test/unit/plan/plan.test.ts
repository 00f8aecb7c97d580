import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { R } from '../../../src/cluster/resources.js';
import { rolloutFields, toApplyConfig } from '../../../src/plan/apply-config.js';
import { planMode } from '../../../src/plan/mode.js';
import { planData, planText } from '../../../src/plan/print.js';
import { REDACTED, redactPlan, secretValues } from '../../../src/plan/redact.js';
import { renderPlan, renderedStream } from '../../../src/plan/render.js';
import { stableYAML } from '../../../src/plan/stable-yaml.js';
import { target, type Plan } from '../../../src/plan/types.js';
import { SECRET_VALUE, b64, storagePlan } from './fixtures.js';

const noSecret = (text: string) => {
  expect(text).not.toContain(SECRET_VALUE);
  expect(text).not.toContain(b64(SECRET_VALUE));
};

describe('plan printing', () => {
  it('for people: numbered steps, patch type, rollout flag, checks; secret values redacted', () => {
    const text = planText(redactPlan(storagePlan()), 'client');
    noSecret(text);
    expect(text.split('\n')[0]).toBe('# dry run: nothing was changed');
    expect(text).toContain('# 1. create Secret openshift-image-registry/image-registry-private-configuration-user');
    expect(text).toContain('# 2. patch configs.imageregistry.operator.openshift.io/cluster: add /spec/managementState, add /spec/storage (application/json-patch+json)\n# rolls out the registry: changes spec.storage\n[\n  {"op":"add","path":"/spec/managementState","value":"Managed"},');
    expect(text).toContain('# rolls out the registry: changes spec.storage');
    expect(text).toContain(`REGISTRY_STORAGE_S3_SECRETKEY: ${REDACTED}`);
    expect(text).toContain('#   registry Available: the operator reports Available=True');
  });

  it('as data: kind Plan with the objects and patches as sent (redacted)', () => {
    const data = planData(redactPlan(storagePlan()), 'server');
    expect(data).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'set-storage-s3', dryRun: 'server' });
    expect(data.steps[0]).toMatchObject({ action: 'create', target: { apiVersion: 'v1', kind: 'Secret', resource: 'secrets', namespace: 'openshift-image-registry' } });
    expect(data.steps[0].object.data.REGISTRY_STORAGE_S3_SECRETKEY).toBe(REDACTED);
    expect(data.steps[1]).toMatchObject({ action: 'patch', patchType: 'json', contentType: 'application/json-patch+json', rollout: ['spec.storage'] });
    expect(data.steps[1].target.resource).toBe('configs.imageregistry.operator.openshift.io');
    expect(data.steps[1].patch).toEqual(storagePlan().steps[1]!.action === 'patch' ? (storagePlan().steps[1] as any).patch : undefined);
    noSecret(JSON.stringify(data));
  });

  it('redacts JSON-patch and merge-patch values of Secrets, and knows the values it hides', () => {
    const p: Plan = {
      ...storagePlan(),
      steps: [
        { action: 'patch', target: target(R.secret, 's', 'ns'), summary: 'patch Secret ns/s', patchType: 'merge', patch: { data: { K: b64(SECRET_VALUE) } } },
        { action: 'patch', target: target(R.secret, 's', 'ns'), summary: 'patch Secret ns/s', patchType: 'json', patch: [{ op: 'add', path: '/data/K', value: b64(SECRET_VALUE) }] },
      ],
    };
    expect(secretValues(p)).toContain(SECRET_VALUE);
    noSecret(JSON.stringify(redactPlan(p)));
    expect(JSON.stringify(p)).toContain(b64(SECRET_VALUE)); // the original is untouched
  });
});

describe('apply configurations', () => {
  it('a JSON patch becomes the fields it sets; remove and list items are reported', () => {
    const step = storagePlan().steps[1]!;
    expect(toApplyConfig(step)).toEqual({
      object: { apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: { managementState: 'Managed', storage: { s3: { bucket: 'b', region: 'r' } } } },
      removes: [],
    });
    const rm = { ...step, patch: [{ op: 'remove', path: '/spec/storage/emptyDir' }, { op: 'add', path: '/spec/x/0', value: 1 }] } as any;
    expect(toApplyConfig(rm)!.removes).toEqual(['spec.storage.emptyDir', 'spec.x.0 (a list item)']);
  });
  it('a merge patch null is a removal; replicas and rolloutStrategy roll out', () => {
    const step = { action: 'patch', target: target(R.registryConfig, 'cluster'), summary: 'x', patchType: 'merge', patch: { spec: { replicas: 1, rolloutStrategy: 'Recreate', logLevel: null } } } as const;
    expect(toApplyConfig(step as any)!.removes).toEqual(['spec.logLevel']);
    expect(rolloutFields(step as any)).toEqual(['spec.replicas', 'spec.rolloutStrategy']);
    expect(rolloutFields({ ...step, patch: { spec: { logLevel: 'Debug' } } } as any)).toEqual([]);
  });
});

describe('render', () => {
  const all = ['manifests', 'kustomize', 'acm-policy', 'argocd'] as const;
  const opts = { repoUrl: 'https://git.example.com/c.git', path: 'registry' };

  it('is byte-identical on re-render, whatever order the keys were built in', () => {
    for (const format of all) {
      const a = renderPlan(storagePlan(), { format, ...opts });
      const shuffled = storagePlan();
      const s0 = shuffled.steps[0] as any;
      s0.object = Object.fromEntries(Object.entries(s0.object).reverse());
      const b = renderPlan(shuffled, { format, ...opts });
      expect(b.files).toEqual(a.files);
      expect(a.files.length).toBeGreaterThan(0);
    }
  });

  it('writes no secret value in any format; ACM reads them with hub templates', () => {
    for (const format of all) noSecret(renderedStream(renderPlan(storagePlan(), { format, ...opts })));
    const acm = renderPlan(storagePlan(), { format: 'acm-policy', namespace: 'policies', remediation: 'enforce', placementLabels: { env: 'prod' } });
    const policy = yaml.load(acm.files.find((f) => f.path === 'policy.yaml')!.content) as any;
    expect(policy).toMatchObject({ apiVersion: 'policy.open-cluster-management.io/v1', kind: 'Policy', metadata: { name: 'regctl-set-storage-s3', namespace: 'policies' }, spec: { disabled: false, remediationAction: 'enforce' } });
    expect(policy.metadata.annotations['regctl.openshift.io/rolls-out-registry']).toBe('spec.storage');
    const cp = policy.spec['policy-templates'][0].objectDefinition;
    expect(cp.kind).toBe('ConfigurationPolicy');
    expect(cp.spec['object-templates'].map((t: any) => t.complianceType)).toEqual(['musthave', 'musthave']);
    expect(cp.spec['object-templates'][0].objectDefinition.data.REGISTRY_STORAGE_S3_SECRETKEY).toBe('{{hub fromSecret "policies" "image-registry-private-configuration-user" "REGISTRY_STORAGE_S3_SECRETKEY" hub}}');
    const placement = yaml.load(acm.files.find((f) => f.path === 'placement.yaml')!.content) as any;
    expect(placement.spec).toEqual({ predicates: [{ requiredClusterSelector: { labelSelector: { matchLabels: { env: 'prod' } } } }] });
    expect(acm.notes.join('\n')).toContain('Secret policies/image-registry-private-configuration-user on the hub');
  });

  it('--show-secrets keeps the values (files only; refused without --output-dir)', () => {
    const shown = renderedStream(renderPlan(storagePlan(), { format: 'manifests', showSecrets: true }));
    expect(shown).toContain(b64(SECRET_VALUE));
    expect(() => planMode({ render: 'manifests', showSecrets: true })).toThrow(/only into files/);
  });

  it('manifests flag the rollout; kustomize patches the singleton on a base', () => {
    const m = renderPlan(storagePlan(), { format: 'manifests' });
    expect(m.files.map((f) => f.path)).toEqual(['01-secrets-openshift-image-registry-image-registry-private-configuration-user.yaml', '02-configs.imageregistry.operator.openshift.io-cluster.yaml']);
    expect(m.files[1]!.content).toMatch(/^# ROLLOUT: changes spec.storage/m);
    const k = renderPlan(storagePlan(), { format: 'kustomize' });
    const kz = yaml.load(k.files[0]!.content) as any;
    expect(kz).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['01-secrets-openshift-image-registry-image-registry-private-configuration-user.yaml', 'base/02-configs.imageregistry.operator.openshift.io-cluster.yaml'],
      patches: [{ path: 'patches/02-configs.imageregistry.operator.openshift.io-cluster.yaml', target: { group: 'imageregistry.operator.openshift.io', version: 'v1', kind: 'Config', name: 'cluster' } }],
    });
  });

  it('refuses a change that removes fields, and deletes outside acm-policy', () => {
    const p = storagePlan();
    (p.steps[1] as any).removes = ['spec.storage.emptyDir'];
    expect(() => renderPlan(p, { format: 'manifests' })).toThrow(/removes spec.storage.emptyDir/);
    const d: Plan = { ...storagePlan(), steps: [{ action: 'delete', target: target(R.configMap, 'c', 'openshift-config'), summary: 'delete ConfigMap openshift-config/c' }] };
    expect(() => renderPlan(d, { format: 'kustomize' })).toThrow(/takes something away, and an apply can only add and change/);
    const acm = yaml.load(renderPlan(d, { format: 'acm-policy' }).files[0]!.content) as any;
    expect(acm.spec['policy-templates'][0].objectDefinition.spec['object-templates']).toEqual([
      { complianceType: 'mustnothave', objectDefinition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'openshift-config' } } },
    ]);
    expect(() => renderPlan(p, { format: 'acm-policy' })).toThrow(/removes spec.storage.emptyDir, .*mustonlyhave template would make the whole spec exactly what is rendered/);
    // A ConfigMap can be watched: no evaluationInterval. An ImageStreamTag cannot: the policy polls.
    expect(acm.spec['policy-templates'][0].objectDefinition.spec.evaluationInterval).toBeUndefined();
    const ist: Plan = { ...d, steps: [{ action: 'delete', target: target(R.imageStreamTag, 'app:v1', 'team'), summary: 'delete ImageStreamTag team/app:v1' }] };
    const polled = yaml.load(renderPlan(ist, { format: 'acm-policy' }).files[0]!.content) as any;
    expect(polled.spec['policy-templates'][0].objectDefinition.spec.evaluationInterval).toEqual({ compliant: '10m', noncompliant: '30s' });
  });

  it('a step with `exactly` renders only as acm-policy: a mustonlyhave of those fields (name and namespace, no other metadata)', () => {
    const cm = target(R.configMap, 'ca', 'openshift-config');
    const p: Plan = {
      ...storagePlan(),
      steps: [{ action: 'patch', target: cm, summary: 'patch ConfigMap openshift-config/ca (remove a)', patchType: 'merge', patch: { data: { a: null } }, removes: ['data.a'], exactly: { data: { b: 'B' } } }],
    };
    for (const format of ['manifests', 'kustomize', 'argocd'] as const) {
      let err: any;
      try {
        renderPlan(p, { format, repoUrl: 'https://git.example.com/x.git', path: 'p' });
      } catch (e) {
        err = e;
      }
      expect(err?.exitCode).toBe(2);
      expect(err?.message).toMatch(/an apply can only add and change/);
      expect(err?.hint).toMatch(/out of Git: Argo CD deletes an object that left Git only when the Application prunes/);
    }
    const a = renderPlan(p, { format: 'acm-policy' });
    const again = renderPlan(p, { format: 'acm-policy' });
    expect(a.files).toEqual(again.files);
    const policy = yaml.load(a.files[0]!.content) as any;
    expect(policy.spec['policy-templates'][0].objectDefinition.spec['object-templates']).toEqual([
      { complianceType: 'mustonlyhave', objectDefinition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'openshift-config' }, data: { b: 'B' } } },
    ]);
  });

  it('stable YAML puts apiVersion, kind, metadata first and sorts the rest', () => {
    expect(stableYAML({ spec: { b: 1, a: 2 }, metadata: { namespace: 'ns', name: 'x' }, kind: 'K', apiVersion: 'v1' })).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: x\n  namespace: ns\nspec:\n  a: 2\n  b: 1\n');
  });
});

describe('plan flags', () => {
  it('bare --dry-run is client; =server; anything else is refused', () => {
    expect(planMode({ dryRun: true }).dryRun).toBe('client');
    expect(planMode({ dryRun: 'server' }).dryRun).toBe('server');
    expect(planMode({}).dryRun).toBe('none');
    expect(() => planMode({ dryRun: 'myimage' })).toThrow(/invalid --dry-run value "myimage"/);
  });
  it('render-only flags need --render; each belongs to its formats', () => {
    expect(() => planMode({ outputDir: 'x' })).toThrow(/--output-dir only applies with --render/);
    expect(() => planMode({ render: 'manifests', remediation: 'enforce' })).toThrow(/--remediation does not apply to --render manifests/);
    expect(() => planMode({ render: 'argocd' })).toThrow(/needs --repo-url and --path/);
    expect(() => planMode({ render: 'kustomize' })).toThrow(/writes a directory/);
    expect(() => planMode({ render: 'acm-policy', placementLabel: ['nolabel'] })).toThrow(/invalid --placement-label/);
    expect(() => planMode({ render: 'manifests', dryRun: true })).toThrow(/do not go together/);
    expect(planMode({ render: 'acm-policy', placementLabel: ['env=prod', 'region=eu'] }).render!.placementLabels).toEqual({ env: 'prod', region: 'eu' });
  });
});

describe('writes of registry-config as steps', async () => {
  const { jsonPatchRemovals, stepsFromWrites } = await import('../../../src/plan/from-writes.js');
  it('replacing spec.storage takes away the keys the new value lacks', () => {
    const config = { spec: { managementState: 'Managed', storage: { s3: { bucket: 'b' }, managementState: 'Managed' } } };
    const ops = [{ op: 'replace', path: '/spec/storage', value: { pvc: { claim: 'c' } } }];
    expect(jsonPatchRemovals(config, ops)).toEqual(['spec.storage.s3', 'spec.storage.managementState']);
    const [step] = stepsFromWrites([{ action: 'patch', kind: 'Config', name: 'cluster', patchType: 'json', body: ops as any, summary: 'patch' }], { config });
    expect(step).toMatchObject({ action: 'patch', patchType: 'json', removes: ['spec.storage.s3', 'spec.storage.managementState'] });
    expect(() => renderPlan({ ...storagePlan(), steps: [step!] }, { format: 'manifests' })).toThrow(/removes spec.storage.s3, spec.storage.managementState/);
    expect(jsonPatchRemovals({ spec: {} }, ops)).toEqual([]);
  });
});

describe('plan flags and -o', () => {
  it('--render takes no -o other than the default', () => {
    expect(() => planMode({ render: 'manifests' }, 'json')).toThrow(/-o json does not apply to --render/);
    expect(planMode({ render: 'manifests' }, 'table').render!.format).toBe('manifests');
    expect(planMode({ dryRun: true }, 'yaml').dryRun).toBe('client');
  });
});
