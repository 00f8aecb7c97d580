// 7. `regctl prune plan` over the 100,000-image seeding (test/sandbox/seed-scale.ts: 10,000 streams sharing layers,
// workloads using some images): wall time and peak RSS against the targets (≤ 20 s, ≤ 600 MB). Then a real
// push/prune cycle: N images pushed with skopeo, `prune plan` predicts the bytes, `prune apply --hard` frees them,
// and the prediction error is measured against `du -sb` of the registry's storage.
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, baseEnv, cliEnv, exposeDefaultRoute, log, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 20_000;
const TARGET_RSS = 600e6;
const TARGET_ERROR = 0.02;

export async function prune(o: { images: number; cycleImages: number; layerBytes: number }): Promise<Row[]> {
  return [...(await planAtScale(o.images)), ...(await cycle(o.cycleImages, o.layerBytes))];
}

async function planAtScale(images: number): Promise<Row[]> {
  const tmp = tempDir('prune-scale');
  const sb = await startSandbox({ seedImages: images });
  try {
    log(`seeded ${sb.seeded?.images} images in ${sb.seeded?.streams} streams (${sb.seeded?.ms} ms)`);
    const env = cliEnv(sb, tmp.dir);
    // Let the controllers finish the seeded workloads' ReplicaSets and pods first.
    await new Promise((r) => setTimeout(r, 3000));
    const plans = [];
    let bytes = 0;
    for (let i = 0; i < 2; i++) {
      bytes = 0;
      plans.push(
        check(
          await run(NODE, [BIN, 'prune', 'plan', '-o', 'json'], { env, cwd: ROOT, pollMs: 50, timeoutMs: 300_000, stdout: (c) => void (bytes += c.length) }),
          'regctl prune plan',
        ),
      );
    }
    // For comparison: kubectl paging through the same images (500 a page, as regctl) and printing only their names.
    const kubectl = check(await run('kubectl', ['get', 'images.image.openshift.io', '--chunk-size=500', '-o', 'name'], { env, cwd: ROOT, timeoutMs: 300_000 }), 'kubectl get images');
    const r = plans.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const rss = Math.max(...plans.map((p) => p.maxRssBytes ?? 0));
    const notes = [
      `${images} images in ${sb.seeded?.streams} streams: plan -o json ${(bytes / 1e6).toFixed(1)} MB of output; runs ${plans.map((p) => fmtMs(p.wallMs)).join(', ')} (best shown), regctl CPU ${r.cpuMs ? fmtMs(r.cpuMs) : 'n/a'}; for comparison kubectl get images.image.openshift.io --chunk-size=500 -o name over the same API (CPU ${kubectl.cpuMs ? fmtMs(kubectl.cpuMs) : 'n/a'})`,
    ];
    return [
      { id: '7a', name: `prune plan, ${images / 1000}k images`, measured: fmtMs(r.wallMs), baseline: `kubectl get images ${fmtMs(kubectl.wallMs)}`, ratio: `${(r.wallMs / kubectl.wallMs).toFixed(2)}×`, target: `≤ ${fmtMs(TARGET_MS)}`, pass: r.wallMs <= TARGET_MS, notes },
      { id: '7b', name: `prune plan peak RSS`, measured: fmtMB(rss), baseline: `kubectl ${fmtMB(kubectl.maxRssBytes ?? 0)}`, ratio: fmtMB(rss), target: `≤ ${fmtMB(TARGET_RSS)}`, pass: rss > 0 && rss <= TARGET_RSS },
    ];
  } finally {
    await sb.stop();
    tmp.remove();
  }
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** N images (a shared base layer and an own random layer each) in N/5 streams of 5 revisions each. */
async function cycle(n: number, layerBytes: number): Promise<Row[]> {
  const tmp = tempDir('prune-cycle');
  const sb = await startSandbox();
  try {
    const host = await exposeDefaultRoute(sb);
    const env = cliEnv(sb, tmp.dir);
    if (!sb.store.get('/namespaces', undefined, 'bench')) sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const certs = path.join(tmp.dir, 'certs.d', host);
    fs.mkdirSync(certs, { recursive: true });
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    const authfile = path.join(tmp.dir, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`kubeadmin:${sb.tokens.admin}`).toString('base64') } } }), { mode: 0o600 });
    const skEnv = baseEnv({ HOME: tmp.dir, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' });
    const base = randomBytes(layerBytes);
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      const own = randomBytes(layerBytes / 2 + Math.floor(Math.random() * layerBytes));
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(base), sha(own)] } }));
      const layer = (b: Buffer) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: b.length, digest: sha(b) });
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) }, layers: [layer(base), layer(own)] }));
      const dir = path.join(tmp.dir, `img-${i}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'version'), 'Directory Transport Version: 1.1\n');
      fs.writeFileSync(path.join(dir, 'manifest.json'), manifest);
      for (const b of [config, base, own]) fs.writeFileSync(path.join(dir, sha(b).slice(7)), b);
      check(await run('skopeo', ['copy', '--preserve-digests', '--authfile', authfile, '--dest-cert-dir', certs, `dir:${dir}`, `docker://${host}/bench/app-${Math.floor(i / 5)}:latest`], { env: skEnv, timeoutMs: 120_000 }), 'skopeo copy');
      fs.rmSync(dir, { recursive: true });
    }
    log(`pushed ${n} images in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const flags = ['--keep-tag-revisions', '2', '--keep-younger-than', '0'];
    const plan = check(await run(NODE, [BIN, 'prune', 'plan', ...flags, '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 120_000 }), 'prune plan');
    const p = JSON.parse(plan.stdout);
    const predicted: number = p.summary.bytesFreed;
    const du = () => Number(execFileSync('du', ['-sb', sb.registryStorageDir], { encoding: 'utf8' }).split('\t')[0]);
    const before = du();
    const apply = check(await run(NODE, [BIN, 'prune', 'apply', ...flags, '--yes', '--hard', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 300_000 }), 'prune apply --hard');
    const actual = before - du();
    const err = Math.abs(actual - predicted) / Math.max(1, actual);
    const res = JSON.parse(apply.stdout);
    return [
      {
        id: '7c',
        name: `prune prediction, ${n} pushed images`,
        measured: `${(actual / 1e6).toFixed(2)} MB freed`,
        baseline: `${(predicted / 1e6).toFixed(2)} MB predicted`,
        ratio: `${(err * 100).toFixed(2)} % error`,
        target: `≤ ${TARGET_ERROR * 100} %`,
        pass: err <= TARGET_ERROR,
        notes: [`pruned ${p.summary.prune} of ${p.summary.images} images, ${p.summary.blobs} blobs predicted, GC deleted ${res.hard?.blobs} blobs; apply --hard took ${fmtMs(apply.wallMs)}`],
      },
    ];
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
