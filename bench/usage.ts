// 8. `regctl usage` over the scale seeding (issue 20): N images in N/10 image streams sharing layers, read from the
// API in pages. Wall time and peak RSS of `usage -o json` (by project) and of `usage --by image -o json` (one row per
// image: the largest output), after one unmeasured warm-up run; the attributed bytes must add up to the seeded
// registry's distinct bytes.
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, cliEnv, log, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, median, run, type RunResult } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 20_000;
const TARGET_RSS = 600e6;

export async function usage(o: { images: number; rounds: number }): Promise<Row[]> {
  const tmp = tempDir('usage');
  const sb = await startSandbox({ profile: 'aws', seedImages: o.images });
  try {
    const seeded = sb.seeded!;
    log(`seeded ${seeded.images} images in ${seeded.streams} image streams (${seeded.blobs} blobs) in ${seeded.ms} ms`);
    const env = cliEnv(sb, tmp.dir);
    const once = async (args: string[]): Promise<RunResult> => {
      const r = check(await run(NODE, [BIN, 'usage', ...args, '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', pollMs: 50, timeoutMs: 300_000 }), `regctl usage ${args.join(' ')}`);
      const out = JSON.parse(r.stdout) as { registry: { images: number; bytes: number }; units: Array<{ attributed: number }> };
      const sum = out.units.reduce((n, u) => n + u.attributed, 0);
      if (out.registry.images !== seeded.images || out.registry.bytes !== seeded.bytes || sum !== seeded.bytes) {
        throw new Error(`regctl usage ${args.join(' ')}: ${out.registry.images} images, ${out.registry.bytes} bytes, attributed ${sum}; seeded ${seeded.images} images, ${seeded.bytes} bytes`);
      }
      r.stdout = '';
      return r;
    };
    // One unmeasured run first: the API server (in this process) has just built 100,000 objects and is still cold.
    await once([]);
    const rows: Row[] = [];
    for (const [id, args, what] of [['8', [], 'by project'], ['8i', ['--by', 'image'], 'by image']] as const) {
      const runs: RunResult[] = [];
      for (let i = 0; i < o.rounds; i++) runs.push(await once([...args]));
      const ms = median(runs.map((r) => r.wallMs));
      const rss = Math.max(...runs.map((r) => r.maxRssBytes ?? 0));
      const cpu = runs[0]?.cpuMs !== undefined ? fmtMs(median(runs.map((r) => r.cpuMs!))) : 'n/a';
      const name = `regctl usage ${what} (${seeded.images} images, ${seeded.streams} streams)`;
      rows.push(
        { id: `${id}a`, name, measured: fmtMs(ms), baseline: '-', ratio: fmtMs(ms), target: `≤ ${TARGET_MS / 1000} s`, pass: ms <= TARGET_MS, notes: [`${name}: ${runs.map((r) => fmtMs(r.wallMs)).join(', ')} (CPU ${cpu}); seeding ${seeded.ms} ms, ${seeded.blobs} blobs`] },
        { id: `${id}b`, name: `${name}: peak RSS`, measured: fmtMB(rss), baseline: '-', ratio: fmtMB(rss), target: `≤ ${TARGET_RSS / 1e6} MB`, pass: rss > 0 && rss <= TARGET_RSS },
      );
    }
    return rows;
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
