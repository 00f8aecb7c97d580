// `regctl tag` argument rules (oc tag.go Complete/Validate, and the docker:// retag), before any request.
import { describe, expect, it } from 'vitest';
import { classifySource, parseDestination, renderSteps, tagStep, tagSteps, validateTagFlags } from '../../src/cluster/tag-plan.ts';
import { parseRetag } from '../../src/registry/retag.ts';
import { UsageError } from '../../src/errors.ts';

const D = 'sha256:' + 'a'.repeat(64);
const o = (x: Record<string, unknown> = {}) => ({ namespace: 'team', ...x });

describe('classifySource', () => {
  it('guesses the kind as oc does', () => {
    expect(classifySource('team/app:v1', o()).kind).toBe('ImageStreamTag');
    expect(classifySource('app:v1', o()).kind).toBe('ImageStreamTag');
    expect(classifySource(`team/app@${D}`, o()).kind).toBe('ImageStreamImage');
    expect(classifySource('quay.io/org/tool:1', o()).kind).toBe('DockerImage');
    expect(classifySource('docker://quay.io/org/tool:1', o()).kind).toBe('DockerImage');
    expect(classifySource('org/tool:1', o({ source: 'docker' })).kind).toBe('DockerImage');
    expect(classifySource('team/app:v1', o({ source: 'ISTAG' })).kind).toBe('ImageStreamTag');
  });
  it('refuses what oc refuses, and a bare name', () => {
    for (const [src, opts, msg] of [
      ['app', {}, /names neither a tag nor an image/],
      ['quay.io/org/app:1', { source: 'istag' }, /only allowed for an external image/],
      ['team/app', { source: 'istag' }, /needs STREAM:TAG/],
      ['team/app:v1', { source: 'isimage' }, /needs STREAM@sha256/],
      ['team/app:v1', { scheduled: true }, /apply only to external images/],
      [`team/app@${D}`, { alias: true }, /--alias tracks a tag/],
      ['team/app:v1', { source: 'nope' }, /invalid --source "nope"/],
      ['a/b/c:1', {}, /repositories are <project>\/<name>/],
    ] as const) {
      expect(() => classifySource(src, o(opts as Record<string, unknown>)), src).toThrow(msg);
    }
  });
});

describe('parseDestination', () => {
  it('fills in the project', () => {
    expect(parseDestination('app:v2', 'team')).toMatchObject({ namespace: 'team', stream: 'app', tag: 'v2' });
    expect(parseDestination('shared/app:v2', 'team')).toMatchObject({ namespace: 'shared', stream: 'app', tag: 'v2' });
  });
  it('needs STREAM:TAG without a host or digest', () => {
    expect(() => parseDestination('team/app', 'team')).toThrow(/\[PROJECT\/\]STREAM:TAG/);
    expect(() => parseDestination(`team/app@${D}`, 'team')).toThrow(UsageError);
    expect(() => parseDestination('quay.io/org/app:1', 'team')).toThrow(/not a registry reference/);
  });
});

describe('validateTagFlags', () => {
  it('rejects flag combinations oc rejects', () => {
    expect(() => validateTagFlags(o({ delete: true, alias: true }), 1)).toThrow(/--alias and --delete/);
    expect(() => validateTagFlags(o({ delete: true, scheduled: true }), 1)).toThrow(/do not apply with --delete/);
    expect(() => validateTagFlags(o({ alias: true, insecure: true }), 1)).toThrow(/--alias cannot be combined/);
    expect(() => validateTagFlags(o(), 0)).toThrow(/no destination/);
    expect(() => validateTagFlags(o(), 1)).not.toThrow();
  });
});

describe('parseRetag', () => {
  it('takes bare tags and docker:// references to the same repository', () => {
    const p = parseRetag('docker://reg.example.com:5000/org/app:1.0', ['latest', 'docker://reg.example.com:5000/org/app:1', 'latest']);
    expect(p).toMatchObject({ host: 'reg.example.com:5000', repository: 'org/app', source: '1.0', targets: ['latest', '1'] });
    expect(parseRetag(`docker://reg.example.com/org/app@${D}`, ['x']).source).toBe(D);
  });
  it('refuses another repository, a bad tag, and image stream destinations', () => {
    expect(() => parseRetag('docker://reg.example.com/org/app:1', ['docker://reg.example.com/org/other:1'])).toThrow(/stays in one repository/);
    expect(() => parseRetag('docker://reg.example.com/org/app:1', ['docker://other.example.com/org/app:1'])).toThrow(/stays in one repository/);
    expect(() => parseRetag('docker://reg.example.com/org/app:1', ['-bad'])).toThrow(/invalid tag/);
    expect(() => parseRetag('docker://reg.example.com/org/app:1', ['team/app:1'])).toThrow(/image stream tag/);
  });
});

describe('tag plan steps', () => {
  const write = (stream: string, tag: string, action: 'create' | 'update' | 'unchanged') => ({
    namespace: 'team',
    imageStream: stream,
    tag,
    from: { kind: 'ImageStreamImage' as const, name: 'app@sha256:aa', namespace: 'team' },
    referencePolicy: 'Local' as const,
    importPolicy: {},
    alias: false,
    action,
    ...(action === 'unchanged' ? {} : { request: { method: 'PUT' as const, path: '/x', body: { kind: 'ImageStreamTag', tag: { name: tag } } } }),
  });
  const plan = { source: { input: 'team/app:v1', kind: 'ImageStreamTag' as const, reference: 'team/app:v1' }, writes: [write('app', 'a', 'create'), write('other', 'b', 'unchanged'), write('app', 'c', 'update')] };

  it('a PUT step per write; unchanged tags need none; the fallback is the same object POSTed', () => {
    const steps = tagSteps(plan);
    expect(steps.map((s) => [s.action, (s as any).put, s.target.name, s.summary.split(' ')[0]])).toEqual([
      ['create', true, 'app:a', 'create'],
      ['create', true, 'app:c', 'update'],
    ]);
    expect(tagStep(plan.writes[0]!, true).put).toBeUndefined();
  });

  it('renders one ImageStream per destination stream with only its spec tags, unchanged ones included', () => {
    const r = renderSteps(plan);
    expect(r.map((s) => [s.target.ref.kind, s.target.name, s.applyConfig!.spec.tags.map((t: any) => t.name)])).toEqual([
      ['ImageStream', 'app', ['a', 'c']],
      ['ImageStream', 'other', ['b']],
    ]);
    expect(r[0]!.applyConfig!.spec.tags[0]).toEqual({ name: 'a', from: { kind: 'ImageStreamImage', name: 'app@sha256:aa', namespace: 'team' }, importPolicy: {}, referencePolicy: { type: 'Local' } });
  });
});
