import Table from 'cli-table3';
import type { IO } from './io.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined | null;
  /** Only in -o wide. */
  wide?: boolean;
}

/**
 * kubectl-style table: upper-case headers, columns separated by three spaces, no borders.
 * cli-table3 is asked for no colours unless stdout has colour (it colours by default).
 */
export function renderTable<T>(io: IO, rows: T[], columns: Column<T>[], opts: { wide?: boolean } = {}): string {
  const cols = columns.filter((c) => opts.wide || !c.wide);
  const table = new Table({
    head: cols.map((c) => (io.colorOut ? io.out.bold(c.header.toUpperCase()) : c.header.toUpperCase())),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '   ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of rows) table.push(cols.map((c) => String(c.value(r) ?? '')));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n') + '\n';
}
