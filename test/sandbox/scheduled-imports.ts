// openshift-controller-manager's scheduled image import, on demand: every image stream with a tag to re-import
// (DockerImage, not a reference, importPolicy.scheduled; a digest reference only until it was imported once) gets
// an ImageStreamImport of those tags, as when the scheduler's period (15 min by default) has passed
// (pkg/image/controller/scheduled_image_controller.go needsScheduling/resetScheduledTags, then handleImageStream).
import type { KubeObject, Store } from './types.ts';
import type { ImageStreamController } from './imagestream-controller.ts';
import { tagImportable } from './imagestream-controller.ts';

const IS_KEY = 'image.openshift.io/imagestreams';

function imported(stream: KubeObject, tag: string): boolean {
  return (((stream.status as any)?.tags ?? []) as any[]).some((t) => t.tag === tag && t.items?.length);
}

/** Tags the scheduler re-imports (needsScheduling / resetScheduledTags). */
function scheduledTags(s: KubeObject): any[] {
  return (((s.spec as any)?.tags ?? []) as any[])
    .filter((t) => tagImportable(t) && t.importPolicy?.scheduled)
    .filter((t) => !(String(t.from.name).includes('@') && imported(s, t.name)));
}

/**
 * Runs the scheduled imports now, through the image stream controller's queue (one import per stream, after any
 * import the controller is already doing for it); returns the `ns/name` of each stream imported.
 */
export async function runScheduledImports(store: Store, controller: ImageStreamController): Promise<string[]> {
  const done: string[] = [];
  await controller.idle();
  for (const s of store.list(IS_KEY).items) {
    if (!scheduledTags(s).length) continue;
    if (await controller.importTags(s.metadata.namespace!, s.metadata.name!, scheduledTags)) done.push(`${s.metadata.namespace}/${s.metadata.name}`);
  }
  return done;
}
