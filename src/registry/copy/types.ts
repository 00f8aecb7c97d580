// The pieces `regctl copy` moves between transports: descriptors, manifests, and the source/destination shape
// every transport (registry, OCI layout, docker archive) implements.
import type { Readable } from 'node:stream';

export interface BlobRef {
  digest: string;
  size: number;
  mediaType?: string;
}

export interface Manifest {
  raw: Buffer;
  mediaType: string;
  /** sha256 of raw. */
  digest: string;
  json: any;
  kind: 'image' | 'index' | 'schema1';
}

export interface ImageSource {
  /** For messages: oci:DIR, HOST/REPO, docker-archive:FILE. */
  readonly name: string;
  /** The tags (or OCI ref names) the source holds, for --all-tags. */
  tags(): Promise<string[]>;
  /** The manifest behind a tag or digest (undefined ref: the only/default image). */
  manifest(ref: string | undefined): Promise<Manifest>;
  /** The blob's bytes as a stream (verified by the caller while it flows). */
  blob(b: BlobRef, signal: AbortSignal): Promise<Readable>;
  /** Where a registry source lives, for a cross-repository mount inside one registry. */
  readonly registry?: { host: string; repo: string; sessionKey: string };
  close?(): Promise<void>;
}

/** How an image was judged up to date: the destination's own answer, or the image stream this cluster's registry serves the tag from. */
export type UpToDatePer = 'destination' | 'image-stream';

/** What planning asks of a destination. */
export type DestView = Pick<ImageDest, 'name' | 'manifestDigest' | 'digestSource'>;

export interface ImageDest {
  readonly name: string;
  readonly registry?: { host: string; repo: string; sessionKey: string };
  /** True when the destination already holds the blob (HEAD first). */
  hasBlob(b: BlobRef, signal: AbortSignal): Promise<boolean>;
  /** Cross-repository mount inside one registry; false when the registry started an upload instead. */
  mount?(b: BlobRef, fromRepo: string, signal: AbortSignal): Promise<boolean>;
  /** Stores a blob from a stream; the stream is verified against b.digest while it flows. */
  putBlob(b: BlobRef, body: Readable, signal: AbortSignal): Promise<void>;
  /** The digest the destination has under this tag (or digest), if any. */
  manifestDigest(ref: string, signal: AbortSignal): Promise<string | undefined>;
  /** Where manifestDigest read ref's answer, when not from the destination itself (this cluster's image stream). */
  digestSource?(ref: string): 'image-stream' | undefined;
  /** Stores a manifest by digest (tag undefined) or under a tag. */
  putManifest(m: Manifest, tag: string | undefined, signal: AbortSignal): Promise<void>;
  /** Writes what must be written last (index.json, the archive's manifest.json). */
  finish?(): Promise<void>;
  close?(): Promise<void>;
}
