// issue 18 parts 1-2 with `pruner set|suspend|resume`: the plan is the one JSON patch of the ImagePruner the command
// sends. --dry-run=server has the API server check it and changes nothing; `--render manifests` applied with kubectl
// --server-side and `--render acm-policy` enforced by the sandbox's configuration-policy controller (self-managed hub)
// give the ImagePruner spec the command itself gives; re-renders are byte-identical; `KEY-` (back to the default) is a
// removal and cannot be rendered (exit 2, nothing written).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const PRUNERS = 'imageregistry.operator.openshift.io/imagepruners';
const POLICIES = 'policy.open-cluster-management.io/policies';
const FILE = '01-imagepruners.imageregistry.operator.openshift.io-cluster.yaml';

let sb: Sandbox;
let tmp: string;
let baseline: any;

const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const pruner = () => sb.store.get(PRUNERS, undefined, 'cluster') as any;
const spec = () => structuredClone(pruner().spec);
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));

/** Back to the ImagePruner of a fresh install. */
function reset(): void {
  sb.store.update(PRUNERS, { ...pruner(), spec: structuredClone(baseline) });
}

const SET = ['pruner', 'set', 'keepTagRevisions=7', 'keepYoungerThanDuration=24h', 'logLevel=debug', 'nodeSelector=node-role.kubernetes.io/infra='];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-pruner-'));
  sb = await startSandbox({ profile: 'aws' });
  await sb.waitFor(() => !!pruner(), 15_000);
  baseline = spec();
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pruner dry runs', () => {
  it('--dry-run=server has the API server check the patch and changes nothing', async () => {
    reset();
    const rv = pruner().metadata.resourceVersion;
    for (const args of [SET, ['pruner', 'suspend'], ['pruner', 'set', 'schedule-', 'keepTagRevisions=4']]) {
      const r = await cli([...args, '--dry-run=server']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('server dry run: patch imagepruners.imageregistry.operator.openshift.io/cluster');
      expect(r.stdout.split('\n')[0]).toBe('# dry run (checked by the API server): nothing was changed');
    }
    expect(pruner().metadata.resourceVersion).toBe(rv);
    expect(spec()).toEqual(baseline);
    // A value the CRD refuses is caught before anything is sent, also on a dry run.
    const bad = await cli(['pruner', 'set', 'keepTagRevisions=-1', '--dry-run=server']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hint: /m);
  });
});

describe('pruner --render', () => {
  it('manifests: applied with kubectl --server-side they give the spec of the command; re-render is byte-identical', async () => {
    reset();
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const r1 = await cli([...SET, '--render', 'manifests', '--output-dir', d1]);
    const r2 = await cli([...SET, '--render', 'manifests', '--output-dir', d2]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(files(d1)).toEqual(files(d2));
    expect(Object.keys(files(d1))).toEqual([FILE]);
    expect(yaml.load(files(d1)[FILE]!)).toEqual({
      apiVersion: 'imageregistry.operator.openshift.io/v1',
      kind: 'ImagePruner',
      metadata: { name: 'cluster' },
      spec: { keepTagRevisions: 7, keepYoungerThanDuration: '24h', logLevel: 'Debug', nodeSelector: { 'node-role.kubernetes.io/infra': '' } },
    });
    expect(spec()).toEqual(baseline); // rendering changes nothing

    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    const rendered = spec();
    reset();
    const direct = await cli(SET);
    expect(direct.code, direct.stderr).toBe(0);
    expect(spec()).toEqual(rendered);
    expect(rendered).toMatchObject({ keepTagRevisions: 7, logLevel: 'Debug' });

    // Already so on this cluster: still rendered, as desired state for the others.
    const again = await cli([...SET, '--render', 'manifests']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('  keepTagRevisions: 7\n');
  });

  it('suspend and resume render spec.suspend; applied, the CronJob follows as it does for the command', async () => {
    reset();
    const s = await cli(['pruner', 'suspend', '--render', 'manifests']);
    expect(s.code, s.stderr).toBe(0);
    const objects = yaml.loadAll(s.stdout).filter(Boolean) as any[];
    expect(objects).toEqual([{ apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'ImagePruner', metadata: { name: 'cluster' }, spec: { suspend: true } }]);
    expect(spec()).toEqual(baseline);
    const f = path.join(dir('suspend'), 'suspend.yaml');
    fs.writeFileSync(f, s.stdout);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', f]);
    expect(applied.code, applied.stderr).toBe(0);
    await sb.waitFor(() => (sb.store.get('batch/cronjobs', 'openshift-image-registry', 'image-pruner') as any)?.spec.suspend === true, 10_000);
    const r = await cli(['pruner', 'resume', '--render', 'manifests']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('spec:\n  suspend: false\n');
  });

  it('a change back to a default (KEY-) removes a field and cannot be rendered: exit 2, nothing written', async () => {
    reset();
    const d = dir('rm');
    const r = await cli(['pruner', 'set', 'schedule-', 'keepTagRevisions=4', '--render', 'manifests', '--output-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot render .* it removes spec\.schedule/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(Object.keys(files(d))).toEqual([]);
    expect(spec()).toEqual(baseline);
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and gives the spec of the command', async () => {
    reset();
    const d = dir('acm');
    const args = [...SET, '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d];
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again))).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    expect(spec()).toEqual(baseline);

    for (const a of [
      ...acmHubSetup(tmp),
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-pruner-set') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    const enforced = spec();
    expect(enforced).toMatchObject({ keepTagRevisions: 7, keepYoungerThanDuration: '24h', logLevel: 'Debug' });
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);

    reset();
    const direct = await cli(SET);
    expect(direct.code, direct.stderr).toBe(0);
    expect(spec()).toEqual(enforced);
  });
});

