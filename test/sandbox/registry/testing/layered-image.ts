// Images with several layers that other images can share (same layer content → same blob): for tests of
// layer sizes, shared blobs and storage use. Layers are gzip'd tars of one file of random or given bytes.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256, tar, type Blob, type TestImage } from './image.ts';

/** A layer blob holding one file; `bytes` random bytes (incompressible, so the blob is about that big). */
export function layerBlob(name: string, bytes: number): Blob & { diffId: string } {
  const t = tar({ [name]: randomBytes(bytes) });
  const data = gzipSync(t, { level: 1 });
  return { digest: sha256(data), data, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', diffId: sha256(t) };
}

/** A schema 2 image of these layers (bottom first); `label` makes its config (and so its digest) unique. */
export function layeredImage(layers: Array<Blob & { diffId: string }>, label: string): TestImage {
  const configData = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      config: { Cmd: ['/bin/sh'], Labels: { test: label } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: '2026-01-02T03:04:05Z', created_by: `layered ${label}` })),
    }),
  );
  const config: Blob = { digest: sha256(configData), data: configData, mediaType: 'application/vnd.docker.container.image.v1+json' };
  const manifestMediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: config.mediaType, size: config.data.length, digest: config.digest },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.data.length, digest: l.digest })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), manifestMediaType, config, layers };
}

const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** An OCI image of these layers for one architecture (layers re-typed as OCI layers, same bytes). */
export function ociImage(layers: Array<Blob & { diffId: string }>, label: string, architecture: string): TestImage {
  const configData = Buffer.from(
    JSON.stringify({ architecture, os: 'linux', created: '2026-01-02T03:04:05Z', config: { Labels: { test: label } }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
  );
  const config: Blob = { digest: sha256(configData), data: configData, mediaType: 'application/vnd.oci.image.config.v1+json' };
  const manifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
  const ociLayers = layers.map((l) => ({ ...l, mediaType: OCI_LAYER }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: config.mediaType, size: config.data.length, digest: config.digest },
      layers: ociLayers.map((l) => ({ mediaType: l.mediaType, size: l.data.length, digest: l.digest })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), manifestMediaType, config, layers: ociLayers };
}

/** An OCI image layout (for `skopeo copy --all oci:DIR:REF`) holding one image index of these per-architecture images. */
export async function writeOciIndexLayout(dir: string, ref: string, images: Array<{ image: TestImage; architecture: string }>): Promise<{ index: Buffer; indexDigest: string }> {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map(({ image, architecture }) => ({ mediaType: image.manifestMediaType, size: image.manifest.length, digest: image.manifestDigest, platform: { architecture, os: 'linux' } })),
    }),
  );
  const indexDigest = sha256(index);
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = (digest: string, data: Buffer) => writeFile(path.join(blobs, digest.slice('sha256:'.length)), data);
  for (const { image } of images) {
    await put(image.manifestDigest, image.manifest);
    for (const b of [image.config, ...image.layers]) await put(b.digest, b.data);
  }
  await put(indexDigest, index);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', size: index.length, digest: indexDigest, annotations: { 'org.opencontainers.image.ref.name': ref } }] }),
  );
  return { index, indexDigest };
}
