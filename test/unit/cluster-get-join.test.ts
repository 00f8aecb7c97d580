// Cluster.get: a GET of an object while the same GET is in flight joins it — one request to the API server (the
// sandbox, traced), every caller its own copy, an error to every caller; a GET after the answer is a new request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Cluster } from '../../src/cluster/cluster.js';
import { R, NAMES } from '../../src/cluster/resources.js';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';

let sb: Sandbox;
const sent: string[] = [];
let c: Cluster;

beforeAll(async () => {
  sb = await startSandbox();
  c = connect({ env: { ...sb.env }, timeoutMs: 10_000, userAgent: 'regctl-test', trace: (l) => sent.push(l) });
}, 60_000);
afterAll(async () => {
  await sb?.stop();
});

const gets = (path: string) => sent.filter((l) => l.startsWith(`GET ${path} `)).length;
const CONFIG = '/apis/imageregistry.operator.openshift.io/v1/configs/cluster';

describe('Cluster.get joins an identical GET in flight', () => {
  it('two at once: one request, two separate copies', async () => {
    sent.length = 0;
    const [a, b] = await Promise.all([c.get(R.registryConfig, NAMES.cluster), c.get(R.registryConfig, NAMES.cluster)]);
    expect(gets(CONFIG)).toBe(1);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    a.spec.replicas = 99;
    expect(b.spec.replicas).not.toBe(99);
  });

  it('one after the other: two requests; different objects are never joined', async () => {
    sent.length = 0;
    await c.get(R.registryConfig, NAMES.cluster);
    await c.get(R.registryConfig, NAMES.cluster);
    await Promise.all([c.get(R.registryConfig, NAMES.cluster), c.get(R.imagePruner, NAMES.cluster)]);
    expect(gets(CONFIG)).toBe(3);
    expect(gets('/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster')).toBe(1);
  });

  it('an error reaches every caller, and the next GET is sent again', async () => {
    sent.length = 0;
    const missing = () => c.get(R.configMap, 'no-such-map', 'openshift-config');
    const r = await Promise.allSettled([missing(), missing(), missing()]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const x of r) expect((x as PromiseRejectedResult).reason.statusCode).toBe(404);
    expect(gets('/api/v1/namespaces/openshift-config/configmaps/no-such-map')).toBe(1);
    await expect(missing()).rejects.toMatchObject({ statusCode: 404 });
    expect(gets('/api/v1/namespaces/openshift-config/configmaps/no-such-map')).toBe(2);
  });
});
