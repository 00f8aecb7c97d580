// What a run across contexts prints: each context's section (its output, then its messages on stderr, each line
// prefixed with the context), one summary table, or with -o json|yaml one List with an item per context.
import type { IO } from '../output/io.js';
import { print } from '../output/printer.js';
import { renderTable, type Column } from '../output/table.js';
import type { FanOutMode } from './commands.js';
import type { Outcome } from './run-one.js';

export type State = 'done' | 'failed' | 'skipped';

export interface Row {
  context: string;
  state: State;
  canary: boolean;
  /** Absent for a skipped context. */
  outcome?: Outcome;
}

/** The context's messages on stderr, each line prefixed with `[context]`. */
export function printMessages(io: IO, o: Outcome): void {
  const text = o.stderr.endsWith('\n') ? o.stderr.slice(0, -1) : o.stderr;
  if (!text) return;
  io.stderr.write(text.split('\n').map((l) => `${io.err.dim(`[${o.context}]`)} ${l}\n`).join(''));
}

/**
 * `==> CONTEXT <==` and the command's output, as `tail` heads several files (none when it printed nothing: its
 * error is on stderr and in the summary); then its messages on stderr. Returns whether a section was printed.
 */
export function printSection(io: IO, o: Outcome, first: boolean): boolean {
  if (o.stdout) io.stdout.write(`${first ? '' : '\n'}${io.out.bold(`==> ${o.context} <==`)}\n${o.stdout.endsWith('\n') ? o.stdout : `${o.stdout}\n`}`);
  printMessages(io, o);
  return Boolean(o.stdout);
}

const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0]!;

/** The summary table on stdout (after a blank line when sections were printed above it). */
export function printSummary(io: IO, mode: FanOutMode, rows: Row[], afterSections: boolean): void {
  const exit = (r: Row) => (r.outcome ? String(r.outcome.exitCode) : '-');
  const error = (r: Row) => firstLine(r.outcome?.error?.message);
  const columns: Column<Row>[] =
    mode === 'read'
      ? [
          { header: 'context', value: (r) => r.context },
          { header: 'health', value: (r) => r.outcome?.summary?.health ?? '-' },
          { header: 'version', value: (r) => r.outcome?.summary?.version ?? '-' },
          { header: 'storage', value: (r) => (r.outcome?.summary?.storage ? r.outcome.summary.storage.join('+') || 'none' : '-') },
          { header: 'exit', value: exit },
          { header: 'error', value: error },
        ]
      : [
          { header: 'context', value: (r) => r.context },
          { header: 'result', value: (r) => `${r.state}${r.canary ? ' (canary)' : ''}` },
          { header: 'exit', value: exit },
          { header: 'error', value: error },
        ];
  io.stdout.write(`${afterSections ? '\n' : ''}${renderTable(io, rows, columns)}`);
}

/** The command's -o json result: parsed when it is one JSON document, else kept as text. */
function result(o: Outcome): { result?: unknown; output?: string } {
  if (!o.stdout.trim()) return {};
  try {
    return { result: JSON.parse(o.stdout) };
  } catch {
    return { output: o.stdout };
  }
}

/** One List (apiVersion regctl.openshift.io/v1) with an item per context, in the order the contexts were given. */
export function printList(io: IO, format: 'json' | 'yaml', command: string, exitCode: number, mode: FanOutMode, rows: Row[]): void {
  const items = rows.map((r) => {
    const o = r.outcome;
    return {
      context: r.context,
      exitCode: o ? o.exitCode : null,
      ...(mode === 'mutating' ? { state: r.state, ...(r.canary ? { canary: true } : {}) } : {}),
      ...(o?.summary ? { summary: o.summary } : {}),
      ...(o ? result(o) : {}),
      ...(o?.error ? { error: o.error } : {}),
    };
  });
  print(io, format, { kind: 'List', data: { command, exitCode, items } });
}
