// Spec tag generations as openshift-apiserver's image stream strategy keeps them on every ImageStream write
// (pkg/image/apiserver/registry/imagestream/strategy.go): PrepareForCreate gives every spec tag the stream's
// generation (1); on update, a tag that is new or whose source changed (tagRefChanged: from namespace/name, or
// reference) gets the next generation, and any other tag keeps the generation it had (ensureSpecTagGenerationsAreSet
// resets a missing or future one). The image stream controller imports a tag whose generation is newer than its status.
type TagRef = Record<string, any>;

function sourceChanged(old: TagRef, next: TagRef, ns: string): boolean {
  if (!next.from) return false;
  const of = old.from ?? {};
  if ((of.namespace || ns) !== (next.from.namespace || ns)) return true;
  if (of.name !== next.from.name || (of.kind ?? '') !== (next.from.kind ?? '')) return true;
  return Boolean(old.reference) !== Boolean(next.reference);
}

/** Sets spec.tags[].generation of `obj` in place; `old` is the stored stream on update. */
export function prepareImageStreamTagGenerations(obj: Record<string, any>, old: Record<string, any> | undefined): void {
  const tags = (obj.spec?.tags ?? []) as TagRef[];
  if (!Array.isArray(tags) || !tags.length) return;
  if (!old) {
    for (const t of tags) t.generation = 1;
    return;
  }
  const oldGen = Number(old.metadata?.generation ?? 1);
  const oldTags = new Map(((old.spec?.tags ?? []) as TagRef[]).map((t) => [t.name, t]));
  for (const t of tags) {
    const prev = oldTags.get(t.name);
    if (!prev || sourceChanged(prev, t, String(obj.metadata?.namespace ?? ''))) {
      // The update's generation (the store bumps metadata.generation because the spec changed).
      if (t.generation == null || Number(t.generation) <= Number(prev?.generation ?? 0) || Number(t.generation) > oldGen + 1) t.generation = oldGen + 1;
    } else if (t.generation == null || Number(t.generation) > oldGen + 1) t.generation = prev.generation ?? oldGen;
  }
}
