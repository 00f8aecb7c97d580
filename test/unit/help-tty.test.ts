// `regctl --help` on a terminal without commander: bin/help-format.js must lay the help out exactly as commander
// does at every width, and bin/regctl.js must fall back to the bundle whenever dist/help.json (or the formatter) is
// missing, unreadable or not meant for the terminal's width. (scripts/build.mjs checks the built pair again.)
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { buildProgram, main } from '../../src/cli.js';
import { commands } from '../../src/commands/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface HelpData {
  format: number;
  usage: string;
  description: string;
  termWidth: number;
  sections: Array<{ title: string; items: Array<[string, string]> }>;
  before: string;
  after: string;
}
interface HelpFormat {
  FORMAT: number;
  renderHelp(json: string, width: number): string | undefined;
  formatHelp(d: HelpData, width: number): string;
  helpData(cmd: Command): HelpData;
}
// A plain JS module without type declarations: imported by URL, typed here.
const fmt = (await import(pathToFileURL(path.join(ROOT, 'bin', 'help-format.js')).href)) as HelpFormat;

const WIDTHS = [0, 400] as const;
const json = (d: HelpData, widths: readonly number[] = WIDTHS) => JSON.stringify({ ...d, widths });

/** What main() writes for argv on a terminal of this many columns (undefined: one that reports none). */
async function onTerminal(argv: string[], columns: number | undefined): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: true, columns },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
  });
  expect(code).toBe(0);
  expect(stderr).toBe('');
  return stdout;
}

/** The program main() builds from source: every command module registered. */
function regctlProgram(): Command {
  const p = buildProgram();
  for (const c of commands) c.register(p, { action: () => async () => {} });
  return p;
}

/** commander's own output of cmd's help at this width, with the help text events. */
function commanderHelp(cmd: Command, width: number): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => void (out += s), getOutHelpWidth: () => width, getOutHasColors: () => false });
  cmd.outputHelp();
  return out;
}

