// The sandbox's fault controls: `conflicts` hits only writes with a resourceVersion precondition (checked with
// kubectl, an independent client), 429 as max-in-flight answers it, and the HTTP control endpoint changes faults
// of a running sandbox (what `npm run sandbox` serves for a person or a test).
import { execFile } from 'node:child_process';
import https from 'node:https';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { startFaultControl } from '../sandbox/fault-control.js';
import { runCli } from '../helpers/cli.js';
import { apiUp, clearFaults } from './support/matrix.js';
import { expectOneError } from './support/outcome.js';

const pexec = promisify(execFile);
let sb: Sandbox;
let control: { url: string; close(): Promise<void> };
const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
const kubectl = (args: string[]) =>
  pexec('kubectl', args, { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', KUBECONFIG: sb.kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e) => ({ code: e.code as number, out: String(e.stdout ?? '') + String(e.stderr ?? '') }),
  );
function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${sb.apiDirectUrl}${path}`, { method, ca: sb.caPems.api, headers: { Authorization: `Bearer ${sb.tokens.admin}`, ...(data ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
const post = (path: string, body?: unknown) => fetch(`${control.url}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  control = await startFaultControl(sb.faults);
});
afterAll(async () => {
  await control?.close();
  await sb?.stop();
});

describe('conflicts: only optimistic-concurrency writes lose the race', () => {
  it('a merge patch without resourceVersion goes through (kubectl); a PUT with one gets the real 409', async () => {
    clearFaults(sb.faults);
    sb.faults.conflicts = 1;
    const p = await kubectl(['patch', 'configmap', 'image-registry-ca', '-n', 'openshift-config-managed', '--type', 'merge', '-p', '{"metadata":{"labels":{"x":"y"}}}']);
    expect(p.code, p.out).toBe(0);
    expect(sb.faults.conflicts).toBe(1);
    const path = '/api/v1/namespaces/openshift-config-managed/configmaps/image-registry-ca';
    const obj = (await api('GET', path)).json;
    obj.metadata.labels.x = 'z';
    const lost = await api('PUT', path, obj);
    expect(lost.status).toBe(409);
    expect(lost.json).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on configmaps "image-registry-ca": the object has been modified; please apply your changes to the latest version and try again' });
    expect(sb.faults.conflicts).toBe(0);
    expect((await api('PUT', path, obj)).status).toBe(200);
  });
});

describe('the control endpoint', () => {
  it('reads, validates and changes the faults of a running sandbox', async () => {
    clearFaults(sb.faults);
    const bad = await post('/faults', { errorRate: 2 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/errorRate must be a number between 0 and 1/);
    expect((await post('/faults', { nope: 1 })).status).toBe(400);
    expect(sb.faults.errorRate).toBe(0);

    expect((await post('/faults', { down: true })).status).toBe(200);
    const down = await regctl(['config', 'get', 'logLevel']);
    expectOneError(down, 1, /cannot reach the API server/);
    expect((await post('/faults', { down: false })).status).toBe(200);
    await apiUp(sb);
    expect((await regctl(['config', 'get', 'logLevel'])).code).toBe(0);

    await post('/faults', { throttleRate: 1, conflicts: 3 });
    expect(await (await fetch(`${control.url}/faults`)).json()).toMatchObject({ throttleRate: 1, conflicts: 3 });
    const throttled = await regctl(['--request-timeout', '1500ms', 'config', 'get', 'logLevel']);
    expectOneError(throttled, 1, /\(429\): Too many requests, please try again later\./);
    await post('/faults/reset');
    expect(sb.faults).toMatchObject({ throttleRate: 0, conflicts: 0, down: false, errorRate: 0 });
  });
});
