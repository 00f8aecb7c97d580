// Shared by the expose/login/token e2e files: a temp home for the CLI (so nothing touches the real
// ~/.config, /etc/containers or /run/containers), the CLI runner with the sandbox env, and skopeo.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliResult } from '../../helpers/cli.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { buildImage, writeDirImage } from '../../sandbox/registry/testing/image.ts';

const exec = promisify(execFile);

export interface LoginEnv {
  tmp: string;
  home: string;
  xdg: string;
  certsDir: string;
  imageDir: string;
  cli(args: string[], o?: { env?: Record<string, string | undefined>; input?: string }): Promise<CliResult>;
  skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }>;
  cleanup(): void;
}

export async function loginEnv(sb: Sandbox, name: string): Promise<LoginEnv> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `regctl-${name}-`));
  const home = path.join(tmp, 'home');
  const xdg = path.join(tmp, 'xdg');
  fs.mkdirSync(home);
  fs.mkdirSync(xdg, { mode: 0o700 });
  const imageDir = path.join(tmp, 'image');
  await writeDirImage(imageDir, buildImage(`pushed by the ${name} e2e test\n`));
  const base = { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: home, XDG_RUNTIME_DIR: xdg };
  return {
    tmp,
    home,
    xdg,
    certsDir: path.join(tmp, 'certs.d'),
    imageDir,
    cli: (args, o = {}) => runCli(args, { env: { ...base, ...o.env }, input: o.input }),
    async skopeo(args) {
      try {
        const r = await exec('skopeo', args, { env: { PATH: process.env.PATH, HOME: home, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeout: 40_000 });
        return { ok: true, stdout: r.stdout, stderr: r.stderr };
      } catch (e: any) {
        return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
      }
    },
    cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }),
  };
}

/** auths[host] of an auth file, decoded. */
export function readAuth(file: string, host: string): { username: string; password: string } | undefined {
  const d = JSON.parse(fs.readFileSync(file, 'utf8'));
  const a = d.auths?.[host]?.auth;
  if (!a) return undefined;
  const s = Buffer.from(a, 'base64').toString();
  const i = s.indexOf(':');
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

export function mode(p: string): number {
  return fs.statSync(p).mode & 0o777;
}
