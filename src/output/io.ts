import type { ChalkInstance } from 'chalk';
import { colorLevel, makeChalk } from './color.js';

export interface Stream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
  once?(event: 'drain', cb: () => void): unknown;
}

/** The process streams as the CLI sees them; tests pass buffers. */
export interface IO {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdoutTTY: boolean;
  stderrTTY: boolean;
  stdinTTY: boolean;
  /** Colour for data (stdout) and messages (stderr), decided once. */
  out: ChalkInstance;
  err: ChalkInstance;
  colorOut: boolean;
  colorErr: boolean;
  width: number;
}

export interface IOOptions {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  noColor: boolean;
}

export function createIO(o: IOOptions): IO {
  const stdoutTTY = Boolean(o.stdout.isTTY);
  const stderrTTY = Boolean(o.stderr.isTTY);
  const outLevel = colorLevel({ isTTY: stdoutTTY, noColorFlag: o.noColor, env: o.env });
  const errLevel = colorLevel({ isTTY: stderrTTY, noColorFlag: o.noColor, env: o.env });
  return {
    stdout: o.stdout,
    stderr: o.stderr,
    stdin: o.stdin,
    stdoutTTY,
    stderrTTY,
    stdinTTY: Boolean(o.stdin.isTTY),
    out: makeChalk(outLevel),
    err: makeChalk(errLevel),
    colorOut: outLevel > 0,
    colorErr: errLevel > 0,
    width: o.stdout.columns ?? 120,
  };
}

/** Writes honouring backpressure, for large streamed output (logs, raw blobs). */
export function writeAsync(stream: Stream, chunk: string): Promise<void> {
  if (stream.write(chunk) || !stream.once) return Promise.resolve();
  return new Promise((resolve) => stream.once!('drain', resolve));
}
