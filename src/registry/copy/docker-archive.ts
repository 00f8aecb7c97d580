// docker-archive: as `docker save` and `podman save` write it (moby image/spec, "docker save" format):
// manifest.json [{Config, RepoTags, Layers}], the config JSON and the layer tars (legacy `<id>/layer.tar`,
// podman's `<hex>.tar`, or docker 25's `blobs/sha256/<hex>`). Read from an index of the tar, each entry
// streamed as a file range; the registry manifest is made here (uncompressed layers, as in the archive).
// Written sequentially (one entry after the other), manifest.json last, to FILE.partial renamed at the end.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { RegctlError, NotFoundError, UsageError } from '../../errors.js';
import { MEDIA } from '../content.js';
import { indexTar, padding, tarHeader, type TarEntry } from './tar.js';
import type { BlobRef, ImageDest, ImageSource, Manifest } from './types.js';

const LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const MAX_META = 8 << 20;

interface ArchiveImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function readEntry(file: string, e: TarEntry): Promise<Buffer> {
  if (e.size > MAX_META) throw new RegctlError(`${file}: ${e.name} is larger than 8 MiB`, { hint: 'this does not look like a docker archive' });
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(e.size);
    await fh.read(b, 0, e.size, e.offset);
    return b;
  } finally {
    await fh.close();
  }
}

async function hashRange(file: string, e: TarEntry): Promise<{ digest: string; gzip: boolean }> {
  const h = createHash('sha256');
  let first: Buffer | undefined;
  if (e.size === 0) return { digest: `sha256:${h.digest('hex')}`, gzip: false };
  for await (const chunk of fs.createReadStream(file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 })) {
    first ??= chunk as Buffer;
    h.update(chunk as Buffer);
  }
  return { digest: `sha256:${h.digest('hex')}`, gzip: Boolean(first && first[0] === 0x1f && first[1] === 0x8b) };
}

export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  private entries?: Map<string, TarEntry>;
  private readonly blobs = new Map<string, TarEntry>();
  private made?: { manifest: Manifest; tags: string[] };

  constructor(readonly file: string) {
    this.name = `docker-archive:${file}`;
  }

  private async build(): Promise<{ manifest: Manifest; tags: string[] }> {
    if (this.made) return this.made;
    if (!fs.existsSync(this.file)) throw new NotFoundError(`${this.file} does not exist`, { hint: 'give the file `podman save -o FILE IMAGE` or `docker save -o FILE IMAGE` wrote' });
    this.entries = await indexTar(this.file);
    const mf = this.entries.get('manifest.json');
    if (!mf) throw new UsageError(`${this.file} is not a docker archive (no manifest.json)`, 'write it with `podman save -o FILE IMAGE` (docker-archive format) or `docker save -o FILE IMAGE`');
    let images: ArchiveImage[];
    try {
      images = JSON.parse((await readEntry(this.file, mf)).toString('utf8'));
      if (!Array.isArray(images) || !images[0]?.Config || !Array.isArray(images[0].Layers)) throw new Error('shape');
    } catch {
      throw new RegctlError(`${this.file}: manifest.json is not a docker archive manifest`, { hint: 'write it again with `podman save` or `docker save`' });
    }
    if (images.length > 1) throw new UsageError(`${this.file} holds ${images.length} images; regctl copies archives with one`, 'save one image per archive: `podman save -o FILE IMAGE`');
    const img = images[0]!;
    const entry = (name: string) => {
      const e = this.entries!.get(name.replace(/^\.\//, ''));
      if (!e) throw new RegctlError(`${this.file}: ${name} is missing from the archive`, { hint: 'the archive is incomplete; save it again' });
      return e;
    };
    const cfgEntry = entry(img.Config);
    const config = await readEntry(this.file, cfgEntry);
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    this.blobs.set(configDigest, cfgEntry);
    const layers: BlobRef[] = [];
    for (const name of img.Layers) {
      const e = entry(name);
      const { digest, gzip } = await hashRange(this.file, e);
      this.blobs.set(digest, e);
      layers.push({ mediaType: gzip ? LAYER_GZIP : LAYER_TAR, size: e.size, digest });
    }
    const raw = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerManifest,
        config: { mediaType: MEDIA.dockerConfig, size: config.length, digest: configDigest },
        layers,
      }),
    );
    const json = JSON.parse(raw.toString('utf8'));
    const manifest: Manifest = { raw, json, mediaType: MEDIA.dockerManifest, kind: 'image', digest: `sha256:${createHash('sha256').update(raw).digest('hex')}` };
    this.made = { manifest, tags: (img.RepoTags ?? []).map((t) => t.slice(t.lastIndexOf(':') + 1)).filter(Boolean) };
    return this.made;
  }

  async tags(): Promise<string[]> {
    return (await this.build()).tags;
  }

  async manifest(ref: string | undefined): Promise<Manifest> {
    const { manifest, tags } = await this.build();
    if (ref && ref !== manifest.digest && !tags.includes(ref)) throw new NotFoundError(`${this.file} has no image tagged ${ref}`, { hint: `its tags: ${tags.join(', ') || 'none'}` });
    return manifest;
  }

  async blob(b: BlobRef): Promise<Readable> {
    await this.build();
    const e = this.blobs.get(b.digest);
    if (!e) throw new NotFoundError(`${this.file} has no blob ${b.digest}`);
    if (e.size === 0) return fs.createReadStream('/dev/null');
    return fs.createReadStream(this.file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 256 << 10 });
  }
}

