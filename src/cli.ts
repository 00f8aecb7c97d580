import { Command, CommanderError, Option } from 'commander';
import type { IO, Stream } from './output/io.js';
import { createLogger } from './output/logger.js';
import { createContext, VERSION, type GlobalOptions } from './context.js';
import { EXIT, ErrorAfterOutput, toRegctlError } from './errors.js';
import type { CommandModule, Run } from './commands/spec.js';
import { commands } from './commands/index.js';
import { UnknownCommandError, guardSubcommands, takesNoOperand } from './unknown-command.js';
import { addFanOutOptions, assertNoStrayFanOutFlags, commandPath, fanOutRequested, type FanOutGlobals } from './multi/options.js';

export interface MainDeps {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

/** Turns a spec's run into a commander action (src/cli.ts main: with a Context). */
type Act = (load: () => Promise<Run>) => (...all: unknown[]) => Promise<void>;

/** The value a `valueOnlyAfterEquals` option gets when given bare; its parse turns it back into `true`. */
const BARE = '\u0000bare';

/** Adds a command built from its spec (and its subcommands) to `parent`. */
export function addCommand(parent: Command, m: CommandModule, act: Act): Command {
  const s = m.spec;
  // A group's default subcommand runs when none is named (`regctl pruner` = `regctl pruner show`).
  const c = s.isDefault ? parent.command(s.name, { isDefault: true }) : parent.command(s.name);
  if (s.aliases) c.aliases(s.aliases);
  if (s.summary) c.summary(s.summary);
  if (s.description) c.description(s.description);
  for (const a of s.arguments ?? []) {
    const n = a.name + (a.variadic ? '...' : '');
    c.argument(a.required ? `<${n}>` : `[${n}]`, a.description);
  }
  for (const [key, o] of Object.entries(s.options ?? {})) {
    const opt = new Option(o.flags, o.description);
    if (opt.attributeName() !== key) throw new Error(`internal error: ${s.name}: option ${o.flags} is keyed "${key}", not "${opt.attributeName()}"`);
    if (o.default !== undefined) opt.default(o.default);
    if (o.choices) opt.choices(o.choices);
    if (o.valueOnlyAfterEquals) opt.argParser((v: string, prev: unknown) => (v === BARE ? true : o.parse ? o.parse(v, prev) : v));
    else if (o.parse) opt.argParser(o.parse);
    if (o.required) opt.makeOptionMandatory();
    if (o.hidden) opt.hideHelp();
    c.addOption(opt);
    if (o.negate) c.addOption(new Option(`--no-${opt.long!.slice(2)}`, o.negate));
  }
  const bare = Object.values(s.options ?? {}).filter((o) => o.valueOnlyAfterEquals).map((o) => new Option(o.flags, '').long!);
  if (bare.length) {
    // Commander would take the word after a bare optional-value flag as its value: mark the flag as given without one.
    const parseOptions = c.parseOptions.bind(c);
    c.parseOptions = (argv: string[]) => {
      const end = argv.indexOf('--');
      return parseOptions(argv.map((a, i) => (bare.includes(a) && (end < 0 || i < end) ? `${a}=${BARE}` : a)));
    };
  }
  if (s.acceptAnything) c.allowUnknownOption().allowExcessArguments();
  else if (s.isDefault && !s.arguments?.length) takesNoOperand(c);
  if (s.notes) c.addHelpText('after', s.notes);
  if (s.examples) c.addHelpText('after', `\nExamples:\n${s.examples.map((l) => `  ${l}`).join('\n')}\n`);
  if (s.epilog) c.addHelpText('after', s.epilog);
  for (const sub of s.subcommands ?? []) addCommand(c, sub, act);
  if (m.load) c.action(act(m.load));
  else if (s.subcommands?.length) guardSubcommands(c);
  return c;
}

/** The program with every command (`act` runs a command; the default only builds, e.g. for tests that list them). */
export function buildProgram(act: Act = () => async () => {}): Command {
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
  addFanOutOptions(program);
  for (const m of commands) addCommand(program, m, act);
  guardSubcommands(program);
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

  const act: Act = (load) => async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const opts = all[all.length - 2] as Record<string, unknown>;
    const args = all.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
    const globals = command.optsWithGlobals() as GlobalOptions;
    verbose = Boolean(globals.verbose);
    const io = await getIO();
    const log = createLogger(io, { quiet: Boolean(globals.quiet), verbose });
    const ctx = createContext({ io, log, env: deps.env, globals, signal: deps.signal });
    const fanOut = globals as FanOutGlobals;
    // The program's --yes takes the flag wherever it is given: it is also the --yes of a command that has its own.
    if (fanOut.yes && command.options.some((o) => o.long === '--yes')) opts.yes = true;
    if (fanOutRequested(fanOut)) {
      exitCode = await (await import('./multi/run.js')).runAcrossContexts({ ctx, path: commandPath(command), load, args, opts });
      return;
    }
    assertNoStrayFanOutFlags(fanOut);
    // The one untyped seam: commander's options record becomes the OptionsOf<spec> that run declares.
    const run = await load();
    const code = await run(ctx, args, opts as never);
    exitCode = typeof code === 'number' ? code : EXIT.ok;
  };

  const program = buildProgram(act);
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
    if (e instanceof UnknownCommandError) {
      errorLine(`${e.message}\n`, writeErr);
      io.stderr.write(`hint: ${e.hint}\n`);
      return EXIT.usage;
    }
    if (e instanceof CommanderError) {
      // commander already printed "error: …"; add the hint.
      io.stderr.write(`hint: ${usageHint(program, argv, e.code, suggestion)}\n`);
      return EXIT.usage;
    }
    if (deps.signal.aborted) return EXIT.interrupted;
    const err = toRegctlError(e);
    io.stderr.write(`${io.err.red('error:')} ${err.message}\n`);
    if (e instanceof ErrorAfterOutput) {
      if (err.hint) io.stderr.write(`${io.err.yellow('hint:')} ${err.hint}\n`);
      return err.exitCode;
    }
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

