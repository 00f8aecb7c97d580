// certs.d: where podman, skopeo and buildah look for a registry's CA (`<dir>/<host[:port]>/ca.crt`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeAtomic } from './authfile.js';
import { withFileLock } from './file-lock.js';
import { readTextFileCapped } from '../input/read.js';

export interface CertsDirSelection {
  /** --certs-dir */
  certsDir?: string;
  env: Record<string, string | undefined>;
  uid?: number;
}

export const SYSTEM_CERTS_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d'];

/** The directory `--trust` writes to: --certs-dir, /etc/containers/certs.d as root, else the rootless user's. */
export function certsDir(sel: CertsDirSelection): string {
  if (sel.certsDir) return path.resolve(sel.certsDir);
  const uid = sel.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return SYSTEM_CERTS_DIRS[0]!;
  return userCertsDir(sel.env);
}

export function userCertsDir(env: Record<string, string | undefined>): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'containers', 'certs.d');
}

/** Directories containers/image searches for a host, in its order (rootless users' own first). */
export function certsSearchPath(sel: CertsDirSelection): string[] {
  if (sel.certsDir) return [path.resolve(sel.certsDir)];
  const uid = sel.uid ?? process.getuid?.() ?? -1;
  return uid === 0 ? [...SYSTEM_CERTS_DIRS] : [userCertsDir(sel.env), ...SYSTEM_CERTS_DIRS];
}

export function hostDir(dir: string, host: string): string {
  if (!host || host.includes('/') || host.startsWith('.')) throw new Error(`invalid registry host "${host}"`);
  return path.join(dir, host);
}

export function caPath(dir: string, host: string): string {
  return path.join(hostDir(dir, host), 'ca.crt');
}

/** Every *.crt of `<dir>/<host>` in the first directory that has one (podman reads all of them). */
export function readTrustedCAs(host: string, sel: CertsDirSelection): { pem: string; files: string[] } | undefined {
  for (const dir of certsSearchPath(sel)) {
    const d = path.join(dir, host);
    let names: string[];
    try {
      names = fs.readdirSync(d).filter((n) => n.endsWith('.crt')).sort();
    } catch {
      continue;
    }
    const files = names.map((n) => path.join(d, n));
    const pem = files.map((f) => safeRead(f)).filter(Boolean).join('\n');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return { pem, files };
  }
  return undefined;
}

function safeRead(f: string): string {
  try {
    return readTextFileCapped(f, 'pem');
  } catch {
    return '';
  }
}

/** Writes `<dir>/<host>/ca.crt` (dirs 0755, file 0644, atomic). changed=false when the same PEM is already there. */
export function writeCA(dir: string, host: string, pem: string): { file: string; changed: boolean } {
  const file = caPath(dir, host);
  const content = pem.endsWith('\n') ? pem : pem + '\n';
  return withFileLock(
    file,
    () => {
      if (safeRead(file) === content) return { file, changed: false };
      writeAtomic(file, content, 0o644, 0o755);
      return { file, changed: true };
    },
    0o755,
  );
}

/** Removes `<dir>/<host>/ca.crt` (and the host directory when it is then empty). */
export function removeCA(dir: string, host: string): boolean {
  const file = caPath(dir, host);
  if (!fs.existsSync(file)) return false;
  withFileLock(file, () => fs.rmSync(file, { force: true }), 0o755);
  try {
    fs.rmdirSync(path.dirname(file));
  } catch {
    /* not empty */
  }
  return true;
}
