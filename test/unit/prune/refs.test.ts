import { describe, expect, it } from 'vitest';
import { addBuildStrategy, addImageReference, newUsage, parseImageRef } from '../../../src/prune/refs.ts';

const D = 'sha256:' + 'a'.repeat(64);

describe('parseImageRef (library-go reference.Parse)', () => {
  it('splits registry, namespace, name, tag and digest', () => {
    expect(parseImageRef('image-registry.openshift-image-registry.svc:5000/team/app:v1')).toEqual({ registry: 'image-registry.openshift-image-registry.svc:5000', namespace: 'team', name: 'app', tag: 'v1' });
    expect(parseImageRef(`quay.io/team/app@${D}`)).toEqual({ registry: 'quay.io', namespace: 'team', name: 'app', id: D });
    expect(parseImageRef('team/app')).toEqual({ registry: '', namespace: 'team', name: 'app' });
    expect(parseImageRef('nginx')).toEqual({ registry: '', namespace: '', name: 'nginx' });
    expect(parseImageRef('localhost/team/app')).toEqual({ registry: 'localhost', namespace: 'team', name: 'app' });
    expect(parseImageRef('reg/a/b/c')).toEqual({ registry: 'reg', namespace: 'a', name: 'b/c' });
  });

  it('refuses what docker refuses', () => {
    expect(() => parseImageRef('quay.io/Team/App')).toThrow('repository name must be lowercase');
    expect(() => parseImageRef('quay.io/team/app@sha256:xyz')).toThrow('invalid digest format');
    expect(() => parseImageRef('quay.io/team/app:-bad')).toThrow('invalid reference format');
    expect(() => parseImageRef('')).toThrow();
  });
});

describe('workload references', () => {
  it('an istag without a digest, an isimage with one; the host is ignored; references without host/namespace are skipped', () => {
    const u = newUsage();
    addImageReference(u, 'pod/a/p', 'container c', 'quay.io/team/app');
    addImageReference(u, 'pod/a/p', 'container c', `image-registry.openshift-image-registry.svc:5000/team/app@${D}`);
    addImageReference(u, 'pod/a/q', 'container c', 'team/app:v1');
    addImageReference(u, 'pod/a/q', 'container c', 'reg/a/b/c:v1');
    expect([...u.tags]).toEqual([['team/app:latest', ['pod/a/p']]]);
    expect([...u.images]).toEqual([[`team/app@${D}`, ['pod/a/p']]]);
    expect(u.invalid).toEqual([]);
  });

  it('build strategies: ImageStreamTag and ImageStreamImage default to the referrer namespace; bad names are invalid', () => {
    const u = newUsage();
    addBuildStrategy(u, 'buildconfig/ns/b', 'ns', { sourceStrategy: { from: { kind: 'ImageStreamTag', name: 'builder:1' } } });
    addBuildStrategy(u, 'build/ns/b-1', 'ns', { dockerStrategy: { from: { kind: 'ImageStreamImage', namespace: 'other', name: `base@${D}` } } });
    addBuildStrategy(u, 'build/ns/b-2', 'ns', { customStrategy: { from: { kind: 'ImageStreamTag', name: 'nocolon' } } });
    expect([...u.tags]).toEqual([['ns/builder:1', ['buildconfig/ns/b']]]);
    expect([...u.images]).toEqual([[`other/base@${D}`, ['build/ns/b-1']]]);
    expect(u.invalid).toMatchObject([{ referrer: 'build/ns/b-2', reference: 'nocolon' }]);
  });

  it('build strategies: two @ in an isimage, or an @ in an istag, are invalid (imageutil.ParseImageStream*Name)', () => {
    const u = newUsage();
    addBuildStrategy(u, 'build/ns/x', 'ns', { sourceStrategy: { from: { kind: 'ImageStreamImage', name: `base@${D}@x` } } });
    addBuildStrategy(u, 'build/ns/y', 'ns', { dockerStrategy: { from: { kind: 'ImageStreamTag', name: `base@x:${'a'.repeat(3)}` } } });
    expect([...u.tags, ...u.images]).toEqual([]);
    expect(u.invalid.map((i) => i.referrer)).toEqual(['build/ns/x', 'build/ns/y']);
  });

  it('a build strategy with no from (dockerStrategy without one, or no strategy) references nothing, as GetInputReference', () => {
    const u = newUsage();
    addBuildStrategy(u, 'bc/ns/a', 'ns', { dockerStrategy: {} });
    addBuildStrategy(u, 'bc/ns/b', 'ns', { jenkinsPipelineStrategy: { jenkinsfile: 'node {}' } });
    addBuildStrategy(u, 'bc/ns/c', 'ns', { sourceStrategy: { from: { kind: 'DockerImage', name: '  ' } } });
    expect([...u.tags, ...u.images, ...u.invalid]).toEqual([]);
  });
});
