// The human report: one line per check (symbol or word, id, summary); for warnings and failures the evidence
// and the fix below it; with -o wide the evidence of every check.
import type { IO } from '../output/io.js';
import type { CheckResult, DoctorReport, Verdict } from './model.js';

const SYMBOL: Record<Verdict, string> = { ok: '✔', warn: '⚠', fail: '✖', skipped: '–' };
const WORD: Record<Verdict, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', skipped: 'skip' };

export function verdictMark(io: IO, v: Verdict): string {
  if (!io.colorOut) return WORD[v].padEnd(4);
  const c = io.out;
  const paint = v === 'ok' ? c.green : v === 'warn' ? c.yellow : v === 'fail' ? c.red : c.dim;
  return paint(SYMBOL[v]);
}

function line(io: IO, r: CheckResult, width: number): string {
  const c = io.out;
  const summary = r.verdict === 'skipped' ? `skipped: ${r.summary}` : r.summary;
  const text = r.verdict === 'skipped' ? c.dim(summary) : summary;
  return `${verdictMark(io, r.verdict)} ${c.bold(r.id.padEnd(width))} ${text}`;
}

export function renderReport(io: IO, report: DoctorReport, wide: boolean): string {
  const c = io.out;
  const width = Math.max(...report.checks.map((r) => r.id.length), 3);
  const indent = ' '.repeat((io.colorOut ? 1 : 4) + 1 + width + 1);
  const out: string[] = [];
  const who = [report.server, report.user && `as ${report.user}`, report.namespace && `project ${report.namespace}`, report.registryHost && `registry ${report.registryHost}`].filter(Boolean).join(', ');
  if (who) out.push(c.dim(who), '');
  for (const r of report.checks) {
    out.push(line(io, r, width));
    const detailed = wide || r.verdict === 'warn' || r.verdict === 'fail';
    if (detailed) for (const e of r.evidence) out.push(`${indent}${c.dim(e)}`);
    if (r.fix && (r.verdict === 'warn' || r.verdict === 'fail')) out.push(`${indent}${c.bold('fix:')} ${r.fix}`);
  }
  const s = report.summary;
  const parts = [`${s.ok} ok`, `${s.warn} ${s.warn === 1 ? 'warning' : 'warnings'}`, `${s.fail} failed`, `${s.skipped} skipped`];
  out.push('', parts.join(', '));
  return out.join('\n') + '\n';
}
