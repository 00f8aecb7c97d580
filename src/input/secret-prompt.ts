// Asks for a password on the terminal, with echo off (raw mode: the terminal shows nothing typed), as podman login
// does. The answer is capped like every other secret input (src/input/read.ts). Ctrl-C and Ctrl-D cancel.
import { INPUT_LIMITS, InputTooLargeError } from './read.js';
import { InterruptedError, UsageError } from '../errors.js';

type TTYIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

export async function promptSecret(io: { stdin: TTYIn; stderr: { write(s: string): unknown } }, prompt: string, signal?: AbortSignal): Promise<string> {
  const stdin = io.stdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new UsageError('cannot prompt for the password: stdin is not a terminal', 'pass it with --password-stdin');
  }
  const cap = INPUT_LIMITS.secret;
  // Echo off before the prompt shows: whatever is typed once it is visible is never echoed.
  stdin.setRawMode(true);
  io.stderr.write(prompt);
  let bytes: number[] = [];
  let total = 0;
  try {
    return await new Promise<string>((resolve, reject) => {
      const cleanup = () => {
        stdin.removeListener('data', onData);
        stdin.removeListener('end', onEnd);
        signal?.removeEventListener('abort', onAbort);
      };
      const done = (e: unknown, value?: string) => {
        cleanup();
        if (e) reject(e);
        else resolve(value!);
      };
      const onData = (chunk: Buffer | string) => {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        for (const c of b) {
          if (c === 0x0d || c === 0x0a) return done(undefined, Buffer.from(bytes).toString('utf8'));
          if (c === 0x03) return done(new InterruptedError());
          if (c === 0x04) return done(new UsageError('no password given (end of input)', 'type the password and press Enter, or pass it with --password-stdin'));
          if (c === 0x7f || c === 0x08) {
            // Backspace: drop one whole UTF-8 character.
            while (bytes.length && (bytes[bytes.length - 1]! & 0xc0) === 0x80) bytes.pop();
            bytes.pop();
            total = bytes.length;
            continue;
          }
          if (c === 0x15) {
            bytes = [];
            total = 0;
            continue;
          }
          total++;
          if (total > cap) return done(new InputTooLargeError('the password typed', 'secret'));
          bytes.push(c);
        }
      };
      const onEnd = () => done(new UsageError('no password given (end of input)', 'type the password and press Enter, or pass it with --password-stdin'));
      const onAbort = () => done(new InterruptedError());
      if (signal?.aborted) return onAbort();
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
      stdin.resume();
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    bytes.fill(0);
    io.stderr.write('\n');
  }
}
