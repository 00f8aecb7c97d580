// `regctl --contexts a,b,c CMD …` (also --all-contexts, --contexts-from FILE): CMD once per context, at most
// --max-concurrency at a time. A mutating CMD needs --yes, changes --canary contexts first (they must succeed), then
// the rest, stopping at the first failure unless --continue-on-error. Sections print in the order the contexts were
// given, each as soon as it and those before it are done; then one summary table, or one List with -o json|yaml.
import type { Context, GlobalOptions } from '../context.js';
import type { Run } from '../commands/spec.js';
import { positiveInt } from '../commands/common.js';
import { EXIT, ErrorAfterOutput, UsageError } from '../errors.js';
import type { InputKind } from '../input/read.js';
import { fanOutMode, type FanOutMode } from './commands.js';
import { selectContexts } from './contexts.js';
import { worstExitCode } from './exit.js';
import type { FanOutGlobals } from './options.js';
import { printList, printMessages, printSection, printSummary, type Row } from './print.js';
import { runInContext, type RunOne } from './run-one.js';

export interface FanOut {
  /** The Context built from the command line (its globals carry the fan-out flags). */
  ctx: Context;
  /** The command's path, e.g. ['trust-ca', 'add']. */
  path: string[];
  load: () => Promise<Run>;
  args: string[];
  opts: Record<string, unknown>;
}

function wholeNumber(value: string | undefined, flag: string, def: number): number {
  if (value === undefined) return def;
  if (!/^\d{1,6}$/.test(value.trim())) throw new UsageError(`invalid ${flag} "${value}"`, 'give a whole number, e.g. 1 (0: no canary)');
  return Number(value);
}

export async function runAcrossContexts(f: FanOut): Promise<number> {
  const { ctx } = f;
  const g = ctx.globals as GlobalOptions & FanOutGlobals;
  const name = f.path.join(' ');
  const { mode, dryRun } = fanOutMode(f.path, f.opts);
  const limit = positiveInt(g.maxConcurrency, '--max-concurrency', 10, 1000);
  const canary = wholeNumber(g.canary, '--canary', 1);
  if (mode === 'read' && !dryRun && (g.canary !== undefined || g.continueOnError)) {
    throw new UsageError(`--canary and --continue-on-error apply to commands that change clusters; regctl ${name} only reads`, 'drop them: a read runs on every context and reports each one');
  }
  if (mode === 'mutating' && !g.yes) {
    throw new UsageError(`regctl ${name} changes every cluster it runs on: across contexts it needs --yes (it never asks)`, 'see what it would change first with --dry-run, then run again with --yes');
  }
  const contexts = selectContexts(g, ctx.env);
  const output = typeof f.opts.output === 'string' ? f.opts.output : undefined;
  const structured = output === 'json' || output === 'yaml' ? output : undefined;
  // Each context prints JSON; the List is rendered once in the format asked for.
  const opts = structured ? { ...f.opts, output: 'json' } : f.opts;
  const run = (await f.load()) as Run<unknown>;

  const stdin = new Map<InputKind, Promise<string>>();
  const one: RunOne = {
    parent: ctx,
    run,
    args: f.args,
    opts,
    summary: mode === 'read',
    interrupted: new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true }))),
    readStdin: (kind) => {
      let p = stdin.get(kind);
      if (!p) stdin.set(kind, (p = ctx.readStdin(kind)));
      return p;
    },
  };

  const rows: Row[] = contexts.map((c, i) => ({ context: c, state: 'skipped', canary: mode === 'mutating' && i < canary }));
  const settled = rows.map(() => false);
  let printed = 0;
  let sections = 0;
  const flush = () => {
    for (; printed < rows.length && settled[printed]; printed++) {
      const o = rows[printed]!.outcome;
      if (!o) continue;
      if (structured) printMessages(ctx.io, o);
      else if (printSection(ctx.io, o, sections === 0)) sections++;
    }
  };

  /** Runs the contexts at these indices; with stopOnFailure, none starts after one has failed. True when all exit 0. */
  const phase = async (indices: number[], stopOnFailure: boolean): Promise<boolean> => {
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < indices.length && !ctx.signal.aborted && !(failed && stopOnFailure)) {
        const i = indices[next++]!;
        const o = await runInContext(contexts[i]!, one);
        rows[i] = { ...rows[i]!, outcome: o, state: o.exitCode === EXIT.ok ? 'done' : 'failed' };
        if (o.exitCode !== EXIT.ok) failed = true;
        settled[i] = true;
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, indices.length) }, worker));
    return !failed;
  };

  const all = contexts.map((_, i) => i);
  if (mode === 'read') {
    await phase(all, false);
  } else {
    const first = all.slice(0, canary);
    const rest = all.slice(canary);
    let ok = true;
    if (first.length) {
      ctx.log.info(`Canary: regctl ${name} on ${first.map((i) => contexts[i]).join(', ')}`);
      ok = await phase(first, true);
    }
    if (ok && rest.length && !ctx.signal.aborted) {
      if (first.length) ctx.log.info(`Canary done; now the other ${rest.length} context${rest.length === 1 ? '' : 's'} (at most ${limit} at once)`);
      await phase(rest, !g.continueOnError);
    }
  }
  settled.fill(true);
  flush();

  const worst = ctx.signal.aborted ? EXIT.interrupted : worstExitCode(rows.map((r) => r.outcome?.exitCode));
  if (structured) printList(ctx.io, structured, name, worst, mode, rows);
  else printSummary(ctx.io, mode, rows, sections > 0);
  if (worst === EXIT.ok) return EXIT.ok;
  throw verdict(name, mode, rows, worst, Boolean(g.continueOnError));
}

function verdict(name: string, mode: FanOutMode, rows: Row[], exitCode: ErrorAfterOutput['exitCode'], continueOnError: boolean): ErrorAfterOutput {
  if (exitCode === EXIT.interrupted) return new ErrorAfterOutput('interrupted', { exitCode });
  const failed = rows.filter((r) => r.state === 'failed');
  const skipped = rows.filter((r) => r.state === 'skipped');
  const list = (rs: Row[]) => rs.slice(0, 5).map((r) => `${r.context} (exit ${r.outcome?.exitCode})`).join(', ') + (rs.length > 5 ? ', …' : '');
  const names = (rs: Row[]) => rs.map((r) => r.context).join(',');
  const n = (k: number) => `${k} context${k === 1 ? '' : 's'}`;
  if (mode === 'read') {
    return new ErrorAfterOutput(`${failed.length} of ${n(rows.length)} failed: ${list(failed)}`, {
      exitCode,
      hint: `each context's error is in its section (stderr lines start with [CONTEXT]); run one alone with \`regctl --context ${failed[0]?.context ?? 'NAME'} ${name} …\``,
    });
  }
  const again = [...failed, ...skipped];
  const rerun = `run again on those with \`--contexts ${names(again)}\` (contexts already done stay as they are)`;
  if (failed.some((r) => r.canary)) {
    return new ErrorAfterOutput(`canary failed: ${list(failed)}; ${n(skipped.length)} skipped, not changed`, { exitCode, hint: `fix what failed, then ${rerun}` });
  }
  if (skipped.length && !continueOnError) {
    return new ErrorAfterOutput(`${list(failed)} failed; stopped: ${n(skipped.length)} skipped, not changed`, {
      exitCode,
      hint: `fix what failed, then ${rerun}; --continue-on-error goes on past failures`,
    });
  }
  return new ErrorAfterOutput(`${failed.length} of ${n(rows.length)} failed: ${list(failed)}`, { exitCode, hint: `fix what failed, then ${rerun}` });
}
