// regctl prune plan / apply: the decisions of `oc adm prune images` with their reasons, a plan that changes
// nothing, --max-delete, and a resumable apply (a second run finds nothing to do). Objects are written straight
// into the sandbox's store with old creation times; the registry holds no content for them (its link deletes
// answer 404, counted as already gone).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { cronJob, deployment, digest, image, pod, REG, restore, stream } from './support/prune-fixtures.ts';
import { runTool } from './support/tool.ts';

let env: ContentEnv;
const IMAGES = 'image.openshift.io/images';
const STREAMS = 'image.openshift.io/imagestreams';
const D = (n: string) => digest(n);

function snapshot() {
  const s = env.sb.store;
  return {
    images: s.list(IMAGES).items.map((i) => `${i.metadata.name}@${i.metadata.resourceVersion}`).sort(),
    streams: s.list(STREAMS).items.map((i) => `${i.metadata.namespace}/${i.metadata.name}@${i.metadata.resourceVersion}`).sort(),
  };
}
const imageNames = () => env.sb.store.list(IMAGES).items.map((i) => i.metadata.name!);
const historyOf = (ns: string, name: string, tag: string): string[] =>
  (((env.sb.store.get(STREAMS, ns, name)?.status as any)?.tags ?? []).find((t: any) => t.tag === tag)?.items ?? []).map((i: any) => i.image);

