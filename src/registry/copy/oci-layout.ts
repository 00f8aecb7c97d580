// The OCI image layout (image-spec image-layout.md) as skopeo's oci: transport reads and writes it: oci-layout,
// index.json whose entries carry org.opencontainers.image.ref.name, blobs/<alg>/<hex>. Blobs are written to a
// temporary file and renamed once their digest is verified, so an interrupted copy leaves no wrong blob and a
// re-run skips the ones already there; index.json is written last.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { RegctlError, UsageError, NotFoundError } from '../../errors.js';
import { readFileCapped } from '../../input/read.js';
import { classifyManifest, sha256 } from '../content.js';
import type { BlobRef, ImageDest, ImageSource, Manifest } from './types.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_MANIFEST = 4 << 20;

interface IndexJson {
  schemaVersion: number;
  mediaType?: string;
  manifests: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: unknown }>;
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-f0-9]+$/.test(hex) || !/^[a-z0-9]+$/.test(alg)) throw new RegctlError(`invalid digest "${digest}" in ${dir}`);
  return path.join(dir, 'blobs', alg, hex);
}

async function readIndex(dir: string): Promise<IndexJson> {
  const file = path.join(dir, 'index.json');
  if (!fs.existsSync(path.join(dir, 'oci-layout')) || !fs.existsSync(file)) {
    throw new NotFoundError(`${dir} is not an OCI image layout (no oci-layout/index.json)`, { hint: 'give the directory `skopeo copy … oci:DIR` or `podman save --format oci-dir` wrote' });
  }
  const raw = readFileCapped(file, 'value');
  try {
    const idx = JSON.parse(raw.toString('utf8')) as IndexJson;
    if (!Array.isArray(idx.manifests)) throw new Error('no manifests');
    return idx;
  } catch {
    throw new RegctlError(`${file} is not a valid OCI index`, { hint: 'the layout is damaged; write it again' });
  }
}

async function readManifestBlob(dir: string, digest: string, mediaType?: string): Promise<Manifest> {
  const p = blobPath(dir, digest);
  const st = await fs.promises.stat(p).catch(() => undefined);
  if (!st) throw new NotFoundError(`${dir} has no blob ${digest}`, { hint: 'the layout is incomplete; write it again' });
  if (st.size > MAX_MANIFEST) throw new RegctlError(`the manifest ${digest} in ${dir} is larger than 4 MiB`);
  const raw = await fs.promises.readFile(p);
  if (sha256(raw) !== digest) throw new RegctlError(`the manifest ${digest} in ${dir} does not match its digest`, { hint: 'the layout is damaged; write it again' });
  let json: any;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RegctlError(`the manifest ${digest} in ${dir} is not JSON`);
  }
  const c = classifyManifest(json, mediaType);
  return { raw, digest, json, mediaType: c.mediaType, kind: c.kind };
}

export class OciLayoutSource implements ImageSource {
  readonly name: string;
  private index?: Promise<IndexJson>;
  constructor(readonly dir: string) {
    this.name = `oci:${dir}`;
  }

  private readIndex(): Promise<IndexJson> {
    return (this.index ??= readIndex(this.dir));
  }

  async tags(): Promise<string[]> {
    const idx = await this.readIndex();
    return [...new Set(idx.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => Boolean(t)))];
  }

  async manifest(ref: string | undefined): Promise<Manifest> {
    const idx = await this.readIndex();
    let entry;
    // By digest: an index.json entry, or a manifest an index in the layout names (a blob).
    if (ref && /^sha(256|512):/.test(ref)) return readManifestBlob(this.dir, ref, idx.manifests.find((m) => m.digest === ref)?.mediaType);
    if (ref) entry = idx.manifests.find((m) => m.annotations?.[REF_NAME] === ref);
    else if (idx.manifests.length === 1) entry = idx.manifests[0];
    else throw new UsageError(`${this.dir} holds ${idx.manifests.length} images: name one`, `give oci:${this.dir}:TAG (tags: ${(await this.tags()).join(', ') || 'none'}), or --all-tags`);
    if (!entry) throw new NotFoundError(`${this.dir} has no image ${ref}`, { hint: `tags in it: ${(await this.tags()).join(', ') || 'none'}` });
    return readManifestBlob(this.dir, entry.digest, entry.mediaType);
  }

  async blob(b: BlobRef): Promise<Readable> {
    const p = blobPath(this.dir, b.digest);
    if (!fs.existsSync(p)) throw new NotFoundError(`${this.dir} has no blob ${b.digest}`, { hint: 'the layout is incomplete; write it again' });
    return fs.createReadStream(p, { highWaterMark: 256 << 10 });
  }
}

export class OciLayoutDest implements ImageDest {
  readonly name: string;
  private readonly entries: IndexJson['manifests'] = [];

  constructor(readonly dir: string) {
    this.name = `oci:${dir}`;
  }

  private async ensureLayout(): Promise<void> {
    await fs.promises.mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    const layout = path.join(this.dir, 'oci-layout');
    if (!fs.existsSync(layout)) await fs.promises.writeFile(layout, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  async hasBlob(b: BlobRef): Promise<boolean> {
    const st = await fs.promises.stat(blobPath(this.dir, b.digest)).catch(() => undefined);
    return Boolean(st && st.size === b.size);
  }

  async putBlob(b: BlobRef, body: Readable, signal: AbortSignal): Promise<void> {
    await this.ensureLayout();
    const final = blobPath(this.dir, b.digest);
    await fs.promises.mkdir(path.dirname(final), { recursive: true });
    const tmp = `${final}.${process.pid}.partial`;
    try {
      await pipeline(body, fs.createWriteStream(tmp), { signal });
      await fs.promises.rename(tmp, final);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  async manifestDigest(ref: string): Promise<string | undefined> {
    if (!fs.existsSync(path.join(this.dir, 'index.json'))) return undefined;
    const idx = await readIndex(this.dir);
    if (ref.startsWith('sha256:')) return fs.existsSync(blobPath(this.dir, ref)) ? ref : undefined;
    return idx.manifests.find((m) => m.annotations?.[REF_NAME] === ref)?.digest;
  }

  async putManifest(m: Manifest, tag: string | undefined): Promise<void> {
    await this.ensureLayout();
    const p = blobPath(this.dir, m.digest);
    if (!fs.existsSync(p)) {
      await fs.promises.writeFile(`${p}.partial`, m.raw);
      await fs.promises.rename(`${p}.partial`, p);
    }
    if (tag !== undefined) this.entries.push({ mediaType: m.mediaType, digest: m.digest, size: m.raw.length, annotations: { [REF_NAME]: tag } });
  }

  async finish(): Promise<void> {
    if (!this.entries.length) return;
    await this.ensureLayout();
    const file = path.join(this.dir, 'index.json');
    const idx: IndexJson = fs.existsSync(file) ? await readIndex(this.dir) : { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
    const names = new Set(this.entries.map((e) => e.annotations![REF_NAME]));
    idx.manifests = [...idx.manifests.filter((m) => !names.has(m.annotations?.[REF_NAME] ?? '\0')), ...this.entries];
    await fs.promises.writeFile(`${file}.partial`, JSON.stringify(idx));
    await fs.promises.rename(`${file}.partial`, file);
  }
}
