import { Command, CommanderError } from 'commander';
import type { IO, Stream } from './output/io.js';
import { createLogger } from './output/logger.js';
import { createContext, VERSION, type GlobalOptions } from './context.js';
import { EXIT, toRegctlError } from './errors.js';
import type { Runtime } from './commands/common.js';

export interface MainDeps {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

type CommandModule = { register(program: Command, rt: Runtime): void };

/** What `regctl --help` shows of a command, so the top-level help needs no command module. */
export interface CommandStub {
  name: string;
  aliases: string[];
  /** As shown in help, e.g. `<image...>`, `[repo]`. */
  args: string[];
  options: boolean;
  summary: string;
  description: string;
  hidden: boolean;
  helpGroup: string;
}

/** One module of src/commands/index.ts: its file (without .ts) and the top-level commands it registers. */
export interface CommandManifestEntry {
  file: string;
  commands: CommandStub[];
}

// The bundle (scripts/build.mjs) defines this from src/commands/index.ts, so a run loads only the command it runs
// (and `--help` none). Run from source (tests), it is undefined and every command module is loaded.
declare const __REGCTL_COMMANDS__: CommandManifestEntry[] | undefined;

/** The top-level part of a command: what `--help` lists. */
export function stubOf(cmd: Command): CommandStub {
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    args: cmd.registeredArguments.map((a) => {
      const n = a.name() + (a.variadic ? '...' : '');
      return a.required ? `<${n}>` : `[${n}]`;
    }),
    options: cmd.options.length > 0,
    summary: cmd.summary(),
    // The list shows the summary, else the description.
    description: cmd.summary() ? '' : cmd.description(),
    hidden: Boolean((cmd as unknown as { _hidden?: boolean })._hidden),
    helpGroup: cmd.helpGroup(),
  };
}

export function addStub(program: Command, s: CommandStub): void {
  const c = program.command(s.name, { hidden: s.hidden }).aliases(s.aliases).summary(s.summary).description(s.description);
  for (const a of s.args) c.argument(a);
  if (s.options) c.option('--stub', 'placeholder: stubs are only listed, never run');
  if (s.helpGroup) c.helpGroup(s.helpGroup);
  c.action(() => {
    throw new Error(`internal error: command ${s.name} was not loaded; please report this with the command line`);
  });
}

/**
 * The command word commander will dispatch on: the first operand, as commander's parseOptions finds it at the
 * program level (known options and their values skipped, `-abc` groups, `--x=v`; after an unknown option every
 * argument is "unknown", so there is no command word).
 */
export function commandWord(program: Command, argv: string[]): { word?: string; rest: string[] } {
  const isOption = (a: string) => a.length > 1 && a[0] === '-';
  const find = (a: string) => program.options.find((o) => o.short === a || o.long === a);
  let i = 0;
  let group: string | undefined;
  while (i < argv.length || group) {
    const a = group ?? argv[i++]!;
    group = undefined;
    if (a === '--') return { word: argv[i], rest: argv.slice(i + 1) };
    if (isOption(a)) {
      const o = find(a);
      if (o) {
        if (o.required) i++;
        else if (o.optional && i < argv.length && !isOption(argv[i]!)) i++;
        if (o.variadic) while (i < argv.length && !isOption(argv[i]!)) i++;
        continue;
      }
      if (a.length > 2 && a[1] !== '-') {
        const first = find(a.slice(0, 2));
        if (first) {
          if (!first.required && !first.optional) group = `-${a.slice(2)}`;
          continue;
        }
      }
      if (/^--[^=]+=/.test(a)) {
        const o2 = find(a.slice(0, a.indexOf('=')));
        if (o2 && (o2.required || o2.optional)) continue;
      }
      return { rest: [] };
    }
    return { word: a, rest: argv.slice(i) };
  }
  return { rest: [] };
}

/**
 * Registers what this argv needs: the one module of the command it names, or stubs when it names none (help,
 * version, usage errors), or every module (unknown command word: commander suggests the closest name).
 */
async function registerCommands(program: Command, rt: Runtime, argv: string[]): Promise<void> {
  const manifest = typeof __REGCTL_COMMANDS__ === 'undefined' ? undefined : __REGCTL_COMMANDS__;
  if (manifest) {
    const { word, rest } = commandWord(program, argv);
    if (word === undefined || (word === 'help' && rest.length === 0)) {
      for (const e of manifest) for (const s of e.commands) addStub(program, s);
      return;
    }
    const entry = manifest.find((e) => e.commands.some((c) => c.name === word || c.aliases.includes(word)));
    if (entry) {
      const mod = (await import(`./commands/${entry.file}.ts`)) as CommandModule;
      mod.register(program, rt);
      return;
    }
  }
  const { commands } = await import('./commands/index.js');
  for (const c of commands) c.register(program, rt);
}

export function buildProgram(): Command {
  const program = new Command('regctl')
    .description('Administer the OpenShift integrated image registry: expose, trust, store, log in, grant and diagnose.')
    .version(VERSION, '--version', 'print the version')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--token <token>', 'bearer token for the API server, overriding the kubeconfig user (lands in shell history: prefer the kubeconfig)')
    .option('--request-timeout <duration>', 'timeout of each API request, e.g. 30s (0 = none)', '30s')
    .option('-q, --quiet', 'print only data and errors')
    .option('-v, --verbose', 'log each HTTP request (method, URL, status, time) and show stack traces')
    .option('--no-color', 'disable colour (also NO_COLOR=1)')
    .showSuggestionAfterError(true)
    // Each command's help also lists --kubeconfig, --context, … (they may be given after the command name too).
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `\nExamples:\n  regctl status\n  regctl expose --default-route --trust\n  regctl login && podman push default-route-openshift-image-registry.apps.example.com/team/app:1\n  regctl grant pusher -z builder -n team\n  regctl doctor --push-test\n\nExit codes: 0 ok, 1 failure, 2 usage, 3 check failed, 4 unauthenticated/forbidden, 5 not found, 124 timeout, 130 interrupted.\nDocs: docs/commands/<command>.md`,
    );
  return program;
}

