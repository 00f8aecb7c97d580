// --filter PREFIX|REGEX: a value made only of metric-name characters is a prefix; anything else is a
// regular expression (JavaScript syntax, unanchored) matched against the family name.
import { UsageError } from '../errors.js';
import { isMetricName, type MetricFamily } from './parse.js';

export type NameFilter = (familyName: string) => boolean;

export function makeFilter(spec: string | undefined): NameFilter | undefined {
  if (spec === undefined) return undefined;
  if (spec === '') throw new UsageError('--filter is empty', 'give a metric name prefix (imageregistry_http) or a regular expression (errors_total$)');
  if (isMetricName(spec)) return (name) => name.startsWith(spec);
  let re: RegExp;
  try {
    re = new RegExp(spec);
  } catch (e) {
    throw new UsageError(`--filter "${spec}" is not a valid regular expression: ${(e as Error).message}`, 'a prefix uses only [a-zA-Z0-9_:]; anything else is a JavaScript regular expression');
  }
  return (name) => re.test(name);
}

export function filterFamilies(families: MetricFamily[], f: NameFilter | undefined): MetricFamily[] {
  return f ? families.filter((x) => f(x.name)) : families;
}

/**
 * The exposition's own lines for the families that match (HELP, TYPE and samples), unchanged.
 * `families` is the parse of the same text, used to map sample names (_sum, _bucket…) to families.
 */
export function filterRaw(text: string, families: MetricFamily[], f: NameFilter): string {
  const keep = new Set<string>();
  for (const fam of families) if (f(fam.name)) for (const s of fam.samples) keep.add(s.name), keep.add(fam.name);
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    const t = line.trimStart();
    let name: string | undefined;
    if (t.startsWith('#')) {
      const parts = t.slice(1).trim().split(/[ \t]+/, 2);
      if (parts[0] === 'HELP' || parts[0] === 'TYPE') name = parts[1];
    } else if (t) {
      let i = 0;
      while (i < t.length && t[i] !== '{' && t[i] !== ' ' && t[i] !== '\t') i++;
      name = t.slice(0, i);
    }
    if (name !== undefined && keep.has(name)) out.push(line);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
