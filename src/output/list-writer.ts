// For the registry content commands (catalog, tags): a list writer that streams rows (table, name, JSON, YAML) as they arrive instead of holding them all.
import type { IO } from './io.js';
import { writeAsync } from './io.js';
import { toYAML, type OutputFormat } from './printer.js';

export interface ListColumn<T> {
  header: string;
  value: (row: T) => string;
  /** Fixed width (rows stream before all are known); the last column is never padded. */
  width?: number;
}

export interface ListSpec<T> {
  format: OutputFormat;
  /** Fields before the list in JSON/YAML, e.g. {registry}. */
  head: Record<string, unknown>;
  /** The list's key in JSON/YAML, e.g. "repositories". */
  key: string;
  columns: ListColumn<T>[];
  /** -o name lines for a row. */
  names: (row: T) => string[];
  /** JSON/YAML form of a row (default: the row). */
  item?: (row: T) => unknown;
}

/**
 * Writes `{...head, [key]: [rows…], ...tail}` as JSON or YAML exactly as toJSON/toYAML would, a table or names
 * line by line, as rows are added. Nothing is written before the first row (or end()), so an early error
 * leaves stdout empty.
 */
export class ListWriter<T> {
  private count = 0;
  private started = false;
  /** Output not yet written: rows are written in batches (a write per row costs a syscall on a pipe). */
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: IO,
    private readonly spec: ListSpec<T>,
  ) {}

  get rows(): number {
    return this.count;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { format, head, key, columns } = this.spec;
    if (format === 'json') {
      const fields = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), 2)}`);
      await this.write(`{\n${[...fields, `  ${JSON.stringify(key)}: [`].join(',\n')}`);
    } else if (format === 'yaml') {
      const h = Object.keys(head).length ? toYAML(head) : '';
      await this.write(`${h}${key}:`);
    } else if (format === 'table' || format === 'wide') {
      await this.write(this.line(columns.map((c) => c.header.toUpperCase()), true));
    }
  }

  private line(cells: string[], header = false): string {
    const widths = this.spec.columns.map((c) => c.width ?? 0);
    const text = cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
    return (header && this.io.colorOut ? this.io.out.bold(text) : text) + '\n';
  }

  /** Queues output; it is written when 64 KiB are pending, 50 ms after the first queued byte, or at end(). */
  private write(s: string): Promise<void> {
    this.pending += s;
    if (this.pending.length >= 65536) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), 50);
    return Promise.resolve();
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const out = this.pending;
    this.pending = '';
    return out ? writeAsync(this.io.stdout, out) : Promise.resolve();
  }

  async add(row: T): Promise<void> {
    await this.start();
    const { format } = this.spec;
    const item = this.spec.item ? this.spec.item(row) : row;
    if (format === 'json') await this.write(`${this.count ? ',' : ''}\n    ${indent(JSON.stringify(item, null, 2), 4)}`);
    else if (format === 'yaml') await this.write(`${this.count ? '' : '\n'}${indent(toYAML([item]), 2, true)}`);
    else if (format === 'name') {
      const lines = this.spec.names(row);
      if (lines.length) await this.write(lines.join('\n') + '\n');
    } else await this.write(this.line(this.spec.columns.map((c) => c.value(row))));
    this.count++;
  }

  async end(tail: Record<string, unknown> = {}): Promise<void> {
    await this.start();
    const { format } = this.spec;
    if (format === 'json') {
      const fields = Object.entries(tail).map(([k, v]) => `,\n  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), 2)}`);
      await this.write(`${this.count ? '\n  ]' : ']'}${fields.join('')}\n}\n`);
    } else if (format === 'yaml') {
      await this.write(`${this.count ? '' : ' []\n'}${Object.keys(tail).length ? toYAML(tail) : ''}`);
    }
    await this.flush();
  }
}

/** Indents every line but the first (or all, with all=true) by n spaces. */
function indent(s: string, n: number, all = false): string {
  const pad = ' '.repeat(n);
  const lines = s.replace(/\n$/, '').split('\n');
  return (all ? lines.map((l) => pad + l) : lines.map((l, i) => (i === 0 ? l : pad + l))).join('\n') + (all ? '\n' : '');
}