/** Writes one image as `podman save` does: `<hex>.tar` layers, `<hex>.json` config, manifest.json last. */
export class DockerArchiveDest implements ImageDest {
  readonly name: string;
  private out?: fs.WriteStream;
  private queue: Promise<void> = Promise.resolve();
  private readonly written = new Set<string>();
  private image?: { config: string; layers: string[]; tags: string[] };

  constructor(
    readonly file: string,
    private readonly repoTag: string | undefined,
  ) {
    this.name = `docker-archive:${file}`;
  }

  private finished = false;

  /** Written as FILE.partial and renamed when complete: an interrupted copy leaves no half archive under FILE. */
  private stream(): fs.WriteStream {
    this.out ??= fs.createWriteStream(`${this.file}.partial`, { flags: 'w' });
    return this.out;
  }

  private async write(b: Buffer | Readable, signal?: AbortSignal): Promise<void> {
    const out = this.stream();
    if (Buffer.isBuffer(b)) {
      if (!out.write(b)) await once(out, 'drain');
      return;
    }
    for await (const chunk of b) {
      if (signal?.aborted) throw signal.reason;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }

  async hasBlob(b: BlobRef): Promise<boolean> {
    return this.written.has(b.digest);
  }

  putBlob(b: BlobRef, body: Readable, signal: AbortSignal): Promise<void> {
    // One entry after the other: a tar is sequential.
    const run = this.queue.then(async () => {
      const hex = b.digest.split(':')[1]!;
      const name = /config|container\.image/.test(b.mediaType ?? '') ? `${hex}.json` : `${hex}.tar`;
      await this.write(tarHeader(name, b.size), signal);
      await this.write(body, signal);
      await this.write(padding(b.size), signal);
      this.written.add(b.digest);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async manifestDigest(): Promise<string | undefined> {
    return undefined;
  }

  async putManifest(m: Manifest, tag: string | undefined): Promise<void> {
    if (m.kind !== 'image') throw new UsageError(`a docker archive holds one image, not an index`, 'choose one with --platform OS/ARCH');
    const hex = (d: string) => d.split(':')[1]!;
    this.image = {
      config: `${hex(m.json.config.digest)}.json`,
      layers: (m.json.layers as BlobRef[]).map((l) => `${hex(l.digest)}.tar`),
      tags: this.repoTag ? [this.repoTag.includes(':') ? this.repoTag : `${this.repoTag}:${tag ?? 'latest'}`] : [],
    };
  }

  async finish(): Promise<void> {
    await this.queue;
    if (!this.image) return;
    const mf = Buffer.from(JSON.stringify([{ Config: this.image.config, RepoTags: this.image.tags, Layers: this.image.layers }]));
    await this.write(tarHeader('manifest.json', mf.length));
    await this.write(mf);
    await this.write(padding(mf.length));
    await this.write(Buffer.alloc(1024));
    const out = this.stream();
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await fs.promises.rename(`${this.file}.partial`, this.file);
    this.finished = true;
  }

  async close(): Promise<void> {
    if (this.out && !this.out.closed) this.out.destroy();
    if (this.out && !this.finished) await fs.promises.rm(`${this.file}.partial`, { force: true });
  }
}
