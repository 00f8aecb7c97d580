// npm run demo: start the sandbox (a bare-metal-like cluster whose registry is Removed) and walk through
// what an administrator does with regctl, printing each command and its output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
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

// The sandbox runs in this process, so commands must run asynchronously (spawnSync would block its servers).
function regctl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.stdin.end(input ?? '');
  });
}

/** A step an administrator runs with kubectl (the demo's sandbox is its cluster). */
function kubectl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ code: 127, out: `${e.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

// Bare metal has no volume provisioner (storage class `standard`: kubernetes.io/no-provisioner): the claim binds only
// to a PersistentVolume an administrator created, here a (pretend) NFS export.
const PV = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: registry-nfs
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  persistentVolumeReclaimPolicy: Retain
  nfs: {server: nfs.example.com, path: /exports/registry}
`;

async function createVolume(title: string): Promise<void> {
  const file = path.join(dir, 'pv.yaml');
  fs.writeFileSync(file, PV);
  process.stdout.write(`\n${bold(`# ${title}`)}\n${bold(`$ cat pv.yaml`)}\n${PV}${bold('$ kubectl create -f pv.yaml')}\n`);
  const r = await kubectl(['create', '-f', file]);
  process.stdout.write(r.out);
  process.stdout.write(`(exit ${r.code})\n`);
}

async function step(title: string, args: string[]): Promise<void> {
  if ((await regctl([args[0]!, '--help'])).code !== 0) return;
  process.stdout.write(`\n${bold(`# ${title}`)}\n${bold(`$ regctl ${args.join(' ')}`)}\n`);
  const r = await regctl(args);
  process.stdout.write(r.out);
  process.stdout.write(`(exit ${r.code})\n`);
}

try {
  process.stdout.write(`Sandbox cluster ready: API ${sb.apiUrl}, router proxy ${sb.proxyUrl}\n`);
  process.stdout.write(`Try it yourself meanwhile: source ${path.join(sb.dir, 'env')}\n`);
  await step('A fresh bare-metal cluster: the registry is Removed (exit 3 tells CI)', ['status']);
  await step('Plan the storage first: a ReadWriteOnce PVC (regctl sees that nothing could bind it yet)', ['set-storage', 'pvc', '--access-mode', 'ReadWriteOnce', '--dry-run']);
  await createVolume('Bare metal provisions no volumes: create the PersistentVolume the warning asks for');
  await step('Give it storage: the claim binds to that volume (also sets Recreate and 1 replica)', ['set-storage', 'pvc', '--access-mode', 'ReadWriteOnce', '--wait', '--timeout', '60s']);
  await step('Now it is Available', ['status']);
  await step('Expose it on the default route and trust the ingress CA locally (no sudo, no --tls-verify=false)', ['expose', '--default-route', '--trust', '--certs-dir', certsDir]);
  await step('Log in: host discovered, token verified against /v2/, auth.json written', ['login', '--authfile', authfile, '--certs-dir', certsDir]);
  await step('Let alice pull from project "default"', ['grant', 'viewer', 'alice', '-n', 'default']);
  await step('Who may do what in "default"', ['access', '-n', 'default']);
  await step('Trust a partner registry CA for image imports and pulls', ['trust-ca', 'add', 'registry.partner.example:5000', '--ca', path.join(sb.dir, 'ingress-ca.crt'), '--dry-run']);
  await step('The registry logs, merged over all replicas', ['logs', '--tail', '5']);
  await step('Registry metrics, summarised', ['metrics']);
  await step('Everything checked in one go', ['doctor', '--certs-dir', certsDir, '--authfile', authfile]);
  process.stdout.write(`\n${bold('Demo finished.')} Sandbox files are in ${dir}.\n`);
} finally {
  await sb.stop();
}
