import type { Context } from '../context.js';
import type { Cluster } from '../cluster/cluster.js';
import type { OptionsOf } from './spec.js';
import { outputFormat, tokenDurationSeconds } from './common.js';
import { print, type OutputFormat } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { obtainToken } from '../cluster/credentials.js';
import { registryUsername } from '../registry/auth.js';
import { assertClusterRegistryHost } from '../cluster/registry-hosts.js';
import { discoverRegistryHost, registryRoutes } from '../cluster/routes.js';
import { requireHelper } from '../registry/credential-helper.js';
import { readCAFile } from '../registry/trust.js';
import { validateAccessOptions, INTERNAL_REGISTRY_HOST as INTERNAL_HOST, type CredentialSource } from '../registry/access.js';
import { promptSecret } from '../input/secret-prompt.js';
import { certsDir, writeCA } from '../registry/certsd.js';
import * as af from '../registry/authfile.js';
import { FORMATS, type spec } from './login.js';

export type LoginOptions = OptionsOf<typeof spec>;

/** Flag checks that need nothing but the flags (before any I/O). */
export function validateLoginOptions(o: LoginOptions, how: { interactive?: boolean; registryArg?: string } = {}): { durationSeconds: number } {
  if (o.serviceAccount && o.username) throw new UsageError('--service-account and --username cannot be combined', 'choose one way to get a token');
  // No spec default: a --duration given without -z would otherwise be silently ignored (the default 1h is applied below).
  if (o.duration !== undefined && !o.serviceAccount) {
    throw new UsageError('--duration only applies with --service-account (your own token keeps the lifetime it has)', `add -z SA to log in with a service-account token of that lifetime: regctl login -z SA --duration ${o.duration}, or drop --duration`);
  }
  // On a terminal the password is asked for (echo off); elsewhere (CI) it must come on stdin.
  if (o.username && !o.passwordStdin && !how.interactive) {
    throw new UsageError('--username needs the password on stdin (there is no terminal to ask on)', `pass it with --password-stdin: printf %s "$PASSWORD" | regctl login ${how.registryArg ? `${how.registryArg} ` : ''}-u ${o.username} --password-stdin`);
  }
  if (o.passwordStdin && !o.username) throw new UsageError('--password-stdin needs --username', 'add -u USER, or drop --password-stdin to use your kubeconfig token');
  if (o.username?.includes(':')) throw new UsageError(`user name "${o.username}" contains ':', which breaks Basic auth`, 'give the user name without a colon');
  // --registry may name host/path here: auth.json keys may.
  validateAccessOptions(o, { allowPath: true });
  if (o.authfile && o.docker) throw new UsageError('--authfile and --docker cannot be combined', 'choose the file with one of them');
  if (o.registryUsername !== undefined) {
    if (!o.registryUsername) throw new UsageError('--registry-username is empty', 'give a name, e.g. --registry-username ci');
    if (o.registryUsername.includes(':')) throw new UsageError(`--registry-username "${o.registryUsername}" contains ':', which breaks Basic auth (user:password)`, 'choose a name without a colon');
  }
  return { durationSeconds: o.serviceAccount ? tokenDurationSeconds(o.duration) : 3600 };
}

