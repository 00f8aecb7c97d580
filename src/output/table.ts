import Table from 'cli-table3';
// cli-table3's own width measure (ANSI codes stripped, wide characters counted twice).
import utils from 'cli-table3/src/utils.js';
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
  const head = cols.map((c) => (io.colorOut ? io.out.bold(c.header.toUpperCase()) : c.header.toUpperCase()));
  const cells = rows.map((r) => cols.map((c) => String(c.value(r) ?? '')));
  // cli-table3 lays out a few thousand rows per second (it measures every cell with string-width several
  // times): long listings (tags --all) are aligned here, to the same text; multi-line cells stay with it.
  if (cells.length > LARGE && !cells.some((row) => row.some((c) => c.includes('\n')))) return alignRows(head, cells);
  return cliTable(head, cells);
}

/** Above this many rows, alignRows() instead of cli-table3. */
export const LARGE = 300;

const CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '   ',
};

export function cliTable(head: string[], cells: string[][]): string {
  const table = new Table({ head, chars: CHARS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true } });
  for (const row of cells) table.push(row);
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n') + '\n';
}

// Printable ASCII is one column per character; anything else is measured as cli-table3 does.
const ASCII = /^[\x20-\x7e]*$/;
const width = (s: string): number => (ASCII.test(s) ? s.length : utils.strlen(s));

/** What cliTable() prints for single-line cells, in linear time. */
export function alignRows(head: string[], cells: string[][]): string {
  const all = head.length ? [head, ...cells] : cells;
  const widths = all.map((row) => row.map(width));
  const colWidth = head.map((_, k) => widths.reduce((m, w) => Math.max(m, w[k] ?? 0), 0));
  const lines: string[] = [];
  for (let i = 0; i < all.length; i++) {
    let line = '';
    for (let k = 0; k < colWidth.length; k++) {
      const cell = all[i]![k] ?? '';
      line += (k ? '   ' : '') + cell + ' '.repeat(colWidth[k]! - widths[i]![k]!);
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n') + '\n';
}
