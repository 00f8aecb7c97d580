// A multi-step change that failed after some steps were written: undo what this run created when that is
// possible, and otherwise say exactly what was left and the command that finishes or undoes it.
import { RegctlError } from '../errors.js';
import { translateClusterError } from './errors.js';

/** Errors that already say what was left (or that it was undone): callers must not wrap them again. */
export function isPartialReport(e: unknown): boolean {
  return Boolean((e as { partialReport?: boolean } | undefined)?.partialReport);
}

/** The one-line form of any failure (API, connection or regctl error). */
export function asRegctlError(e: unknown): RegctlError {
  if (e instanceof RegctlError) return e;
  return translateClusterError(e) ?? new RegctlError((e as Error)?.message ?? String(e));
}

/**
 * `failed` is the step's error. `undo` removes what this run created (undefined: nothing to undo); when it works
 * the error says nothing was left, else it names `left` and how to finish or undo by hand.
 */
export async function failedPartWay(
  failed: unknown,
  o: { step: string; left: string; finish: string; undoCommand: string; undo?: () => Promise<unknown> },
): Promise<RegctlError> {
  const err = asRegctlError(failed);
  if (o.undo) {
    try {
      await o.undo();
      return Object.assign(new RegctlError(`${err.message}; undone, nothing was left changed (${o.step} failed)`, { hint: err.hint ?? 'run the command again', exitCode: err.exitCode, cause: failed }), { partialReport: true });
    } catch {
      // fall through: report what is left
    }
  }
  const left = new RegctlError(`${err.message}; left behind: ${o.left} (${o.step} failed)`, {
    hint: `finish with \`${o.finish}\` (or run the command again), or undo with \`${o.undoCommand}\``,
    exitCode: err.exitCode,
    cause: failed,
  });
  return Object.assign(left, { partialReport: true });
}
