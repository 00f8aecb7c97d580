// Seeding for scale (issue 20): N images in M image streams that share layers, written straight into the store as
// an etcd restore would (store.restore: no events), shaped as the registry and openshift-apiserver store pushed
// images (registry/pushed-image.ts → apiserver/image-strategy.ts): managed, layers with sizes, metadata whose Size
// is the config length plus each distinct layer once, no raw manifest. Streams have spec tags and status tag
// histories; some Deployments and CronJobs run some of the images (created through the store, so the controllers
// make their ReplicaSets and pods). Deterministic: the same options give the same digests and sizes.
//
// Layout (i = image number, s = stream number, images of a stream are consecutive):
//   layer 0  base:     one of BASES, by k % BASES            (shared by many streams in every project)
//   layer 1  runtime:  one of RUNTIMES, by k % RUNTIMES       (shared by streams across projects)
// (k = the stream's number within its project; stream s is in project s % projects)
//   layer 2  app deps: one per stream                         (shared by the stream's images)
//   layer 3  top:      one per image                          (exclusive)
//   config:            one per image
// Each stream's images are spread over its tags, newest first; every 50th stream also tags the next stream's
// newest image (`shared` tag), so some images are in two streams (and two projects).
import { createHash } from 'node:crypto';
import { INTERNAL_REGISTRY } from './registry/imagestreams.ts';
import type { KubeObject, Store } from './types.ts';

export interface SeedScaleOptions {
  /** Images in all (default 100,000). */
  images?: number;
  /** Image streams in all (default images / 10). */
  streams?: number;
  /** Projects the streams are spread over (default streams / 100, at least 1), named `scale-000`, … */
  projects?: number;
  /** Tags per stream (default 3: latest, v1, v2); the stream's images are spread over them. */
  tags?: number;
  /** Deployments (one replica each) that run an image, every `workloadEvery`-th stream (default 100; 0 = none). */
  workloadEvery?: number;
}

export interface SeedScaleResult {
  projects: string[];
  images: number;
  streams: number;
  /** Distinct blobs (layers and configs) and their bytes: what the registry's storage would hold. */
  blobs: number;
  bytes: number;
  /** Layers referenced by more than one image. */
  sharedLayers: number;
  /** Images tagged in two streams. */
  imagesInTwoStreams: number;
  deployments: number;
  cronJobs: number;
  ms: number;
}

export const BASES = 20;
export const RUNTIMES = 500;
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const IS_KEY = 'image.openshift.io/imagestreams';
const IMAGE_KEY = 'image.openshift.io/images';
// Shared by every seeded image (the store copies objects on every read and write, never changes them in place).
const ANNOTATIONS = { 'openshift.io/image.managed': 'true', 'image.openshift.io/manifestBlobStored': 'true', 'image.openshift.io/dockerLayersOrder': 'ascending' };
const EMPTY = {};
const CONFIG = { Cmd: ['/bin/app'], WorkingDir: '/app' };

