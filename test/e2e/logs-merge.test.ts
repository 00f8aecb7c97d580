// `regctl logs` across replicas: lines merged by the kubelet's RFC3339Nano timestamp (nanoseconds count, ties keep
// the pods' order), full precision kept in --timestamps and -o json, and -f printing a pod's line while another is quiet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { waitForOutput } from './support/wait-output.js';
import { registryPods, twoReadyRegistryPods } from './support/registry-pods.js';
import { runCli } from '../helpers/cli.js';

const NS = 'openshift-image-registry';
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

function envFor(sb: Sandbox) {
  return { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' };
}


function logrus(msg: string): string {
  return `time="${new Date().toISOString()}" level=info msg="${msg}" go.version="go1.22.9"`;
}

/** `[pod] TIMESTAMP rest` → its parts. */
function split(line: string): { pod: string; ts: string; rest: string } {
  const m = /^\[([^\]]+)\] (\S+) (.*)$/.exec(line);
  if (!m) throw new Error(`not a prefixed, timestamped line: ${line}`);
  return { pod: m[1]!, ts: m[2]!, rest: m[3]! };
}


describe('regctl logs: merged by timestamp across pods', () => {
  let sb: Sandbox;
  let pods: string[];
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    pods = await twoReadyRegistryPods(sb);
  }, 45_000);
  afterAll(async () => sb?.stop());

  it('prints lines written alternately to two pods in time order, not pod after pod', async () => {
    for (let i = 0; i < 6; i++) sb.store.logs.append(NS, pods[i % 2]!, 'registry', logrus(`e2e merge ${i}`));
    const r = await runCli(['logs'], { env: envFor(sb) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mine = r.stdout.split('\n').filter((l) => l.includes('e2e merge '));
    expect(mine).toEqual([0, 1, 2, 3, 4, 5].map((i) => expect.stringMatching(new RegExp(`^\\[${pods[i % 2]}\\] time=".*" level=info msg="e2e merge ${i}"`))));
    expect(r.stdout).not.toMatch(/^\[[^\]]+\] \d{4}-\d\d-\d\dT/m); // timestamps requested for the merge are not shown

    // The whole output, with --timestamps, is in timestamp order; every timestamp has nine digits.
    const t = await runCli(['logs', '--timestamps'], { env: envFor(sb) });
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split('\n').map(split);
    expect(new Set(lines.map((l) => l.pod))).toEqual(new Set(pods));
    for (const l of lines) expect(l.ts).toMatch(TS);
    const stamps = lines.map((l) => l.ts);
    expect(stamps).toEqual([...stamps].sort());

    const j = await runCli(['logs', '-o', 'json'], { env: envFor(sb) });
    expect(j.code).toBe(0);
    const recs = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(recs.filter((x) => x.msg.startsWith('e2e merge ')).map((x) => [x.pod, x.msg])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [pods[i % 2], `e2e merge ${i}`]));
    expect(recs.map((x) => x.timestamp)).toEqual(recs.map((x) => x.timestamp).sort());
  });

  it('-f prints a line of one pod while the other is quiet, in the order the lines arrive', async () => {
    let child: ChildProcess | undefined;
    let out = '';
    const run = runCli(['logs', '-f', '--tail', '1', '--timestamps'], {
      env: envFor(sb),
      timeoutMs: 50_000,
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d) => (out += d));
      },
    });
    // Both streams are open once each pod's last line is shown.
    await waitForOutput(() => out, (s) => pods.every((p) => s.includes(`[${p}] `)));
    const steps: Array<[string, string]> = [
      [pods[1]!, 'e2e follow b1'],
      [pods[1]!, 'e2e follow b2'],
      [pods[0]!, 'e2e follow a1'],
      [pods[1]!, 'e2e follow b3'],
    ];
    for (const [pod, msg] of steps) {
      sb.store.logs.append(NS, pod, 'registry', logrus(msg));
      // Shown before anything else is written to any pod: no waiting for the quiet pod.
      await waitForOutput(() => out, (s) => s.includes(`msg="${msg}"`));
    }
    child!.kill('SIGINT');
    const r = await run;
    expect(r.code).toBe(130);
    const mine = r.stdout.split('\n').filter((l) => l.includes('e2e follow ')).map(split);
    expect(mine.map((l) => [l.pod, /msg="([^"]+)"/.exec(l.rest)![1]])).toEqual(steps);
    for (const l of mine) expect(l.ts).toMatch(TS);
  }, 60_000);

  it('orders by the full nanosecond timestamp, keeps it in the output, and breaks ties by pod order', async () => {
    // One second in the future, so these are the newest lines of both logs; they differ only in nanoseconds.
    const base = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toISOString().slice(0, 19);
    const at = (ns: number) => `${base}.${String(ns).padStart(9, '0')}Z`;
    const [a, b] = pods as [string, string];
    const writes: Array<[string, number, string]> = [
      [a, 1, 'ns a1'],
      [b, 2, 'ns b1'],
      [a, 3, 'ns a2'],
      [b, 4, 'ns b2'],
      [a, 5, 'ns tie1 a'], // ties: written a first here …
      [b, 5, 'ns tie1 b'],
      [b, 6, 'ns tie2 b'], // … and b first here
      [a, 6, 'ns tie2 a'],
      [b, 999_999_999, 'ns b3'],
    ];
    for (const [pod, ns, msg] of writes) sb.store.logs.append(NS, pod, 'registry', logrus(msg), at(ns));

    const r = await runCli(['logs', '--timestamps', '--tail', '50'], { env: envFor(sb) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mine = r.stdout.split('\n').filter((l) => l.includes('msg="ns ')).map(split);
    const got = mine.map((l) => `${l.ts} [${l.pod}] ${/msg="([^"]+)"/.exec(l.rest)![1]}`);
    expect(got.slice(0, 4)).toEqual([`${at(1)} [${a}] ns a1`, `${at(2)} [${b}] ns b1`, `${at(3)} [${a}] ns a2`, `${at(4)} [${b}] ns b2`]);
    // Equal timestamps: the same pod first both times, whichever line was written first.
    const tie1 = got.slice(4, 6).map((s) => s.split(' ')[1]);
    const tie2 = got.slice(6, 8).map((s) => s.split(' ')[1]);
    expect(new Set(tie1)).toEqual(new Set([`[${a}]`, `[${b}]`]));
    expect(tie2).toEqual(tie1);
    expect(got.slice(4, 8).map((s) => s.split(' ')[0])).toEqual([at(5), at(5), at(6), at(6)]);
    expect(got[8]).toBe(`${at(999_999_999)} [${b}] ns b3`);

    const j = await runCli(['logs', '-o', 'json', '--tail', '50'], { env: envFor(sb) });
    const recs = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((x) => x.msg.startsWith('ns '));
    expect(recs.slice(0, 4).map((x) => [x.timestamp, x.pod, x.msg])).toEqual([
      [at(1), a, 'ns a1'],
      [at(2), b, 'ns b1'],
      [at(3), a, 'ns a2'],
      [at(4), b, 'ns b2'],
    ]);
  });
});
