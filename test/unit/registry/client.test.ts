import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProxy, startFakeRegistry, type FakeProxy, type FakeRegistry } from './fakes.ts';
import { RegistryClient, nextLink } from '../../../src/registry/client.js';
import { closeAllDispatchers, redactUrl } from '../../../src/registry/http.js';
import { RegistryAuthError, RegistryConnectionError, RegistryHttpError } from '../../../src/registry/errors.js';
import { Readable } from 'node:stream';
import { toRegctlError } from '../../../src/errors.js';

const HOST = 'default-route-openshift-image-registry.apps.test.example';
let reg: FakeRegistry;
let proxy: FakeProxy;
const TOKEN = 'sha256~goodtokengoodtokengoodtokengoodtoken12345';

beforeAll(async () => {
  reg = await startFakeRegistry([HOST]);
  proxy = await startFakeProxy(reg.port);
  reg.validTokens.add(TOKEN);
  reg.pullers.set('team/app', new Set([TOKEN]));
});
afterAll(async () => {
  await closeAllDispatchers();
  await proxy?.close();
  await reg?.close();
});

function client(o: { token?: string; ca?: boolean; insecure?: boolean; env?: Record<string, string>; trace?: string[] } = {}) {
  return new RegistryClient({
    host: HOST,
    credentials: o.token ? { username: 'kubeadmin', token: o.token } : undefined,
    trust: { caPem: o.ca === false ? undefined : reg.ca.certPem, insecure: o.insecure },
    env: o.env ?? { HTTPS_PROXY: proxy.url },
    userAgent: 'regctl/0.1.0 (test)',
    timeoutMs: 5000,
    trace: o.trace ? (l) => o.trace!.push(l) : undefined,
  });
}

