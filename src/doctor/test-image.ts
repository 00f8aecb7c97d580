// The doctor's tiny test image, built in memory: one gzip layer holding one small file, an image config and
// a Docker schema 2 manifest (what every OpenShift registry version accepts).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tar } from './tar.js';

export const TEST_STREAM = 'regctl-doctor';

export const MEDIA = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export interface TestImage {
  layer: Blob;
  config: Blob;
  manifest: Blob;
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const blob = (data: Buffer, mediaType: string): Blob => ({ data, mediaType, digest: sha256(data) });

export function buildTestImage(nonce: string, now = new Date()): TestImage {
  const mtime = Math.floor(now.getTime() / 1000);
  const layerTar = tar([{ name: 'regctl-doctor.txt', data: `pushed by regctl doctor (${nonce}) at ${now.toISOString()}\n`, mtime }]);
  const layer = blob(gzipSync(layerTar), MEDIA.layer);
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: now.toISOString(),
        config: { Labels: { 'io.openshift.regctl.doctor': nonce }, Cmd: ['/regctl-doctor.txt'] },
        rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
        history: [{ created: now.toISOString(), created_by: 'regctl doctor --push-test' }],
      }),
    ),
    MEDIA.config,
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.manifest,
        config: { mediaType: config.mediaType, size: config.data.length, digest: config.digest },
        layers: [{ mediaType: layer.mediaType, size: layer.data.length, digest: layer.digest }],
      }),
    ),
    MEDIA.manifest,
  );
  return { layer, config, manifest };
}
