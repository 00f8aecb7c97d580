// Carries a prune out in oc's order (openshift/oc imageprune/prune.go Prune): stage 1 per image stream — layer
// links, the status.tags update, manifest links — then stage 2, the Image objects no stream references any more.
// Resumable: each stream is re-read and decided again, so what an earlier run removed is simply not there to remove.
import type { Cluster, Json } from '../cluster/cluster.js';
import { isApiError } from '../cluster/api-error.js';
import { retryOnConflict } from '../cluster/retry.js';
import { decideStream, entryKey, linkDeletions, type Decisions, type PruneOptions } from './decide.js';
import { imageRec, streamRec, type Inventory } from './model.js';
import { PRUNE_RESOURCES } from './load.js';

/** DELETE on the registry; resolves to the HTTP status. */
export type RegistryDelete = (path: string) => Promise<number>;

export interface ApplyStats {
  historyEntries: number;
  imageStreams: number;
  layerLinks: number;
  manifestLinks: number;
  images: number;
  /** Registry links or images that were already gone (an earlier, interrupted run). */
  alreadyGone: number;
  /** --max-delete stopped the run before the end. */
  stoppedAt?: number;
  warnings: string[];
}

export interface ApplyOptions {
  maxDelete: number;
  signal: AbortSignal;
  progress?: (line: string) => void;
}

const repoPath = (ns: string, name: string) => `/v2/${ns}/${name}`;

export async function applyPrune(c: Cluster, del: RegistryDelete, inv: Inventory, d: Decisions, po: PruneOptions, o: ApplyOptions): Promise<ApplyStats> {
  const st: ApplyStats = { historyEntries: 0, imageStreams: 0, layerLinks: 0, manifestLinks: 0, images: 0, alreadyGone: 0, warnings: [] };
  let budget = o.maxDelete;
  const manifestLinksDone = new Set<string>();
  const check = () => {
    if (o.signal.aborted) throw o.signal.reason ?? new Error('interrupted');
  };

  const deleteLink = async (path: string, what: string): Promise<boolean> => {
    const status = await del(path);
    if (status === 202 || status === 204 || status === 200) return true;
    if (status === 404) {
      st.alreadyGone++;
      return false;
    }
    st.warnings.push(`${what}: the registry answered ${status}`);
    return false;
  };

  // Stage 1: the streams' history.
  for (const planned of d.streams) {
    if (!planned.removed.length) continue;
    check();
    if (budget <= 0) {
      st.stoppedAt = o.maxDelete;
      break;
    }
    const { namespace: ns, name } = planned.stream;
    let removedCount = 0;
    let manifests: string[] = [];
    await retryOnConflict(async () => {
      const fresh = await c.getOrNull<Json>(PRUNE_RESOURCES.imageStream, name, ns);
      if (!fresh) return;
      const rec = streamRec(fresh);
      // An image pushed after the plan was read is not in the inventory: read it, so that its entry is not taken
      // for a missing image's and its layers keep their links.
      for (const t of rec.tags) {
        for (const it of t.items) {
          if (inv.images.has(it.image)) continue;
          const img = await c.getOrNull<Json>(PRUNE_RESOURCES.image, it.image);
          if (img) inv.images.set(it.image, imageRec(img, inv.blobs));
        }
      }
      const removed = decideStream(rec, inv, po).removed.slice(0, budget);
      removedCount = removed.length;
      if (!removed.length) return;
      const keys = new Set(removed.map((r) => entryKey(r.tag, r.revision, r.image)));
      const links = linkDeletions(rec, inv.images, inv.blobs.digests, keys);
      for (const digest of links.layerLinks) {
        check();
        if (await deleteLink(`${repoPath(ns, name)}/blobs/${digest}`, `layer link ${ns}/${name}@${digest}`)) st.layerLinks++;
      }
      const tags = ((fresh.status?.tags as Json[] | undefined) ?? [])
        .map((t) => ({ ...t, items: ((t.items as Json[] | undefined) ?? []).filter((it, i) => !keys.has(entryKey(String(t.tag), i + 1, String(it.image)))) }))
        .filter((t) => t.items.length);
      await c.update(PRUNE_RESOURCES.imageStream, { ...fresh, status: { ...fresh.status, tags } }, { subresource: 'status' });
      // Keep the inventory's view current: stage 2 decides on the streams as they are now.
      const updated = streamRec({ ...fresh, status: { tags } });
      const at = inv.streams.findIndex((s) => s.namespace === ns && s.name === name);
      if (at >= 0) inv.streams[at] = updated;
      manifests = links.manifestLinks;
    }, { what: `imagestream ${ns}/${name}`, signal: o.signal });
    if (!removedCount) continue;
    budget -= removedCount;
    st.historyEntries += removedCount;
    st.imageStreams++;
    o.progress?.(`${ns}/${name}: removed ${removedCount} tag history entr${removedCount === 1 ? 'y' : 'ies'}`);
    for (const digest of manifests) {
      manifestLinksDone.add(`${ns}/${name}@${digest}`);
      if (await deleteLink(`${repoPath(ns, name)}/manifests/${digest}`, `manifest link ${ns}/${name}@${digest}`)) st.manifestLinks++;
    }
  }

  // Stage 2: images no stream references (pruneImages: usedImages over every stream after stage 1).
  const used = new Set<string>();
  for (const s of inv.streams) for (const t of s.tags) for (const it of t.items) used.add(it.image);
  for (const x of d.images) {
    if (x.decision !== 'prune' || used.has(x.image.name)) continue;
    check();
    if (budget <= 0) {
      st.stoppedAt = o.maxDelete;
      break;
    }
    // The manifest link of the repository it was pushed to, when a run was interrupted before deleting it.
    const repo = x.image.repo;
    if (repo && !manifestLinksDone.has(`${repo}@${x.image.name}`)) {
      const status = await del(`/v2/${repo}/manifests/${x.image.name}`);
      if (status === 202 || status === 204) st.manifestLinks++;
    }
    try {
      await c.delete(PRUNE_RESOURCES.image, x.image.name);
      st.images++;
      budget--;
    } catch (e) {
      if (!isApiError(e, 404)) throw e;
      st.alreadyGone++;
    }
  }
  return st;
}