describe('help formatter (bin/help-format.js)', () => {
  it('lays out regctl --help exactly as main() does on a terminal, at every width', async () => {
    const data = json(fmt.helpData(regctlProgram()));
    for (let w = WIDTHS[0]; w <= WIDTHS[1]; w++) {
      const expected = await onTerminal(['--help'], w);
      // One message per width, not a 400-line diff.
      if (fmt.renderHelp(data, w) !== expected) expect({ width: w, text: fmt.renderHelp(data, w) }).toEqual({ width: w, text: expected });
    }
    for (const argv of [['-h'], ['help']]) {
      for (const w of [0, 39, 40, 60, 80, 100, 120, 200]) expect(fmt.renderHelp(data, w)).toBe(await onTerminal(argv, w));
    }
    // A terminal that reports no width: commander gets 120 (src/cli.ts), and so does bin/regctl.js.
    expect(fmt.renderHelp(data, 120)).toBe(await onTerminal(['--help'], undefined));
  });

  it('renders what commander renders for help features regctl does not use (yet)', () => {
    const p = new Command('tool')
      .description('First line of a description long enough to be wrapped at narrow widths, really.\nSecond line\n\n  indented')
      .argument('<src>', 'where to read from, a long description that wraps around at narrower terminal widths')
      .argument('[dest...]', 'where to write', 'stdout')
      .option('-f, --force', 'overwrite existing files without asking, even if they look important')
      .option('--level <n>', 'compression level', '6')
      .addOption(new Option('--mode <m>', 'mode of operation').choices(['fast', 'slow']).env('TOOL_MODE'))
      .addOption(new Option('--secret <s>', 'not shown').hideHelp())
      .option('--preformatted', 'keeps its own layout:\n  - one\n  - two')
      .option('--empty')
      .addOption(new Option('--grouped', 'an option in a group of its own').helpGroup('Advanced options:'))
      .addHelpText('beforeAll', 'BEFORE ALL')
      .addHelpText('before', 'before')
      .addHelpText('after', '\nafter\nwith two lines')
      .addHelpText('afterAll', 'after all');
    p.command('run <what>').description('run something; the description is used when there is no summary at all');
    p.command('stop').summary('stop it').description('the long description, not listed');
    p.command('hidden', { hidden: true }).description('never listed');
    p.command('extra').alias('x').option('--y').helpGroup('Extra commands:').description('in another group');
    p.command('a-very-long-command-name-that-pushes-the-term-column-far-to-the-right [and] [more] [args...]').description(
      'so that the description column gets narrower than the minimum width to wrap at some terminal widths',
    );
    const data = json(fmt.helpData(p));
    for (let w = 0; w <= 260; w++) expect({ w, text: fmt.renderHelp(data, w) }).toEqual({ w, text: commanderHelp(p, w) });
  });

  it('refuses help data it cannot be sure of', () => {
    const d = fmt.helpData(regctlProgram());
    expect(fmt.renderHelp(json(d), 80)).toContain('Usage: regctl [options] [command]');
    expect(fmt.renderHelp('', 80)).toBeUndefined();
    expect(fmt.renderHelp('{"format":1,', 80)).toBeUndefined();
    expect(fmt.renderHelp('null', 80)).toBeUndefined();
    expect(fmt.renderHelp('[]', 80)).toBeUndefined();
    expect(fmt.renderHelp(JSON.stringify({ ...d, format: fmt.FORMAT + 1, widths: WIDTHS }), 80)).toBeUndefined();
    expect(fmt.renderHelp(JSON.stringify(d), 80)).toBeUndefined(); // no checked widths
    expect(fmt.renderHelp(JSON.stringify({ ...d, sections: [{ title: 'Options:', items: [['--x']] }], widths: WIDTHS }), 80)).toBeUndefined();
    expect(fmt.renderHelp(JSON.stringify({ ...d, termWidth: '37', widths: WIDTHS }), 80)).toBeUndefined();
    // Only the widths the build checked.
    expect(fmt.renderHelp(json(d, [20, 320]), 19)).toBeUndefined();
    expect(fmt.renderHelp(json(d, [20, 320]), 321)).toBeUndefined();
    expect(fmt.renderHelp(json(d, [20, 320]), 320)).toBeDefined();
    expect(fmt.renderHelp(json(d), 80.5)).toBeUndefined();
    expect(fmt.renderHelp(json(d), NaN)).toBeUndefined();
  });

  it('does not take help with colour in it (it writes no colour and counts width as length)', () => {
    const p = new Command('tool').description('\x1b[1mbold\x1b[22m');
    expect(() => fmt.helpData(p)).toThrow(/escape sequences/);
  });
});

