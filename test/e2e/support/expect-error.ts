// The shape every failing command must have on stderr: one `error:` line and one `hint:` line.
import { expect } from 'vitest';

export function expectOneError(r: { stderr: string }, message: RegExp, hint: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('error: ') || l.startsWith('hint: '));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(hint);
}
