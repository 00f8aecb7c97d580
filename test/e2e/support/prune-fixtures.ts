// Objects for the prune tests, written straight into the store (store.restore keeps their creation times, as an
// etcd restore would): Images shaped as the registry and openshift-apiserver store pushed ones, streams with tag
// histories, and workloads that reference images.
import { createHash } from 'node:crypto';
import type { KubeObject, Store } from '../../sandbox/types.ts';

export const REG = 'image-registry.openshift-image-registry.svc:5000';
export const OLD = '2025-01-01T00:00:00Z';
export const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** An image with one base layer (shared by all), one own layer and a config. */
export function image(name: string, o: { repo: string; created?: string; managed?: boolean; own?: number; base?: number }): KubeObject {
  const d = digest(name);
  const layers = [
    { name: digest('base-layer'), size: o.base ?? 1000, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' },
    { name: digest(`${name}-layer`), size: o.own ?? 5000, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' },
  ];
  const config = 300;
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: { name: d, creationTimestamp: o.created ?? OLD, annotations: o.managed === false ? {} : { 'openshift.io/image.managed': 'true' } },
    dockerImageReference: `${REG}/${o.repo}@${d}`,
    dockerImageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerImageMetadata: { kind: 'DockerImage', apiVersion: '1.0', Id: digest(`${name}-config`), Size: config + layers.reduce((n, l) => n + l.size, 0) },
    dockerImageMetadataVersion: '1.0',
    dockerImageLayers: layers,
  } as KubeObject;
}

export function stream(ns: string, name: string, tags: Record<string, string[]>, created = OLD): KubeObject {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name, namespace: ns, creationTimestamp: created },
    spec: { lookupPolicy: { local: false } },
    status: {
      dockerImageRepository: `${REG}/${ns}/${name}`,
      tags: Object.entries(tags).map(([tag, names]) => ({
        tag,
        items: names.map((n) => ({ created: OLD, dockerImageReference: `${REG}/${ns}/${name}@${digest(n)}`, image: digest(n), generation: 1 })),
      })),
    },
  } as KubeObject;
}

const podSpec = (image: string) => ({ containers: [{ name: 'main', image }] });

export function pod(ns: string, name: string, image: string, phase = 'Running'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, creationTimestamp: OLD }, spec: podSpec(image), status: { phase } } as KubeObject;
}

export function cronJob(ns: string, name: string, image: string): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns, creationTimestamp: OLD },
    spec: { schedule: '0 0 * * *', suspend: true, jobTemplate: { spec: { template: { spec: { ...podSpec(image), restartPolicy: 'Never' } } } } },
  } as KubeObject;
}

export function deployment(ns: string, name: string, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, creationTimestamp: OLD },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(image) } },
  } as KubeObject;
}

export function restore(store: Store, key: string, objs: KubeObject[]): void {
  store.restore(key as any, objs);
}

/** A one-layer image whose layer is `bytes` of random data (incompressible: stored at that size). */
export async function pushRandom(env: { tmp: string; host: string; certsDir: string; skopeo(args: string[]): Promise<{ ok: boolean; stderr: string }> }, ref: string, bytes: number): Promise<{ digest: string; layer: string }> {
  const { randomBytes } = await import('node:crypto');
  const path = await import('node:path');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { sha256 } = await import('../../sandbox/registry/testing/image.ts');
  const layer = randomBytes(bytes);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: layer.length, digest: sha256(layer) }],
  }));
  const dir = path.join(env.tmp, `img-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  await writeFile(path.join(dir, 'manifest.json'), manifest);
  await writeFile(path.join(dir, sha256(config).slice(7)), config);
  await writeFile(path.join(dir, sha256(layer).slice(7)), layer);
  const r = await env.skopeo(['copy', '--preserve-digests', '--dest-cert-dir', path.join(env.certsDir, env.host), `dir:${dir}`, `docker://${env.host}/${ref}`]);
  if (!r.ok) throw new Error(`skopeo push of ${ref} failed: ${r.stderr}`);
  return { digest: sha256(manifest), layer: sha256(layer) };
}
