// `npm run bench` (after the build): the five benchmarks of issue #11, side by side in one run, each ratio next to
// its target. `npm run bench -- --only 1,3` runs some; `--quick` fewer rounds and less data (a smoke run);
// `--json FILE` also writes the rows and the machine as JSON. Timings are never asserted: FAIL rows exit 0.
import fs from 'node:fs';
import os from 'node:os';
import { copy } from './copy.ts';
import { fleet } from './fleet.ts';
import { logs } from './logs.ts';
import { metrics } from './metrics.ts';
import { prune } from './prune.ts';
import { render } from './render.ts';
import { status } from './status.ts';
import { startup } from './startup.ts';
import { tags } from './tags.ts';
import { usage } from './usage.ts';
import { log } from './lib/env.ts';
import { hasGnuTime } from './lib/measure.ts';
import { printTable, type Row } from './lib/report.ts';

interface Args {
  only: Set<number>;
  quick: boolean;
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), quick: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--only') a.only = new Set(String(argv[++i] ?? '').split(',').map(Number).filter((n) => n >= 1 && n <= 10));
    else if (x.startsWith('--only=')) a.only = new Set(x.slice(7).split(',').map(Number).filter((n) => n >= 1 && n <= 10));
    else if (x === '--quick') a.quick = true;
    else if (x === '--json') a.json = argv[++i];
    else throw new Error(`unknown argument ${x} (use --only N[,N…], --quick, --json FILE)`);
  }
  if (!a.only.size) throw new Error('--only needs benchmark numbers 1-10, e.g. --only 1,3');
  return a;
}

export function machine(): Record<string, string> {
  const mem = os.totalmem();
  return {
    cpus: `${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    memory: `${(mem / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const q = args.quick;
  const started = Date.now();
  const m0 = machine();
  log(`machine: ${Object.entries(m0).map(([k, v]) => `${k} ${v}`).join('; ')}${hasGnuTime ? '' : ' (no /usr/bin/time: CPU times not measured)'}`);
  const steps: Array<[number, string, () => Promise<Row[]>]> = [
    [1, 'start-up', () => startup({ rounds: q ? 5 : 25 })],
    [2, 'status vs kubectl', () => status({ rounds: q ? 3 : 7 })],
    [3, 'tags --all vs skopeo', () => tags({ repos: q ? 200 : 1000, tagsPer: 10, skopeoSample: q ? 10 : 50, rounds: q ? 1 : 3 })],
    [4, 'logs -f', () => logs({ bytes: q ? 128 * 2 ** 20 : 2 ** 30 })],
    [5, 'metrics', () => metrics({ series: 50_000 })],
    [6, 'copy vs skopeo', () => copy(q ? { images: 5, layers: 5, layerBytes: 1_000_000 } : { images: 20, layers: 5, layerBytes: 2_000_000 })],
    [7, 'prune plan, prediction', () => prune(q ? { images: 20_000, cycleImages: 10, layerBytes: 1_000_000 } : { images: 100_000, cycleImages: 50, layerBytes: 2_000_000 })],
    [8, 'usage (100k images)', () => usage({ images: q ? 20_000 : 100_000, rounds: q ? 1 : 3 })],
    [9, 'status across 50 clusters', () => fleet({ clusters: q ? 10 : 50, rounds: q ? 2 : 5 })],
    [10, '--render acm-policy', () => render({ rounds: q ? 3 : 7 })],
  ];
  const rows: Row[] = [];
  for (const [n, name, fn] of steps) {
    if (!args.only.has(n)) continue;
    const t = Date.now();
    log(`${n}. ${name} …`);
    try {
      rows.push(...(await fn()));
    } catch (e) {
      log(`${n}. ${name} failed: ${(e as Error).stack ?? e}`);
      rows.push({ id: String(n), name, measured: 'error', baseline: '-', ratio: '-', target: '-', pass: false, notes: [(e as Error).message] });
    }
    log(`${n}. ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  process.stdout.write('\n');
  printTable(rows);
  process.stdout.write('\n');
  for (const r of rows) for (const n of r.notes ?? []) process.stdout.write(`${r.id}: ${n}\n`);
  const m1 = machine();
  process.stdout.write(`\n${Object.entries(m1).map(([k, v]) => `${k}: ${v}`).join('\n')}\nload at start: ${m0.load}\ntotal: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), machine: m1, loadAtStart: m0.load, quick: q, rows }, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
