// The CLI entry in-process: parsing, usage errors and the error → exit code boundary.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { main } from '../../src/cli.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: new PassThrough(),
    env: { HOME: os.tmpdir(), NO_COLOR: '1', ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('regctl entry point', () => {
  it('prints the version on stdout', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a hint on an unknown command', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: unknown command 'frobnicate'/);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stdout).toBe('');
  });

  describe('an unknown command of a group: regctl\'s error and hint, exit 2, nothing run', () => {
    it.each([
      // pruner has a default command (show), which would otherwise take the word as its operand.
      [['pruner', 'sett'], "error: unknown command 'sett' for 'regctl pruner'", 'hint: did you mean `regctl pruner set`? (`regctl pruner --help` lists its commands)'],
      // After the default command's options, the word reaches it as an operand: still the group's unknown command.
      [['pruner', '--tail', '5', 'sett'], "error: unknown command 'sett' for 'regctl pruner'", 'hint: did you mean `regctl pruner set`? (`regctl pruner --help` lists its commands)'],
      [['pruner', 'SET'], "error: unknown command 'SET' for 'regctl pruner'", 'hint: did you mean `regctl pruner set`? (`regctl pruner --help` lists its commands)'],
      [['config', 'sett'], "error: unknown command 'sett' for 'regctl config'", 'hint: did you mean `regctl config set`? (`regctl config --help` lists its commands)'],
      // An alias close to the word suggests the command's name, once.
      [['trust-ca', 'lst'], "error: unknown command 'lst' for 'regctl trust-ca'", 'hint: did you mean `regctl trust-ca list`? (`regctl trust-ca --help` lists its commands)'],
      [['set-storage', 'credentials', 's4'], "error: unknown command 's4' for 'regctl set-storage credentials'", 'hint: did you mean `regctl set-storage credentials s3`? (`regctl set-storage credentials --help` lists its commands)'],
      [['config', 'frobnicate'], "error: unknown command 'frobnicate' for 'regctl config'", 'hint: `regctl config` has the commands get, set (`regctl config --help` for more)'],
      [['pruner', 'xyzzy', '-o', 'json'], "error: unknown command 'xyzzy' for 'regctl pruner'", 'hint: `regctl pruner` has the commands show, set, suspend, resume (`regctl pruner --help` for more)'],
      [['tagz'], "error: unknown command 'tagz'", 'hint: did you mean `regctl tag` or `regctl tags`? (`regctl --help` lists the commands)'],
      [['sttaus'], "error: unknown command 'sttaus'", 'hint: did you mean `regctl status`? (`regctl --help` lists the commands)'],
    ])('regctl %j', async (argv, error, hint) => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-home-'));
      const r = await run(argv, { HOME: home, KUBECONFIG: '/nonexistent' });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${error}\n${hint}\n`);
    });

    it('with -v: still the two lines, no stack trace', async () => {
      const r = await run(['-v', 'pruner', 'sett']);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it('`help COMMAND` still shows that command\'s help, at the top and in a group with a default command', async () => {
      for (const [argv, usage] of [[['help', 'status'], 'Usage: regctl status '], [['pruner', 'help', 'set'], 'Usage: regctl pruner set ']] as const) {
        const r = await run([...argv]);
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.stdout + r.stderr).toContain(usage);
      }
    });

    it('the commands themselves still run: an explicit command with a stray operand keeps commander\'s error', async () => {
      const r = await run(['pruner', 'show', 'extra']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: too many arguments for 'show'/);
    });
  });

  it('exits 2 on an unknown option', async () => {
    const r = await run(['status', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('exits 2 on a bad output format, before touching the cluster', async () => {
    const r = await run(['status', '-o', 'xml'], { KUBECONFIG: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unsupported output format "xml"\nhint: use one of: table, wide, json, yaml\n');
  });

  it('explains a missing kubeconfig in one line with a hint, exit 4', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-home-'));
    const r = await run(['status'], { HOME: home });
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'error: no kubeconfig found',
      'hint: log in with `oc login <api-url>`, or set KUBECONFIG / --kubeconfig to a kubeconfig file',
    ]);
  });

  it('names the available contexts when --context is wrong', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-kc-'));
    const kc = path.join(dir, 'config');
    fs.writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: abc}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\ncurrent-context: one\n`,
    );
    const r = await run(['status', '--kubeconfig', kc, '--context', 'two']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: context "two" does not exist');
    expect(r.stderr).toContain('hint: available contexts: one');
  });

  it('reports an unreachable API server in one line without a stack trace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-kc-'));
    const kc = path.join(dir, 'config');
    fs.writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:9"}\nusers:\n- name: u\n  user: {token: sha256~secret-token-value}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\ncurrent-context: one\n`,
    );
    const r = await run(['status', '--kubeconfig', kc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the API server at https:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\nhint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain('secret-token-value');
  });
});
