import { describe, expect, it } from 'vitest';
import { LineShaper, lineLevel, normalizeLevel, parseLogfmt, recordJSON, timestampEnd, toRecord, unquoteGo } from '../../src/cluster/log-format.js';
import { byLogging, containerOf, containerStarted, selectorString } from '../../src/cluster/logs.js';
import { UsageError } from '../../src/errors.js';

const REG = 'time="2025-05-01T19:48:36.303294724Z" level=info msg="redis not configured" go.version="go1.22.9 (Red Hat)" instance.id=9ed6c43d';
const WARN = 'time="2025-05-01T19:48:37Z" level=warning msg="error authorizing context: authorization header required" http.request.method=GET';
const ERR = 'time="2025-05-01T19:48:38Z" level=error msg="response completed with error" err.code="manifest unknown" err.message="manifest unknown"';
const KLOG = 'E1124 21:03:00.123456       1 controller.go:338] unable to sync: storage backend not configured';
const TS = '2025-05-01T19:48:36.300593110Z ';

describe('levels', () => {
  it('normalizes names and aliases', () => {
    expect(normalizeLevel('warn')).toBe('warning');
    expect(normalizeLevel('WARNING')).toBe('warning');
    expect(normalizeLevel('err')).toBe('error');
    expect(normalizeLevel('loud')).toBeUndefined();
  });
  it('reads logrus level=, klog severity, JSON level, Go panics', () => {
    expect(lineLevel(REG)).toBe('info');
    expect(lineLevel(WARN)).toBe('warning');
    expect(lineLevel(KLOG)).toBe('error');
    expect(lineLevel('W0102 03:04:05.000000       1 x.go:1] hmm')).toBe('warning');
    expect(lineLevel('{"level":"debug","msg":"x"}')).toBe('debug');
    expect(lineLevel('panic: runtime error: invalid memory address')).toBe('panic');
    expect(lineLevel('goroutine 1 [running]:')).toBeUndefined();
    // "level=" inside a message value does not count when it is not a key.
    expect(lineLevel('msg="alevel=error"')).toBeUndefined();
    expect(lineLevel(TS + REG, timestampEnd(TS + REG))).toBe('info');
  });
  it('finds the kubelet timestamp prefix', () => {
    expect(timestampEnd(TS + 'x')).toBe(TS.length);
    expect(timestampEnd(REG)).toBe(0);
  });
});

describe('logfmt and Go quoting', () => {
  it('unquotes Go strings', () => {
    const q = '"a \\"b\\" \\\\ \\n \\t \\u00e9 \\x41 \\101"';
    expect(unquoteGo(q + ' next', 0)).toEqual({ value: 'a "b" \\ \n \t é A A', end: q.length });
    expect(unquoteGo('"plain" rest', 0)).toEqual({ value: 'plain', end: 7 });
    expect(unquoteGo('"open', 0)).toBeUndefined();
  });
  it('parses logrus lines', () => {
    expect(parseLogfmt(REG)).toEqual({
      time: '2025-05-01T19:48:36.303294724Z',
      level: 'info',
      msg: 'redis not configured',
      'go.version': 'go1.22.9 (Red Hat)',
      'instance.id': '9ed6c43d',
    });
    expect(parseLogfmt('just some text')).toBeUndefined();
    expect(parseLogfmt('a=1 b')).toBeUndefined();
  });
});

describe('toRecord', () => {
  it('turns a logrus line into {pod, time, level, msg, fields}', () => {
    expect(toRecord('p1', 'registry', ERR, '2025-05-01T19:48:38.1Z')).toEqual({
      pod: 'p1',
      container: 'registry',
      timestamp: '2025-05-01T19:48:38.1Z',
      time: '2025-05-01T19:48:38Z',
      level: 'error',
      msg: 'response completed with error',
      fields: { 'err.code': 'manifest unknown', 'err.message': 'manifest unknown' },
    });
  });
  it('turns a klog line into a record with the source file', () => {
    const r = toRecord('op', 'cluster-image-registry-operator', KLOG, '2026-11-24T21:03:00.2Z');
    expect(r).toMatchObject({ time: '2026-11-24T21:03:00.123456Z', level: 'error', msg: 'unable to sync: storage backend not configured', fields: { source: 'controller.go:338' } });
  });
  it('writes the same record as JSON text directly (the -o json fast path)', () => {
    const head = '{"pod":"p\\"1","container":"registry"';
    for (const [line, ts] of [[ERR, '2025-05-01T19:48:38.1Z'], [KLOG, undefined], ['plain "text" \\ é', undefined], ['a=1 a=2 msg=x', 'T']] as const) {
      const text = recordJSON(head, line, ts);
      expect(text.endsWith('}\n')).toBe(true);
      expect(JSON.parse(text)).toEqual(toRecord('p"1', 'registry', line, ts));
    }
  });
  it('keeps other lines whole as msg', () => {
    expect(toRecord('p', 'c', 'mkdir: created /etc/pki', undefined)).toEqual({ pod: 'p', container: 'c', time: null, level: null, msg: 'mkdir: created /etc/pki', fields: {} });
  });
});

