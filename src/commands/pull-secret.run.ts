import { readTextFileCapped } from '../input/read.js';
import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import type { LinkFor } from '../cluster/pull-secret.js';
import { parseOutput, printObjects } from '../output/printer.js';
import { NotFoundError, UsageError } from '../errors.js';
import { failedPartWay } from '../cluster/partial.js';
import { R } from '../cluster/resources.js';
import { credentialHelperFor } from '../registry/authfile.js';
import { getCredentials, helperProgram } from '../registry/credential-helper.js';
import * as ps from '../cluster/pull-secret.js';
import type { createSpec, linkSpec, unlinkSpec } from './pull-secret.js';

type LinkOptions = OptionsOf<typeof linkSpec> | OptionsOf<typeof unlinkSpec>;

function outFormat(v: string | undefined): 'json' | 'yaml' | undefined {
  return v === undefined ? undefined : (parseOutput(v, ['json', 'yaml']) as 'json' | 'yaml');
}

export async function runCreate(ctx: Context, args: string[], opts: OptionsOf<typeof createSpec>): Promise<void> {
  const [name] = args;
  if (!name) throw new UsageError('you must specify a name for the secret', 'regctl pull-secret create NAME --server S --username U --password-stdin');
  ps.validateObjectName(name, 'secret');
  const format = outFormat(opts.output);
  const links = opts.link ?? [];
  const fors = ps.parseFor(opts.for);
  if (fors && !links.length) throw new UsageError('--for needs --link', 'add --link default (or builder)');
  for (const sa of links) ps.validateObjectName(sa, 'serviceaccount');

  let config;
  if (opts.fromAuthfile) {
    if (opts.server || opts.username || opts.passwordStdin) {
      throw new UsageError('--from-authfile cannot be combined with --server, --username or --password-stdin', 'use --registry to pick one entry of the auth file');
    }
    let text: string;
    try {
      text = readTextFileCapped(opts.fromAuthfile, 'authFile');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${opts.fromAuthfile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give the path of an auth.json (podman login writes $XDG_RUNTIME_DIR/containers/auth.json)');
    }
    const routed = opts.registry ? await helperCredentials(ctx, text, opts.fromAuthfile, opts.registry) : undefined;
    config = routed ? ps.dockerConfig(opts.registry!, routed.username, routed.secret) : ps.configFromAuthFile(text, opts.fromAuthfile, opts.registry);
  } else {
    if (opts.registry) throw new UsageError('--registry goes with --from-authfile', 'use --server for the registry of --username/--password-stdin');
    if (!opts.server || !opts.username) {
      throw new UsageError('you must give --server and --username (with --password-stdin), or --from-authfile FILE', 'printf %s "$PASSWORD" | regctl pull-secret create NAME --server S --username U --password-stdin');
    }
    if (!opts.passwordStdin) throw new UsageError('the password is read from stdin only', 'add --password-stdin and pipe the password in');
    ps.validateServer(opts.server);
    ps.validateUsername(opts.username);
    config = ps.dockerConfig(opts.server, opts.username, ps.passwordFromStdin(await ctx.readStdin('secret')));
  }

  const cluster = await ctx.cluster(opts.namespace);
  const ns = cluster.namespace;
  const dryRun = Boolean(opts.dryRun);
  // Check every service account before writing anything, so a bad --link leaves nothing half done.
  for (const sa of links) await ps.getServiceAccount(cluster, sa, ns);
  const desired = ps.secretObject(name, ns, config);
  const servers = Object.keys(config.auths).join(', ');
  const res = await ps.applySecret(cluster, desired, dryRun);
  const dry = dryRun ? '(dry run) would ' : '';
  if (res.action === 'none') ctx.log.info(`secret ${name} in ${ns} already holds these credentials (${servers}): nothing to change`);
  else ctx.log.success(`${dry}${dryRun ? res.action : res.action === 'create' ? 'Created' : 'Updated'} secret ${name} in ${ns} (${ps.DOCKERCONFIGJSON} for ${servers})`);
  const lines = [`secret/${name} ${res.action === 'create' ? 'created' : res.action === 'update' ? 'configured' : 'unchanged'}${dryRun ? ' (dry run)' : ''}`];
  const objects: Json[] = [ps.redacted(res.secret)];
  try {
    await linkEach(ctx, ps, { cluster, name, sas: links, fors, dryRun }, lines, objects);
  } catch (e) {
    // Never leave a secret this run created without its links: delete it again, or say what is left.
    const linked = lines.filter((l) => l.startsWith('serviceaccount/')).map((l) => l.split(' ')[0]);
    const sas = links.join(' ');
    throw await failedPartWay(e, {
      step: `linking secret ${name}`,
      left: `secret ${name} in ${ns} (${res.action === 'create' ? 'created' : res.action === 'update' ? 'updated' : 'unchanged'})${linked.length ? `, linked to ${linked.join(', ')}` : ''}, not linked to every one of ${sas}`,
      finish: `regctl pull-secret link ${name} ${sas}${fors ? ` --for ${fors.join(',')}` : ''} -n ${ns}`,
      undoCommand: `regctl pull-secret unlink ${name} ${sas} -n ${ns} && oc delete secret ${name} -n ${ns}`,
      undo: res.action === 'create' && !linked.length ? () => cluster.delete(R.secret, name, { namespace: ns }) : undefined,
    });
  }
  emit(ctx, format, lines, objects);
}

/** The ServiceAccount list a --for use lives in. */
const field = (f: LinkFor) => (f === 'pull' ? 'imagePullSecrets' : 'secrets');

function linkLine(ctx: Context, sa: string, secret: string, fors: LinkFor[], added: LinkFor[], dryRun: boolean): string {
  if (!added.length) {
    ctx.log.info(`serviceaccount ${sa} already links ${secret} for ${fors.join(' and ')}`);
    return `serviceaccount/${sa} unchanged`;
  }
  ctx.log.success(`${dryRun ? '(dry run) would link' : 'Linked'} ${secret} to serviceaccount ${sa} for ${added.join(' and ')} (${added.map(field).join(', ')})`);
  return `serviceaccount/${sa} linked${dryRun ? ' (dry run)' : ''}`;
}

/** NAME SA... of link and unlink, validated. */
function linkArgs(ps: typeof import('../cluster/pull-secret.js'), verb: 'link' | 'unlink', args: string[]): { name: string; sas: string[] } {
  const [name, ...sas] = args;
  if (!name || !sas.length) throw new UsageError('you must specify a secret and at least one service account', `regctl pull-secret ${verb} NAME default [builder] [--for pull|mount]`);
  ps.validateObjectName(name, 'secret');
  for (const sa of sas) ps.validateObjectName(sa, 'serviceaccount');
  return { name, sas };
}

export async function runLink(ctx: Context, args: string[], opts: LinkOptions): Promise<void> {
  const { name, sas } = linkArgs(ps, 'link', args);
  const format = outFormat(opts.output);
  const fors = ps.parseFor(opts.for);
  const cluster = await ctx.cluster(opts.namespace);
  const ns = cluster.namespace;
  if (!(await cluster.getOrNull(R.secret, name, ns))) {
    throw new NotFoundError(`secrets "${name}" not found in ${ns}`, { hint: `create it first: regctl pull-secret create ${name} … -n ${ns}` });
  }
  for (const sa of sas) await ps.getServiceAccount(cluster, sa, ns);
  const lines: string[] = [];
  const objects: Json[] = [];
  await linkEach(ctx, ps, { cluster, name, sas, fors, dryRun: Boolean(opts.dryRun) }, lines, objects);
  emit(ctx, format, lines, objects);
}

/** Links the secret to each service account (default --for per account), adding a line and the changed accounts. */
async function linkEach(
  ctx: Context,
  ps: typeof import('../cluster/pull-secret.js'),
  o: { cluster: Cluster; name: string; sas: string[]; fors: LinkFor[] | undefined; dryRun: boolean },
  lines: string[],
  objects: Json[],
): Promise<void> {
  for (const sa of o.sas) {
    const f = o.fors ?? ps.defaultFor(sa);
    const l = await ps.linkSecret(o.cluster, o.cluster.namespace, sa, o.name, f, o.dryRun);
    lines.push(linkLine(ctx, sa, o.name, f, l.added, o.dryRun));
    if (l.added.length) objects.push(l.sa);
  }
}

/** stdout: the changed objects as json|yaml, or the oc-style lines. */
function emit(ctx: Context, format: 'json' | 'yaml' | undefined, lines: string[], objects: Json[]): void {
  if (format) printObjects(ctx.io, format, objects, true);
  else ctx.io.stdout.write(lines.join('\n') + '\n');
}

function unlinkLine(ctx: Context, sa: string, secret: string, fors: LinkFor[], removed: LinkFor[], dryRun: boolean): string {
  if (!removed.length) {
    ctx.log.info(`serviceaccount ${sa} does not link ${secret} (${fors.map(field).join(', ')}): nothing to change`);
    return `serviceaccount/${sa} unchanged`;
  }
  ctx.log.success(`${dryRun ? '(dry run) would unlink' : 'Unlinked'} ${secret} from serviceaccount ${sa} for ${removed.join(' and ')} (${removed.map(field).join(', ')})`);
  return `serviceaccount/${sa} unlinked${dryRun ? ' (dry run)' : ''}`;
}

export async function runUnlink(ctx: Context, args: string[], opts: LinkOptions): Promise<void> {
  const { name, sas } = linkArgs(ps, 'unlink', args);
  const format = outFormat(opts.output);
  // oc secrets unlink removes the secret from both lists; --for narrows it to one.
  const fors = ps.parseFor(opts.for) ?? (['pull', 'mount'] as LinkFor[]);
  const dryRun = Boolean(opts.dryRun);
  const cluster = await ctx.cluster(opts.namespace);
  const ns = cluster.namespace;
  const hint = `see the service accounts of ${ns}: oc get serviceaccounts -n ${ns}`;
  for (const sa of sas) await ps.getServiceAccount(cluster, sa, ns, hint);
  if ((await ps.secretExists(cluster, name, ns)) === false) ctx.log.info(`secret ${name} does not exist in ${ns}: removing dangling references to it`);
  const lines: string[] = [];
  const objects: Json[] = [];
  for (const sa of sas) {
    const u = await ps.unlinkSecret(cluster, ns, sa, name, fors, dryRun, hint);
    lines.push(unlinkLine(ctx, sa, name, fors, u.removed, dryRun));
    if (u.removed.length) objects.push(u.sa);
  }
  emit(ctx, format, lines, objects);
}

/**
 * When the auth file's credHelpers routes --registry to docker-credential-<name>, its credentials live there
 * (as podman reads them): ask the helper. undefined when the file does not route the registry.
 */
async function helperCredentials(ctx: Context, text: string, file: string, registry: string): Promise<{ username: string; secret: string } | undefined> {
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    return undefined; // configFromAuthFile says what is wrong with the file
  }
  const routed = credentialHelperFor(content as Parameters<typeof credentialHelperFor>[0], registry);
  if (!routed) return undefined;
  const got = getCredentials(routed.helper, registry, { env: ctx.env, file, key: routed.key, debug: (l) => ctx.log.debug(l) });
  if (!got) {
    throw new UsageError(`${file} routes ${registry} to ${helperProgram(routed.helper)}, which has no credentials for it`, `log in first: regctl login --registry ${registry} --authfile ${file} (or podman login)`);
  }
  return got;
}
