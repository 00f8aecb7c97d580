// One context's run: the command with its own Context (globals.context = that context) whose streams are buffers,
// so the output of contexts running at the same time never interleaves. Any failure becomes the outcome's error.
import { createContext, type Context } from '../context.js';
import type { Run } from '../commands/spec.js';
import { EXIT, ErrorAfterOutput, toRegctlError } from '../errors.js';
import type { InputKind } from '../input/read.js';
import type { IO, Stream } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { readSummary, type ClusterSummary } from './summary.js';

export interface ContextError {
  message: string;
  hint?: string;
  exitCode: number;
}

export interface Outcome {
  context: string;
  exitCode: number;
  stdout: string;
  /** The context's messages (warnings, info, error: and hint: lines), as the command wrote them to stderr. */
  stderr: string;
  error?: ContextError;
  summary?: ClusterSummary;
}

class TextSink implements Stream {
  private chunks: string[] = [];
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  text(): string {
    return this.chunks.join('');
  }
}

export interface RunOne {
  parent: Context;
  run: Run<unknown>;
  args: string[];
  opts: Record<string, unknown>;
  /** Also read health, version and storage for the summary table. */
  summary: boolean;
  /** Resolves on Ctrl-C/SIGTERM (one listener for all contexts). */
  interrupted: Promise<void>;
  /** stdin is read once (the first context that asks) and given to every context. */
  readStdin: (kind: InputKind) => Promise<string>;
}

export async function runInContext(name: string, r: RunOne): Promise<Outcome> {
  const out = new TextSink();
  const err = new TextSink();
  const p = r.parent;
  // Colour as the real streams decided; never a TTY (no spinners, no prompts, no screen clearing).
  const io: IO = { ...p.io, stdout: out, stderr: err, stdoutTTY: false, stderrTTY: false, stdinTTY: false };
  const log = createLogger(io, { quiet: p.log.quiet, verbose: p.log.verbose });
  const ctx = createContext({ io, log, env: p.env, globals: { ...p.globals, context: name }, signal: p.signal });
  ctx.readStdin = r.readStdin;
  const opts = Object.fromEntries(Object.entries(r.opts).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
  const command = (async (): Promise<{ exitCode: number; error?: ContextError }> => {
    try {
      const code = await r.run(ctx, [...r.args], opts as never);
      return { exitCode: typeof code === 'number' ? code : EXIT.ok };
    } catch (e) {
      if (p.signal.aborted) return { exitCode: EXIT.interrupted, error: { message: 'interrupted', exitCode: EXIT.interrupted } };
      const x = toRegctlError(e);
      const hint = x.hint ?? (e instanceof ErrorAfterOutput ? undefined : 'run again with -v to see the requests made');
      io.stderr.write(`${io.err.red('error:')} ${x.message}\n`);
      if (hint) io.stderr.write(`${io.err.yellow('hint:')} ${hint}\n`);
      return { exitCode: x.exitCode, error: { message: x.message, ...(hint ? { hint } : {}), exitCode: x.exitCode } };
    }
  })();
  // The summary read runs beside the command (same client); a cluster it cannot read shows `-`.
  const summary = r.summary ? ctx.cluster().then(readSummary).catch(() => undefined) : Promise.resolve(undefined);
  // Ctrl-C: this context counts as interrupted at once (its requests are not waited for), so the summary prints now.
  const interrupted = r.interrupted.then(() => [{ exitCode: EXIT.interrupted, error: { message: 'interrupted', exitCode: EXIT.interrupted } }, undefined] as const);
  const [res, sum] = await Promise.race([Promise.all([command, summary]), interrupted]);
  return { context: name, exitCode: res.exitCode, stdout: out.text(), stderr: err.text(), ...(res.error ? { error: res.error } : {}), ...(sum ? { summary: sum } : {}) };
}
