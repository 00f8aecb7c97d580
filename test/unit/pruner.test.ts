// The pure parts of `regctl pruner`: the CronJob schedule parser (robfig/cron ParseStandard as the API server uses
// it), Go durations, the settings' parsing and checks, the patch plan, and what the status says about blob pruning
// and which job's log it shows.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { parseCronSchedule, scheduleError } from '../../src/cluster/cron.js';
import { buildPrunerStatus, effectiveSettings, goDurationString, parseGoDuration, prunerFailureFix, registryPruning } from '../../src/cluster/pruner.js';
import { findPrunerSetting, parsePrunerAssignments, planPruner, prunerSchemaErrors } from '../../src/cluster/pruner-settings.js';
import { PRUNER_SPEC_SCHEMA } from '../../src/cluster/pruner-schema-data.js';

const CRD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../sandbox/data/openshift/crds/imagepruners.imageregistry.operator.openshift.io.crd.yaml');
const noFiles = async () => {
  throw new Error('no files here');
};

describe('schema data', () => {
  it('is the spec schema of the real CRD (descriptions and list/map markers dropped)', () => {
    const crd = yaml.load(fs.readFileSync(CRD, 'utf8')) as any;
    const strip = (o: any): any => {
      if (typeof o !== 'object' || o === null) return o;
      if (Array.isArray(o)) return o.map(strip);
      const r: any = {};
      for (const [k, v] of Object.entries(o)) {
        if (['description', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-list-map-keys'].includes(k)) continue;
        r[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, strip(pv)])) : strip(v);
      }
      return r;
    };
    expect(PRUNER_SPEC_SCHEMA.properties).toEqual(strip(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec).properties);
  });
});