describe('bin/regctl.js on a terminal', () => {
  /**
   * A copy of bin/ with a fake dist/: cli.js stands for the bundle and says that it ran. A preload makes stdout
   * look like a terminal of `columns` columns (what the launcher checks), so no pseudo-terminal is needed.
   */
  function tree(files: { helpJson?: string; formatter?: boolean; helpTxt?: string }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-help-tty-'));
    fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(
      path.join(dir, 'dist', 'cli.js'),
      'export async function main(argv, deps) { deps.stdout.write(`BUNDLE ${argv.join(" ")} ${deps.stdout.isTTY} ${deps.stdout.columns}\\n`); return 0; }\n',
    );
    if (files.helpJson !== undefined) fs.writeFileSync(path.join(dir, 'dist', 'help.json'), files.helpJson);
    if (files.formatter) fs.copyFileSync(path.join(ROOT, 'bin', 'help-format.js'), path.join(dir, 'dist', 'help-format.js'));
    if (files.helpTxt !== undefined) fs.writeFileSync(path.join(dir, 'dist', 'help.txt'), files.helpTxt);
    fs.writeFileSync(
      path.join(dir, 'tty.mjs'),
      "Object.defineProperty(process.stdout, 'isTTY', { value: true }); process.stdout.columns = process.env.COLS === '' ? undefined : Number(process.env.COLS);\n",
    );
    const run = (args: string[], columns: number | undefined, tty = true) => {
      const r = spawnSync(process.execPath, [...(tty ? ['--import', pathToFileURL(path.join(dir, 'tty.mjs')).href] : []), path.join(dir, 'bin', 'regctl.js'), ...args], {
        env: { PATH: process.env.PATH, COLS: columns === undefined ? '' : String(columns) },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return r.stdout;
    };
    return { dir, run, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }

  const data = fmt.helpData(regctlProgram());

  it('prints the help from dist/help.json at the terminal width, without the bundle', () => {
    const t = tree({ helpJson: json(data), formatter: true, helpTxt: 'CANNED\n' });
    try {
      for (const w of [0, 50, 120, 400]) expect(t.run(['--help'], w)).toBe(fmt.formatHelp(data, w));
      expect(t.run(['--help'], undefined)).toBe(fmt.formatHelp(data, 120));
      for (const arg of ['-h', 'help']) expect(t.run([arg], 80)).toBe(fmt.formatHelp(data, 80));
      // Not a terminal: the text the build captured.
      for (const arg of ['--help', '-h', 'help']) expect(t.run([arg], 80, false)).toBe('CANNED\n');
      // Anything but the help alone is the bundle's.
      expect(t.run(['--no-color', '--help'], 80)).toBe('BUNDLE --no-color --help true 80\n');
      expect(t.run(['help', 'status'], 80)).toBe('BUNDLE help status true 80\n');
    } finally {
      t.remove();
    }
  });

  const fallbacks: Array<[string, Parameters<typeof tree>[0], number | undefined]> = [
    ['dist/help.json is missing', { formatter: true }, 80],
    ['dist/help.json is empty', { helpJson: '', formatter: true }, 80],
    ['dist/help.json is cut short', { helpJson: json(data).slice(0, 200), formatter: true }, 80],
    ['dist/help.json is not help data', { helpJson: '{"format":1}', formatter: true }, 80],
    ['dist/help.json is of another format', { helpJson: JSON.stringify({ ...data, format: 99, widths: WIDTHS }), formatter: true }, 80],
    ['dist/help.json was not checked for this width', { helpJson: json(data, [20, 320]), formatter: true }, 321],
    ['dist/help.json was not checked for the default width', { helpJson: json(data, [20, 100]), formatter: true }, undefined],
    ['dist/help-format.js is missing', { helpJson: json(data) }, 80],
  ];
  for (const [what, files, columns] of fallbacks) {
    it(`has the bundle render the help when ${what}`, () => {
      const t = tree(files);
      try {
        expect(t.run(['--help'], columns)).toBe(`BUNDLE --help true ${columns}\n`);
      } finally {
        t.remove();
      }
    });
  }

  it('has the bundle render it when dist/help.json cannot be read', () => {
    const t = tree({ helpJson: json(data), formatter: true });
    try {
      fs.rmSync(path.join(t.dir, 'dist', 'help.json'));
      fs.mkdirSync(path.join(t.dir, 'dist', 'help.json'));
      expect(t.run(['-h'], 80)).toBe('BUNDLE -h true 80\n');
    } finally {
      t.remove();
    }
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('prints the same help under a real pseudo-terminal (util-linux script)', () => {
    const t = tree({ helpJson: json(data), formatter: true });
    try {
      const bin = path.join(t.dir, 'bin', 'regctl.js');
      const out = execFileSync('script', ['-qfec', `stty cols 93 rows 40 && ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} --help`, '/dev/null'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(out.replace(/\r\n/g, '\n')).toBe(fmt.formatHelp(data, 93));
    } finally {
      t.remove();
    }
  });
});
