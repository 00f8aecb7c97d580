import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateExpose, type ExposeOptions } from '../../../src/commands/expose.run.js';
import { allocatedHost, hostnameProblem, redactSecret, routeNameProblem, routesPatch, tlsSecret, underWildcard, upsertRoute, withoutRoute } from '../../../src/cluster/route-plan.js';
import { createCA } from '../../sandbox/pki.ts';

let tmp: string;
const f: Record<string, string> = {};
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-expose-unit-'));
  const ca = await createCA('unit-ca');
  const other = await createCA('other-ca');
  const leaf = await ca.issue({ commonName: 'reg.example.com', dnsNames: ['reg.example.com'] });
  const expired = await ca.issue({ commonName: 'old.example.com', dnsNames: ['old.example.com'], notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
  const write = (name: string, content: string) => (f[name] = path.join(tmp, name)) && fs.writeFileSync(f[name]!, content);
  write('ca', ca.certPem);
  write('other', other.certPem);
  write('cert', leaf.certPem);
  write('key', leaf.keyPem);
  write('expired', expired.certPem);
  write('expiredKey', expired.keyPem);
  write('garbage', 'not a pem');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const base: ExposeOptions = { timeout: '2m' };
const usage = async (o: Partial<ExposeOptions>, msg: RegExp) => {
  const e = await validateExpose({ ...base, ...o }).catch((x) => x);
  expect(e?.exitCode, String(e)).toBe(2);
  expect(e.message).toMatch(msg);
  expect(e.hint).toBeTruthy();
};

describe('validateExpose', () => {
  it('modes', async () => {
    expect((await validateExpose({ ...base, defaultRoute: true })).mode).toBe('default');
    expect((await validateExpose({ ...base, route: 'pub', hostname: 'a.example.com' })).mode).toBe('route');
    expect((await validateExpose({ ...base, remove: true })).mode).toBe('remove-default');
    expect((await validateExpose({ ...base, remove: true, route: 'pub' })).mode).toBe('remove-route');
    expect((await validateExpose({ ...base, trust: true })).mode).toBe('trust-only');
  });
  it('flag errors before any change', async () => {
    await usage({}, /nothing to do/);
    await usage({ defaultRoute: true, route: 'x' }, /cannot be combined/);
    await usage({ hostname: 'a.example.com' }, /apply to a custom route/);
    await usage({ route: 'default-route' }, /reserved.*VerificationFailed/);
    await usage({ route: 'Bad_Name' }, /not a valid route name/);
    await usage({ route: 'r', hostname: 'https://x' }, /not a valid host name/);
    await usage({ defaultRoute: true, timeout: 'soon' }, /invalid --timeout/);
    await usage({ defaultRoute: true, certsDir: '/x' }, /--certs-dir is only used with --trust/);
    await usage({ remove: true, caOut: 'x' }, /--ca-out cannot be combined/);
    await usage({ route: 'r', hostname: 'reg.example.com', cert: 'x' }, /--cert and --key go together/);
    await usage({ route: 'r', hostname: 'reg.example.com', ca: 'x' }, /--ca needs --cert/);
  });
  it('certificate checks', async () => {
    const o = { route: 'r', hostname: 'reg.example.com' };
    await usage({ ...o, cert: f.garbage, key: f.key }, /not a PEM certificate/);
    await usage({ ...o, cert: f.cert, key: f.garbage }, /not a PEM private key/);
    await usage({ ...o, cert: f.cert, key: f.expiredKey }, /does not belong to --cert/);
    await usage({ ...o, hostname: 'other.example.com', cert: f.cert, key: f.key }, /not valid for other\.example\.com/);
    await usage({ ...o, hostname: 'old.example.com', cert: f.expired, key: f.expiredKey }, /expired on 2021/);
    await usage({ ...o, cert: f.cert, key: f.key, ca: f.other }, /was not signed by --ca/);
    await usage({ route: 'r', cert: f.cert, key: f.key }, /--cert needs --hostname/);
    await usage({ ...o, cert: path.join(tmp, 'missing'), key: f.key }, /cannot read --cert/);
    await usage({ ...o, cert: f.cert, key: f.key, trust: true }, /need the CA that signed --cert/);
    const ok = await validateExpose({ ...base, ...o, cert: f.cert, key: f.key, ca: f.ca });
    expect(ok.tls?.caPem).toBe(fs.readFileSync(f.ca!, 'utf8'));
    expect(ok.routeCA).toBe(ok.tls?.caPem);
  });
});

describe('route plan', () => {
  it('upsert keeps position, drops duplicates, never adds a second entry', () => {
    const rs = [{ name: 'a', hostname: 'a.x' }, { name: 'b' }, { name: 'a', hostname: 'dup' }];
    expect(upsertRoute(rs, { name: 'a', hostname: 'new.x', secretName: 's' })).toEqual([{ name: 'a', hostname: 'new.x', secretName: 's' }, { name: 'b' }]);
    expect(upsertRoute([{ name: 'b' }], { name: 'c', hostname: undefined })).toEqual([{ name: 'b' }, { name: 'c' }]);
    expect(withoutRoute(rs, 'a')).toEqual([{ name: 'b' }]);
  });
  it('the JSON patch tests the value it was computed from', () => {
    expect(routesPatch(undefined, [{ name: 'a' }])).toEqual([{ op: 'add', path: '/spec/routes', value: [{ name: 'a' }] }]);
    expect(routesPatch([], [{ name: 'a' }])).toEqual([
      { op: 'test', path: '/spec/routes', value: [] },
      { op: 'replace', path: '/spec/routes', value: [{ name: 'a' }] },
    ]);
  });
  it('the TLS secret uses the operator\'s key names; dry runs redact it', () => {
    const s = tlsSecret('r-route-tls', { certPem: 'C', keyPem: 'SECRETKEY', caPem: 'A' });
    expect(Object.keys(s.data)).toEqual(['tls.crt', 'tls.key', 'tls.cacrt']);
    expect(s.metadata).toMatchObject({ namespace: 'openshift-image-registry', labels: { 'app.kubernetes.io/managed-by': 'regctl' } });
    expect(JSON.stringify(redactSecret(s))).not.toContain(Buffer.from('SECRETKEY').toString('base64'));
  });
  it('names and hosts', () => {
    expect(routeNameProblem('registry')).toBeUndefined();
    expect(hostnameProblem('registry.apps.example.com')).toBeUndefined();
    expect(hostnameProblem('localhost')).toMatch(/not a valid host/);
    expect(allocatedHost('a.b', 'apps.x.com')).toBe('a-b-openshift-image-registry.apps.x.com');
    expect(underWildcard('r.apps.x.com', 'apps.x.com')).toBe(true);
    expect(underWildcard('a.r.apps.x.com', 'apps.x.com')).toBe(false);
  });
});
