// regctl's manifest/config parsing and its reading of ImageStreamImport answers, over openshift-apiserver's own
// importer testdata (test/fixtures/real/openshift-apiserver-importer, see its README).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MEDIA, classifyManifest, formatPlatform, imageDetails, selectPlatform, sha256, type FetchedManifest } from '../../src/registry/content.js';
import { buildImageStreamImport, importResults, importedImageOS } from '../../src/cluster/imagestreams.js';
import { dockerImageMetadata } from '../sandbox/image-metadata.ts';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'real', 'openshift-apiserver-importer');
const raw = (f: string) => fs.readFileSync(path.join(DIR, f));

function fetched(f: string): FetchedManifest {
  const b = raw(f);
  const json = JSON.parse(b.toString('utf8'));
  return { digest: sha256(b), size: b.length, raw: b, json, ...classifyManifest(json) };
}

const ARCHES = ['amd64', 'arm64'] as const;

describe('the manifest list', () => {
  const list = fetched('manifest-list.json');

  it('is a Docker manifest list whose entries are the two manifests (by digest)', () => {
    expect(list.kind).toBe('index');
    expect(list.mediaType).toBe(MEDIA.dockerList);
    const entries = list.json.manifests as any[];
    expect(entries.map((m) => formatPlatform(m.platform))).toEqual(['linux/amd64', 'linux/arm64/v8']);
    for (const arch of ARCHES) {
      const m = fetched(`manifest-linux-${arch}.json`);
      expect(selectPlatform(entries, { os: 'linux', architecture: arch })?.digest).toBe(m.digest);
    }
    expect(selectPlatform(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe(entries[1].digest);
    expect(selectPlatform(entries, { os: 'linux', architecture: 's390x' })).toBeUndefined();
  });
});

describe.each(ARCHES)('the linux/%s image', (arch) => {
  const m = fetched(`manifest-linux-${arch}.json`);
  const configBytes = raw(`config-linux-${arch}.json`);
  const config = JSON.parse(configBytes.toString('utf8'));

  it('parses as a schema 2 image with its config', () => {
    expect(m.kind).toBe('image');
    expect(m.mediaType).toBe(MEDIA.dockerManifest);
    const d = imageDetails(m, config);
    expect(d).toMatchObject({ os: 'linux', architecture: arch, cmd: ['/bin/bash'], entrypoint: null, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
    expect(d.created).toMatch(/^2019-08-15T/);
    expect(d.layers).toHaveLength(4);
    expect(d.size).toBe(m.json.config.size + (m.json.layers as any[]).reduce((a, l) => a + l.size, 0));
  });

  it('the importer metadata has Architecture but no OS; regctl takes the OS from the config', () => {
    const md = dockerImageMetadata(configBytes, config, m.json);
    expect(md).toMatchObject({ kind: 'DockerImage', apiVersion: '1.0', Id: m.json.config.digest, Architecture: arch, DockerVersion: '18.06.1-ce' });
    expect(Object.keys(md).filter((k) => /os|variant/i.test(k))).toEqual([]);
    // docker10.DockerConfig has no ArgsEscaped; empty values are omitted as Go's omitempty does.
    expect(md.Config).toEqual({ Env: config.config.Env, Cmd: ['/bin/bash'], Image: config.config.Image });
    expect(md.Size).toBe(configBytes.length + (m.json.layers as any[]).reduce((a, l) => a + l.size, 0));

    const image = { metadata: { name: m.digest }, dockerImageMetadata: md, dockerImageManifestMediaType: m.mediaType, dockerImageLayers: m.json.layers };
    expect(importedImageOS(image)).toBeUndefined();
    expect(importedImageOS({ ...image, dockerImageConfig: configBytes.toString('utf8') })).toBe('linux');
  });
});

describe('reading an ImageStreamImport answer', () => {
  it('asks for the config (includeManifest) and reports OS and architecture per tag', () => {
    const req = buildImageStreamImport({ namespace: 'p', stream: 's', images: ARCHES.map((a) => ({ from: `quay.io/x/y:${a}`, tag: a, referencePolicy: 'Source' as const })), import: false });
    expect(req.spec.images.every((i: any) => i.includeManifest === true)).toBe(true);
    const status = {
      images: ARCHES.map((arch) => {
        const m = fetched(`manifest-linux-${arch}.json`);
        const cfg = raw(`config-linux-${arch}.json`);
        return {
          status: { status: 'Success' },
          tag: arch,
          image: {
            metadata: { name: m.digest },
            dockerImageMetadata: dockerImageMetadata(cfg, JSON.parse(cfg.toString('utf8')), m.json),
            dockerImageManifest: m.raw.toString('utf8'),
            dockerImageConfig: cfg.toString('utf8'),
            dockerImageManifestMediaType: m.mediaType,
            dockerImageLayers: m.json.layers,
          },
        };
      }),
    };
    const results = importResults({ ...req, status });
    expect(results.map((r) => [r.tag, r.os, r.architecture, r.layers, r.digest])).toEqual([
      ['amd64', 'linux', 'amd64', 4, 'sha256:ca013ac5c09f9a9f6db8370c1b759a29fe997d64d6591e9a75b71748858f7da0'],
      ['arm64', 'linux', 'arm64', 4, 'sha256:1a06d68cb9117b52965035a5b0fa4c1470ef892e6062ffedb1af1922952e0950'],
    ]);
  });
});
