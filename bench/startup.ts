// 1. Start-up: `regctl --version` and `regctl --help` against `node -e 0`, interleaved, medians of wall time.
// stdout is not a terminal here, so bin/regctl.js prints the help the build captured; 1c measures the path a
// terminal takes (the bundle and commander render it), forced with `--no-color --help` (same text).
import { BIN, NODE, ROOT, baseEnv, tempDir } from './lib/env.ts';
import { check, fmtMs, interleaved, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET = 1.3;

export async function startup(o: { rounds: number }): Promise<Row[]> {
  const home = tempDir('startup');
  try {
    const env = baseEnv({ HOME: home.dir });
    const cmds = {
      node: () => run(NODE, ['-e', '0'], { env, cwd: ROOT }),
      version: () => run(NODE, [BIN, '--version'], { env, cwd: ROOT }),
      help: () => run(NODE, [BIN, '--help'], { env, cwd: ROOT }),
      rendered: () => run(NODE, [BIN, '--no-color', '--help'], { env, cwd: ROOT }),
    };
    // One warm-up each: page cache, not what is measured.
    for (const c of Object.values(cmds)) check(await c(), 'warm-up');
    const [node, version, help, rendered] = await interleaved([cmds.node, cmds.version, cmds.help, cmds.rendered], o.rounds);
    for (const r of [...node!, ...version!, ...help!, ...rendered!]) check(r, 'start-up run');
    const wall = (rs: typeof node) => median(rs!.map((r) => r.wallMs));
    const cpu = (rs: typeof node) => (rs!.every((r) => r.cpuMs !== undefined) ? median(rs!.map((r) => r.cpuMs!)) : NaN);
    const base = wall(node);
    const row = (id: string, name: string, rs: typeof node): Row => {
      // Each run against the `node -e 0` run of its own round: load that drifts during the benchmark cancels out.
      const ratio = median(rs!.map((r, i) => r.wallMs / node![i]!.wallMs));
      const cpuRatio = cpu(rs) / cpu(node);
      return {
        id,
        name,
        measured: fmtMs(wall(rs)),
        baseline: `${fmtMs(base)} (node -e 0)`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≤ ${TARGET}×`,
        pass: ratio <= TARGET,
        notes: [
          `median of ${o.rounds} interleaved rounds; ratio = median of the per-round ratios; CPU (user+sys) median ${Number.isNaN(cpuRatio) ? 'n/a' : `${Math.round(cpu(rs))} ms vs ${Math.round(cpu(node))} ms = ${cpuRatio.toFixed(2)}×`}`,
          `wall min/max ${Math.round(Math.min(...rs!.map((r) => r.wallMs)))}/${Math.round(Math.max(...rs!.map((r) => r.wallMs)))} ms`,
        ],
      };
    };
    return [row('1a', 'regctl --version', version), row('1b', 'regctl --help', help), row('1c', 'regctl --help, rendered (as on a terminal)', rendered)];
  } finally {
    home.remove();
  }
}
