// The terminal password prompt: raw mode on before the prompt shows and off again after, editing keys, the secret
// cap, Ctrl-C / Ctrl-D. A PassThrough with isTTY and setRawMode stands in for the terminal.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { promptSecret } from '../../../src/input/secret-prompt.ts';
import { INPUT_LIMITS } from '../../../src/input/read.ts';
import { validateLoginOptions, validateRegistryLogin } from '../../../src/commands/login.run.ts';

/** A terminal stand-in that records raw-mode switches and writes, in order. */
function terminal() {
  const events: string[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => events.push(`raw:${on}`) });
  const stderr = { write: (s: string) => events.push(`write:${s}`) };
  return { stdin, stderr, events };
}

describe('promptSecret', () => {
  it('turns echo off before the prompt shows, reads to Enter, restores the terminal', async () => {
    const t = terminal();
    const p = promptSecret(t, 'Password: ');
    t.stdin.write('s3cr');
    t.stdin.write('et\r');
    expect(await p).toBe('s3cret');
    expect(t.events).toEqual(['raw:true', 'write:Password: ', 'raw:false', 'write:\n']);
  });

  it('backspace removes a whole character, Ctrl-U the line', async () => {
    const t = terminal();
    const p = promptSecret(t, 'Password: ');
    t.stdin.write(Buffer.from('wrong\x15pä\x7fa\x7fass\n', 'utf8'));
    expect(await p).toBe('pass');
  });

  it('stops at the secret cap', async () => {
    const t = terminal();
    const p = promptSecret(t, 'Password: ');
    t.stdin.write(Buffer.alloc(INPUT_LIMITS.secret + 1, 0x61));
    await expect(p).rejects.toMatchObject({ exitCode: 2, message: 'the password typed is larger than 64 KiB' });
    expect(t.events.at(-2)).toBe('raw:false');
  });

  it('Ctrl-C interrupts (130), Ctrl-D is no password (2)', async () => {
    let t = terminal();
    let p = promptSecret(t, 'Password: ');
    t.stdin.write('abc\x03');
    await expect(p).rejects.toMatchObject({ exitCode: 130 });
    t = terminal();
    p = promptSecret(t, 'Password: ');
    t.stdin.write('\x04');
    await expect(p).rejects.toMatchObject({ exitCode: 2 });
  });

  it('refuses when stdin is not a terminal', async () => {
    await expect(promptSecret({ stdin: new PassThrough(), stderr: { write: () => true } }, 'Password: ')).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('login flag checks', () => {
  it('-u without --password-stdin: fine on a terminal, a usage error naming --password-stdin elsewhere', () => {
    expect(validateLoginOptions({ username: 'dev' }, { interactive: true })).toEqual({ durationSeconds: 3600 });
    expect(() => validateLoginOptions({ username: 'dev' }, { interactive: false, registryArg: 'quay.io' })).toThrow(/needs the password on stdin/);
  });

  it('REGISTRY -u: host[:port] only, and no cluster-only flags', () => {
    expect(() => validateRegistryLogin('registry.redhat.io', { username: 'u' })).not.toThrow();
    expect(() => validateRegistryLogin('127.0.0.1:5000/', { username: 'u' })).not.toThrow();
    for (const bad of ['https://quay.io', 'quay.io/ns', 'a b', '-x']) expect(() => validateRegistryLogin(bad, { username: 'u' }), bad).toThrow(/invalid registry/);
    expect(() => validateRegistryLogin('quay.io', { username: 'u', internal: true })).toThrow(/--internal cannot be combined/);
  });
});
