// issue 18 parts 1-2 with set-storage: the plan is what the command sends. --dry-run=server has the API server check
// each write and changes nothing; `--dry-run -o yaml` replayed with kubectl, `--render manifests` applied with
// kubectl --server-side, `--render kustomize` built by kubectl, and `--render acm-policy` enforced by the sandbox's
// configuration-policy controller all give the state the command itself gives. Renderings are byte-identical on
// re-run and carry no secret value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';
const USER_SECRET = 'image-registry-private-configuration-user';
const POLICIES = 'policy.open-cluster-management.io/policies';
const S3_SECRET = 'plan-render-S3cret/Key+value';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let sb: Sandbox;
let tmp: string;
let baseline: any;

const cli = (args: string[], o: { input?: string; context?: string } = {}) =>
  runCli(o.context ? ['--context', o.context, ...args] : args, { env: { ...sb.env, HOME: tmp }, input: o.input, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const config = () => sb.store.get(CFG, undefined, 'cluster') as any;
const pvc = () => sb.store.get('/persistentvolumeclaims', NS, 'image-registry-storage') as any;
const secret = () => sb.store.get('/secrets', NS, USER_SECRET) as any;
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const files = (d: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const f = path.join(p, e.name);
      if (e.isDirectory()) walk(f);
      else out[path.relative(d, f)] = fs.readFileSync(f, 'utf8');
    }
  };
  walk(d);
  return out;
};
/** What set-storage decides: the Config's managementState and storage, and the claim/secret it writes (read once the operator has seen the Config). */
const state = async () => {
  await sb.waitFor(() => config().status?.observedGeneration === config().metadata.generation, 20_000);
  return settled();
};
const settled = () => ({
  managementState: config().spec.managementState,
  storage: config().spec.storage,
  pvc: pvc() ? { accessModes: pvc().spec.accessModes, resources: pvc().spec.resources } : undefined,
  secret: secret()?.data,
});

/** Back to the fresh bare-metal install: the Config as it was, no claim, no credentials secret. */
function reset(): void {
  const cur = config();
  sb.store.update(CFG, { ...cur, spec: structuredClone(baseline) });
  for (const [key, name] of [['/persistentvolumeclaims', 'image-registry-storage'], ['/secrets', USER_SECRET]] as const) {
    if (sb.store.get(key, NS, name)) sb.store.delete(key, NS, name);
  }
}

