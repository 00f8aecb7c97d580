// `regctl tag docker://HOST/REPO:TAG NEW…` for registries that are not the cluster's: the manifest is read once
// and PUT under each new tag with the same bytes and media type (what `skopeo copy docker://…:1 docker://…:2`
// ends with, without moving any layer: they are already in the repository).
import type { RegistryClient } from './client.js';
import { fetchManifest, headManifest } from './content.js';
import { httpError } from './errors.js';
import { RegctlError, UsageError } from '../errors.js';
import { isValidTag, parseReference, TAG_HINT, type ImageReference } from './reference.js';

export interface RetagPlan {
  host: string;
  repository: string;
  source: string;
  targets: string[];
}

export interface RetagResult {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  result: 'tagged' | 'unchanged' | 'would tag';
}

/** SRC `docker://HOST/REPO[:TAG|@DIGEST]`; each DST `docker://HOST/REPO:TAG` (same repository) or a bare TAG. */
export function parseRetag(src: string, dests: string[]): RetagPlan & { ref: ImageReference } {
  const ref = parseReference(src, { what: 'source', example: 'docker://registry.example.com/team/app:1.0' });
  if (!ref.hostExplicit) throw new UsageError(`"${src}" names no registry host`, 'give docker://HOST/REPO:TAG');
  const repository = ref.path;
  const targets: string[] = [];
  for (const d of dests) {
    if (!d.startsWith('docker://') && !d.includes('/') && !d.includes(':')) {
      if (!isValidTag(d)) throw new UsageError(`invalid tag "${d}"`, TAG_HINT);
      targets.push(d);
      continue;
    }
    if (!d.startsWith('docker://')) throw new UsageError(`"${d}" is an image stream tag, but the source is a docker:// reference`, `give docker://${ref.host}/${repository}:TAG or a bare TAG`);
    const r = parseReference(d, { what: 'destination' });
    if (r.host !== ref.host || r.path !== repository) {
      throw new UsageError(`a retag stays in one repository: "${d}" is not ${ref.host}/${repository}`, `copy it to another repository with \`regctl copy ${src} ${d}\`, or give docker://${ref.host}/${repository}:TAG`);
    }
    if (!r.tag || r.digest) throw new UsageError(`invalid destination "${d}": it needs a tag`, `e.g. docker://${ref.host}/${repository}:latest`);
    targets.push(r.tag);
  }
  return { ref, host: ref.host!, repository, source: ref.digest ?? ref.tag ?? 'latest', targets: [...new Set(targets)] };
}

/** GET the source manifest, then PUT it under each tag that does not already hold it. */
export async function retag(client: RegistryClient, plan: RetagPlan, o: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<RetagResult[]> {
  const m = await fetchManifest(client, plan.repository, plan.source, { signal: o.signal });
  const out: RetagResult[] = [];
  for (const tag of plan.targets) {
    const base = { repository: plan.repository, tag, digest: m.digest, mediaType: m.mediaType };
    const cur = await headManifest(client, plan.repository, tag, { signal: o.signal }).catch(() => undefined);
    if (cur?.digest === m.digest) {
      out.push({ ...base, result: 'unchanged' });
      continue;
    }
    if (o.dryRun) {
      out.push({ ...base, result: 'would tag' });
      continue;
    }
    const res = await client.get(`/v2/${plan.repository}/manifests/${tag}`, { method: 'PUT', body: m.raw, headers: { 'content-type': m.mediaType }, signal: o.signal });
    if (!res.ok) throw httpError(res, 'PUT');
    const stored = res.headers['docker-content-digest'];
    if (stored && m.kind !== 'schema1' && stored !== m.digest) {
      throw new RegctlError(`${plan.host} stored ${plan.repository}:${tag} as ${stored}, not ${m.digest}`, { hint: 'the registry rewrote the manifest; check its version and settings' });
    }
    out.push({ ...base, result: 'tagged' });
  }
  return out;
}
