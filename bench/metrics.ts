// 5. The metrics parser on a 50,000-series exposition (in a fresh process: cold, as one `regctl metrics` pays),
// and the whole `regctl metrics` end to end against the sandbox registry serving as many series.
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, baseEnv, cliEnv, exposeDefaultRoute, tempDir } from './lib/env.ts';
import { addRegistrySeries, exposition } from './lib/exposition.ts';
import { check, fmtMs, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 150;
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export async function metrics(o: { series: number; rounds?: number }): Promise<Row[]> {
  const tmp = tempDir('metrics');
  try {
    const ex = exposition(o.series);
    const file = path.join(tmp.dir, 'exposition.txt');
    fs.writeFileSync(file, ex.text);
    const colds: number[] = [];
    let last: { coldMs: number; warmMs: number; summarizeMs: number; samples: number; bytes: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const r = check(await run(NODE, [TSX, path.join(ROOT, 'bench', 'lib', 'parse-time.ts'), file], { env: baseEnv({ HOME: tmp.dir }), cwd: ROOT, stdout: 'keep' }), 'parse-time');
      last = JSON.parse(r.stdout);
      if (last!.samples !== ex.series) throw new Error(`the parser returned ${last!.samples} samples of ${ex.series}`);
      colds.push(last!.coldMs);
    }
    const cold = median(colds);
    const rows: Row[] = [
      {
        id: '5a',
        name: `metrics parser, ${ex.series} series (${(last!.bytes / 1e6).toFixed(1)} MB)`,
        measured: fmtMs(cold),
        baseline: '-',
        ratio: `${Math.round(cold)} ms`,
        target: `≤ ${TARGET_MS} ms`,
        pass: cold <= TARGET_MS,
        notes: [`parsePrometheusText, first call in a fresh process (median of 3 processes: ${colds.map((c) => Math.round(c)).join(', ')} ms); warm ${Math.round(last!.warmMs)} ms; summarize() afterwards ${Math.round(last!.summarizeMs)} ms`],
      },
    ];

    const sb = await startSandbox({ profile: 'aws' });
    try {
      await exposeDefaultRoute(sb);
      addRegistrySeries(sb.registryMetrics, o.series);
      const env = cliEnv(sb, tmp.dir);
      const cmd = () => run(NODE, [BIN, 'metrics'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 120_000 });
      check(await cmd(), 'regctl metrics (warm-up)');
      const raw = check(await run(NODE, [BIN, 'metrics', '--raw'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 120_000 }), 'regctl metrics --raw');
      const served = raw.stdout.split('\n').filter((l) => l && !l.startsWith('#')).length;
      const runs = [];
      for (let i = 0; i < (o.rounds ?? 5); i++) runs.push(check(await cmd(), 'regctl metrics'));
      const e2e = median(runs.map((r) => r.wallMs));
      rows.push({
        id: '5b',
        name: `regctl metrics end to end (${served} series served)`,
        measured: fmtMs(e2e),
        baseline: '-',
        ratio: '-',
        target: '-',
        notes: [`median of ${runs.length} runs: start-up, route discovery, token, HTTPS scrape through the router, parse, summary; CPU ${runs[0]?.cpuMs !== undefined ? fmtMs(median(runs.map((r) => r.cpuMs!))) : 'n/a'}`],
      });
    } finally {
      await sb.stop();
    }
    return rows;
  } finally {
    tmp.remove();
  }
}