beforeAll(async () => {
  env = await contentEnv('prune');
  env.createNamespace('team');
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  restore(env.sb.store, IMAGES, [
    ...['a1', 'a2', 'a3', 'a4'].map((n) => image(n, { repo: 'team/app' })),
    ...['w1', 'w2'].map((n) => image(n, { repo: 'team/web' })),
    image('orphan', { repo: 'team/gone' }),
    image('external', { repo: 'team/ext', managed: false }),
    image('young', { repo: 'team/new', created: now }),
  ]);
  restore(env.sb.store, STREAMS, [stream('team', 'app', { latest: ['a4', 'a3', 'a2', 'a1'] }), stream('team', 'web', { v1: ['w2', 'w1'] })]);
  restore(env.sb.store, '/pods', [pod('team', 'runner', `${REG}/team/app@${D('a3')}`)]);
  restore(env.sb.store, 'batch/cronjobs', [cronJob('team', 'nightly', `${REG}/team/app@${D('a2')}`)]);
  restore(env.sb.store, 'apps/deployments', [deployment('team', 'web', `${REG}/team/web:v1`)]);
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

const FLAGS = ['--keep-tag-revisions', '1'];

describe('prune plan', () => {
  it('gives every image a decision and a reason: tag revisions, in use (who), younger, unreferenced', async () => {
    const before = snapshot();
    const r = await env.cli(['prune', 'plan', ...FLAGS, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'PrunePlan', options: { keepTagRevisions: 1, keepYoungerThan: '60m', all: true } });
    const by = Object.fromEntries(plan.images.map((i: any) => [i.name, i]));
    expect(by[D('a4')]).toMatchObject({ decision: 'keep', reason: 'tag-revision', detail: 'team/app:latest revision 1' });
    expect(by[D('a3')]).toMatchObject({ decision: 'keep', reason: 'in-use', detail: 'pod/team/runner' });
    expect(by[D('a2')]).toMatchObject({ decision: 'keep', reason: 'in-use', detail: 'cronjob/team/nightly' });
    expect(by[D('w2')]).toMatchObject({ decision: 'keep', reason: 'in-use' });
    expect(by[D('w2')].detail).toContain('deployment/team/web');
    expect(by[D('w2')].detail).toContain('(via team/web:v1)');
    expect(by[D('young')]).toMatchObject({ decision: 'keep', reason: 'younger' });
    expect(by[D('a1')]).toMatchObject({ decision: 'prune', reason: 'old-revision' });
    expect(by[D('w1')]).toMatchObject({ decision: 'prune', reason: 'old-revision' });
    expect(by[D('orphan')]).toMatchObject({ decision: 'prune', reason: 'unreferenced' });
    expect(by[D('external')]).toMatchObject({ decision: 'prune', reason: 'unreferenced' });
    // The shared base layer stays (kept images use it); each pruned image frees its own layer, config (300) and manifest.
    expect(plan.summary).toMatchObject({ images: 9, keep: 5, prune: 4, historyEntries: 2, imageStreams: 2, blobs: 12, bytesFreed: 4 * 5300 });
    expect(plan.imageStreams.find((s: any) => s.name === 'app')).toMatchObject({ remove: [{ tag: 'latest', revision: 4, image: D('a1'), reason: 'old-revision' }], manifestLinks: [D('a1')] });
    expect(plan.imageStreams.find((s: any) => s.name === 'app').layerLinks.sort()).toEqual([D('a1-layer'), D('a1-config')].sort());
    expect(snapshot()).toEqual(before);
  });

  it('--no-all keeps images the registry does not manage; the table says the same', async () => {
    const r = await env.cli(['prune', 'plan', ...FLAGS, '--no-all']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith(D('external').slice(0, 19)))!;
    expect(line).toMatch(/keep\s+not-managed/);
    expect(r.stdout).toMatch(/^IMAGE\s+DECISION\s+REASON\s+SIZE\s+CREATED\s+DETAIL/m);
    expect(r.stdout).toContain('9 images: keep 6, prune 3');
    expect(r.stdout).toMatch(/frees 9 blobs: 15\.5[0-9]? KiB \(15900 bytes\)/);
  });

  it('the pruner role (system:image-pruner) is enough for a plan', async () => {
    env.sb.store.create('rbac.authorization.k8s.io/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-pruner' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:image-pruner' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const r = await env.cli(['--token', env.sb.tokens.alice!, 'prune', 'plan', ...FLAGS, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toMatchObject({ keep: 5, prune: 4 });
  });

  it('bad flags are usage errors and change nothing', async () => {
    const r = await env.cli(['prune', 'plan', '--keep-tag-revisions', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --keep-tag-revisions must be a whole number ≥ 0, not "x"\nhint: /);
    const a = await env.cli(['prune', 'apply', '--yes', '--max-delete', '0']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: --max-delete must be a whole number ≥ 1/);
  });
});

describe('prune apply', () => {
  it('a user without the pruner role is refused before anything changes (exit 4)', async () => {
    const before = snapshot();
    const r = await env.cli(['--token', env.sb.tokens.developer!, 'prune', 'apply', ...FLAGS, '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: /m);
    expect(snapshot()).toEqual(before);
    expect(r.all).not.toContain(env.sb.tokens.developer!);
  });

  it('--dry-run prints the plan and changes nothing; without --yes it refuses', async () => {
    const before = snapshot();
    const dry = await env.cli(['prune', 'apply', ...FLAGS, '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).kind).toBe('PrunePlan');
    const no = await env.cli(['prune', 'apply', ...FLAGS]);
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/^error: refusing to prune 4 images without confirmation\nhint: pass --yes/);
    expect(snapshot()).toEqual(before);
  });

  it('--max-delete 1 removes one history entry and stops; the next run continues; a third finds nothing', async () => {
    const first = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '--max-delete', '1', '-o', 'json']);
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.stdout);
    expect(r1).toMatchObject({ kind: 'PruneResult', applied: { historyEntries: 1, images: 0, complete: false } });
    expect(historyOf('team', 'app', 'latest')).toEqual([D('a4'), D('a3'), D('a2')]);
    expect(historyOf('team', 'web', 'v1')).toEqual([D('w2'), D('w1')]);
    expect(imageNames()).toHaveLength(9);

    const second = await env.cli(['prune', 'apply', ...FLAGS, '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('removed 1 tag history entries from 1 image streams');
    expect(second.stdout).toContain('deleted 4 images');
    expect(historyOf('team', 'web', 'v1')).toEqual([D('w2')]);
    expect(imageNames().sort()).toEqual([D('a4'), D('a3'), D('a2'), D('w2'), D('young')].sort());
    // kubectl sees the same images left.
    const k = await runTool('kubectl', ['get', 'images.image.openshift.io', '-o', 'name'], env.sb.env, `${env.tmp}/home`);
    expect(k.stdout.trim().split('\n').map((l) => l.replace(/^image\.image\.openshift\.io\//, '')).sort()).toEqual([D('a4'), D('a3'), D('a2'), D('w2'), D('young')].sort());

    const before = snapshot();
    const third = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '-o', 'json']);
    expect(third.code).toBe(0);
    expect(third.stderr).toContain('nothing to prune');
    expect(JSON.parse(third.stdout).applied).toMatchObject({ historyEntries: 0, images: 0, layerLinks: 0, manifestLinks: 0, alreadyGone: 0, complete: true });
    expect(snapshot()).toEqual(before);
    expect(first.all + second.all + third.all).not.toContain(env.sb.tokens.admin!);
  });

  it('an unparsable image reference stops the plan (exit 3) unless --ignore-invalid-refs', async () => {
    restore(env.sb.store, '/pods', [pod('team', 'broken', 'Registry.example.com/team/APP:v1')]);
    const r = await env.cli(['prune', 'plan', ...FLAGS]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: invalid image reference in pod\/team\/broken container main: "Registry.example.com\/team\/APP:v1": repository name must be lowercase; nothing was changed\nhint: fix the reference, or pass --ignore-invalid-refs/);
    const ok = await env.cli(['prune', 'plan', ...FLAGS, '--ignore-invalid-refs', '-o', 'json']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('Warning: ignored the invalid image reference in pod/team/broken container main: "Registry.example.com/team/APP:v1": repository name must be lowercase\n');
    expect(JSON.parse(ok.stdout).invalidReferences).toEqual([{ referrer: 'pod/team/broken', where: 'container main', reference: 'Registry.example.com/team/APP:v1', error: 'repository name must be lowercase' }]);
  });

  // The pre-flight checks the kubeconfig user (the pruner); the registry deletes must go as that user too, not with a
  // token podman holds for the host (here a developer's, from an earlier `podman login`/`regctl login -u developer`),
  // which the registry refuses for `delete` (it needs cluster-wide delete images).
  it('the registry deletes use the kubeconfig token the pre-flight checked, not another user\'s saved in auth.json', async () => {
    env.sb.store.delete('/pods', 'team', 'broken');
    restore(env.sb.store, IMAGES, [image('o1', { repo: 'team/old' }), image('o2', { repo: 'team/old' })]);
    restore(env.sb.store, STREAMS, [stream('team', 'old', { v1: ['o2', 'o1'] })]);
    const authfile = path.join(env.tmp, 'xdg', 'containers', 'auth.json');
    fs.mkdirSync(path.dirname(authfile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [env.host]: { auth: Buffer.from(`developer:${env.sb.tokens.developer!}`).toString('base64') } } }), { mode: 0o600 });
    try {
      const r = await env.cli(['prune', 'apply', ...FLAGS, '--yes', '-o', 'json']);
      expect(r.code, r.all).toBe(0);
      expect(JSON.parse(r.stdout).applied).toMatchObject({ historyEntries: 1, images: 1, complete: true });
      expect(historyOf('team', 'old', 'v1')).toEqual([D('o2')]);
      expect(imageNames()).not.toContain(D('o1'));
      expect(r.all).not.toContain(env.sb.tokens.developer!);
      expect(r.all).not.toContain(env.sb.tokens.admin!);
    } finally {
      fs.rmSync(authfile, { force: true });
    }
  });
});
