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

export type RecordResult = { ok: true } | { ok: false; reason: 'forbidden' | 'error'; message: string };

/** image-registry's rerrors text: `CODE: message: cause`. */
const rerr = (code: string, message: string, cause: string): string => `ImageStream:${code}: ${message}: ${cause}`;

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

  private createMapping(ns: string, name: string, tag: string, image: Record<string, unknown>) {
    return this.api.request('POST', `${IS_BASE}/namespaces/${encodeURIComponent(ns)}/imagestreammappings`, this.registryToken, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamMapping',
      metadata: { name, namespace: ns },
      image,
      tag,
    });
  }

  /**
   * Records a pushed manifest as the real registry does (image-registry pkg/imagestream CreateImageStreamMapping):
   * POST an ImageStreamMapping with the registry's own token. openshift-apiserver never creates a missing stream:
   * on its NotFound (kind imagestreammappings) the stream is created with the PUSHING USER's token (`userToken`,
   * '' = anonymous) and the mapping posted once more. 'forbidden' becomes 403 DENIED, 'error' 500 UNKNOWN.
   * `image` is what manifestService.Put sends (pushed-image.ts).
   */
  async recordTag(ns: string, name: string, tag: string, image: Record<string, unknown>, userToken: string): Promise<RecordResult> {
    const reference = `${ns}/${name}`;
    const first = await this.createMapping(ns, name, tag, image);
    if (first.status === 201 || first.status === 200) return { ok: true };
    const status = first.body?.kind === 'Status' ? first.body : undefined;
    const message = String(status?.message ?? `HTTP ${first.status}`);
    if (!status) return { ok: false, reason: 'error', message: rerr('Unknown', `CreateImageStreamMapping: error creating ${reference} ImageStreamMapping`, message) };
    if (first.status === 404 && String(status.details?.kind ?? '').toLowerCase() === 'namespaces') {
      return { ok: false, reason: 'forbidden', message: rerr('Forbidden', `CreateImageStreamMapping: error creating ${reference} ImageStreamMapping`, message) };
    }
    if (first.status !== 404 || status.details?.kind !== 'imagestreammappings' || status.details?.name !== name) {
      return { ok: false, reason: 'error', message: rerr('Unknown', `CreateImageStreamMapping: error creation of ${reference} ImageStreamMapping`, message) };
    }

    const created = await this.api.request('POST', `${IS_BASE}/namespaces/${encodeURIComponent(ns)}/imagestreams`, userToken || undefined, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name },
    });
    const createdMessage = String(created.body?.message ?? `HTTP ${created.status}`);
    if (created.status === 401 || created.status === 403) {
      return { ok: false, reason: 'forbidden', message: rerr('Forbidden', `CreateImageStreamMapping: denied creating ImageStream ${reference}`, createdMessage) };
    }
    if (created.status !== 201 && created.status !== 200 && created.status !== 409) {
      return { ok: false, reason: 'error', message: rerr('Unknown', `CreateImageStreamMapping: error auto provisioning ImageStream ${reference}`, createdMessage) };
    }

    const second = await this.createMapping(ns, name, tag, image);
    if (second.status === 201 || second.status === 200) return { ok: true };
    return { ok: false, reason: 'error', message: rerr('Unknown', `CreateImageStreamMapping: error creating ${reference} ImageStreamMapping second time`, String(second.body?.message ?? `HTTP ${second.status}`)) };
  }

  /**
   * A manifest pushed by digest (no tag): manifestService.Put creates the Image alone, with the registry's own
   * client; AlreadyExists is success. No stream is touched.
   */
  async createImage(image: Record<string, unknown>): Promise<RecordResult> {
    const res = await this.api.request('POST', `${IS_BASE}/images`, this.registryToken, { apiVersion: 'image.openshift.io/v1', kind: 'Image', ...image });
    if (res.status === 201 || res.status === 200 || res.status === 409) return { ok: true };
    return { ok: false, reason: 'error', message: String(res.body?.message ?? `HTTP ${res.status}`) };
  }

  /** The digest the stream's tag points at now, undefined when the stream or tag does not exist. */
  async resolveTag(ns: string, name: string, tag: string): Promise<{ stream: boolean; digest?: string }> {
    const stream = await this.get(ns, name);
    if (!stream) return { stream: false };
    const t = (stream.status?.tags as StreamTag[] | undefined)?.find((x) => x.tag === tag);
    return { stream: true, digest: t?.items?.[0]?.image };
  }

  /** Tags with at least one image, in status order (the front puts them in Go map order, see tags-list.ts). */
  async tagNames(ns: string, name: string): Promise<string[] | undefined> {
    const stream = await this.get(ns, name);
    if (!stream) return undefined;
    return ((stream.status?.tags as StreamTag[] | undefined) ?? []).filter((t) => t.items?.length).map((t) => t.tag);
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
