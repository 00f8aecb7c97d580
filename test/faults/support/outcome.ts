// How a failed regctl run must look: exactly one `error:` line followed by its `hint:` line, a documented exit code,
// no stack trace.
import { expect } from 'vitest';
import type { CliResult } from '../../helpers/cli.js';

/** Exit codes of docs/exit-codes.md. */
export const DOCUMENTED_EXIT = [0, 1, 2, 3, 4, 5, 124, 130];

/** Problems with how a failure is reported (empty: well-formed). */
export function errorShapeProblems(r: CliResult): string[] {
  const out: string[] = [];
  const lines = r.stderr.split('\n');
  const errs = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('error: '));
  if (errs.length !== 1) out.push(`${errs.length} error: lines`);
  else if (!lines[errs[0]![1] + 1]?.startsWith('hint: ')) out.push('no hint: line after the error');
  if (lines.some((l) => /^\s+at .+[(:]\d+/.test(l))) out.push('stack trace');
  if (r.code === null || !DOCUMENTED_EXIT.includes(r.code)) out.push(`undocumented exit code ${r.code}`);
  return out;
}

export function expectOneError(r: CliResult, code: number, message: RegExp, hint?: RegExp): void {
  expect(errorShapeProblems(r), r.stderr).toEqual([]);
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n');
  const i = lines.findIndex((l) => l.startsWith('error: '));
  expect(lines[i]).toMatch(message);
  if (hint) expect(lines[i + 1]).toMatch(hint);
}
