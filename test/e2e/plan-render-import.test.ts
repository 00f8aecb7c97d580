// issue 18 part 2 with import-image: `--render` writes the ImageStream's desired spec tags (from DockerImage,
// importPolicy, referencePolicy), not the one-shot ImageStreamImport. Applied with kubectl --server-side (or enforced
// by an ACM policy), the sandbox's image stream controller (openshift-controller-manager) imports them: the same
// tags and digests as running import-image directly. Re-renders are byte-identical; --all cannot be rendered.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const IS = 'image.openshift.io/imagestreams';
const POLICIES = 'policy.open-cluster-management.io/policies';
let e: ContentEnv;

const kubectl = (args: string[]) => runTool('kubectl', args, e.sb.env, e.tmp);
const dir = (name: string) => fs.mkdtempSync(path.join(e.tmp, `${name}-`));
const stream = (ns: string, name: string) => e.sb.store.get(IS, ns, name) as any;
/** tag → [digest, referencePolicy, importMode] of a stream, once every spec tag is imported. */
const imported = (ns: string, name: string) => {
  const s = stream(ns, name);
  return Object.fromEntries(
    ((s?.spec?.tags ?? []) as any[]).map((t) => [t.name, [s.status?.tags?.find((x: any) => x.tag === t.name)?.items?.[0]?.image, t.referencePolicy?.type, t.importPolicy?.importMode]]),
  );
};
const done = (ns: string, name: string, tags: string[]) => () => tags.every((t) => stream(ns, name)?.status?.tags?.find((x: any) => x.tag === t)?.items?.length);
const SRC = 'image-registry.openshift-image-registry.svc:5000/team/app';

beforeAll(async () => {
  e = await contentEnv('plan-render-import');
  for (const ns of ['team', 'imp-direct', 'imp-manifests', 'imp-acm']) e.createNamespace(ns);
  await e.push('team/app:v1', 'one\n');
  await e.push('team/app:v2', 'two\n');
  for (const [tag, extra] of [['v1', []], ['v2', ['--reference-policy', 'local']]] as const) {
    const r = await e.cli(['import-image', `app:${tag}`, '--from', `${SRC}:${tag}`, '--confirm', '-n', 'imp-direct', ...extra]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

describe('import-image --render', () => {
  it('manifests: applied with kubectl --server-side, the image stream controller imports the same images; re-render is byte-identical', async () => {
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    const args = ['import-image', 'app:v1', '--from', `${SRC}:v1`, '-n', 'imp-manifests', '--render', 'manifests'];
    const r1 = await e.cli([...args, '--output-dir', d1]);
    const r2 = await e.cli([...args, '--output-dir', d2]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(files(d1)).toEqual(files(d2));
    expect(stream('imp-manifests', 'app')).toBeUndefined(); // rendering changes nothing (and needs no --confirm)
    const docs = Object.values(files(d1)).map((f) => yaml.load(f) as any);
    expect(docs).toEqual([
      {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'app', namespace: 'imp-manifests' },
        spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: `${SRC}:v1` }, importPolicy: { importMode: 'Legacy' }, referencePolicy: { type: 'Source' } }] },
      },
    ]);
    const v2 = await e.cli(['import-image', 'app:v2', '--from', `${SRC}:v2`, '-n', 'imp-manifests', '--reference-policy', 'local', '--render', 'manifests']);
    expect(v2.code, v2.stderr).toBe(0);
    const p2 = path.join(e.tmp, 'v2.yaml');
    fs.writeFileSync(p2, v2.stdout);

    // Two renderings of one stream, each its own field manager (one manager applying only v2 would take v1 away).
    for (const [f, manager] of [[d1, 'regctl-v1'], [p2, 'regctl-v2']] as const) {
      const k = await kubectl(['apply', '--server-side', '--field-manager', manager, '-f', f]);
      expect(k.code, k.stderr).toBe(0);
    }
    await e.sb.waitFor(done('imp-manifests', 'app', ['v1', 'v2']), 20_000);
    expect(imported('imp-manifests', 'app')).toEqual(imported('imp-direct', 'app'));
    expect(Object.keys(imported('imp-direct', 'app'))).toEqual(['v1', 'v2']);
    expect(imported('imp-direct', 'app').v1![0]).toMatch(/^sha256:/);
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and the controller imports the tag', async () => {
    const d = dir('acm');
    const args = ['import-image', 'app:v1', '--from', `${SRC}:v1`, '-n', 'imp-acm', '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir'];
    const r = await e.cli([...args, d]);
    expect(r.code, r.stderr).toBe(0);
    const again = dir('acm');
    expect((await e.cli([...args, again])).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    const policy = Object.values(files(d)).map((f) => yaml.load(f) as any).find((x) => x?.kind === 'Policy');
    expect(policy).toBeDefined();
    for (const a of [
      ...acmHubSetup(e.tmp),
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    await e.sb.waitFor(() => (e.sb.store.get(POLICIES, 'policies', policy.metadata.name) as any)?.status?.compliant === 'Compliant', 30_000);
    await e.sb.waitFor(done('imp-acm', 'app', ['v1']), 20_000);
    expect(imported('imp-acm', 'app').v1).toEqual(imported('imp-direct', 'app').v1);
  });

  it('kustomize builds the same ImageStream; argocd adds an Application for it; nothing changes', async () => {
    const [k, a] = [dir('kustomize'), dir('argocd')];
    const args = ['import-image', 'app:v1', '--from', `${SRC}:v1`, '-n', 'imp-kustomize', '--render'];
    expect((await e.cli([...args, 'kustomize', '--output-dir', k])).code).toBe(0);
    const built = await kubectl(['kustomize', k]);
    expect(built.code, built.stderr).toBe(0);
    expect(yaml.loadAll(built.stdout)).toEqual([
      {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'app', namespace: 'imp-kustomize' },
        spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: `${SRC}:v1` }, importPolicy: { importMode: 'Legacy' }, referencePolicy: { type: 'Source' } }] },
      },
    ]);
    const r = await e.cli([...args, 'argocd', '--repo-url', 'https://git.example.com/infra.git', '--path', 'registry', '--output-dir', a]);
    expect(r.code, r.stderr).toBe(0);
    const texts = (fs.readdirSync(a, { recursive: true }) as string[]).map((f) => path.join(a, f)).filter((f) => fs.statSync(f).isFile()).map((f) => fs.readFileSync(f, 'utf8'));
    const all = texts.flatMap((f) => yaml.loadAll(f) as any[]).filter((d) => d?.kind !== 'Kustomization');
    expect(all.map((d) => d?.kind).sort()).toEqual(['Application', 'ImageStream']);
    expect(stream('imp-kustomize', 'app')).toBeUndefined();
  });

  it('--all cannot be rendered: exit 2 with a hint, nothing written', async () => {
    const r = await e.cli(['import-image', 'all', '--from', SRC, '--all', '-n', 'imp-manifests', '--render', 'manifests']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --render does not take --all/m);
    expect(r.stderr).toMatch(/^hint: name the tags/m);
    expect(r.stdout).toBe('');
    expect(stream('imp-manifests', 'all')).toBeUndefined();
  });
});
