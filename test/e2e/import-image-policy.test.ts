// issue 17 §2: `import-image` re-imports keep each tag's reference policy and import settings (openshift-apiserver's
// ensureSpecTag never changes a tag's policy; the import replaces importPolicy, so regctl carries the tag's own),
// --dry-run reports the policy each tag keeps, and an explicit --reference-policy still changes existing tags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';

let e: ContentEnv;
const NS = 'shared';
const SRC = 'image-registry.openshift-image-registry.svc:5000/team/app';

/** The stream as kubectl reads it: tag → [referencePolicy, importPolicy]. */
async function specTags(name: string): Promise<Record<string, [string, any]>> {
  const r = await runTool('kubectl', ['get', 'imagestream', name, '-n', NS, '-o', 'json'], e.sb.env, e.tmp);
  expect(r.stderr).toBe('');
  return Object.fromEntries(JSON.parse(r.stdout).spec.tags.map((t: any) => [t.name, [t.referencePolicy?.type, t.importPolicy ?? {}]]));
}

beforeAll(async () => {
  e = await contentEnv('import-policy');
  e.createNamespace('team');
  e.createNamespace(NS);
  await e.push('team/app:v1', 'one\n');
  await e.push('team/app:v2', 'two\n');
  const created = await e.cli(['import-image', 'pol', '--from', 'team/app', '--all', '--confirm', '-n', NS]);
  expect(created.stderr).toMatch(/Imported 2 tags into shared\/pol \(reference policy Source\)/);
  // v1 pulls through the integrated registry and is re-imported on a schedule (what `oc tag --reference-policy=local
  // --scheduled` leaves); v3 appears in the source afterwards.
  const p = await runTool('kubectl', ['patch', 'imagestream', 'pol', '-n', NS, '--type', 'json', '-p',
    JSON.stringify([{ op: 'test', path: '/spec/tags/0/name', value: 'v1' }, { op: 'replace', path: '/spec/tags/0/referencePolicy', value: { type: 'Local' } }, { op: 'add', path: '/spec/tags/0/importPolicy/scheduled', value: true }])],
  e.sb.env, e.tmp);
  expect(p.stderr).toBe('');
  await e.push('team/app:v3', 'three\n');
}, 60_000);

afterAll(async () => {
  await e?.stop();
});

