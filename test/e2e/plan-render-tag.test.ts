// issue 18 parts 1-2 with `regctl tag`: the plan is the ImageStreamTag writes `oc tag` makes (PUT, POST as the
// fallback). `--render manifests` is the image stream with only the spec tags regctl sets; applied with kubectl
// --server-side it gives the spec tags `regctl tag` gives (a second `regctl tag` then has nothing to change);
// re-render is byte-identical; --dry-run=server changes nothing (ImageStreamTag writes ignore dryRun upstream, so
// regctl does not send them); docker:// retags cannot be rendered; -d (a removal) renders as acm-policy only, the same
// files `regctl delete` renders for the same tags (mustnothave ImageStreamTags), which enforced give what tag -d gives.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import { expectOneError } from './support/expect-error.ts';
import { acmHubSetup } from './support/acm.ts';
import type { TestImage } from '../sandbox/registry/testing/image.ts';
import { files } from './support/files.ts';

let e: ContentEnv;
let v1: TestImage;

const kubectl = (args: string[]) => runTool('kubectl', args, e.sb.env, e.tmp);
async function stream(ns: string, name: string): Promise<any> {
  const r = await kubectl(['get', 'imagestream', name, '-n', ns, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}
/** A spec tag as `regctl tag` decides it: source, reference policy and import flags. */
const owned = (t: any) => t && { name: t.name, from: t.from, referencePolicy: t.referencePolicy?.type ?? 'Source', scheduled: Boolean(t.importPolicy?.scheduled), insecure: Boolean(t.importPolicy?.insecure) };
const specTag = async (ns: string, name: string, tag: string) => owned((await stream(ns, name))?.spec?.tags?.find((t: any) => t.name === tag));
const dir = (name: string) => fs.mkdtempSync(path.join(e.tmp, `${name}-`));
const versions = async (ns: string) => {
  const r = await kubectl(['get', 'imagestreams', '-n', ns, '-o', 'json']);
  return JSON.stringify(JSON.parse(r.stdout).items.map((s: any) => [s.metadata.name, s.metadata.resourceVersion]));
};

beforeAll(async () => {
  e = await contentEnv('plan-render-tag');
  e.createNamespace('rt');
  v1 = await e.push('rt/app:v1', 'one\n');
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

describe('tag --render', () => {
  it('manifests: the image stream with the spec tags regctl sets; applied, regctl tag has nothing left to change', async () => {
    const direct = await e.cli(['tag', 'rt/app:v1', 'rt/direct:stable', '--reference-policy', 'local']);
    expect(direct.code, direct.stderr).toBe(0);

    const args = ['tag', 'rt/app:v1', 'rt/gitops:stable', '--reference-policy', 'local'];
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const before = await versions('rt');
    const r1 = await e.cli([...args, '--render', 'manifests', '--output-dir', d1]);
    const r2 = await e.cli([...args, '--render', 'manifests', '--output-dir', d2]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(files(d1)).toEqual(files(d2));
    expect(await versions('rt')).toBe(before); // rendering changes nothing
    for (const text of [...Object.values(files(d1)), r1.stdout, r1.stderr]) for (const t of Object.values(e.sb.tokens)) expect(text).not.toContain(t);
    const rendered = Object.values(files(d1));
    expect(rendered).toHaveLength(1);
    expect(yaml.load(rendered[0]!)).toEqual({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'gitops', namespace: 'rt' },
      spec: { tags: [{ name: 'stable', from: { kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}`, namespace: 'rt' }, importPolicy: {}, referencePolicy: { type: 'Local' } }] },
    });

    const applied = await kubectl(['apply', '--server-side', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await specTag('rt', 'gitops', 'stable')).toEqual({ ...(await specTag('rt', 'direct', 'stable')), name: 'stable' });
    // The stream write itself resolves the ImageStreamImage into status (imagestream/strategy.go tagsChanged): the
    // applied tag points at the same image as the one `tag` set.
    const image = async (name: string) => (await stream('rt', name))?.status?.tags?.find((t: any) => t.tag === 'stable')?.items?.[0]?.image;
    expect(await image('gitops')).toBe(v1.manifestDigest);
    expect(await image('gitops')).toBe(await image('direct'));
    const again = await e.cli([...args, '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).items[0].result).toBe('unchanged');
  });

  it('an external image with --scheduled; other tags of the stream are left as they are', async () => {
    expect((await e.cli(['tag', 'rt/app:v1', 'rt/ext:keep'])).code).toBe(0);
    const args = ['tag', '--source', 'docker', 'registry.example.com/org/tool:1', 'rt/ext:tool', '--scheduled', '--insecure'];
    const r = await e.cli([...args, '--render', 'manifests']);
    expect(r.code, r.stderr).toBe(0);
    const obj = yaml.load(r.stdout.split(/^---$/m).find((d) => /kind: ImageStream/.test(d))!) as any;
    expect(obj.spec.tags).toEqual([{ name: 'tool', from: { kind: 'DockerImage', name: 'registry.example.com/org/tool:1' }, importPolicy: { insecure: true, scheduled: true }, referencePolicy: { type: 'Source' } }]);
    const file = path.join(dir('ext'), 'is.yaml');
    fs.writeFileSync(file, yaml.dump(obj));
    const applied = await kubectl(['apply', '--server-side', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await specTag('rt', 'ext', 'tool')).toEqual({ name: 'tool', from: { kind: 'DockerImage', name: 'registry.example.com/org/tool:1' }, referencePolicy: 'Source', scheduled: true, insecure: true });
    expect(await specTag('rt', 'ext', 'keep')).toMatchObject({ from: { kind: 'ImageStreamImage', name: `app@${v1.manifestDigest}` } });
    // What the apply wrote is what regctl tag would write: nothing left to change.
    const again = await e.cli([...args, '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).items[0].result).toBe('unchanged');
  });

  it('--dry-run=server checks the writes without sending them and changes nothing', async () => {
    const before = await versions('rt');
    const r = await e.cli(['tag', 'rt/app:v1', 'rt/app:srv', 'rt/dry:new', '--dry-run=server', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', dryRun: 'server' });
    expect(plan.steps.map((s: any) => [s.method, s.target.name])).toEqual([['PUT', 'app:srv'], ['PUT', 'dry:new']]);
    expect(plan.warnings.join('\n')).toMatch(/not sent with dryRun=All/);
    expect(r.stderr).toMatch(/server dry run: create ImageStreamTag rt\/app:srv/);
    expect(await versions('rt')).toBe(before);
    expect(await stream('rt', 'dry')).toBeUndefined();
    const del = await e.cli(['tag', '-d', 'rt/direct:stable', '--dry-run=server']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/delete ImageStreamTag rt\/direct:stable/);
    expect(await versions('rt')).toBe(before);
    expect(await specTag('rt', 'direct', 'stable')).toBeDefined();
  });

  it('-d with manifests, kustomize or argocd and docker:// retags cannot be rendered (exit 2, the hint delete gives), nothing changed', async () => {
    const before = await versions('rt');
    for (const format of ['manifests', 'kustomize', 'argocd']) {
      const del = await e.cli(['tag', '-d', 'rt/direct:stable', '--render', format]);
      expectOneError(del, new RegExp(`^error: tag -d cannot be rendered as ${format}: it takes something away, and an apply can only add and change$`), /^hint: in GitOps a removal is taking the object \(or the entry\) out of Git: Argo CD deletes an object that left Git only when the Application prunes/);
      expect(del.code).toBe(2);
      expect(del.stdout).toBe('');
    }
    const retag = await e.cli(['tag', `docker://${e.host}/rt/app:v1`, 'copy', '--render', 'manifests']);
    expectOneError(retag, /docker:\/\/ retag cannot be rendered/, /--render is for tags in image streams/);
    expect(retag.code).toBe(2);
    expect(await versions('rt')).toBe(before);
  });
});

describe('tag -d --render acm-policy', () => {
  const POLICIES = 'policy.open-cluster-management.io/policies';
  const ok = async (args: string[]) => {
    const k = await kubectl(args);
    expect(k.code, `${args.join(' ')}: ${k.stderr}`).toBe(0);
  };
  /** The tags as tag -d leaves them: spec tags and status tags with their current image. */
  const tags = async (ns: string) => {
    const s = await stream(ns, 'app');
    return { spec: ((s?.spec?.tags ?? []) as any[]).map((t) => t.name).sort(), status: ((s?.status?.tags ?? []) as any[]).map((t) => [t.tag, t.items?.[0]?.image]).sort() };
  };

  it('renders what `regctl delete` renders (byte-identical, also on re-run); enforced, the state tag -d gives; then nothing is left to render', async () => {
    for (const ns of ['td-direct', 'td-acm']) {
      e.createNamespace(ns);
      for (const t of ['old', 'older', 'keep']) expect((await e.cli(['tag', 'rt/app:v1', `${ns}/app:${t}`])).code).toBe(0);
    }
    const direct = await e.cli(['tag', '-d', 'td-direct/app:old', 'td-direct/app:older']);
    expect(direct.code, direct.stderr).toBe(0);
    expect((await tags('td-direct')).spec).toEqual(['keep']);

    // -n names the project of tags without one; a tag with its own project keeps it, as for tag -d itself.
    const tagArgs = ['tag', '-d', 'app:old', 'td-acm/app:older', '-n', 'td-acm', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir'];
    const deleteArgs = ['delete', 'td-acm/app:old', 'td-acm/app:older', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir'];
    const [t1, t2, d1] = [dir('tag-d'), dir('tag-d'), dir('delete')];
    const before = await versions('td-acm');
    for (const args of [[...tagArgs, t1], [...tagArgs, t2], [...deleteArgs, d1]]) {
      const r = await e.cli(args);
      expect(r.code, r.stderr).toBe(0);
      for (const text of [r.stdout, r.stderr]) for (const t of Object.values(e.sb.tokens)) expect(text).not.toContain(t);
    }
    expect(files(t2)).toEqual(files(t1));
    expect(files(t1)).toEqual(files(d1));
    expect(await versions('td-acm')).toBe(before); // rendering changes nothing
    const policy = yaml.load(files(t1)['policy.yaml']!) as any;
    const cp = policy.spec['policy-templates'][0].objectDefinition;
    expect(cp.spec.evaluationInterval).toEqual({ compliant: '10m', noncompliant: '30s' });
    expect(cp.spec['object-templates']).toEqual(
      ['app:old', 'app:older'].map((name) => ({ complianceType: 'mustnothave', objectDefinition: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name, namespace: 'td-acm' } } })),
    );

    for (const a of acmHubSetup(e.tmp)) await ok(a);
    await ok(['apply', '-f', t1]);
    const name = policy.metadata.name;
    expect(name).toBe('regctl-delete-td-acm-app');
    await e.sb.waitFor(() => (e.sb.store.get(POLICIES, 'policies', name) as any)?.status?.compliant === 'Compliant', 30_000);
    expect(await tags('td-acm')).toEqual(await tags('td-direct'));
    // Nothing left: tag -d finds nothing to delete, and rendering again renders nothing.
    const none = await e.cli(['tag', '-d', 'app:old', 'app:older', '-n', 'td-acm', '--render', 'acm-policy']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('nothing to change: nothing was rendered');
    await ok(['delete', '-f', t1]);
  });
});
