// issue 19: `regctl tag` on the cluster's registry, the way `oc tag` does it (ImageStreamTags through the API),
// checked with skopeo (digests and tag lists through the route) and kubectl (the stream's spec tags).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import { expectOneError } from './support/expect-error.ts';
import type { TestImage } from '../sandbox/registry/testing/image.ts';

let e: ContentEnv;
let v1: TestImage;
let v2: TestImage;
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';

async function stream(ns: string, name: string): Promise<any> {
  const r = await runTool('kubectl', ['get', 'imagestream', name, '-n', ns, '-o', 'json'], e.sb.env, e.tmp);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}
const specTag = async (ns: string, name: string, tag: string) => (await stream(ns, name))?.spec?.tags?.find((t: any) => t.name === tag);

async function digestOf(ref: string): Promise<string> {
  const r = await e.skopeo(['inspect', '--cert-dir', `${e.certsDir}/${e.host}`, '--format', '{{.Digest}}', `docker://${e.host}/${ref}`]);
  expect(r.stderr).not.toMatch(/error/i);
  return r.stdout.trim();
}

async function listTags(repo: string): Promise<string[]> {
  const r = await e.skopeo(['list-tags', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/${repo}`]);
  return r.ok ? (JSON.parse(r.stdout).Tags as string[]).sort() : [];
}

beforeAll(async () => {
  e = await contentEnv('tag');
  for (const ns of ['team', 'shared', 'ext']) e.createNamespace(ns);
  v1 = await e.push('team/app:v1', 'one\n');
  v2 = await e.push('team/app:v2', 'two\n');
  e.bind('alice', 'registry-viewer', 'team');
  e.createNamespace('bobns');
  e.bind('bob', 'registry-editor', 'bobns');
}, 60_000);

afterAll(async () => {
  await e?.stop();
});

describe('regctl tag in the cluster registry', () => {
  it('--dry-run prints the plan (the exact write) and changes nothing', async () => {
    const r = await e.cli(['tag', 'team/app:v1', 'team/app:dry', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'tag-team-app', dryRun: 'client' });
    expect(out.steps).toHaveLength(1);
    expect(out.steps[0]).toMatchObject({ action: 'create', method: 'PUT', target: { kind: 'ImageStreamTag', namespace: 'team', name: 'app:dry' } });
    expect(out.steps[0].object.tag.from).toEqual({ kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}`, namespace: 'team' });
    expect(await specTag('team', 'app', 'dry')).toBeUndefined();
    const text = await e.cli(['tag', 'team/app:v1', 'team/app:dry', '--dry-run']);
    expect(text.stdout).toMatch(/# dry run: nothing was changed[\s\S]*create ImageStreamTag team\/app:dry .*\(PUT\)/);
    const ext = await e.cli(['tag', '--source', 'docker', 'registry.example.com/org/tool:1', 'ext/tool:dry', '--insecure', '--reference-policy', 'local', '--dry-run', '-o', 'json']);
    expect(ext.code).toBe(0);
    expect(JSON.parse(ext.stdout).steps[0].object.tag).toEqual({
      name: 'dry', from: { kind: 'DockerImage', name: 'registry.example.com/org/tool:1' }, reference: false, importPolicy: { insecure: true }, referencePolicy: { type: 'Local' }, generation: 0,
    });
    expect(await stream('ext', 'tool')).toBeUndefined();
    expect(await listTags('team/app')).toEqual(['v1', 'v2']);
  });

  it('retags: the new tag serves the same digest (skopeo), and a second run changes nothing', async () => {
    const r = await e.cli(['tag', 'team/app:v1', 'team/app:stable']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/team\/app:stable\s+ImageStreamImage team\/app@sha256:\S+\s+created/);
    expect(r.stderr).toMatch(/Tag team\/app:stable set to team\/app:v1\./);
    expect(await digestOf('team/app:stable')).toBe(v1.manifestDigest);
    expect((await specTag('team', 'app', 'stable')).from).toEqual({ kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}`, namespace: 'team' });
    const again = await e.cli(['tag', 'team/app:v1', 'team/app:stable', '-o', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).items[0].result).toBe('unchanged');
  });

  it('a cross-project source into several destinations', async () => {
    const r = await e.cli(['tag', 'team/app:v2', 'shared/app:v2', 'shared/app:prod', '-o', 'json']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout).items;
    expect(items.map((i: any) => [i.namespace, i.tag, i.result, i.image])).toEqual([
      ['shared', 'v2', 'created', v2.manifestDigest],
      ['shared', 'prod', 'created', v2.manifestDigest],
    ]);
    expect((await specTag('shared', 'app', 'prod')).from).toEqual({ kind: 'ImageStreamImage', name: `app@${v2.manifestDigest}`, namespace: 'team' });
    expect(await digestOf('shared/app:prod')).toBe(v2.manifestDigest);
    expect(await listTags('shared/app')).toEqual(['prod', 'v2']);
  });

  it('a write that fails after others: the tags this run created are deleted again', async () => {
    e.sb.faults.failRequests = [{ method: 'PUT', path: 'imagestreamtags/app%3Af2', answer: 500, times: 1 }];
    const r = await e.cli(['tag', 'team/app:v1', 'shared/app:f1', 'shared/app:f2']);
    e.sb.faults.failRequests = [];
    expect(r.code).toBe(1);
    expectOneError(r, /; undone, nothing was left changed \(tagging shared\/app:f2 failed\)/, /./);
    expect(await specTag('shared', 'app', 'f1')).toBeUndefined();
    expect(await listTags('shared/app')).toEqual(['prod', 'v2']);
  });

  it('--alias: the tag tracks the source tag', async () => {
    const r = await e.cli(['tag', '--alias', 'team/app:v2', 'team/app:latest']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Tag team\/app:latest set up to track team\/app:v2\./);
    expect((await specTag('team', 'app', 'latest')).from).toEqual({ kind: 'ImageStreamTag', name: 'app:v2', namespace: 'team' });
    expect(await digestOf('team/app:latest')).toBe(v2.manifestDigest);
    // a new push to v2 moves latest too (the server's tracking tags)
    const v2b = await e.push('team/app:v2', 'two, rebuilt\n');
    expect(await digestOf('team/app:latest')).toBe(v2b.manifestDigest);
    v2 = v2b;
    const cross = await e.cli(['tag', '--alias', 'team/app:v2', 'shared/app:latest']);
    expect(cross.code).toBe(2);
    expectOneError(cross, /--alias works within one image stream/, /without --alias/);
  });

  it('--reference-policy local', async () => {
    const r = await e.cli(['tag', 'app:v1', 'app:local', '-n', 'team', '--reference-policy', 'local']);
    expect(r.code).toBe(0);
    const tag = await specTag('team', 'app', 'local');
    expect(tag.referencePolicy).toEqual({ type: 'Local' });
    // as oc: a source without a project is in the destination's project, and names none
    expect(tag.from).toEqual({ kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}` });
    expect(await digestOf('team/app:local')).toBe(v1.manifestDigest);
  });

  it('an external image with --scheduled: the cluster imports it', async () => {
    const r = await e.cli(['tag', `${INTERNAL}/team/app:v1`, 'ext/tool:1', '--scheduled', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ from: { kind: 'DockerImage', name: `${INTERNAL}/team/app:v1` }, importPolicy: { scheduled: true }, result: 'created' });
    const tag = await specTag('ext', 'tool', '1');
    expect(tag.importPolicy).toMatchObject({ scheduled: true });
    expect(tag.from).toEqual({ kind: 'DockerImage', name: `${INTERNAL}/team/app:v1` });
    await e.sb.waitFor((s) => ((s.get('image.openshift.io/imagestreams', 'ext', 'tool')?.status as any)?.tags ?? []).some((t: any) => t.tag === '1' && t.items?.[0]?.image === v1.manifestDigest), 20_000);
    expect(await digestOf('ext/tool:1')).toBe(v1.manifestDigest);
    // the same source without --scheduled, to compare
    expect((await e.cli(['tag', '--source', 'docker', `${INTERNAL}/team/app:v1`, 'ext/tool:once'])).code).toBe(0);
    await e.sb.waitFor((s) => ((s.get('image.openshift.io/imagestreams', 'ext', 'tool')?.status as any)?.tags ?? []).some((t: any) => t.tag === 'once' && t.items?.length), 20_000);
    // The source moves; the scheduled re-import (its period elapsing) follows it, the other tag stays.
    const moved = await e.push('team/app:v1', 'one, rebuilt\n');
    expect(await e.sb.runScheduledImports()).toContain('ext/tool');
    expect(await digestOf('ext/tool:1')).toBe(moved.manifestDigest);
    expect(await digestOf('ext/tool:once')).toBe(v1.manifestDigest);
  });

  it('-d deletes tags; a tag already gone is reported and exits 0', async () => {
    const r = await e.cli(['tag', '-d', 'team/app:stable', 'team/app:local']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Deleted tag team\/app:stable\./);
    expect(await listTags('team/app')).toEqual(['latest', 'v1', 'v2']);
    const again = await e.cli(['tag', '-d', 'team/app:stable', '-o', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).items[0].result).toBe('not found');
  });

  it('a missing source is exit 5; a user who may not tag gets the grant that fixes it (exit 4), nothing changed', async () => {
    const missing = await e.cli(['tag', 'team/app:nope', 'team/app:x']);
    expect(missing.code).toBe(5);
    expectOneError(missing, /team\/app:nope does not point at an image/, /regctl tags team\/app/);
    const alice = e.sb.tokens.alice!;
    const r = await e.cli(['--token', alice, 'tag', 'team/app:v1', 'team/app:alice']);
    expect(r.code).toBe(4);
    expectOneError(r, /you may not tag images in project team/, /regctl grant editor alice -n team/);
    expect(r.all).not.toContain(alice);
    expect(await specTag('team', 'app', 'alice')).toBeUndefined();
  });

  it('a source in a project the user may not read: exit 4 with the grant; the server refuses it too (kubectl)', async () => {
    const bob = e.sb.tokens.bob!;
    const r = await e.cli(['--token', bob, 'tag', 'team/app:v1', 'bobns/app:v1']);
    expect(r.code).toBe(4);
    expectOneError(r, /you may not read image stream team\/app/, /regctl grant viewer bob -n team/);
    expect(r.all).not.toContain(bob);
    // The API server's TagVerifier (get imagestreams/layers on the source) with an independent client.
    const istag = { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: 'app:v1', namespace: 'bobns' }, tag: { name: 'v1', from: { kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}`, namespace: 'team' } } };
    const file = `${e.tmp}/istag.json`;
    (await import('node:fs')).writeFileSync(file, JSON.stringify(istag));
    const k = await runTool('kubectl', ['--token', bob, 'create', '--validate=false', '-f', file], e.sb.env, e.tmp);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/spec\.tags\[v1\]\.from: Forbidden: team\/app/);
    expect(await stream('bobns', 'app')).toBeUndefined();
    const admin = await runTool('kubectl', ['create', '--validate=false', '-f', file], e.sb.env, e.tmp);
    expect(admin.stderr).toBe('');
    expect(await digestOf('bobns/app:v1')).toBe(v1.manifestDigest);
    // registry-editor may tag in its own project
    const own = await e.cli(['--token', bob, 'tag', 'bobns/app:v1', 'bobns/app:mine', '-o', 'json']);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).items[0]).toMatchObject({ result: 'created', image: v1.manifestDigest });
  });
});
