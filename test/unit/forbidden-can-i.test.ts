// canICheck: the `kubectl auth can-i` arguments a 403's hint names, read from kube-apiserver's three message shapes
// (k8s.io/apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage).
import { describe, expect, it } from 'vitest';
import { canICheck } from '../../src/cluster/errors.js';

describe('canICheck', () => {
  it('a namespaced resource: VERB RESOURCE.GROUP -n NS', () => {
    expect(canICheck('deployments.apps "image-registry" is forbidden: User "developer" cannot get resource "deployments" in API group "apps" in the namespace "openshift-image-registry"')).toBe(
      'get deployments.apps -n openshift-image-registry',
    );
  });
  it('the core group has no suffix; a cluster-scoped request has no -n', () => {
    expect(canICheck('nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope')).toBe('list nodes');
    expect(canICheck('configs.imageregistry.operator.openshift.io "cluster" is forbidden: User "developer" cannot get resource "configs" in API group "imageregistry.operator.openshift.io" at the cluster scope')).toBe(
      'get configs.imageregistry.operator.openshift.io',
    );
  });
  it('a subresource is --subresource (kubectl reads TYPE/NAME otherwise)', () => {
    expect(canICheck('User "developer" cannot create resource "serviceaccounts/token" in API group "" in the namespace "ci"')).toBe('create serviceaccounts --subresource=token -n ci');
    expect(canICheck('User "developer" cannot update resource "imagestreams/status" in API group "image.openshift.io" in the namespace "team"')).toBe(
      'update imagestreams.image.openshift.io --subresource=status -n team',
    );
  });
  it('a non-resource path; other texts give nothing', () => {
    expect(canICheck('forbidden: User "developer" cannot get path "/metrics"')).toBe('get /metrics');
    expect(canICheck('something else entirely')).toBeUndefined();
    expect(canICheck('User "x" cannot get resource "a b" in API group "" at the cluster scope')).toBeUndefined();
  });
});
