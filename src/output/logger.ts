import type { IO } from './io.js';

/** Human messages on stderr. Data never goes here. */
export interface Logger {
  info(msg: string): void;
  success(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** Prints a line regardless of --quiet (used for results that belong on stderr, like "Login Succeeded!"). */
  always(msg: string): void;
  readonly verbose: boolean;
  readonly quiet: boolean;
}

export function createLogger(io: IO, opts: { quiet: boolean; verbose: boolean }): Logger {
  const line = (s: string) => io.stderr.write(s.endsWith('\n') ? s : s + '\n');
  return {
    verbose: opts.verbose,
    quiet: opts.quiet,
    info: (m) => {
      if (!opts.quiet) line(m);
    },
    success: (m) => {
      if (!opts.quiet) line(io.err.green(m));
    },
    warn: (m) => line(`${io.err.yellow('Warning:')} ${m}`),
    debug: (m) => {
      if (opts.verbose) line(io.err.dim(m));
    },
    always: (m) => line(m),
  };
}
