// openshift-controller-manager's scheduled image import, on demand: every image stream with a tag to re-import
// (DockerImage, not a reference, importPolicy.scheduled; a digest reference only until it was imported once) gets
// an ImageStreamImport of those tags, as when the scheduler's period (15 min by default) has passed
// (pkg/image/controller/scheduled_image_controller.go needsScheduling/resetScheduledTags, then handleImageStream).
import type { KubeObject, Store } from './types.ts';
import type { ImportHook } from './importer.ts';

const IS_KEY = 'image.openshift.io/imagestreams';

function imported(stream: KubeObject, tag: string): boolean {
  return (((stream.status as any)?.tags ?? []) as any[]).some((t) => t.tag === tag && t.items?.length);
}

/** Runs the scheduled imports now; returns the `ns/name` of each stream imported. */
export async function runScheduledImports(store: Store, importImage: ImportHook): Promise<string[]> {
  const done: string[] = [];
  for (const s of store.list(IS_KEY).items) {
    const images = (((s.spec as any)?.tags ?? []) as any[])
      .filter((t) => t.from?.kind === 'DockerImage' && !t.reference && t.importPolicy?.scheduled)
      .filter((t) => !(String(t.from.name).includes('@') && imported(s, t.name)))
      .map((t) => ({ from: { kind: 'DockerImage', name: t.from.name }, to: { name: t.name }, importPolicy: t.importPolicy, referencePolicy: t.referencePolicy ?? { type: 'Source' } }));
    if (!images.length) continue;
    await importImage(s.metadata.namespace!, { metadata: { name: s.metadata.name, namespace: s.metadata.namespace }, spec: { import: true, images } });
    done.push(`${s.metadata.namespace}/${s.metadata.name}`);
  }
  return done;
}
