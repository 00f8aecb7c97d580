// 2. `regctl status -o json` against the kubectl sequence it replaces, run as a script would (one after the
// other), with 50 ms added to every API request. kubectl gets a warm discovery cache (as on an admin's laptop).
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, cliEnv, tempDir } from './lib/env.ts';
import { check, fmtMs, interleaved, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET = 0.5;
const LATENCY_MS = 50;

export async function status(o: { rounds: number }): Promise<Row[]> {
  const tmp = tempDir('status');
  const sb = await startSandbox({ profile: 'aws' });
  try {
    const env = cliEnv(sb, tmp.dir);
    const cache = path.join(tmp.dir, 'kube-cache');
    const k = `kubectl --cache-dir ${cache}`;
    const script = [
      'set -e',
      `${k} get clusteroperator image-registry -o json >/dev/null`,
      `${k} get configs.imageregistry.operator.openshift.io cluster -o json >/dev/null`,
      `${k} get pods -n openshift-image-registry -o json >/dev/null`,
      `${k} get routes -n openshift-image-registry -o json >/dev/null`,
    ].join('\n');
    const regctl = () => run(NODE, [BIN, 'status', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep' });
    const kubectl = () => run('bash', ['-c', script], { env, cwd: ROOT });
    sb.faults.latencyMs = LATENCY_MS;
    // Warm-up: kubectl's discovery cache, the page cache.
    check(await kubectl(), 'kubectl sequence');
    const first = check(await regctl(), 'regctl status -o json');
    const health = JSON.parse(first.stdout).health;
    if (!health?.available) throw new Error(`regctl status: the sandbox registry is not available: ${JSON.stringify(health)}`);
    const [r, kc] = await interleaved([regctl, kubectl], o.rounds);
    for (const x of r!) check(x, 'regctl status -o json');
    for (const x of kc!) check(x, 'kubectl sequence');
    const rm = median(r!.map((x) => x.wallMs));
    const km = median(kc!.map((x) => x.wallMs));
    const ratio = rm / km;
    const cpu = (xs: typeof r) => (xs!.every((x) => x.cpuMs !== undefined) ? `${Math.round(median(xs!.map((x) => x.cpuMs!)))} ms` : 'n/a');
    return [
      {
        id: '2',
        name: `regctl status -o json (API +${LATENCY_MS} ms)`,
        measured: fmtMs(rm),
        baseline: `${fmtMs(km)} (4× kubectl get)`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≤ ${TARGET}×`,
        pass: ratio <= TARGET,
        notes: [`median of ${o.rounds} interleaved runs; CPU median regctl ${cpu(r)}, kubectl sequence ${cpu(kc)}`],
      },
    ];
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
