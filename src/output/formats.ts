// The -o value check, apart from the printer: src/commands/common.ts (in the start-up bundle) uses it without
// loading js-yaml and cli-table3, which printing needs.
import type { OutputFormat } from './printer.js';
import { UsageError } from '../errors.js';

export function parseOutput(value: string | undefined, allowed: readonly OutputFormat[], fallback: OutputFormat = 'table'): OutputFormat {
  const v = (value ?? fallback) as OutputFormat;
  if (!allowed.includes(v)) {
    throw new UsageError(`unsupported output format "${value}"`, `use one of: ${allowed.join(', ')}`);
  }
  return v;
}
