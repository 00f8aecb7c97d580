// containers-auth.json (podman, skopeo, buildah, oc) and Docker's config.json: where they are, reading
// credentials, and updating one entry safely (behaviours a.5).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RegctlError, UsageError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import { withFileLock } from './file-lock.js';
import { eraseCredentials, getCredentials, storeCredentials, type HelperOptions } from './credential-helper.js';

export interface AuthFileSelection {
  /** --authfile */
  authfile?: string;
  /** --docker: Docker's config.json */
  docker?: boolean;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  uid?: number;
  /** -v lines about credential helpers (never secrets). */
  debug?: (line: string) => void;
}

export type AuthFileSource = 'flag' | 'REGISTRY_AUTH_FILE' | 'XDG_RUNTIME_DIR' | 'run' | 'config' | 'docker';

export interface AuthFileLocation {
  path: string;
  source: AuthFileSource;
  /** Docker's config.json (may hold credsStore/credHelpers and other keys). */
  docker: boolean;
}

export interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

export interface AuthFileContent {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

function home(env: Record<string, string | undefined>): string {
  return env.HOME || os.homedir();
}

export function dockerConfigPath(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'config.json') : path.join(home(env), '.docker', 'config.json');
}

/** The file `regctl login` writes, in containers/image's order. Throws when XDG_RUNTIME_DIR names a missing directory. */
export function resolveAuthFile(sel: AuthFileSelection): AuthFileLocation {
  if (sel.authfile) return { path: path.resolve(sel.authfile), source: 'flag', docker: false };
  if (sel.docker) return { path: dockerConfigPath(sel.env), source: 'docker', docker: true };
  if (sel.env.REGISTRY_AUTH_FILE) return { path: path.resolve(sel.env.REGISTRY_AUTH_FILE), source: 'REGISTRY_AUTH_FILE', docker: false };
  const platform = sel.platform ?? process.platform;
  if (platform !== 'linux') {
    return { path: path.join(configHome(sel.env), 'containers', 'auth.json'), source: 'config', docker: false };
  }
  const xdg = sel.env.XDG_RUNTIME_DIR;
  if (xdg) {
    if (!isDir(xdg)) {
      throw new RegctlError(`"${xdg}" directory set by $XDG_RUNTIME_DIR does not exist`, {
        hint: 'create the directory or unset XDG_RUNTIME_DIR, or choose the file with --authfile FILE',
      });
    }
    return { path: path.join(xdg, 'containers', 'auth.json'), source: 'XDG_RUNTIME_DIR', docker: false };
  }
  const uid = sel.uid ?? process.getuid?.() ?? 0;
  return { path: `/run/containers/${uid}/auth.json`, source: 'run', docker: false };
}

