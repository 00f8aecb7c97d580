// The published package (issue 17 §3): `npm pack` of a copy of the project, installed globally into a temporary
// prefix as a user would, with no network and no repository around it. One package, no runtime dependencies, no
// source maps, no install scripts; `regctl`, and `kubectl regctl` as a kubectl plugin, work against the sandbox.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { ROOT } from '../helpers/cli.js';

const pexec = promisify(execFile);
const COPY = ['package.json', 'package-lock.json', 'bin', 'scripts', 'src', 'docs', 'README.md', 'NOTICE', 'tsconfig.json'];

let sb: Sandbox;
let tmp: string;
let tarball: string;
let prefix: string;
let installOutput: string;

async function sh(cmd: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) {
  return pexec(cmd, args, { cwd: o.cwd ?? tmp, env: { PATH: process.env.PATH!, HOME: tmp, ...o.env }, timeout: 180_000, maxBuffer: 16 << 20 });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-package-'));
  // Pack a copy: `prepack` empties dist/ and builds, which must not disturb the dist/ other tests run from.
  const proj = path.join(tmp, 'project');
  fs.mkdirSync(proj);
  for (const f of COPY) fs.cpSync(path.join(ROOT, f), path.join(proj, f), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(proj, 'node_modules'));
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: proj });
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0];
  tarball = path.join(tmp, info.filename);
  prefix = path.join(tmp, 'prefix');
  const started = Date.now();
  const installed = await sh('npm', ['install', '-g', '--prefix', prefix, tarball, '--offline', '--no-audit', '--no-fund'], { cwd: tmp });
  installOutput = `${installed.stdout}${installed.stderr}\n(install took ${Date.now() - started} ms; tarball ${fs.statSync(tarball).size} bytes, ${info.files.length} files)`;
  fs.rmSync(proj, { recursive: true, force: true }); // nothing of the repository is left to lean on
  sb = await startSandbox({ profile: 'aws' });
}, 300_000);

afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

it('installs as one package with no dependencies, no source maps and no install scripts', async () => {
  expect(installOutput).toMatch(/added 1 package/);
  const pkgDir = path.join(prefix, 'lib', 'node_modules', 'openshift-regctl');
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  expect(manifest.dependencies ?? {}).toEqual({});
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[s]).toBeUndefined();
  expect(fs.existsSync(path.join(pkgDir, 'node_modules'))).toBe(false);
  const files = (await sh('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(files.filter((f) => f.includes('/src/') || f.includes('/test/'))).toEqual([]);
  expect(files).toContain('package/dist/cli.js');
  console.error(`package: ${installOutput.split('\n').pop()}`);
});

it('regctl --version and regctl status run from the installed package', async () => {
  const bin = path.join(prefix, 'bin', 'regctl');
  expect((await sh(bin, ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const env = { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', NO_COLOR: '1' };
  const status = await sh(bin, ['status', '-o', 'json'], { env });
  expect(JSON.parse(status.stdout)).toMatchObject({ kind: 'RegistryStatus', health: { available: true } });
  // kubectl finds kubectl-regctl on PATH as a plugin.
  const plugin = await sh('kubectl', ['regctl', 'status', '-o', 'json'], { env: { ...env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` } });
  expect(JSON.parse(plugin.stdout)).toMatchObject({ kind: 'RegistryStatus', server: JSON.parse(status.stdout).server, health: { available: true } });
}, 60_000);
