// Docker credential helpers (`docker-credential-<name>`), as auth.json's credHelpers routes a registry to them:
// `store` (stdin: {"ServerURL","Username","Secret"}), `get` (stdin: the host; stdout: that JSON) and `erase`
// (stdin: the host). A missing entry is a non-zero exit with "credentials not found in native keychain" (on stdout
// for helpers built on docker-credential-helpers). The secret only ever travels on the helper's stdin/stdout: never
// argv, never an error message or a debug line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RegctlError, TimeoutError } from '../errors.js';

export const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
const DEFAULT_TIMEOUT_MS = 120_000; // a keychain may ask for its passphrase first

export type HelperAction = 'store' | 'get' | 'erase';

export interface HelperOptions {
  env: Record<string, string | undefined>;
  /** The auth file whose credHelpers entry routes the host to the helper (for hints). */
  file?: string;
  /** The credHelpers key (for hints); defaults to the host. */
  key?: string;
  timeoutMs?: number;
  /** -v lines: program, action, host and outcome; never a secret. */
  debug?: (line: string) => void;
}

export interface HelperCredentials {
  username: string;
  secret: string;
}

export function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

function fixes(name: string, o: HelperOptions, host: string): string {
  const entry = `credHelpers["${o.key ?? host}"]`;
  return o.file ? `remove ${entry} from ${o.file}, or use another file with --authfile FILE` : `remove ${entry} from the auth file, or use another file with --authfile FILE`;
}

export class CredentialHelperNotFoundError extends RegctlError {
  constructor(name: string, host: string, o: HelperOptions) {
    super(`credential helper ${helperProgram(name)} is not on PATH (${o.file ?? 'the auth file'} routes ${host} to it in credHelpers)`, {
      hint: `install ${helperProgram(name)}, or ${fixes(name, o, host)}`,
    });
    this.name = 'CredentialHelperNotFoundError';
  }
}

export class CredentialHelperError extends RegctlError {
  constructor(message: string, name: string, host: string, o: HelperOptions) {
    super(message, { hint: `check ${helperProgram(name)} works (e.g. \`${helperProgram(name)} list\`), or ${fixes(name, o, host)}` });
    this.name = 'CredentialHelperError';
  }
}

/** Helper names are appended to "docker-credential-": a path separator would run some other program. */
export function assertHelperName(name: string, host: string, o: HelperOptions): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new CredentialHelperError(`invalid credential helper name "${name.slice(0, 60)}" for ${host} in credHelpers`, name, host, o);
  }
}

/** The helper's executable on env.PATH, or undefined. */
export function findHelper(name: string, env: Record<string, string | undefined>): string | undefined {
  const program = helperProgram(name);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, program);
    try {
      if (fs.statSync(p).isFile()) {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      }
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Throws CredentialHelperNotFoundError unless the helper can be run; returns its path. */
export function requireHelper(name: string, host: string, o: HelperOptions): string {
  assertHelperName(name, host, o);
  const exe = findHelper(name, o.env);
  if (!exe) throw new CredentialHelperNotFoundError(name, host, o);
  return exe;
}

interface RunResult {
  ok: boolean;
  stdout: string;
  notFound: boolean;
  /** First non-empty line of stderr (else stdout), secret removed; for error messages. */
  reason: string;
  status: number | null;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? '';
}

function run(name: string, action: HelperAction, input: string, host: string, o: HelperOptions, secret?: string): RunResult {
  const exe = requireHelper(name, host, o);
  o.debug?.(`running ${helperProgram(name)} ${action} for ${host} (${exe})`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v;
  const r = spawnSync(exe, [action], { input, env, encoding: 'utf8', timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 1 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') {
      throw new TimeoutError(`${helperProgram(name)} ${action} for ${host} did not finish within ${Math.round((o.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)}s`, {
        hint: `check ${helperProgram(name)} is not waiting for input (e.g. a locked keychain), or ${fixes(name, o, host)}`,
      });
    }
    if (code === 'ENOENT') throw new CredentialHelperNotFoundError(name, host, o); // e.g. its interpreter is missing
    throw new CredentialHelperError(`cannot run ${helperProgram(name)} ${action} for ${host} (${code ?? r.error.message.split('\n')[0]})`, name, host, o);
  }
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const ok = r.status === 0;
  const notFound = !ok && (stdout.includes(NOT_FOUND_MESSAGE) || stderr.includes(NOT_FOUND_MESSAGE));
  let reason = '';
  if (!ok) {
    reason = firstLine(stderr) || firstLine(stdout) || (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
    if (secret && reason.includes(secret)) reason = reason.split(secret).join('***');
    if (/"Secret"/i.test(reason)) reason = '(output withheld: it looks like credentials)';
    if (reason.length > 200) reason = `${reason.slice(0, 200)}…`;
  }
  o.debug?.(`${helperProgram(name)} ${action} for ${host}: ${ok ? 'ok' : notFound ? 'not found' : `failed (${reason})`}`);
  return { ok, stdout, notFound, reason, status: r.status };
}

function failed(name: string, action: HelperAction, host: string, r: RunResult, o: HelperOptions): CredentialHelperError {
  const why = r.status === null ? r.reason : `exit status ${r.status}: ${r.reason}`;
  return new CredentialHelperError(`${helperProgram(name)} ${action} failed for ${host} (${why})`, name, host, o);
}

export function storeCredentials(name: string, host: string, username: string, secret: string, o: HelperOptions): void {
  const r = run(name, 'store', JSON.stringify({ ServerURL: host, Username: username, Secret: secret }), host, o, secret);
  if (!r.ok) throw failed(name, 'store', host, r, o);
}

/** The helper's credentials for host; undefined when it has none. */
export function getCredentials(name: string, host: string, o: HelperOptions): HelperCredentials | undefined {
  const r = run(name, 'get', host, host, o);
  if (r.notFound) return undefined;
  if (!r.ok) throw failed(name, 'get', host, r, o);
  let data: unknown;
  try {
    data = JSON.parse(r.stdout);
  } catch {
    // The output is not shown: it may hold the secret.
    throw new CredentialHelperError(`${helperProgram(name)} get for ${host} printed something that is not credentials JSON`, name, host, o);
  }
  const d = (data ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof d.Secret !== 'string' || !d.Secret) return undefined;
  // "<token>" marks an identity token in Docker's protocol; the OpenShift registry only needs the secret.
  const username = typeof d.Username === 'string' && d.Username !== '<token>' ? d.Username : '';
  return { username, secret: d.Secret };
}

/** Erases host from the helper: true when it had credentials, false when it had none. */
export function eraseCredentials(name: string, host: string, o: HelperOptions): boolean {
  const r = run(name, 'erase', host, host, o);
  if (r.notFound) return false;
  if (!r.ok) throw failed(name, 'erase', host, r, o);
  return true;
}