describe('LineShaper', () => {
  const block = [REG, WARN, ERR, 'goroutine 1 [running]:', ''].join('\n');
  it('passes blocks through untouched without prefix or filter', () => {
    expect(new LineShaper({ pod: 'p', container: 'c' }).shape(block)).toBe(block);
  });
  it('prefixes every line', () => {
    const out = new LineShaper({ pod: 'p', container: 'c', prefix: '[p] ' }).shape('a\nb\n');
    expect(out).toBe('[p] a\n[p] b\n');
  });
  it('filters by level; lines without a level follow the line before them', () => {
    const s = new LineShaper({ pod: 'p', container: 'c', minLevel: 'warning' });
    expect(s.shape(block)).toBe([WARN, ERR, 'goroutine 1 [running]:', ''].join('\n'));
    // State carries across blocks: a continuation of an info line is dropped.
    expect(s.shape(REG + '\n  continued\n')).toBe('');
  });
  it('emits NDJSON and strips the kubelet timestamp into the record', () => {
    const s = new LineShaper({ pod: 'p', container: 'registry', json: true, hasTimestamps: true });
    const out = s.shape(`${TS}${REG}\n${TS}plain text\n`);
    const recs = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ pod: 'p', level: 'info', msg: 'redis not configured', timestamp: TS.trim() });
    expect(recs[1]).toMatchObject({ msg: 'plain text', time: TS.trim(), level: null });
  });
  it('keeps or strips kubelet timestamps in text mode', () => {
    expect(new LineShaper({ pod: 'p', container: 'c', hasTimestamps: true, showTimestamps: true, prefix: '[p] ' }).shape(`${TS}x\n`)).toBe(`[p] ${TS}x\n`);
    expect(new LineShaper({ pod: 'p', container: 'c', hasTimestamps: true, showTimestamps: false }).shape(`${TS}x\n`)).toBe('x\n');
  });
});

describe('pod selection', () => {
  it('builds the label selector from the Deployment', () => {
    expect(selectorString({ matchLabels: { 'docker-registry': 'default' } })).toBe('docker-registry=default');
    expect(
      selectorString({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }, { key: 'd', operator: 'Exists' }, { key: 'e', operator: 'DoesNotExist' }] }),
    ).toBe('a=b,c in (x,y),d,!e');
  });
  const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readyAt?: string; restarts?: number; created?: string } = {}) => ({
    metadata: { name, creationTimestamp: o.created ?? '2025-01-01T00:00:00Z' },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'registry' }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readyAt ?? '2025-01-01T00:01:00Z' }],
      containerStatuses: [{ name: 'registry', restartCount: o.restarts ?? 0, state: o.phase === 'Pending' ? { waiting: { reason: 'ContainerCreating' } } : { running: {} } }],
    },
  });
  it('orders pods like kubectl ByLogging', () => {
    const pods = [
      pod('unassigned', { node: '' }),
      pod('pending', { phase: 'Pending', ready: false }),
      pod('notready', { ready: false }),
      pod('young', { readyAt: '2025-01-01T05:00:00Z' }),
      pod('old', { readyAt: '2025-01-01T01:00:00Z' }),
    ];
    expect(pods.sort(byLogging).map((p) => p.metadata.name)).toEqual(['old', 'young', 'notready', 'pending', 'unassigned']);
    const same = [pod('b'), pod('a', { restarts: 2 })];
    expect(same.sort(byLogging).map((p) => p.metadata.name)).toEqual(['a', 'b']);
  });
  it('picks the container and knows whether it started', () => {
    const p = pod('x');
    expect(containerOf(p, undefined, 'registry')).toBe('registry');
    expect(() => containerOf(p, 'nope', 'registry')).toThrow(UsageError);
    const multi = { metadata: { name: 'm', annotations: { 'kubectl.kubernetes.io/default-container': 'b' } }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
    expect(containerOf(multi, undefined, 'a')).toBe('b');
    expect(containerStarted(p, 'registry')).toBe(true);
    expect(containerStarted(pod('y', { phase: 'Pending' }), 'registry')).toBe(false);
    expect(containerStarted(p, 'registry', true)).toBe(false);
  });
});
