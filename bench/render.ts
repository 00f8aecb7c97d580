// 10. `--render acm-policy` (issue 18 part 5): every mutating command that renders, against one sandbox, each timed
// from process start to exit (one unmeasured warm-up, then the median of the rounds). A render reads the cluster and
// writes files; nothing is applied. Target: under 1 s each.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startSandbox } from '../test/sandbox/index.ts';
import { BIN, NODE, ROOT, cliEnv, tempDir } from './lib/env.ts';
import { check, fmtMs, median, run } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_MS = 1000;

export async function render(o: { rounds: number }): Promise<Row[]> {
  const tmp = tempDir('render');
  const sb = await startSandbox({ profile: 'baremetal' });
  try {
    const env = cliEnv(sb, tmp.dir);
    const ca = path.join(tmp.dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=bench-ca', '-keyout', path.join(tmp.dir, 'ca.key'), '-out', ca], { stdio: 'ignore' });
    const authfile = path.join(tmp.dir, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { 'quay.io': { auth: Buffer.from('bench:not-a-real-password').toString('base64') } } }), { mode: 0o600 });
    const cli = async (args: string[], what: string) => check(await run(NODE, [BIN, ...args], { env, cwd: ROOT, timeoutMs: 60_000 }), `regctl ${what}`);
    // pull-secret link needs the secret: made for real, unmeasured.
    await cli(['pull-secret', 'create', 'benchcreds', '--from-authfile', authfile, '-n', 'default'], 'pull-secret create (setup)');
    const commands: Array<[string, string[]]> = [
      ['set-storage pvc', ['set-storage', 'pvc']],
      ['config set', ['config', 'set', 'logLevel=Debug']],
      ['expose --default-route', ['expose', '--default-route']],
      ['trust-ca add', ['trust-ca', 'add', 'registry.example.com', '--ca', ca]],
      ['grant viewer', ['grant', 'viewer', 'alice', '-n', 'default']],
      ['pull-secret create', ['pull-secret', 'create', 'quaycreds', '--from-authfile', authfile, '--link', 'default', '-n', 'default']],
      ['pull-secret link', ['pull-secret', 'link', 'benchcreds', 'builder', '-n', 'default']],
    ];
    const rows: Row[] = [];
    for (const [i, [name, args]] of commands.entries()) {
      const out = path.join(tmp.dir, `out-${i}`);
      const once = () => cli([...args, '--render', 'acm-policy', '--output-dir', out], `${name} --render acm-policy`);
      await once();
      // The run must have rendered a policy, not just exited 0.
      const files = fs.readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'));
      if (!files.some((f) => /^kind: Policy$/m.test(fs.readFileSync(path.join(out, f), 'utf8')))) throw new Error(`${name} --render acm-policy wrote no Policy (${files.join(', ') || 'no files'})`);
      const ms: number[] = [];
      for (let r = 0; r < o.rounds; r++) ms.push((await once()).wallMs);
      const m = median(ms);
      rows.push({ id: `10${String.fromCharCode(97 + i)}`, name: `${name} --render acm-policy`, measured: fmtMs(m), baseline: '-', ratio: fmtMs(m), target: `< ${TARGET_MS / 1000} s`, pass: m < TARGET_MS, notes: [`${name} --render acm-policy: ${ms.map(fmtMs).join(', ')}`] });
    }
    return rows;
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
