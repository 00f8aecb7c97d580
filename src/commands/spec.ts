// The one shape of a command: plain data (a spec) in src/commands/<name>.ts, and the function that runs it in
// src/commands/<name>.run.ts, loaded only when that command runs. src/cli.ts builds the commander program from the
// specs; the option types of `run` are inferred from the spec (OptionsOf<typeof spec>).
import type { Context } from '../context.js';

export interface OptionSpec {
  /** Commander flags, e.g. `-o, --output <format>`, `--dry-run`, `--pull-test [image]`, `--tag <tags...>`. */
  readonly flags: string;
  readonly description: string;
  readonly default?: unknown;
  readonly choices?: readonly string[];
  /** Parses each value given; `previous` is the value so far (default or earlier occurrences), e.g. `collect`. */
  readonly parse?: (value: string, previous: any) => unknown;
  readonly required?: boolean;
  readonly hidden?: boolean;
  /** An optional value (`--flag [value]`) given only as `--flag=value`, as kubectl's --dry-run: a bare `--flag` never
   *  takes the next word (`config set --dry-run logLevel=Debug` keeps logLevel=Debug an operand). */
  readonly valueOnlyAfterEquals?: boolean;
  /** Also declares `--no-<flag>` right after it, with this description. */
  readonly negate?: string;
}

export interface ArgumentSpec {
  readonly name: string;
  readonly description?: string;
  readonly required?: boolean;
  readonly variadic?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary?: string;
  readonly description?: string;
  readonly aliases?: readonly string[];
  readonly arguments?: readonly ArgumentSpec[];
  /** Keyed by the property name commander gives the option (camelCase of the long flag). Order = help order. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Help text after the options and before the examples. */
  readonly notes?: string;
  readonly examples?: readonly string[];
  /** Help text after the examples. */
  readonly epilog?: string;
  readonly subcommands?: readonly CommandModule[];
  /** A group's subcommand that runs when the group is given none (`regctl pruner` = `regctl pruner show`). */
  readonly isDefault?: boolean;
  /** Accept unknown options and extra arguments (a command that only refuses, whatever it is given). */
  readonly acceptAnything?: boolean;
}

export type Run<O = never> = (ctx: Context, args: string[], opts: O) => Promise<number | void>;

/** A command: its spec, and how to load what runs it (a group without `load` only holds subcommands). */
export interface CommandModule {
  readonly spec: CommandSpec;
  /** e.g. `async () => (await import('./token.run.js')).run`: the run module is imported only for this command. */
  readonly load?: () => Promise<Run>;
}

/** Keeps the literal types of a spec (flags, choices, defaults) so OptionsOf can read them. */
export function defineCommand<const S extends CommandSpec>(spec: S): S {
  return spec;
}

/** The value of one option as commander gives it. */
type FlagValue<F extends string> = F extends `${string}...${string}`
  ? string[]
  : F extends `${string}<${string}>`
    ? string
    : F extends `${string}[${string}]`
      ? string | true
      : boolean;

export type OptionValue<O> = O extends { parse: (value: string, previous: any) => infer T }
  ? T
  : O extends { choices: readonly (infer C)[] }
    ? C
    : O extends { flags: infer F extends string }
      ? FlagValue<F>
      : never;

/** Required options are always there; the others are optional (also those with a default: handlers may be called directly). */
type Always<O> = O extends { required: true } ? true : false;

type Flatten<T> = { [K in keyof T]: T[K] };

/** The options object `run` receives for a spec. */
export type OptionsOf<S> = S extends { options: infer Os }
  ? Flatten<
      { -readonly [K in keyof Os as Always<Os[K]> extends true ? K : never]: OptionValue<Os[K]> } & {
        -readonly [K in keyof Os as Always<Os[K]> extends true ? never : K]?: OptionValue<Os[K]>;
      }
    >
  : Record<string, never>;

/** For repeatable list options: `--x a,b --x c` → ['a', 'b', 'c']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
