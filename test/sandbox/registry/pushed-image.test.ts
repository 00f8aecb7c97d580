// A push through the sandbox registry stores the Image as openshift/image-registry + openshift-apiserver do: layers
// with their sizes in manifest order, dockerImageMetadata (Id = config digest, Size = config + distinct layers), the
// managed / manifestBlobStored / dockerLayersOrder annotations, no raw manifest or config. An image pushed into a
// second stream gets that stream's own reference in its tag event. The storage directory is exported for `du`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.ts';
import { writeDirImage } from './testing/image.ts';
import { layerBlob, layeredImage } from './testing/layered-image.ts';

const run = promisify(execFile);
const IS = 'image.openshift.io/imagestreams';
const IMG = 'image.openshift.io/images';
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';

describe('pushed images', () => {
  let sb: Sandbox;
  let tmp: string;
  const base = layerBlob('base.bin', 300_000);
  const app = layerBlob('app.bin', 40_000);
  const img = layeredImage([base, app], 'one');

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-pushed-image-test-'));
    sb = await startSandbox({ profile: 'aws' });
    const cfg = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')!;
    sb.store.update('imageregistry.operator.openshift.io/configs', { ...cfg, spec: { ...(cfg.spec as object), defaultRoute: true } });
    await sb.waitFor((s) => !!(s.get('route.openshift.io/routes', 'openshift-image-registry', 'default-route')?.status as any)?.ingress, 10_000);
    const certs = path.join(tmp, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    const auth = path.join(tmp, 'auth.json');
    fs.writeFileSync(auth, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`user:${sb.tokens.admin}`).toString('base64') } } }));
    await writeDirImage(path.join(tmp, 'src'), img);
    const env = { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    for (const dest of ['default/first:v1', 'default/second:v1']) {
      await run('skopeo', ['copy', '--dest-authfile', auth, '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, `docker://${sb.defaultRouteHost}/${dest}`], { env, timeout: 45_000 });
    }
  }, 60_000);
  afterAll(async () => {
    await sb?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the Image has the layers with their blob sizes, the metadata and the annotations, and no raw manifest', () => {
    const image = sb.store.get(IMG, undefined, img.manifestDigest) as any;
    expect(image).toBeDefined();
    expect(image.dockerImageLayers).toEqual([
      { name: base.digest, size: base.data.length, mediaType: base.mediaType },
      { name: app.digest, size: app.data.length, mediaType: app.mediaType },
    ]);
    expect(image.metadata.annotations).toEqual({
      'openshift.io/image.managed': 'true',
      'image.openshift.io/manifestBlobStored': 'true',
      'image.openshift.io/dockerLayersOrder': 'ascending',
    });
    expect(image.dockerImageManifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(image.dockerImageMetadataVersion).toBe('1.0');
    expect(image.dockerImageMetadata).toMatchObject({
      kind: 'DockerImage',
      apiVersion: '1.0',
      Id: img.config.digest,
      Created: '2026-01-02T03:04:05Z',
      Architecture: 'amd64',
      Config: { Cmd: ['/bin/sh'], Labels: { test: 'one' } },
      Size: img.config.data.length + base.data.length + app.data.length,
    });
    expect(image.dockerImageManifest).toBeUndefined();
    expect(image.dockerImageConfig).toBeUndefined();
    expect(image.dockerImageReference).toBe(`${INTERNAL}/default/first@${img.manifestDigest}`);
  });

  it('the same image pushed into a second stream: one Image, the tag event names the second stream', () => {
    const second = sb.store.get(IS, 'default', 'second') as any;
    expect(second.status.tags[0].items[0]).toMatchObject({ image: img.manifestDigest, dockerImageReference: `${INTERNAL}/default/second@${img.manifestDigest}` });
    const first = sb.store.get(IS, 'default', 'first') as any;
    expect(first.status.tags[0].items[0].dockerImageReference).toBe(`${INTERNAL}/default/first@${img.manifestDigest}`);
  });

  it('an OCI manifest: its media type, and the layers and config as skopeo inspect --raw reads them back', async () => {
    await run('skopeo', ['copy', '--format', 'oci', '--dest-authfile', path.join(tmp, 'auth.json'), '--dest-cert-dir', path.join(tmp, 'certs'), `dir:${path.join(tmp, 'src')}`, `docker://${sb.defaultRouteHost}/default/oci:v1`], { env: { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp }, timeout: 45_000 });
    const raw = await run('skopeo', ['inspect', '--raw', '--authfile', path.join(tmp, 'auth.json'), '--cert-dir', path.join(tmp, 'certs'), `docker://${sb.defaultRouteHost}/default/oci:v1`], { env: { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp }, timeout: 45_000 });
    const manifest = JSON.parse(raw.stdout);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const digest = (sb.store.get(IS, 'default', 'oci') as any).status.tags[0].items[0].image as string;
    const image = sb.store.get(IMG, undefined, digest) as any;
    expect(image.dockerImageManifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(image.dockerImageLayers).toEqual(manifest.layers.map((l: any) => ({ name: l.digest, size: l.size, mediaType: l.mediaType })));
    expect(image.dockerImageMetadata.Id).toBe(manifest.config.digest);
    expect(image.dockerImageMetadata.Size).toBe(manifest.config.size + manifest.layers.reduce((n: number, l: any) => n + l.size, 0));
  });

  it('a push by digest (no tag) creates the Image alone, as the registry does; no stream is touched', async () => {
    const other = layeredImage([app], 'by-digest');
    await writeDirImage(path.join(tmp, 'by-digest'), other);
    const env = { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    await run('skopeo', ['copy', '--dest-authfile', path.join(tmp, 'auth.json'), '--dest-cert-dir', path.join(tmp, 'certs'), `dir:${path.join(tmp, 'by-digest')}`, `docker://${sb.defaultRouteHost}/default/untagged@${other.manifestDigest}`], { env, timeout: 45_000 });
    const image = sb.store.get(IMG, undefined, other.manifestDigest) as any;
    expect(image).toMatchObject({
      dockerImageReference: `${INTERNAL}/default/untagged@${other.manifestDigest}`,
      dockerImageLayers: [{ name: app.digest, size: app.data.length, mediaType: app.mediaType }],
      dockerImageMetadata: { Id: other.config.digest, Size: other.config.data.length + app.data.length },
      metadata: { annotations: { 'openshift.io/image.managed': 'true', 'image.openshift.io/manifestBlobStored': 'true' } },
    });
    expect(image.dockerImageManifest).toBeUndefined();
    expect(sb.store.get(IS, 'default', 'untagged')).toBeUndefined();
  });

  it('SANDBOX_REGISTRY_STORAGE in the env file is the storage directory: the blobs are there with their sizes, du counts them', async () => {
    const env = fs.readFileSync(sb.envPath, 'utf8');
    expect(env).toContain(`export SANDBOX_REGISTRY_STORAGE=${sb.registryStorageDir}\n`);
    const blobs = path.join(sb.registryStorageDir, 'docker/registry/v2/blobs/sha256');
    for (const b of [base, app, img.config]) {
      const hex = b.digest.slice(7);
      expect(fs.statSync(path.join(blobs, hex.slice(0, 2), hex, 'data')).size).toBe(b.data.length);
    }
    const { stdout } = await run('du', ['-sb', sb.registryStorageDir]);
    const bytes = Number(stdout.split(/\s/)[0]);
    expect(bytes).toBeGreaterThanOrEqual(base.data.length + app.data.length);
  });
});