/** Runs regctl with argv (without node and script) and returns the exit code. Never calls process.exit. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const earlyNoColor = argv.includes('--no-color');
  // Colour (chalk, node:tty) is loaded when first needed: `--help` and usage errors start without it.
  let io: IO | undefined;
  const getIO = async (): Promise<IO> =>
    (io ??= (await import('./output/io.js')).createIO({ stdout: deps.stdout, stderr: deps.stderr, stdin: deps.stdin, env: deps.env, noColor: earlyNoColor }));
  /** Commander's error lines before io was loaded; report() colours and writes them. */
  const pendingErrors: Array<[string, (s: string) => void]> = [];
  let suggestion: string | undefined;
  let exitCode: number = EXIT.ok;
  let verbose = argv.includes('-v') || argv.includes('--verbose');

  const rt: Runtime = {
    action: (handler) =>
      async (...all: unknown[]) => {
        const command = all[all.length - 1] as Command;
        const opts = all[all.length - 2] as Record<string, unknown>;
        const args = all.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
        const globals = command.optsWithGlobals() as GlobalOptions;
        verbose = Boolean(globals.verbose);
        const io = await getIO();
        const log = createLogger(io, { quiet: Boolean(globals.quiet), verbose });
        const ctx = createContext({ io, log, env: deps.env, globals, signal: deps.signal });
        const code = await handler(ctx, args, opts as never);
        exitCode = typeof code === 'number' ? code : EXIT.ok;
      },
  };

  const program = buildProgram();
  await registerCommands(program, rt, argv);
  const writeOut = (s: string) => void deps.stdout.write(s);
  const writeErr = (s: string) => void deps.stderr.write(s);
  const errorLine = (s: string, write: (s: string) => void) => write(io!.err.red(s.replace(/^error: /, 'error: ')));
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut,
      writeErr,
      // Commander throws right after (exitOverride), so report() writes it when io is not loaded yet.
      outputError: (raw, write) => {
        // Commander words a suggestion as a second line "(Did you mean X?)": it becomes the hint instead.
        const m = /\n\(Did you mean (.+)\?\)\n?$/.exec(raw);
        suggestion = m?.[1];
        const s = m ? raw.slice(0, m.index) + '\n' : raw;
        return io ? errorLine(s, write) : pendingErrors.push([s, write]);
      },
      // As createIO decides: the terminal's width on a TTY (120 when unknown), else 100.
      getOutHelpWidth: () => (deps.stdout.isTTY ? (deps.stdout.columns ?? 120) : 100),
      getErrHelpWidth: () => 100,
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    return report(e);
  }
  return exitCode;

  async function report(e: unknown): Promise<number> {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')) return EXIT.ok;
    const io = await getIO();
    for (const [s, write] of pendingErrors.splice(0)) errorLine(s, write);
    if (e instanceof CommanderError) {
      // commander already printed "error: …"; add the hint.
      io.stderr.write(`hint: ${usageHint(program, argv, e.code, suggestion)}\n`);
      return EXIT.usage;
    }
    if (deps.signal.aborted) return EXIT.interrupted;
    const err = toRegctlError(e);
    io.stderr.write(`${io.err.red('error:')} ${err.message}\n`);
    // Every error gets a hint line; errors that know no better fix point at the requests made.
    io.stderr.write(`${io.err.yellow('hint:')} ${err.hint ?? 'run again with -v to see the requests made'}\n`);
    if (verbose && (e as Error)?.stack) io.stderr.write(io.err.dim(String((e as Error).stack)) + '\n');
    return err.exitCode;
  }
}

/** The hint for commander's usage errors: the suggested command or option, or where options go. */
export function usageHint(program: Command, argv: string[], code: string, suggestion: string | undefined): string {
  const names = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  const at = argv.findIndex((a) => names.has(a));
  const command = at >= 0 ? argv[at]! : undefined;
  if (code === 'commander.unknownCommand') {
    return suggestion ? `did you mean \`regctl ${suggestion}\`? (\`regctl --help\` lists the commands)` : '`regctl --help` lists the commands';
  }
  if (code === 'commander.unknownOption' && command !== undefined) {
    const bad = argv.findIndex((a) => a.startsWith('-') && !program.options.some((o) => o.short === a.split('=')[0] || o.long === a.split('=')[0]));
    if (bad >= 0 && bad < at) {
      // An option of the command given before the command's name: show the command line with the name first.
      const fixed = [command, ...argv.slice(0, at), ...argv.slice(at + 1)].join(' ');
      return `options of a command go after its name: \`regctl ${fixed}\` (\`regctl --help\` lists regctl's own options)`;
    }
  }
  if (suggestion) return `did you mean ${suggestion}? (\`regctl ${command ? `${command} ` : ''}--help\` lists the options)`;
  return `run 'regctl ${command ? `${command} ` : ''}--help' for usage`;
}

