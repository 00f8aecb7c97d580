// npm run demo: start the sandbox (a bare-metal-like cluster whose registry is Removed) and walk through
// what an administrator does with regctl, printing each command and its output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startSandbox } from '../test/sandbox/index.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'regctl.js');
const bold = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-demo-'));
const sb = await startSandbox({ dir: path.join(dir, 'cluster'), profile: 'baremetal' });
const certsDir = path.join(dir, 'certs.d');
const authfile = path.join(dir, 'auth.json');
const env = {
  ...process.env,
  KUBECONFIG: sb.kubeconfigPath,
  HTTPS_PROXY: sb.proxyUrl,
  NO_PROXY: '127.0.0.1,localhost',
  REGISTRY_AUTH_FILE: authfile,
};

function available(cmd: string): boolean {
  return spawnSync(process.execPath, [BIN, cmd, '--help'], { env, encoding: 'utf8' }).status === 0;
}

function step(title: string, args: string[], opts: { input?: string } = {}): number {
  if (!available(args[0]!)) return 0;
  process.stdout.write(`\n${bold(`# ${title}`)}\n${bold(`$ regctl ${args.join(' ')}`)}\n`);
  const r = spawnSync(process.execPath, [BIN, ...args], { env, input: opts.input, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  process.stdout.write(`(exit ${r.status})\n`);
  return r.status ?? 1;
}

try {
  process.stdout.write(`Sandbox cluster ready: API ${sb.apiUrl}, router proxy ${sb.proxyUrl}\n`);
  process.stdout.write(`Try it yourself meanwhile: source ${path.join(sb.dir, 'env')}\n`);
  step('A fresh bare-metal cluster: the registry is Removed (exit 3 tells CI)', ['status']);
  step('Give it storage: a ReadWriteOnce PVC (also sets Recreate and 1 replica)', ['set-storage', 'pvc', '--access-mode', 'ReadWriteOnce', '--wait', '--timeout', '60s']);
  step('Now it is Available', ['status']);
  step('Expose it on the default route and trust the ingress CA locally (no sudo, no --tls-verify=false)', ['expose', '--default-route', '--trust', '--certs-dir', certsDir]);
  step('Log in: host discovered, token verified against /v2/, auth.json written', ['login', '--authfile', authfile, '--certs-dir', certsDir]);
  step('Let alice pull from project "default"', ['grant', 'viewer', 'alice', '-n', 'default']);
  step('Who may do what in "default"', ['access', '-n', 'default']);
  step('Trust a partner registry CA for image imports and pulls', ['trust-ca', 'add', 'registry.partner.example:5000', '--ca', path.join(sb.dir, 'ingress-ca.crt'), '--dry-run']);
  step('The registry logs, merged over all replicas', ['logs', '--tail', '5']);
  step('Registry metrics, summarised', ['metrics']);
  step('Everything checked in one go', ['doctor']);
  process.stdout.write(`\n${bold('Demo finished.')} Sandbox files are in ${dir}.\n`);
} finally {
  await sb.stop();
}
