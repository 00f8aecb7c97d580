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
import { buildImage, writeDirImage, type TestImage } from '../../sandbox/registry/testing/image.ts';

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
  /** `count` image streams NS/<prefix>-NNN with tags pointing at made-up digests. */
  createStreams(ns: string, prefix: string, count: number, tags: string[]): string[];
  createNamespace(ns: string): void;
  /** A RoleBinding of ClusterRole `role` to `user` in `ns`. */
  bind(user: string, role: string, ns: string): void;
  stop(): Promise<void>;
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
