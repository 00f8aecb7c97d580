// The pure parts of running across contexts: the exit-code order, the --contexts-from format, and that every
// command regctl has is classified (read, mutating, or refused with a hint) — a new command must be placed.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { UsageError } from '../../src/errors.js';
import { fanOutMode } from '../../src/multi/commands.js';
import { parseContextList } from '../../src/multi/contexts.js';
import { worstExitCode } from '../../src/multi/exit.js';

describe('worstExitCode', () => {
  it('ranks 130 > 2 > 4 > 3 > 5 > 1 > 124 > 0, whatever the numbers', () => {
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 124])).toBe(124);
    expect(worstExitCode([124, 1])).toBe(1);
    expect(worstExitCode([1, 5])).toBe(5);
    expect(worstExitCode([5, 3])).toBe(3);
    expect(worstExitCode([3, 4, 0])).toBe(4);
    expect(worstExitCode([4, 2])).toBe(2);
    expect(worstExitCode([2, 130])).toBe(130);
    expect(worstExitCode([0, null, undefined])).toBe(0);
    // A code outside the documented ones counts as a failure (1).
    expect(worstExitCode([0, 7])).toBe(1);
    expect(worstExitCode([7, 3])).toBe(3);
  });
});

describe('parseContextList', () => {
  it('takes one name a line, skipping blank lines and # comments', () => {
    expect(parseContextList('# fleet\nprod-east\n\n  prod-west   # the other one\r\ndefault/api-x:6443/kube:admin\n#end')).toEqual([
      'prod-east',
      'prod-west',
      'default/api-x:6443/kube:admin',
    ]);
    expect(parseContextList('\n# nothing\n')).toEqual([]);
  });
});

function leaves(): string[][] {
  const out: string[][] = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      const p = [...prefix, sub.name()];
      if (sub.commands.length) walk(sub, p);
      else out.push(p);
    }
  };
  walk(buildProgram(), []);
  return out;
}

describe('fanOutMode', () => {
  it('classifies every command: read, mutating, or refused with a hint', () => {
    for (const path of leaves()) {
      try {
        const m = fanOutMode(path, {});
        expect(['read', 'mutating'], path.join(' ')).toContain(m.mode);
      } catch (e) {
        expect(e, path.join(' ')).toBeInstanceOf(UsageError);
        // Refused on purpose (a reason and the one-context form), not merely unknown to the table.
        expect((e as UsageError).message, path.join(' ')).toMatch(/does not run across contexts: /);
        expect((e as UsageError).hint, path.join(' ')).toBeTruthy();
      }
    }
  });

  it('knows the read commands, the mutating ones and the refused ones', () => {
    expect(fanOutMode(['status'], {}).mode).toBe('read');
    expect(fanOutMode(['config', 'get'], {}).mode).toBe('read');
    expect(fanOutMode(['config', 'set'], {}).mode).toBe('mutating');
    expect(fanOutMode(['trust-ca', 'list'], {}).mode).toBe('read');
    expect(fanOutMode(['trust-ca', 'add'], {}).mode).toBe('mutating');
    expect(fanOutMode(['set-storage', 'pvc'], {}).mode).toBe('mutating');
    expect(fanOutMode(['grant'], {}).mode).toBe('mutating');
    // A dry run changes nothing: it runs as a read (no --yes, no canary).
    expect(fanOutMode(['grant'], { dryRun: true })).toEqual({ mode: 'read', dryRun: true });
    expect(() => fanOutMode(['status'], { watch: true })).toThrow(/status --watch does not run across contexts/);
    expect(() => fanOutMode(['metrics'], { watch: '5s' })).toThrow(/metrics --watch/);
    expect(() => fanOutMode(['logs'], {})).toThrow(/logs does not run across contexts/);
    expect(() => fanOutMode(['token'], {})).toThrow(/token does not run across contexts/);
    expect(() => fanOutMode(['no-such-command'], {})).toThrow(/does not run across contexts \(/);
  });
});