const S3 = ['set-storage', 's3', '--bucket', 'gitops-bucket', '--region', 'us-east-2', '--access-key-id', 'AKIAPLANRENDER', '--secret-access-key-stdin'];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-'));
  sb = await startSandbox({ profile: 'baremetal' });
  baseline = structuredClone(config().spec);
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('dry runs', () => {
  it('--dry-run=server has the API server check each write and changes nothing; a denied write fails it', async () => {
    reset();
    const ok = await cli(['set-storage', 'pvc', '--dry-run=server']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('server dry run: create PersistentVolumeClaim openshift-image-registry/image-registry-storage');
    expect(ok.stderr).toContain('server dry run: patch configs.imageregistry.operator.openshift.io/cluster');
    expect(ok.stdout.split('\n')[0]).toBe('# dry run (checked by the API server): nothing was changed');
    expect(pvc()).toBeUndefined();
    expect(config().spec).toEqual(baseline);

    // A user who may read everything but write nothing: the client dry run plans, the server dry run is refused.
    const rb = await kubectl(['create', 'clusterrolebinding', 'plan-render-reader', '--clusterrole=cluster-reader', '--user=developer']);
    expect(rb.code, rb.stderr).toBe(0);
    const client = await cli(['set-storage', 'pvc', '--dry-run'], { context: 'developer' });
    expect(client.code, client.stderr).toBe(0);
    const server = await cli(['set-storage', 'pvc', '--dry-run=server'], { context: 'developer' });
    expect(server.code).toBe(4);
    expect(server.stderr).toMatch(/^error: .*persistentvolumeclaims.*/m);
    expect(server.stderr).toMatch(/^hint: /m);
    expect(pvc()).toBeUndefined();
    expect(config().spec).toEqual(baseline);
  });

  it('`--dry-run -o yaml` is the plan as data; replayed with kubectl it gives the state the command gives', async () => {
    reset();
    const r = await cli(['set-storage', 'pvc', '--size', '20Gi', '--dry-run', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    const plan = yaml.load(r.stdout) as any;
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', dryRun: 'client' });
    expect(plan.steps.map((s: any) => `${s.action} ${s.target.kind}`)).toEqual(['create PersistentVolumeClaim', 'patch Config']);
    for (const s of plan.steps) {
      const ns = s.target.namespace ? ['-n', s.target.namespace] : [];
      const k = s.action === 'create'
        ? await kubectl(['create', '-f', writeJSON('step.json', s.object)])
        : await kubectl(['patch', s.target.resource, s.target.name, ...ns, '--type', s.patchType, '-p', JSON.stringify(s.patch)]);
      expect(k.code, k.stderr).toBe(0);
    }
    const replayed = await state();
    reset();
    const direct = await cli(['set-storage', 'pvc', '--size', '20Gi']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(await state()).toEqual(replayed);
    expect(replayed.pvc!.resources.requests.storage).toBe('20Gi');
  });
});

function writeJSON(name: string, v: unknown): string {
  const p = path.join(dir('obj'), name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
}

describe('--render', () => {
  it('manifests: applied with kubectl --server-side they give the state of the command; re-render is byte-identical', async () => {
    reset();
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const r1 = await cli(['set-storage', 'pvc', '--render', 'manifests', '--output-dir', d1]);
    const r2 = await cli(['set-storage', 'pvc', '--render', 'manifests', '--output-dir', d2]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(files(d1)).toEqual(files(d2));
    expect(Object.keys(files(d1)).sort()).toEqual(['01-persistentvolumeclaims-openshift-image-registry-image-registry-storage.yaml', '02-configs.imageregistry.operator.openshift.io-cluster.yaml']);
    const cfgFile = files(d1)['02-configs.imageregistry.operator.openshift.io-cluster.yaml']!;
    expect(cfgFile).toMatch(/^# ROLLOUT: changes spec.storage/m);
    expect(yaml.load(cfgFile)).toEqual({ apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: { managementState: 'Managed', storage: { pvc: { claim: 'image-registry-storage' } } } });
    expect(config().spec).toEqual(baseline); // rendering changes nothing
    expect(pvc()).toBeUndefined();

    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    const rendered = await state();
    reset();
    const direct = await cli(['set-storage', 'pvc']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(await state()).toEqual(rendered);

    // Desired state for other clusters too: what this cluster already has is still rendered (the claim here is not).
    const again = await cli(['set-storage', 'pvc', '--render', 'manifests']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('# Source: 01-configs.imageregistry.operator.openshift.io-cluster.yaml');
    expect(again.stdout).toContain('    pvc:\n      claim: image-registry-storage\n');
  });

  it('kustomize: kubectl kustomize builds the same objects as the manifests', async () => {
    reset();
    const [k, m] = [dir('kustomize'), dir('manifests')];
    expect((await cli(['set-storage', 'pvc', '--render', 'kustomize', '--output-dir', k])).code).toBe(0);
    expect((await cli(['set-storage', 'pvc', '--render', 'manifests', '--output-dir', m])).code).toBe(0);
    const built = await kubectl(['kustomize', k]);
    expect(built.code, built.stderr).toBe(0);
    const objects = yaml.loadAll(built.stdout) as any[];
    const manifests = Object.keys(files(m)).sort().map((f) => yaml.load(files(m)[f]!));
    const key = (o: any) => `${o.kind}/${o.metadata.name}`;
    expect(objects.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(manifests.sort((a: any, b: any) => key(a).localeCompare(key(b))));
  });

  it('no secret value in any rendering; argocd adds an Application the server accepts', async () => {
    reset();
    const outs: Record<string, string> = {};
    for (const [format, extra] of [['manifests', []], ['kustomize', []], ['acm-policy', []], ['argocd', ['--repo-url', 'https://git.example.com/fleet.git', '--path', 'registry/manifests', '--render-namespace', 'default']]] as const) {
      const d = dir(format);
      const r = await cli([...S3, '--render', format, '--output-dir', d, ...extra], { input: S3_SECRET });
      expect(r.code, `${format}: ${r.stderr}`).toBe(0);
      expect(r.all).not.toContain(S3_SECRET);
      for (const [f, text] of Object.entries(files(d))) {
        outs[`${format}/${f}`] = text;
        expect(text, f).not.toContain(S3_SECRET);
        expect(text, f).not.toContain(b64(S3_SECRET));
      }
      const stdout = await cli([...S3, '--render', format, ...(format === 'kustomize' ? ['--output-dir', dir('k')] : []), ...extra], { input: S3_SECRET });
      expect(stdout.all).not.toContain(S3_SECRET);
      expect(stdout.all).not.toContain(b64(S3_SECRET));
    }
    expect(outs['manifests/01-secrets-openshift-image-registry-image-registry-private-configuration-user.yaml']).toContain('REGISTRY_STORAGE_S3_SECRETKEY: <redacted>');
    // --show-secrets: the values only in files (mode 0600), never on stdout/stderr; without --output-dir it is refused.
    const shown = dir('shown');
    const withValues = await cli([...S3, '--render', 'manifests', '--output-dir', shown, '--show-secrets'], { input: S3_SECRET });
    expect(withValues.code, withValues.stderr).toBe(0);
    expect(withValues.all).not.toContain(S3_SECRET);
    expect(withValues.all).not.toContain(b64(S3_SECRET));
    const secretFile = path.join(shown, '01-secrets-openshift-image-registry-image-registry-private-configuration-user.yaml');
    expect(fs.readFileSync(secretFile, 'utf8')).toContain(`REGISTRY_STORAGE_S3_SECRETKEY: ${b64(S3_SECRET)}`);
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const refused = await cli([...S3, '--render', 'manifests', '--show-secrets'], { input: S3_SECRET });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --show-secrets writes secret values only into files$/m);
    expect(refused.all).not.toContain(S3_SECRET);
    expect(secret()).toBeUndefined();
    const app = await kubectl(['apply', '--dry-run=server', '-f', writeText('application.yaml', outs['argocd/application.yaml']!)]);
    expect(app.code, app.stderr).toBe(0);
    expect(app.stdout).toContain('application.argoproj.io/regctl-set-storage-s3 created (server dry run)');
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and gives the state of the command', async () => {
    reset();
    const d = dir('acm');
    const args = [...S3, '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d];
    const r = await cli(args, { input: S3_SECRET });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Secret policies/image-registry-private-configuration-user on the hub');
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again), { input: S3_SECRET })).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    expect(files(d)['policy.yaml']).toMatch(/^# ROLLOUT: changes spec.storage/m);

    for (const a of [
      ...acmHubSetup(tmp),
      ['create', 'secret', 'generic', USER_SECRET, '-n', 'policies', '--from-literal=REGISTRY_STORAGE_S3_ACCESSKEY=AKIAPLANRENDER', `--from-file=REGISTRY_STORAGE_S3_SECRETKEY=${writeText('key', S3_SECRET)}`],
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-set-storage-s3') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    const enforced = await state();
    expect(enforced.storage.s3).toMatchObject({ bucket: 'gitops-bucket', region: 'us-east-2' });
    expect(Buffer.from(enforced.secret.REGISTRY_STORAGE_S3_SECRETKEY, 'base64').toString()).toBe(S3_SECRET);
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);

    reset();
    const direct = await cli(S3, { input: S3_SECRET });
    expect(direct.code, direct.stderr).toBe(0);
    expect(await state()).toEqual(enforced);
  });
});

describe('config set', () => {
  it('--dry-run=server changes nothing; --render manifests flags the rollout and, applied, gives the state of the command', async () => {
    reset();
    const args = ['config', 'set', 'replicas=2', 'logLevel=Debug'];
    const server = await cli([...args, '--dry-run=server']);
    expect(server.code, server.stderr).toBe(0);
    expect(server.stderr).toContain('server dry run: patch configs.imageregistry.operator.openshift.io/cluster');
    expect(config().spec).toEqual(baseline);

    const d = dir('config');
    const r = await cli([...args, '--render', 'manifests', '--output-dir', d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('this change rolls out the registry (spec.replicas)');
    const text = files(d)['01-configs.imageregistry.operator.openshift.io-cluster.yaml']!;
    expect(text).toMatch(/^# ROLLOUT: changes spec.replicas/m);
    expect(yaml.load(text)).toEqual({ apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: { logLevel: 'Debug', replicas: 2 } });
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d]);
    expect(applied.code, applied.stderr).toBe(0);
    const pick = () => ({ replicas: config().spec.replicas, logLevel: config().spec.logLevel });
    const rendered = pick();
    reset();
    const direct = await cli(args);
    expect(direct.code, direct.stderr).toBe(0);
    expect(pick()).toEqual(rendered);
    expect(rendered).toEqual({ replicas: 2, logLevel: 'Debug' });
    // Already so on this cluster: still rendered, as desired state for the others.
    const again = await cli([...args, '--render', 'manifests']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('spec:\n  logLevel: Debug\n  replicas: 2\n');
  });

  it('a change that removes a setting cannot be rendered: exit 2, nothing written', async () => {
    reset();
    const d = dir('config-rm');
    const r = await cli(['config', 'set', 'logLevel-', '--render', 'manifests', '--output-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot render .* it removes spec.logLevel/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(Object.keys(files(d))).toEqual([]);
  });
});

describe('--dry-run=server on a 4.14 cluster, for a user who may not read CRDs', () => {
  // regctl cannot read the served schema, checks against its bundled (newer) one, and a field 4.14 lacks gets through
  // the client; --dry-run=server asks for strict field validation (fieldValidation=Strict, as kubectl sends it) and the
  // API server refuses it.
  let old: Sandbox;
  const AFFINITY = 'podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n  - topologyKey: kubernetes.io/hostname\n    labelSelector:\n      matchLabels:\n        docker-registry: default\n    matchLabelKeys:\n    - pod-template-hash\n';
  const alice = (args: string[]) => runCli(['--token', old.tokens.alice!, ...args], { env: { ...old.env, HOME: tmp }, input: AFFINITY, timeoutMs: 50_000 });
  const cfg = () => old.store.get(CFG, undefined, 'cluster') as any;
  beforeAll(async () => {
    old = await startSandbox({ clusterVersion: '4.14' });
    old.store.create('rbac.authorization.k8s.io/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'registry-config-editor' },
      rules: [{ apiGroups: ['imageregistry.operator.openshift.io'], resources: ['configs'], verbs: ['get', 'list', 'watch', 'patch', 'update'] }],
    });
    old.store.create('rbac.authorization.k8s.io/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'alice-registry-config-editor' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-config-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
  }, 60_000);
  afterAll(async () => {
    await old?.stop();
  });

  it('the client dry run plans it; the server dry run is refused with the validation error; nothing changed', async () => {
    const gen = cfg().metadata.generation;
    const client = await alice(['config', 'set', 'affinity=@-', '--dry-run']);
    expect(client.code, client.stderr).toBe(0);
    expect(client.stdout).toContain('matchLabelKeys');
    const unknown = /^error: rejected by the API server: .*strict decoding error: unknown field "spec\.affinity\.podAntiAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.matchLabelKeys"/m;
    const r = await alice(['config', 'set', 'affinity=@-', '--dry-run=server']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(unknown);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.all).not.toContain(old.tokens.alice!);
    expect(cfg().metadata.generation).toBe(gen);
    expect(cfg().spec.affinity).toBeUndefined();
  });
});

function writeText(name: string, text: string): string {
  const p = path.join(dir('f'), name);
  fs.writeFileSync(p, text);
  return p;
}
