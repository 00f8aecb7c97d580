// 9. `regctl --all-contexts status -o json` over a fleet of sandbox clusters served by this process (test/sandbox/
// multi.ts: one process, one ingress proxy, lazily started registries), every API response 50 ms late, side by side
// with `regctl status -o json` on one of them. Targets (issue #18 part 5): ≤ 2× one cluster's time, peak RSS of
// regctl ≤ 200 MB. The kubeconfig holds only the fleet's contexts (admin@cluster-1 … admin@cluster-N).
import fs from 'node:fs';
import path from 'node:path';
import { clusterContext, fleetKubeconfig, sandboxContext, startClusters } from '../test/sandbox/multi.ts';
import { BIN, NODE, ROOT, cliEnv, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, interleaved, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET = 2;
const RSS_TARGET = 200e6;
const LATENCY_MS = 50;

export async function fleet(o: { clusters: number; rounds: number }): Promise<Row[]> {
  const tmp = tempDir('fleet');
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  const c = await startClusters(o.clusters, { dir: path.join(tmp.dir, 'clusters'), options: { latencyMs: LATENCY_MS } });
  const startMs = Date.now() - t0;
  const sandboxRss = process.memoryUsage().rss - rss0;
  try {
    const kubeconfig = path.join(tmp.dir, 'fleet.kubeconfig');
    fs.writeFileSync(kubeconfig, fleetKubeconfig(c.sandboxes.map((sb, i) => sandboxContext(clusterContext(i + 1), sb))), { mode: 0o600 });
    const env = cliEnv(c.sandboxes[0]!, tmp.dir, { KUBECONFIG: kubeconfig });
    const all = () => run(NODE, [BIN, '--all-contexts', 'status', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 300_000 });
    // For comparison: every context at once (no waves of 10).
    const wide = () => run(NODE, [BIN, '--all-contexts', '--max-concurrency', String(o.clusters), 'status', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', timeoutMs: 300_000 });
    const one = () => run(NODE, [BIN, 'status', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep' });
    // Warm-up, and the fleet answers: every cluster Available.
    const first = check(await all(), 'regctl --all-contexts status -o json');
    const items = (JSON.parse(first.stdout).items ?? []) as Array<{ context: string; exitCode: number }>;
    const bad = items.filter((i) => i.exitCode !== 0);
    if (items.length !== o.clusters || bad.length) throw new Error(`fleet status: ${items.length} items, not ok: ${bad.map((i) => i.context).join(', ')}`);
    check(await one(), 'regctl status -o json');
    const [a, s, w] = await interleaved([all, one, wide], o.rounds);
    for (const x of a!) check(x, 'regctl --all-contexts status -o json');
    for (const x of s!) check(x, 'regctl status -o json');
    for (const x of w!) check(x, 'regctl --all-contexts --max-concurrency N status -o json');
    const am = median(a!.map((x) => x.wallMs));
    const sm = median(s!.map((x) => x.wallMs));
    const ratio = am / sm;
    const rss = Math.max(...a!.map((x) => x.maxRssBytes ?? 0));
    const oneRss = Math.max(...s!.map((x) => x.maxRssBytes ?? 0));
    const cpu = (xs: typeof a) => (xs!.every((x) => x.cpuMs !== undefined) ? `${Math.round(median(xs!.map((x) => x.cpuMs!)))} ms` : 'n/a');
    const wm = median(w!.map((x) => x.wallMs));
    return [
      {
        id: '9',
        name: `status --all-contexts, ${o.clusters} clusters (API +${LATENCY_MS} ms)`,
        measured: fmtMs(am),
        baseline: `${fmtMs(sm)} (status, 1 cluster)`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≤ ${TARGET}×`,
        pass: ratio <= TARGET,
        notes: [
          `median of ${o.rounds} interleaved runs; CPU median fleet ${cpu(a)}, one cluster ${cpu(s)}; regctl's default --max-concurrency (10)`,
          floorNote(o.clusters, sm),
          `the sandbox: ${o.clusters} clusters started in ${fmtMs(startMs)}, +${fmtMB(sandboxRss)} RSS in the bench process`,
        ],
      },
      {
        id: '9',
        name: `… with --max-concurrency ${o.clusters} (every context at once)`,
        measured: fmtMs(wm),
        baseline: `${fmtMs(sm)} (status, 1 cluster)`,
        ratio: `${(wm / sm).toFixed(2)}×`,
        target: `≤ ${TARGET}×`,
        pass: wm / sm <= TARGET,
        notes: [`median of ${o.rounds} runs interleaved with the two above; CPU median ${cpu(w)}`],
      },
      {
        id: '9',
        name: `status --all-contexts, ${o.clusters} clusters: peak RSS`,
        measured: fmtMB(rss),
        baseline: `${fmtMB(oneRss)} (status, 1 cluster)`,
        ratio: fmtMB(rss),
        target: `≤ ${fmtMB(RSS_TARGET)}`,
        pass: rss > 0 && rss <= RSS_TARGET,
      },
    ];
  } finally {
    await c.stop();
    tmp.remove();
  }
}

/**
 * Why the target is out of reach at the default --max-concurrency 10: some slot runs ⌈N/10⌉ contexts one after the
 * other, each waiting ≥ LATENCY_MS for its API answers, so even with no CPU per context the fleet takes ≥ S + ⌈N/10⌉ ×
 * LATENCY_MS, where S = one cluster's time − LATENCY_MS (start-up, output). 2× one cluster = 2S + 2 × LATENCY_MS: met
 * only when S ≥ (⌈N/10⌉ − 2) × LATENCY_MS — a slower start-up would pass, a faster one cannot.
 */
function floorNote(clusters: number, oneMs: number): string {
  const rounds = Math.ceil(clusters / 10);
  const s = oneMs - LATENCY_MS;
  const need = (rounds - 2) * LATENCY_MS;
  return `floor at --max-concurrency 10: ≥ ${fmtMs(s + rounds * LATENCY_MS)} with no CPU per context (start-up and output ${fmtMs(s)} + ${rounds} contexts in a row × ${LATENCY_MS} ms) vs the target ${fmtMs(TARGET * oneMs)}: reachable only with a start-up of ≥ ${fmtMs(need)}`;
}
