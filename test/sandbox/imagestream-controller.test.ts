// The image stream controller (openshift-controller-manager imagestream_controller.go) on store writes: which tags it
// imports, once per change, and not again after a failure or for reference tags.
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from './store.ts';
import { startImageStreamController, type ImageStreamController } from './imagestream-controller.ts';
import { runScheduledImports } from './scheduled-imports.ts';
import type { KubeObject, Store } from './types.ts';

const IS = 'image.openshift.io/imagestreams';
let ctl: ImageStreamController | undefined;
afterEach(() => ctl?.stop());

/** A fake import that records each request and answers like the importer: success, or a failure condition. */
function setup(fail: string[] = []): { store: Store; calls: string[][] } {
  const store = createStore();
  store.create('/namespaces', { metadata: { name: 'ns' } });
  const calls: string[][] = [];
  ctl = startImageStreamController(store, () => async (ns: string, isi: KubeObject) => {
    const images = (isi.spec as any).images as any[];
    calls.push(images.map((i) => i.to.name));
    const cur = store.get(IS, ns, isi.metadata.name!)!;
    const g = Number(cur.metadata.generation);
    const tags = images.map((i) => (fail.includes(i.to.name)
      ? { tag: i.to.name, items: [], conditions: [{ type: 'ImportSuccess', status: 'False', generation: g }] }
      : { tag: i.to.name, items: [{ image: 'sha256:' + '1'.repeat(64), dockerImageReference: i.from.name, generation: g }] }));
    const keep = (((cur.status as any)?.tags ?? []) as any[]).filter((t) => !tags.some((x) => x.tag === t.tag));
    const annotated = store.update(IS, { ...cur, metadata: { ...cur.metadata, annotations: { 'openshift.io/image.dockerRepositoryCheck': 'now' } } });
    return store.update(IS, { ...annotated, status: { tags: [...keep, ...tags] } }, { subresource: 'status' });
  });
  return { store, calls };
}
const tag = (name: string, from: string, extra: Record<string, unknown> = {}) => ({ name, from: { kind: 'DockerImage', name: from }, ...extra });

describe('image stream controller', () => {
  it('imports the DockerImage tags of a created stream once (not reference tags, not ImageStreamTag sources)', async () => {
    const { store, calls } = setup();
    store.create(IS, { metadata: { name: 'a', namespace: 'ns' }, spec: { tags: [tag('v1', 'quay.io/x/y:v1'), tag('ref', 'quay.io/x/y:r', { reference: true }), { name: 'alias', from: { kind: 'ImageStreamTag', name: 'v1' } }] } });
    await ctl!.idle();
    expect(calls).toEqual([['v1']]);
  });

  it('an update imports only the tag whose source changed or that is new', async () => {
    const { store, calls } = setup();
    store.create(IS, { metadata: { name: 'a', namespace: 'ns' }, spec: { tags: [tag('v1', 'quay.io/x/y:v1'), tag('v2', 'quay.io/x/y:v2')] } });
    await ctl!.idle();
    const cur = store.get(IS, 'ns', 'a') as any;
    store.update(IS, { ...cur, spec: { tags: [cur.spec.tags[0], { ...cur.spec.tags[1], from: { kind: 'DockerImage', name: 'quay.io/x/y:v2b' } }, tag('v3', 'quay.io/x/y:v3')] } });
    await ctl!.idle();
    expect(calls).toEqual([['v1', 'v2'], ['v2', 'v3']]);
    // an update that changes no tag's source imports nothing
    const now = store.get(IS, 'ns', 'a') as any;
    store.update(IS, { ...now, metadata: { ...now.metadata, labels: { a: 'b' } } });
    await ctl!.idle();
    expect(calls).toHaveLength(2);
  });

  it('a failed tag (ImportSuccess False at its generation) is not imported again until it changes', async () => {
    const { store, calls } = setup(['bad']);
    store.create(IS, { metadata: { name: 'a', namespace: 'ns' }, spec: { tags: [tag('bad', 'quay.io/x/missing:v1')] } });
    await ctl!.idle();
    const cur = store.get(IS, 'ns', 'a') as any;
    store.update(IS, { ...cur, metadata: { ...cur.metadata, labels: { touched: 'yes' } } });
    await ctl!.idle();
    expect(calls).toEqual([['bad']]);
  });

  it('scheduled imports go through the same queue: one import per stream with scheduled tags', async () => {
    const { store, calls } = setup();
    store.create(IS, { metadata: { name: 'a', namespace: 'ns' }, spec: { tags: [tag('s', 'quay.io/x/y:s', { importPolicy: { scheduled: true } }), tag('n', 'quay.io/x/y:n')] } });
    expect(await runScheduledImports(store, ctl!)).toEqual(['ns/a']);
    await ctl!.idle();
    // spec.tags is a map in openshift-apiserver: the stream lists them sorted by name (imagestream-strategy.ts).
    expect(calls).toEqual([['n', 's'], ['s']]);
  });
});
