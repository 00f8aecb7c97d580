// regctl usage on images pushed with skopeo (layers shared across images, streams and projects): every size is the
// one `skopeo inspect --raw` reports and the one the registry's storage holds; the attributed bytes of every unit
// add up to the registry's distinct bytes for each --by; -n, --top, -o openmetrics (checked by a parser written
// here from the OpenMetrics text format), bad input, and a user who may not list images.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';
import { layerBlob, layeredImage, ociImage, writeOciIndexLayout } from '../sandbox/registry/testing/layered-image.ts';

const run = promisify(execFile);

interface Unit { name: string; project?: string; stream?: string; image?: string; streams?: number; images: number; blobs: number; exclusive: number; shared: number; total: number; attributed: number }
interface Report { apiVersion: string; kind: string; by: string; namespace?: string; registry: { images: number; imageStreams: number; projects: number; blobs: number; bytes: number }; shown: { units: number; of: number; attributed: number }; units: Unit[] }

/** A strict reading of OpenMetrics text (prometheus.io/docs/specs/om/open_metrics_spec): families declared by
 *  # TYPE before their samples, # UNIT matching the name's suffix, samples only of the current family, unique
 *  label sets, numeric values, # EOF as the last line. Returns the samples. */
function parseOpenMetrics(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  expect(text.endsWith('# EOF\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  expect(lines.pop()).toBe('# EOF');
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const families = new Set<string>();
  let family = '';
  const seen = new Set<string>();
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|info|stateset|unknown|histogram|gaugehistogram|summary)$/.exec(line))) {
      expect(families.has(m[1]!), `family ${m[1]} declared twice`).toBe(false);
      families.add((family = m[1]!));
    } else if ((m = /^# UNIT ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-zA-Z0-9_]+)$/.exec(line))) {
      expect(m[1]).toBe(family);
      expect(family.endsWith(`_${m[2]}`)).toBe(true);
    } else if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      expect(m[1]).toBe(family);
    } else {
      m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      expect(m, `not a sample line: ${line}`).not.toBeNull();
      expect(m![1]).toBe(family);
      const labels: Record<string, string> = {};
      const body = m![2] ?? '';
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
      let consumed = 0;
      let lm: RegExpExecArray | null;
      while ((lm = re.exec(body))) {
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
        consumed = re.lastIndex;
      }
      expect(consumed, `bad labels: ${line}`).toBe(body.length);
      const key = `${m![1]}{${JSON.stringify(labels)}}`;
      expect(seen.has(key), `duplicate sample ${key}`).toBe(false);
      seen.add(key);
      const value = Number(m![3]);
      expect(Number.isFinite(value)).toBe(true);
      samples.push({ name: m![1]!, labels, value });
    }
  }
  return samples;
}

