// The doctor's dependency graph: failures skip dependents (naming the root failed check), other skips do not,
// opt-in tests, --only/--skip selection, per-dependency acceptance and error handling.
import { describe, expect, it } from 'vitest';
import { passes, runChecks, selectedIds, type CheckImpl } from '../../src/doctor/engine.js';
import { CHECK_IDS, CHECKS, fail, ok, parseCheckIds, skip, summarize, type CheckId, type Outcome } from '../../src/doctor/model.js';
import { outcomeOfError } from '../../src/doctor/run.js';
import { ApiError, ConnectionError } from '../../src/cluster/api-error.js';
import '../../src/cluster/cluster.js';

type Script = Partial<Record<CheckId, Outcome | (() => Outcome)>>;

function impls(script: Script, ran: CheckId[] = []): Array<CheckImpl<null>> {
  return CHECK_IDS.map((id) => ({
    id,
    run: async () => {
      ran.push(id);
      const s = script[id];
      return typeof s === 'function' ? s() : (s ?? ok(`${id} fine`));
    },
    ...(id === 'push-test' ? { accepts: { rbac: (r) => r.details?.push !== false } } : {}),
  }));
}

const hooks = { onError: (_id: CheckId, e: unknown) => fail(String((e as Error).message), undefined), now: () => 0 };

describe('dependency graph', () => {
  it('every dependency comes earlier in the run order, and every check leads back to api', () => {
    for (const id of CHECK_IDS) {
      for (const d of CHECKS[id].needs) expect(CHECK_IDS.indexOf(d)).toBeLessThan(CHECK_IDS.indexOf(id));
      const roots = new Set<CheckId>();
      const walk = (x: CheckId) => (CHECKS[x].needs.length ? CHECKS[x].needs.forEach(walk) : roots.add(x));
      walk(id);
      expect([...roots]).toEqual(['api']);
    }
  });

  it('a failed api check skips everything, each naming api as the failed check', async () => {
    const ran: CheckId[] = [];
    const res = await runChecks(impls({ api: fail('down', 'oc login') }, ran), null, { requested: ['push-test', 'pull-test'] }, hooks);
    expect(ran).toEqual(['api']);
    expect(res[0]).toMatchObject({ id: 'api', verdict: 'fail', fix: 'oc login' });
    for (const r of res.slice(1)) expect(r).toMatchObject({ verdict: 'skipped', skipped: { failedCheck: 'api' } });
    expect(res.find((r) => r.id === 'storage')?.skipped).toEqual({ dependsOn: 'management-state', failedCheck: 'api', reason: 'management-state was skipped because api failed' });
    expect(res.find((r) => r.id === 'installed')?.summary).toBe('depends on api failed');
  });

  it('a failed route skips tls and (through it) registry-api and the image tests; rbac still runs', async () => {
    const ran: CheckId[] = [];
    const res = await runChecks(impls({ route: fail('no route', 'regctl expose --default-route') }, ran), null, { requested: ['push-test'] }, hooks);
    const by = Object.fromEntries(res.map((r) => [r.id, r]));
    expect(by.tls!.skipped).toMatchObject({ dependsOn: 'route', failedCheck: 'route' });
    expect(by['registry-api']!.skipped).toMatchObject({ dependsOn: 'tls', failedCheck: 'route' });
    expect(by['push-test']!.skipped).toMatchObject({ dependsOn: 'registry-api', failedCheck: 'route' });
    expect(ran).toContain('rbac');
    expect(ran).not.toContain('tls');
  });

  it('a check skipped for another reason (forbidden) does not hold back its dependents', async () => {
    const ran: CheckId[] = [];
    await runChecks(impls({ installed: skip('not permitted: forbidden') }, ran), null, {}, hooks);
    expect(ran).toEqual(expect.arrayContaining(['management-state', 'storage', 'route', 'tls']));
  });

  it('acceptance per dependency: push-test runs after an rbac failure only when push was allowed', async () => {
    const pullOnly = await runChecks(impls({ rbac: { ...fail('no push', 'regctl grant pusher'), details: { pull: true, push: false } } }), null, { requested: ['push-test'] }, hooks);
    expect(pullOnly.find((r) => r.id === 'push-test')).toMatchObject({ verdict: 'skipped', skipped: { dependsOn: 'rbac', failedCheck: 'rbac' } });
    const other = await runChecks(impls({ rbac: { ...fail('odd', undefined), details: { pull: true, push: true } } }), null, { requested: ['push-test'] }, hooks);
    expect(other.find((r) => r.id === 'push-test')!.verdict).toBe('ok');
  });

  it('opt-in tests are reported as not requested unless asked for (flag or --only)', async () => {
    const res = await runChecks(impls({}), null, {}, hooks);
    expect(res.find((r) => r.id === 'pull-test')).toMatchObject({ verdict: 'skipped', summary: 'not requested (run with --pull-test)' });
    const only = await runChecks(impls({}), null, { only: ['push-test'] }, hooks);
    expect(only.map((r) => [r.id, r.verdict])).toEqual([['push-test', 'ok']]);
  });

  it('--only and --skip select the checks in run order', () => {
    expect(selectedIds({ only: ['rbac', 'api'] })).toEqual(['api', 'rbac']);
    expect(selectedIds({ skip: ['tls', 'pull-test', 'push-test'] })).toEqual(CHECK_IDS.filter((i) => !['tls', 'pull-test', 'push-test'].includes(i)));
  });

  it('an exception becomes the outcome the hook gives; fix is kept only when not ok', async () => {
    const res = await runChecks(
      impls({
        api: () => {
          throw new Error('boom');
        },
      }),
      null,
      { only: ['api'] },
      hooks,
    );
    expect(res).toEqual([{ id: 'api', title: CHECKS.api.title, verdict: 'fail', summary: 'boom', evidence: [], durationMs: 0 }]);
    const okWithFix = await runChecks(impls({ api: { verdict: 'ok', summary: 'fine', fix: 'x' } }), null, { only: ['api'] }, hooks);
    expect(okWithFix[0]!.fix).toBeUndefined();
  });

  it('passes(): ok, warn and non-failure skips pass; failures and failure skips do not', () => {
    const r = (verdict: any, skipped?: any) => ({ id: 'api' as CheckId, title: '', verdict, summary: '', evidence: [], durationMs: 0, skipped });
    expect(passes(r('ok'))).toBe(true);
    expect(passes(r('warn'))).toBe(true);
    expect(passes(r('skipped', { reason: 'forbidden' }))).toBe(true);
    expect(passes(r('skipped', { reason: 'x', failedCheck: 'api' }))).toBe(false);
    expect(passes(r('fail'))).toBe(false);
  });

  it('summarize: fail wins over warn wins over ok', () => {
    const r = (verdict: any) => ({ id: 'api' as CheckId, title: '', verdict, summary: '', evidence: [], durationMs: 0 });
    expect(summarize([r('ok'), r('skipped')])).toEqual({ result: 'ok', summary: { ok: 1, warn: 0, fail: 0, skipped: 1 } });
    expect(summarize([r('ok'), r('warn')]).result).toBe('warn');
    expect(summarize([r('warn'), r('fail')]).result).toBe('fail');
  });
});

