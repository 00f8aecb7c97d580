// grant/revoke/access/pull-secret argument errors: one line + hint, exit 2, before any cluster access
// (KUBECONFIG points nowhere, so touching the cluster would give exit 4 instead).
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import os from 'node:os';
import { main } from '../../src/cli.js';
import { parseRoleArgs } from '../../src/cluster/role-change.js';

async function run(argv: string[], input?: string) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  if (input !== undefined) stdin.end(input);
  else stdin.end();
  const code = await main(argv, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin,
    env: { HOME: os.tmpdir(), NO_COLOR: '1', KUBECONFIG: '/nonexistent/kubeconfig' },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr, lines: stderr.split('\n').filter(Boolean) };
}

describe.each(['grant', 'revoke'])('%s usage errors', (verb) => {
  it.each([
    [[], 'error: you must specify a role'],
    [['viewer'], 'error: you must specify at least one user or service account'],
    [['viewer', '-z', 'system:serviceaccount:ns:builder'], 'error: --serviceaccount (-z) should only be used with short-form serviceaccount names (e.g. `default`)'],
    [['viewer', '-z', 'Builder'], /^error: "Builder" is not a valid serviceaccount name: /],
    [['viewer', 'a/b'], 'error: "a/b" is not a valid user name: may not contain \'/\' or \'%\''],
    [['viewer', 'system:serviceaccount:ns'], 'error: "system:serviceaccount:ns" is not a valid service account user name'],
    [['viewer', '--group', 'bad group'], /^error: "bad group" is not a valid group name/],
    [['viewer', 'alice', '-o', 'xml'], 'error: unsupported output format "xml"'],
    [['viewer', 'alice', '-n', 'Bad_NS'], 'error: "Bad_NS" is not a valid project name'],
    [['viewer', 'alice', '-n', 'ns', '--role-namespace', 'ns'], 'error: viewer is an intent for the ClusterRole registry-viewer; --role-namespace needs the name of a namespaced Role'],
    [['metrics', 'alice', '--role-namespace', 'ns'], 'error: metrics is an intent for the ClusterRole registry-monitoring or prometheus-scraper; --role-namespace needs the name of a namespaced Role'],
    [['my-role', 'alice', '--cluster-wide', '--role-namespace', 'ns'], 'error: --role-namespace cannot be used with --cluster-wide'],
    [['my-role', 'alice', '-n', 'a', '--role-namespace', 'b'], 'error: role binding in namespace "a" can\'t reference role in different namespace "b"'],
    [['my-role', 'alice', '-n', 'ns', '--role-namespace', 'Bad_NS'], 'error: "Bad_NS" is not a valid project name for --role-namespace'],
    [['my-role', '-n', 'ns', '--role-namespace', 'ns'], 'error: you must specify at least one user or service account'],
  ] as Array<[string[], string | RegExp]>)('%j', async (args, message) => {
    const r = await run([verb, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.lines).toHaveLength(2);
    if (typeof message === 'string') expect(r.lines[0]).toBe(message);
    else expect(r.lines[0]).toMatch(message);
    expect(r.lines[1]).toMatch(/^hint: /);
  });
});

describe('--role-namespace parsing', () => {
  it('names a Role (roleRef kind Role) when it equals -n', async () => {
    const p = await parseRoleArgs(['image-pusher-local', 'alice'], { namespace: 'ns', roleNamespace: 'ns' });
    expect(p).toMatchObject({ word: 'image-pusher-local', roleKind: 'Role', roleNamespace: 'ns', intent: { intent: '', roles: ['image-pusher-local'] } });
  });

  it('without -n is accepted here (the context namespace is compared after connecting)', async () => {
    expect((await parseRoleArgs(['r', 'alice'], { roleNamespace: 'ns' })).roleKind).toBe('Role');
  });

  it('empty means a ClusterRole, as in oc', async () => {
    const p = await parseRoleArgs(['viewer', 'alice'], { roleNamespace: '' });
    expect(p.roleKind).toBe('ClusterRole');
    expect(p.roleNamespace).toBeUndefined();
    expect((await parseRoleArgs(['viewer', 'alice'], {})).roleKind).toBe('ClusterRole');
  });

  it('is in both commands\' help', async () => {
    for (const verb of ['grant', 'revoke']) expect((await run([verb, '--help'])).stdout).toContain('--role-namespace <ns>');
  });
});

describe('access and pull-secret usage errors', () => {
  it.each([
    [['access', 'alice', '--group', 'devs'], 'error: access answers for one subject at a time'],
    [['access', '-o', 'xml'], 'error: unsupported output format "xml"'],
    [['pull-secret', 'create'], 'error: you must specify a name for the secret'],
    [['pull-secret', 'create', 'Bad_Name', '--server', 'q', '--username', 'u', '--password-stdin'], 'error: "Bad_Name" is not a valid secret name'],
    [['pull-secret', 'create', 'c', '--server', 'quay.io', '--username', 'u'], 'error: the password is read from stdin only'],
    [['pull-secret', 'create', 'c', '--server', 'quay.io'], 'error: you must give --server and --username (with --password-stdin), or --from-authfile FILE'],
    [['pull-secret', 'create', 'c', '--from-authfile', '/nonexistent/auth.json'], 'error: cannot read /nonexistent/auth.json: ENOENT'],
    [['pull-secret', 'create', 'c', '--from-authfile', 'f', '--server', 'x'], 'error: --from-authfile cannot be combined with --server, --username or --password-stdin'],
    [['pull-secret', 'create', 'c', '--server', 'q', '--username', 'u', '--password-stdin', '--link', 'default', '--for', 'push'], 'error: invalid --for "push"'],
    [['pull-secret', 'create', 'c', '--server', 'q', '--username', 'u', '--password-stdin', '--for', 'pull'], 'error: --for needs --link'],
    [['pull-secret', 'link', 'c'], 'error: you must specify a secret and at least one service account'],
  ] as Array<[string[], string]>)('%j', async (args, message) => {
    const r = await run(args, '');
    expect(r.code).toBe(2);
    expect(r.lines[0]).toBe(message);
    expect(r.lines[1]).toMatch(/^hint: /);
  });

  it('an empty password on stdin is refused before connecting', async () => {
    const r = await run(['pull-secret', 'create', 'c', '--server', 'quay.io', '--username', 'u', '--password-stdin'], '\n');
    expect(r.code).toBe(2);
    expect(r.lines[0]).toBe('error: no password on stdin');
  });

  it('a password given as an argument is refused and not echoed', async () => {
    const r = await run(['pull-secret', 'create', 'c', 'hunter2', '--server', 'quay.io', '--username', 'u']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too many arguments/);
    expect(r.stderr).not.toContain('hunter2');
  });
});
