// The kubeconfig user's credentials, applied to a request's options, with errors a person can act on: kubectl's
// `tokenFile` (which client-node does not read) and exec plugins that are missing, fail or print something else.
import type https from 'node:https';
import { AuthError, RegctlError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import type { LoadedKubeconfig } from './kubeconfig.js';
import { tokenRejectedHint } from './in-cluster.js';

const RELOGIN = '`oc login <api-url>`';

export async function applyUserAuth(k: LoadedKubeconfig, o: https.RequestOptions): Promise<void> {
  const user = k.kc.getCurrentUser();
  try {
    await k.kc.applyToHTTPSOptions(o as never);
  } catch (e) {
    throw execError(k, e);
  }
  const file = tokenFileOf(k);
  if (file && !user?.token) (o.headers as Record<string, string>).Authorization = `Bearer ${readTokenFile(k, file)}`;
}

/** kubectl's users[].user.tokenFile (client-node drops it). */
export function tokenFileOf(k: LoadedKubeconfig): string | undefined {
  const name = k.kc.getCurrentUser()?.name;
  return name === undefined ? undefined : k.tokenFiles[name];
}

/** A token file that cannot be read is an error, never an anonymous request. */
export function readTokenFile(k: LoadedKubeconfig, file: string): string {
  let token: string;
  try {
    token = readTextFileCapped(file, 'secret', `token file ${file}`).trim();
  } catch (e) {
    if (e instanceof RegctlError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    if (k.inCluster) throw new AuthError(`cannot read the pod's service-account token ${file} (${code})`, { hint: tokenRejectedHint(k) });
    throw new AuthError(`cannot read the token file ${file} of kubeconfig user "${userName(k)}" (${code})`, { hint: `fix users[].user.tokenFile in ${k.source}, or log in again with ${RELOGIN}` });
  }
  if (!token && k.inCluster) throw new AuthError(`the pod's service-account token ${file} is empty`, { hint: tokenRejectedHint(k) });
  if (!token) throw new AuthError(`the token file ${file} of kubeconfig user "${userName(k)}" is empty`, { hint: `log in again with ${RELOGIN}` });
  return token;
}

function userName(k: LoadedKubeconfig): string {
  return k.kc.getCurrentUser()?.name ?? '';
}

/** Words a failure of the user's exec plugin (client-node rejects with spawn errors, stderr text or JSON errors). */
function execError(k: LoadedKubeconfig, e: unknown): unknown {
  const exec = k.kc.getCurrentUser()?.exec as { command?: string; installHint?: string } | undefined;
  if (!exec?.command) return e;
  const plugin = exec.command;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT' || err.code === 'EACCES') {
    return new AuthError(`the kubeconfig exec plugin ${plugin} ${err.code === 'ENOENT' ? 'was not found' : 'is not executable'}`, {
      hint: firstLine(exec.installHint) || `install it or fix users[].user.exec.command in ${k.source}, or log in with ${RELOGIN}`,
      cause: e,
    });
  }
  if (e instanceof SyntaxError) {
    return new AuthError(`the kubeconfig exec plugin ${plugin} printed something that is not an ExecCredential (JSON)`, {
      hint: `run ${plugin} yourself to see what it prints, or log in with ${RELOGIN}`,
      cause: e,
    });
  }
  const last = lastLine(err.message);
  return new AuthError(`the kubeconfig exec plugin ${plugin} failed${last ? `: ${last}` : ' (it printed nothing on stderr)'}`, {
    hint: `run ${plugin} yourself to log in again (or use ${RELOGIN})`,
    cause: e,
  });
}

function lastLine(s: string | undefined): string {
  const lines = (s ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]!.trim();
}
