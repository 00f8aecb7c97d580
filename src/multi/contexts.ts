// The contexts to run on: --contexts, --all-contexts or --contexts-from, checked against the kubeconfig before
// anything runs (an unknown name is a usage error, nothing is contacted).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthError, RegctlError, UsageError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import { readKubeconfigDoc } from '../cluster/kubeconfig-doc.js';
import { FAN_OUT_SELECTORS, type FanOutGlobals } from './options.js';

interface Kubeconfigs {
  names: string[];
  source: string;
}

/** The context names of the kubeconfig kubectl would use (--kubeconfig, KUBECONFIG merged, ~/.kube/config), in order. */
export function kubeconfigContexts(kubeconfig: string | undefined, env: Record<string, string | undefined>): Kubeconfigs {
  let files: string[];
  if (kubeconfig) {
    if (!fs.existsSync(kubeconfig)) throw new UsageError(`kubeconfig file "${kubeconfig}" does not exist`, 'check the --kubeconfig path');
    files = [kubeconfig];
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f));
    if (!files.length) throw noKubeconfig(`none of the files in KUBECONFIG exist (${env.KUBECONFIG})`);
  } else {
    const file = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
    if (!fs.existsSync(file)) throw noKubeconfig('no kubeconfig found');
    files = [file];
  }
  const names: string[] = [];
  for (const f of files) {
    let doc: { contexts?: Array<{ name?: unknown }> } | undefined;
    try {
      doc = readKubeconfigDoc(f) as typeof doc;
    } catch (e) {
      if (e instanceof RegctlError) throw e;
      throw new RegctlError(`cannot load kubeconfig ${f}: ${(e as Error).message.split('\n')[0]}`, { hint: 'check the file is valid YAML (kubectl config view)' });
    }
    for (const c of Array.isArray(doc?.contexts) ? doc.contexts : []) {
      // As kubectl merges: the first file that names a context wins.
      if (typeof c?.name === 'string' && c.name && !names.includes(c.name)) names.push(c.name);
    }
  }
  return { names, source: files.join(path.delimiter) };
}

function noKubeconfig(msg: string): AuthError {
  return new AuthError(`${msg}: running across contexts needs a kubeconfig`, { hint: 'set KUBECONFIG or --kubeconfig to a kubeconfig file with the contexts' });
}

/** The names in a --contexts-from file: one a line, blank lines and `#` comments skipped. */
export function parseContextList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

function readContextsFile(file: string): string[] {
  let text: string;
  try {
    text = readTextFileCapped(file, 'contextList');
  } catch (e) {
    if (e instanceof RegctlError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --contexts-from ${file}${code ? ` (${code})` : ''}`, 'give a file with one context name a line');
  }
  const names = parseContextList(text);
  if (!names.length) throw new UsageError(`--contexts-from ${file} lists no contexts`, 'write one context name a line (`kubectl config get-contexts -o name` lists them)');
  return names;
}

/** The contexts chosen by the flags, without duplicates, each one checked to exist. */
export function selectContexts(g: FanOutGlobals & { kubeconfig?: string; context?: string; token?: string }, env: Record<string, string | undefined>): string[] {
  const given = [g.contexts !== undefined && '--contexts', g.allContexts && '--all-contexts', g.contextsFrom !== undefined && '--contexts-from'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be combined`, `give one of ${FAN_OUT_SELECTORS}`);
  if (g.context !== undefined) throw new UsageError(`--context picks one context; ${given[0]} picks several`, `drop --context, or drop ${given[0]}`);
  if (g.token !== undefined) {
    throw new UsageError(`--token cannot be used with ${given[0]}: a token is one cluster's, and is never sent to another`, "use a kubeconfig whose contexts each carry their cluster's user");
  }
  const known = kubeconfigContexts(g.kubeconfig, env);
  let names: string[];
  if (g.allContexts) {
    names = known.names;
    if (!names.length) throw new UsageError(`the kubeconfig ${known.source} has no contexts`, 'log in to each cluster with `oc login`, which adds a context');
  } else {
    names = g.contextsFrom !== undefined ? readContextsFile(g.contextsFrom) : g.contexts ?? [];
    if (!names.length) throw new UsageError('--contexts names no context', 'give the names, e.g. --contexts prod-east,prod-west');
  }
  const unique = [...new Set(names)];
  const missing = unique.filter((n) => !known.names.includes(n));
  if (missing.length) {
    const shown = known.names.slice(0, 20).join(', ') + (known.names.length > 20 ? ', …' : '');
    const what = missing.length === 1 ? `context "${missing[0]}" does not exist` : `contexts ${missing.map((m) => `"${m}"`).join(', ')} do not exist`;
    throw new UsageError(`${what} in ${known.source}`, `available contexts: ${shown || '(none)'}`);
  }
  return unique;
}