describe('import-image --all re-import', () => {
  it('--dry-run=server reports the policy each tag keeps (the server preview, spec.import false), and changes nothing', async () => {
    const r = await e.cli(['import-image', 'pol', '--all', '-n', NS, '--dry-run=server', '-o', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ kind: 'Plan', name: 'import-image', dryRun: 'server' });
    expect(plan.steps.map((s: any) => [s.action, s.target.kind, s.object?.spec?.import])).toEqual([['create', 'ImageStreamImport', true]]);
    expect(r.stderr).toMatch(/checked with the server's preview \(spec.import: false\)/);
    const out = plan.preview;
    expect(out.kind).toBe('ImageImportResult');
    expect(out.referencePolicy).toBe('Mixed');
    expect(out.referencePolicyChanges).toEqual([]);
    expect(out.imported.map((x: any) => [x.tag, x.referencePolicy, x.status])).toEqual([
      ['v1', 'Local', 'Success'],
      ['v2', 'Source', 'Success'],
      ['v3', 'Source', 'Success'],
    ]);
    expect(r.stderr).toMatch(/Would import 3 tags into shared\/pol \(reference policy Local for v1; Source for v2, v3\) \(dry run: nothing changed\)/);
    expect(Object.keys(await specTags('pol'))).toEqual(['v1', 'v2']);
  });

  it('keeps Local (and the scheduled import) on v1; the new tag gets Source', async () => {
    const r = await e.cli(['import-image', 'pol', '--all', '-n', NS]);
    expect(r.stderr).toMatch(/Imported 3 tags into shared\/pol \(reference policy Local for v1; Source for v2, v3\)\./);
    expect(r.code).toBe(0);
    const tags = await specTags('pol');
    expect(tags.v1![0]).toBe('Local');
    expect(tags.v1![1]).toMatchObject({ scheduled: true });
    expect(tags.v2![0]).toBe('Source');
    expect(tags.v2![1].scheduled).toBeFalsy();
    expect(tags.v3![0]).toBe('Source');
  });

  it('an explicit --reference-policy changes existing tags (--dry-run shows which, changes nothing)', async () => {
    const d = await e.cli(['import-image', 'pol', '--all', '--reference-policy', 'source', '-n', NS, '--dry-run=server', '-o', 'json']);
    expect(d.code).toBe(0);
    const plan = JSON.parse(d.stdout);
    expect(plan.steps.map((s: any) => `${s.action} ${s.target.kind}`)).toEqual(['patch ImageStream', 'create ImageStreamImport']);
    expect(d.stderr).toMatch(/server dry run: patch ImageStream shared\/pol/);
    const out = plan.preview;
    expect(out.referencePolicyChanges).toEqual([{ tag: 'v1', from: 'Local', to: 'Source' }]);
    expect(out.referencePolicy).toBe('Source');
    expect(d.stderr).toMatch(/Would change the reference policy of shared\/pol:v1 from Local to Source\./);
    expect((await specTags('pol')).v1![0]).toBe('Local');
    // Without -o: the plan, then the server's answer as a table.
    const t = await e.cli(['import-image', 'pol', '--all', '--reference-policy', 'source', '-n', NS, '--dry-run=server']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^# dry run \(checked by the API server\): nothing was changed\n/);
    expect(t.stdout).toMatch(/# the server would import:\n[\s\S]*v3 .*would import/);
    // --dry-run (client): the plan only (the JSON patch, then the ImageStreamImport as a real run sends it); nothing changed.
    const c = await e.cli(['import-image', 'pol', '--all', '--reference-policy', 'source', '-n', NS, '--dry-run']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^# dry run: nothing was changed\n/);
    expect(c.stdout).toMatch(/# 1\. patch ImageStream shared\/pol \(reference policy Source for v1\)/);
    expect(c.stdout).toMatch(/# 2\. create ImageStreamImport shared\/pol \(every tag of /);
    expect(c.stdout).toMatch(/import: true/);
    expect(c.stdout).not.toMatch(/would import/);
    expect((await specTags('pol')).v1![0]).toBe('Local');

    const r = await e.cli(['import-image', 'pol', '--all', '--reference-policy', 'local', '-n', NS, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).referencePolicyChanges).toEqual([
      { tag: 'v2', from: 'Source', to: 'Local' },
      { tag: 'v3', from: 'Source', to: 'Local' },
    ]);
    expect(r.stderr).toMatch(/Imported 3 tags into shared\/pol \(reference policy Local\)\./);
    const tags = await specTags('pol');
    expect([tags.v1![0], tags.v2![0], tags.v3![0]]).toEqual(['Local', 'Local', 'Local']);
    expect(tags.v1![1]).toMatchObject({ scheduled: true });
  });

  it('a single-tag re-import keeps the policy unless told', async () => {
    const keep = await e.cli(['import-image', 'pol:v2', '-n', NS]);
    expect(keep.code).toBe(0);
    expect((await specTags('pol')).v2![0]).toBe('Local');
    const change = await e.cli(['import-image', 'pol:v2', '--reference-policy', 'source', '-n', NS, '-o', 'json']);
    expect(change.code).toBe(0);
    expect(JSON.parse(change.stdout).imported).toEqual([expect.objectContaining({ tag: 'v2', from: `${SRC}:v2`, referencePolicy: 'Source' })]);
    const tags = await specTags('pol');
    expect([tags.v1![0], tags.v2![0], tags.v3![0]]).toEqual(['Local', 'Source', 'Local']);
  });
});
