// issue 15 item 6: the image metadata of an ImageStreamImport has no OS (openshift/api docker10.DockerImage has
// Architecture only). The sandbox answers like openshift-apiserver; regctl import-image must take the OS from the
// image config (includeManifest → dockerImageConfig), not from a field the real API never fills.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import { buildImage, writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';

/** A one-layer image whose config says windows/amd64: an OS nobody would guess as a default. */
function windowsImage(): TestImage {
  return buildImage('hello from windows\n', {
    file: 'Files/hello.txt',
    config: { os: 'windows', 'os.version': '10.0.17763.5458', created: '2026-03-04T05:06:07.891Z', config: { Cmd: ['cmd.exe'], Labels: { purpose: 'os-test' }, StopSignal: 'SIGTERM' }, history: undefined },
  });
}

let e: ContentEnv;
let img: TestImage;

beforeAll(async () => {
  e = await contentEnv('import-os');
  e.createNamespace('team');
  e.createNamespace('shared');
  img = windowsImage();
  const dir = path.join(e.tmp, 'win');
  await writeDirImage(dir, img);
  const r = await e.skopeo(['copy', '--dest-cert-dir', path.join(e.certsDir, e.host), `dir:${dir}`, `docker://${e.host}/team/win:1`]);
  if (!r.ok) throw new Error(`skopeo push failed: ${r.stderr}`);
}, 60_000);

afterAll(async () => {
  await e?.stop();
});

describe('ImageStreamImport image metadata (sandbox, as openshift-apiserver)', () => {
  it('has Architecture but no Os; dockerImageConfig only with includeManifest', async () => {
    const isi = (includeManifest: boolean) => ({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamImport',
      metadata: { name: 'probe', namespace: 'shared' },
      spec: { import: false, images: [{ from: { kind: 'DockerImage', name: `${e.host}/team/win:1` }, includeManifest }] },
      // openshift/api marks status required; kubectl validates create-only kinds on the client (OpenAPI v2).
      status: {},
    });
    const file = path.join(e.tmp, 'isi.json');
    const create = async (includeManifest: boolean) => {
      fs.writeFileSync(file, JSON.stringify(isi(includeManifest)));
      const r = await runTool('kubectl', ['create', '-f', file, '-o', 'json'], e.sb.env, e.tmp);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).status.images[0].image;
    };
    const plain = await create(false);
    expect(plain.metadata.name).toBe(img.manifestDigest);
    expect(plain.dockerImageMetadata).toMatchObject({ kind: 'DockerImage', apiVersion: '1.0', Id: img.config.digest, Architecture: 'amd64', Created: '2026-03-04T05:06:07Z' });
    expect(plain.dockerImageMetadata.Config).toEqual({ Cmd: ['cmd.exe'], Labels: { purpose: 'os-test' } });
    expect(plain.dockerImageMetadata.Size).toBe(img.config.data.length + img.layers[0]!.data.length);
    expect(Object.keys(plain.dockerImageMetadata)).not.toContain('Os');
    expect(JSON.stringify(plain)).not.toMatch(/windows/);
    expect(plain.dockerImageManifest).toBeUndefined();
    expect(plain.dockerImageConfig).toBeUndefined();

    const full = await create(true);
    expect(JSON.parse(full.dockerImageConfig).os).toBe('windows');
    expect(full.dockerImageManifest).toBe(img.manifest.toString('utf8'));
    expect(full.dockerImageMetadata).toEqual(plain.dockerImageMetadata);
  });
});

describe('regctl import-image', () => {
  it('reports the OS from the image config', async () => {
    const r = await e.cli(['import-image', 'win:1', '--from', `${e.host}/team/win:1`, '--confirm', '-n', 'shared', '-o', 'json']);
    expect(r.stderr).toMatch(/Imported 1 tag into shared\/win/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.imported).toEqual([expect.objectContaining({ tag: '1', status: 'Success', digest: img.manifestDigest, os: 'windows', architecture: 'amd64', layers: 1 })]);
    // The stored Image keeps neither the raw manifest nor the config (PrepareImageForCreate).
    const stored: any = e.sb.store.get('image.openshift.io/images', undefined, img.manifestDigest);
    if (stored) expect(stored.dockerImageConfig ?? stored.dockerImageManifest).toBeUndefined();
  });

  it('--all --dry-run=server reports the OS of every tag', async () => {
    const r = await e.cli(['import-image', 'all-win', '--from', `${e.host}/team/win`, '--all', '--dry-run=server', '-n', 'shared', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).preview.imported).toEqual([expect.objectContaining({ tag: '1', os: 'windows', architecture: 'amd64' })]);
  });
});
