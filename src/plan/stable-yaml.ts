// YAML that is the same bytes for the same data, however it was built: apiVersion, kind, metadata, name and
// namespace first, every other key in code-point order; no timestamps, no line folding.
import yaml from 'js-yaml';

const FIRST = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

export function compareKeys(a: string, b: string): number {
  const ia = FIRST.indexOf(a);
  const ib = FIRST.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? FIRST.length : ia) - (ib === -1 ? FIRST.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function stableYAML(data: unknown): string {
  return yaml.dump(data, { noRefs: true, lineWidth: -1, sortKeys: compareKeys, quotingType: '"' });
}

/** Keys sorted the same way at every level, for JSON output that is stable too. */
export function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort(compareKeys)
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
