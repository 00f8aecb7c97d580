// v1 Secret validation as kube-apiserver answers it (pkg/apis/core/validation/validation.go ValidateSecret /
// ValidateSecretUpdate): over HTTP for create, update, merge/json/strategic patch, server-side apply and dry runs, and
// what kubectl 1.32 prints for the 422.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startKit, type Kit } from './testkit.ts';
import { kubectlFor, type KubectlKit } from './kubectl-kit.ts';
import { MAX_SECRET_SIZE, secretCauses } from './secret-validation.ts';

const NS = '/api/v1/namespaces/default/secrets';
const IMMUTABLE = 'field is immutable when `immutable` is set';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

let kit: Kit;
let kc: KubectlKit;
const req = (method: string, path: string, body?: unknown, contentType?: string) => call(kit, method, path, { token: kit.adminToken, body, contentType });
const create = (obj: Record<string, unknown>) => req('POST', NS, { apiVersion: 'v1', kind: 'Secret', ...obj });
const stored = (name: string) => kit.store.get('/secrets', 'default', name) as any;

beforeAll(async () => {
  kit = await startKit();
  kc = kubectlFor(kit);
});

afterAll(async () => {
  kc?.close();
  await kit?.close();
});

describe('create', () => {
  it('kubernetes.io/tls without tls.crt and tls.key: 422 with both causes, nothing stored', async () => {
    const r = await create({ metadata: { name: 'tls-empty' }, type: 'kubernetes.io/tls', data: { 'ca.crt': b64('x') } });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'Secret "tls-empty" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
      details: {
        name: 'tls-empty',
        kind: 'Secret',
        causes: [
          { reason: 'FieldValueRequired', message: 'Required value', field: 'data[tls.crt]' },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'data[tls.key]' },
        ],
      },
    });
    expect(r.json.details.group).toBeUndefined();
    expect(stored('tls-empty')).toBeUndefined();
  });

  it('stringData counts as data (converted before validation): a tls secret given by stringData is valid', async () => {
    const r = await create({ metadata: { name: 'tls-sd' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } });
    expect(r.status, r.text).toBe(201);
    expect(stored('tls-sd').data).toEqual({ 'tls.crt': b64('c'), 'tls.key': b64('k') });
  });

  it('more than 1 MiB of data in total: data: Too long', async () => {
    const half = Buffer.alloc(MAX_SECRET_SIZE / 2 + 1, 'a').toString('base64');
    const r = await create({ metadata: { name: 'big' }, data: { a: half, b: half } });
    expect(r.status).toBe(422);
    expect(r.json.message).toBe(`Secret "big" is invalid: data: Too long: may not be more than ${MAX_SECRET_SIZE} bytes`);
    expect(r.json.details.causes).toEqual([{ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_SECRET_SIZE} bytes`, field: 'data' }]);
    // Exactly 1 MiB is allowed.
    const ok = await create({ metadata: { name: 'big-ok' }, data: { a: Buffer.alloc(MAX_SECRET_SIZE, 'a').toString('base64') } });
    expect(ok.status, ok.text).toBe(201);
  });

  it('key names: IsConfigMapKey', async () => {
    const r = await create({ metadata: { name: 'keys' }, data: { 'a/b': b64('x'), '..x': b64('y') } });
    expect(r.status).toBe(422);
    expect(r.json.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'data[..x]', message: `Invalid value: "..x": must not start with '..'` },
      {
        reason: 'FieldValueInvalid',
        field: 'data[a/b]',
        message: `Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      },
    ]);
  });

  it('dockerconfigjson: the key is required and must decode as a JSON object; the value is never echoed', async () => {
    const missing = await create({ metadata: { name: 'dcj' }, type: 'kubernetes.io/dockerconfigjson', data: {} });
    expect(missing.json.message).toBe('Secret "dcj" is invalid: data[.dockerconfigjson]: Required value');
    const bad = await create({ metadata: { name: 'dcj' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('s3cr3t-not-json') } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe(`Secret "dcj" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 's' looking for beginning of value`);
    expect(bad.text).not.toContain('s3cr3t');
    const arr = await create({ metadata: { name: 'dcj' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[]') } });
    expect(arr.json.details.causes[0].message).toMatch(/json: cannot unmarshal array into Go value of type map\[string\]interface \{\}$/);
    const ok = await create({ metadata: { name: 'dcj' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } });
    expect(ok.status, ok.text).toBe(201);
  });

  it('the other built-in types', () => {
    const fields = (o: Record<string, unknown>) => secretCauses({ metadata: { name: 'x' }, ...o } as any).map((c) => c.field);
    expect(fields({ type: 'kubernetes.io/service-account-token' })).toEqual(['metadata.annotations[kubernetes.io/service-account.name]']);
    expect(fields({ type: 'kubernetes.io/basic-auth', data: {} })).toEqual(['data[username]', 'data[password]']);
    expect(fields({ type: 'kubernetes.io/basic-auth', data: { username: '' } })).toEqual([]);
    expect(fields({ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } })).toEqual(['data[ssh-privatekey]']);
    expect(fields({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('{}') } })).toEqual([]);
    expect(fields({ type: 'example.com/custom' })).toEqual([]);
  });

  it('dryRun=All is validated the same way', async () => {
    const r = await req('POST', `${NS}?dryRun=All`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dry' }, type: 'kubernetes.io/tls', data: {} });
    expect(r.status).toBe(422);
  });
});

describe('update of an immutable secret', () => {
  const name = 'frozen';
  const path = `${NS}/${name}`;
  beforeAll(async () => {
    const r = await create({ metadata: { name }, type: 'kubernetes.io/tls', immutable: true, data: { 'tls.crt': b64('old-crt'), 'tls.key': b64('old-key') } });
    expect(r.status, r.text).toBe(201);
  });

  it('merge patch of data: data: Forbidden; nothing changed', async () => {
    const before = stored(name).metadata.resourceVersion;
    const r = await req('PATCH', path, { data: { 'tls.crt': b64('new-crt') } }, 'application/merge-patch+json');
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({
      reason: 'Invalid',
      message: `Secret "frozen" is invalid: data: Forbidden: ${IMMUTABLE}`,
      details: { name, kind: 'Secret', causes: [{ reason: 'FieldValueForbidden', message: `Forbidden: ${IMMUTABLE}`, field: 'data' }] },
    });
    expect(stored(name).metadata.resourceVersion).toBe(before);
    expect(stored(name).data['tls.crt']).toBe(b64('old-crt'));
  });

  it('stringData is data: patching it is refused the same way', async () => {
    const r = await req('PATCH', path, { stringData: { 'tls.key': 'new-key' } }, 'application/strategic-merge-patch+json');
    expect(r.status).toBe(422);
    expect(r.json.message).toBe(`Secret "frozen" is invalid: data: Forbidden: ${IMMUTABLE}`);
  });

  it('immutable: false and a new type at once: every cause, in ValidateSecretUpdate\'s order', async () => {
    const r = await req('PATCH', path, [{ op: 'replace', path: '/immutable', value: false }, { op: 'replace', path: '/type', value: 'Opaque' }, { op: 'add', path: '/data/extra', value: b64('x') }], 'application/json-patch+json');
    expect(r.status).toBe(422);
    expect(r.json.message).toBe(`Secret "frozen" is invalid: [type: Invalid value: "Opaque": field is immutable, immutable: Forbidden: ${IMMUTABLE}, data: Forbidden: ${IMMUTABLE}]`);
    expect(r.json.details.causes.map((c: any) => c.reason)).toEqual(['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueForbidden']);
  });

  it('PUT with the same data and a new label is allowed', async () => {
    const cur = stored(name);
    const r = await req('PUT', path, { ...cur, metadata: { ...cur.metadata, labels: { a: 'b' }, managedFields: undefined } });
    expect(r.status, r.text).toBe(200);
    expect(stored(name).metadata.labels).toEqual({ a: 'b' });
  });

  it('a PUT with a stale resourceVersion is a 409 Conflict, not the 422', async () => {
    const cur = stored(name);
    const r = await req('PUT', path, { ...cur, metadata: { ...cur.metadata, resourceVersion: '1', managedFields: undefined }, data: { 'tls.crt': b64('x'), 'tls.key': b64('y') } });
    expect(r.status).toBe(409);
  });

  it('server-side apply of other data: 422 too', async () => {
    const body = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('applied')}\n`;
    const r = await req('PATCH', `${path}?fieldManager=test&force=true`, body, 'application/apply-patch+yaml');
    expect(r.status, r.text).toBe(422);
    expect(r.json.message).toBe(`Secret "frozen" is invalid: data: Forbidden: ${IMMUTABLE}`);
  });

  it('a mutable secret: type is still immutable', async () => {
    expect((await create({ metadata: { name: 'plain' }, data: { a: b64('1') } })).status).toBe(201);
    const r = await req('PATCH', `${NS}/plain`, { type: 'kubernetes.io/basic-auth' }, 'application/merge-patch+json');
    expect(r.json.message).toBe('Secret "plain" is invalid: [type: Invalid value: "kubernetes.io/basic-auth": field is immutable, data[username]: Required value, data[password]: Required value]');
    const ok = await req('PATCH', `${NS}/plain`, { data: { a: b64('2') } }, 'application/merge-patch+json');
    expect(ok.status).toBe(200);
  });

  it('kubectl prints the API\'s message', async () => {
    const r = await kc.run('patch', 'secret', name, '-n', 'default', '--type', 'merge', '-p', JSON.stringify({ stringData: { 'tls.crt': 'z' } }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`The Secret "frozen" is invalid: data: Forbidden: ${IMMUTABLE}`);
  });
});
