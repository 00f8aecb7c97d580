// GET /v2/<name>/tags/list as openshift/image-registry answers it. Its tag service
// (pkg/dockerregistry/server/tagservice.go, All) collects the stream's tags into a Go map and returns them in map
// iteration order, which Go randomizes: no particular order, different from one request to the next. The
// distribution handler (registry/handlers/tags.go, GetTags) then pages that unsorted list: `last` is looked up
// with sort.SearchStrings (a binary search that assumes a sorted list) and the entry at the index found is
// dropped, `n` cuts the list and adds a Link to the next page.
import type { RegistryError } from './errors.ts';

export type TagsListResult =
  | { ok: true; tags: string[]; link?: string }
  | { ok: false; error: RegistryError };

/** A random order, as Go's map iteration gives. */
export function mapOrder<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Go's sort.SearchStrings: the first index whose entry is >= x, by binary search (meaningful on sorted input only). */
export function searchStrings(list: readonly string[], x: string): number {
  let i = 0;
  let j = list.length;
  while (i < j) {
    const h = (i + j) >>> 1;
    if (list[h]! < x) i = h + 1;
    else j = h;
  }
  return i;
}

/** Pagination of GetTags over `tags` in the order the tag service gave them; `path` is the request path. */
export function pageTags(tags: readonly string[], query: URLSearchParams, path: string): TagsListResult {
  let out = [...tags];
  const last = query.get('last');
  if (last) {
    const i = searchStrings(out, last);
    out = i === out.length ? [] : out.slice(i + 1);
  }
  const nRaw = query.get('n');
  let link: string | undefined;
  if (nRaw) {
    // strconv.Atoi: optional sign, decimal digits.
    const n = /^[+-]?\d+$/.test(nRaw) ? Number(nRaw) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      return { ok: false, error: { code: 'PAGINATION_NUMBER_INVALID', message: 'invalid number of results requested', detail: { n: nRaw } } };
    }
    if (n < out.length) {
      if (n > 0) link = `<${path}?${new URLSearchParams({ last: out[n - 1]!, n: String(n) })}>; rel="next"`;
      out = out.slice(0, n);
    }
  }
  return link ? { ok: true, tags: out, link } : { ok: true, tags: out };
}
