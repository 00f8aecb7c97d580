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

// A mistyped command of a group (issue: `regctl pruner sett` got commander's "too many arguments for 'show'"): the
// built CLI answers in regctl's words, exit 2, before any request (REGCTL_DEBUG=api would log each one).
it.each([
  [['pruner', 'sett', 'keepTagRevisions=5'], "error: unknown command 'sett' for 'regctl pruner'\nhint: did you mean `regctl pruner set`? (`regctl pruner --help` lists its commands)\n"],
  [['trust-ca', 'delete', 'example.com'], "error: unknown command 'delete' for 'regctl trust-ca'\nhint: `regctl trust-ca` has the commands add, list, remove (`regctl trust-ca --help` for more)\n"],
  [['pull-secret', 'craete', 'x'], "error: unknown command 'craete' for 'regctl pull-secret'\nhint: did you mean `regctl pull-secret create`? (`regctl pull-secret --help` lists its commands)\n"],
  [['exposse', '--default-route'], "error: unknown command 'exposse'\nhint: did you mean `regctl expose`? (`regctl --help` lists the commands)\n"],
])('unknown command: regctl %j → one error, the closest command or the list as the hint, exit 2, nothing sent', async (args, stderr) => {
  const prunerSpec = () => JSON.stringify(sb.store.get('imageregistry.operator.openshift.io/imagepruners', undefined, 'cluster')?.spec);
  const before = prunerSpec();
  expect(before).toBeDefined();
  const r = await runCli(args, { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', REGCTL_DEBUG: 'api' } });
  expect(r.code, r.all).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(stderr);
  expect(prunerSpec()).toBe(before);
});
