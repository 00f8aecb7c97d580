// regctl in a pod (CI): no kubeconfig, KUBERNETES_SERVICE_HOST/PORT and the service-account volume at
// /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt, namespace, and OpenShift's service-ca.crt). The volume
// is a temp dir bind-mounted there in a private mount namespace (`unshare -m`, as root), so regctl reads the real
// path, as client-go's rest.InClusterConfig does. The internal service host is reached through the sandbox's proxy
// (HTTPS_PROXY), as internal-host-push.test.ts does. Independent checks: kubectl (as admin) and skopeo.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { buildImage, writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';
import { BIN, ROOT, type CliResult } from '../helpers/cli.ts';
import { runTool } from './support/tool.ts';

const SVC = 'image-registry.openshift-image-registry.svc:5000';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const NS = 'ci';
const STREAM = 'app';

// CI runs as root with util-linux (Debian's base system has unshare and mount): anything else is a broken
// environment for this file, and it fails saying so rather than skipping.
function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('in-pod.test.ts needs root (it bind-mounts a service-account volume in a private mount namespace with `unshare -m`); run it as root as CI does');
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /run'], { encoding: 'utf8' });
  if (probe.error) throw new Error(`in-pod.test.ts needs util-linux unshare: ${probe.error.message}`);
  if (probe.status !== 0) throw new Error(`in-pod.test.ts cannot create a private mount namespace (unshare -m): ${probe.stderr.trim()}`);
}

let sb: Sandbox;
let tmp: string;
let saDir: string;
let img: TestImage;
let imgDir: string;
let tokens: { pipeline: string; nobody: string };

const tool = (cmd: string, args: string[]) => runTool(cmd, args, { ...sb.env }, path.join(tmp, 'tools'));
const authfile = () => path.join(tmp, 'run', 'containers', 'auth.json');

function writeVolume(token: string, ns = NS): void {
  fs.writeFileSync(path.join(saDir, 'token'), token, { mode: 0o600 });
  fs.writeFileSync(path.join(saDir, 'ca.crt'), sb.caPems.api);
  fs.writeFileSync(path.join(saDir, 'namespace'), ns);
  fs.writeFileSync(path.join(saDir, 'service-ca.crt'), sb.caPems.service);
}

/** The built CLI in a "pod": the volume mounted read-only at the kubelet's path, /run private, no kubeconfig. */
function inPod(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const api = new URL(sb.apiDirectUrl);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(tmp, 'home'),
    XDG_RUNTIME_DIR: path.join(tmp, 'run'),
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    KUBERNETES_SERVICE_HOST: api.hostname,
    KUBERNETES_SERVICE_PORT: api.port,
    // The internal service host resolves only through the sandbox's proxy (as on a node, internal-host-push.test.ts).
    HTTPS_PROXY: sb.proxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
    ...extraEnv,
  };
  const script = `mount -t tmpfs tmpfs /run && mkdir -p ${SA_DIR} && mount --bind "$0" ${SA_DIR} && mount -o remount,bind,ro ${SA_DIR} && exec "$@"`;
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, saDir, process.execPath, BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
  });
}

function admin(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, ...sb.env, HOME: path.join(tmp, 'tools'), NO_COLOR: '1' }, cwd: ROOT }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr, all: stdout + stderr }),
    );
  });
}

