// `regctl copy` on a terminal shows its progress (the total with a rate, each layer in flight with its share) on a
// real pseudo-terminal (util-linux `script`, sized with stty so the spinner draws); piped, one line per image.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, baseEnv } from '../helpers/cli.ts';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { writeOciImage } from './support/copy-images.ts';

const NS = 'progress';
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('regctl copy progress', () => {
  let env: ContentEnv;
  let dir: string;
  const cliEnv = () => ({ KUBECONFIG: env.sb.kubeconfigPath, HTTPS_PROXY: env.sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: path.join(env.tmp, 'home'), XDG_RUNTIME_DIR: path.join(env.tmp, 'xdg') });

  beforeAll(async () => {
    env = await contentEnv('copy-progress');
    env.createNamespace(NS);
    dir = path.join(env.tmp, 'oci');
    writeOciImage(dir, 'progress-a', { tag: 'a', layers: 4, layerBytes: 3_000_000, gzip: false });
    writeOciImage(dir, 'progress-b', { tag: 'b', layers: 1, layerBytes: 1000, gzip: false });
  }, 60_000);
  afterAll(async () => env?.stop());

  it('on a terminal: a redrawn block with the total, the rate and each layer in flight', async () => {
    const command = `stty cols 120 rows 40; ${[process.execPath, BIN, 'copy', '--concurrency', '2', '--certs-dir', env.certsDir, `oci:${dir}:a`, `${NS}/app:a`].map(quote).join(' ')}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...cliEnv() }), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (transcript += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const plain = transcript.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(code, plain).toBe(0);
    expect(plain).toMatch(/copying: [\d.]+ [kMG]?B sent of up to 12\.0 MB, [\d.]+ [kMG]?B\/s/);
    expect(plain).toMatch(/ {2}[0-9a-f]{12} [\d.]+ [kMG]?B \/ 3\.00 MB \d+%/);
    expect(plain).toContain(`copied oci:${dir}:a → ${env.host}/${NS}/app:a`);
  });

  it('piped: one line per image, nothing on stdout', async () => {
    const r = await env.cli(['copy', '--all-tags', '--certs-dir', env.certsDir, `oci:${dir}`, `${NS}/app`]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => new RegExp(`^${env.host}/${NS}/app:a is up to date \\(sha256:[0-9a-f]{64}, per the image stream\\)$`).test(l))).toHaveLength(1);
    expect(lines.find((l) => l.includes('app:b'))).toMatch(new RegExp(`^copied oci:${dir}:b → ${env.host}/${NS}/app:b \\(sha256:[0-9a-f]{64}\\): [\\d.]+ k?B sent, 0 B already there, [\\d.]+s$`));
  });
});
