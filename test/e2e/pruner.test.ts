// `regctl pruner` (show), `pruner set`, `pruner suspend|resume` against the sandbox's operator, which renders the
// ImagePruner into the CronJob image-pruner as cluster-image-registry-operator does. Checked independently with
// kubectl: the CronJob the operator re-renders, the ImagePruner's resourceVersion (nothing written on bad input or
// --dry-run). A Removed registry (bare metal) prunes metadata only; Unmanaged still prunes blobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { runTool } from './support/tool.js';

const NS = 'openshift-image-registry';
const PRUNERS = 'imageregistry.operator.openshift.io/imagepruners';
const CONFIGS = 'imageregistry.operator.openshift.io/configs';

const cronJob = (sb: Sandbox): any => sb.store.get('batch/cronjobs', NS, 'image-pruner');
const cjArgs = (sb: Sandbox): string[] => cronJob(sb)?.spec.jobTemplate.spec.template.spec.containers[0].args ?? [];
const pruner = (sb: Sandbox): any => sb.store.get(PRUNERS, undefined, 'cluster');
const prunerCond = (sb: Sandbox, type: string): any => (pruner(sb)?.status?.conditions ?? []).find((c: any) => c.type === type);

let aws: Sandbox;
let metal: Sandbox;
let bare: Sandbox;
let home: string;
beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-pruner-e2e-'));
  [aws, metal, bare] = await Promise.all([startSandbox({ profile: 'aws' }), startSandbox({ profile: 'baremetal' }), startSandbox({ profile: 'no-registry' })]);
  await Promise.all([
    aws.waitFor(() => !!cronJob(aws) && prunerCond(aws, 'Available')?.status === 'True', 15_000),
    metal.waitFor(() => !!cronJob(metal) && prunerCond(metal, 'Available')?.status === 'True', 15_000),
  ]);
});
afterAll(async () => {
  await Promise.all([aws?.stop(), metal?.stop(), bare?.stop()]);
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const regctl = (sb: Sandbox, args: string[], input?: string) => runCli(args, { env: { ...sb.env, HOME: home }, input, timeoutMs: 60_000 });
const kubectl = (sb: Sandbox, args: string[]) => runTool('kubectl', args, sb.env, home);

describe('regctl pruner (show)', () => {
  it('shows the pruner of a fresh cluster: the defaults as the operator renders them, blobs pruned, no runs yet', async () => {
    const [t, j] = await Promise.all([regctl(aws, ['pruner']), regctl(aws, ['pruner', '-o', 'json'])]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^Pruner {10}scheduled "0 0 \* \* \*" \(UTC\), the default, next run \d{4}-\d\d-\d\d 00:00:00 UTC\n/);
    expect(t.stdout).toContain('Registry blobs  pruned — runs delete unreferenced blobs and manifests through the registry (https://image-registry.openshift-image-registry.svc:5000)');
    expect(t.stdout).toContain('Keep            3 revisions per tag, images younger than 60m\n');
    expect(t.stdout).toContain('Resources       requests cpu=100m memory=256Mi (the default)\n');
    expect(t.stdout).toContain('Jobs: none yet');
    expect(t.stderr).toBe('');
    const s = JSON.parse(j.stdout);
    expect(s).toMatchObject({
      apiVersion: 'regctl.openshift.io/v1',
      kind: 'PrunerStatus',
      settings: { schedule: '0 0 * * *', suspend: false, keepTagRevisions: 3, keepYoungerThan: '60m', ignoreInvalidImageReferences: true, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, logLevel: 'Normal' },
      health: { degraded: false },
      registryPruning: { blobs: true, basis: 'cronJob', managementState: 'Managed', registryURL: 'https://image-registry.openshift-image-registry.svc:5000' },
      jobs: [],
      lastJob: null,
    });
    // What kubectl sees in the CronJob agrees with what regctl reports.
    const k = await kubectl(aws, ['get', 'cronjob', 'image-pruner', '-n', NS, '-o', 'json']);
    const cj = JSON.parse(k.stdout);
    expect(cj.spec.schedule).toBe(s.cronJob.schedule);
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].args.slice(3)).toEqual(s.cronJob.args);
    expect(s.cronJob.args).toContain('--prune-registry=true');
    // The container's image is the operator's IMAGE_PRUNER (the release's cli image).
    const dep = JSON.parse((await kubectl(aws, ['get', 'deployment', 'cluster-image-registry-operator', '-n', NS, '-o', 'json'])).stdout);
    const env = dep.spec.template.spec.containers[0].env.find((e: any) => e.name === 'IMAGE_PRUNER');
    expect(s.cronJob.image).toBe(env.value);
    expect(t.stdout).toContain(`Image           ${env.value}\n`);
    expect(t.all + j.all).not.toContain(aws.tokens.admin);
  });

  it('refuses a bad --tail and a format it does not take (exit 2)', async () => {
    const [a, b] = await Promise.all([regctl(aws, ['pruner', '--tail', 'x']), regctl(aws, ['pruner', '-o', 'wide'])]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: invalid --tail "x"\nhint: give a number of lines from 0 to 10000\n$/);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('hint: use one of: table, json, yaml');
  });

  it('a user who may not read the ImagePruner gets exit 4; a cluster without the registry operator exit 5', async () => {
    const [dev, none, devSet] = await Promise.all([regctl(aws, ['pruner', '--context', 'developer']), regctl(bare, ['pruner']), regctl(aws, ['pruner', 'suspend', '--context', 'developer'])]);
    expect(dev.code).toBe(4);
    expect(dev.stderr).toMatch(/^error: forbidden: .*User "developer" cannot get resource "imagepruners" in API group "imageregistry\.operator\.openshift\.io"/);
    expect(devSet.code).toBe(4);
    expect(cronJob(aws).spec.suspend).toBe(false);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/^error: the cluster does not serve imageregistry\.operator\.openshift\.io: no integrated registry/);
    expect(dev.all + devSet.all).not.toContain(aws.tokens.developer);
  });
});

