// `regctl login HOST -u USER`: any registry with its own user name and password, as `podman login HOST` does —
// checked against HOST's /v2/ (Basic, or distribution's token flow), saved as auths[HOST] = base64(user:password).
// No cluster: the kubeconfig is never read and no cluster token is involved.
// Also here: the password prompt shared with the OAuth login, and `--ca-file` → certs.d after a login.
import type { Context } from '../context.js';
import { print, type OutputFormat } from '../output/printer.js';
import { UsageError } from '../errors.js';
import type { LoginOptions } from './login.js';
import type { CredentialSource } from '../registry/access.js';
import { promptSecret } from '../input/secret-prompt.js';
import { readCAFile } from '../registry/trust.js';
import { certsDir, writeCA } from '../registry/certsd.js';
import { requireHelper } from '../registry/credential-helper.js';
import * as af from '../registry/authfile.js';

/** Flags that mean nothing for another registry's user name and password (before any I/O). */
export function validateRegistryLogin(host: string, o: LoginOptions): void {
  if (/^[a-z]+:\/\//i.test(host) || /[\s/]/.test(host.replace(/\/+$/, '')) || host.startsWith('-') || !host.replace(/\/+$/, '')) {
    throw new UsageError(`invalid registry "${host}"`, 'give host[:port] without a scheme or path, e.g. regctl login registry.redhat.io -u USER');
  }
  const conflicts: Array<[unknown, string]> = [
    [o.registry, '--registry'],
    [o.internal, '--internal'],
    [o.serviceAccount, '--service-account'],
    [o.registryUsername, '--registry-username'],
  ];
  for (const [set, flag] of conflicts) {
    if (set !== undefined && set !== false) {
      throw new UsageError(`${flag} cannot be combined with a REGISTRY argument and -u`, `regctl login ${host} -u USER logs in to ${host} with that user's password; drop ${flag}`);
    }
  }
}

/** The password: from stdin with --password-stdin, else asked on the terminal with echo off. */
export async function readPassword(ctx: Context, o: LoginOptions, usage: string): Promise<string> {
  let password: string;
  if (o.passwordStdin) password = (await ctx.readStdin('secret')).replace(/\r?\n$/, '');
  else {
    password = await promptSecret(ctx.io, 'Password: ', ctx.signal);
  }
  if (!password) throw new UsageError(o.passwordStdin ? 'the password read from stdin is empty' : 'the password is empty', `give the password: ${usage}`);
  return password;
}

/**
 * `--ca-file F` after a login: F also goes to <certs.d>/<host>/ca.crt (the directory podman and skopeo read, or
 * --certs-dir), so they trust HOST right away. An unwritable directory is a warning: the login itself stands.
 */
export async function saveCAForClients(ctx: Context, host: string, caFile: string, certsDirFlag: string | undefined): Promise<string | undefined> {
  const dir = certsDir({ certsDir: certsDirFlag, env: ctx.env });
  try {
    const w = writeCA(dir, host, readCAFile(caFile));
    ctx.log.info(w.changed ? `Saved the CA of ${host} into ${w.file} (podman, skopeo and buildah trust it from there)` : `${w.file} already holds this CA`);
    return w.file;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    ctx.log.warn(`could not write the CA to ${dir}/${host}/ca.crt (${code ?? (e as Error).message}); podman and skopeo need --cert-dir, or copy ${caFile} there yourself`);
    return undefined;
  }
}

export async function loginToRegistry(ctx: Context, hostArg: string, o: LoginOptions, format: OutputFormat): Promise<void> {
  validateRegistryLogin(hostArg, o);
  const host = hostArg.replace(/\/+$/, '');
  const user = o.username!;
  const target = af.resolveAuthFile({ authfile: o.authfile, docker: o.docker, env: ctx.env });
  const content = af.readAuthFile(target.path);
  if (o.caFile) readCAFile(o.caFile);
  const routed = af.credentialHelperFor(content, host);
  if (routed) {
    requireHelper(routed.helper, host, { env: ctx.env, file: target.path, key: routed.key });
  }
  const password = await readPassword(ctx, o, `printf %s "$PASSWORD" | regctl login ${host} -u ${user} --password-stdin`);

  let verified = false;
  let trust: string | null = null;
  if (!o.skipCheck) {
    const s = await ctx.registry(o, {
      allowPath: true,
      withoutCluster: true,
      host: { name: host, source: 'argument' },
      credentials: {
        username: user,
        token: password,
        source: 'registry-password',
        rejectedMessage: `login failed: ${host} rejected the user name or password for "${user}"`,
        rejectedHint: `check the user name and password for ${host}; nothing was written`,
      },
      checkLabel: `Checking the credentials against ${host}`,
    });
    trust = s.trust.source;
    verified = true;
  }
  const result = {
    registry: host,
    hostSource: 'argument',
    username: user,
    credentials: 'registry-password' satisfies CredentialSource,
    authfile: target.path,
    credentialHelper: routed?.helper ?? null,
    verified,
    trust,
    expiresAt: null,
    dryRun: Boolean(o.dryRun),
  };
  if (o.dryRun) {
    ctx.log.info(`Would save credentials for ${host} (user ${user}) into ${routed ? `credential helper: ${routed.helper}` : target.path} (dry run)`);
    print(ctx.io, format, { kind: 'LoginResult', data: result, human: () => '' });
    return;
  }
  const w = af.setCredentials(target.path, host, user, password, { env: ctx.env, debug: (l) => ctx.log.debug(l) });
  for (const warning of w.warnings) ctx.log.warn(warning);
  ctx.log.info(`Login Succeeded! Saved credentials for ${host} into ${w.helper ? `credential helper: ${w.helper}` : w.file}`);
  if (o.caFile) await saveCAForClients(ctx, host, o.caFile, o.certsDir);
  print(ctx.io, format, { kind: 'LoginResult', data: { ...result, authfile: w.file, credentialHelper: w.helper ?? null }, human: () => '' });
}