describe('RegistryClient through an HTTPS_PROXY with the ingress CA', () => {
  it('follows the Bearer challenge to /openshift/token and pings /v2/', async () => {
    const trace: string[] = [];
    const before = reg.seen.length;
    const r = await client({ token: TOKEN, trace }).ping();
    expect(r).toMatchObject({ status: 200, apiVersion: 'registry/2.0', authenticated: true, scheme: 'bearer' });
    const seen = reg.seen.slice(before);
    expect(seen.map((s) => s.path)).toEqual(['/v2/', '/openshift/token', '/v2/']);
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[1]!.authorization).toBe(`Basic ${Buffer.from(`kubeadmin:${TOKEN}`).toString('base64')}`);
    expect(seen[2]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0]!.userAgent).toBe('regctl/0.1.0 (test)');
    expect(proxy.connects).toContain(`${HOST}:443`);
    expect(trace).toHaveLength(3);
    expect(trace[0]).toMatch(new RegExp(`^GET https://${HOST}/v2/ 401 \\d+ms$`));
    expect(trace.join('\n')).not.toContain(TOKEN);
  });

  it('a revoked token: 401 from the token endpoint → token rejected (exit 4)', async () => {
    const e = await client({ token: 'sha256~revoked' }).ping().catch((x) => x);
    expect(e).toBeInstanceOf(RegistryAuthError);
    expect(e.kind).toBe('rejected');
    expect(e.message).toBe(`token rejected: expired or revoked (${HOST} answered 401)`);
    expect(e.exitCode).toBe(4);
    expect(e.message + e.hint).not.toContain('revoked"');
  });

  it('without the CA: an x509 error whose hint is regctl expose --trust', async () => {
    const e = await client({ token: TOKEN, ca: false }).ping().catch((x) => x);
    expect(e).toBeInstanceOf(RegistryConnectionError);
    expect(e.isCertificateError).toBe(true);
    const r = toRegctlError(e);
    expect(r.message).toMatch(/^cannot verify the certificate of .* \(x509: [A-Z_]+\)$/);
    expect(r.hint).toContain('regctl expose --trust');
  });

  it('insecure only when asked', async () => {
    const r = await client({ token: TOKEN, ca: false, insecure: true }).ping();
    expect(r.status).toBe(200);
  });

  it('NO_PROXY sends the request directly (loopback only: never resolves a name)', async () => {
    const n = proxy.connects.length;
    const direct = new RegistryClient({
      host: `127.0.0.1:${reg.port}`,
      credentials: { username: 'kubeadmin', token: TOKEN },
      trust: { caPem: reg.ca.certPem },
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' },
      timeoutMs: 5000,
    });
    expect((await direct.ping()).status).toBe(200);
    expect(proxy.connects.length).toBe(n);
  });

  it('access denied on a repository after the token was accepted is not "token rejected"', async () => {
    const c = client({ token: TOKEN });
    await c.ping();
    const e = await c.get('/v2/other/app/tags/list').catch((x) => x);
    expect(e).toBeInstanceOf(RegistryAuthError);
    expect(e.kind).toBe('denied');
  });

  it("a caller's Authorization header is sent as given (any case), not replaced by the client's own", async () => {
    const before = reg.seen.length;
    for (const key of ['authorization', 'Authorization']) {
      const r = await client().get('/v2/', { headers: { [key]: `Bearer ${TOKEN}` } });
      expect(r.status, key).toBe(200);
    }
    expect(reg.seen.slice(before).map((x) => x.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('a streamed body answered 401 is not sent again (it cannot be replayed): one PUT, then an error', async () => {
    const before = reg.seen.length;
    const path = '/v2/team/app/blobs/uploads/u1?digest=sha256:' + '0'.repeat(64);
    const body = Readable.from([Buffer.from('layer bytes')]);
    const e = await client({ token: TOKEN }).get(path, { method: 'PUT', body, headers: { 'content-length': '11' } }).catch((x) => x);
    expect(e).toBeInstanceOf(RegistryHttpError);
    expect(e.message).toContain('a streamed body is not sent twice');
    expect(reg.seen.slice(before).filter((s) => s.path.startsWith('/v2/team/app/blobs/uploads/'))).toHaveLength(1);
  });

  it('pages follow the Link header', async () => {
    const c = client({ token: TOKEN });
    const tags: string[] = [];
    for await (const p of c.pages<{ tags: string[] }>('/v2/team/app/tags/list?n=2')) tags.push(...p.tags);
    expect(tags).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('getJSON: 404 → RegistryHttpError translated to exit 5', async () => {
    const c = client({ token: TOKEN });
    const e = await c.getJSON('/v2/nope/nope/manifests/latest').catch((x) => x);
    expect(e.status).toBe(404);
    expect(toRegctlError(e).exitCode).toBe(5);
  });
});

describe('helpers', () => {
  it('nextLink', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextLink('<https://x/a>; rel="prev", </b?n=1>; rel=next')).toBe('/b?n=1');
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('</a>; rel="prev"')).toBeUndefined();
  });
  it('redactUrl', () => {
    expect(redactUrl('https://u:p@h/oauth/token/implicit?code=sha256~x&state=')).toBe('https://h/oauth/token/implicit?code=REDACTED&state=');
  });
});

describe('proxyFor', () => {
  it('follows NO_PROXY like EnvHttpProxyAgent and never shows credentials', async () => {
    const { proxyFor } = await import('../../../src/registry/http.js');
    const env = { HTTPS_PROXY: 'http://user:pw@127.0.0.1:3128', NO_PROXY: '127.0.0.1,.internal.example,svc:5000' };
    expect(proxyFor('https://reg.apps.example.com/v2/', env)).toBe('http://127.0.0.1:3128');
    expect(proxyFor('https://127.0.0.1:5000/v2/', env)).toBeUndefined();
    expect(proxyFor('https://a.internal.example/v2/', env)).toBeUndefined();
    expect(proxyFor('https://svc:443/v2/', env)).toBe('http://127.0.0.1:3128');
    expect(proxyFor('https://svc:5000/v2/', env)).toBeUndefined();
    expect(proxyFor('https://x/v2/', {})).toBeUndefined();
  });
});
