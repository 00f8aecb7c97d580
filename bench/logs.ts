// 4. `regctl logs -f` over a 1 GiB registry log: throughput and peak RSS. The sandbox streams a synthetic log
// for one registry pod (generated, with backpressure). regctl's stdout is piped straight into a sink process
// (bench/lib/sink.mjs) that counts bytes and watches for the sentinel line; then regctl gets SIGINT, as from a user.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, cliEnv, registryPods, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, run, type RunningChild } from './lib/measure.ts';
import { syntheticRegistryLog, type SyntheticLog } from './lib/registry-log.ts';
import type { Row } from './lib/report.ts';

const TARGET_MBPS = 100;
const TARGET_RSS_MB = 100;
const SINK = path.join(ROOT, 'bench', 'lib', 'sink.mjs');

interface FollowResult {
  mbps: number;
  overallMbps: number;
  peakRss: number;
  outBytes: number;
  streamMs: number;
  totalMs: number;
  cpuMs?: number;
}

async function follow(sb: Sandbox, home: string, args: string[], log: SyntheticLog): Promise<FollowResult> {
  const env = cliEnv(sb, home);
  const sink = spawn(NODE, [SINK, log.sentinel], { stdio: ['pipe', 'pipe', 'inherit'] });
  const report = new Promise<{ first: string | null; end: string | null; bytes: number }>((resolve, reject) => {
    let out = '';
    sink.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    sink.on('error', reject);
    sink.on('close', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`the stdout sink ended without a report: ${out}`));
      }
    });
  });
  let regctl: RunningChild | undefined;
  let peakAtEnd = 0;
  // When the sink has seen the sentinel: the peak RSS so far, then Ctrl-C.
  const stopped = report.then(
    () => {
      if (!regctl) return;
      peakAtEnd = regctl.peakRss();
      regctl.signal('SIGINT');
    },
    () => regctl?.signal('SIGINT'),
  );
  const started = process.hrtime.bigint();
  const r = await run(NODE, [BIN, 'logs', '-f', ...args], { env, cwd: ROOT, stdout: sink.stdin, pollMs: 100, timeoutMs: 600_000, onSpawn: (c) => (regctl = c) });
  sink.stdin.destroy();
  await stopped;
  const rep = await report.catch((e: Error) => {
    throw new Error(`regctl logs -f ${args.join(' ')}: ${e.message}; stderr: ${r.stderr.trim().slice(-300)}`);
  });
  check(r, `regctl logs -f ${args.join(' ')}`, [0, 130]);
  if (!rep.end || !rep.first) throw new Error(`regctl logs -f ${args.join(' ')} ended before the end of the log (${rep.bytes} bytes): ${r.stderr.trim().slice(-300)}`);
  const streamMs = Number(BigInt(rep.end) - BigInt(rep.first)) / 1e6;
  const totalMs = Number(BigInt(rep.end) - started) / 1e6;
  return {
    mbps: log.bytes / 1e6 / (streamMs / 1000),
    overallMbps: log.bytes / 1e6 / (totalMs / 1000),
    peakRss: Math.max(peakAtEnd, r.maxRssBytes ?? 0),
    outBytes: rep.bytes,
    streamMs,
    totalMs,
    cpuMs: r.cpuMs,
  };
}

export async function logs(o: { bytes: number }): Promise<Row[]> {
  const tmp = tempDir('logs');
  const sb = await startSandbox({ profile: 'aws' });
  try {
    const pods = registryPods(sb);
    if (!pods.length) throw new Error('no ready registry pod in the sandbox');
    const log = syntheticRegistryLog(o.bytes);
    sb.store.logs.setSource!('openshift-image-registry', pods[0]!, 'registry', log.source);
    const size = `${(log.bytes / 2 ** 30).toFixed(2)} GiB`;
    const rows: Row[] = [];
    const variants: Array<[string, string, string[]]> = [
      ['4', `regctl logs -f (${pods.length} pods, [pod] prefixes)`, []],
      ['4p', 'regctl logs -f --pod (one pod, as is)', ['--pod', pods[0]!]],
    ];
    for (const [id, name, args] of variants) {
      const f = await follow(sb, tmp.dir, args, log);
      const notes = [
        `${size} (${log.bytes} bytes) of registry log lines for pod ${pods[0]}; ${(f.outBytes / 1e6).toFixed(0)} MB written to stdout; first to last byte ${fmtMs(f.streamMs)}, from start ${fmtMs(f.totalMs)} (${f.overallMbps.toFixed(0)} MB/s incl. start-up); CPU ${f.cpuMs !== undefined ? fmtMs(f.cpuMs) : 'n/a'}`,
      ];
      rows.push(
        { id: `${id}a`, name: `${name}: throughput`, measured: `${f.mbps.toFixed(0)} MB/s`, baseline: '-', ratio: `${f.mbps.toFixed(0)} MB/s`, target: `≥ ${TARGET_MBPS} MB/s`, pass: f.mbps >= TARGET_MBPS, notes },
        { id: `${id}b`, name: `${name}: peak RSS`, measured: fmtMB(f.peakRss), baseline: '-', ratio: fmtMB(f.peakRss), target: `≤ ${TARGET_RSS_MB} MB`, pass: f.peakRss > 0 && f.peakRss <= TARGET_RSS_MB * 1e6 },
      );
    }
    return rows;
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
