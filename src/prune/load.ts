// Reads what a prune decides on, as `oc adm prune images` lists it (openshift/oc pkg/cli/admin/prune/images/images.go
// Run): images, image streams, and the workloads that may reference images — in pages (limit/continue), each page
// reduced to the compact inventory at once, so 100,000 images never sit in memory as objects.
import type { Cluster, Json } from '../cluster/cluster.js';
import { isApiError } from '../cluster/api-error.js';
import type { ResourceRef } from '../cluster/resources.js';
import { BlobTable, imageRec, streamRec, type ImageRec, type Inventory, type StreamRec } from './model.js';
import { addBuildStrategy, addPodSpec, newUsage, TEMPLATE_PATH, type Usage } from './refs.js';

const ref = (group: string, version: string, resource: string, kind: string, namespaced = true): ResourceRef => ({ group, version, resource, kind, namespaced });

export const PRUNE_RESOURCES = {
  image: ref('image.openshift.io', 'v1', 'images', 'Image', false),
  imageStream: ref('image.openshift.io', 'v1', 'imagestreams', 'ImageStream'),
  pod: ref('', 'v1', 'pods', 'Pod'),
  replicationcontroller: ref('', 'v1', 'replicationcontrollers', 'ReplicationController'),
  deploymentconfig: ref('apps.openshift.io', 'v1', 'deploymentconfigs', 'DeploymentConfig'),
  replicaset: ref('apps', 'v1', 'replicasets', 'ReplicaSet'),
  deployment: ref('apps', 'v1', 'deployments', 'Deployment'),
  daemonset: ref('apps', 'v1', 'daemonsets', 'DaemonSet'),
  statefulset: ref('apps', 'v1', 'statefulsets', 'StatefulSet'),
  job: ref('batch', 'v1', 'jobs', 'Job'),
  cronjob: ref('batch', 'v1', 'cronjobs', 'CronJob'),
  build: ref('build.openshift.io', 'v1', 'builds', 'Build'),
  buildconfig: ref('build.openshift.io', 'v1', 'buildconfigs', 'BuildConfig'),
} as const;

const PAGE = 500;

/** Every item of a cluster-wide list, page by page. false: the API does not serve this resource (404). */
export async function eachPage(c: Cluster, r: ResourceRef, onItems: (items: Json[]) => void, signal?: AbortSignal): Promise<boolean> {
  let cont: string | undefined;
  do {
    if (signal?.aborted) throw signal.reason ?? new Error('interrupted');
    let list;
    try {
      list = await c.list(r, { namespace: null, limit: PAGE, continue: cont });
    } catch (e) {
      if (isApiError(e, 404) && cont === undefined) return false;
      throw e;
    }
    onItems(list.items as Json[]);
    cont = list.metadata?.continue || undefined;
  } while (cont);
  return true;
}

export interface LoadOptions {
  keepYoungerThanMs: number;
  now: number;
  signal?: AbortSignal;
  progress?: (what: string) => void;
}

/** Pods that are neither running nor pending count only while younger than --keep-younger-than (analyzeReferencesFromPods). */
function podCounts(pod: Json, cutoff: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Running' || phase === 'Pending') return true;
  const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ''));
  return !(created < cutoff);
}

/** oc's order of referrers (analyzeImageStreamsReferences), so a reason's detail lists them the same way every time. */
const KIND_ORDER = ['pod', 'replicationcontroller', 'deploymentconfig', 'replicaset', 'deployment', 'daemonset', 'build', 'buildconfig', 'statefulset', 'job', 'cronjob'] as const;

/** Runs the tasks at most `n` at a time: lists of different resources overlap (the server serialises one page while we parse another). */
async function limited(tasks: Array<() => Promise<void>>, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

function mergeInto(into: Usage, from: Usage): void {
  for (const [dst, src] of [[into.tags, from.tags], [into.images, from.images]] as const) {
    for (const [k, refs] of src) {
      const cur = dst.get(k);
      if (cur) cur.push(...refs.filter((r) => !cur.includes(r)));
      else dst.set(k, refs);
    }
  }
  into.invalid.push(...from.invalid);
}

export async function loadInventory(c: Cluster, o: LoadOptions): Promise<Inventory> {
  const blobs = new BlobTable();
  const images = new Map<string, ImageRec>();
  const streams: StreamRec[] = [];
  const cutoff = o.now - o.keepYoungerThanMs;
  const perKind = new Map<string, Usage>();
  const served = new Map<string, boolean>();
  let done = 0;
  const total = 2 + KIND_ORDER.length;
  const tick = (what: string) => o.progress?.(`${++done} of ${total} lists read (last: ${what})`);

  const tasks: Array<() => Promise<void>> = [
    async () => {
      await eachPage(c, PRUNE_RESOURCES.image, (items) => {
        for (const it of items) {
          const rec = imageRec(it, blobs);
          if (rec.name) images.set(rec.name, rec);
        }
      }, o.signal);
      tick('images');
    },
    async () => {
      await eachPage(c, PRUNE_RESOURCES.imageStream, (items) => {
        for (const it of items) streams.push(streamRec(it));
      }, o.signal);
      tick('image streams');
    },
    ...KIND_ORDER.map((kind) => async () => {
      const u = newUsage();
      perKind.set(kind, u);
      const build = kind === 'build' || kind === 'buildconfig';
      served.set(kind, await eachPage(c, PRUNE_RESOURCES[kind], (items) => {
        for (const it of items) {
          const referrer = `${kind}/${it.metadata?.namespace}/${it.metadata?.name}`;
          if (build) addBuildStrategy(u, referrer, String(it.metadata?.namespace ?? ''), it.spec?.strategy);
          else if (kind !== 'pod' || podCounts(it, cutoff)) addPodSpec(u, referrer, TEMPLATE_PATH[kind]!(it));
        }
      }, o.signal));
      tick(`${kind}s`);
    }),
  ];
  await limited(tasks, 3);

  // One string per digest: the streams' copies give way to the images' (a tenth of the inventory's memory at 100k).
  for (const st of streams) for (const t of st.tags) for (const it of t.items) it.image = images.get(it.image)?.name ?? it.image;
  const usage = newUsage();
  for (const kind of KIND_ORDER) mergeInto(usage, perKind.get(kind)!);
  const skippedKinds = KIND_ORDER.filter((k) => served.get(k) === false);
  streams.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
  return { images, streams, blobs, usage, skippedKinds: [...skippedKinds] };
}
