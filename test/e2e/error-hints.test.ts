// Every error has a `hint:` line (issue 16 §5), including API "not found" answers and over-long names.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

// A 403's hint names the exact `kubectl auth can-i` check of what was denied (read from kube-apiserver's message,
// k8s.io/apiserver responsewriters/errors.go forbiddenMessage), and kubectl, run as the hint says by the same user,
// answers "no" — the hint checks the right thing (a subresource is --subresource, not TYPE/NAME).
const kubectlAs = async (context: string, command: string): Promise<string> => {
  const args = command.split(' ').slice(1); // drop "kubectl"
  const r = await promisify(execFile)('kubectl', [...args, '--context', context], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sb.dir, KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' },
  }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' })); // can-i exits 1 with "no"
  return r.stdout.trim();
};
const hintedCheck = (stderr: string): string => {
  const m = /check with `(kubectl auth can-i [^`]+)`/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return m![1]!;
};

it('forbidden (403): the hint names the kubectl auth can-i check of the denied request, which answers no', async () => {
  const r = await runCli(['logs', '--tail', '1', '--context', 'developer'], { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
  expect(r.code, r.all).toBe(4);
  expectOneError(r, /^error: forbidden: .*cannot get resource "deployments" in API group "apps" in the namespace "openshift-image-registry"/, /^hint: /);
  const check = hintedCheck(r.stderr);
  expect(check).toBe('kubectl auth can-i get deployments.apps -n openshift-image-registry');
  expect(await kubectlAs('developer', check)).toBe('no');
  expect(await kubectlAs('admin', check)).toBe('yes');
});

it('forbidden to mint a service-account token: the hinted check asks for serviceaccounts/token, not a service account named "token"', async () => {
  // developer may create service accounts in this project, but not their tokens.
  const ns = 'hint-token';
  sb.store.create('/namespaces', { metadata: { name: ns } });
  sb.store.create('rbac.authorization.k8s.io/roles', { metadata: { name: 'sa-creator', namespace: ns }, rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'get'] }] });
  sb.store.create('rbac.authorization.k8s.io/rolebindings', {
    metadata: { name: 'sa-creator', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sa-creator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'developer' }],
  });
  await sb.waitFor((s) => !!s.get('/serviceaccounts', ns, 'builder'));
  const r = await runCli(['token', '-z', 'builder', '-n', ns, '--context', 'developer'], { env: { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } });
  expect(r.code, r.all).toBe(4);
  expect(r.stdout).toBe('');
  expectOneError(r, /^error: forbidden: you may not create tokens for service account hint-token\/builder$/, /^hint: /);
  const check = hintedCheck(r.stderr);
  expect(check).toBe(`kubectl auth can-i create serviceaccounts --subresource=token -n ${ns}`);
  expect(await kubectlAs('developer', check)).toBe('no');
  expect(await kubectlAs('developer', `kubectl auth can-i create serviceaccounts -n ${ns}`)).toBe('yes');
  // What the hint said before: kubectl reads serviceaccounts/token as TYPE/NAME (a service account named "token").
  expect(await kubectlAs('developer', `kubectl auth can-i create serviceaccounts/token -n ${ns}`)).toBe('yes');
});
