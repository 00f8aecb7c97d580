import type { IO } from './io.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const noop: Spinner = { update() {}, stop() {} };

/** ora on stderr, only on a TTY, not in CI, not with --quiet; otherwise nothing at all. */
export async function startSpinner(io: IO, text: string, opts: { quiet: boolean; env: Record<string, string | undefined> }): Promise<Spinner> {
  // A terminal that reports no width (e.g. under script(1)) makes ora redraw forever.
  if (!io.stderrTTY || opts.quiet || opts.env.CI || !((io.stderr.columns ?? 0) > 0)) return noop;
  const { default: ora } = await import('ora');
  const s = ora({ text, stream: io.stderr as NodeJS.WritableStream, color: io.colorErr ? 'cyan' : undefined as never, isEnabled: true }).start();
  return {
    update: (t) => {
      s.text = t;
    },
    stop: () => s.stop(),
  };
}

export async function withSpinner<T>(io: IO, text: string, opts: { quiet: boolean; env: Record<string, string | undefined> }, fn: (s: Spinner) => Promise<T>): Promise<T> {
  const s = await startSpinner(io, text, opts);
  try {
    return await fn(s);
  } finally {
    s.stop();
  }
}
