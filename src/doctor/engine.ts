// Runs the checks in order over their dependency graph: a failed check skips those that need it (and
// says which failed check is at the root); a check that could not run for another reason (forbidden,
// not requested) does not hold back its dependents. Pure: the checks and error handling are passed in.
import { CHECKS, CHECK_IDS, OPT_IN, type CheckId, type CheckResult, type Outcome } from './model.js';

export interface CheckImpl<E> {
  id: CheckId;
  run(env: E, results: ReadonlyMap<CheckId, CheckResult>): Promise<Outcome>;
  /** Per dependency: whether its result lets this check run (default: not failed, not skipped by a failure). */
  accepts?: Partial<Record<CheckId, (dep: CheckResult) => boolean>>;
}

export interface Selection {
  only?: CheckId[];
  skip?: CheckId[];
  /** Opt-in checks asked for (--push-test, --pull-test); naming one in --only also asks for it. */
  requested?: CheckId[];
}

export interface EngineHooks {
  /** Turns an exception thrown by a check into its outcome. */
  onError(id: CheckId, e: unknown): Outcome;
  onStart?(id: CheckId): void;
  now?(): number;
}

const OPT_IN_FLAG: Partial<Record<CheckId, string>> = { 'pull-test': '--pull-test', 'push-test': '--push-test' };

export function selectedIds(sel: Selection): CheckId[] {
  return CHECK_IDS.filter((id) => (!sel.only?.length || sel.only.includes(id)) && !sel.skip?.includes(id));
}

/** Default acceptance: the dependency passed (ok/warn) or was skipped for a reason other than a failure. */
export function passes(dep: CheckResult): boolean {
  if (dep.verdict === 'fail') return false;
  if (dep.verdict === 'skipped') return !dep.skipped?.failedCheck;
  return true;
}

export async function runChecks<E>(impls: Array<CheckImpl<E>>, env: E, sel: Selection, hooks: EngineHooks): Promise<CheckResult[]> {
  const byId = new Map(impls.map((i) => [i.id, i]));
  const results = new Map<CheckId, CheckResult>();
  const now = hooks.now ?? (() => Date.now());
  for (const id of selectedIds(sel)) {
    const impl = byId.get(id);
    const spec = CHECKS[id];
    const base = { id, title: spec.title };
    if (!impl) continue;
    if (OPT_IN.has(id) && !sel.requested?.includes(id) && !sel.only?.includes(id)) {
      results.set(id, { ...base, verdict: 'skipped', summary: `not requested (run with ${OPT_IN_FLAG[id]})`, evidence: [], skipped: { reason: `not requested (run with ${OPT_IN_FLAG[id]})` }, durationMs: 0 });
      continue;
    }
    const blocked = spec.needs.map((d) => results.get(d)).find((d) => d && !(impl.accepts?.[d.id] ?? passes)(d));
    if (blocked) {
      const failedCheck = blocked.verdict === 'fail' ? blocked.id : (blocked.skipped?.failedCheck ?? blocked.id);
      const reason = failedCheck === blocked.id ? `${blocked.id} failed` : `${blocked.id} was skipped because ${failedCheck} failed`;
      results.set(id, { ...base, verdict: 'skipped', summary: `depends on ${reason}`, evidence: [], skipped: { dependsOn: blocked.id, failedCheck, reason }, durationMs: 0 });
      continue;
    }
    hooks.onStart?.(id);
    const started = now();
    let out: Outcome;
    try {
      out = await impl.run(env, results);
    } catch (e) {
      out = hooks.onError(id, e);
    }
    results.set(id, {
      ...base,
      verdict: out.verdict,
      summary: out.summary,
      evidence: out.evidence ?? [],
      ...(out.verdict !== 'ok' && out.fix ? { fix: out.fix } : {}),
      ...(out.verdict === 'skipped' ? { skipped: out.skipped ?? { reason: out.summary } } : {}),
      ...(out.details ? { details: out.details } : {}),
      durationMs: Math.max(0, Math.round(now() - started)),
    });
  }
  return [...results.values()];
}
