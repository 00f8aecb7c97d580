// The doctor's report model: check ids in run order (and --only/--skip parsing), what each depends on, verdicts and the JSON shape
// (docs/commands/doctor.md). Pure and light: the command imports it statically to validate --only/--skip.

import { UsageError } from '../errors.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skipped';

export const CHECK_IDS = [
  'api',
  'installed',
  'management-state',
  'storage',
  'operator',
  'pods',
  'route',
  'tls',
  'registry-api',
  'rbac',
  'pull-test',
  'push-test',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** Checks that change something (push an image) and only run when asked for. */
export const OPT_IN: ReadonlySet<CheckId> = new Set<CheckId>(['pull-test', 'push-test']);

export interface CheckSpec {
  id: CheckId;
  title: string;
  /** A failure of any of these (or a skip caused by a failure) skips this check. */
  needs: CheckId[];
}

export const CHECKS: Record<CheckId, CheckSpec> = {
  api: { id: 'api', title: 'API server reachable and token valid', needs: [] },
  installed: { id: 'installed', title: 'registry installed (capability, operator config)', needs: ['api'] },
  'management-state': { id: 'management-state', title: 'operator managementState', needs: ['installed'] },
  storage: { id: 'storage', title: 'storage configured and valid', needs: ['management-state'] },
  operator: { id: 'operator', title: 'operator conditions and ClusterOperator', needs: ['storage'] },
  pods: { id: 'pods', title: 'deployment and pods ready', needs: ['storage'] },
  route: { id: 'route', title: 'route admitted', needs: ['management-state'] },
  tls: { id: 'tls', title: "route certificate verifies with this machine's trust", needs: ['route'] },
  'registry-api': { id: 'registry-api', title: 'registry /healthz and /v2/ with your token', needs: ['tls', 'pods'] },
  rbac: { id: 'rbac', title: 'registry permissions (SelfSubjectAccessReview)', needs: ['api'] },
  'pull-test': { id: 'pull-test', title: 'pull an image, digests verified', needs: ['registry-api', 'rbac'] },
  'push-test': { id: 'push-test', title: 'push a tiny generated image, then remove it', needs: ['registry-api', 'rbac'] },
};

export interface Skip {
  /** The check this one depends on that did not pass (absent for other reasons: forbidden, not requested). */
  dependsOn?: CheckId;
  /** The failed check at the root of the chain. */
  failedCheck?: CheckId;
  reason: string;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  verdict: Verdict;
  /** One line: what was found. */
  summary: string;
  /** What the verdict rests on: objects read, answers received. Never secret values. */
  evidence: string[];
  /** The exact command that fixes it (when not ok). */
  fix?: string;
  skipped?: Skip;
  /** Extra structured facts (e.g. rbac answers); stable keys, documented per check. */
  details?: Record<string, unknown>;
  durationMs: number;
}

export interface DoctorReport {
  apiVersion: 'regctl.openshift.io/v1';
  kind: 'DoctorReport';
  server?: string;
  user?: string;
  namespace: string;
  registryHost?: string;
  /** fail when any check failed, else warn when any warned, else ok. */
  result: 'ok' | 'warn' | 'fail';
  summary: Record<Verdict, number>;
  checks: CheckResult[];
}

/** What a check returns; the engine adds id, title and timing. */
export interface Outcome {
  verdict: Verdict;
  summary: string;
  evidence?: string[];
  fix?: string;
  skipped?: Skip;
  details?: Record<string, unknown>;
}

/** Why route and tls do not run with --internal. */
export const NOT_APPLICABLE_INTERNAL = 'not applicable: --internal checks the in-cluster path';
export const NOT_EXPOSED = 'the registry is not exposed outside the cluster';

export const ok = (summary: string, evidence: string[] = [], details?: Record<string, unknown>): Outcome => ({ verdict: 'ok', summary, evidence, details });
export const warn = (summary: string, fix: string | undefined, evidence: string[] = [], details?: Record<string, unknown>): Outcome => ({ verdict: 'warn', summary, fix, evidence, details });
export const fail = (summary: string, fix: string | undefined, evidence: string[] = [], details?: Record<string, unknown>): Outcome => ({ verdict: 'fail', summary, fix, evidence, details });
export const skip = (reason: string, evidence: string[] = []): Outcome => ({ verdict: 'skipped', summary: reason, evidence, skipped: { reason } });

export function isCheckId(s: string): s is CheckId {
  return (CHECK_IDS as readonly string[]).includes(s);
}

export function summarize(checks: CheckResult[]): Pick<DoctorReport, 'result' | 'summary'> {
  const summary: Record<Verdict, number> = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const c of checks) summary[c.verdict]++;
  return { result: summary.fail ? 'fail' : summary.warn ? 'warn' : 'ok', summary };
}

/** --only/--skip values: known check ids, each once (a usage error names the valid ones). */
export function parseCheckIds(flag: string, values: string[] | undefined): CheckId[] | undefined {
  if (!values) return undefined;
  if (!values.length) throw new UsageError(`${flag} needs at least one check`, `valid checks: ${CHECK_IDS.join(', ')}`);
  for (const v of values) {
    if (!isCheckId(v)) throw new UsageError(`unknown check "${v}" in ${flag}`, `valid checks: ${CHECK_IDS.join(', ')}`);
  }
  return [...new Set(values)] as CheckId[];
}
