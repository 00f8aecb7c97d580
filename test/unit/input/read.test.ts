import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { INPUT_LIMITS, InputTooLargeError, readFileCapped, readStreamCapped } from '../../../src/input/read.js';
import { loadUserYaml } from '../../../src/input/yaml.js';

describe('readFileCapped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-read-'));
  it('reads a file of exactly the cap, refuses one byte more', () => {
    const f = path.join(dir, 'secret');
    fs.writeFileSync(f, Buffer.alloc(INPUT_LIMITS.secret, 'a'));
    expect(readFileCapped(f, 'secret').length).toBe(INPUT_LIMITS.secret);
    fs.appendFileSync(f, 'b');
    expect(() => readFileCapped(f, 'secret')).toThrow(InputTooLargeError);
    expect(() => readFileCapped(f, 'secret', '--password-file F')).toThrow(/^--password-file F is larger than 64 KiB$/);
  });
  it('stops an endless file at the cap', () => {
    expect(() => readFileCapped('/dev/zero', 'authFile')).toThrow(/is larger than 32 MiB/);
  });
  it('passes file-system errors through for the caller to word', () => {
    expect(() => readFileCapped(path.join(dir, 'missing'), 'pem')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('readStreamCapped', () => {
  it('reads to the end', async () => {
    const s = new PassThrough();
    const p = readStreamCapped(s, 'secret', 'stdin');
    s.end('hunter2\n');
    expect((await p).toString()).toBe('hunter2\n');
  });
  it('stops as soon as the cap is passed, without waiting for the end', async () => {
    const s = new PassThrough();
    const p = readStreamCapped(s, 'secret', 'stdin');
    s.write(Buffer.alloc(INPUT_LIMITS.secret + 1));
    await expect(p).rejects.toThrow(/^stdin is larger than 64 KiB$/);
  });
  it('ends at once when the signal aborts', async () => {
    const s = new PassThrough();
    const ac = new AbortController();
    const p = readStreamCapped(s, 'value', 'stdin', ac.signal);
    s.write('partial');
    ac.abort(new Error('interrupted'));
    await expect(p).rejects.toThrow('interrupted');
  });
});

describe('loadUserYaml', () => {
  it('loads ordinary YAML, aliases included', () => {
    expect(loadUserYaml('a: &x [1, 2]\nb: *x\n', 'f')).toEqual({ a: [1, 2], b: [1, 2] });
  });
  it('refuses a document whose aliases expand past the bound', () => {
    const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
    expect(() => loadUserYaml(lines.join('\n'), 'bomb.yaml')).toThrow(/^bomb\.yaml: the YAML expands to more than 100000 values/);
  });
  it('reports a syntax error by reason and position only', () => {
    expect(() => loadUserYaml('a: [1, 2\nsecret: hunter2', 'f.yaml')).toThrow(/^f\.yaml: not valid YAML: [^\n]*$/);
    try {
      loadUserYaml('a: [1, 2\nsecret: hunter2', 'f.yaml');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});
