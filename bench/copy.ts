// 6. `regctl copy --all-tags` of N images × L layers (about 200 MB) from an OCI layout into the sandbox registry,
// against a `skopeo copy` loop of the same number of images (another layout of the same shape into another
// project, so neither finds the other's blobs): the first copy, the no-change re-copy, and regctl's peak RSS.
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { writeOciImage } from '../test/e2e/support/copy-images.ts';
import { BIN, NODE, ROOT, baseEnv, cliEnv, exposeDefaultRoute, log, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, run, type RunResult } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const FIRST_TARGET = 1;
const RECOPY_TARGET = 10;
const RSS_MB = 150;

export async function copy(o: { images: number; layers: number; layerBytes: number }): Promise<Row[]> {
  const tmp = tempDir('copy');
  const sb = await startSandbox({ profile: 'aws' });
  try {
    const host = await exposeDefaultRoute(sb);
    const env = cliEnv(sb, tmp.dir);
    for (const ns of ['bench-copy-regctl', 'bench-copy-skopeo']) sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const tags = Array.from({ length: o.images }, (_, i) => `img-${String(i).padStart(2, '0')}`);
    const layouts = { regctl: path.join(tmp.dir, 'oci-regctl'), skopeo: path.join(tmp.dir, 'oci-skopeo') };
    let bytes = 0;
    for (const [who, dir] of Object.entries(layouts)) {
      bytes = 0;
      for (const t of tags) {
        const img = writeOciImage(dir, `bench-${who}-${t}`, { tag: t, layers: o.layers, layerBytes: o.layerBytes, gzip: false });
        bytes += img.layers.reduce((a, l) => a + l.size, 0);
      }
    }
    log(`copy: ${o.images} images × ${o.layers} layers, ${fmtMB(bytes)} per tool`);
    const certsDir = path.join(tmp.dir, 'certs.d');
    fs.mkdirSync(path.join(certsDir, host), { recursive: true });
    fs.writeFileSync(path.join(certsDir, host, 'ca.crt'), sb.caPems.ingress);

    const regctl = async (what: string): Promise<RunResult> => {
      const r = check(
        await run(NODE, [BIN, 'copy', '--all-tags', '--certs-dir', certsDir, `oci:${layouts.regctl}`, 'bench-copy-regctl/app', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', pollMs: 50, timeoutMs: 600_000 }),
        what,
      );
      const report = JSON.parse(r.stdout) as { images: unknown[] };
      if (report.images.length !== o.images) throw new Error(`${what} copied ${report.images.length} of ${o.images} images`);
      return r;
    };
    const authfile = path.join(tmp.dir, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`kubeadmin:${sb.tokens.admin}`).toString('base64') } } }), { mode: 0o600 });
    const list = path.join(tmp.dir, 'tags.txt');
    fs.writeFileSync(list, tags.join('\n') + '\n');
    const loop = `set -e\nwhile read -r t; do skopeo copy -q --authfile ${authfile} --dest-cert-dir ${path.join(certsDir, host)} "oci:${layouts.skopeo}:$t" "docker://${host}/bench-copy-skopeo/app:$t"; done < ${list}`;
    const skEnv = baseEnv({ HOME: tmp.dir, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' });
    const skopeo = async (what: string) => check(await run('bash', ['-c', loop], { env: skEnv, timeoutMs: 900_000 }), what);

    const rFirst = await regctl('regctl copy (first)');
    const sFirst = await skopeo('skopeo copy loop (first)');
    // The re-copy is one short process against a loop of N: its median of 3 runs, so one slow start does not decide.
    const againRuns = [await regctl('regctl copy (re-copy)'), await regctl('regctl copy (re-copy)'), await regctl('regctl copy (re-copy)')];
    const rAgain = [...againRuns].sort((a, b) => a.wallMs - b.wallMs)[1]!;
    const sAgain = await skopeo('skopeo copy loop (re-copy)');
    const first = sFirst.wallMs / rFirst.wallMs;
    const again = sAgain.wallMs / rAgain.wallMs;
    const peak = Math.max(rFirst.maxRssBytes ?? 0, ...againRuns.map((r) => r.maxRssBytes ?? 0));
    const rate = (r: RunResult) => `${((bytes / 1e6) / (r.wallMs / 1000)).toFixed(0)} MB/s`;
    return [
      {
        id: '6a',
        name: `regctl copy, first (${o.images} images × ${o.layers} layers, ${fmtMB(bytes)})`,
        measured: `${fmtMs(rFirst.wallMs)} (${rate(rFirst)})`,
        baseline: `${fmtMs(sFirst.wallMs)} (${rate(sFirst)}, skopeo loop)`,
        ratio: `${first.toFixed(2)}×`,
        target: `≥ ${FIRST_TARGET}× skopeo`,
        pass: first >= FIRST_TARGET,
        notes: [`regctl copy --all-tags oci:DIR PROJECT/app (default --concurrency 6), CPU ${rFirst.cpuMs !== undefined ? fmtMs(rFirst.cpuMs) : 'n/a'}; skopeo: one \`skopeo copy oci:DIR:TAG docker://…\` per image, CPU ${sFirst.cpuMs !== undefined ? fmtMs(sFirst.cpuMs) : 'n/a'}`],
      },
      {
        id: '6b',
        name: 'regctl copy, no-change re-copy',
        measured: fmtMs(rAgain.wallMs),
        baseline: `${fmtMs(sAgain.wallMs)} (skopeo loop)`,
        ratio: `${again.toFixed(1)}× faster`,
        target: `≥ ${RECOPY_TARGET}× skopeo`,
        pass: again >= RECOPY_TARGET,
        notes: [`regctl: median of 3 runs (${againRuns.map((r) => fmtMs(r.wallMs)).join(', ')}; CPU ${againRuns.map((r) => (r.cpuMs !== undefined ? fmtMs(r.cpuMs) : 'n/a')).join(', ')}); every image up to date, so no blob is asked for; skopeo CPU ${sAgain.cpuMs !== undefined ? fmtMs(sAgain.cpuMs) : 'n/a'}`],
      },
      {
        id: '6c',
        name: 'regctl copy peak RSS',
        measured: fmtMB(peak),
        baseline: '-',
        ratio: fmtMB(peak),
        target: `≤ ${RSS_MB} MB`,
        pass: peak > 0 && peak <= RSS_MB * 1e6,
      },
    ];
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
