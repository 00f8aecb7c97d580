// `regctl trust-ca` in-process: usage errors are caught before any cluster access (KUBECONFIG points nowhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { createCA } from '../sandbox/pki.js';

let dir: string;
const f = (n: string) => path.join(dir, n);

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: new PassThrough(),
    env: { HOME: dir, NO_COLOR: '1', KUBECONFIG: path.join(dir, 'no-kubeconfig') },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-trust-ca-cli-'));
  const ca = await createCA('cli-ca');
  fs.writeFileSync(f('ca.pem'), ca.certPem);
  fs.mkdirSync(f('empty-dir'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('trust-ca usage errors (exit 2, one error line and one hint line, no cluster contact)', () => {
  it.each([
    [['add'], 'error: nothing to add'],
    [['add', 'r.example.com', '--ca', 'CA', '--yes'], 'error: --yes only applies to --from-server'],
    [['add', 'r.example.com', '--ca', 'CA', '-o', 'xml'], 'error: unsupported output format "xml"'],
    [['add', 'r.example.com', '--ca', 'CA', '--configmap', 'UPPER'], 'error: invalid --configmap "UPPER": not a valid ConfigMap name'],
    [['add', '--from-server', 'r.example.com', '--from-dir', 'DIR'], 'error: --from-server cannot be combined with HOST --ca FILE or --from-dir'],
    [['add', '--from-server', 'https://r.example.com/'], 'error: invalid --from-server host "https://r.example.com/": it has a scheme'],
    [['add', '--from-dir', 'DIR'], /^error: --from-dir .*empty-dir has no HOST\[:PORT\]\.crt files$/],
    [['add', 'a.example.com', '--ca', 'CA', 'A.EXAMPLE.COM', '--ca', 'CA'], 'error: registry a.example.com is given more than once'],
    [['add', 'r.example.com:0', '--ca', 'CA'], 'error: invalid registry host "r.example.com:0": port "0" is not a number from 1 to 65535'],
    [['remove', 'r.example.com', 'R.example.com'], 'error: registry r.example.com is given more than once'],
    [['remove', '-o', 'table', 'r.example.com'], 'error: unsupported output format "table"'],
  ])('%j', async (args, first) => {
    const argv = ['trust-ca', ...args.map((a) => (a === 'CA' ? f('ca.pem') : a === 'DIR' ? f('empty-dir') : a))];
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    if (typeof first === 'string') expect(lines[0]).toBe(first);
    else expect(lines[0]).toMatch(first);
    expect(lines[1]).toMatch(/^hint: \S/);
  });

  it('commander errors (missing argument) also exit 2 with a hint', async () => {
    const r = await run(['trust-ca', 'remove']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: missing required argument 'host'/);
    expect(r.stderr).toMatch(/hint: /);
  });

  it('documents the subcommands in --help', async () => {
    const r = await run(['trust-ca', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/add \[options\] \[host\.\.\.\]/);
    expect(r.stdout).toMatch(/list\|ls/);
    expect(r.stdout).toMatch(/remove\|rm \[options\] <host\.\.\.>/);
  });
});