describe('regctl pruner set / suspend / resume', () => {
  const rv = () => pruner(aws).metadata.resourceVersion;

  it('refuses bad values with one error and a hint naming the fix; nothing is written', async () => {
    const before = rv();
    const cases: Array<[string[], RegExp, RegExp]> = [
      [['schedule=61 * * * *'], /^error: schedule "61 \* \* \* \*": the API server would refuse the CronJob: end of range \(61\) above maximum \(59\): 61; nothing was changed$/m, /^hint: give 5 fields .*schedule=@weekly$/m],
      [['schedule=CRON_TZ=Europe/Paris 0 3 * * *'], /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/, /^hint: give 5 fields/m],
      [['keepTagRevisions=-1'], /^error: spec\.keepTagRevisions: oc adm prune images refuses a negative --keep-tag-revisions/m, /^hint: e\.g\. keepTagRevisions=5/m],
      [['keepTagRevisions=three'], /^error: keepTagRevisions "three": not an integer; nothing was changed$/m, /^hint: e\.g\. keepTagRevisions=5$/m],
      [['keepYoungerThanDuration=1 day'], /^error: keepYoungerThanDuration "1 day": not a duration/m, /^hint: use Go duration syntax, e\.g\. keepYoungerThanDuration=24h/m],
      [['keepYoungerThanDuration=-1h'], /refuses a negative --keep-younger-than/, /^hint: give 0 or more/m],
      [['keepYoungerThan=2h'], /^error: keepYoungerThan "2h": this deprecated field takes nanoseconds/m, /^hint: use keepYoungerThanDuration=2h instead/m],
      [['failedJobsHistoryLimit=-2'], /^error: spec\.failedJobsHistoryLimit: the API server refuses a negative CronJob failedJobsHistoryLimit/m, /^hint: e\.g\. failedJobsHistoryLimit=5/m],
      [['logLevel=verbose'], /^error: logLevel "verbose": not one of Normal, Debug, Trace, TraceAll; nothing was changed$/m, /^hint: logLevel is one of Normal, Debug, Trace, TraceAll, e\.g\. logLevel=Debug$/m],
      [['suspend=yes'], /^error: suspend "yes": must be true or false/m, /^hint: e\.g\. suspend=true$/m],
      [['resources.limits.memory=2Gx'], /^error: spec\.resources\.limits\.memory: "2Gx" is not a quantity such as 512Mi, 2Gi, 500m or 1; nothing was changed$/m, /^hint: /m],
      [['keeptagrevision=2'], /^error: unknown setting "keeptagrevision"$/m, /^hint: did you mean keepTagRevisions\?/m],
      [['replicas=2'], /^error: replicas is not a pruner setting: it belongs to the registry configuration$/m, /^hint: change it with `regctl config set replicas=…`$/m],
      [['keepTagRevisions'], /^error: "keepTagRevisions" is not KEY=VALUE$/m, /^hint: write settings as KEY=VALUE/m],
      [['tolerations=x'], /^error: tolerations is read from a YAML file$/m, /^hint: write tolerations=@FILE\.yaml/m],
    ];
    const results = await Promise.all(cases.map(([args]) => regctl(aws, ['pruner', 'set', ...args])));
    results.forEach((r, i) => {
      const [, err, hint] = cases[i]!;
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(err);
      expect(r.stderr).toMatch(hint);
    });
    expect(rv()).toBe(before);
  });

  it('--dry-run prints the plan (one JSON patch) and changes nothing; -o json is a Plan (issue 18)', async () => {
    const before = rv();
    const [t, j] = await Promise.all([
      regctl(aws, ['pruner', 'set', 'keepTagRevisions=5', 'logLevel=debug', 'schedule=@weekly', '--dry-run']),
      regctl(aws, ['pruner', 'suspend', '--dry-run', '-o', 'json']),
    ]);
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(
      '# dry run: nothing was changed\n---\n# 1. patch imagepruners.imageregistry.operator.openshift.io/cluster (application/json-patch+json)\n' +
        '[\n  {"op":"replace","path":"/spec/keepTagRevisions","value":5},\n  {"op":"replace","path":"/spec/logLevel","value":"Debug"},\n  {"op":"replace","path":"/spec/schedule","value":"@weekly"}\n]\n',
    );
    expect(t.stderr).toBe('logLevel=debug: using Debug, as the CRD spells it\n');
    expect(JSON.parse(j.stdout)).toEqual({
      apiVersion: 'regctl.openshift.io/v1',
      kind: 'Plan',
      name: 'pruner-suspend',
      command: 'regctl pruner suspend',
      dryRun: 'client',
      steps: [
        {
          action: 'patch',
          target: { apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'ImagePruner', resource: 'imagepruners.imageregistry.operator.openshift.io', name: 'cluster' },
          summary: 'patch imagepruners.imageregistry.operator.openshift.io/cluster',
          patchType: 'json',
          contentType: 'application/json-patch+json',
          patch: [{ op: 'replace', path: '/spec/suspend', value: true }],
        },
      ],
      checks: [],
      warnings: [],
    });
    expect(rv()).toBe(before);
    expect(cronJob(aws).spec.suspend).toBe(false);
  });

  it('reads a YAML value from stdin (@-); an empty stdin is refused', async () => {
    const aff = 'affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {key: node-role.kubernetes.io/infra, operator: Exists}\n';
    const r = await regctl(aws, ['pruner', 'set', 'affinity=@-', '--dry-run', '-o', 'json'], aff);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).steps[0].patch).toEqual([
      { op: 'add', path: '/spec/affinity', value: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/infra', operator: 'Exists' }] }] } } } },
    ]);
    const typo = await regctl(aws, ['pruner', 'set', 'affinity=@-'], 'nodeAffinity:\n  requiredDuringScheduling: {}\n');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: spec\.affinity\.nodeAffinity\.requiredDuringScheduling: unknown field \(known: preferredDuringSchedulingIgnoredDuringExecution, requiredDuringSchedulingIgnoredDuringExecution\); nothing was changed$/m);
    const empty = await regctl(aws, ['pruner', 'set', 'tolerations=@-'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('error: stdin is empty\nhint: put the tolerations value in it\n');
  });

  it('sets several values in one patch; the operator re-renders the CronJob; a second run changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'tol-'));
    const tol = path.join(dir, 'tolerations.yaml');
    fs.writeFileSync(tol, 'tolerations:\n- key: node-role.kubernetes.io/infra\n  operator: Exists\n  effect: NoSchedule\n');
    const args = ['keepTagRevisions=5', 'keepYoungerThanDuration=90m', 'SCHEDULE=30 2 * * 6', 'loglevel=trace', 'resources.requests.memory=512Mi', 'failedJobsHistoryLimit=5', `tolerations=@${tol}`, 'nodeSelector=node-role.kubernetes.io/infra='];
    const r = await regctl(aws, ['pruner', 'set', ...args, '-o', 'yaml']);
    expect(r.code).toBe(0);
    const out = yaml.load(r.stdout) as any;
    expect(out).toMatchObject({ kind: 'PrunerChange', dryRun: false, changed: true });
    expect(out.patch).toHaveLength(8);
    expect(out.warnings).toEqual(["spec.resources replaces the operator's default (requests cpu 100m, memory 256Mi) as a whole: only what you set applies"]);
    expect(r.stderr).toContain('Patched imagepruners.imageregistry.operator.openshift.io/cluster: keepTagRevisions=5, keepYoungerThanDuration=90m, schedule=30 2 * * 6, logLevel=Trace');
    expect(r.stderr).toMatch(/Next run: \d{4}-\d\d-\d\dT02:30:00Z \(schedule "30 2 \* \* 6", UTC\)/);
    // The operator's rendering, read with kubectl.
    await aws.waitFor(() => cronJob(aws)?.spec.schedule === '30 2 * * 6', 10_000);
    const k = JSON.parse((await kubectl(aws, ['get', 'cronjob', 'image-pruner', '-n', NS, '-o', 'json'])).stdout);
    const pod = k.spec.jobTemplate.spec.template.spec;
    expect(k.spec.failedJobsHistoryLimit).toBe(5);
    expect(pod.containers[0].args).toEqual(expect.arrayContaining(['--keep-tag-revisions=5', '--keep-younger-than=1h30m0s', '--loglevel=6']));
    expect(pod.containers[0].resources).toEqual({ requests: { memory: '512Mi' } });
    expect(pod.tolerations).toEqual([{ key: 'node-role.kubernetes.io/infra', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/infra': '' });
    const shown = JSON.parse((await regctl(aws, ['pruner', '-o', 'json'])).stdout);
    expect(shown.settings).toMatchObject({ schedule: '30 2 * * 6', keepTagRevisions: 5, keepYoungerThan: '1h30m0s', logLevel: 'Trace', failedJobsHistoryLimit: 5 });
    expect(shown.cronJob.nextRun).toMatch(/T02:30:00Z$/);
    expect(new Date(shown.cronJob.nextRun).getUTCDay()).toBe(6);

    const before = pruner(aws).metadata.resourceVersion;
    const again = await regctl(aws, ['pruner', 'set', ...args]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('Nothing to change:');
    expect(pruner(aws).metadata.resourceVersion).toBe(before);

    // KEY- removes the field: the operator's default applies again.
    const reset = await regctl(aws, ['pruner', 'set', 'schedule-', 'resources-', 'nodeSelector-', 'tolerations-', 'keepYoungerThanDuration-', 'logLevel=Normal']);
    expect(reset.code).toBe(0);
    await aws.waitFor(() => cronJob(aws)?.spec.schedule === '0 0 * * *' && cjArgs(aws).includes('--keep-younger-than=60m'), 10_000);
    expect(pruner(aws).spec.schedule).toBeUndefined();
  });

  it('suspend and resume: the CronJob follows, the Scheduled condition says so; both idempotent', async () => {
    const s = await regctl(aws, ['pruner', 'suspend']);
    expect(s.code).toBe(0);
    expect(s.stderr).toContain('Patched imagepruners.imageregistry.operator.openshift.io/cluster: suspend=true\nNo scheduled runs until `regctl pruner resume`.');
    await aws.waitFor(() => cronJob(aws)?.spec.suspend === true && prunerCond(aws, 'Scheduled')?.reason === 'Suspended', 10_000);
    const k = await kubectl(aws, ['get', 'cronjob', 'image-pruner', '-n', NS, '-o', 'jsonpath={.spec.suspend}']);
    expect(k.stdout).toBe('true');
    const show = await regctl(aws, ['pruner']);
    expect(show.stdout).toMatch(/^Pruner {10}suspended: no scheduled runs \(schedule "0 0 \* \* \*" \(UTC\), the default\); `regctl pruner resume` resumes\n/);
    expect(show.stdout).toMatch(/Scheduled +False +Suspended +The pruner job has been suspended/);
    const again = await regctl(aws, ['pruner', 'suspend', '-o', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'PrunerChange', changed: false, patch: [] });

    const r = await regctl(aws, ['pruner', 'resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/suspend=false\nNext run: \d{4}-\d\d-\d\dT00:00:00Z \(schedule "0 0 \* \* \*", UTC\)/);
    await aws.waitFor(() => cronJob(aws)?.spec.suspend === false && prunerCond(aws, 'Scheduled')?.reason === 'Scheduled', 10_000);
  });
});

describe('a Removed registry prunes metadata only; Unmanaged still prunes blobs', () => {
  it('Removed (bare metal): not pruned, metadata only, as the CronJob says', async () => {
    expect((metal.store.get(CONFIGS, undefined, 'cluster') as any).spec.managementState).toBe('Removed');
    const [t, j] = await Promise.all([regctl(metal, ['pruner']), regctl(metal, ['pruner', '-o', 'json'])]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(
      'Registry blobs  not pruned — metadata only: runs delete images and image stream history from the API but leave blobs in storage (managementState Removed deleted the registry Service, so image.config has no internal hostname)\n',
    );
    const s = JSON.parse(j.stdout);
    expect(s.registryPruning).toMatchObject({ blobs: false, basis: 'cronJob', managementState: 'Removed', internalRegistryHostname: '' });
    expect(s.registryPruning.registryURL).toBeUndefined();
    const k = await kubectl(metal, ['get', 'cronjob', 'image-pruner', '-n', NS, '-o', 'jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].args}']);
    expect(k.stdout).toContain('--prune-registry=false');
    expect(k.stdout).not.toContain('--registry-url');
  });

  it('Unmanaged keeps the Service, so runs still prune blobs (the operator decides on the Service)', async () => {
    const p = await kubectl(aws, ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Unmanaged"}}']);
    expect(p.code).toBe(0);
    await aws.waitFor(() => (aws.store.get(CONFIGS, undefined, 'cluster') as any)?.spec.managementState === 'Unmanaged', 10_000);
    const s = JSON.parse((await regctl(aws, ['pruner', '-o', 'json'])).stdout);
    expect(s.registryPruning).toMatchObject({ blobs: true, managementState: 'Unmanaged' });
    expect(s.registryPruning.reason).toContain('Unmanaged leaves the registry Service in place, and the operator decides on the Service, not on managementState');
    expect(cjArgs(aws)).toContain('--prune-registry=true');
    await kubectl(aws, ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type', 'merge', '-p', '{"spec":{"managementState":"Managed"}}']);
  });
});