describe('regctl usage', () => {
  let sb: Sandbox;
  let tmp: string;
  let auth: string;
  let certs: string;
  const base = layerBlob('base.bin', 200_000);
  const x1 = layerBlob('x1.bin', 60_000);
  const x2 = layerBlob('x2.bin', 50_000);
  const y1 = layerBlob('y1.bin', 30_000);
  const z1 = layerBlob('z1.bin', 20_000);
  const img1 = layeredImage([base, x1], 'img1');
  const img2 = layeredImage([base, x1, x2], 'img2');
  const img3 = layeredImage([base, y1], 'img3');
  const img4 = layeredImage([base, z1], 'img4');
  /** Raw manifests as skopeo reads them from the registry, by image digest. */
  const manifests = new Map<string, { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> }>();

  const env = () => ({ KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: tmp });
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env(), ...extra } });
  const json = async (args: string[]): Promise<Report> => {
    const r = await cli([...args, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toContain(sb.tokens.admin);
    return JSON.parse(r.stdout) as Report;
  };
  const skopeo = (args: string[]) => run('skopeo', args, { env: { PATH: process.env.PATH!, HOME: tmp, XDG_RUNTIME_DIR: tmp, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeout: 45_000 });
  const push = async (img: TestImage, dest: string) => {
    const dir = path.join(tmp, `src-${img.manifestDigest.slice(7, 19)}`);
    if (!fs.existsSync(dir)) await writeDirImage(dir, img);
    await skopeo(['copy', '--dest-authfile', auth, '--dest-cert-dir', certs, `dir:${dir}`, `docker://${sb.defaultRouteHost}/${dest}`]);
  };
  /** Size of a blob's data file in the registry's storage (distribution's filesystem layout). */
  const stored = (digest: string) => fs.statSync(path.join(sb.registryStorageDir, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data')).size;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-usage-e2e-'));
    sb = await startSandbox({ profile: 'aws' });
    for (const ns of ['proj-a', 'proj-b']) sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const cfg = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')!;
    sb.store.update('imageregistry.operator.openshift.io/configs', { ...cfg, spec: { ...(cfg.spec as object), defaultRoute: true } });
    await sb.waitFor((s) => !!(s.get('route.openshift.io/routes', 'openshift-image-registry', 'default-route')?.status as any)?.ingress, 10_000);
    certs = path.join(tmp, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    auth = path.join(tmp, 'auth.json');
    fs.writeFileSync(auth, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`admin:${sb.tokens.admin}`).toString('base64') } } }), { mode: 0o600 });
    await push(img1, 'proj-a/app:v1');
    await push(img2, 'proj-a/app:v1'); // v1's history: img2, img1
    await push(img3, 'proj-a/tools:latest');
    await push(img4, 'proj-b/web:latest');
    await push(img1, 'proj-b/web:copy'); // img1 in two projects
    for (const [img, ref] of [[img1, 'proj-b/web:copy'], [img2, 'proj-a/app:v1'], [img3, 'proj-a/tools:latest'], [img4, 'proj-b/web:latest']] as const) {
      const { stdout } = await skopeo(['inspect', '--raw', '--authfile', auth, '--cert-dir', certs, `docker://${sb.defaultRouteHost}/${ref}`]);
      manifests.set(img.manifestDigest, JSON.parse(stdout));
    }
  }, 90_000);
  afterAll(async () => {
    await sb?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--by image: each image\'s total is its config + layers as skopeo inspect --raw reports them, and as stored', async () => {
    const r = await json(['usage', '--by', 'image']);
    expect(r).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Usage', by: 'image' });
    expect(r.units).toHaveLength(4);
    const distinct = new Map<string, number>();
    for (const [digest, m] of manifests) {
      const blobs = [m.config, ...m.layers];
      for (const b of blobs) {
        expect(stored(b.digest)).toBe(b.size);
        distinct.set(b.digest, b.size);
      }
      const unit = r.units.find((u) => u.name === digest)!;
      expect(unit).toBeDefined();
      expect(unit.total).toBe(blobs.reduce((n, b) => n + b.size, 0));
      expect(unit.blobs).toBe(blobs.length);
    }
    const bytes = [...distinct.values()].reduce((a, b) => a + b, 0);
    expect(r.registry).toMatchObject({ images: 4, imageStreams: 3, projects: 2, blobs: distinct.size, bytes });
    expect(r.units.find((u) => u.name === img1.manifestDigest)).toMatchObject({ streams: 2, exclusive: 0 + img1.config.data.length, shared: base.data.length + x1.data.length });
    expect(r.units.find((u) => u.name === img4.manifestDigest)).toMatchObject({ streams: 1, exclusive: z1.data.length + img4.config.data.length, shared: base.data.length });
  });

  it('the attributed bytes add up exactly to the registry\'s distinct bytes, by project, stream and image', async () => {
    for (const by of ['project', 'stream', 'image']) {
      const r = await json(['usage', '--by', by]);
      expect(r.units.reduce((n, u) => n + u.attributed, 0), by).toBe(r.registry.bytes);
      expect(r.shown.attributed).toBe(r.registry.bytes);
      for (const u of r.units) expect(u.exclusive + u.shared).toBe(u.total);
    }
  });

  it('--by project: what only one project holds is exclusive; shared layers are shared', async () => {
    const r = await json(['usage']);
    expect(r.by).toBe('project');
    const a = r.units.find((u) => u.name === 'proj-a')!;
    const b = r.units.find((u) => u.name === 'proj-b')!;
    // img1 (base, x1, config) is in both projects
    expect(a).toMatchObject({ images: 3, exclusive: x2.data.length + img2.config.data.length + y1.data.length + img3.config.data.length, shared: base.data.length + x1.data.length + img1.config.data.length });
    expect(b).toMatchObject({ images: 2, exclusive: z1.data.length + img4.config.data.length, shared: base.data.length + x1.data.length + img1.config.data.length });
    const table = await cli(['usage']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROJECT\s+IMAGES\s+EXCLUSIVE\s+SHARED\s+TOTAL\s+ATTRIBUTED$/);
    expect(lines).toHaveLength(3);
    expect(table.stderr).toContain(`registry: `);
    expect(table.stderr).toContain(`(${r.registry.bytes} bytes) in ${r.registry.blobs} distinct blobs of 4 images`);
  });

  it('-n and --top choose the rows; shares still count the other projects', async () => {
    const all = await json(['usage', '--by', 'stream']);
    const onlyB = await json(['usage', '--by', 'stream', '-n', 'proj-b']);
    expect(onlyB.namespace).toBe('proj-b');
    expect(onlyB.units.map((u) => u.name)).toEqual(['proj-b/web']);
    expect(onlyB.units[0]).toEqual(all.units.find((u) => u.name === 'proj-b/web'));
    expect(onlyB.units[0]!.shared).toBeGreaterThan(0);
    const top = await json(['usage', '--by', 'stream', '--top', '1']);
    expect(top.units).toHaveLength(1);
    expect(top.units[0]!.attributed).toBe(Math.max(...all.units.map((u) => u.attributed)));
    expect(top.shown).toEqual({ units: 1, of: 3, attributed: top.units[0]!.attributed });
    const imagesOfA = await json(['usage', '--by', 'image', '-n', 'proj-a']);
    expect(imagesOfA.units.map((u) => u.name).sort()).toEqual([img1, img2, img3].map((i) => i.manifestDigest).sort());
  });

  it('-o openmetrics parses, with the same numbers as -o json', async () => {
    const r = await cli(['usage', '--by', 'stream', '-o', 'openmetrics']);
    expect(r.code, r.all).toBe(0);
    const samples = parseOpenMetrics(r.stdout);
    const j = await json(['usage', '--by', 'stream']);
    for (const u of j.units) {
      for (const kind of ['exclusive', 'shared', 'total', 'attributed'] as const) {
        const s = samples.find((x) => x.name === 'regctl_registry_usage_bytes' && x.labels.project === u.project && x.labels.imagestream === u.stream && x.labels.kind === kind);
        expect(s?.value, `${u.name} ${kind}`).toBe(u[kind]);
      }
    }
    expect(samples.find((x) => x.name === 'regctl_registry_stored_bytes')?.value).toBe(j.registry.bytes);
    expect(r.stdout).toContain('# UNIT regctl_registry_usage_bytes bytes\n');
  });

  it('an image the registry does not manage (tagged from elsewhere) is left out, and counted with --all', async () => {
    const before = await json(['usage', '--by', 'stream']);
    const digest = `sha256:${'e'.repeat(64)}`;
    const ism = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamMapping',
      metadata: { name: 'external', namespace: 'proj-b' },
      tag: 'v1',
      image: {
        metadata: { name: digest },
        dockerImageReference: `quay.io/example/external@${digest}`,
        dockerImageLayers: [{ name: base.digest, size: base.data.length, mediaType: base.mediaType }, { name: `sha256:${'f'.repeat(64)}`, size: 12_345, mediaType: base.mediaType }],
      },
    };
    sb.store.create('image.openshift.io/imagestreams', { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'external', namespace: 'proj-b' } });
    const file = path.join(tmp, 'ism.json');
    fs.writeFileSync(file, JSON.stringify(ism));
    await run('kubectl', ['create', '-f', file], { env: { PATH: process.env.PATH!, KUBECONFIG: sb.kubeconfigPath, HOME: tmp } });
    const managedOnly = await json(['usage', '--by', 'stream']);
    expect(managedOnly.registry).toEqual({ ...before.registry, imageStreams: 4, unmanagedImages: 1 });
    expect(managedOnly.units.find((u) => u.name === 'proj-b/external')).toMatchObject({ images: 0, missingImages: 1, total: 0 });
    const all = await json(['usage', '--by', 'stream', '--all']);
    expect(all.registry).toMatchObject({ images: 5, blobs: before.registry.blobs + 1, bytes: before.registry.bytes + 12_345, unmanagedImages: 0 });
    expect(all.units.find((u) => u.name === 'proj-b/external')).toMatchObject({ images: 1, total: base.data.length + 12_345, exclusive: 12_345 });
    expect(all.units.reduce((n, u) => n + u.attributed, 0)).toBe(all.registry.bytes);
  });

  it('a multi-arch image (OCI index pushed with skopeo copy --all): the stream holds the index\'s images and their blobs', async () => {
    const amd = ociImage([base, layerBlob('amd.bin', 25_000)], 'multi', 'amd64');
    const arm = ociImage([layerBlob('arm-base.bin', 70_000), layerBlob('arm.bin', 15_000)], 'multi', 'arm64');
    const layout = path.join(tmp, 'oci-multi');
    const { indexDigest } = await writeOciIndexLayout(layout, 'v1', [{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'proj-c' } });
    await skopeo(['copy', '--all', '--dest-authfile', auth, '--dest-cert-dir', certs, `oci:${layout}:v1`, `docker://${sb.defaultRouteHost}/proj-c/multi:v1`]);
    const list = sb.store.get('image.openshift.io/images', undefined, indexDigest) as any;
    expect(list.dockerImageManifests.map((m: any) => m.digest).sort()).toEqual([amd.manifestDigest, arm.manifestDigest].sort());
    const r = await json(['usage', '--by', 'stream', '-n', 'proj-c']);
    const expected = [amd, arm].flatMap((i) => [i.config, ...i.layers]).reduce((n, b) => n + b.data.length, 0);
    expect(r.units).toEqual([expect.objectContaining({ name: 'proj-c/multi', images: 3, total: expected, shared: base.data.length })]);
    const all = await json(['usage', '--by', 'stream']);
    expect(all.units.map((u) => u.name)).not.toContain('(no image stream)');
    expect(all.units.reduce((n, u) => n + u.attributed, 0)).toBe(all.registry.bytes);
  });

  it('bad input: exit 2 with error and hint, before anything is read', async () => {
    for (const [args, msg] of [
      [['--top', '0'], /error: invalid --top "0"/],
      [['-o', 'name'], /error: unsupported output format "name"/],
      [['--by', 'layer'], /error: .*layer/],
    ] as const) {
      const r = await cli(['usage', ...args]);
      expect(r.code, r.all).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/\nhint: /);
      expect(r.stdout).toBe('');
    }
  });

  it('a user who may not list images: exit 4, one error naming what was denied, no token', async () => {
    const r = await cli(['usage', '--context', 'developer']);
    expect(r.code, r.all).toBe(4);
    expect(r.stderr).toMatch(/^error: .*images/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.all).not.toContain(sb.tokens.developer);
    expect(r.stdout).toBe('');
  });
});
