// delete (ImageStreamTags) and import-image (ImageStreamImport) against the sandbox: pushed images, the registry
// refusing a manifest DELETE while a tag references it, dry runs, idempotency, reference policies, and an image
// stream that references a pushed image and can be pulled under its new name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import type { TestImage } from '../sandbox/registry/testing/image.ts';

const IS = 'image.openshift.io/imagestreams';
let e: ContentEnv;
let v1: TestImage;
let v2: TestImage;
const stream = (ns: string, name: string): any => e.sb.store.get(IS, ns, name);
const statusTags = (ns: string, name: string) => ((stream(ns, name)?.status?.tags ?? []) as any[]).map((t) => t.tag);

beforeAll(async () => {
  e = await contentEnv('content-write');
  for (const ns of ['team', 'shared', 'dev']) e.createNamespace(ns);
  e.bind('developer', 'edit', 'dev');
  v1 = await e.push('team/app:v1', 'version 1\n');
  v2 = await e.push('team/app:v2', 'version 2\n');
  const c = `${e.certsDir}/${e.host}`;
  const r = await e.skopeo(['copy', '--src-cert-dir', c, '--dest-cert-dir', c, `docker://${e.host}/team/app:v1`, `docker://${e.host}/team/app:latest`]);
  expect(r.ok).toBe(true);
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

describe('delete', () => {
  it('--dry-run prints the plan (the ImageStreamTag deletes) and changes nothing', async () => {
    const r = await e.cli(['delete', 'team/app:v2', `team/app@${v1.manifestDigest}`, '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'delete', dryRun: 'client', warnings: [] });
    expect(plan.steps.map((s: any) => [s.action, s.target.kind, s.target.namespace, s.target.name])).toEqual([
      ['delete', 'ImageStreamTag', 'team', 'app:v2'],
      ['delete', 'ImageStreamTag', 'team', 'app:latest'],
      ['delete', 'ImageStreamTag', 'team', 'app:v1'],
    ]);
    expect(plan.steps[0].summary).toBe(`delete ImageStreamTag team/app:v2 (image ${v2.manifestDigest})`);
    const one = await e.cli(['delete', 'app:latest', '-n', 'team', '--dry-run']);
    expect(one.code).toBe(0);
    // The delete is printed once: its numbered summary, no second `# delete …` line (seed walkthrough).
    expect(one.stdout).toMatch(/^# dry run: nothing was changed\n---\n# 1\. delete ImageStreamTag team\/app:latest \(image sha256:\w+\)\n$/);
    expect(one.stderr).toMatch(/team\/app:latest would be deleted; image sha256:\w+… still tagged app:v1\./);
    expect(statusTags('team', 'app')).toEqual(['latest', 'v1', 'v2']);
  });

  it('--dry-run=server checks each delete with a GET and a permission check, never with dryRun=All (openshift-apiserver would really delete); nothing changes', async () => {
    const rv = stream('team', 'app').metadata.resourceVersion;
    const r = await e.cli(['delete', 'team/app:v2', 'team/app:latest', '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# dry run \(checked by the API server\): nothing was changed\n/);
    expect(r.stdout).toContain('# 2. delete ImageStreamTag team/app:latest');
    expect([...r.stderr.matchAll(/server dry run: delete ImageStreamTag (\S+) \(image sha256:\w+\): checked with a GET and a permission check \(not sent with dryRun=All\)/g)].map((m) => m[1])).toEqual(['team/app:v2', 'team/app:latest']);
    expect(r.stderr).toMatch(/^Warning: .*not sent with dryRun=All \(openshift-apiserver's ImageStreamTag delete honours dryRun only since the May 2025 z-streams/m);
    const y = await e.cli(['delete', 'team/app:v2', '--dry-run=server', '-o', 'yaml']);
    expect(y.code, y.stderr).toBe(0);
    expect(y.stdout).toMatch(/^apiVersion: regctl.openshift.io\/v1\nkind: Plan\n/);
    expect(y.stdout).toMatch(/dryRun: server/);
    expect(y.stdout).toMatch(/warnings:\n\s+- ['"]?ImageStreamTag deletes are not sent with dryRun=All/);
    // The user may not delete: the server dry run fails like the real delete would (exit 4).
    const f = await e.cli(['delete', 'team/app:v2', '--context', 'developer', '--dry-run=server']);
    expect(f.code).toBe(4);
    expect(stream('team', 'app').metadata.resourceVersion).toBe(rv);
    expect(statusTags('team', 'app')).toEqual(['latest', 'v1', 'v2']);
  });

  it('delete cannot be rendered: exit 2 with a hint, nothing changed', async () => {
    const r = await e.cli(['delete', 'team/app:v2', '--render', 'manifests']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: delete cannot be rendered as manifests: it takes something away, and an apply can only add and change\nhint: in GitOps a removal is taking the object .*out of Git/);
    expect(r.stdout).toBe('');
    expect(statusTags('team', 'app')).toEqual(['latest', 'v1', 'v2']);
  });

  it('the registry refuses a manifest DELETE while a tag references it; delete removes the ImageStreamTag', async () => {
    const sk = await e.skopeo(['delete', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app@${v2.manifestDigest}`]);
    expect(sk.ok).toBe(false);
    expect(sk.stderr).toMatch(/unsupported/i);
    const r = await e.cli(['delete', 'team/app:v2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^IMAGESTREAMTAG +IMAGE +RESULT\\nteam/app:v2 +${v2.manifestDigest} +deleted\\n$`));
    expect(statusTags('team', 'app')).toEqual(['latest', 'v1']);
    const tags = await e.skopeo(['list-tags', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app`]);
    expect([...JSON.parse(tags.stdout).Tags].sort()).toEqual(['latest', 'v1']);
    const again = await e.cli(['delete', 'app:v2', '-n', 'team']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/team\/app:v2 not found: nothing to delete/);
  });

  it('needs a tag (exit 2) and the rights (exit 4)', async () => {
    const u = await e.cli(['delete', 'team/app']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^error: "team\/app" names no tag to delete\nhint: /);
    const f = await e.cli(['delete', 'team/app:v1', '--context', 'developer', '--dry-run']);
    expect(f.code).toBe(4);
    expect(f.stderr).toMatch(/^error: forbidden: /);
    expect(statusTags('team', 'app')).toEqual(['latest', 'v1']);
  });
});

describe('import-image', () => {
  const from = () => `${e.host}/team/app:v1`;

  it('refuses to create a stream without --confirm; --dry-run shows what would be imported', async () => {
    const r = await e.cli(['import-image', 'mirror:1.0', '--from', from(), '-n', 'shared']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: image stream shared\/mirror does not exist: .*\nhint: add --confirm/);
    // --dry-run=server: the server's preview (spec.import false) — an ImageStreamImport ignores dryRun=All.
    const d = await e.cli(['import-image', 'mirror:1.0', '--from', from(), '-n', 'shared', '--dry-run=server', '-o', 'json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).preview).toMatchObject({ dryRun: true, imported: [{ tag: '1.0', from: from(), status: 'Success', digest: v1.manifestDigest }] });
    expect(stream('shared', 'mirror')).toBeUndefined();
  });

  it('imports with --reference-policy local: the stream references the pushed image, pullable under its new name', async () => {
    const r = await e.cli(['import-image', 'mirror:1.0', '--from', from(), '-n', 'shared', '--confirm', '--reference-policy', 'local', '-o', 'json']);
    expect(r.stderr).toMatch(/Imported 1 tag into shared\/mirror \(reference policy Local\)/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ namespace: 'shared', imageStream: 'mirror', dryRun: false, referencePolicy: 'Local' });
    expect(out.imported).toEqual([
      expect.objectContaining({ tag: '1.0', status: 'Success', digest: v1.manifestDigest, dockerImageReference: `${e.host}/team/app@${v1.manifestDigest}`, os: 'linux', architecture: 'amd64', layers: 1 }),
    ]);
    const is = stream('shared', 'mirror');
    expect(is.spec.tags).toEqual([expect.objectContaining({ name: '1.0', from: { kind: 'DockerImage', name: from() }, referencePolicy: { type: 'Local' } })]);
    expect(is.status.tags[0].items[0].image).toBe(v1.manifestDigest);

    const tags = await e.cli(['tags', 'shared/mirror', '-o', 'wide']);
    expect(tags.stdout).toBe(`TAG   DIGEST\n1.0   ${v1.manifestDigest}\n`);
    const sk = await e.skopeo(['inspect', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/shared/mirror:1.0`]);
    expect(sk.stderr).toBe('');
    expect(JSON.parse(sk.stdout).Digest).toBe(v1.manifestDigest);
  });

  it('re-imports without --from or --confirm, keeping the policy', async () => {
    const r = await e.cli(['import-image', 'mirror:1.0', '-n', 'shared']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^TAG +FROM +DIGEST +STATUS\\n1\\.0 +${from().replace(/\./g, '\\.')} +${v1.manifestDigest} +imported\\n$`));
    expect(stream('shared', 'mirror').spec.tags[0].referencePolicy).toEqual({ type: 'Local' });
  });

  it('--all imports every tag of the repository (source host: the internal service by default)', async () => {
    const r = await e.cli(['import-image', 'everything', '--from', 'team/app', '--all', '--confirm', '-n', 'shared', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.imported.map((x: any) => [x.tag, x.digest, x.from])).toEqual([
      ['latest', v1.manifestDigest, 'image-registry.openshift-image-registry.svc:5000/team/app:latest'],
      ['v1', v1.manifestDigest, 'image-registry.openshift-image-registry.svc:5000/team/app:v1'],
    ]);
    expect(statusTags('shared', 'everything')).toEqual(['latest', 'v1']);
    expect(stream('shared', 'everything').spec.tags.map((t: any) => t.referencePolicy.type)).toEqual(['Source', 'Source']);
  });

  it('reports a source that does not exist (exit 5) and bad flags (exit 2)', async () => {
    const r = await e.cli(['import-image', 'gone:1', '--from', `${e.host}/team/app:nope`, '--confirm', '-n', 'shared']);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/failed: NotFound: /);
    expect(r.stderr).toMatch(/^error: 1 of 1 import failed: .*team\/app:nope: NotFound: /m);
    const p = await e.cli(['import-image', 'x:1', '--from', from(), '--reference-policy', 'mirror']);
    expect(p.code).toBe(2);
    const a = await e.cli(['import-image', 'x:1', '--from', from(), '--all']);
    expect(a.code).toBe(2);
    expect(r.all + p.all + a.all).not.toContain(e.sb.tokens.admin);
  });
});
