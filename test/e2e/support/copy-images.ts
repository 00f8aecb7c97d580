// Small deterministic images for the copy e2e files and bench: an OCI layout with one image of N gzip layers, and
// the same image as a docker archive (`docker save` layout: manifest.json, <hex>.json, <id>/layer.tar).
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256, tar } from '../../sandbox/registry/testing/image.ts';

export interface BuiltImage {
  manifestDigest: string;
  manifest: Buffer;
  configDigest: string;
  layers: Array<{ digest: string; size: number }>;
}

/** Pseudo-random (incompressible, reproducible) bytes from a seed: an AES-CTR key stream. */
export function noise(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

function layerFiles(seed: string, layers: number, layerBytes: number): Buffer[] {
  return Array.from({ length: layers }, (_, i) => tar({ [`layer-${i}.bin`]: noise(`${seed}/${i}`, layerBytes) }));
}

/** An OCI layout at dir with one image tagged `tag` (layers gzip-compressed at level 1: fast, same bytes every run). */
export function writeOciImage(dir: string, seed: string, o: { tag?: string; layers?: number; layerBytes?: number; gzip?: boolean } = {}): BuiltImage {
  const tars = layerFiles(seed, o.layers ?? 2, o.layerBytes ?? 4096);
  const compress = o.gzip !== false;
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => (blobs.set(sha256(b), b), sha256(b));
  const gz = tars.map((t) => (compress ? gzipSync(t, { level: 1 }) : t));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', config: { Labels: { seed } }, rootfs: { type: 'layers', diff_ids: tars.map(sha256) } }));
  const layers = gz.map((g) => ({ digest: put(g), size: g.length }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: compress ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar', ...l })),
    }),
  );
  const manifestDigest = put(manifest);
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const [d, b] of blobs) fs.writeFileSync(path.join(dir, 'blobs', 'sha256', d.slice(7)), b);
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const idxFile = path.join(dir, 'index.json');
  const idx = fs.existsSync(idxFile) ? JSON.parse(fs.readFileSync(idxFile, 'utf8')) : { schemaVersion: 2, manifests: [] };
  idx.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': o.tag ?? 'latest' } });
  fs.writeFileSync(idxFile, JSON.stringify(idx));
  return { manifestDigest, manifest, configDigest: sha256(config), layers };
}

/** A docker archive as `docker save` writes it (legacy layout, uncompressed layers). */
export function writeDockerArchive(file: string, seed: string, o: { repoTag?: string; layers?: number; layerBytes?: number } = {}): { configDigest: string; layers: Array<{ digest: string; size: number }> } {
  const tars = layerFiles(seed, o.layers ?? 2, o.layerBytes ?? 4096);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', config: { Labels: { seed } }, rootfs: { type: 'layers', diff_ids: tars.map(sha256) } }));
  const configDigest = sha256(config);
  const files: Record<string, Buffer> = { [`${configDigest.slice(7)}.json`]: config };
  const names = tars.map((t, i) => {
    const id = createHash('sha256').update(`${seed}-${i}`).digest('hex');
    files[`${id}/layer.tar`] = t;
    return `${id}/layer.tar`;
  });
  files['manifest.json'] = Buffer.from(JSON.stringify([{ Config: `${configDigest.slice(7)}.json`, RepoTags: [o.repoTag ?? 'localhost/app:latest'], Layers: names }]));
  fs.writeFileSync(file, tar(files));
  return { configDigest, layers: tars.map((t) => ({ digest: sha256(t), size: t.length })) };
}