describe('cron schedules', () => {
  const at = new Date('2026-03-04T05:06:07Z');
  const next = (s: string) => parseCronSchedule(s).next(at).toISOString();
  it('computes the next run in UTC as robfig/cron does', () => {
    expect(next('0 0 * * *')).toBe('2026-03-05T00:00:00.000Z');
    expect(next('@hourly')).toBe('2026-03-04T06:00:00.000Z');
    expect(next('@weekly')).toBe('2026-03-08T00:00:00.000Z');
    expect(next('*/15 9-17 * * MON-FRI')).toBe('2026-03-04T09:00:00.000Z');
    expect(next('30 2 1 * *')).toBe('2026-04-01T02:30:00.000Z');
    expect(next('30 2 * * 6')).toBe('2026-03-07T02:30:00.000Z');
    // Both day fields restricted: either matches (the 10th or a Monday).
    expect(next('0 0 10 * 1')).toBe('2026-03-09T00:00:00.000Z');
    expect(next('@every 90m')).toBe('2026-03-04T06:36:07.000Z');
  });
  it('refuses what the API server refuses, worded as it words it', () => {
    expect(scheduleError('61 * * * *')).toBe('end of range (61) above maximum (59): 61');
    expect(scheduleError('0 0 * * 7')).toBe('end of range (7) above maximum (6): 7');
    expect(scheduleError('0 0 * *')).toBe('expected exactly 5 fields, found 4: [0 0 * *]');
    expect(scheduleError('0 0 0 * * *')).toBe('expected exactly 5 fields, found 6: [0 0 0 * * *]');
    expect(scheduleError('5-2 * * * *')).toBe('beginning of range (5) beyond end of range (2): 5-2');
    expect(scheduleError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
    expect(scheduleError('CRON_TZ=UTC 0 0 * * *')).toBe('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    expect(scheduleError('*/0 * * * *')).toBe('step of range should be a positive number: */0');
    expect(scheduleError('x * * * *')).toMatch(/^failed to parse int from x/);
    expect(scheduleError('*/61 * * * *')).toBeUndefined();
    expect(scheduleError('0 0 ? * sun')).toBeUndefined();
  });
});

describe('Go durations', () => {
  it('prints as time.Duration.String() and parses time.ParseDuration syntax', () => {
    expect(goDurationString(parseGoDuration('60m')!)).toBe('1h0m0s');
    expect(goDurationString(parseGoDuration('90m')!)).toBe('1h30m0s');
    expect(goDurationString(parseGoDuration('1.5s')!)).toBe('1.5s');
    expect(goDurationString(parseGoDuration('500ms')!)).toBe('500ms');
    expect(goDurationString(7_200_000_000_000)).toBe('2h0m0s');
    expect(goDurationString(0)).toBe('0s');
    expect(parseGoDuration('-1h')).toBe(-3.6e12);
    expect(parseGoDuration('1 day')).toBeUndefined();
    expect(parseGoDuration('24')).toBeUndefined();
  });
  it('effective settings fill the operator defaults; keepYoungerThanDuration wins over the deprecated nanoseconds', () => {
    expect(effectiveSettings({})).toMatchObject({ schedule: '0 0 * * *', suspend: false, keepTagRevisions: 3, keepYoungerThan: '60m', logLevel: 'Normal', resources: { requests: { cpu: '100m', memory: '256Mi' } } });
    expect(effectiveSettings({ keepYoungerThan: 7_200_000_000_000 }).keepYoungerThan).toBe('2h0m0s');
    expect(effectiveSettings({ keepYoungerThan: 7_200_000_000_000, keepYoungerThanDuration: '30m' }).keepYoungerThan).toBe('30m0s');
  });
});

describe('pruner set: keys, values, checks, plan', () => {
  it('finds settings in any case, quantities under resources, and refuses others with a hint', () => {
    expect(findPrunerSetting('spec.KEEPTAGREVISIONS').key).toBe('keepTagRevisions');
    expect(findPrunerSetting('resources.Limits.memory')).toMatchObject({ key: 'resources.limits.memory', kind: 'quantity' });
    expect(() => findPrunerSetting('keepTagRevision')).toThrow(/unknown setting/);
    expect(() => findPrunerSetting('resources.memory')).toThrow(/unknown setting/);
    expect(() => findPrunerSetting('managementState')).toThrow(/belongs to the registry configuration/);
  });
  it('parses values: canonical enums and booleans, maps, YAML files; refuses bad ones', async () => {
    const a = await parsePrunerAssignments(['logLevel=traceall', 'suspend=TRUE', 'nodeSelector=a=b,c=', 'schedule=', 'keepYoungerThan-'], noFiles);
    expect(a.map((x) => [x.setting.key, x.value, x.given])).toEqual([
      ['logLevel', 'TraceAll', 'traceall'],
      ['suspend', true, 'TRUE'],
      ['nodeSelector', { a: 'b', c: '' }, undefined],
      ['schedule', '', undefined],
      ['keepYoungerThan', undefined, undefined],
    ]);
    const t = await parsePrunerAssignments(['tolerations=@x.yaml'], async () => 'tolerations:\n- operator: Exists\n');
    expect(t[0]!.value).toEqual([{ operator: 'Exists' }]);
    await expect(parsePrunerAssignments(['schedule=0 0 31 2'], noFiles)).rejects.toThrow(/expected exactly 5 fields/);
    await expect(parsePrunerAssignments(['keepTagRevisions=1', 'keeptagrevisions=2'], noFiles)).rejects.toThrow(/given twice/);
    await expect(parsePrunerAssignments(['resources=@r.yaml', 'resources.limits.cpu=1'], async () => 'limits: {}')).rejects.toThrow(/both given/);
    await expect(parsePrunerAssignments([], noFiles)).rejects.toThrow(/nothing to set/);
  });
  it('checks against the CRD schema and the pruner rules', async () => {
    const errs = async (...args: string[]) => prunerSchemaErrors(await parsePrunerAssignments(args, async () => 'requests: {cpu: lots}\nfoo: 1\n'));
    expect(await errs('keepTagRevisions=5', 'successfulJobsHistoryLimit=0', 'resources.requests.cpu=250m')).toEqual([]);
    expect(await errs('keepTagRevisions=-1')).toEqual(['spec.keepTagRevisions: oc adm prune images refuses a negative --keep-tag-revisions (must be 0 or more)']);
    expect(await errs('successfulJobsHistoryLimit=3000000000')).toEqual(['spec.successfulJobsHistoryLimit: 3000000000 is out of the int32 range']);
    expect(await errs('resources.limits.memory=lots')).toEqual(['spec.resources.limits.memory: "lots" is not a quantity such as 512Mi, 2Gi, 500m or 1']);
    expect(await errs('resources=@r.yaml')).toEqual([
      'spec.resources.requests.cpu: "lots" is not a quantity such as 512Mi, 2Gi, 500m or 1',
      'spec.resources.foo: unknown field (known: claims, limits, requests)',
    ]);
  });
  it('plans a minimal JSON patch with warnings', async () => {
    const pruner = { spec: { schedule: '', suspend: false, keepTagRevisions: 3 } };
    const plan = planPruner(await parsePrunerAssignments(['keepTagRevisions=3', 'suspend=true', 'resources.limits.memory=1Gi', 'schedule-'], noFiles), pruner);
    expect(plan.ops).toEqual([
      { op: 'replace', path: '/spec/suspend', value: true },
      { op: 'add', path: '/spec/resources', value: { limits: { memory: '1Gi' } } },
      { op: 'remove', path: '/spec/schedule' },
    ]);
    expect(plan.warnings).toEqual(["spec.resources replaces the operator's default (requests cpu 100m, memory 256Mi) as a whole: only what you set applies"]);
    const zero = planPruner(await parsePrunerAssignments(['keepTagRevisions=0', 'keepYoungerThan=3600000000000'], noFiles), pruner);
    expect(zero.warnings).toEqual([
      'keepYoungerThan is deprecated: keepYoungerThanDuration=1h0m0s says the same',
      'keepTagRevisions 0: only the image each tag currently points to is kept; every older revision goes at the next run',
    ]);
  });
});

describe('status', () => {
  const cj = (args: string[]) => ({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'image-pruner', args: ['-c', 'script', 'arg0', 'oc', 'adm', 'prune', 'images', ...args] }] } } } } } });
  it('blob pruning follows the CronJob, explained by managementState and the internal hostname', () => {
    const host = 'image-registry.openshift-image-registry.svc:5000';
    expect(registryPruning(cj(['--prune-registry=true', `--registry-url=https://${host}`]), 'Managed', host)).toMatchObject({ blobs: true, basis: 'cronJob', registryURL: `https://${host}` });
    expect(registryPruning(cj(['--prune-registry=false']), 'Removed', '').reason).toMatch(/^no, metadata only: .*managementState Removed deleted the registry Service/);
    expect(registryPruning(cj(['--prune-registry=true', `--registry-url=https://${host}`]), 'Unmanaged', host).reason).toContain('the operator decides on the Service, not on managementState');
    // Not re-rendered yet: the CronJob is what runs, the note says what comes.
    expect(registryPruning(cj(['--prune-registry=true', `--registry-url=https://${host}`]), 'Removed', '').reason).toContain('the next render gives --prune-registry=false');
    // The CronJob is not readable: image.config decides.
    expect(registryPruning(null, 'Managed', host)).toMatchObject({ blobs: true, basis: 'imageConfig' });
    expect(registryPruning(null, undefined, undefined)).toMatchObject({ blobs: null, basis: 'unknown' });
  });
  it('lists jobs newest first and shows the log of the newest finished one', () => {
    const job = (name: string, ts: string, rv: string, cond?: string, extra: object = {}) => ({
      metadata: { name, uid: `u-${name}`, creationTimestamp: ts, resourceVersion: rv, ...extra },
      status: cond ? { startTime: ts, conditions: [{ type: cond, status: 'True', ...(cond === 'Failed' ? { reason: 'BackoffLimitExceeded' } : {}) }] } : { active: 1, startTime: ts },
    });
    const jobs = [
      job('a', '2026-01-01T00:00:00Z', '10', 'Complete'),
      job('b', '2026-01-01T00:00:00Z', '12', 'Failed'),
      job('c', '2026-01-02T00:00:00Z', '20', undefined, { annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }),
    ];
    const pods = [{ metadata: { name: 'b-xyz12', ownerReferences: [{ kind: 'Job', uid: 'u-b' }] }, status: { containerStatuses: [{ state: { terminated: { reason: 'OOMKilled', message: 'boom\n' } } }] } }];
    const s = buildPrunerStatus({ pruner: { spec: {}, status: {} }, config: null, imageConfig: null, cronJob: null, jobs, pods }, {}, new Date('2026-01-03T00:00:00Z'));
    expect(s.jobs.map((j) => [j.name, j.outcome, j.manual])).toEqual([['c', 'Running', true], ['b', 'Failed', false], ['a', 'Succeeded', false]]);
    expect(s.lastJob).toMatchObject({ name: 'b', outcome: 'Failed', pod: 'b-xyz12', terminationReason: 'OOMKilled', terminationMessage: 'boom\n' });
    expect(prunerFailureFix({ log: [], terminationReason: 'OOMKilled' })).toMatch(/^the pruner ran out of memory: raise its limit, e\.g\. `regctl pruner set resources\.limits\.memory=2Gi`/);
  });
});
