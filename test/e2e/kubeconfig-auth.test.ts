// Kubeconfig users the way kubectl reads them (issue 16 §5): tokenFile, and exec plugins that work, fail, print
// something that is not JSON, or are missing. Each failure is one `error:` line naming the plugin (with its stderr's
// last line) or the token file, a hint, and exit 4 — never an anonymous request or an empty message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { expectOneError } from './support/expect-error.js';

let sb: Sandbox;
let dir: string;

function kubeconfig(name: string, user: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.kubeconfig`);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: sb.apiUrl, 'certificate-authority-data': Buffer.from(sb.caPems.api).toString('base64') } }],
    users: [{ name: 'someone', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'sandbox', user: 'someone', namespace: 'default' } }],
    'current-context': 'ctx',
  };
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

function plugin(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const exec = (command: string) => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'Never' } });
const status = (kc: string) => runCli(['status', '-o', 'json'], { env: { KUBECONFIG: kc, NO_PROXY: '127.0.0.1,localhost' } });

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-kubeconfig-auth-'));
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('tokenFile', () => {
  it('is read (relative to the kubeconfig) and used as the bearer token', async () => {
    fs.writeFileSync(path.join(dir, 'token'), `${sb.tokens.admin}\n`);
    const r = await status(kubeconfig('tokenfile', { tokenFile: 'token' }));
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toContain(sb.tokens.admin);
  });
  it('a missing token file is an error, not an anonymous request', async () => {
    const r = await status(kubeconfig('tokenfile-missing', { tokenFile: path.join(dir, 'no-such-token') }));
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: cannot read the token file .*no-such-token of kubeconfig user "someone" \(ENOENT\)$/, /tokenFile .*oc login/);
  });
});

describe('exec plugins', () => {
  it('a working plugin gives the token', async () => {
    const p = plugin('good-plugin', `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${sb.tokens.admin}"}}'`);
    const r = await status(kubeconfig('exec-good', exec(p)));
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toContain(sb.tokens.admin);
  });
  it('exits non-zero: names the plugin and the last line of its stderr', async () => {
    const p = plugin('failing-plugin', 'echo "starting browser flow" >&2\necho "error: refresh token expired, run kubelogin again" >&2\nexit 1');
    const r = await status(kubeconfig('exec-fail', exec(p)));
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: the kubeconfig exec plugin .*failing-plugin failed: error: refresh token expired, run kubelogin again$/, /^hint: run .*failing-plugin yourself/);
    expect(r.stderr).not.toContain('starting browser flow');
  });
  it('exits non-zero without a word', async () => {
    const r = await status(kubeconfig('exec-silent', exec(plugin('silent-plugin', 'exit 3'))));
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: the kubeconfig exec plugin .*silent-plugin failed \(it printed nothing on stderr\)$/, /^hint: /);
  });
  it('prints something that is not JSON', async () => {
    const r = await status(kubeconfig('exec-garbage', exec(plugin('garbage-plugin', 'echo "Please visit https://login.example.com/device"'))));
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: the kubeconfig exec plugin .*garbage-plugin printed something that is not an ExecCredential \(JSON\)$/, /^hint: run .*garbage-plugin yourself/);
  });
  it('is not installed', async () => {
    const r = await status(kubeconfig('exec-missing', exec(path.join(dir, 'kubelogin-not-installed'))));
    expect(r.code, r.all).toBe(4);
    expectOneError(r, /^error: the kubeconfig exec plugin .*kubelogin-not-installed was not found$/, /^hint: install it or fix users\[\]\.user\.exec\.command in /);
  });
});
