// `regctl copy` with a registry that is not OpenShift's (Debian's docker-registry with htpasswd and its own CA):
// --all-tags with --include into the cluster and one tag back out, credentials from stdin (never printed), and
// manifest lists: copied whole or one --platform. skopeo seeds and reads back independently.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { contentEnv, type ContentEnv, type OciIndex } from './support/content-env.ts';
import { writeOciImage, type BuiltImage } from './support/copy-images.ts';
import { startForeignRegistry, type ForeignRegistry } from './support/docker-registry.ts';

const NS = 'copyext';
const USER = 'robot';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;

describe('regctl copy with another registry, tags and indexes', () => {
  let env: ContentEnv;
  let foreign: ForeignRegistry;
  const images: Record<string, BuiltImage> = {};
  let idx: OciIndex;
  const cli = (args: string[], input?: string) =>
    runCli(['copy', '--certs-dir', env.certsDir, ...args], {
      env: { KUBECONFIG: env.sb.kubeconfigPath, HTTPS_PROXY: env.sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: path.join(env.tmp, 'home'), XDG_RUNTIME_DIR: path.join(env.tmp, 'xdg') },
      input,
      timeoutMs: 40_000,
    });
  const clusterSkopeo = async (args: string[]) => {
    const r = await env.skopeo([args[0]!, '--cert-dir', path.join(env.certsDir, env.host), ...args.slice(1)]);
    expect(r.ok, r.stderr).toBe(true);
    return JSON.parse(r.stdout);
  };
  const foreignSkopeo = async (args: string[]) => {
    const r = await env.skopeo([args[0]!, '--creds', `${USER}:${PASSWORD}`, '--cert-dir', foreign.certDir, ...args.slice(1)]);
    expect(r.ok, r.stderr).toBe(true);
    return JSON.parse(r.stdout);
  };
  const noSecrets = (all: string) => {
    expect(all).not.toContain(PASSWORD);
    for (const t of Object.values(env.sb.tokens)) expect(all).not.toContain(t);
  };

  beforeAll(async () => {
    env = await contentEnv('copy-external');
    env.createNamespace(NS);
    foreign = await startForeignRegistry({ dir: path.join(env.tmp, 'foreign'), auth: 'htpasswd', user: USER, password: PASSWORD });
    for (const tag of ['v1.0', 'v1.1', 'v2.0']) {
      const dir = path.join(env.tmp, `oci-${tag}`);
      images[tag] = writeOciImage(dir, `external-${tag}`, { tag, layers: 2, layerBytes: 8000 });
      const r = await env.skopeo(['copy', '--dest-creds', `${USER}:${PASSWORD}`, '--dest-cert-dir', foreign.certDir, `oci:${dir}:${tag}`, `docker://${foreign.host}/team/app:${tag}`]);
      expect(r.ok, r.stderr).toBe(true);
    }
    idx = await env.pushIndex(`${NS}/multi:latest`);
  }, 60_000);
  afterAll(async () => {
    await foreign?.stop();
    await env?.stop();
  });

  it('--all-tags --include from the htpasswd registry into the cluster (credentials on stdin)', async () => {
    const r = await cli(['--src-creds-stdin', '--src-ca-file', foreign.caFile, '--all-tags', '--include', '^v1\\.', `docker://${foreign.host}/team/app`, `${NS}/app`, '-o', 'json'], `${USER}:${PASSWORD}\n`);
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    const report = JSON.parse(r.stdout);
    expect(report.images.map((i: any) => [i.destination, i.digest])).toEqual([
      [`${env.host}/${NS}/app:v1.0`, images['v1.0']!.manifestDigest],
      [`${env.host}/${NS}/app:v1.1`, images['v1.1']!.manifestDigest],
    ]);
    expect((await clusterSkopeo(['list-tags', `docker://${env.host}/${NS}/app`])).Tags.sort()).toEqual(['v1.0', 'v1.1']);
    expect((await clusterSkopeo(['inspect', `docker://${env.host}/${NS}/app:v1.1`])).Digest).toBe(images['v1.1']!.manifestDigest);
  });

  it('cluster → the htpasswd registry with --dest-creds-stdin; a wrong password is exit 4 and never printed', async () => {
    const r = await cli(['--dest-creds-stdin', '--dest-ca-file', foreign.caFile, `${NS}/app:v1.0`, `docker://${foreign.host}/back/app:copied`], `${USER}:${PASSWORD}`);
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    expect((await foreignSkopeo(['inspect', `docker://${foreign.host}/back/app:copied`])).Digest).toBe(images['v1.0']!.manifestDigest);
    expect((await foreignSkopeo(['list-tags', `docker://${foreign.host}/back/app`])).Tags).toEqual(['copied']);

    // The flag form (lands in shell history, but skopeo's scripts use it): never echoed either.
    const flag = await cli(['--dest-creds', `${USER}:${PASSWORD}`, '--dest-ca-file', foreign.caFile, `${NS}/app:v1.1`, `docker://${foreign.host}/back/app:flag`, '-o', 'json']);
    expect(flag.code, flag.all).toBe(0);
    noSecrets(flag.all);
    expect(JSON.parse(flag.stdout).images[0].digest).toBe(images['v1.1']!.manifestDigest);

    const bad = await cli(['--dest-creds-stdin', '--dest-ca-file', foreign.caFile, `${NS}/app:v1.0`, `docker://${foreign.host}/back/app:nope`], `${USER}:wrong-${PASSWORD}`);
    expect(bad.code, bad.all).toBe(4);
    noSecrets(bad.all);
    expect(bad.stderr).toBe(`error: ${foreign.host} rejected the user name and password given with --dest-creds-stdin (401)\nhint: check the user name and password given with --dest-creds-stdin\n`);
  });

  it('without credentials for it, the other registry gets none (not the cluster token): exit 4', async () => {
    const r = await cli(['--src-ca-file', foreign.caFile, `docker://${foreign.host}/team/app:v2.0`, `${NS}/app:v2.0`]);
    expect(r.code, r.all).toBe(4);
    noSecrets(r.all);
    expect(r.stderr).toMatch(new RegExp(`^error: ${foreign.host} requires credentials\n.*regctl sends the cluster token only to this cluster's registry hosts`));
  });

  it('an index is copied whole (same digest), or one platform with --platform', async () => {
    const whole = await cli([`${NS}/multi:latest`, `${NS}/multi-copy:latest`, '-o', 'json']);
    expect(whole.code, whole.all).toBe(0);
    expect(JSON.parse(whole.stdout).images[0].digest).toBe(idx.digest);
    const raw = await env.skopeo(['inspect', '--raw', '--cert-dir', path.join(env.certsDir, env.host), `docker://${env.host}/${NS}/multi-copy:latest`]);
    expect(raw.ok, raw.stderr).toBe(true);
    expect(raw.stdout).toBe(idx.raw.toString());

    const arm = await cli(['--platform', 'linux/arm64', `${NS}/multi:latest`, `${NS}/arm:latest`, '-o', 'json']);
    expect(arm.code, arm.all).toBe(0);
    const arm64 = idx.images.find((i) => i.platform === 'linux/arm64/v8')!;
    expect(JSON.parse(arm.stdout).images[0]).toMatchObject({ digest: arm64.digest, platform: 'linux/arm64/v8' });
    expect((await clusterSkopeo(['inspect', `docker://${env.host}/${NS}/arm:latest`])).Digest).toBe(arm64.digest);

    const none = await cli(['--platform', 'linux/s390x', `${NS}/multi:latest`, `${NS}/s390x:latest`]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no image for linux/s390x');
  });
});
