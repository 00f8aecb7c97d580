import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, parseRegistryHost, validateConfigMapName } from '../../src/pki/host.js';
import { UsageError } from '../../src/errors.js';

function err(input: string): UsageError {
  try {
    parseRegistryHost(input);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseRegistryHost', () => {
  it.each([
    ['registry.example.com', 'registry.example.com', undefined, 'registry.example.com'],
    ['Registry.Example.COM:5000', 'registry.example.com', 5000, 'registry.example.com..5000'],
    ['localhost:1', 'localhost', 1, 'localhost..1'],
    ['r:65535', 'r', 65535, 'r..65535'],
    ['10.0.0.1:8443', '10.0.0.1', 8443, '10.0.0.1..8443'],
    ['a-b.c-d.e', 'a-b.c-d.e', undefined, 'a-b.c-d.e'],
    ['default-route-openshift-image-registry.apps.sandbox.example.com', 'default-route-openshift-image-registry.apps.sandbox.example.com', undefined, 'default-route-openshift-image-registry.apps.sandbox.example.com'],
  ])('%s → key %s', (input, host, port, key) => {
    const h = parseRegistryHost(input);
    expect(h.host).toBe(host);
    expect(h.port).toBe(port);
    expect(h.key).toBe(key);
    expect(decodeKey(h.key)).toBe(h.display);
    expect(encodeKey(h)).toBe(key);
  });

  it.each([
    ['', /is empty/],
    ['https://registry.example.com', /has a scheme/],
    ['docker://quay.io:443', /has a scheme/],
    ['registry.example.com/foo', /has a path/],
    ['*.example.com', /wildcards/],
    ['registry .example.com', /white space/],
    ['registry.example.com\n', /white space/],
    ['registry.example.com:0', /port "0"/],
    ['registry.example.com:65536', /port "65536"/],
    ['registry.example.com:', /port ""/],
    ['registry.example.com:abc', /port "abc"/],
    ['registry.example.com:05000', /port "05000"/],
    ['registry.example.com..5000', /"\.\." is not allowed/],
    ['registry.example.com.', /ends with a dot/],
    ['-registry.example.com', /not a valid host name label/],
    ['registry-.example.com', /not a valid host name label/],
    ['reg_istry.example.com', /not a valid host name label/],
    ['[::1]:5000', /IPv6/],
    ['user@registry.example.com', /user information/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    [`${'abcdefghi.'.repeat(26)}com`, /longer than 253/],
  ])('rejects %j', (input, re) => {
    const e = err(input);
    expect(e.message).toMatch(re);
    expect(e.message).not.toMatch(/\n/);
    expect(e.hint).toBeTruthy();
    expect(e.exitCode).toBe(2);
  });

  it('suggests the host without the scheme', () => {
    expect(err('https://quay.example.com:8443/v2/').hint).toContain('quay.example.com:8443');
  });

  it('rejects a key that would be longer than a ConfigMap key may be', () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.exampl`; // 250 chars
    expect(parseRegistryHost(host).key).toBe(host);
    expect(() => parseRegistryHost(`${host}:5000`)).toThrow(/longer than 253/);
  });
});

describe('decodeKey (node-ca rule: the last ".." only)', () => {
  it.each([
    ['registry.company..5000', 'registry.company:5000'],
    ['registry.company', 'registry.company'],
    ['a..b..5000', 'a..b:5000'],
    ['image-registry.openshift-image-registry.svc..5000', 'image-registry.openshift-image-registry.svc:5000'],
  ])('%s → %s', (k, v) => expect(decodeKey(k)).toBe(v));
});

describe('validateConfigMapName', () => {
  it('accepts RFC 1123 subdomains', () => {
    expect(validateConfigMapName('registry-cas')).toBe('registry-cas');
    expect(validateConfigMapName('a.b-c')).toBe('a.b-c');
  });
  it.each(['', 'Registry', 'a_b', '-a', 'a.', 'x'.repeat(254)])('rejects %j', (n) => {
    expect(() => validateConfigMapName(n)).toThrow(UsageError);
  });
});
