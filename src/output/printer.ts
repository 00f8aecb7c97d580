import yaml from 'js-yaml';
import type { IO } from './io.js';
import { renderTable, type Column } from './table.js';

/** 'text': a command's own plain output (logs lines, trust-ca messages) where it is not a table; 'openmetrics': an
 *  OpenMetrics text exposition (usage), rendered by the command through `human`. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'text' | 'openmetrics';

/** The -o check lives in ./formats.ts (light: the start-up bundle uses it without this module). */
export { parseOutput } from './formats.js';

/** kubectl's default --show-managed-fields=false: metadata.managedFields is not printed. */
function withoutManagedFields(o: unknown): unknown {
  const md = (o as { metadata?: Record<string, unknown> } | null)?.metadata;
  if (!md || typeof md !== 'object' || !('managedFields' in md)) return o;
  const { managedFields: _omit, ...rest } = md;
  return { ...(o as object), metadata: rest };
}

/** Objects as kubectl -o json|yaml prints them: one object alone, several (or always, with alwaysList) as a v1 List. */
export function printObjects(io: IO, format: 'json' | 'yaml', objects: unknown[], alwaysList = false): void {
  const shown = objects.map(withoutManagedFields);
  const data = shown.length === 1 && !alwaysList ? shown[0] : { apiVersion: 'v1', kind: 'List', metadata: {}, items: shown };
  io.stdout.write(format === 'json' ? toJSON(data) : toYAML(data));
}

export function toJSON(data: unknown): string {
  return JSON.stringify(data, null, 2) + '\n';
}

export function toYAML(data: unknown): string {
  return yaml.dump(data, { noRefs: true, lineWidth: -1, sortKeys: false });
}

/** apiVersion of every regctl-made -o json|yaml result (Kubernetes objects keep their own). */
export const REGCTL_API_VERSION = 'regctl.openshift.io/v1';

/** A result object as -o json|yaml prints it: apiVersion and kind first, then its own fields unchanged. */
export function envelope<D extends object>(kind: string, data: D): { apiVersion: typeof REGCTL_API_VERSION; kind: string } & D {
  return { apiVersion: REGCTL_API_VERSION, kind, ...data };
}

/** One item of a stream (a --watch update): json as one compact line (NDJSON), yaml as a `---` document. */
export function printStreamItem(io: IO, format: 'json' | 'yaml', data: unknown): void {
  io.stdout.write(format === 'json' ? JSON.stringify(data) + '\n' : '---\n' + toYAML(data));
}

export interface PrintSpec<T> {
  /** Structured form for json/yaml. */
  data: unknown;
  /** With a kind, json/yaml print envelope(kind, data) (data must be an object). */
  kind?: string;
  rows?: T[];
  columns?: Column<T>[];
  /** For -o name. */
  names?: string[];
  /** Custom human rendering instead of a table. */
  human?: () => string;
}

export function print<T>(io: IO, format: OutputFormat, spec: PrintSpec<T>): void {
  const data = () => (spec.kind ? envelope(spec.kind, spec.data as object) : spec.data);
  switch (format) {
    case 'json':
      io.stdout.write(toJSON(data()));
      return;
    case 'yaml':
      io.stdout.write(toYAML(data()));
      return;
    case 'name':
      for (const n of spec.names ?? []) io.stdout.write(n + '\n');
      return;
    default:
      if (spec.human) {
        io.stdout.write(spec.human());
        return;
      }
      io.stdout.write(renderTable(io, spec.rows ?? [], spec.columns ?? [], { wide: format === 'wide' }));
  }
}
