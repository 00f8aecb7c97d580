// Prints one plain closing line, "N passed, N failed[, N skipped]", after vitest's own summary, so any CI can read it.
import type { Reporter, RunnerTestFile } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const visit = (task: { type: string; mode?: string; result?: { state?: string }; tasks?: unknown[] }) => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') passed++;
        else if (state === 'fail') failed++;
        else skipped++;
      }
      for (const t of (task.tasks ?? []) as (typeof task)[]) visit(t);
    };
    for (const f of files) {
      visit(f as never);
      if (f.result?.state === 'fail' && !(f.tasks ?? []).length) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
