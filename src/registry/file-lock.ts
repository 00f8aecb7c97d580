// An exclusive lock around a read-modify-write of a shared client file (auth.json, certs.d/<host>/ca.crt): two
// regctl runs (or a regctl and a script) logging in at once must not lose each other's entries. The lock is a file
// `<target>.lock` created with O_EXCL holding the owner's pid; a lock whose owner is gone, or that is older than
// STALE_MS, is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { RegctlError } from '../errors.js';

const STALE_MS = 30_000;
const WAIT_MS = 15_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Runs fn while holding `<file>.lock`; waits (up to WAIT_MS) for another holder to finish. */
export function withFileLock<T>(file: string, fn: () => T, dirMode = 0o700): T {
  const lock = `${file}.lock`;
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: dirMode });
    fs.chmodSync(dir, dirMode);
  }
  const deadline = Date.now() + WAIT_MS;
  let delay = 5;
  for (;;) {
    if (tryCreate(lock)) break;
    if (isStale(lock)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new RegctlError(`${file} is locked by another process (${lock})`, {
        hint: `wait for the other login/logout to finish; if none is running, remove ${lock}`,
      });
    }
    Atomics.wait(sleeper, 0, 0, delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function tryCreate(lock: string): boolean {
  try {
    const fd = fs.openSync(lock, 'wx', 0o600);
    fs.writeSync(fd, `${process.pid}\n`);
    fs.closeSync(fd);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new RegctlError(`cannot lock ${lock} (${code ?? (e as Error).message})`, {
      hint: code === 'EACCES' || code === 'EPERM' ? 'no permission there; choose a file you own with --authfile FILE (or --certs-dir DIR)' : 'check the directory exists and is writable',
      cause: e,
    });
  }
}

/** The holder is gone (its pid no longer exists) or has held the lock for too long. */
function isStale(lock: string): boolean {
  let text: string;
  let mtime: number;
  try {
    text = fs.readFileSync(lock, 'utf8').slice(0, 32);
    mtime = fs.statSync(lock).mtimeMs;
  } catch {
    return false; // released meanwhile: try again
  }
  if (Date.now() - mtime > STALE_MS) return true;
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - mtime > 1_000; // being written, or garbage
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
