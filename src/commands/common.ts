import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { parseOutput, type OutputFormat } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { UsageError } from '../errors.js';

export type Handler<O> = (ctx: Context, args: string[], opts: O) => Promise<number | void>;

/** Given to every command module: turns a handler into a commander action that runs with a Context. */
export interface Runtime {
  action<O>(handler: Handler<O>): (...args: unknown[]) => Promise<void>;
}

export function outputOption(cmd: Command, formats: readonly OutputFormat[], def: OutputFormat = 'table'): Command {
  return cmd.addOption(new Option('-o, --output <format>', `output format: ${formats.join('|')}`).default(def));
}

export function namespaceOption(cmd: Command, what = 'the project (namespace); defaults to the kubeconfig context\'s'): Command {
  return cmd.option('-n, --namespace <name>', what);
}

export function dryRunOption(cmd: Command): Command {
  return cmd.option('--dry-run', 'print what would change and change nothing');
}

export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

export function outputFormat(opts: { output?: string }, formats: readonly OutputFormat[], def: OutputFormat = 'table'): OutputFormat {
  return parseOutput(opts.output, formats, def);
}

/** --duration of a service-account token (TokenRequest): at least 10 minutes, default 1h. */
export function tokenDurationSeconds(duration: string | undefined): number {
  const ms = parseDuration(duration ?? '1h');
  if (ms === undefined) throw new UsageError(`invalid --duration "${duration}"`, 'use a duration such as 30m, 1h or 24h');
  if (ms < 600_000) throw new UsageError(`--duration ${duration} is too short`, 'the API server issues tokens for 10m or longer');
  return Math.round(ms / 1000);
}
