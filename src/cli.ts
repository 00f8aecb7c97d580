import { Command, CommanderError, Option } from 'commander';
import { createIO, type Stream } from './output/io.js';
import { createLogger } from './output/logger.js';
import { createContext, VERSION, type GlobalOptions } from './context.js';
import { EXIT, toRegctlError } from './errors.js';
import { commands } from './commands/index.js';
import type { Runtime } from './commands/common.js';

export interface MainDeps {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

function buildProgram(rt: Runtime): Command {
  const program = new Command('regctl')
    .description('Administer the OpenShift integrated image registry: expose, trust, store, log in, grant and diagnose.')
    .version(VERSION, '--version', 'print the version')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(new Option('--token <token>', 'bearer token for the API server (overrides the kubeconfig user)').hideHelp())
    .option('--request-timeout <duration>', 'timeout of each API request, e.g. 30s (0 = none)', '30s')
    .option('-q, --quiet', 'print only data and errors')
    .option('-v, --verbose', 'log each HTTP request (method, URL, status, time) and show stack traces')
    .option('--no-color', 'disable colour (also NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nExit codes: 0 ok, 1 failure, 2 usage, 3 check failed, 4 unauthenticated/forbidden, 5 not found, 124 timeout, 130 interrupted.\nDocs: docs/commands/<command>.md`,
    );
  for (const c of commands) c.register(program, rt);
  return program;
}

/** Runs regctl with argv (without node and script) and returns the exit code. Never calls process.exit. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const earlyNoColor = argv.includes('--no-color');
  const io = createIO({ stdout: deps.stdout, stderr: deps.stderr, stdin: deps.stdin, env: deps.env, noColor: earlyNoColor });
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
        const log = createLogger(io, { quiet: Boolean(globals.quiet), verbose });
        const ctx = createContext({ io, log, env: deps.env, globals, signal: deps.signal });
        const code = await handler(ctx, args, opts as never);
        exitCode = typeof code === 'number' ? code : EXIT.ok;
      },
  };

  const program = buildProgram(rt);
  const writeOut = (s: string) => void io.stdout.write(s);
  const writeErr = (s: string) => void io.stderr.write(s);
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut,
      writeErr,
      outputError: (s, write) => write(io.err.red(s.replace(/^error: /, 'error: '))),
      getOutHelpWidth: () => (io.stdoutTTY ? io.width : 100),
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

  function report(e: unknown): number {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      // commander already printed "error: …"; add the hint.
      io.stderr.write(`hint: run 'regctl ${commandPath(argv)}--help' for usage\n`);
      return EXIT.usage;
    }
    if (deps.signal.aborted) return EXIT.interrupted;
    const err = toRegctlError(e);
    io.stderr.write(`${io.err.red('error:')} ${err.message}\n`);
    if (err.hint) io.stderr.write(`${io.err.yellow('hint:')} ${err.hint}\n`);
    if (verbose && (e as Error)?.stack) io.stderr.write(io.err.dim(String((e as Error).stack)) + '\n');
    return err.exitCode;
  }
}

function commandPath(argv: string[]): string {
  const first = argv.find((a) => !a.startsWith('-'));
  return first ? `${first} ` : '';
}

