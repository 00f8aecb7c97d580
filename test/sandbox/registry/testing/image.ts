// Builds a tiny container image (one gzip layer) in memory, and writes it as a skopeo `dir:` directory.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export interface TestImage {
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: Blob;
  layers: Blob[];
}

export const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A ustar archive holding the given files. */
export function tar(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('14000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A one-layer image; `config` fields replace the default config's (e.g. another os), `file` names the one file. */
export function buildImage(content = 'hello from the sandbox\n', o: { file?: string; config?: Record<string, unknown> } = {}): TestImage {
  const layerTar = tar({ [o.file ?? 'hello.txt']: content });
  const layerData = gzipSync(layerTar);
  const layer: Blob = { digest: sha256(layerData), data: layerData, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' };
  const configData = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'regctl sandbox test' }],
      ...o.config,
    }),
  );
  const config: Blob = { digest: sha256(configData), data: configData, mediaType: 'application/vnd.docker.container.image.v1+json' };
  const manifestMediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: config.mediaType, size: config.data.length, digest: config.digest },
      layers: [{ mediaType: layer.mediaType, size: layer.data.length, digest: layer.digest }],
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), manifestMediaType, config, layers: [layer] };
}

/** skopeo's dir: transport layout. */
export async function writeDirImage(dir: string, img: TestImage): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  await writeFile(path.join(dir, 'manifest.json'), img.manifest);
  for (const b of [img.config, ...img.layers]) await writeFile(path.join(dir, b.digest.slice('sha256:'.length)), b.data);
}
