// The exit code of a run across contexts: the worst of the contexts' codes, in this order (docs/exit-codes.md,
// docs/commands/multi-context.md). Interrupted and usage errors first (the run itself did not happen as asked), then
// what needs a person: forbidden/unauthenticated, a failed check, something missing, any other failure, a timeout.
import { EXIT, type ExitCode } from '../errors.js';

export const SEVERITY: readonly number[] = [EXIT.interrupted, EXIT.usage, EXIT.auth, EXIT.checkFailed, EXIT.notFound, EXIT.failure, EXIT.timeout, EXIT.ok];

/** Lower is worse; a code outside the list ranks with 1 (failure). */
function rank(code: number): number {
  const i = SEVERITY.indexOf(code);
  return i >= 0 ? i : SEVERITY.indexOf(EXIT.failure);
}

/** The worst code of those given (skipped contexts have none); 0 when none is given. */
export function worstExitCode(codes: ReadonlyArray<number | null | undefined>): ExitCode {
  let worst: number = EXIT.ok;
  for (const c of codes) if (c !== null && c !== undefined && rank(c) < rank(worst)) worst = c;
  return (SEVERITY.includes(worst) ? worst : EXIT.failure) as ExitCode;
}
