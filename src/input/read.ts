// Every file and stdin input regctl reads goes through here, with a cap per kind of input. The cap is checked while
// reading (a chunk at a time), so `--ca /dev/zero` or `yes | regctl … --password-stdin` stops at the cap at once.
import fs from 'node:fs';
import { UsageError } from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The largest input accepted for each kind; far above any real one, far below what hurts. */
export const INPUT_LIMITS = {
  /** PEM certificate bundles (--ca, --ca-file, certs.d, --cert). */
  pem: 4 * MiB,
  /** Private keys (--key) and service-account key files. */
  key: 256 * KiB,
  /** YAML or JSON setting values (config set KEY=@FILE). */
  value: 1 * MiB,
  /** auth.json / config.json files; several MB with many registries is real. */
  authFile: 32 * MiB,
  /** Passwords, secret keys and tokens from stdin or files. */
  secret: 64 * KiB,
  /** kubeconfig files. */
  kubeconfig: 16 * MiB,
  /** Lists of kubeconfig context names (--contexts-from). */
  contextList: 1 * MiB,
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

export function formatSize(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

export class InputTooLargeError extends UsageError {
  constructor(label: string, kind: InputKind) {
    super(`${label} is larger than ${formatSize(INPUT_LIMITS[kind])}`, `check what was given: ${describe(kind)} is at most ${formatSize(INPUT_LIMITS[kind])} (nothing was changed)`);
    this.name = 'InputTooLargeError';
  }
}

function describe(kind: InputKind): string {
  switch (kind) {
    case 'pem':
      return 'a PEM file';
    case 'key':
      return 'a key file';
    case 'value':
      return 'a YAML or JSON value';
    case 'authFile':
      return 'an auth file';
    case 'secret':
      return 'a secret';
    case 'kubeconfig':
      return 'a kubeconfig file';
    case 'contextList':
      return 'a list of contexts';
  }
}

const CHUNK = 64 * KiB;

/**
 * Reads a file, stopping with InputTooLargeError as soon as more than the kind's cap has been read. Errors from the
 * file system (ENOENT, EISDIR, EACCES) are thrown as they come, for the caller to word.
 */
export function readFileCapped(file: string, kind: InputKind, label = file): Buffer {
  const cap = INPUT_LIMITS[kind];
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, cap + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > cap) throw new InputTooLargeError(label, kind);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

export function readTextFileCapped(file: string, kind: InputKind, label = file): string {
  return readFileCapped(file, kind, label).toString('utf8');
}

/** Reads a stream (stdin) to its end, stopping at the cap; the signal (Ctrl-C, SIGTERM) ends the read at once. */
export async function readStreamCapped(stream: NodeJS.ReadableStream, kind: InputKind, label: string, signal?: AbortSignal): Promise<Buffer> {
  const cap = INPUT_LIMITS[kind];
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const cleanup = () => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (e: unknown) => {
      cleanup();
      stream.pause();
      reject(e);
    };
    const onData = (c: Buffer | string) => {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
      total += b.length;
      if (total > cap) return fail(new InputTooLargeError(label, kind));
      chunks.push(b);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (e: unknown) => fail(e);
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
    if (signal?.aborted) return onAbort();
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.resume();
  });
}

/**
 * Reads the values of `KEY=@FILE` / `KEY=@-` settings (config set, pruner set): files under the value cap, stdin at
 * most once per command.
 */
export function valueSourceReader(readStdin: (kind: 'value') => Promise<string>): (src: string) => Promise<string> {
  let stdinUsed = false;
  return async (src) => {
    if (src === '-') {
      if (stdinUsed) throw new UsageError('only one setting can be read from stdin (@-)', 'read the others from files');
      stdinUsed = true;
      return readStdin('value');
    }
    try {
      return readTextFileCapped(src, 'value');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${src}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'check the path and its permissions');
    }
  };
}
