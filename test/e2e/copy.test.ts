// `regctl copy` into and inside this cluster's registry (issue 19): an OCI layout and a docker archive pushed into
// a project, a retag and a no-change re-copy, a copy across projects that the registry mounts instead of uploading,
// and the push checks (SelfSubjectAccessReview) that stop a copy before anything is uploaded. skopeo reads back
// digests and tags independently; the sandbox registry's own log shows what it was sent.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { writeDockerArchive, writeOciImage, type BuiltImage } from './support/copy-images.ts';

const NS = 'copytest';
const NS2 = 'copytest2';
const IS = 'image.openshift.io/imagestreams';

describe('regctl copy (cluster registry)', () => {
  let env: ContentEnv;
  let img: BuiltImage;
  let ociDir: string;
  const certs = () => path.join(env.certsDir, env.host);
  const copy = (args: string[], o: { context?: string } = {}) => env.cli([...(o.context ? ['--context', o.context] : []), 'copy', '--certs-dir', env.certsDir, ...args]);
  /** developer may read none of the cluster's registry host lists: the in-cluster host (through the proxy) with its CA. */
  const asDeveloper = (args: string[]) => copy(['--internal', '--dest-ca-file', path.join(env.tmp, 'service-ca.crt'), ...args], { context: 'developer' });
  const inspect = async (ref: string) => {
    const r = await env.skopeo(['inspect', '--cert-dir', certs(), `docker://${env.host}/${ref}`]);
    expect(r.ok, r.stderr).toBe(true);
    return JSON.parse(r.stdout) as { Digest: string; Layers: string[] };
  };
  const tags = async (repo: string) => {
    const r = await env.skopeo(['list-tags', '--cert-dir', certs(), `docker://${env.host}/${repo}`]);
    expect(r.ok, r.stderr).toBe(true);
    return (JSON.parse(r.stdout).Tags as string[]).sort();
  };
  /** The registry's request log lines (all pods) naming a repository. */
  const registryLog = (repo: string) =>
    env.sb.store
      .list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' })
      .items.flatMap((p) => env.sb.store.logs.read('openshift-image-registry', p.metadata.name!, 'registry').map((l) => l.line))
      .filter((l) => new RegExp(`vars\\.name="?${repo}"?( |$)`).test(l));
  /** Uploads and manifest writes the registry saw for a repository. */
  const writes = (repo: string) => registryLog(repo).filter((l) => /http.request.method=(POST|PUT|PATCH)/.test(l));
  const noSecrets = (all: string) => {
    for (const t of Object.values(env.sb.tokens)) expect(all).not.toContain(t);
  };

  beforeAll(async () => {
    env = await contentEnv('copy');
    env.createNamespace(NS);
    env.createNamespace(NS2);
    ociDir = path.join(env.tmp, 'oci');
    fs.writeFileSync(path.join(env.tmp, 'service-ca.crt'), env.sb.caPems.service);
    img = writeOciImage(ociDir, 'copy-e2e', { tag: 'v1', layers: 3, layerBytes: 20_000 });
  }, 60_000);
  afterAll(async () => env?.stop());

  it('containers-storage: is a usage error that names podman push; nothing is contacted', async () => {
    const r = await copy(['containers-storage:localhost/app:1', `${NS}/app:v1`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: containers-storage: is not a source regctl can use/m);
    expect(r.stderr).toMatch(/^hint: .*podman push/m);
    const filters = await copy(['--include', '^v1', `oci:${ociDir}`, `${NS}/app`]);
    expect(filters.code).toBe(2);
    expect(filters.stderr).toBe('error: --include/--exclude select tags of --all-tags\nhint: add --all-tags, or drop the filters\n');
    const digestDst = await copy([`oci:${ociDir}:v1`, `${NS}/app@sha256:${'a'.repeat(64)}`]);
    expect(digestDst.code).toBe(2);
    expect(digestDst.stderr).toMatch(/^error: DST cannot name a digest/m);
  });

  it('--dry-run prints the plan and uploads nothing', async () => {
    const r = await copy([`oci:${ociDir}:v1`, `${NS}/app:v1`, '--dry-run']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(`oci:${ociDir}:v1 → ${env.host}/${NS}/app:v1 (${img.manifestDigest}): 4 blobs`);
    const json = await copy([`oci:${ociDir}:v1`, `${NS}/app:v1`, '--dry-run', '-o', 'json']);
    expect(json.code, json.all).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      apiVersion: 'regctl.openshift.io/v1',
      kind: 'CopyPlan',
      images: [{ source: `oci:${ociDir}:v1`, destination: `${env.host}/${NS}/app:v1`, digest: img.manifestDigest, manifests: 1, blobs: 4, bytes: expect.any(Number), upToDate: false }],
    });
    expect(env.sb.store.get(IS, NS, 'app')).toBeUndefined();
    expect(writes(`${NS}/app`)).toEqual([]);
  });

  it('oci layout → cluster: the CopyReport, skopeo sees the same digest, the image stream has the tag', async () => {
    const r = await copy([`oci:${ociDir}:v1`, `${NS}/app:v1`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'CopyReport' });
    const total = img.layers.reduce((a, l) => a + l.size, 0) + JSON.parse(img.manifest.toString()).config.size;
    expect(report.images).toEqual([
      expect.objectContaining({ source: `oci:${ociDir}:v1`, destination: `${env.host}/${NS}/app:v1`, digest: img.manifestDigest, bytesSent: total, bytesSkipped: 0, upToDate: false }),
    ]);
    expect(typeof report.images[0].seconds).toBe('number');
    expect((await inspect(`${NS}/app:v1`)).Digest).toBe(img.manifestDigest);
    expect(((env.sb.store.get(IS, NS, 'app') as any).status.tags as any[]).map((t) => t.tag)).toEqual(['v1']);
  });

  it('the same copy again sends nothing (up to date), and says so on stderr when not -o', async () => {
    const r = await copy([`oci:${ociDir}:v1`, `${NS}/app:v1`]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${env.host}/${NS}/app:v1 is up to date (${img.manifestDigest}, per the image stream)`);
  });

  it('a no-change re-copy into PROJECT/STREAM is judged from the image stream: the registry gets no request at all', async () => {
    /** Every request line the registry pods logged (the /v2/ ping and token-less 401s included). */
    const requests = () =>
      env.sb.store
        .list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' })
        .items.flatMap((p) => env.sb.store.logs.read('openshift-image-registry', p.metadata.name!, 'registry').map((l) => l.line))
        .filter((l) => /http\.request\.method=/.test(l)).length;
    const before = requests();
    const r = await copy([`oci:${ociDir}:v1`, `${NS}/app:v1`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout).images).toEqual([expect.objectContaining({ digest: img.manifestDigest, upToDate: true, upToDatePer: 'image-stream', bytesSent: 0 })]);
    expect(requests()).toBe(before);
    // The same copy to the registry's host name opens the registry (HEADs the tag): the count does see a session.
    const named = await copy([`oci:${ociDir}:v1`, `${env.host}/${NS}/app:v1`, '-o', 'json']);
    expect(named.code, named.all).toBe(0);
    expect(JSON.parse(named.stdout).images[0]).toMatchObject({ upToDate: true });
    expect(requests()).toBeGreaterThan(before);
  });

  it('retag by copy inside one repository: no blob is sent, skopeo lists both tags with one digest', async () => {
    const r = await copy([`${NS}/app:v1`, `${NS}/app:stable`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const [res] = JSON.parse(r.stdout).images;
    expect(res).toMatchObject({ digest: img.manifestDigest, bytesSent: 0, blobsSent: 0, blobsSkipped: 4 });
    expect(await tags(`${NS}/app`)).toEqual(['stable', 'v1']);
    expect((await inspect(`${NS}/app:stable`)).Digest).toBe(img.manifestDigest);
  });

  it('cluster → cluster across projects: the registry mounts every blob (its log shows mounts, no upload)', async () => {
    const r = await copy([`${NS}/app:v1`, `${NS2}/app:v1`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const [res] = JSON.parse(r.stdout).images;
    expect(res).toMatchObject({ digest: img.manifestDigest, bytesSent: 0, blobsMounted: 4 });
    expect((await inspect(`${NS2}/app:v1`)).Digest).toBe(img.manifestDigest);
    const lines = registryLog(`${NS2}/app`);
    const mounts = lines.filter((l) => l.includes('http.request.method=POST') && /http.request.uri="[^"]*mount=sha256/.test(l) && l.includes('http.response.status=201'));
    expect(mounts).toHaveLength(4);
    expect(lines.filter((l) => /http.request.method=(PUT|PATCH)/.test(l) && l.includes('/blobs/uploads/'))).toEqual([]);
  });

  it('docker-archive → cluster: config and (uncompressed) layers as in the archive', async () => {
    const file = path.join(env.tmp, 'app.tar');
    const a = writeDockerArchive(file, 'archive-e2e', { repoTag: 'localhost/arch:1.0', layers: 2, layerBytes: 10_000 });
    const r = await copy([`docker-archive:${file}`, `${NS}/arch`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const [res] = JSON.parse(r.stdout).images;
    expect(res.destination).toBe(`${env.host}/${NS}/arch:1.0`);
    const raw = await env.skopeo(['inspect', '--raw', '--cert-dir', certs(), `docker://${env.host}/${NS}/arch:1.0`]);
    expect(raw.ok, raw.stderr).toBe(true);
    const m = JSON.parse(raw.stdout);
    expect(m.config.digest).toBe(a.configDigest);
    expect(m.layers.map((l: any) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    expect((await inspect(`${NS}/arch:1.0`)).Digest).toBe(res.digest);
  });

  it('a user who may not push: exit 4 with the grant, nothing uploaded, no stream', async () => {
    const r = await asDeveloper([`oci:${ociDir}:v1`, `${NS}/denied:v1`]);
    expect(r.code, r.all).toBe(4);
    noSecrets(r.all);
    expect(r.stderr).toMatch(new RegExp(`^error: developer may not push to ${NS}/denied: update imagestreams/layers in ${NS} is denied; nothing was uploaded$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^hint: a project admin grants it: regctl grant pusher developer -n ${NS}`, 'm'));
    expect(writes(`${NS}/denied`)).toEqual([]);
    expect(env.sb.store.get(IS, NS, 'denied')).toBeUndefined();
  });

  it('a pusher without create imagestreams: a new stream is refused up front (regctl grant builder), an existing one works', async () => {
    env.bind('developer', 'system:image-pusher', NS);
    const r = await asDeveloper([`oci:${ociDir}:v1`, `${NS}/brand-new:v1`]);
    expect(r.code, r.all).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^error: ${NS}/brand-new is a new image stream, which the registry creates with your own token, and developer may not create imagestreams in ${NS}; nothing was uploaded$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^hint: a project admin grants it: regctl grant builder developer -n ${NS}$`, 'm'));
    expect(writes(`${NS}/brand-new`)).toEqual([]);
    expect(env.sb.store.get(IS, NS, 'brand-new')).toBeUndefined();

    const ok = await asDeveloper([`oci:${ociDir}:v1`, `${NS}/app:dev`]);
    expect(ok.code, ok.all).toBe(0);
    expect(await tags(`${NS}/app`)).toEqual(['dev', 'stable', 'v1']);
  });

  // As a cluster admin every access check passes; the registry refuses the push into a missing project only at the
  // manifest, with a bare 403 DENIED, after every layer was sent. regctl reads the project first.
  it('a project that does not exist: exit 5 naming it and `oc new-project`, nothing uploaded', async () => {
    const r = await copy([`oci:${ociDir}:v1`, 'no-such-project/app:v1']);
    expect(r.code, r.all).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: project no-such-project does not exist: the registry refuses a push into a missing project; nothing was uploaded\n' +
        'hint: create it first: `oc new-project no-such-project` (or copy into an existing project)\n',
    );
    expect(writes('no-such-project/app')).toEqual([]);
    expect(env.sb.store.get('/namespaces', undefined, 'no-such-project')).toBeUndefined();
    noSecrets(r.all);
  });

  it('docker://<this cluster\'s route host>/…: the same push check (SelfSubjectAccessReview) before the first upload', async () => {
    const r = await copy(['-v', `oci:${ociDir}:v1`, `docker://${env.host}/${NS}/viahost:v1`]);
    expect(r.code, r.all).toBe(0);
    noSecrets(r.all);
    const lines = r.stderr.split('\n');
    const review = lines.findIndex((l) => /POST \/apis\/authorization.k8s.io\/v1\/selfsubjectaccessreviews 201/.test(l));
    const upload = lines.findIndex((l) => /POST https:\/\/\S+\/blobs\/uploads\//.test(l));
    expect(review).toBeGreaterThanOrEqual(0);
    expect(upload).toBeGreaterThan(review);
    expect((await inspect(`${NS}/viahost:v1`)).Digest).toBe(img.manifestDigest);
  });

  it('an OCI layout destination: skopeo reads the copy back with the same digest', async () => {
    const out = path.join(env.tmp, 'oci-out');
    const r = await copy([`${NS}/app:v1`, `oci:${out}:copied`]);
    expect(r.code, r.all).toBe(0);
    const back = await env.skopeo(['inspect', `oci:${out}:copied`]);
    expect(back.ok, back.stderr).toBe(true);
    expect(JSON.parse(back.stdout).Digest).toBe(img.manifestDigest);
    expect(fs.readdirSync(path.join(out, 'blobs', 'sha256')).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a docker archive destination: skopeo reads the image back (config and layers as in the registry)', async () => {
    const file = path.join(env.tmp, 'out.tar');
    const r = await copy([`${NS}/app:v1`, `docker-archive:${file}`]);
    expect(r.code, r.all).toBe(0);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
    const back = await env.skopeo(['inspect', '--raw', `docker-archive:${file}`]);
    expect(back.ok, back.stderr).toBe(true);
    const m = JSON.parse(back.stdout);
    const configDigest = JSON.parse(img.manifest.toString()).config.digest as string;
    expect(m.config.digest).toBe(configDigest);
    // skopeo reads the (gzip) layers of the archive through and names them by their uncompressed digests.
    const config = JSON.parse(fs.readFileSync(path.join(ociDir, 'blobs', 'sha256', configDigest.slice(7)), 'utf8'));
    expect(m.layers.map((l: any) => l.digest)).toEqual(config.rootfs.diff_ids);
  });
});