function configHome(env: Record<string, string | undefined>): string {
  return env.XDG_CONFIG_HOME || path.join(home(env), '.config');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Files podman reads credentials from, in order: the primary file (as above; only it when --authfile or
 * REGISTRY_AUTH_FILE is set), then ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, then Docker's config.json.
 */
export function authFileSearchPath(sel: AuthFileSelection): AuthFileLocation[] {
  if (sel.authfile || sel.env.REGISTRY_AUTH_FILE || sel.docker) return [resolveAuthFile(sel)];
  const out: AuthFileLocation[] = [];
  try {
    out.push(resolveAuthFile(sel));
  } catch {
    /* a missing XDG_RUNTIME_DIR only skips that file when reading */
  }
  out.push({ path: path.join(configHome(sel.env), 'containers', 'auth.json'), source: 'config', docker: false });
  out.push({ path: dockerConfigPath(sel.env), source: 'docker', docker: true });
  const seen = new Set<string>();
  return out.filter((l) => !seen.has(l.path) && seen.add(l.path));
}

export class CorruptAuthFileError extends RegctlError {
  constructor(file: string, why: string) {
    super(`refusing to change ${file}: ${why}`, {
      hint: `the file was left untouched; repair it (e.g. \`jq . ${file}\`) or move it away, or write elsewhere with --authfile FILE`,
    });
    this.name = 'CorruptAuthFileError';
  }
}

/** Reads and validates an auth file: undefined when missing; CorruptAuthFileError when empty or not an auth file. */
export function readAuthFile(file: string): AuthFileContent | undefined {
  let text: string;
  try {
    text = readTextFileCapped(file, 'authFile');
  } catch (e) {
    if (e instanceof RegctlError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new CorruptAuthFileError(file, 'it is a directory');
    throw new RegctlError(`cannot read ${file} (${code})`, { hint: 'check its permissions, or choose another file with --authfile' });
  }
  if (!text.trim()) throw new CorruptAuthFileError(file, 'it is empty (an auth file holds at least {})');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CorruptAuthFileError(file, `it is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new CorruptAuthFileError(file, 'it is not a JSON object');
  const c = data as AuthFileContent;
  if (c.auths !== undefined && (typeof c.auths !== 'object' || c.auths === null || Array.isArray(c.auths))) {
    throw new CorruptAuthFileError(file, '"auths" is not an object');
  }
  return c;
}

export function encodeAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

export function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const s = Buffer.from(auth, 'base64').toString('utf8');
  const i = s.indexOf(':');
  if (i < 0) return undefined;
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** Normalises a Docker-style key ("https://host/v1/", "host") to containers/image's host[/path] form. */
export function normalizeKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/v[12]\/?$/, '').replace(/\/+$/, '');
}

export interface FoundCredentials {
  username: string;
  password: string;
  file: string;
  key: string;
  /** Set when the file's credHelpers routed the host to docker-credential-<helper>. */
  helper?: string;
}

/** credHelpers[key] of a file (keys compared normalised), as containers/image and Docker route a registry. */
export function credentialHelperFor(c: AuthFileContent | undefined, key: string): { helper: string; key: string } | undefined {
  const helpers = c?.credHelpers;
  if (!helpers || typeof helpers !== 'object') return undefined;
  for (const [k, helper] of Object.entries(helpers)) {
    if (typeof helper === 'string' && helper && normalizeKey(k) === normalizeKey(key)) return { helper, key: k };
  }
  return undefined;
}

/**
 * Looks a registry up (host[:port], or host/ns keys for repositories under it) through the search path. A file
 * whose credHelpers routes the host to a helper is answered by that helper (`get`), not by its auths (as podman);
 * a helper without credentials moves on to the next file, a missing or failing helper is an error.
 */
export function lookupCredentials(host: string, sel: AuthFileSelection): FoundCredentials | undefined {
  for (const loc of authFileSearchPath(sel)) {
    let c: AuthFileContent | undefined;
    try {
      c = readAuthFile(loc.path);
    } catch {
      continue;
    }
    const routed = credentialHelperFor(c, host);
    if (routed) {
      sel.debug?.(`${loc.path} routes ${host} to credential helper ${routed.helper} (credHelpers)`);
      const got = getCredentials(routed.helper, host, { env: sel.env, file: loc.path, key: routed.key, debug: sel.debug });
      if (got) return { username: got.username, password: got.secret, file: loc.path, key: routed.key, helper: routed.helper };
      continue;
    }
    for (const [key, entry] of Object.entries(c?.auths ?? {})) {
      if (normalizeKey(key) !== host || typeof entry?.auth !== 'string') continue;
      const d = decodeAuth(entry.auth);
      if (d) return { ...d, file: loc.path, key };
    }
  }
  return undefined;
}

/** Every registry key in the file's auths (normalised), for logout --all and listing. */
export function listKeys(c: AuthFileContent | undefined): string[] {
  return Object.keys(c?.auths ?? {});
}

export interface WriteResult {
  file: string;
  /** Warnings worth showing: credHelpers/credsStore would shadow the entry. */
  warnings: string[];
  changed: boolean;
  /** The credential helper the credentials went to (the file was not changed). */
  helper?: string;
}

export interface HelperAccess {
  env: Record<string, string | undefined>;
  debug?: (line: string) => void;
}

/**
 * Saves credentials for key the way containers/image does. When the file's credHelpers[key] names a helper, they
 * go to `docker-credential-<helper> store` and the file is not changed. Otherwise auths[key] =
 * {auth: base64(user:password)}: reads the existing file (refusing a corrupt one, which is left untouched), keeps
 * every other key and entry, writes a temp file (0600) in the same directory and renames it. credsStore (Docker's
 * default store) is only warned about: podman, skopeo and oc ignore it and read auths.
 */
export function setCredentials(file: string, key: string, username: string, password: string, access: HelperAccess = { env: process.env }): WriteResult {
  const target = realTarget(file);
  return withFileLock(target, () => setLocked(target, key, username, password, access));
}

function setLocked(target: string, key: string, username: string, password: string, access: HelperAccess): WriteResult {
  const current = readAuthFile(target) ?? {};
  const warnings: string[] = [];
  const routed = credentialHelperFor(current, key);
  if (routed) {
    const o: HelperOptions = { env: access.env, file: target, key: routed.key, debug: access.debug };
    if (key.includes('/')) throw new RegctlError(`credential helper ${routed.helper} cannot hold credentials for a namespaced key (${key})`, { hint: `log in to the host alone, or remove credHelpers["${routed.key}"] from ${target}, or use --authfile FILE` });
    storeCredentials(routed.helper, key, username, password, o);
    return { file: target, warnings, changed: true, helper: routed.helper };
  }
  const hostHelper = key.includes('/') ? credentialHelperFor(current, key.split('/')[0]!) : undefined;
  if (hostHelper) warnings.push(`${target} routes ${hostHelper.key} to credential helper "docker-credential-${hostHelper.helper}" (credHelpers); clients will ask it, not this entry`);
  else if (current.credsStore) warnings.push(`${target} sets credsStore "${current.credsStore}"; Docker will look there, not in this entry (podman and skopeo read the entry)`);
  const auth = encodeAuth(username, password);
  const prev = current.auths?.[key];
  const changed = !(prev && prev.auth === auth && Object.keys(prev).length === 1);
  const next: AuthFileContent = { ...current, auths: { ...(current.auths ?? {}), [key]: { auth } } };
  if (changed || !fs.existsSync(target)) writeAtomic(target, JSON.stringify(next, null, '\t') + '\n');
  return { file: target, warnings, changed };
}

export interface RemoveResult {
  file: string;
  /** Keys removed from the file's auths. */
  removed: string[];
  /** A single key routed to a credential helper: its name and whether it held credentials (now erased). */
  helper?: { name: string; key: string; erased: boolean };
  /** With 'all': credHelpers keys whose credentials were left in their helpers. */
  keptInHelpers: string[];
}

/**
 * Removes entries (exact keys, or every key when keys is 'all'); the file is untouched when none is there. A key
 * routed to a credential helper is erased there first (`docker-credential-<helper> erase`; a failure leaves the
 * file untouched). 'all' does not erase helpers' credentials: credHelpers often routes other registries to cloud
 * helpers, which are not regctl's to empty; their keys are returned in keptInHelpers.
 */
export function removeCredentials(file: string, keys: string[] | 'all', access: HelperAccess = { env: process.env }): RemoveResult {
  const target = realTarget(file);
  return withFileLock(target, () => removeLocked(target, keys, access));
}

function removeLocked(target: string, keys: string[] | 'all', access: HelperAccess): RemoveResult {
  const current = readAuthFile(target);
  let helper: RemoveResult['helper'];
  const keptInHelpers: string[] = [];
  if (keys === 'all') {
    keptInHelpers.push(...Object.keys(current?.credHelpers ?? {}));
  } else {
    for (const k of keys) {
      const routed = credentialHelperFor(current, k);
      if (!routed || k.includes('/')) continue;
      const erased = eraseCredentials(routed.helper, k, { env: access.env, file: target, key: routed.key, debug: access.debug });
      helper = { name: routed.helper, key: k, erased };
    }
  }
  if (!current?.auths) return { file: target, removed: [], helper, keptInHelpers };
  const auths = { ...current.auths };
  const removed: string[] = [];
  for (const k of Object.keys(auths)) {
    if (keys === 'all' || keys.includes(k) || keys.includes(normalizeKey(k))) {
      delete auths[k];
      removed.push(k);
    }
  }
  if (removed.length) writeAtomic(target, JSON.stringify({ ...current, auths }, null, '\t') + '\n');
  return { file: target, removed, helper, keptInHelpers };
}

/** Follows a symlinked auth file so the link survives the rename. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** mkdir -p (0700), temp file 0600 in the same directory, fsync, rename over the target. */
export function writeAtomic(file: string, content: string, mode = 0o600, dirMode = 0o700): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: dirMode });
    fs.chmodSync(dir, dirMode); // not subject to the umask
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new RegctlError(`cannot write ${file} (${code ?? (e as Error).message})`, {
      hint: code === 'EACCES' || code === 'EPERM' ? 'no permission there; choose a file you own with --authfile FILE (or --certs-dir DIR)' : 'check the directory exists and is writable',
      cause: e,
    });
  }
}

export function assertWritableKey(key: string): void {
  if (!key || /\s/.test(key) || key.includes('://')) throw new UsageError(`invalid registry "${key}"`, 'give host[:port] or host[:port]/namespace, without a scheme');
}
