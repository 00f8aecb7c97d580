// What regctl retries (as client-go does) and how it cleans up a change that failed part-way, against scripted
// sandbox faults (sb.faults.failRequests / conflicts): 429 and 503 with Retry-After are retried for reads and writes,
// a reset connection only for reads, 409 by re-reading; set-storage pvc and pull-secret create --link undo what
// they created when a later write fails.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { expectOneError } from './support/outcome.js';

let sb: Sandbox;
const NS = 'retryapp';
const CFG = 'imageregistry.operator.openshift.io/configs';
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
const config = (): any => sb.store.get(CFG, undefined, 'cluster');
const left = () => (sb.faults.failRequests ?? []).reduce((n, r) => n + r.times, 0);

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => !!s.get('/serviceaccounts', NS, 'default'));
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(() => {
  sb.faults.failRequests = [];
  sb.faults.conflicts = 0;
  sb.faults.throttleRate = 0;
  sb.faults.conflictNextWrites = 0;
});

describe('transient answers are retried', () => {
  it('429 Too Many Requests with Retry-After on a read', async () => {
    sb.faults.failRequests = [{ method: 'GET', path: '/configs/cluster$', answer: 429, times: 2 }];
    const r = await regctl(['config', 'get', 'logLevel', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(left()).toBe(0);
  });

  it('503 with Retry-After on a write', async () => {
    sb.faults.failRequests = [{ method: 'PATCH', path: '/configs/cluster$', answer: 503, times: 1 }];
    const r = await regctl(['config', 'set', 'logLevel=Debug']);
    expect(r.code).toBe(0);
    expect(left()).toBe(0);
    expect(config().spec.logLevel).toBe('Debug');
  });

  it('a reset connection: a read is retried, a write is not (it may have been applied)', async () => {
    sb.faults.failRequests = [{ method: 'GET', path: '/configs/cluster$', answer: 'reset', times: 1 }];
    const g = await regctl(['config', 'get', 'logLevel', '-o', 'json']);
    expect(g.code).toBe(0);
    expect(left()).toBe(0);

    sb.faults.failRequests = [{ method: 'PATCH', path: '/configs/cluster$', answer: 'reset', times: 1 }];
    const w = await regctl(['config', 'set', 'logLevel=Trace']);
    expectOneError(w, 1, /cannot reach the API server/);
    expect(left()).toBe(0);
    expect(config().spec.logLevel).toBe('Debug');
  });

  it('bounded: always throttled ends in one error within --request-timeout', async () => {
    sb.faults.throttleRate = 1;
    const r = await regctl(['--request-timeout', '2s', 'config', 'get', 'logLevel']);
    expectOneError(r, 1, /429.*Too many requests/);
  });
});

describe('409 Conflict is retried by reading again', () => {
  it('pull-secret link wins after 3 lost races, and gives up cleanly after 50', async () => {
    sb.store.create('/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'racy', namespace: NS }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });
    sb.faults.conflicts = 50;
    const before = JSON.stringify(sb.store.get('/serviceaccounts', NS, 'default'));
    const r = await regctl(['pull-secret', 'link', 'racy', 'default', '-n', NS]);
    expectOneError(r, 1, /kept changing under us: gave up after \d+ conflicting writes/);
    expect(JSON.stringify(sb.store.get('/serviceaccounts', NS, 'default'))).toBe(before);

    sb.faults.conflicts = 3;
    const ok = await regctl(['pull-secret', 'link', 'racy', 'default', '-n', NS]);
    expect(ok.code).toBe(0);
    expect(sb.faults.conflicts).toBe(0);
    expect((sb.store.get('/serviceaccounts', NS, 'default') as any).imagePullSecrets).toContainEqual({ name: 'racy' });
  });
});

describe('409 on a patch without resourceVersion (the server ran out of its own re-applies)', () => {
  it('config set and expose send the same patch again', async () => {
    sb.faults.conflictNextWrites = 2;
    const r = await regctl(['config', 'set', 'logLevel=TraceAll']);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.faults.conflictNextWrites).toBe(0);
    expect(config().spec.logLevel).toBe('TraceAll');
    sb.faults.conflictNextWrites = 1;
    const e = await regctl(['expose', '--route', 'conflicted', '--no-wait']);
    expect(e.code, e.stderr).toBe(0);
    expect(config().spec.routes).toContainEqual(expect.objectContaining({ name: 'conflicted' }));
  });
});

describe('a change that fails part-way is undone', () => {
  it('set-storage pvc: the Config patch fails (500) → the claim it created is deleted again', async () => {
    const spec = JSON.stringify(config().spec.storage);
    sb.faults.failRequests = [{ method: 'PATCH', path: '/configs/cluster$', answer: 500, times: 1 }];
    const r = await regctl(['set-storage', 'pvc', '--claim', 'undo-claim', '--yes']);
    expectOneError(r, 1, /undone, nothing was left changed/);
    expect(left()).toBe(0);
    expect(sb.store.get('/persistentvolumeclaims', 'openshift-image-registry', 'undo-claim')).toBeUndefined();
    expect(JSON.stringify(config().spec.storage)).toBe(spec);
  });

  it('pull-secret create --link: the link fails (500) → the secret it created is deleted again', async () => {
    const sa = JSON.stringify(sb.store.get('/serviceaccounts', NS, 'builder'));
    sb.faults.failRequests = [{ method: 'PATCH', path: '/serviceaccounts/builder$', answer: 500, times: 1 }];
    const r = await runCli(['pull-secret', 'create', 'halfway', '--server', 'quay.io', '--username', 'u', '--password-stdin', '--link', 'builder', '-n', NS], {
      env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' },
      input: 'not-a-real-password',
    });
    expectOneError(r, 1, /; undone, nothing was left changed \(linking secret halfway failed\)/);
    expect(r.all).not.toContain('not-a-real-password');
    expect(sb.store.get('/secrets', NS, 'halfway')).toBeUndefined();
    expect(JSON.stringify(sb.store.get('/serviceaccounts', NS, 'builder'))).toBe(sa);
  });

  it('delete of two tags: the second fails → the error names the deleted one, how to delete the rest and tag it back', async () => {
    const hex = (t: string) => Buffer.from(`app:${t}`).toString('hex').padEnd(64, '0').slice(0, 64);
    sb.store.create('image.openshift.io/imagestreams', {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'app', namespace: NS },
      spec: { lookupPolicy: { local: false } },
      status: { dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${NS}/app`, tags: ['v1', 'v2'].map((t) => ({ tag: t, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `x@sha256:${hex(t)}`, image: `sha256:${hex(t)}`, generation: 1 }] })) },
    });
    sb.faults.failRequests = [{ method: 'DELETE', path: '/imagestreamtags/app(:|%3A)v2$', answer: 500, times: 1 }];
    const r = await regctl(['delete', `${NS}/app:v1`, `${NS}/app:v2`]);
    expectOneError(r, 1, new RegExp(`left behind: ${NS}/app:v1 deleted, ${NS}/app:v2 not \\(deleting ${NS}/app:v2 failed\\)`), new RegExp(`finish with \`regctl delete ${NS}/app:v2\`.*oc tag ${NS}/app@sha256:${hex('v1')} ${NS}/app:v1`));
    expect(left()).toBe(0);
  });

  it('when the undo fails too, the error names what is left and the commands that finish or undo it', async () => {
    sb.faults.failRequests = [
      { method: 'PATCH', path: '/serviceaccounts/builder$', answer: 500, times: 1 },
      { method: 'DELETE', path: '/secrets/stuck$', answer: 500, times: 1 },
    ];
    const r = await runCli(['pull-secret', 'create', 'stuck', '--server', 'quay.io', '--username', 'u', '--password-stdin', '--link', 'builder', '-n', NS], {
      env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' },
      input: 'pw',
    });
    expectOneError(r, 1, /left behind: secret stuck in retryapp \(created\)/, /finish with `regctl pull-secret link stuck builder -n retryapp`.*undo with `.*oc delete secret stuck -n retryapp`/);
    expect(sb.store.get('/secrets', NS, 'stuck')).toBeDefined();
  });
});
