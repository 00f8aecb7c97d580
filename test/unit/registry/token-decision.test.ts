// THE token rule (clusterTokenDecision): who gets the cluster token, and the error for a --registry host that cannot
// be confirmed because the cluster's registry host lists cannot be read. The cluster is a stand-in object that answers
// the reads the rule makes (image.config, the registry routes, projects, image streams, whoami).
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/cluster.js';
import { ApiError } from '../../../src/cluster/api-error.js';
import { assertClusterRegistryHost, clusterTokenDecision } from '../../../src/cluster/registry-hosts.js';
import { EXIT } from '../../../src/errors.js';

const ROUTE_HOST = 'default-route-openshift-image-registry.apps.example.com';
const denied = (path: string) => new ApiError(403, 'GET', path, { message: 'forbidden', reason: 'Forbidden', code: 403 });

function fakeCluster(o: { readable: boolean; status?: number; user?: string; streamsOnly?: boolean }): Cluster {
  const fail = (path: string) => (o.status ? new ApiError(o.status, 'GET', path, { message: 'Unauthorized', code: o.status }) : denied(path));
  return {
    namespace: 'ci',
    async getOrNull() {
      if (!o.readable) throw fail('/apis/config.openshift.io/v1/images/cluster');
      return { spec: {}, status: { externalRegistryHostnames: [ROUTE_HOST], internalRegistryHostname: 'image-registry.openshift-image-registry.svc:5000' } };
    },
    async list(ref: { resource: string }) {
      if (o.streamsOnly && ref.resource === 'imagestreams') {
        return { items: [{ status: { dockerImageRepository: 'image-registry.openshift-image-registry.svc:5000/openshift/cli', publicDockerImageRepository: `${ROUTE_HOST}/openshift/cli` } }] };
      }
      if (!o.readable) throw fail(`/${ref.resource}`);
      return { items: [] };
    },
    async whoami() {
      return { username: o.user ?? 'system:serviceaccount:ci:pipeline', groups: [] };
    },
  } as unknown as Cluster;
}

describe('clusterTokenDecision', () => {
  it('the in-cluster host and hosts from the cluster always get it, without reading anything', async () => {
    expect(await clusterTokenDecision(undefined, 'image-registry.openshift-image-registry.svc:5000', 'named')).toEqual({ allowed: true });
    expect(await clusterTokenDecision(undefined, 'anything.example.com', 'cluster')).toEqual({ allowed: true });
  });

  it('readable lists: a host they name gets it; another does not, and is no "unconfirmed" case', async () => {
    const c = fakeCluster({ readable: true });
    expect((await clusterTokenDecision(c, ROUTE_HOST, 'named')).allowed).toBe(true);
    const other = await clusterTokenDecision(c, 'evil.example.com', 'named');
    expect(other).toMatchObject({ allowed: false });
    expect(other.unconfirmed).toBeUndefined();
    await expect(assertClusterRegistryHost(c, 'evil.example.com', 'why')).rejects.toMatchObject({ exitCode: EXIT.usage });
  });

  it('unreadable lists: a --registry host gets no token; the error names what could not be read and both fixes (exit 4)', async () => {
    const d = await clusterTokenDecision(fakeCluster({ readable: false }), 'reg.example.com', 'named');
    expect(d.allowed).toBe(false);
    expect(d.unconfirmed).toEqual({
      message: "cannot confirm that reg.example.com is this cluster's registry (you may not read image.config, the registry routes or an image stream); regctl sends the cluster token only to hosts the cluster names",
      hint: 'a cluster admin runs `regctl grant reader -z pipeline -n ci` so regctl can read the registry hosts, or hand the token over yourself: `regctl token | podman login -u unused --password-stdin reg.example.com`',
    });
    await expect(assertClusterRegistryHost(fakeCluster({ readable: false }), 'reg.example.com', 'why')).rejects.toMatchObject({ exitCode: EXIT.auth, message: d.unconfirmed!.message });
  });

  it('only image streams readable: their first external host is confirmed; another host is unconfirmed (the streams name only the first), not refused', async () => {
    const c = fakeCluster({ readable: false, streamsOnly: true });
    expect((await clusterTokenDecision(c, ROUTE_HOST, 'named')).allowed).toBe(true);
    const other = await clusterTokenDecision(c, 'registry.example.com', 'named');
    expect(other.allowed).toBe(false);
    expect(other.unconfirmed?.message).toContain('image streams name only its first external host');
    await expect(assertClusterRegistryHost(c, 'registry.example.com', 'why')).rejects.toMatchObject({ exitCode: EXIT.auth });
  });

  it('unreadable lists: a user (not a service account) is named as such; no cluster at all names neither', async () => {
    expect((await clusterTokenDecision(fakeCluster({ readable: false, user: 'alice' }), 'reg.example.com', 'named')).unconfirmed?.hint).toContain('`regctl grant reader alice`');
    const none = await clusterTokenDecision(undefined, 'reg.example.com', 'named');
    expect(none.unconfirmed?.message).toContain('(reading them failed: no cluster connection)');
    expect(none.unconfirmed?.hint).toContain('`regctl grant reader USER (or -z SA -n NS)`');
  });

  it('unreadable lists: an image reference\'s host gets no token and no "unconfirmed" error', async () => {
    const d = await clusterTokenDecision(fakeCluster({ readable: false }), 'quay.io', 'reference');
    expect(d).toMatchObject({ allowed: false });
    expect(d.unconfirmed).toBeUndefined();
  });

  it('a token the API server rejects (401): the error says so and the hint is to log in again', async () => {
    const d = await clusterTokenDecision(fakeCluster({ readable: false, status: 401 }), 'reg.example.com', 'named');
    expect(d.unconfirmed?.message).toContain('(reading them failed: the API server rejected the token (401): expired or revoked)');
    expect(d.unconfirmed?.hint).toMatch(/^log in again with `oc login`/);
  });
});
