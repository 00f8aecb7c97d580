// Which tags a repository import takes first, as openshift-apiserver's importer orders them
// (importer.go importRepositoryFromDocker: the set of tags, "" counted as "latest", sorted, then library-go
// imageutil.PrioritizeTags): "latest"; then minor versions ("5.1", "v5.1", "v5.1-rc1") newest first; then full
// semantic versions ("5.1.3", "v5.1.3-other") newest first; then everything else in lexicographic order.
// Equal versions: the one without the "v" prefix first.

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: Array<number | string>;
}

const NUM = '(0|[1-9]\\d*)';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const SEMVER = new RegExp(`^${NUM}\\.${NUM}\\.${NUM}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`);

/** A strict MAJOR.MINOR.PATCH[-pre][+build] (blang/semver Parse), or undefined. */
export function parseSemver(s: string): SemVer | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  const pre = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre };
}

/** Semantic-version precedence: <0, 0, >0. */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] - b[k];
  if (!a.pre.length || !b.pre.length) return (a.pre.length ? -1 : 0) + (b.pre.length ? 1 : 0);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}

const LATEST = 0;
const MINOR = 1;
const FULL = 2;
const OTHER = 3;

function classify(tag: string): { tag: string; priority: number; version?: SemVer; prefix: string } {
  if (tag === 'latest') return { tag, priority: LATEST, prefix: '' };
  const prefix = tag.startsWith('v') ? 'v' : '';
  const short = tag.slice(prefix.length);
  const full = parseSemver(short);
  if (full) return { tag, priority: FULL, version: full, prefix };
  if (/^\d+\.\d+$/.test(short)) {
    const v = parseSemver(`${short}.0`);
    if (v) return { tag, priority: MINOR, version: v, prefix };
  }
  const withPatch = /^(\d+\.\d+)-\w+$/.exec(short);
  if (withPatch) {
    const v = parseSemver(short.replace(withPatch[1]!, `${withPatch[1]}.0`));
    if (v) return { tag, priority: MINOR, version: v, prefix };
  }
  return { tag, priority: OTHER, prefix };
}

/** The tags of a repository import in the order the importer takes them (duplicates dropped, "" → "latest"). */
export function prioritizeTags(tags: string[]): string[] {
  const set = [...new Set(tags.map((t) => (t === '' ? 'latest' : t)))].sort();
  return set
    .map(classify)
    .sort((a, b) => {
      if (a.priority !== b.priority) return a.priority - b.priority;
      if (a.priority === OTHER) return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
      if (!a.version || !b.version) return 0;
      const c = compareSemver(b.version, a.version);
      return c !== 0 ? c : a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0;
    })
    .map((x) => x.tag);
}
