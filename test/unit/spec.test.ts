// The command shape: option types come from the spec, and the program built from the specs is what --help shows.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { buildProgram, addCommand } from '../../src/cli.js';
import { collect, defineCommand, type OptionsOf } from '../../src/commands/spec.js';
import { commands } from '../../src/commands/index.js';
import { Command } from 'commander';

const spec = defineCommand({
  name: 'demo',
  options: {
    output: { flags: '-o, --output <format>', description: 'format', default: 'table' },
    tag: { flags: '--tag <tags...>', description: 'tags' },
    pullTest: { flags: '--pull-test [image]', description: 'optional value' },
    group: { flags: '--group <g>', description: 'repeatable', parse: collect },
    mode: { flags: '--mode <m>', description: 'one of', choices: ['a', 'b'] },
    bucket: { flags: '--bucket <name>', description: 'required', required: true },
    wait: { flags: '--wait', description: 'flag', negate: 'no wait' },
  },
});

describe('command specs', () => {
  it('infers the option types of run from the spec', () => {
    expectTypeOf<OptionsOf<typeof spec>>().toEqualTypeOf<{
      bucket: string;
      output?: string;
      tag?: string[];
      pullTest?: string | true;
      group?: string[];
      mode?: 'a' | 'b';
      wait?: boolean;
    }>();
  });

  it('builds options commander parses as the types say', async () => {
    let got: unknown;
    const program = new Command().exitOverride();
    addCommand(program, { spec, load: async () => async (_ctx, _args, o) => void (got = o) }, (load) => async (...all: unknown[]) => void (await (await load())(undefined as never, [], all[all.length - 2] as never)));
    await program.parseAsync(['demo', '--bucket', 'b', '--group', 'x,y', '--group', 'z', '--tag', 't1', 't2', '--no-wait', '--pull-test', '--mode', 'a'], { from: 'user' });
    expect(got).toEqual({ output: 'table', bucket: 'b', group: ['x', 'y', 'z'], tag: ['t1', 't2'], wait: false, pullTest: true, mode: 'a' });
  });

  it('a valueOnlyAfterEquals option takes a value only after "=": bare, it never swallows the next operand', async () => {
    const got: unknown[] = [];
    const program = new Command().exitOverride();
    const dry = { spec: { name: 'dry', arguments: [{ name: 'pairs', variadic: true }], options: { dryRun: { flags: '--dry-run [mode]', description: 'x', valueOnlyAfterEquals: true } } } };
    addCommand(program, { ...dry, load: async () => async (_ctx, args, o) => void got.push([args, o]) }, (load) => async (...all: unknown[]) =>
      void (await (await load())(undefined as never, (all[0] as string[]) ?? [], all[all.length - 2] as never)),
    );
    await program.parseAsync(['dry', '--dry-run', 'a=b'], { from: 'user' });
    await program.parseAsync(['dry', '--dry-run=server', 'a=b'], { from: 'user' });
    await program.parseAsync(['dry', 'a=b', '--', '--dry-run'], { from: 'user' });
    expect(got).toEqual([
      [['a=b'], { dryRun: true }],
      [['a=b'], { dryRun: 'server' }],
      [['a=b', '--dry-run'], {}],
    ]);
  });

  it('refuses an option keyed unlike the property commander gives it', () => {
    const bad = { spec: { name: 'bad', options: { wrong: { flags: '--right <x>', description: 'x' } } } };
    expect(() => addCommand(new Command(), bad, () => async () => {})).toThrow(/keyed "wrong", not "right"/);
  });

  it('lists every command module once, sorted', () => {
    const names = commands.map((c) => c.spec.name);
    expect(names).toEqual([...names].sort());
    expect(buildProgram().commands.map((c) => c.name())).toEqual(names);
  });
});
