// 5. The metrics parser on a 50,000-series exposition (in fresh processes: cold, as one `regctl metrics` pays it):
// 5a the parse alone (the target), 5c the parse and the summary regctl prints from it (what a run spends
// between the scrape and the output), and 5b the whole `regctl metrics` end to end against the sandbox registry
// serving as many series.
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, baseEnv, cliEnv, exposeDefaultRoute, tempDir } from './lib/env.ts';
import { addRegistrySeries, exposition } from './lib/exposition.ts';
import { check, fmtMs, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 150;
/** Fresh processes per figure (medians). */
const PROCESSES = 5;
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** What bench/lib/parse-time.ts reports. */
interface ParseTime {
  coldMs: number;
  summarizeMs: number;
  coldTotalMs: number;
  warmMs: number;
  samples: number;
  bytes: number;
}

export async function metrics(o: { series: number; rounds?: number }): Promise<Row[]> {
  const tmp = tempDir('metrics');
  try {
    const ex = exposition(o.series);
    const file = path.join(tmp.dir, 'exposition.txt');
    fs.writeFileSync(file, ex.text);
    const times: ParseTime[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const r = check(await run(NODE, [TSX, path.join(ROOT, 'bench', 'lib', 'parse-time.ts'), file], { env: baseEnv({ HOME: tmp.dir }), cwd: ROOT, stdout: 'keep' }), 'parse-time');
      const t = JSON.parse(r.stdout) as ParseTime;
      if (t.samples !== ex.series) throw new Error(`the parser returned ${t.samples} samples of ${ex.series}`);
      times.push(t);
    }
    const list = (k: keyof ParseTime) => times.map((t) => Math.round(t[k])).join(', ');
    const cold = median(times.map((t) => t.coldMs));
    const total = median(times.map((t) => t.coldTotalMs));
    const mb = (times[0]!.bytes / 1e6).toFixed(1);
    const rows: Row[] = [
      {
        id: '5a',
        name: `metrics parser, ${ex.series} series (${mb} MB)`,
        measured: fmtMs(cold),
        baseline: '-',
        ratio: `${Math.round(cold)} ms`,
        target: `≤ ${TARGET_MS} ms`,
        pass: cold <= TARGET_MS,
        notes: [
          `parsePrometheusText, first call in a fresh process (median of ${PROCESSES} processes: ${list('coldMs')} ms); warm (median of 7 more parses in the same process) ${Math.round(median(times.map((t) => t.warmMs)))} ms`,
        ],
      },
    ];
    const parseAndSummary: Row = {
      id: '5c',
      name: `metrics parse + summary, ${ex.series} series (${mb} MB)`,
      measured: fmtMs(total),
      baseline: '-',
      ratio: `${Math.round(total)} ms`,
      target: `≤ ${TARGET_MS} ms`,
      pass: total <= TARGET_MS,
      notes: [
        `parsePrometheusText then summarize() on its result, as \`regctl metrics\` runs them, cold (same ${PROCESSES} processes: ${list('coldTotalMs')} ms; summarize() alone ${list('summarizeMs')} ms)`,
      ],
    };

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
    rows.push(parseAndSummary);
    return rows;
  } finally {
    tmp.remove();
  }
}
