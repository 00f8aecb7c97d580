// `regctl config set`: parsing KEY=VALUE, minimal JSON patches, the pre-flight rules, and reading the
// operator's verdict from the Config's conditions.
import { describe, expect, it } from 'vitest';
import {
  PatchBuilder,
  accessModeProblem,
  deploymentComplete,
  evaluate,
  findSetting,
  parseAssignments,
  schemaErrors,
  valueHint,
  planConfig,
  redactSpec,
  renderWrites,
  settingValue,
} from '../../src/cluster/registry-config.js';
import { UsageError } from '../../src/errors.js';

const noFiles = async (src: string) => {
  throw new Error(`unexpected read of ${src}`);
};
const parse = (args: string[], files: Record<string, string> = {}) => parseAssignments(args, async (src) => (src in files ? files[src]! : noFiles(src)));

function config(spec: Record<string, unknown>, status: Record<string, unknown> = {}) {
  return { metadata: { name: 'cluster', generation: 4 }, spec: { replicas: 1, managementState: 'Managed', ...spec }, status };
}

describe('parseAssignments', () => {
  it('parses types per setting', async () => {
    const a = await parse(['replicas=3', 'readOnly=TRUE', 'logLevel=Debug', 'requests.read.maxRunning=10', 'nodeSelector=a=b,node-role.kubernetes.io/infra=']);
    expect(a.map((x) => [x.setting.key, x.value])).toEqual([
      ['replicas', 3],
      ['readOnly', true],
      ['logLevel', 'Debug'],
      ['requests.read.maxRunning', 10],
      ['nodeSelector', { a: 'b', 'node-role.kubernetes.io/infra': '' }],
    ]);
  });

  it('KEY- removes; required settings cannot be removed', async () => {
    expect((await parse(['proxy.http-']))[0]!.value).toBeUndefined();
    await expect(parse(['replicas-'])).rejects.toThrow(/replicas cannot be removed/);
  });

  it('refuses bad input with usage errors', async () => {
    await expect(parse([])).rejects.toBeInstanceOf(UsageError);
    await expect(parse(['replicas'])).rejects.toThrow(/is not KEY=VALUE/);
    await expect(parse(['replicas=two'])).rejects.toThrow(/must be an integer/);
    await expect(parse(['readOnly=yes'])).rejects.toThrow(/true or false/);
    await expect(parse(['nodeSelector=justalabel'])).rejects.toThrow(/LABEL=VALUE/);
    await expect(parse(['replicas=1', 'replicas=2'])).rejects.toThrow(/given twice/);
    await expect(parse(['tolerations=[]'])).rejects.toThrow(/read from a YAML file/);
    const e = await parse(['replica=2']).catch((x) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('unknown setting "replica"');
    expect(e.hint).toMatch(/did you mean replicas/);
  });

  it('reads YAML settings from files, bare or keyed by the setting name', async () => {
    const files = {
      't.yaml': '- key: infra\n  operator: Exists\n  effect: NoSchedule\n',
      'a.yaml': 'affinity:\n  podAntiAffinity: {}\n',
      'bad.yaml': 'a: [',
      'empty.yaml': '',
    };
    const a = await parse(['tolerations=@t.yaml', 'affinity=@a.yaml'], files);
    expect(a[0]!.value).toEqual([{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(a[1]!.value).toEqual({ podAntiAffinity: {} });
    await expect(parse(['tolerations=@bad.yaml'], files)).rejects.toThrow(/not valid YAML/);
    await expect(parse(['tolerations=@empty.yaml'], files)).rejects.toThrow(/is empty/);
  });

  it('is case-tolerant on keys', async () => {
    expect((await parse(['loglevel=Debug']))[0]!.setting.key).toBe('logLevel');
  });

  // issue 17 §2: the rough edges of `config set`.
  it('takes enum values in any case, in the CRD spelling, and remembers what was typed', async () => {
    const a = await parse(['logLevel=debug', 'operatorLogLevel=TRACEALL', 'rolloutStrategy=recreate', 'managementState=managed', 'storage.managementstate=unmanaged', 'proxy.http=http://Proxy:3128']);
    expect(a.map((x) => [x.setting.key, x.value, x.given])).toEqual([
      ['logLevel', 'Debug', 'debug'],
      ['operatorLogLevel', 'TraceAll', 'TRACEALL'],
      ['rolloutStrategy', 'Recreate', 'recreate'],
      ['managementState', 'Managed', 'managed'],
      ['storage.managementState', 'Unmanaged', 'unmanaged'],
      ['proxy.http', 'http://Proxy:3128', undefined],
    ]);
    expect((await parse(['logLevel=Debug']))[0]!.given).toBeUndefined();
    // Not a value in any case: left as typed, for the schema check to refuse.
    expect((await parse(['logLevel=Loud']))[0]!.value).toBe('Loud');
  });

  it('storage.managementState is its own setting; refused values hint at it, not at the operator\'s managementState', async () => {
    const [a] = await parse(['storage.managementState=bogus']);
    expect(a!.setting.path).toEqual(['storage', 'managementState']);
    expect(schemaErrors([a!])).toEqual(['spec.storage.managementState: "bogus" does not match ^(Managed|Unmanaged)$']);
    expect(valueHint(a!)).toBe('storage.managementState is one of Managed, Unmanaged, e.g. storage.managementState=Managed');
    const typo = await parse(['storage.managmentState=Unmanaged']).catch((x) => x);
    expect(typo.message).toBe('unknown setting "storage.managmentState"');
    expect(typo.hint).toMatch(/^did you mean storage\.managementState\?/);
    const other = await parse(['storage.mgmt=Unmanaged']).catch((x) => x);
    expect(other).toBeInstanceOf(UsageError);
    expect(other.hint).not.toMatch(/(^|[^.])\bmanagementState/);
  });

  it('defaultRoute, routes and storage name the command that sets them', async () => {
    const d = await parse(['defaultRoute=true']).catch((x) => x);
    expect(d).toBeInstanceOf(UsageError);
    expect(d.exitCode).toBe(2);
    expect(d.message).toBe('defaultRoute is not changed with `config set`: use `regctl expose --default-route`');
    expect(d.hint).toBe('turn it on with `regctl expose --default-route` (it waits for the route), off with `regctl expose --remove`');
    expect((await parse(['spec.routes=x']).catch((x) => x)).message).toMatch(/use `regctl expose --route NAME`/);
    expect((await parse(['storage.s3.bucket=b']).catch((x) => x)).message).toMatch(/^storage\.s3\.bucket is not changed with `config set`: use `regctl set-storage TYPE`/);
  });

  it('config get reads storage (and paths under it) and the route settings', () => {
    const spec = { storage: { s3: { bucket: 'b', region: 'us-east-1' }, managementState: 'Managed' }, defaultRoute: true };
    expect(findSetting('storage', { get: true }).key).toBe('storage');
    expect(settingValue(spec, 'storage')).toEqual(spec.storage);
    expect(settingValue(spec, 'storage.s3.bucket')).toBe('b');
    expect(settingValue(spec, 'defaultRoute')).toBe(true);
    expect(settingValue(spec, 'routes')).toBeUndefined();
    expect(() => findSetting('storage')).toThrow(/use `regctl set-storage TYPE`/);
  });
});

describe('PatchBuilder', () => {
  it('replaces existing members, adds new ones with missing parents, skips equal values', () => {
    const b = new PatchBuilder({ spec: { logLevel: 'Normal', proxy: {}, replicas: 2 } });
    b.set(['spec', 'logLevel'], 'Debug');
    b.set(['spec', 'replicas'], 2);
    b.set(['spec', 'proxy', 'http'], 'http://p:3128');
    b.set(['spec', 'requests', 'read', 'maxRunning'], 5);
    b.set(['spec', 'requests', 'read', 'maxInQueue'], 6);
    b.remove(['spec', 'nosuch']);
    b.remove(['spec', 'proxy', 'http']);
    expect(b.ops).toEqual([
      { op: 'replace', path: '/spec/logLevel', value: 'Debug' },
      { op: 'add', path: '/spec/proxy/http', value: 'http://p:3128' },
      { op: 'add', path: '/spec/requests', value: { read: { maxRunning: 5 } } },
      { op: 'add', path: '/spec/requests/read/maxInQueue', value: 6 },
      { op: 'remove', path: '/spec/proxy/http' },
    ]);
  });

  it('escapes JSON pointer segments', () => {
    const b = new PatchBuilder({ spec: { nodeSelector: {} } });
    b.set(['spec', 'nodeSelector', 'node-role.kubernetes.io/infra'], '');
    expect(b.ops[0]!.path).toBe('/spec/nodeSelector/node-role.kubernetes.io~1infra');
  });
});

describe('planConfig', () => {
  const plan = async (args: string[], cfg = config({}), pvc: any = null) => planConfig(await parse(args), cfg, pvc);
  const rwo = { spec: { accessModes: ['ReadWriteOnce'] } };
  const rwx = { spec: { accessModes: ['ReadWriteMany'] } };
  const pvcCfg = config({ storage: { pvc: { claim: 'reg' } }, rolloutStrategy: 'Recreate', replicas: 1 });

  it('produces an empty patch when nothing changes (idempotent)', async () => {
    const p = await plan(['replicas=1', 'managementState=Managed']);
    expect(p.ops).toEqual([]);
    expect(p.problems).toEqual([]);
  });

  it('reports schema problems as usage problems', async () => {
    const p = await plan(['logLevel=Loud']);
    expect(p.problems[0]!.message).toMatch(/spec\.logLevel: "Loud" is not one of/);
  });

  it('refuses negative replicas with the operator text', async () => {
    expect((await plan(['replicas=-1'])).problems[0]!.message).toBe('replicas must be greater than or equal to 0');
  });

  it('refuses Managed without storage (StorageNotConfigured) and with two storage types', async () => {
    const removed = config({ managementState: 'Removed', storage: {} });
    expect((await plan(['managementState=Managed'], removed)).problems[0]!.message).toMatch(/StorageNotConfigured/);
    const two = config({ managementState: 'Removed', storage: { s3: { bucket: 'b' }, pvc: { claim: 'c' } } });
    expect((await plan(['managementState=Managed'], two)).problems[0]!.message).toMatch(/accepts exactly one/);
  });

  it('enforces the ReadWriteOnce rules against the claim in use', async () => {
    expect((await plan(['replicas=2'], pvcCfg, rwo)).problems[0]!.message).toMatch(/^cannot use ReadWriteOnce access mode with more than one replica/);
    expect((await plan(['rolloutStrategy=RollingUpdate'], pvcCfg, rwo)).problems[0]!.message).toMatch(/^cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy/);
    expect((await plan(['replicas=2', 'rolloutStrategy=RollingUpdate'], pvcCfg, rwx)).problems).toEqual([]);
    const p = planConfig(await parse(['replicas=2']), pvcCfg, undefined);
    expect(p.problems).toEqual([]);
    expect(p.warnings[0]).toMatch(/not verified/);
  });

  it('needs confirmation for Removed, naming the managed storage', async () => {
    const cfg = config({ storage: { s3: { bucket: 'b' }, managementState: 'Managed' } });
    const p = await plan(['managementState=Removed'], cfg);
    expect(p.risks[0]).toMatch(/deletes the registry and the storage the operator manages \(s3\)/);
    expect(p.ops).toEqual([{ op: 'replace', path: '/spec/managementState', value: 'Removed' }]);
  });

  it('warns about emptyDir with several replicas and about replicas 0', async () => {
    const cfg = config({ storage: { emptyDir: {} } });
    expect((await plan(['replicas=2'], cfg)).warnings[0]).toMatch(/emptyDir storage is per pod/);
    expect((await plan(['replicas=0'], cfg)).warnings[0]).toMatch(/no pods/);
  });
});

describe('accessModeProblem', () => {
  it('follows pkg/storage/pvc', () => {
    expect(accessModeProblem('c', ['ReadWriteMany'], 3, 'RollingUpdate')).toBeUndefined();
    expect(accessModeProblem('c', ['ReadWriteOnce'], 1, 'Recreate')).toBeUndefined();
    expect(accessModeProblem('c', ['ReadWriteOnce'], 1, undefined)).toMatch(/RollingUpdate/);
    expect(accessModeProblem('c', ['ReadOnlyMany'], 1, 'Recreate')).toBe('PVC c does not contain the necessary access modes: ReadWriteMany or ReadWriteOnce');
  });
});

describe('evaluate (the operator verdict)', () => {
  const cond = (type: string, status: string, reason = '', message = '') => ({ type, status, reason, message });
  const cfg = (conds: unknown[], observedGeneration = 5, extra: Record<string, unknown> = {}) => ({
    metadata: { generation: 5 },
    spec: { managementState: 'Managed', ...extra },
    status: { observedGeneration, conditions: conds },
  });

  it('waits until the operator observed the generation', () => {
    expect(evaluate(cfg([cond('Available', 'True', 'Ready')], 4), 5).state).toBe('pending');
  });

  it('is ready when Available and the rollout is done', () => {
    const v = evaluate(cfg([cond('Available', 'True', 'Ready', 'The registry is ready'), cond('Progressing', 'False', 'Ready'), cond('Degraded', 'False')]), 5);
    expect(v.state).toBe('ready');
  });

  it('is pending while the deployment rolls out', () => {
    expect(evaluate(cfg([cond('Available', 'True', 'MinimumAvailability'), cond('Progressing', 'True', 'DeploymentNotCompleted'), cond('Degraded', 'False')]), 5).state).toBe('pending');
  });

  it('is pending while the Deployment reconciles with minimum availability (CIRO reports Progressing=False then)', () => {
    expect(evaluate(cfg([cond('Available', 'True', 'MinimumAvailability'), cond('Progressing', 'False', 'MinimumAvailability'), cond('Degraded', 'False')]), 5).state).toBe('pending');
  });

  it("judges a Deployment's rollout as CIRO's isDeploymentStatusComplete does", () => {
    const dep = (generation: number, status: Record<string, number>) => ({ metadata: { generation }, spec: { replicas: 3 }, status });
    expect(deploymentComplete(dep(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(true);
    // Not yet observed by the deployment controller: its counts describe the previous template.
    expect(deploymentComplete(dep(2, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false);
    expect(deploymentComplete(dep(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false);
    expect(deploymentComplete(dep(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }))).toBe(false);
    expect(deploymentComplete({ metadata: { generation: 1 }, spec: {}, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } })).toBe(true);
  });

  it('fails on a permanent error, with the reason and message', () => {
    const v = evaluate(cfg([cond('Available', 'False', 'StorageNotConfigured', 'Error: storage backend not configured'), cond('Progressing', 'False', 'Error', 'Unable to apply resources: storage backend not configured'), cond('Degraded', 'True', 'StorageNotConfigured', 'Error: storage backend not configured')]), 5);
    expect(v).toMatchObject({ state: 'failed', reason: 'Error', message: 'Unable to apply resources: storage backend not configured' });
  });

  it('fails on an apply error such as a missing secret key', () => {
    const msg = 'Unable to apply resources: unable to sync storage configuration: secret "openshift-image-registry/image-registry-private-configuration-user" does not contain required key "REGISTRY_STORAGE_S3_SECRETKEY"';
    const v = evaluate(cfg([cond('Available', 'False', 'NoReplicasAvailable'), cond('Progressing', 'True', 'Error', msg), cond('Degraded', 'False')]), 5);
    expect(v).toMatchObject({ state: 'failed', reason: 'Error', message: msg });
  });

  it('treats Degraded Unavailable as failure only when nothing progresses', () => {
    expect(evaluate(cfg([cond('Available', 'False', 'NoReplicasAvailable'), cond('Progressing', 'True', 'DeploymentNotCompleted'), cond('Degraded', 'True', 'Unavailable')]), 5).state).toBe('pending');
    expect(evaluate(cfg([cond('Available', 'False', 'NoReplicasAvailable'), cond('Progressing', 'False', 'Ready'), cond('Degraded', 'True', 'Unavailable', 'x')]), 5)).toMatchObject({ state: 'failed', reason: 'Unavailable' });
  });

  it('knows Removed and Unmanaged', () => {
    expect(evaluate(cfg([cond('Removed', 'True'), cond('Progressing', 'False', 'Removed')], 5, { managementState: 'Removed' }), 5).state).toBe('ready');
    expect(evaluate(cfg([cond('Removed', 'True'), cond('Progressing', 'True', 'DeletingDeployment')], 5, { managementState: 'Removed' }), 5).state).toBe('pending');
    expect(evaluate(cfg([], 5, { managementState: 'Unmanaged' }), 5).state).toBe('ready');
  });
});

describe('output helpers', () => {
  it('redacts httpSecret in config get', () => {
    expect(redactSpec({ httpSecret: 'abc', replicas: 1 })).toEqual({ httpSecret: 'REDACTED', replicas: 1 });
  });

  it('reads settings by dotted key', () => {
    expect(settingValue({ requests: { read: { maxRunning: 3 } } }, 'requests.read.maxRunning')).toBe(3);
    expect(settingValue({}, 'proxy.http')).toBeUndefined();
  });

  it('renders a dry run as YAML documents with the JSON patch one op per line', () => {
    const out = renderWrites([{ action: 'patch', kind: 'Config', name: 'cluster', patchType: 'json', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }], summary: 'patch x' }]);
    expect(out).toBe('---\n# 1. patch x (application/json-patch+json)\n[\n  {"op":"replace","path":"/spec/replicas","value":1}\n]\n');
    expect(renderWrites([])).toBe('# nothing to change\n');
  });
});
