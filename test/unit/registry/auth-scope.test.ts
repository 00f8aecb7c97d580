// The Docker token scopes regctl asks for (as containers/image does) and host comparison for the cluster-token rule.
import { describe, expect, it } from 'vitest';
import { scopeFor } from '../../../src/registry/auth.js';
import { hostnameOf, isClusterRegistryHost, normalizeHost } from '../../../src/cluster/registry-hosts.js';

describe('scopeFor', () => {
  it.each([
    ['GET', '/v2/', undefined],
    ['GET', '/v2/_catalog?n=100', 'registry:catalog:*'],
    ['GET', '/v2/team/app/tags/list?n=5', 'repository:team/app:pull'],
    ['HEAD', '/v2/a/b/c/manifests/v1', 'repository:a/b/c:pull'],
    ['GET', 'https://h:5000/v2/team/app/blobs/sha256:abc', 'repository:team/app:pull'],
    ['PUT', '/v2/team/app/manifests/v1', 'repository:team/app:pull,push'],
    ['POST', '/v2/team/app/blobs/uploads/', 'repository:team/app:pull,push'],
    ['DELETE', '/v2/team/app/manifests/sha256:abc', 'repository:team/app:delete'],
    ['GET', '/extensions/v2/metrics', undefined],
  ])('%s %s → %s', (method, path, scope) => {
    expect(scopeFor(method, path)).toBe(scope);
  });
});

describe('cluster registry hosts', () => {
  const known = { hosts: new Set(['default-route-openshift-image-registry.apps.example.com', 'image-registry.openshift-image-registry.svc:5000']), known: true };
  it('compares without case and without the default https port', () => {
    expect(normalizeHost('Default-Route-OpenShift-Image-Registry.apps.example.com:443')).toBe('default-route-openshift-image-registry.apps.example.com');
    expect(isClusterRegistryHost('DEFAULT-ROUTE-openshift-image-registry.apps.example.com:443', known)).toBe(true);
    expect(isClusterRegistryHost('image-registry.openshift-image-registry.svc:5000', known)).toBe(true);
  });
  it('another port, a suffix or a look-alike is another host', () => {
    for (const h of ['default-route-openshift-image-registry.apps.example.com:8443', 'evil.default-route-openshift-image-registry.apps.example.com', 'default-route-openshift-image-registry.apps.example.com.evil.io', 'image-registry.openshift-image-registry.svc']) {
      expect(isClusterRegistryHost(h, known)).toBe(false);
    }
    expect(hostnameOf('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:5000')).toBe('[::1]');
  });
});
