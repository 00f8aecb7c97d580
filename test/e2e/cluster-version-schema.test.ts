// issue 15 item 6: a 4.14 cluster serves the 4.14 configs.imageregistry CRD (no spec.storage.s3.chunkSizeMiB, no
// matchLabelKeys in pod affinity terms) and its API server silently prunes what the schema lacks. regctl must check
// what it sends against the schema the cluster serves and refuse (exit 2) what would be dropped, naming the field
// and the cluster version, before writing anything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';

const CONFIGS = 'imageregistry.operator.openshift.io/configs';
let sb: Sandbox;
let tmp: string;

const cli = (args: string[], o: { input?: string; env?: Record<string, string> } = {}) =>
  runCli(args, { env: { ...sb.env, HOME: tmp, ...o.env }, input: o.input, timeoutMs: 50_000 });
const config = () => sb.store.get(CONFIGS, undefined, 'cluster') as any;
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);

/** A pod anti-affinity with matchLabelKeys (Kubernetes 1.29+, OpenShift 4.16+; not in the 4.14 CRD). */
const AFFINITY_WITH_MATCH_LABEL_KEYS = [
  'podAntiAffinity:',
  '  requiredDuringSchedulingIgnoredDuringExecution:',
  '  - topologyKey: kubernetes.io/hostname',
  '    labelSelector:',
  '      matchLabels:',
  '        docker-registry: default',
  '    matchLabelKeys:',
  '    - pod-template-hash',
  '',
].join('\n');
const AFFINITY_414 = AFFINITY_WITH_MATCH_LABEL_KEYS.split('\n').slice(0, 6).join('\n') + '\n';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-cv-schema-'));
  sb = await startSandbox({ clusterVersion: '4.14' });
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the 4.14 sandbox', () => {
  it('reports 4.14, serves the 4.14 CRD and prunes fields it lacks', async () => {
    const cv = await kubectl(['get', 'clusterversion', 'version', '-o', 'jsonpath={.status.desired.version}']);
    expect(cv.stdout).toMatch(/^4\.14\.\d+$/);
    const crd = await kubectl(['get', 'crd', 'configs.imageregistry.operator.openshift.io', '-o', 'json']);
    expect(crd.code).toBe(0);
    const s3 = JSON.parse(crd.stdout).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.storage.properties.s3;
    expect(Object.keys(s3.properties)).toContain('bucket');
    expect(Object.keys(s3.properties)).not.toContain('chunkSizeMiB');

    const before = config().metadata.generation;
    const p = await kubectl(['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"storage":{"s3":{"chunkSizeMiB":10}}}}']);
    expect(p.code).toBe(0);
    expect(config().spec.storage.s3.chunkSizeMiB).toBeUndefined();
    expect(config().metadata.generation).toBe(before);
  });

  it('the registry operator reports 4.14.38: ClusterOperator versions, annotations, RELEASE_VERSION, its log', async () => {
    const co = sb.store.get('config.openshift.io/clusteroperators', undefined, 'image-registry') as any;
    expect(co.status.versions).toEqual([{ name: 'operator', version: '4.14.38' }]);
    const dep = await kubectl(['get', 'deployment', 'image-registry', '-n', 'openshift-image-registry', '-o', 'json']);
    expect(JSON.parse(dep.stdout).metadata.annotations['release.openshift.io/version']).toBe('4.14.38');
    const op = sb.store.get('apps/deployments', 'openshift-image-registry', 'cluster-image-registry-operator') as any;
    expect(op.metadata.annotations['release.openshift.io/version']).toBe('4.14.38');
    expect(op.spec.template.spec.containers[0].env).toContainEqual({ name: 'RELEASE_VERSION', value: '4.14.38' });
    const log = await kubectl(['logs', '-n', 'openshift-image-registry', 'deploy/cluster-image-registry-operator']);
    expect(log.stdout).toContain('Cluster Image Registry Operator Version: 4.14.38');
    const regLog = await kubectl(['logs', '-n', 'openshift-image-registry', 'deploy/image-registry']);
    expect(regLog.stdout).toMatch(/msg="start registry" .*openshift_version=4\.14\.38-/);
    expect(log.stdout + dep.stdout).not.toContain('4.17.12');

    const st = await cli(['status', '-o', 'json']);
    expect(JSON.parse(st.stdout).clusterOperator.version).toBe('4.14.38');
  });
});

describe('regctl against a 4.14 cluster', () => {
  it('set-storage s3 --chunk-size-mib: exit 2 naming the field and the version; nothing written', async () => {
    const gen = config().metadata.generation;
    const bucket = config().spec.storage.s3.bucket;
    for (const extra of [[], ['--dry-run']]) {
      const r = await cli(['set-storage', 's3', '--bucket', bucket, '--region', 'us-east-1', '--chunk-size-mib', '10', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: spec\.storage\.s3\.chunkSizeMiB: .*OpenShift 4\.14\.\d+.*drop/m);
      expect(r.stderr).toMatch(/^hint: .*--chunk-size-mib/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    expect(config().metadata.generation).toBe(gen);
    expect(config().spec.storage.s3.chunkSizeMiB).toBeUndefined();
  });

  it('config set affinity with matchLabelKeys: exit 2; without it the same change goes through', async () => {
    const gen = config().metadata.generation;
    const r = await cli(['config', 'set', 'affinity=@-'], { input: AFFINITY_WITH_MATCH_LABEL_KEYS });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: spec\.affinity\.podAntiAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.matchLabelKeys: .*OpenShift 4\.14\.\d+/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(config().metadata.generation).toBe(gen);
    expect(config().spec.affinity).toBeUndefined();

    const ok = await cli(['config', 'set', 'affinity=@-'], { input: AFFINITY_414 });
    expect(ok.stderr).toMatch(/Patched/);
    expect(ok.code).toBe(0);
    expect(config().spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  it('without read access to CRDs: falls back to the bundled schema and says so', async () => {
    // A user who may edit the registry Config but not read CustomResourceDefinitions.
    sb.store.create('rbac.authorization.k8s.io/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'registry-config-editor' },
      rules: [{ apiGroups: ['imageregistry.operator.openshift.io'], resources: ['configs'], verbs: ['get', 'list', 'watch', 'patch', 'update'] }],
    });
    sb.store.create('rbac.authorization.k8s.io/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'alice-registry-config-editor' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-config-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const r = await cli(['--token', sb.tokens.alice!, 'config', 'set', 'logLevel=Debug', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/customresourcedefinitions.*configs\.imageregistry\.operator\.openshift\.io.*(forbidden|not readable).*bundle/i);
    expect(r.all).not.toContain(sb.tokens.alice!);
  });
});
