import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../../../src/registry/file-lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-lock-'));
const target = path.join(dir, 'auth.json');

describe('withFileLock', () => {
  it('holds <file>.lock while fn runs and removes it after, also when fn throws', () => {
    expect(withFileLock(target, () => fs.existsSync(`${target}.lock`))).toBe(true);
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
    expect(() => withFileLock(target, () => { throw new Error('boom'); })).toThrow('boom');
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });
  it('takes over a lock whose owner is gone', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(`${target}.lock`, `${dead}\n`);
    expect(withFileLock(target, () => 'ran')).toBe('ran');
  });
  it('takes over a lock older than the stale limit', () => {
    fs.writeFileSync(`${target}.lock`, `${process.ppid}\n`);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${target}.lock`, old, old);
    expect(withFileLock(target, () => 'ran')).toBe('ran');
  });
  it('creates the directory (0700) when missing', () => {
    const nested = path.join(dir, 'containers', 'auth.json');
    withFileLock(nested, () => undefined);
    expect(fs.statSync(path.dirname(nested)).mode & 0o777).toBe(0o700);
  });
});
