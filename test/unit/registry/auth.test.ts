import { describe, expect, it } from 'vitest';
import { parseChallenges, registryUsername, validateUsername, basicHeader } from '../../../src/registry/auth.js';

describe('parseChallenges', () => {
  it('OpenShift Bearer realm', () => {
    expect(parseChallenges('Bearer realm="https://h.example/openshift/token"')).toEqual([{ scheme: 'bearer', params: { realm: 'https://h.example/openshift/token' } }]);
  });
  it('unquoted Basic realm with error', () => {
    expect(parseChallenges('Basic realm=openshift,error="access denied"')).toEqual([{ scheme: 'basic', params: { realm: 'openshift', error: 'access denied' } }]);
  });
  it('several challenges and params, escaped quotes', () => {
    const c = parseChallenges(['Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"', 'Basic realm="x \\"y\\""']);
    expect(c).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth/token', service: 'registry', scope: 'repository:a/b:pull' } },
      { scheme: 'basic', params: { realm: 'x "y"' } },
    ]);
    expect(parseChallenges('Basic realm="a", Bearer realm="b"').map((x) => x.scheme)).toEqual(['basic', 'bearer']);
  });
});

describe('usernames', () => {
  it('kube:admin → kubeadmin; colons rejected', () => {
    expect(registryUsername('kube:admin')).toBe('kubeadmin');
    expect(registryUsername('system:serviceaccount:ci:builder')).toBe('systemserviceaccountcibuilder');
    expect(validateUsername('a:b')).toMatch(/contains ':'/);
    expect(validateUsername('developer')).toBeUndefined();
  });
  it('basicHeader', () => {
    expect(basicHeader('u', 'p:q')).toBe(`Basic ${Buffer.from('u:p:q').toString('base64')}`);
  });
});
