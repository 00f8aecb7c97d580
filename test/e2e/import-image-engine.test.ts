// issue 18 part 1: import-image's normal run goes through the one plan engine (src/plan/engine.ts), as users see it:
// a line per write on stderr (the reference-policy patch, then the ImageStreamImport), transient answers retried
// (scripted sandbox faults: 503 with Retry-After), a failure after the patch named as left behind with the commands
// that finish or undo (the undo checked with kubectl), and the ImageStreamImport never sent with dryRun=All.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import { errorShapeProblems } from '../faults/support/outcome.ts';

let e: ContentEnv;
let digest: string;
const NS = 'engine';
const SRC = 'image-registry.openshift-image-registry.svc:5000/team/app:v1';
const ISI = '/namespaces/engine/imagestreamimports';
const left = () => (e.sb.faults.failRequests ?? []).reduce((n, r) => n + r.times, 0);

/** The stream as kubectl reads it: tag → [referencePolicy, status image]. */
async function tags(name: string): Promise<Record<string, [string | undefined, string | undefined]>> {
  const r = await runTool('kubectl', ['get', 'imagestream', name, '-n', NS, '-o', 'json'], e.sb.env, e.tmp);
  expect(r.stderr).toBe('');
  const is = JSON.parse(r.stdout);
  const image = (t: string) => (is.status?.tags ?? []).find((x: any) => x.tag === t)?.items?.[0]?.image;
  return Object.fromEntries(is.spec.tags.map((t: any) => [t.name, [t.referencePolicy?.type, image(t.name)]]));
}

/** The messages on stderr (the per-step lines carry no prefix). */
const lines = (stderr: string) => stderr.split('\n').filter(Boolean);

beforeAll(async () => {
  e = await contentEnv('import-engine');
  e.createNamespace('team');
  e.createNamespace(NS);
  digest = (await e.push('team/app:v1', 'engine one\n')).manifestDigest;
}, 60_000);
afterAll(async () => {
  await e?.stop();
});
beforeEach(() => {
  e.sb.faults.failRequests = [];
});

describe('import-image applies its plan with the engine', () => {
  it('a new stream: the import is one step (its line on stderr), a 503 is retried, the result is the import status', async () => {
    e.sb.faults.failRequests = [{ method: 'POST', path: ISI, answer: 503, times: 1 }];
    const r = await e.cli(['import-image', 'eng:1.0', '--from', 'team/app:v1', '--confirm', '-n', NS, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(left()).toBe(0); // the 503 was answered, and the import sent again
    expect(lines(r.stderr)).toEqual([`created ImageStreamImport ${NS}/eng (${SRC} → 1.0)`, `Imported 1 tag into ${NS}/eng (reference policy Source).`]);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'ImageImportResult', namespace: NS, imageStream: 'eng', dryRun: false, referencePolicy: 'Source', referencePolicyChanges: [] });
    expect(out.imported).toEqual([expect.objectContaining({ tag: '1.0', from: SRC, status: 'Success', digest, referencePolicy: 'Source' })]);
    expect(await tags('eng')).toEqual({ '1.0': ['Source', digest] });
    expect(r.all).not.toContain(e.sb.tokens.admin);
  });

  it('--reference-policy on an existing tag: the patch, then the import, in that order; each retried on 503', async () => {
    e.sb.faults.failRequests = [
      { method: 'PATCH', path: '/namespaces/engine/imagestreams/eng($|\\?)', answer: 503, times: 1 },
      { method: 'POST', path: ISI, answer: 503, times: 1 },
    ];
    const r = await e.cli(['import-image', 'eng:1.0', '--reference-policy', 'local', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(left()).toBe(0);
    expect(lines(r.stderr)).toEqual([
      `patched ImageStream ${NS}/eng (reference policy Local for 1.0)`,
      `created ImageStreamImport ${NS}/eng (${SRC} → 1.0)`,
      `Changed the reference policy of ${NS}/eng:1.0 from Source to Local.`,
      `Imported 1 tag into ${NS}/eng (reference policy Local).`,
    ]);
    expect(r.stdout).toMatch(/^TAG +FROM +DIGEST +STATUS\n1\.0 .* imported\n$/);
    expect(await tags('eng')).toEqual({ '1.0': ['Local', digest] });
  });

  it('the import failing after the patch: one error naming the patched stream, a hint to finish or undo (both work)', async () => {
    // A 500 without Retry-After is not retried (conventions): the import fails, the patch was written.
    e.sb.faults.failRequests = [{ method: 'POST', path: ISI, answer: 500, times: 1 }];
    const r = await e.cli(['import-image', 'eng:1.0', '--reference-policy', 'source', '-n', NS]);
    expect(errorShapeProblems(r), r.stderr).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)[0]).toBe(`patched ImageStream ${NS}/eng (reference policy Source for 1.0)`);
    const err = lines(r.stderr).find((l) => l.startsWith('error: '))!;
    expect(err).toMatch(new RegExp(`injected fault.*; left behind: ImageStream ${NS}/eng \\(patched\\) \\(create ImageStreamImport ${NS}/eng \\(.* → 1\\.0\\) failed\\)$`));
    const hint = lines(r.stderr).find((l) => l.startsWith('hint: '))!;
    const m = /^hint: finish with `regctl (import-image [^`]+)` \(or run the command again\), or undo with `oc patch imagestream eng -n engine --type=json -p '([^']+)'`$/.exec(hint);
    expect(m, hint).not.toBeNull();
    expect(await tags('eng')).toEqual({ '1.0': ['Source', digest] }); // the patch stays, as the error says

    // The undo, run with kubectl (the same JSON patch oc would send): the previous policy is back.
    const u = await runTool('kubectl', ['patch', 'imagestream', 'eng', '-n', NS, '--type=json', '-p', m![2]!], e.sb.env, e.tmp);
    expect(u.stderr).toBe('');
    expect(await tags('eng')).toEqual({ '1.0': ['Local', digest] });
    // The finish command: the change the failed run asked for.
    const f = await e.cli(m![1]!.split(' '));
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/Imported 1 tag into engine\/eng \(reference policy Source\)\./);
    expect(await tags('eng')).toEqual({ '1.0': ['Source', digest] });
  });

  it('the ImageStreamImport is never sent with dryRun=All (openshift-apiserver would really import)', async () => {
    const trap = { method: 'POST', path: `${ISI}\\?(.*&)?dryRun=`, answer: 500 as const, times: 1 };
    e.sb.faults.failRequests = [trap];
    const d = await e.cli(['import-image', 'eng:1.0', '--reference-policy', 'local', '-n', NS, '--dry-run=server']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/^server dry run: patch ImageStream engine\/eng/m);
    const r = await e.cli(['import-image', 'eng:1.0', '-n', NS]);
    expect(r.code, r.stderr).toBe(0);
    expect(trap.times).toBe(1);
    expect(await tags('eng')).toEqual({ '1.0': ['Source', digest] });
  });
});
