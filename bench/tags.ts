// 3. `regctl tags --all` over N repositories × T tags against a `skopeo list-tags` loop over the same, and
// regctl's peak RSS at N/10 and N repositories ("memory flat"). skopeo runs over a random sample, extrapolated.
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../test/sandbox/index.ts';
import { seedImageStreams } from '../test/sandbox/seed.ts';
import { BIN, NODE, ROOT, baseEnv, cliEnv, exposeDefaultRoute, log, tempDir } from './lib/env.ts';
import { check, fmtMB, fmtMs, median, run, type RunResult } from './lib/measure.ts';
import type { Row } from './lib/report.ts';

const TARGET_SPEEDUP = 20;
/** "Flat": peak RSS at N repositories at most this much above peak RSS at N/10. */
const FLAT_MB = 20;
const NAMESPACES = 10;

export async function tags(o: { repos: number; tagsPer: number; skopeoSample: number; rounds: number }): Promise<Row[]> {
  const tmp = tempDir('tags');
  const sb = await startSandbox({ profile: 'aws' });
  try {
    const host = await exposeDefaultRoute(sb);
    const env = cliEnv(sb, tmp.dir);
    const tagNames = Array.from({ length: o.tagsPer }, (_, i) => (i === 0 ? 'latest' : `v1.${i}`));
    const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
    const per = Math.ceil(o.repos / NAMESPACES);
    const small = Math.max(1, Math.round(per / 10));

    const regctl = async (expectRepos: number): Promise<RunResult> => {
      const r = check(await run(NODE, [BIN, 'tags', '--all', '-o', 'json'], { env, cwd: ROOT, stdout: 'keep', pollMs: 50, timeoutMs: 300_000 }), 'regctl tags --all');
      const out = JSON.parse(r.stdout) as { repositories: Array<{ name: string; tags: string[] }> };
      const ours = out.repositories.filter((x) => x.name.startsWith('bench-'));
      if (ours.length !== expectRepos || ours.some((x) => x.tags.length !== o.tagsPer)) {
        throw new Error(`regctl tags --all listed ${ours.length} of ${expectRepos} repositories (or missed tags)`);
      }
      r.stdout = '';
      return r;
    };

    // N/10 repositories first (memory baseline), then the rest.
    seedImageStreams(sb.store, { namespaces, perNamespace: small, tags: tagNames });
    const atSmall = await regctl(small * NAMESPACES);
    const repos = seedImageStreams(sb.store, { namespaces, perNamespace: per - small, tags: tagNames, start: small });
    const all = [...namespaces.flatMap((ns) => Array.from({ length: small }, (_, i) => `${ns}/app-${String(i).padStart(4, '0')}`)), ...repos];
    const total = all.length;
    log(`seeded ${total} repositories × ${o.tagsPer} tags`);
    const runs: RunResult[] = [];
    for (let i = 0; i < o.rounds; i++) runs.push(await regctl(total));

    // skopeo, as a shell loop over a random sample, with the admin token in an auth file and the ingress CA.
    const certs = path.join(tmp.dir, 'certs.d', host);
    fs.mkdirSync(certs, { recursive: true });
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    const authfile = path.join(tmp.dir, 'auth.json');
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`kubeadmin:${sb.tokens.admin}`).toString('base64') } } }), { mode: 0o600 });
    const sample = [...all].sort(() => Math.random() - 0.5).slice(0, o.skopeoSample);
    const list = path.join(tmp.dir, 'sample.txt');
    fs.writeFileSync(list, sample.join('\n') + '\n');
    const loop = `set -e\nwhile read -r repo; do skopeo list-tags --authfile ${authfile} --cert-dir ${certs} "docker://${host}/$repo" >/dev/null; done < ${list}`;
    const skEnv = baseEnv({ HOME: tmp.dir, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' });
    check(await run('skopeo', ['list-tags', '--authfile', authfile, '--cert-dir', certs, `docker://${host}/${sample[0]}`], { env: skEnv }), 'skopeo warm-up');
    const sk = check(await run('bash', ['-c', loop], { env: skEnv, timeoutMs: 600_000 }), 'skopeo list-tags loop');
    const perCall = sk.wallMs / sample.length;
    const skTotal = perCall * total;

    const rm = median(runs.map((r) => r.wallMs));
    const speedup = skTotal / rm;
    const peak = Math.max(...runs.map((r) => r.maxRssBytes ?? 0));
    const peakSmall = atSmall.maxRssBytes ?? 0;
    const growth = peak - peakSmall;
    return [
      {
        id: '3a',
        name: `regctl tags --all (${total} repos × ${o.tagsPer} tags)`,
        measured: fmtMs(rm),
        baseline: `${fmtMs(skTotal)} (skopeo loop, est.)`,
        ratio: `${speedup.toFixed(0)}× faster`,
        target: `≥ ${TARGET_SPEEDUP}× faster`,
        pass: speedup >= TARGET_SPEEDUP,
        notes: [
          `regctl: median of ${runs.length} run(s) (${runs.map((r) => fmtMs(r.wallMs)).join(', ')}), CPU ${runs[0]?.cpuMs !== undefined ? fmtMs(median(runs.map((r) => r.cpuMs!))) : 'n/a'}, default --concurrency 16`,
          `skopeo: ${sample.length} random repositories in ${fmtMs(sk.wallMs)} (${Math.round(perCall)} ms per list-tags), extrapolated linearly to ${total}`,
        ],
      },
      {
        id: '3b',
        name: 'regctl tags --all peak RSS',
        measured: fmtMB(peak),
        baseline: `${fmtMB(peakSmall)} at ${small * NAMESPACES} repos`,
        ratio: `${growth >= 0 ? "+" : "−"}${(Math.abs(growth) / 1e6).toFixed(1)} MB`,
        target: `flat: ≤ +${FLAT_MB} MB`,
        pass: peak > 0 && growth <= FLAT_MB * 1e6,
        notes: [`peak RSS (max resident set) at ${small * NAMESPACES} and ${total} repositories`],
      },
    ];
  } finally {
    await sb.stop();
    tmp.remove();
  }
}
