// Shared by the content e2e files (catalog, tags, inspect, delete, import-image): a sandbox with the default
// route exposed, a temp home for the CLI and skopeo (auth file, certs.d), many image streams created straight
// in the store (fast), and real images pushed with skopeo.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliResult } from '../../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { buildImage, sha256, tar, writeDirImage, type TestImage } from '../../sandbox/registry/testing/image.ts';
import { gzipSync } from 'node:zlib';

const exec = promisify(execFile);
const IS = 'image.openshift.io/imagestreams';

export interface ContentEnv {
  sb: Sandbox;
  /** The exposed registry host (default route). */
  host: string;
  tmp: string;
  /** auth.json with the admin token for `host` (what `regctl login` would write). */
  authfile: string;
  /** certs.d-style directory for skopeo: <certsDir>/<host>/ca.crt. */
  certsDir: string;
  cli(args: string[], o?: { env?: Record<string, string | undefined> }): Promise<CliResult>;
  skopeo(args: string[], token?: string): Promise<{ ok: boolean; stdout: string; stderr: string }>;
  /** skopeo copy of a freshly built image to HOST/ref; returns the image. */
  push(ref: string, content: string): Promise<TestImage>;
  /** skopeo copy --all of an OCI index (linux/amd64 + linux/arm64/v8) to HOST/ref. */
  pushIndex(ref: string): Promise<OciIndex>;
  /** `count` image streams NS/<prefix>-NNN with tags pointing at made-up digests. */
  createStreams(ns: string, prefix: string, count: number, tags: string[]): string[];
  createNamespace(ns: string): void;
  /** A RoleBinding of ClusterRole `role` to `user` in `ns`. */
  bind(user: string, role: string, ns: string): void;
  stop(): Promise<void>;
}

export interface OciIndex {
  digest: string;
  raw: Buffer;
  images: Array<{ digest: string; platform: string; layer: string }>;
}

/** An OCI image layout with an index of two single-layer images, as skopeo's oci: transport reads it. */
async function writeOciIndex(dir: string): Promise<OciIndex> {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => (blobs.set(sha256(b), b), sha256(b));
  const images: OciIndex['images'] = [];
  const entries: unknown[] = [];
  for (const [arch, variant] of [['amd64', undefined], ['arm64', 'v8']] as const) {
    const layerTar = tar({ 'arch.txt': `${arch}\n` });
    const layer = gzipSync(layerTar);
    const config = Buffer.from(JSON.stringify({ architecture: arch, ...(variant ? { variant } : {}), os: 'linux', created: '2026-02-03T04:05:06Z', config: { Labels: { arch } }, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: put(layer), size: layer.length }],
    }));
    const platform = { architecture: arch, os: 'linux', ...(variant ? { variant } : {}) };
    entries.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length, platform });
    images.push({ digest: sha256(manifest), platform: ['linux', arch, variant].filter(Boolean).join('/'), layer: sha256(layer) });
  }
  const raw = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }));
  const digest = put(raw);
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const [d, b] of blobs) fs.writeFileSync(path.join(dir, 'blobs', 'sha256', d.slice(7)), b);
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: raw.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  return { digest, raw, images };
}

export async function contentEnv(name: string): Promise<ContentEnv> {
  const sb = await startSandbox();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `regctl-${name}-`));
  try {
    const cfg: any = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster');
    cfg.spec.defaultRoute = true;
    sb.store.update('imageregistry.operator.openshift.io/configs', cfg);
    await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []).includes(sb.defaultRouteHost), 20_000);
    const host = sb.defaultRouteHost;
    const home = path.join(tmp, 'home');
    const xdg = path.join(tmp, 'xdg');
    fs.mkdirSync(home);
    fs.mkdirSync(xdg, { mode: 0o700 });
    const certsDir = path.join(tmp, 'certs.d');
    fs.mkdirSync(path.join(certsDir, host), { recursive: true });
    fs.writeFileSync(path.join(certsDir, host, 'ca.crt'), sb.caPems.ingress);
    const authfile = path.join(tmp, 'auth.json');
    const auth = (token: string) => JSON.stringify({ auths: { [host]: { auth: Buffer.from(`kubeadmin:${token}`).toString('base64') } } });
    fs.writeFileSync(authfile, auth(sb.tokens.admin!), { mode: 0o600 });
    const base = { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: home, XDG_RUNTIME_DIR: xdg };

    const skopeo: ContentEnv['skopeo'] = async (args, token) => {
      let file = authfile;
      if (token) {
        file = path.join(tmp, `auth-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(file, auth(token), { mode: 0o600 });
      }
      const [sub, ...rest] = args;
      try {
        const r = await exec('skopeo', [sub!, '--authfile', file, ...rest], { env: { PATH: process.env.PATH, HOME: home, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeout: 40_000 });
        return { ok: true, stdout: r.stdout, stderr: r.stderr };
      } catch (e: any) {
        return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
      }
    };

    const env: ContentEnv = {
      sb,
      host,
      tmp,
      authfile,
      certsDir,
      cli: (args, o = {}) => runCli(args, { env: { ...base, ...o.env }, timeoutMs: 50_000 }),
      skopeo,
      async push(ref, content) {
        const img = buildImage(content);
        const dir = path.join(tmp, `img-${Math.random().toString(36).slice(2)}`);
        await writeDirImage(dir, img);
        const r = await skopeo(['copy', '--dest-cert-dir', path.join(certsDir, host), `dir:${dir}`, `docker://${host}/${ref}`]);
        if (!r.ok) throw new Error(`skopeo push of ${ref} failed: ${r.stderr}`);
        return img;
      },
      async pushIndex(ref) {
        const dir = path.join(tmp, `oci-${Math.random().toString(36).slice(2)}`);
        const idx = await writeOciIndex(dir);
        const r = await skopeo(['copy', '--all', '--preserve-digests', '--dest-cert-dir', path.join(certsDir, host), `oci:${dir}:latest`, `docker://${host}/${ref}`]);
        if (!r.ok) throw new Error(`skopeo push of ${ref} failed: ${r.stderr}`);
        return idx;
      },
      createStreams(ns, prefix, count, tags) {
        const names: string[] = [];
        for (let i = 0; i < count; i++) {
          const name = `${prefix}-${String(i).padStart(3, '0')}`;
          const hex = (t: string) => Buffer.from(`${ns}/${name}:${t}`).toString('hex').padEnd(64, '0').slice(0, 64);
          sb.store.create(IS, {
            apiVersion: 'image.openshift.io/v1',
            kind: 'ImageStream',
            metadata: { name, namespace: ns },
            spec: { lookupPolicy: { local: false } },
            status: {
              dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${ns}/${name}`,
              tags: tags.map((t) => ({ tag: t, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `x@sha256:${hex(t)}`, image: `sha256:${hex(t)}`, generation: 1 }] })),
            },
          });
          names.push(`${ns}/${name}`);
        }
        return names;
      },
      createNamespace(ns) {
        if (!sb.store.get('/namespaces', undefined, ns)) sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      },
      bind(user, role, ns) {
        sb.store.create('rbac.authorization.k8s.io/rolebindings', {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `${role}-${user}`, namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        });
      },
      async stop() {
        await sb.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
    return env;
  } catch (e) {
    await sb.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
