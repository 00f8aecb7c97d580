// The registry's view of ImageStreams through the API: recording pushed tags (by creating
// ImageStreamMappings), resolving tags for pulls, and listing for _catalog.
import type { ApiClient } from './apiclient.ts';

export const INTERNAL_REGISTRY = 'image-registry.openshift-image-registry.svc:5000';

const IS_BASE = '/apis/image.openshift.io/v1';

export interface TagEvent {
  created: string;
  dockerImageReference: string;
  image: string;
  generation: number;
}

export interface StreamTag {
  tag: string;
  items: TagEvent[];
}

function streamPath(ns: string, name: string): string {
  return `${IS_BASE}/namespaces/${encodeURIComponent(ns)}/imagestreams/${encodeURIComponent(name)}`;
}

export type RecordResult = { ok: true } | { ok: false; reason: 'namespace-missing' | 'denied' | 'error'; message: string };

export class ImageStreams {
  constructor(
    private readonly api: ApiClient,
    private readonly registryToken: string,
  ) {}

  async get(ns: string, name: string): Promise<any | undefined> {
    const res = await this.api.request('GET', streamPath(ns, name), this.registryToken);
    if (res.status === 200) return res.body;
    if (res.status === 404) return undefined;
    throw new Error(`get imagestream ${ns}/${name}: HTTP ${res.status}`);
  }

  /**
   * Records a pushed manifest as the real registry does: POST an ImageStreamMapping with the registry's
   * own token; openshift-apiserver creates the Image and the stream if needed and moves the tag.
   */
  async recordTag(ns: string, name: string, tag: string, digest: string, mediaType?: string): Promise<RecordResult> {
    const image: Record<string, unknown> = {
      metadata: { name: digest, annotations: { 'openshift.io/image.managed': 'true' } },
      dockerImageReference: `${INTERNAL_REGISTRY}/${ns}/${name}@${digest}`,
    };
    if (mediaType) image.dockerImageManifestMediaType = mediaType;
    const res = await this.api.request('POST', `${IS_BASE}/namespaces/${encodeURIComponent(ns)}/imagestreammappings`, this.registryToken, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamMapping',
      metadata: { name, namespace: ns },
      image,
      tag,
    });
    if (res.status === 201 || res.status === 200) return { ok: true };
    const message = String(res.body?.message ?? `create imagestreammapping: HTTP ${res.status}`);
    if (res.status === 404 && res.body?.details?.kind === 'namespaces') return { ok: false, reason: 'namespace-missing', message };
    if (res.status === 401 || res.status === 403) return { ok: false, reason: 'denied', message };
    return { ok: false, reason: 'error', message };
  }

  /** The digest the stream's tag points at now, undefined when the stream or tag does not exist. */
  async resolveTag(ns: string, name: string, tag: string): Promise<{ stream: boolean; digest?: string }> {
    const stream = await this.get(ns, name);
    if (!stream) return { stream: false };
    const t = (stream.status?.tags as StreamTag[] | undefined)?.find((x) => x.tag === tag);
    return { stream: true, digest: t?.items?.[0]?.image };
  }

  async tagNames(ns: string, name: string): Promise<string[] | undefined> {
    const stream = await this.get(ns, name);
    if (!stream) return undefined;
    return ((stream.status?.tags as StreamTag[] | undefined) ?? []).filter((t) => t.items?.length).map((t) => t.tag).sort();
  }

  /** Tags of ns/name whose history references digest. */
  async tagsReferencing(ns: string, name: string, digest: string): Promise<string[]> {
    const stream = await this.get(ns, name);
    if (!stream) return [];
    return ((stream.status?.tags as StreamTag[] | undefined) ?? []).filter((t) => t.items?.some((i) => i.image === digest)).map((t) => t.tag);
  }

  /** All `<ns>/<name>` across namespaces, listed with the caller's token, sorted. */
  async listAll(token: string): Promise<{ ok: true; names: string[] } | { ok: false; status: number; message: string }> {
    const names: string[] = [];
    let cont: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const q = new URLSearchParams({ limit: '500' });
      if (cont) q.set('continue', cont);
      const res = await this.api.request('GET', `${IS_BASE}/imagestreams?${q}`, token || undefined);
      if (res.status !== 200) return { ok: false, status: res.status, message: String(res.body?.message ?? `HTTP ${res.status}`) };
      for (const it of res.body?.items ?? []) names.push(`${it.metadata?.namespace}/${it.metadata?.name}`);
      cont = res.body?.metadata?.continue || undefined;
      if (!cont) break;
    }
    names.sort();
    return { ok: true, names };
  }
}
