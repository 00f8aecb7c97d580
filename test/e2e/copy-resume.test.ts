// An interrupted `regctl copy` resumed: the first run is killed (SIGKILL, no clean-up) after the registry committed
// its first blob; the re-run sends exactly the blobs the registry does not have (its own log says which it
// committed), no blob twice, and the image ends up complete (skopeo reads it back).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { writeOciImage, type BuiltImage } from './support/copy-images.ts';

const NS = 'resume';
const IS = 'image.openshift.io/imagestreams';

describe('regctl copy resumes an interrupted copy', () => {
  let env: ContentEnv;
  let img: BuiltImage;
  let dir: string;
  const cliEnv = () => ({ KUBECONFIG: env.sb.kubeconfigPath, HTTPS_PROXY: env.sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: path.join(env.tmp, 'home'), XDG_RUNTIME_DIR: path.join(env.tmp, 'xdg') });
  /** Blob digests whose upload the registry committed (PUT …/blobs/uploads/…?digest=… → 201), in order. */
  const committed = () =>
    env.sb.store
      .list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' })
      .items.flatMap((p) => env.sb.store.logs.read('openshift-image-registry', p.metadata.name!, 'registry'))
      .sort((a, b) => Number(a.time) - Number(b.time) || (a.nanos ?? 0) - (b.nanos ?? 0))
      .map((l) => l.line)
      .filter((l) => l.includes('http.request.method=PUT') && l.includes(`/v2/${NS}/app/blobs/uploads/`) && l.includes('http.response.status=201'))
      .map((l) => decodeURIComponent(/digest=([^&"\s]+)/.exec(l)![1]!));

  beforeAll(async () => {
    env = await contentEnv('copy-resume');
    env.createNamespace(NS);
    dir = path.join(env.tmp, 'oci');
    img = writeOciImage(dir, 'resume-e2e', { tag: 'v1', layers: 6, layerBytes: 2_000_000 });
  }, 60_000);
  afterAll(async () => env?.stop());

  it('killed after the first committed blob, the re-run sends only the missing ones', async () => {
    const args = ['copy', '-v', '--concurrency', '1', '--certs-dir', env.certsDir, `oci:${dir}:v1`, `${NS}/app:v1`];
    const first = await runCli(args, {
      env: cliEnv(),
      timeoutMs: 40_000,
      onSpawn: (child) => {
        let seen = '';
        child.stderr!.on('data', (d) => {
          seen += String(d);
          if (/PUT \S+\/blobs\/uploads\/\S+ 201/.test(seen)) child.kill('SIGKILL');
        });
      },
    });
    expect(first.code, first.all).toBe(null); // killed, not finished
    expect(env.sb.store.get(IS, NS, 'app')).toBeUndefined(); // no manifest yet: nothing names the partial content
    const before = committed();
    const all = [JSON.parse(img.manifest.toString()).config, ...img.layers] as Array<{ digest: string; size: number }>;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(all.length);

    const again = await runCli(['copy', '--certs-dir', env.certsDir, `oci:${dir}:v1`, `${NS}/app:v1`, '-o', 'json'], { env: cliEnv(), timeoutMs: 40_000 });
    expect(again.code, again.all).toBe(0);
    const [res] = JSON.parse(again.stdout).images;
    const missing = all.filter((b) => !before.includes(b.digest));
    expect(res).toMatchObject({
      digest: img.manifestDigest,
      blobsSent: missing.length,
      blobsSkipped: before.length,
      bytesSent: missing.reduce((a, b) => a + b.size, 0),
      bytesSkipped: all.filter((b) => before.includes(b.digest)).reduce((a, b) => a + b.size, 0),
    });
    // Every blob committed exactly once over both runs.
    expect(committed().sort()).toEqual(all.map((b) => b.digest).sort());
    const r = await env.skopeo(['inspect', '--cert-dir', path.join(env.certsDir, env.host), `docker://${env.host}/${NS}/app:v1`]);
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(r.stdout).Digest).toBe(img.manifestDigest);
  });
});