beforeAll(async () => {
  preflight();
  sb = await startSandbox();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-in-pod-'));
  for (const d of ['home', 'tools', 'run']) fs.mkdirSync(path.join(tmp, d), { mode: 0o700 });
  saDir = path.join(tmp, 'serviceaccount');
  fs.mkdirSync(saDir);
  img = buildImage('pushed from a CI pod\n');
  imgDir = path.join(tmp, 'image');
  await writeDirImage(imgDir, img);
  const objects = path.join(tmp, 'objects.yaml');
  fs.writeFileSync(
    objects,
    [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: pipeline\n  namespace: ${NS}\n`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: nobody\n  namespace: ${NS}\n`,
      `apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: ${STREAM}\n  namespace: ${NS}\n`,
      // Another team's project: the service accounts of ci may not pull from it (a project's own service accounts may
      // pull from theirs: the system:image-pullers RoleBinding every project gets).
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n`,
      `apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: ${STREAM}\n  namespace: other\n`,
      `apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: lib\n  namespace: other\n`,
    ].join('---\n'),
  );
  const applied = await tool('kubectl', ['apply', '-f', objects]);
  expect(applied.code, applied.stderr).toBe(0);
  // pipeline: pushes in its project, reads the registry status, lists the catalog (registry-viewer cluster-wide).
  for (const g of [['pusher', '-z', 'pipeline', '-n', NS], ['reader', '-z', 'pipeline', '-n', NS], ['viewer', '-z', 'pipeline', '-n', NS, '--cluster-wide']]) {
    const r = await admin(['grant', ...g]);
    expect(r.code, r.all).toBe(0);
  }
  tokens = { pipeline: sb.issueToken(`system:serviceaccount:${NS}:pipeline`), nobody: sb.issueToken(`system:serviceaccount:${NS}:nobody`) };
  writeVolume(tokens.pipeline);
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('regctl in a pod (in-cluster configuration)', () => {
  it('status: the API from KUBERNETES_SERVICE_HOST/PORT, trusted with ca.crt, as the pod service account', async () => {
    const r = await inPod(['status', '-v']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/Health\s+Available/);
    expect(r.stdout).toContain(`Internal host   ${SVC}`);
    expect(r.all).not.toContain(tokens.pipeline);
    // Outside the "pod" (no volume at the kubelet's path) the same environment has no configuration at all.
    expect(fs.existsSync(SA_DIR)).toBe(false);
  });

  it('login: saves the pod token for the internal host (the default in a pod), trusting service-ca.crt', async () => {
    const r = await inPod(['login', '-v']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`Using registry ${SVC} (from in-cluster)`);
    expect(r.stderr).toContain(`trusting service-ca (${SA_DIR}/service-ca.crt) for ${SVC}`);
    expect(r.stderr).toContain(`Saved credentials for ${SVC} into ${authfile()}`);
    expect(r.all).not.toContain(tokens.pipeline);
    const auths = JSON.parse(fs.readFileSync(authfile(), 'utf8')).auths as Record<string, { auth: string }>;
    expect(Object.keys(auths)).toEqual([SVC]);
    const [, password] = Buffer.from(auths[SVC]!.auth, 'base64').toString('utf8').split(/:(.*)/s);
    expect(password).toBe(tokens.pipeline);
  });

  it('skopeo pushes with what login wrote (service CA as the pod has it); tags and catalog read the internal host', async () => {
    const certDir = path.join(tmp, 'certs.d', SVC);
    fs.mkdirSync(certDir, { recursive: true });
    fs.copyFileSync(path.join(saDir, 'service-ca.crt'), path.join(certDir, 'ca.crt'));
    const push = await tool('skopeo', ['copy', '--authfile', authfile(), '--dest-cert-dir', certDir, `dir:${imgDir}`, `docker://${SVC}/${NS}/${STREAM}:v1`]);
    expect(push.code, push.stderr).toBe(0);
    const istag = await tool('kubectl', ['get', 'imagestreamtag', `${STREAM}:v1`, '-n', NS, '-o', 'jsonpath={.image.metadata.name}']);
    expect(istag.stdout).toBe(img.manifestDigest);

    const tags = await inPod(['tags', `${NS}/${STREAM}`, '-o', 'json', '-v']);
    expect(tags.code, tags.all).toBe(0);
    expect(JSON.parse(tags.stdout).tags).toContain('v1');
    expect(tags.stderr).toContain(`registry ${SVC} (from in-cluster)`);
    const catalog = await inPod(['catalog', '-o', 'json']);
    expect(catalog.code, catalog.all).toBe(0);
    expect(catalog.stdout).toContain(`${NS}/${STREAM}`);
    expect(tags.all + catalog.all).not.toContain(tokens.pipeline);
  });

  it('the namespace defaults to the pod namespace file (POD_NAMESPACE wins, as in client-go)', async () => {
    const r = await inPod(['tags', STREAM, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout).tags).toContain('v1');
    const other = await inPod(['tags', STREAM], { POD_NAMESPACE: 'openshift' });
    expect(other.code, other.all).toBe(5);
    expect(other.stderr).toContain('openshift/app');
  });

  it('doctor --internal: the service host with the pod token, in the pod namespace', async () => {
    const r = await inPod(['doctor', '--internal']);
    expect(r.code, r.all).toBe(0);
    // The API server from KUBERNETES_SERVICE_HOST/PORT, the user from the pod's token, the project from its namespace file.
    expect(r.stdout).toContain(`${sb.apiDirectUrl}, as system:serviceaccount:${NS}:pipeline, project ${NS}, registry ${SVC}`);
    expect(r.stdout).toMatch(/ok\s+registry-api\s+/);
    expect(r.all).not.toContain(tokens.pipeline);
  });

  it('KUBECONFIG naming no existing file still falls back to the pod (client-go); --kubeconfig that does not exist is an error', async () => {
    const r = await inPod(['tags', STREAM, '-o', 'json'], { KUBECONFIG: path.join(tmp, 'absent') });
    expect(r.code, r.all).toBe(0);
    const explicit = await inPod(['status', '--kubeconfig', path.join(tmp, 'absent')]);
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toMatch(/^error: kubeconfig file ".*absent" does not exist/m);
  });

  it('the token rule holds in a pod: login --registry HOST the cluster does not name gets nothing', async () => {
    const read = () => (fs.existsSync(authfile()) ? fs.readFileSync(authfile(), 'utf8') : null);
    const before = read();
    const r = await inPod(['login', '--registry', 'registry.example.com']);
    expect(r.code, r.all).toBe(2);
    expect(r.stderr).toMatch(/^error: registry\.example\.com is not one of this cluster's registry hosts/m);
    expect(read()).toBe(before);
    expect(r.all).not.toContain(tokens.pipeline);
  });

  it('a service account without rights: the hints name `regctl grant … -z SA -n NS`', async () => {
    writeVolume(tokens.nobody);
    // A fresh runtime dir: auth.json from pipeline's login would otherwise be used first (as podman does).
    const fresh = { XDG_RUNTIME_DIR: fs.mkdtempSync(path.join(tmp, 'run-nobody-')) };
    try {
      const status = await inPod(['status'], fresh);
      expect(status.code, status.all).toBe(4);
      expect(status.stderr).toContain(`hint: ask a cluster admin for \`regctl grant reader -z nobody -n ${NS}\``);
      const pull = await inPod(['tags', `other/${STREAM}`], fresh);
      expect(pull.code, pull.all).toBe(4);
      expect(pull.stderr).toMatch(/^error: access denied by image-registry\.openshift-image-registry\.svc:5000 \(repository:other\/app:pull\)/m);
      // Another project's service account is named in full (`-z` would mean one of project other).
      const fix = `regctl grant puller system:serviceaccount:${NS}:nobody -n other`;
      expect(pull.stderr).toContain(`hint: ask an admin of project other: \`${fix}\``);
      expect(status.all + pull.all).not.toContain(tokens.nobody);
      // The hint is the fix: after it, the same pod reads the project's streams (another stream than the denied one:
      // the registry may remember the denial for a moment, as it caches access reviews).
      const granted = await admin(fix.split(' ').slice(1));
      expect(granted.code, granted.all).toBe(0);
      const again = await inPod(['tags', 'other/lib', '-o', 'json'], fresh);
      expect(again.code, again.all).toBe(0);
    } finally {
      writeVolume(tokens.pipeline);
    }
  });

  it('a rejected pod token: exit 4 and the pod hint, not `oc login`', async () => {
    writeVolume('not-a-valid-token');
    try {
      const r = await inPod(['status']);
      expect(r.code, r.all).toBe(4);
      expect(r.stderr).toContain(`hint: the pod's service-account token (${SA_DIR}/token) was rejected`);
      expect(r.stderr).not.toContain('oc login');
    } finally {
      writeVolume(tokens.pipeline);
    }
  });
});
