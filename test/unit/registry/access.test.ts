import { describe, expect, it } from 'vitest';
import { validateAccessOptions, INTERNAL_REGISTRY_HOST } from '../../../src/registry/access.js';
import { UsageError } from '../../../src/errors.js';

function usage(f: () => void): { message: string; hint?: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return { message: (e as UsageError).message, hint: (e as UsageError).hint };
  }
  throw new Error('expected a usage error');
}

describe('validateAccessOptions (the one check of the registry flags)', () => {
  it('refuses --registry with --internal, and --insecure-skip-tls-verify with --ca-file', () => {
    expect(usage(() => validateAccessOptions({ registry: 'r.example.com', internal: true }))).toEqual({
      message: '--registry and --internal cannot be combined',
      hint: `--internal means --registry ${INTERNAL_REGISTRY_HOST}`,
    });
    expect(usage(() => validateAccessOptions({ caFile: 'ca.crt', insecureSkipTlsVerify: true })).message).toBe('--insecure-skip-tls-verify and --ca-file cannot be combined');
  });

  it('takes host[:port] (trailing slashes dropped), never a scheme; a path only where allowed', () => {
    expect(() => validateAccessOptions({ registry: 'r.example.com:5000/' })).not.toThrow();
    expect(usage(() => validateAccessOptions({ registry: 'https://r.example.com' })).message).toBe('invalid --registry "https://r.example.com"');
    expect(usage(() => validateAccessOptions({ registry: 'r.example.com/ns' })).hint).toMatch(/without a scheme or path/);
    expect(() => validateAccessOptions({ registry: 'r.example.com/ns' }, { allowPath: true })).not.toThrow();
    expect(usage(() => validateAccessOptions({ registry: 'r .example.com' }, { allowPath: true })).hint).toMatch(/^give host\[:port\] without a scheme, e\.g\./);
  });

  it('refuses an image reference naming another host than the flags', () => {
    expect(usage(() => validateAccessOptions({ internal: true }, { referenceHost: 'quay.io' })).message).toBe(`the image names registry quay.io but --internal says ${INTERNAL_REGISTRY_HOST}`);
    expect(() => validateAccessOptions({ registry: 'quay.io/' }, { referenceHost: 'quay.io' })).not.toThrow();
  });
});
