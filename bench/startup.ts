// 1. Start-up: `regctl --version` and `regctl --help` against `node -e 0`, interleaved, medians of wall time.
// 1a/1b: stdout is not a terminal (a pipe to /dev/null), so bin/regctl.js prints the files the build wrote.
// 1c: `regctl --help` as on a terminal, where commander (in the bundle) lays the help out at the terminal's width.
// Both it and its own `node -e 0` baseline run with stdout on a pseudo-terminal (120 columns): one `script`
// (util-linux) holds the terminal and runs a small Node host in it, which spawns and times each command exactly as
// the other rows are timed (so the terminal's set-up is not part of any measured run). The notes also give
// `--no-color --help` on the same terminal (the same path, with an extra flag).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, NODE, ROOT, baseEnv, tempDir } from './lib/env.ts';
import { check, fmtMs, interleaved, median, run, type RunResult } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET = 1.3;
const COLUMNS = 120;

export async function startup(o: { rounds: number }): Promise<Row[]> {
  const home = tempDir('startup');
  try {
    const env = baseEnv({ HOME: home.dir });
    const cmds = {
      node: () => run(NODE, ['-e', '0'], { env, cwd: ROOT }),
      version: () => run(NODE, [BIN, '--version'], { env, cwd: ROOT }),
      help: () => run(NODE, [BIN, '--help'], { env, cwd: ROOT }),
    };
    // One warm-up each: page cache, not what is measured.
    for (const c of Object.values(cmds)) check(await c(), 'warm-up');
    const [node, version, help] = await interleaved([cmds.node, cmds.version, cmds.help], o.rounds);
    for (const r of [...node!, ...version!, ...help!]) check(r, 'start-up run');
    const rows = [row('1a', 'regctl --version', version!, node!, 'node -e 0', o.rounds), row('1b', 'regctl --help', help!, node!, 'node -e 0', o.rounds)];
    rows.push(await onTerminal(home.dir, o.rounds));
    return rows;
  } finally {
    home.remove();
  }
}

/** A row: medians, and the ratio as the median of per-round ratios against the baseline run of the same round. */
function row(id: string, name: string, rs: RunResult[], base: RunResult[], baseName: string, rounds: number, more: string[] = []): Row {
  const wall = (xs: RunResult[]) => median(xs.map((r) => r.wallMs));
  const cpu = (xs: RunResult[]) => (xs.every((r) => r.cpuMs !== undefined) ? median(xs.map((r) => r.cpuMs!)) : NaN);
  // Each run against the baseline run of its own round: load that drifts during the benchmark cancels out.
  const ratio = median(rs.map((r, i) => r.wallMs / base[i]!.wallMs));
  const cpuRatio = cpu(rs) / cpu(base);
  return {
    id,
    name,
    measured: fmtMs(wall(rs)),
    baseline: `${fmtMs(wall(base))} (${baseName})`,
    ratio: `${ratio.toFixed(2)}×`,
    target: `≤ ${TARGET}×`,
    pass: ratio <= TARGET,
    notes: [
      `median of ${rounds} interleaved rounds; ratio = median of the per-round ratios; CPU (user+sys) median ${Number.isNaN(cpuRatio) ? 'n/a' : `${Math.round(cpu(rs))} ms vs ${Math.round(cpu(base))} ms = ${cpuRatio.toFixed(2)}×`}`,
      `wall min/max ${Math.round(Math.min(...rs.map((r) => r.wallMs)))}/${Math.round(Math.max(...rs.map((r) => r.wallMs)))} ms`,
      ...more,
    ],
  };
}

/**
 * Runs in the pseudo-terminal (`node --import tsx -e`): times the commands of SPEC with bench/lib/measure.ts, their
 * stdout being this process's (the terminal), and writes the results to SPEC.out.
 */
const HOST = `
const spec = JSON.parse(process.env.REGCTL_BENCH_SPEC);
if (!process.stdout.isTTY || process.stdout.columns !== spec.columns) throw new Error('the host is not on a ' + spec.columns + '-column terminal');
const { run, interleaved } = await import(spec.measure);
const cmds = spec.cmds.map(([cmd, args]) => () => run(cmd, args, { env: spec.env, cwd: spec.cwd, stdout: process.stdout }));
for (const c of cmds) await c();
const results = await interleaved(cmds, spec.rounds);
(await import('node:fs')).writeFileSync(spec.out, JSON.stringify(results));
`;

/** 1c: `regctl --help` and `node -e 0`, and the commander path for the notes, with stdout on a terminal. */
async function onTerminal(tmp: string, rounds: number): Promise<Row> {
  const id = '1c';
  const name = 'regctl --help on a terminal';
  if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return { id, name, measured: 'n/a', baseline: '-', ratio: '-', target: `≤ ${TARGET}×`, notes: ['needs `script` (util-linux) for a pseudo-terminal'] };
  }
  // As a terminal session has it: a TERM, no NO_COLOR.
  const { NO_COLOR: _, ...env } = baseEnv({ HOME: tmp, TERM: 'xterm-256color' });
  const out = path.join(tmp, 'pty-results.json');
  const spec = {
    measure: pathToFileURL(path.join(ROOT, 'bench', 'lib', 'measure.ts')).href,
    cmds: [
      [NODE, ['-e', '0']],
      [NODE, [BIN, '--help']],
      [NODE, [BIN, '--no-color', '--help']],
    ],
    env,
    cwd: ROOT,
    rounds,
    columns: COLUMNS,
    out,
  };
  const sh = `stty cols ${COLUMNS} rows 40 && exec "$REGCTL_BENCH_NODE" --import tsx --input-type=module -e "$REGCTL_BENCH_HOST"`;
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('script', ['-qfec', sh, '/dev/null'], {
      cwd: ROOT,
      env: { ...env, REGCTL_BENCH_NODE: NODE, REGCTL_BENCH_HOST: HOST, REGCTL_BENCH_SPEC: JSON.stringify(spec) },
      // The terminal's output (the help texts, the host's errors) comes out of script's stdout.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const keep = (c: Buffer) => {
      text = (text + c.toString('utf8')).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: text }));
  });
  if (r.code !== 0 || !fs.existsSync(out)) throw new Error(`the pseudo-terminal host exited ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const [node, help, commander] = JSON.parse(fs.readFileSync(out, 'utf8')) as RunResult[][];
  for (const x of [...node!, ...help!, ...commander!]) check(x, 'start-up run on a terminal');
  const via = row(id, '', commander!, node!, '', rounds);
  return row(id, name, help!, node!, `node -e 0 on the terminal`, rounds, [
    `stdout on a ${COLUMNS}-column pseudo-terminal (util-linux script), both commands; the help rendered by commander in the bundle`,
    `\`--no-color --help\` on the same terminal: ${via.measured}, ${via.ratio}`,
  ]);
}