export async function run(ctx: Context, args: string[], o: LoginOptions): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const registryArg = args[0];
  const { durationSeconds } = validateLoginOptions(o, { interactive: ctx.interactive, registryArg });
  // REGISTRY -u USER: another registry with its own password, as podman login (no cluster, no cluster token).
  if (registryArg && o.username) return loginToRegistry(ctx, registryArg, o, format);
  if (registryArg) {
    if (o.registry || o.internal) throw new UsageError('a REGISTRY argument cannot be combined with --registry or --internal', 'give the host once');
    validateLoginOptions({ registry: registryArg });
    o.registry = registryArg;
  }
  // Where we will write, and whether that file is sound, before anything else happens.
  const target = af.resolveAuthFile({ authfile: o.authfile, docker: o.docker, env: ctx.env });
  const content = af.readAuthFile(target.path);
  if (o.caFile) readCAFile(o.caFile);
  const password = o.username ? await readPassword(ctx, o, 'printf %s "$PASSWORD" | regctl login -u USER --password-stdin') : undefined;

  const cluster = await ctx.cluster(o.namespace);
  if (o.registry) {
    // Before any token is read or minted: the cluster token is saved only for this cluster's registry hosts.
    await assertClusterRegistryHost(cluster, o.registry.replace(/\/+$/, '').split('/')[0]!, 'regctl login saves the cluster token only for them');
  }
  // The token first: an expired kubeconfig token must read as such, not as a failed host lookup.
  const tok = await ctx.spin('Getting a token', () => obtainToken(ctx, cluster, { serviceAccount: o.serviceAccount, durationSeconds, username: o.username, password }));
  const regUser = o.registryUsername ?? registryUsername(tok.username);
  let host: string;
  let hostSource: string = 'flag';
  if (o.registry) host = o.registry.replace(/\/+$/, '');
  else if (o.internal) {
    host = INTERNAL_HOST;
    hostSource = 'internal';
  } else {
    const d = await ctx.spin('Finding the registry host', () => discoverRegistryHost(cluster, cluster.namespace));
    host = d.host;
    hostSource = d.source;
    ctx.log.info(`Using registry ${host} (from ${d.source})`);
  }
  const hostOnly = host.split('/')[0]!;
  // credHelpers[host] sends the credentials to docker-credential-<helper>: make sure it can run before anything else.
  const routed = host.includes('/') ? undefined : af.credentialHelperFor(content, host);
  if (routed) {
    const exe = requireHelper(routed.helper, host, { env: ctx.env, file: target.path, key: routed.key });
    ctx.log.debug(`${target.path} routes ${host} to credential helper ${routed.helper} (${exe})`);
  }

  let verified = false;
  let trustSource: string | undefined;
  if (!o.skipCheck) {
    const s = await ctx.registry(o, {
      allowPath: true,
      host: { name: hostOnly, source: hostSource },
      credentials: { username: regUser, token: tok.token, source: tok.source, rejectedHint: tok.rejectedHint },
      checkLabel: `Checking the credentials against ${hostOnly}`,
    });
    const t = s.trust;
    trustSource = t.source;
    verified = true;
    if (t.source === 'ingress-ca' || t.source === 'route-ca') {
      ctx.log.warn(`podman, skopeo and buildah do not trust ${hostOnly} yet (no CA in certs.d); run \`${await trustCommand(cluster, hostOnly)}\` or use --cert-dir`);
    }
  }

  const result = {
    registry: host,
    hostSource,
    username: regUser,
    credentials: tok.source,
    authfile: target.path,
    credentialHelper: routed?.helper ?? null,
    verified,
    trust: trustSource ?? null,
    expiresAt: tok.expiresAt ?? null,
    dryRun: Boolean(o.dryRun),
  };
  const into = (file: string, helper?: string) => (helper ? `credential helper: ${helper}` : file);
  if (o.dryRun) {
    ctx.log.info(`Would save credentials for ${host} (user ${regUser}) into ${into(target.path, routed?.helper)} (dry run)`);
    print(ctx.io, format, { kind: 'LoginResult', data: result, human: () => '' });
    return;
  }
  const w = af.setCredentials(target.path, host, regUser, tok.token, { env: ctx.env, debug: (l) => ctx.log.debug(l) });
  for (const warning of w.warnings) ctx.log.warn(warning);
  ctx.log.info(`Login Succeeded! Saved credentials for ${host} into ${into(w.file, w.helper)}`);
  if (o.caFile) await saveCAForClients(ctx, hostOnly, o.caFile, o.certsDir);
  if (w.helper) ctx.log.info(`${w.file} routes ${host} to docker-credential-${w.helper} (credHelpers); the file was not changed.`);
  if (tok.expiresAt) ctx.log.info(`The token expires at ${tok.expiresAt}.`);
  print(ctx.io, format, { kind: 'LoginResult', data: { ...result, authfile: w.file, credentialHelper: w.helper ?? null }, human: () => '' });
}

/**
 * The expose command that installs the CA of HOST in certs.d: plain `--trust` acts on the default route first, so a
 * custom route (spec.routes) is named with --route (which, given alone, keeps its host and certificate).
 */
async function trustCommand(cluster: Cluster, host: string): Promise<string> {
  const route = (await registryRoutes(cluster).catch(() => [])).find((r) => r.host === host.replace(/:443$/, ''));
  return route && route.name !== 'default-route' ? `regctl expose --route ${route.name} --trust` : 'regctl expose --trust';
}

// `regctl login HOST -u USER`: any registry with its own user name and password, as `podman login HOST` does —
// checked against HOST's /v2/ (Basic, or distribution's token flow), saved as auths[HOST] = base64(user:password).
// No cluster: the kubeconfig is never read and no cluster token is involved.
// Also here: the password prompt shared with the OAuth login, and `--ca-file` → certs.d after a login.

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