const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
/** A stable pseudo-random integer in [lo, hi) from a string. */
function sized(s: string, lo: number, hi: number): number {
  const h = createHash('sha256').update(s).digest();
  return lo + (h.readUInt32BE(0) % (hi - lo));
}
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function seedScale(store: Store, o: SeedScaleOptions = {}): SeedScaleResult {
  const started = Date.now();
  const images = Math.max(1, Math.floor(o.images ?? 100_000));
  const streams = Math.max(1, Math.min(images, Math.floor(o.streams ?? Math.ceil(images / 10))));
  const nProjects = Math.max(1, Math.min(streams, Math.floor(o.projects ?? Math.ceil(streams / 100))));
  const nTags = Math.max(1, Math.floor(o.tags ?? 3));
  const workloadEvery = Math.floor(o.workloadEvery ?? 100);
  const tagNames = Array.from({ length: nTags }, (_, i) => (i === 0 ? 'latest' : `v${i}`));
  const projects = Array.from({ length: nProjects }, (_, i) => `scale-${String(i).padStart(3, '0')}`);
  for (const ns of projects) if (!store.get('/namespaces', undefined, ns)) store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

  // Shared layer descriptors (one object per layer, referenced by every image that has it: little memory).
  const layer = (key: string, lo: number, hi: number) => ({ name: digestOf(`layer/${key}`), size: sized(key, lo, hi), mediaType: LAYER_TYPE });
  const bases = Array.from({ length: BASES }, (_, i) => layer(`base/${i}`, 20e6, 80e6));
  const runtimes = Array.from({ length: Math.min(RUNTIMES, streams) }, (_, i) => layer(`runtime/${i}`, 2e6, 30e6));
  const blobBytes = new Map<string, number>();
  const layerUse = new Map<string, number>();
  const useLayer = (l: { name: string; size: number }) => {
    blobBytes.set(l.name, l.size);
    layerUse.set(l.name, (layerUse.get(l.name) ?? 0) + 1);
  };

  // Images are created oldest first, one minute apart, ending an hour ago.
  const newest = Date.now() - 3600_000;
  const createdAt = (i: number) => newest - (images - 1 - i) * 60_000;
  const imageObjects: KubeObject[] = [];
  const streamObjects: KubeObject[] = [];
  const newestImage: Array<{ digest: string; ref: string }> = [];
  const streamNames: Array<{ ns: string; name: string }> = [];
  let next = 0;
  for (let s = 0; s < streams; s++) {
    const ns = projects[s % nProjects]!;
    const name = `app-${String(Math.floor(s / nProjects)).padStart(4, '0')}`;
    streamNames.push({ ns, name });
    const repo = `${INTERNAL_REGISTRY}/${ns}/${name}`;
    const count = Math.floor(images / streams) + (s < images % streams ? 1 : 0);
    const deps = layer(`deps/${s}`, 1e6, 20e6);
    const events: Array<{ created: string; dockerImageReference: string; image: string; generation: number }> = [];
    for (let j = 0; j < count; j++, next++) {
      const top = layer(`top/${next}`, 10e3, 5e6);
      const k = Math.floor(s / nProjects); // the stream's number in its project: every project uses every base and runtime
      const layers = [bases[k % BASES]!, runtimes[k % runtimes.length]!, deps, top];
      const configSize = sized(`config/${next}`, 1500, 6000);
      const configDigest = digestOf(`config/${next}`);
      const digest = digestOf(`manifest/${next}`);
      const created = iso(createdAt(next));
      for (const l of layers) useLayer(l);
      blobBytes.set(configDigest, configSize);
      imageObjects.push({
        apiVersion: 'image.openshift.io/v1',
        kind: 'Image',
        metadata: {
          name: digest,
          creationTimestamp: created,
          annotations: ANNOTATIONS,
        },
        dockerImageReference: `${repo}@${digest}`,
        dockerImageMetadata: {
          kind: 'DockerImage',
          apiVersion: '1.0',
          Id: configDigest,
          Created: created,
          ContainerConfig: EMPTY,
          Config: CONFIG,
          Architecture: 'amd64',
          Size: configSize + layers.reduce((n, l) => n + l.size, 0),
        },
        dockerImageMetadataVersion: '1.0',
        dockerImageLayers: layers,
        dockerImageManifestMediaType: MANIFEST_TYPE,
      });
      events.push({ created, dockerImageReference: `${repo}@${digest}`, image: digest, generation: 1 });
    }
    // Newest first, dealt round-robin over the tags: the first tag gets the newest image.
    events.reverse();
    const history = tagNames.map(() => [] as typeof events);
    events.forEach((e, k) => history[k % nTags]!.push(e));
    newestImage.push(events[0] ? { digest: events[0].image, ref: events[0].dockerImageReference } : { digest: '', ref: '' });
    streamObjects.push({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name, namespace: ns, creationTimestamp: events.at(-1)?.created ?? iso(newest) },
      spec: { lookupPolicy: { local: false }, tags: [] as unknown[] },
      status: {
        dockerImageRepository: repo,
        tags: tagNames.map((tag, k) => ({ tag, items: history[k]! })).filter((t) => t.items.length),
      },
    });
  }

  // spec.tags: each pushed tag is also a spec tag naming the stream's own tag.
  const specTag = (tag: string, from: Record<string, string>) => ({ name: tag, annotations: null, from, generation: 1, importPolicy: { importMode: 'Legacy' }, referencePolicy: { type: 'Source' } });
  for (const so of streamObjects) {
    const st = so.status as { dockerImageRepository: string; tags: Array<{ tag: string }> };
    (so.spec as { tags: unknown[] }).tags = st.tags.map((t) => specTag(t.tag, { kind: 'DockerImage', name: `${st.dockerImageRepository}:${t.tag}` }));
  }
  // Every 50th stream also tags the next stream's newest image (`oc tag other@digest this:shared`; the next stream is
  // in the next project): that image is in two streams, and in two projects.
  let imagesInTwoStreams = 0;
  for (let s = 0; s + 1 < streams; s += 50) {
    const other = newestImage[s + 1]!;
    if (!other.digest) continue;
    const so = streamObjects[s]!;
    const st = so.status as { dockerImageRepository: string; tags: Array<{ tag: string; items: unknown[] }> };
    st.tags.push({ tag: 'shared', items: [{ created: iso(newest), dockerImageReference: other.ref, image: other.digest, generation: 1 }] });
    st.tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    const { ns, name } = streamNames[s + 1]!;
    const specTags = (so.spec as { tags: Array<{ name: string }> }).tags;
    specTags.push(specTag('shared', { kind: 'ImageStreamImage', namespace: ns, name: `${name}@${other.digest}` }));
    specTags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    imagesInTwoStreams++;
  }
  store.restore(IMAGE_KEY, imageObjects);
  store.restore(IS_KEY, streamObjects);

  // Workloads: every workloadEvery-th stream runs its newest image by digest (Deployment) or its `latest` tag (CronJob).
  let deployments = 0;
  let cronJobs = 0;
  if (workloadEvery > 0) {
    for (let s = 0; s < streams; s += workloadEvery) {
      const { ns, name } = streamNames[s]!;
      const img = newestImage[s]!;
      if (!img.digest) continue;
      const labels = { app: name };
      if ((s / workloadEvery) % 2 === 0) {
        store.create('apps/deployments', {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: ns, labels },
          spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: img.ref }] } } },
        });
        deployments++;
      } else {
        store.create('batch/cronjobs', {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name, namespace: ns, labels },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: `${INTERNAL_REGISTRY}/${ns}/${name}:latest` }] } } } },
          },
        });
        cronJobs++;
      }
    }
  }

  let bytes = 0;
  for (const b of blobBytes.values()) bytes += b;
  let sharedLayers = 0;
  for (const n of layerUse.values()) if (n > 1) sharedLayers++;
  return { projects, images: imageObjects.length, streams: streamObjects.length, blobs: blobBytes.size, bytes, sharedLayers, imagesInTwoStreams, deployments, cronJobs, ms: Date.now() - started };
}
