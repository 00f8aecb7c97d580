// What a new user types wrong (issue 17 §2): typos of commands and options, command options given before the
// command, and help that shows the global flags and examples — with the built CLI, as a user runs it.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const regctl = (args: string[]) => runCli(args, { env: { KUBECONFIG: '/nonexistent/kubeconfig' } });

describe('usage errors: one error line, a hint that names the fix, exit 2', () => {
  it.each([
    [['stauts'], "error: unknown command 'stauts'\nhint: did you mean `regctl status`? (`regctl --help` lists the commands)\n"],
    [['frobnicate'], "error: unknown command 'frobnicate'\nhint: `regctl --help` lists the commands\n"],
    [['-n', 'team', 'tags', 'app'], "error: unknown option '-n'\nhint: options of a command go after its name: `regctl tags -n team app` (`regctl --help` lists regctl's own options)\n"],
    [['tags', 'app', '--namespac', 'team'], "error: unknown option '--namespac'\nhint: did you mean --namespace? (`regctl tags --help` lists the options)\n"],
    [['status', '--bogus'], "error: unknown option '--bogus'\nhint: run 'regctl status --help' for usage\n"],
  ])('regctl %j', async (args, stderr) => {
    const r = await regctl(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(stderr);
  });
});

describe('help', () => {
  const commands = ['access', 'catalog', 'config', 'config get', 'config set', 'delete', 'doctor', 'expose', 'grant', 'import-image', 'inspect', 'login', 'logout', 'logs', 'metrics', 'pull-secret', 'pull-secret create', 'pull-secret link', 'pull-secret unlink', 'revoke', 'set-storage', 'set-storage pvc', 'set-storage s3', 'set-storage gcs', 'set-storage azure', 'set-storage swift', 'set-storage ibmcos', 'set-storage emptydir', 'status', 'tags', 'token', 'trust-ca', 'trust-ca add', 'trust-ca list', 'trust-ca remove'];
  it('the root and every command and group have examples; commands list the global flags', async () => {
    const root = await regctl(['--help']);
    expect(root.stdout).toMatch(/\nExamples:\n {2}regctl /);
    for (const c of commands) {
      const r = await regctl([...c.split(' '), '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(/\nExamples:\n {2}\S/);
      expect(r.stdout, c).toMatch(/\nGlobal Options:\n[\s\S]*--kubeconfig <file>[\s\S]*--context <name>[\s\S]*--token <token>/);
    }
  }, 120_000);
});
