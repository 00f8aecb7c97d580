// One row per figure: what was measured, against what, the ratio or value the target applies to, the target, and
// whether it was met. Informational rows (no target) say "info".
export interface Row {
  id: string;
  name: string;
  measured: string;
  baseline: string;
  /** The number the target is about, formatted (e.g. "0.42×", "31× faster", "118 MB/s"). */
  ratio: string;
  target: string;
  pass?: boolean;
  /** Extra detail for docs/performance.md (CPU times, samples, ...). */
  notes?: string[];
}

export function printTable(rows: Row[], write: (s: string) => void = (s) => process.stdout.write(s)): void {
  const head = ['#', 'benchmark', 'measured', 'baseline', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [r.id, r.name, r.measured, r.baseline, r.ratio, r.target, r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]!].length)));
  const line = (c: string[]) => c.map((x, i) => x + ' '.repeat(widths[i]! - [...x].length)).join('  ').trimEnd() + '\n';
  write(line(head));
  write(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) write(line(c));
}

/** A Markdown table of the same rows, for docs/performance.md. */
export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['| # | benchmark | measured | baseline | ratio | target | result |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${[r.id, r.name, r.measured, r.baseline, r.ratio, r.target, r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL'].map(esc).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}
