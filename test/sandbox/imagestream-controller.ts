// openshift-controller-manager's image stream controller (pkg/image/controller/imagestream_controller.go): every
// ImageStream add/update (create, update, patch, apply, an ImageStreamTag write) queues the stream; a sync
// (handleImageStream) issues one ImageStreamImport (spec.import) of the importable tags — from DockerImage, not a
// reference — whose spec generation is newer than the latest generation observed in status (first tag event or
// ImportSuccess condition), or that have no generation while the stream lacks the dockerRepositoryCheck annotation.
// Per-tag failures become ImportSuccess=False conditions, written by the import itself (the importer hook), so
// the controller does not import them again until the tag changes. As in a workqueue, a key is synced by one
// worker at a time and an update during a sync queues one more sync (which then finds nothing new to import).
// The scheduled image controller's imports (scheduled-imports.ts) go through the same queue.
import type { KubeObject, Store } from './types.ts';
import type { ImportHook } from './importer.ts';

const IS_KEY = 'image.openshift.io/imagestreams';
const REPO_CHECK = 'openshift.io/image.dockerRepositoryCheck';

type TagRef = Record<string, any>;

/** tagImportable. */
export function tagImportable(t: TagRef): boolean {
  return t.from?.kind === 'DockerImage' && !t.reference;
}

/** latestObservedTagGeneration. */
function observedGeneration(stream: KubeObject, tag: string): number {
  const ev = (((stream.status as any)?.tags ?? []) as any[]).find((t) => t.tag === tag);
  if (!ev) return 0;
  let last = Number(ev.items?.[0]?.generation ?? 0);
  const ok = ((ev.conditions ?? []) as any[]).find((c) => c.type === 'ImportSuccess');
  if (ok && Number(ok.generation ?? 0) > last) last = Number(ok.generation);
  return last;
}

/** tagNeedsImport. */
function tagNeedsImport(stream: KubeObject, t: TagRef, whenGenerationNil: boolean): boolean {
  if (!tagImportable(t)) return false;
  if (t.generation == null) return whenGenerationNil;
  return Number(t.generation) > observedGeneration(stream, t.name);
}

/** The ImageImportSpec handleImageStream sends for a tag. */
export function importSpec(t: TagRef): Record<string, unknown> {
  return { from: { kind: 'DockerImage', name: t.from.name }, to: { name: t.name }, importPolicy: t.importPolicy ?? {}, referencePolicy: t.referencePolicy ?? { type: 'Source' } };
}

/** needsImport + the image list of handleImageStream (spec.dockerImageRepository is not imitated). */
export function tagsToImport(stream: KubeObject): TagRef[] {
  const tags = ((stream.spec as any)?.tags ?? []) as TagRef[];
  const annotated = Boolean((stream.metadata.annotations as Record<string, string> | undefined)?.[REPO_CHECK]);
  const needs = (!annotated && tags.some(tagImportable)) || tags.some((t) => tagNeedsImport(stream, t, false));
  if (!needs) return [];
  return tags.filter((t) => tagNeedsImport(stream, t, true));
}

export interface ImageStreamController {
  /** Resolves when no sync is queued or running. */
  idle(): Promise<void>;
  /** Runs `pick(stream)`'s tags as one import of that stream in the stream's queue slot (after any running sync). */
  importTags(namespace: string, name: string, pick: (stream: KubeObject) => TagRef[]): Promise<boolean>;
  stop(): void;
}

export function startImageStreamController(store: Store, importImage: () => ImportHook | undefined): ImageStreamController {
  const running = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  let stopped = false;

  async function issue(ns: string, stream: KubeObject, tags: TagRef[]): Promise<boolean> {
    const hook = importImage();
    if (!hook || !tags.length) return false;
    const isi = { metadata: { name: stream.metadata.name, namespace: ns }, spec: { import: true, images: tags.map(importSpec) } };
    // A failed request (the stream gone, the API refusing) is left for the next update, as a requeue would.
    await hook(ns, isi).catch(() => undefined);
    return true;
  }

  function run(key: string, work: () => Promise<unknown>): Promise<void> {
    const prev = running.get(key) ?? Promise.resolve();
    const next = prev.then(work).then(
      () => undefined,
      () => undefined,
    );
    running.set(key, next);
    void next.then(() => {
      if (running.get(key) === next) running.delete(key);
    });
    return next;
  }

  function sync(key: string): Promise<void> {
    return run(key, async () => {
      dirty.delete(key);
      if (stopped) return;
      const [ns, name] = key.split('/') as [string, string];
      const stream = store.get(IS_KEY, ns, name);
      if (!stream) return;
      await issue(ns, stream, tagsToImport(stream));
    });
  }

  function enqueue(key: string): void {
    if (dirty.has(key)) return;
    dirty.add(key);
    setImmediate(() => void sync(key));
  }

  const off = store.on((key, e) => {
    if (stopped || key !== IS_KEY || (e.type !== 'ADDED' && e.type !== 'MODIFIED')) return;
    enqueue(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
  });

  return {
    async idle() {
      while (running.size || dirty.size) {
        await Promise.all([...running.values()]);
        await new Promise((r) => setImmediate(r));
      }
    },
    async importTags(ns, name, pick) {
      let done = false;
      await run(`${ns}/${name}`, async () => {
        const stream = store.get(IS_KEY, ns, name);
        if (stream) done = await issue(ns, stream, pick(stream));
      });
      return done;
    },
    stop() {
      stopped = true;
      off();
    },
  };
}
