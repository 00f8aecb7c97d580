// Pins every --help text: a changed flag or description shows up in review as a snapshot diff.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import { buildProgram } from '../../src/cli.js';
import type { Command } from 'commander';

async function help(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv, '--help'], {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: new PassThrough(),
    env: { NO_COLOR: '1' },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Every command path, including subcommands (trust-ca add, config set, …). */
function commandPaths(): string[][] {
  const program = buildProgram();
  const paths: string[][] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...prefix, sub.name()];
      paths.push(p);
      walk(sub, p);
    }
  };
  walk(program, []);
  return paths;
}

describe('help texts', () => {
  it('regctl --help', async () => {
    const r = await help([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatchSnapshot();
  });

  for (const p of commandPaths()) {
    it(`regctl ${p.join(' ')} --help`, async () => {
      const r = await help(p);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: regctl ${p.join(' ')}`);
      expect(r.stdout).toMatchSnapshot();
    });
  }
});
