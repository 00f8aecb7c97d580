// Turns `HOST --ca FILE` pairs and `--from-dir DIR` into validated (host, CA bundle) entries, before any cluster call.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { readFileCapped } from '../input/read.js';
import { parseRegistryHost, type RegistryHost } from './host.js';
import { parseCABundle, type CABundle } from './pem.js';

export interface CAEntry extends RegistryHost {
  source: string;
  bundle: CABundle;
}

export function entriesFromPairs(hosts: string[], files: string[], now = new Date()): CAEntry[] {
  if (hosts.length !== files.length) {
    throw new UsageError(
      `got ${hosts.length} host(s) and ${files.length} --ca file(s)`,
      'give one --ca FILE per HOST[:PORT], in the same order: regctl trust-ca add a.example.com --ca a.crt b.example.com:5000 --ca b.crt',
    );
  }
  return hosts.map((h, i) => {
    const host = parseRegistryHost(h);
    const file = files[i]!;
    return { ...host, source: file, bundle: parseCABundle(readFile(file), file, now) };
  });
}

/** Every `HOST[:PORT].crt` file of dir; other files are ignored. */
export function entriesFromDir(dir: string, now = new Date()): { entries: CAEntry[]; ignored: string[] } {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--from-dir ${dir} is not a directory`, 'give a directory of HOST[:PORT].crt files');
    names = readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read --from-dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give an existing directory of HOST[:PORT].crt files');
  }
  const entries: CAEntry[] = [];
  const ignored: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (!name.endsWith('.crt') || !statSync(file).isFile()) {
      ignored.push(name);
      continue;
    }
    const host = parseRegistryHost(name.slice(0, -'.crt'.length), `host in file name ${name}`);
    entries.push({ ...host, source: file, bundle: parseCABundle(readFile(file), file, now) });
  }
  if (!entries.length) {
    throw new UsageError(`--from-dir ${dir} has no HOST[:PORT].crt files`, 'name each CA file after its registry, e.g. registry.example.com:5000.crt');
  }
  return { entries, ignored };
}

/** The same registry twice in one call is a mistake, not a merge. */
export function rejectDuplicates(hosts: Array<{ key: string; display: string }>): void {
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.key)) throw new UsageError(`registry ${h.display} is given more than once`, 'give each registry once; put several CAs for one registry in one PEM bundle');
    seen.add(h.key);
  }
}

function readFile(file: string): Buffer {
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`--ca ${file} is a directory`, 'give a PEM file, or use --from-dir DIR');
    return readFileCapped(file, 'pem', `--ca ${file}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`, 'check the path given to --ca');
  }
}
