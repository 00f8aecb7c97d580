// Every error has a `hint:` line (issue 16 §5), including API "not found" answers and over-long names.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { expectOneError } from './support/expect-error.js';

let sb: Sandbox;
const regctl = (args: string[], input?: string) => runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, input });
const long = (c: string, n: number) => c.repeat(n);

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
}, 60_000);

afterAll(async () => {
  await sb?.stop();
});

it('a project that does not exist: exit 5 with the command that creates it', async () => {
  const ns = long('n', 60);
  const r = await regctl(['grant', 'viewer', 'alice', '-n', ns]);
  expect(r.code, r.all).toBe(5);
  expectOneError(r, new RegExp(`^error: namespaces "${ns}" not found$`), /^hint: check the project name \(`oc get projects`\), or create it with `oc new-project NAME`$/);
});

it('over-long names: exit 2, one error and a hint, before anything is sent', async () => {
  const cases = await Promise.all([
    regctl(['pull-secret', 'create', long('a', 300), '--server', 'quay.io', '--username', 'u', '--password-stdin', '-n', 'default'], 'pw'),
    regctl(['expose', '--route', long('r', 80), '--dry-run']),
    regctl(['trust-ca', 'add', `${long('h', 300)}.com`, '--ca', `${sb.dir}/ingress-ca.crt`, '--dry-run']),
    regctl(['grant', 'viewer', 'alice', '-n', long('n', 300)]),
  ]);
  for (const r of cases) {
    expect(r.code, r.all).toBe(2);
    expectOneError(r, /^error: /, /^hint: /);
  }
});
