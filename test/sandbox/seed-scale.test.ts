// Seeding for scale (seed-scale.ts): counts, layers shared across images, streams and projects, sizes consistent
// with the Images' metadata, paged lists that return every object once; through the sandbox (option and CLI flag)
// kubectl lists the seeded images in chunks and the seeded Deployments run seeded images.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { spawnSandboxCli } from './cli-process.ts';
import { startSandbox } from './index.ts';
import { BASES, seedScale } from './seed-scale.ts';
import { createStore } from './store.ts';

const run = promisify(execFile);
const IMG = 'image.openshift.io/images';
const IS = 'image.openshift.io/imagestreams';

describe('seedScale', () => {
  it('N images in M streams sharing layers; sizes add up; every image is tagged; paged lists see each once', () => {
    const store = createStore();
    const r = seedScale(store, { images: 2000, streams: 200 });
    expect(r).toMatchObject({ images: 2000, streams: 200, projects: expect.any(Array), imagesInTwoStreams: 4, deployments: 1, cronJobs: 1 });
    expect(r.projects).toHaveLength(2);
    const images = store.list(IMG).items as any[];
    const streams = store.list(IS).items as any[];
    expect(images).toHaveLength(2000);
    expect(streams).toHaveLength(200);
    expect(new Set(streams.map((s) => s.metadata.namespace))).toEqual(new Set(r.projects));

    // Distinct blobs recomputed from the objects: layers by digest, the config as Size minus the layers.
    const blobs = new Map<string, number>();
    const users = new Map<string, Set<string>>();
    for (const img of images) {
      expect(img.metadata.annotations['openshift.io/image.managed']).toBe('true');
      const layerBytes = img.dockerImageLayers.reduce((n: number, l: any) => n + l.size, 0);
      expect(img.dockerImageMetadata.Size).toBeGreaterThan(layerBytes);
      blobs.set(img.dockerImageMetadata.Id, img.dockerImageMetadata.Size - layerBytes);
      for (const l of img.dockerImageLayers) {
        blobs.set(l.name, l.size);
        if (!users.has(l.name)) users.set(l.name, new Set());
        users.get(l.name)!.add(img.metadata.name);
      }
    }
    expect(blobs.size).toBe(r.blobs);
    expect([...blobs.values()].reduce((a, b) => a + b, 0)).toBe(r.bytes);
    const shared = [...users.values()].filter((u) => u.size > 1).length;
    expect(shared).toBe(r.sharedLayers);
    // The base layers are shared by images of both projects.
    const base = images[0].dockerImageLayers[0].name;
    const projectsOfBase = new Set(images.filter((i) => i.dockerImageLayers[0].name === base).map((i) => i.dockerImageReference.split('/')[1]));
    expect(projectsOfBase.size).toBe(2);
    expect(new Set(images.map((i) => i.dockerImageLayers[0].name)).size).toBe(BASES);

    // Every image is in some stream's history; 4 are in two streams (in two projects).
    const inStreams = new Map<string, Set<string>>();
    for (const s of streams) {
      for (const t of s.status.tags) for (const it of t.items) {
        if (!inStreams.has(it.image)) inStreams.set(it.image, new Set());
        inStreams.get(it.image)!.add(`${s.metadata.namespace}/${s.metadata.name}`);
      }
      expect(s.spec.tags.map((t: any) => t.name)).toEqual(s.status.tags.map((t: any) => t.tag));
    }
    expect(inStreams.size).toBe(2000);
    const twice = [...inStreams.values()].filter((s) => s.size === 2);
    expect(twice).toHaveLength(4);
    for (const s of twice) expect(new Set([...s].map((x) => x.split('/')[0])).size).toBe(2);

    // Paged: every image once, in name order.
    const seen: string[] = [];
    let cont: string | undefined;
    do {
      const page = store.list(IMG, undefined, { limit: 300, ...(cont ? { continue: cont } : {}) });
      seen.push(...page.items.map((i) => i.metadata.name!));
      cont = page.continue;
    } while (cont);
    expect(seen).toEqual(images.map((i) => i.metadata.name).sort());

    // Seeding again with the same names is refused whole.
    expect(() => seedScale(store, { images: 10, streams: 1, workloadEvery: 0 })).toThrow(/already exists/);
  });

  it('startSandbox({ seedImages }): kubectl lists the images in chunks; Deployments run seeded images', async () => {
    const sb = await startSandbox({ profile: 'aws', seedImages: 3000, seedStreams: 300 });
    try {
      expect(sb.seeded).toMatchObject({ images: 3000, streams: 300 });
      const env = { PATH: process.env.PATH!, KUBECONFIG: sb.kubeconfigPath, HOME: os.tmpdir() };
      const { stdout } = await run('kubectl', ['get', 'images.image.openshift.io', '--chunk-size=500', '-o', 'name'], { env, maxBuffer: 64 << 20 });
      const names = stdout.trim().split('\n');
      expect(names).toHaveLength(3000);
      expect(new Set(names).size).toBe(3000);
      const deps = sb.store.list('apps/deployments').items.filter((d) => d.metadata.namespace!.startsWith('scale-'));
      expect(deps).toHaveLength(sb.seeded!.deployments);
      const image = (deps[0]!.spec as any).template.spec.containers[0].image as string;
      expect(sb.store.get(IMG, undefined, image.split('@')[1]!)).toBeDefined();
      await sb.waitFor((s) => s.list('/pods', deps[0]!.metadata.namespace).items.some((p: any) => p.spec.containers[0].image === image), 15_000);
    } finally {
      await sb.stop();
    }
  }, 60_000);

  it('npm run sandbox -- --seed-images N: seeds and says so; the env file exports SANDBOX_REGISTRY_STORAGE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-seed-cli-'));
    const cli = spawnSandboxCli(['--dir', dir, '--seed-images', '500', '--seed-streams', '50', '--pod-start-ms', '50']);
    try {
      await cli.ready();
      expect(cli.err()).toMatch(/seeded 500 images in 50 image streams \(1 projects scale-000…\), \d+ distinct blobs, \d+ bytes, \d+ shared layers/);
      const env = fs.readFileSync(path.join(dir, 'env'), 'utf8');
      const storage = /export SANDBOX_REGISTRY_STORAGE=(.*)\n/.exec(env)?.[1];
      expect(storage && fs.statSync(storage).isDirectory()).toBe(true);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(fs.existsSync(storage!)).toBe(false);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
