import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import { outputFormat, tokenDurationSeconds, namespaceOption, outputOption, dryRunOption } from './common.js';
import { print } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { obtainToken } from '../cluster/credentials.js';
import { registryUsername } from '../registry/auth.js';
import { assertClusterRegistryHost } from '../cluster/registry-hosts.js';
import { discoverRegistryHost } from '../cluster/routes.js';
import { requireHelper } from '../registry/credential-helper.js';
import { readCAFile } from '../registry/trust.js';
import { validateAccessOptions, INTERNAL_REGISTRY_HOST as INTERNAL_HOST } from '../registry/access.js';
import * as af from '../registry/authfile.js';
import { loginToRegistry, readPassword, saveCAForClients } from './login-registry.js';

const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'login',
  summary: 'log podman/skopeo/buildah in to the registry with your OpenShift token, verified',
  description: [
    'Write registry credentials where podman, skopeo and buildah read them (containers auth.json, or Docker config.json with --docker), after checking them: GET /v2/ following the Bearer challenge to /openshift/token, trusting --ca-file, the certs.d entry or the CA from the cluster.',
    "Host: --registry, else image.config externalRegistryHostnames, else the default route (--internal: the in-cluster service). Token: the kubeconfig's (or --token), --service-account SA (short-lived, TokenRequest; for CI) or --username U (OAuth; the password from --password-stdin, or asked for on a terminal).",
    'Another registry (REGISTRY argument with -u USER, as podman login): its own user name and password, checked against its /v2/ and saved as auths[REGISTRY]; no cluster is involved.',
  ].join('\n\n'),
  arguments: [{ name: 'registry' }],
  options: {
    registry: { flags: '--registry <host>', description: 'registry host[:port] (default: discovered from the cluster)' },
    internal: { flags: '--internal', description: `use the in-cluster host ${INTERNAL_HOST} (pods, CI jobs inside the cluster)` },
    serviceAccount: { flags: '-z, --service-account <name>', description: 'log in as this service account with a short-lived token (TokenRequest)' },
    duration: { flags: '--duration <duration>', description: 'with --service-account: token lifetime (min 10m)', default: '1h' },
    username: { flags: '-u, --username <user>', description: "log in as this OpenShift user through the OAuth server; with REGISTRY: that registry's user (the password is asked for on a terminal)" },
    passwordStdin: { flags: '--password-stdin', description: 'read the password from stdin (with --username)' },
    registryUsername: { flags: '--registry-username <name>', description: 'user name written to the auth file (default: the OpenShift user name without colons)' },
    authfile: { flags: '--authfile <file>', description: 'auth file to write (default: $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json)' },
    docker: { flags: '--docker', description: 'write ~/.docker/config.json instead (its other settings are kept)' },
    caFile: { flags: '--ca-file <file>', description: 'CA bundle (PEM) to verify the registry with; also saved to <certs.d>/HOST/ca.crt for podman and skopeo' },
    certsDir: { flags: '--certs-dir <dir>', description: 'certs.d directory to look up the registry CA in (default: as podman)' },
    insecureSkipTlsVerify: { flags: '--insecure-skip-tls-verify', description: 'check the credentials without verifying the registry certificate (not recommended)' },
    skipCheck: { flags: '--skip-check', description: 'write the credentials without checking them against the registry' },
    namespace: namespaceOption("with --service-account: its namespace (default: the context's)"),
    dryRun: dryRunOption,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl login',
    'regctl login --service-account pipeline -n ci --duration 2h --authfile ./auth.json',
    'printf %s "$PASSWORD" | regctl login -u developer --password-stdin',
    'regctl login registry.redhat.io -u myuser       # another registry (as podman login): asks for the password',
    'regctl login --registry registry.apps.example.com --ca-file ingress-ca.crt',
    'regctl login --internal --skip-check   # inside a pod',
  ],
});

export type LoginOptions = OptionsOf<typeof spec>;

/** Flag checks that need nothing but the flags (before any I/O). */
export function validateLoginOptions(o: LoginOptions, how: { interactive?: boolean; registryArg?: string } = {}): { durationSeconds: number } {
  if (o.serviceAccount && o.username) throw new UsageError('--service-account and --username cannot be combined', 'choose one way to get a token');
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
    await assertClusterRegistryHost(cluster, o.registry.replace(/\/+$/, '').split('/')[0]!, 'regctl login saves the cluster token only for them', (m) => ctx.log.warn(m));
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
      ctx.log.warn(`podman, skopeo and buildah do not trust ${hostOnly} yet (no CA in certs.d); run \`regctl expose --trust\` or use --cert-dir`);
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

