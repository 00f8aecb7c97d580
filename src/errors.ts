/** Exit codes, documented in docs/exit-codes.md. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  checkFailed: 3,
  auth: 4,
  notFound: 5,
  timeout: 124,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** An error meant for the user: one line, an optional hint naming the fix, and an exit code. */
export class RegctlError extends Error {
  readonly hint?: string;
  readonly exitCode: ExitCode;

  constructor(message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegctlError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.failure;
  }
}

export class UsageError extends RegctlError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: EXIT.usage });
    this.name = 'UsageError';
  }
}

export class AuthError extends RegctlError {
  constructor(message: string, opts: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, { ...opts, exitCode: EXIT.auth });
    this.name = 'AuthError';
  }
}

export class NotFoundError extends RegctlError {
  constructor(message: string, opts: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, { ...opts, exitCode: EXIT.notFound });
    this.name = 'NotFoundError';
  }
}

export class CheckFailedError extends RegctlError {
  constructor(message: string, opts: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, { ...opts, exitCode: EXIT.checkFailed });
    this.name = 'CheckFailedError';
  }
}

/**
 * A command's verdict after it printed its output (status: unhealthy, doctor: checks failed): src/cli.ts writes
 * `error:` and, when there is one, `hint:` — no default hint, no stack trace — and exits with its code.
 */
export class ErrorAfterOutput extends RegctlError {
  constructor(message: string, opts: Omit<ErrorOptions, 'cause'> & { exitCode: ExitCode }) {
    super(message, opts);
    this.name = 'ErrorAfterOutput';
  }
}

export class TimeoutError extends RegctlError {
  constructor(message: string, opts: Omit<ErrorOptions, 'exitCode'> = {}) {
    super(message, { ...opts, exitCode: EXIT.timeout });
    this.name = 'TimeoutError';
  }
}

export class InterruptedError extends RegctlError {
  constructor() {
    super('interrupted', { exitCode: EXIT.interrupted });
    this.name = 'InterruptedError';
  }
}

export function isRegctlError(e: unknown): e is RegctlError {
  return e instanceof RegctlError;
}

/**
 * Translators from library errors (API Status, undici/TLS failures) to RegctlError. The cluster and
 * registry modules register theirs when they load, which keeps them off the --help path.
 */
const translators: Array<(e: unknown) => RegctlError | undefined> = [];

export function registerErrorTranslator(t: (e: unknown) => RegctlError | undefined): void {
  if (!translators.includes(t)) translators.push(t);
}

export function toRegctlError(e: unknown): RegctlError {
  if (isRegctlError(e)) return e;
  for (const t of translators) {
    const r = t(e);
    if (r) return r;
  }
  const msg = (e as Error)?.message ?? String(e);
  return new RegctlError(msg.split('\n')[0]!, { hint: 'run again with -v for details' });
}
