// The fault matrix: every case (a mutating command with its before-state and goal) runs under every fault, then
// again with faults off (must converge), then a third time (must change nothing). Each run is classified; the
// counts per command × fault are printed to stderr at the end of the file.
import https from 'node:https';
import { expect } from 'vitest';
import type { Sandbox } from '../../sandbox/index.js';
import type { Faults } from '../../sandbox/types.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { errorShapeProblems } from './outcome.js';

export interface Case {
  name: string;
  args: string[];
  input?: string;
  env?: Record<string, string>;
  /** Puts the before-state (faults are off). */
  reset(): void | Promise<void>;
  /** What the command owns, as comparable JSON (no resourceVersions, no status written by controllers). */
  state(): unknown;
  /** The command's goal is reached. */
  wanted(): boolean;
}

export interface Fault {
  name: string;
  set(f: Faults): void;
  /** --request-timeout for the faulted run. */
  requestTimeout?: string;
  /** Runs per cell (random faults get several). */
  samples?: number;
}

/** Retry-After waits are real seconds: the faulted run gets a bounded budget. */
const FAULTED_TIMEOUT = '4s';

export const FAULTS: Fault[] = [
  { name: '5xx always', set: (f) => (f.errorRate = 1) },
  { name: '5xx 30%', set: (f) => (f.errorRate = 0.3), samples: 3 },
  { name: 'reset always', set: (f) => (f.resetRate = 1) },
  { name: 'reset 30%', set: (f) => (f.resetRate = 0.3), samples: 3 },
  { name: '409 once', set: (f) => (f.conflicts = 1) },
  { name: '409 x50', set: (f) => (f.conflicts = 50) },
  { name: 'latency>timeout', set: (f) => (f.latencyMs = 1500), requestTimeout: '1s' },
  { name: 'API down', set: (f) => (f.down = true) },
];

/**
 * Outcomes: ok (exit 0, goal reached), failed-clean (error, state as before), failed-named (error names what is
 * left: "left behind:"), and the violations: false-success, unreported-change, bad-error, no-converge, not-idempotent.
 */
export type Outcome = 'ok' | 'failed-clean' | 'failed-named' | 'false-success' | 'unreported-change' | 'bad-error' | 'no-converge' | 'not-idempotent';
export const VIOLATIONS: Outcome[] = ['false-success', 'unreported-change', 'bad-error', 'no-converge', 'not-idempotent'];

export function clearFaults(f: Faults): void {
  Object.assign(f, { latencyMs: 0, errorRate: 0, conflictNextWrites: 0, dropRate: 0, down: false, conflicts: 0, resetRate: 0, throttleRate: 0, failRequests: [] });
}

/** Polls the API server's /healthz until it answers (after `down`). */
export async function apiUp(sb: Sandbox): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.get(`${sb.apiDirectUrl}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 || res.statusCode === 401 || res.statusCode === 403);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('API server did not come back');
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface Row {
  command: string;
  fault: string;
  outcome: Outcome;
  detail?: string;
}

export function makeRunner(sb: Sandbox, base: Record<string, string>) {
  const run = (c: Case, extra: string[] = []): Promise<CliResult> =>
    runCli([...extra, ...c.args], { env: { ...base, ...c.env }, input: c.input, timeoutMs: 60_000 });

  /** One cell: faulted run, re-run, third run. */
  async function cell(c: Case, fault: Fault): Promise<Row> {
    clearFaults(sb.faults);
    await c.reset();
    const before = c.state();
    fault.set(sb.faults);
    const r1 = await run(c, ['--request-timeout', fault.requestTimeout ?? FAULTED_TIMEOUT]);
    clearFaults(sb.faults);
    await apiUp(sb);
    const row = (outcome: Outcome, detail?: string): Row => ({ command: c.name, fault: fault.name, outcome, detail });
    let outcome: Outcome;
    let detail: string | undefined;
    if (r1.code === 0) {
      outcome = c.wanted() ? 'ok' : 'false-success';
      if (outcome !== 'ok') detail = `exit 0, state ${JSON.stringify(c.state())}`;
    } else {
      const shape = errorShapeProblems(r1);
      const after = c.state();
      if (shape.length) (outcome = 'bad-error'), (detail = `${shape.join(', ')}: ${r1.stderr.slice(-300)}`);
      else if (same(after, before)) outcome = 'failed-clean';
      else if (/^error: .*; left behind: .+/m.test(r1.stderr) && /^hint: .*(finish with|run the same command again)/m.test(r1.stderr)) outcome = 'failed-named';
      else (outcome = 'unreported-change'), (detail = `${r1.stderr.trim().split('\n').slice(-2).join(' | ')} :: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    }
    const r2 = await run(c);
    if (r2.code !== 0 || !c.wanted()) return row('no-converge', `${detail ?? ''} rerun exit ${r2.code}: ${r2.stderr.slice(-300)}`);
    const converged = c.state();
    const r3 = await run(c);
    if (r3.code !== 0 || !same(c.state(), converged)) return row('not-idempotent', `third run exit ${r3.code}: ${r3.stderr.slice(-200)}`);
    return row(outcome, detail);
  }
  /** Every case under every fault, `samples` times each. */
  async function matrix(cases: Case[], rows: Row[]): Promise<void> {
    for (const c of cases) for (const f of FAULTS) for (let i = 0; i < (f.samples ?? 1); i++) rows.push(await cell(c, f));
  }
  return { run, cell, matrix };
}

/** The matrix of one file: rows command, columns fault, cells the outcomes. */
export function renderMatrix(title: string, rows: Row[]): string {
  const faults = [...new Set(rows.map((r) => r.fault))];
  const commands = [...new Set(rows.map((r) => r.command))];
  const cellText = (cmd: string, f: string) => {
    const counts = new Map<string, number>();
    for (const r of rows.filter((x) => x.command === cmd && x.fault === f)) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    return [...counts].map(([o, n]) => `${o}${n > 1 ? `×${n}` : ''}`).join(' ') || '-';
  };
  const table = [['command', ...faults], ...commands.map((cmd) => [cmd, ...faults.map((f) => cellText(cmd, f))])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.outcome, (totals.get(r.outcome) ?? 0) + 1);
  const bad = rows.filter((r) => VIOLATIONS.includes(r.outcome));
  return [
    `\n=== fault matrix: ${title} ===`,
    ...lines,
    `totals: ${[...totals].map(([o, n]) => `${o} ${n}`).join(', ')}`,
    ...bad.map((r) => `VIOLATION ${r.command} × ${r.fault}: ${r.outcome} ${r.detail ?? ''}`),
    '',
  ].join('\n');
}

export function expectNoViolations(rows: Row[]): void {
  const bad = rows.filter((r) => VIOLATIONS.includes(r.outcome)).map((r) => `${r.command} × ${r.fault}: ${r.outcome} ${r.detail ?? ''}`);
  expect(bad).toEqual([]);
}