describe('errors of checks', () => {
  it('forbidden → skipped with the API message (not a failure)', () => {
    const e = new ApiError(403, 'GET', '/apis/x', { message: 'configs.imageregistry.operator.openshift.io "cluster" is forbidden: User "developer" cannot get resource' });
    const o = outcomeOfError('storage', e);
    expect(o.verdict).toBe('skipped');
    expect(o.summary).toBe('not permitted: configs.imageregistry.operator.openshift.io "cluster" is forbidden: User "developer" cannot get resource');
    expect(o.skipped?.failedCheck).toBeUndefined();
  });
  it('401 on the api check → fail with oc login --server', () => {
    const o = outcomeOfError('api', new ApiError(401, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { message: 'Unauthorized' }), 'https://api.example:6443');
    expect(o).toMatchObject({ verdict: 'fail', fix: 'oc login --server=https://api.example:6443' });
  });
  it('connection errors → fail with the translated message and the command in its hint', () => {
    const o = outcomeOfError('api', new ConnectionError('https://127.0.0.1:1', 'ECONNREFUSED', 'connect ECONNREFUSED'));
    expect(o.verdict).toBe('fail');
    expect(o.summary).toBe('cannot reach the API server at https://127.0.0.1:1 (ECONNREFUSED)');
    expect(o.fix).toBe('kubectl config view --minify');
  });
});

describe('--only/--skip parsing', () => {
  it('accepts known ids (comma-separated or repeated), de-duplicated', () => {
    expect(parseCheckIds('--only', ['api', 'rbac', 'api'])).toEqual(['api', 'rbac']);
    expect(parseCheckIds('--only', undefined)).toBeUndefined();
  });
  it('rejects unknown ids with a usage error listing the valid ones', () => {
    expect(() => parseCheckIds('--skip', ['dns'])).toThrowError(/unknown check "dns" in --skip/);
    try {
      parseCheckIds('--skip', ['dns']);
    } catch (e: any) {
      expect(e.exitCode).toBe(2);
      expect(e.hint).toBe(`valid checks: ${CHECK_IDS.join(', ')}`);
    }
  });
});
