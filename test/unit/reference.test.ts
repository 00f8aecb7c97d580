import { describe, expect, it } from 'vitest';
import {
  assertOpenShiftRepository,
  formatReference,
  isValidDigest,
  manifestRef,
  needsNamespace,
  parseReference,
  parseStreamTag,
  withHost,
  withNamespace,
} from '../../src/registry/reference.js';
import { UsageError } from '../../src/errors.js';

const D = 'sha256:' + 'a'.repeat(64);

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    expect((e as UsageError).message).not.toContain('\n');
    expect((e as UsageError).hint).toBeTruthy();
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseReference', () => {
  it.each([
    ['team/app', { host: undefined, path: 'team/app', namespace: 'team', name: 'app', tag: undefined, digest: undefined }],
    ['team/app:v1', { path: 'team/app', tag: 'v1' }],
    [`team/app@${D}`, { path: 'team/app', digest: D, tag: undefined }],
    [`team/app:v1@${D}`, { tag: 'v1', digest: D }],
    ['registry.example.com/team/app:1.0', { host: 'registry.example.com', hostExplicit: true, path: 'team/app', tag: '1.0' }],
    ['localhost:5000/team/app', { host: 'localhost:5000', path: 'team/app' }],
    ['localhost/team/app', { host: 'localhost', path: 'team/app' }],
    ['127.0.0.1:5000/a/b:c', { host: '127.0.0.1:5000', path: 'a/b', tag: 'c' }],
    ['image-registry.openshift-image-registry.svc:5000/openshift/python:3.11', { host: 'image-registry.openshift-image-registry.svc:5000', namespace: 'openshift', name: 'python', tag: '3.11' }],
    ['quay.io/org/sub/img:tag', { host: 'quay.io', path: 'org/sub/img', namespace: undefined, name: 'img' }],
    ['docker://quay.io/org/img', { host: 'quay.io', path: 'org/img' }],
    ['my-app.v2_x__y:latest', { path: 'my-app.v2_x__y', namespace: undefined, tag: 'latest' }],
  ])('%s', (input, want) => {
    expect(parseReference(input)).toMatchObject(want);
  });

  it('fills in the project of a one-segment name only without a host', () => {
    expect(parseReference('app:v1', { defaultNamespace: 'team' })).toMatchObject({ path: 'team/app', namespace: 'team', name: 'app', tag: 'v1' });
    const bare = parseReference('app:v1');
    expect(needsNamespace(bare)).toBe(true);
    expect(withNamespace(bare, 'dev')).toMatchObject({ path: 'dev/app', namespace: 'dev' });
    const hosted = parseReference('quay.io/app');
    expect(needsNamespace(hosted)).toBe(false);
    expect(withNamespace(hosted, 'dev').path).toBe('app');
  });

  it('formats back, with the host given later', () => {
    const r = withHost(parseReference('team/app:v1'), 'reg.example.com');
    expect(formatReference(r)).toBe('reg.example.com/team/app:v1');
    expect(formatReference(r, { host: false })).toBe('team/app:v1');
    expect(formatReference(parseReference(`q.io/a/b:t@${D}`))).toBe(`q.io/a/b@${D}`);
    expect(manifestRef(parseReference('a/b'))).toBe('latest');
    expect(manifestRef(parseReference(`a/b:t@${D}`))).toBe(D);
    expect(withHost(parseReference('q.io/a/b'), 'other').host).toBe('q.io');
  });

  it.each([
    ['', /the image is empty/],
    ['   ', /the image is empty/],
    ['https://quay.io/a/b', /no URL scheme/],
    ['team/app:v1 extra', /white space/],
    ['team/App', /lower case/],
    ['team/app:', /is not a valid tag/],
    ['team/app:-bad', /is not a valid tag/],
    [`team/app:${'x'.repeat(129)}`, /is not a valid tag/],
    ['team/app@sha256:abc', /is not a digest/],
    ['team/app@sha256:' + 'g'.repeat(64), /is not a digest/],
    ['team//app', /not a valid repository name segment/],
    ['quay.io/', /repository is missing/],
    ['team/app_', /not a valid repository name segment/],
    ['team/-app', /not a valid repository name segment/],
    ['bad_host:x:y/a/b', /not a registry host|not a valid/],
  ])('rejects %j with one line and a hint', (input, re) => {
    expect(usage(() => parseReference(input)).message).toMatch(re);
  });

  it('names the argument in messages', () => {
    expect(usage(() => parseReference('A/b', { what: '--from' })).message).toMatch(/^invalid --from "A\/b"/);
  });

  it('rejects over-long names', () => {
    expect(usage(() => parseReference(`team/${'a'.repeat(260)}`)).message).toMatch(/longer than 255/);
  });
});

describe('assertOpenShiftRepository', () => {
  it('accepts project/name', () => {
    expect(() => assertOpenShiftRepository(parseReference('team/app'), 'team/app')).not.toThrow();
  });
  it('rejects other depths and non-DNS projects', () => {
    expect(usage(() => assertOpenShiftRepository(parseReference('a/b/c'), 'a/b/c')).message).toMatch(/<project>\/<name>, not "a\/b\/c"/);
    expect(usage(() => assertOpenShiftRepository(parseReference('app'), 'app')).hint).toMatch(/myproject\/app/);
    expect(usage(() => assertOpenShiftRepository(parseReference('my_proj/app'), 'my_proj/app')).message).toMatch(/not a project name/);
  });
});

describe('digests', () => {
  it('validates sha256 and sha512 lengths', () => {
    expect(isValidDigest(D)).toBe(true);
    expect(isValidDigest('sha256:' + 'a'.repeat(63))).toBe(false);
    expect(isValidDigest('sha512:' + 'b'.repeat(128))).toBe(true);
    expect(isValidDigest('sha256:' + 'A'.repeat(64))).toBe(false);
  });
});

describe('parseStreamTag', () => {
  it('splits NAME[:TAG]', () => {
    expect(parseStreamTag('myis')).toEqual({ stream: 'myis', tag: undefined });
    expect(parseStreamTag('myis:1.0')).toEqual({ stream: 'myis', tag: '1.0' });
  });
  it('rejects projects, bad names and bad tags', () => {
    expect(usage(() => parseStreamTag('team/myis:1')).hint).toBe('use -n PROJECT for the project: myis:1 -n team');
    expect(usage(() => parseStreamTag('My_IS')).message).toMatch(/invalid image stream name/);
    expect(usage(() => parseStreamTag('myis:.x')).message).toMatch(/invalid tag/);
    expect(usage(() => parseStreamTag(':x')).message).toMatch(/name is empty/);
  });
});
