import { readTextFileCapped } from '../input/read.js';
import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import type { LinkFor } from '../cluster/pull-secret.js';
import { parseOutput, printObjects } from '../output/printer.js';
import { acmOnlyRemoval, planMode, type PlanMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import type { Plan, RenderFormat, Step } from '../plan/types.js';
import { retryOnConflict } from '../cluster/retry.js';
import { NotFoundError, UsageError } from '../errors.js';
import { failedPartWay } from '../cluster/partial.js';
import { R, type ResourceRef } from '../cluster/resources.js';
import { credentialHelperFor } from '../registry/authfile.js';
import { getCredentials, helperProgram } from '../registry/credential-helper.js';
import * as ps from '../cluster/pull-secret.js';
import type { createSpec, linkSpec, unlinkSpec } from './pull-secret.js';

function outFormat(v: string | undefined): 'json' | 'yaml' | undefined {
  return v === undefined ? undefined : (parseOutput(v, ['json', 'yaml']) as 'json' | 'yaml');
}

export async function runCreate(ctx: Context, args: string[], opts: OptionsOf<typeof createSpec>): Promise<void> {
  const [name] = args;
  if (!name) throw new UsageError('you must specify a name for the secret', 'regctl pull-secret create NAME --server S --username U --password-stdin');
  ps.validateObjectName(name, 'secret');
  const mode = planMode(opts, opts.output);
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
  const dryRun = mode.dryRun !== 'none';
  // Check every service account before writing anything, so a bad --link leaves nothing half done.
  for (const sa of links) await ps.getServiceAccount(cluster, sa, ns);
  const desired = ps.secretObject(name, ns, config);
  const servers = Object.keys(config.auths).join(', ');
  const planOf = (steps: Step[]): Plan => ({ name: planName('pull-secret', name, ns), command: `regctl pull-secret create ${name} -n ${ns}`, steps, checks: [], warnings: [] });
  if (mode.render) {
    // Desired state for any cluster: the whole Secret, and each account linking it.
    const sas = await linkSteps(ctx, cluster, name, links, fors, mode.render.format);
    await runPlan(ctx, cluster, { ...planOf([ps.secretCreateStep(desired), ...sas.map((x) => x.step)]), warnings: pullListNotes(sas, name, mode.render.format) }, mode);
    return;
  }
  const existing = await cluster.getOrNull(R.secret, name, ns);
  const res = ps.secretStep(existing, desired);
  const dry = dryRun ? '(dry run) would ' : '';
  if (res.action === 'none') ctx.log.info(`secret ${name} in ${ns} already holds these credentials (${servers}): nothing to change`);
  if (dryRun) {
    if (res.action !== 'none') ctx.log.success(`${dry}${res.action} secret ${name} in ${ns} (${ps.DOCKERCONFIGJSON} for ${servers})`);
    const sas = await linkSteps(ctx, cluster, name, links, fors);
    await runPlan(ctx, cluster, planOf([...(res.step ? [res.step] : []), ...sas.filter((x) => x.added.length).map((x) => x.step)]), mode, { format });
    return;
  }
  let written: Json = existing ?? desired;
  if (res.step) written = (await runPlan(ctx, cluster, planOf([res.step]), mode, { quiet: true })).results[0] ?? desired;
  if (res.action !== 'none') ctx.log.success(`${res.action === 'create' ? 'Created' : 'Updated'} secret ${name} in ${ns} (${ps.DOCKERCONFIGJSON} for ${servers})`);
  const lines = [`secret/${name} ${res.action === 'create' ? 'created' : res.action === 'update' ? 'configured' : 'unchanged'}`];
  const objects: Json[] = [ps.redacted(written)];
  try {
    await linkEach(ctx, { cluster, name, sas: links, fors, mode, plan: planOf }, lines, objects);
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

/** `pull-secret-NAME-NAMESPACE` in lower-case letters, digits and dashes, short enough for an ACM policy name. */
function planName(verb: string, name: string, ns: string): string {
  return `${verb}-${name}-${ns}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50).replace(/-+$/, '');
}

interface SaChange {
  sa: string;
  fors: LinkFor[];
  added: LinkFor[];
  step: Step;
  /** The account's imagePullSecrets names once linked, as on this cluster. */
  pull: string[];
}

/**
 * Each account's link as a step, from what the cluster holds now. `render`: a rendering, where every account is
 * desired state (also one that already links the secret here); for acm-policy only the entries regctl adds.
 */
async function linkSteps(ctx: Context, cluster: Cluster, secret: string, sas: string[], fors: LinkFor[] | undefined, render?: RenderFormat): Promise<SaChange[]> {
  const out: SaChange[] = [];
  for (const sa of sas) {
    const f = fors ?? ps.defaultFor(sa);
    const cur = await ps.getServiceAccount(cluster, sa, cluster.namespace);
    const l = ps.linkedServiceAccount(cur, secret, f);
    if (!render) linkLine(ctx, sa, secret, f, l.added, true);
    const step = ps.serviceAccountStep(cur, l.sa, render ? f : l.added, secret, 'link', render === 'acm-policy');
    out.push({ sa, fors: f, added: l.added, step, pull: ((l.sa.imagePullSecrets ?? []) as Array<{ name?: string }>).map((r) => String(r.name)) });
  }
  return out;
}

/**
 * What a rendered imagePullSecrets does elsewhere. The field is atomic (x-kubernetes-list-type: atomic), so an apply
 * carries this cluster's whole list and replaces another cluster's, whose own SA-dockercfg-XXXXX entry (a random name
 * per cluster) OpenShift then adds back. An ACM musthave template merges list items (config-policy-controller
 * mergeArrays): the policy lists only the secret and keeps each cluster's other entries.
 */
function pullListNotes(sas: SaChange[], secret: string, format: RenderFormat): string[] {
  const here = (x: SaChange) => x.pull.filter((n) => n.startsWith(ps.dockercfgPrefix(x.sa))).join(', ');
  // Before 4.16 the controller goes by name prefix (create_dockercfg_secrets.go): this cluster's entry in the list
  // counts as the account's own there, so the other cluster's is not added back.
  const elsewhere = (x: SaChange) =>
    here(x)
      ? ` and naming this cluster's ${here(x)}, a secret the other cluster does not have: OpenShift 4.16 and later adds its own entry back (a GitOps tool sees drift), 4.15 and older takes ${here(x)} for the account's own and does not, leaving its pods without their pull secret for the integrated registry`
      : " (OpenShift's controller adds it back, so a GitOps tool sees drift)";
  return sas
    .filter((x) => x.fors.includes('pull'))
    .map((x) =>
      format === 'acm-policy'
        ? `the policy adds ${secret} to ServiceAccount ${x.sa}'s imagePullSecrets and keeps the other entries each cluster has (a musthave template merges list items)`
        : `imagePullSecrets is one atomic list: the rendered ServiceAccount ${x.sa} carries its whole list as this cluster has it (${x.pull.join(', ')}); applying it on another cluster replaces that cluster's list, dropping its own ${x.sa}-dockercfg-… entry${elsewhere(x)}; --render acm-policy adds only ${secret} and leaves each cluster's other entries alone`,
    );
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

/**
 * `oc secrets link SA SECRET…` typed as regctl's `link SECRET SA…`: NAME is no secret but a service account, and every
 * other argument is a secret and no service account. A usage error naming the command in regctl's order, before any
 * write (otherwise the user is told to create a secret named like the service account).
 */
async function refuseOcOrder(cluster: Cluster, verb: 'link' | 'unlink', name: string, rest: string[], forFlag: string | undefined): Promise<void> {
  const ns = cluster.namespace;
  const exists = async (r: ResourceRef, n: string): Promise<boolean> => {
    try {
      return Boolean(await cluster.getOrNull(r, n, ns));
    } catch {
      return false; // unreadable: leave the error to the normal path
    }
  };
  if (!(await exists(R.serviceAccount, name))) return;
  for (const s of rest) if (!(await exists(R.secret, s)) || (await exists(R.serviceAccount, s))) return;
  const tail = `${forFlag ? ` --for ${forFlag}` : ''} -n ${ns}`;
  throw new UsageError(
    `"${name}" is a service account and ${rest.map((s) => `"${s}"`).join(', ')} ${rest.length > 1 ? 'are secrets' : 'a secret'} in ${ns}: regctl pull-secret ${verb} takes the secret first, then the service accounts (oc secrets ${verb} takes them the other way round)`,
    rest.map((s) => `\`regctl pull-secret ${verb} ${s} ${name}${tail}\``).join(', then '),
  );
}

/** NAME SA... of link and unlink, validated. */
function linkArgs(ps: typeof import('../cluster/pull-secret.js'), verb: 'link' | 'unlink', args: string[]): { name: string; sas: string[] } {
  const [name, ...sas] = args;
  if (!name || !sas.length) throw new UsageError('you must specify a secret and at least one service account', `regctl pull-secret ${verb} NAME default [builder] [--for pull|mount]`);
  ps.validateObjectName(name, 'secret');
  for (const sa of sas) ps.validateObjectName(sa, 'serviceaccount');
  return { name, sas };
}

export async function runLink(ctx: Context, args: string[], opts: OptionsOf<typeof linkSpec>): Promise<void> {
  const { name, sas } = linkArgs(ps, 'link', args);
  const mode = planMode(opts, opts.output);
  const format = outFormat(opts.output);
  const fors = ps.parseFor(opts.for);
  const cluster = await ctx.cluster(opts.namespace);
  const ns = cluster.namespace;
  if (!(await cluster.getOrNull(R.secret, name, ns))) {
    await refuseOcOrder(cluster, 'link', name, sas, opts.for);
    throw new NotFoundError(`secrets "${name}" not found in ${ns}`, { hint: `create it first: regctl pull-secret create ${name} … -n ${ns}` });
  }
  for (const sa of sas) await ps.getServiceAccount(cluster, sa, ns);
  const planOf = (steps: Step[]): Plan => ({ name: planName('pull-secret-link', name, ns), command: `regctl pull-secret link ${name} ${sas.join(' ')}${fors ? ` --for ${fors.join(',')}` : ''} -n ${ns}`, steps, checks: [], warnings: [] });
  if (mode.dryRun !== 'none' || mode.render) {
    const changes = await linkSteps(ctx, cluster, name, sas, fors, mode.render?.format);
    const warnings = mode.render ? [`the Secret ${name} is not part of this rendering: render it with \`regctl pull-secret create ${name} … --render\``, ...pullListNotes(changes, name, mode.render.format)] : [];
    await runPlan(ctx, cluster, { ...planOf(changes.filter((x) => mode.render || x.added.length).map((x) => x.step)), warnings }, mode, { format });
    return;
  }
  const lines: string[] = [];
  const objects: Json[] = [];
  await linkEach(ctx, { cluster, name, sas, fors, mode, plan: planOf }, lines, objects);
  emit(ctx, format, lines, objects);
}

/**
 * Links the secret to each service account (default --for per account), adding a line and the changed accounts.
 * Each account is read, planned and patched with its resourceVersion; a concurrent change (409) reads it again.
 */
async function linkEach(
  ctx: Context,
  o: { cluster: Cluster; name: string; sas: string[]; fors: LinkFor[] | undefined; mode: PlanMode; plan: (steps: Step[]) => Plan },
  lines: string[],
  objects: Json[],
): Promise<void> {
  for (const sa of o.sas) {
    const f = o.fors ?? ps.defaultFor(sa);
    const l = await retryOnConflict(async () => {
      const cur = await ps.getServiceAccount(o.cluster, sa, o.cluster.namespace);
      const next = ps.linkedServiceAccount(cur, o.name, f);
      if (!next.added.length) return next;
      const step = ps.serviceAccountStep(cur, next.sa, next.added, o.name, 'link');
      const res = await runPlan(ctx, o.cluster, o.plan([step]), o.mode, { quiet: true });
      return { sa: res.results[0] ?? next.sa, added: next.added };
    });
    lines.push(linkLine(ctx, sa, o.name, f, l.added, false));
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

export async function runUnlink(ctx: Context, args: string[], opts: OptionsOf<typeof unlinkSpec>): Promise<void> {
  const { name, sas } = linkArgs(ps, 'unlink', args);
  // Taking a reference out of a list: an apply cannot say it, and ACM's mustonlyhave (the only template that can)
  // names whole lists, which hold the controller's per-cluster <sa>-dockercfg-<random> secret.
  acmOnlyRemoval(opts.render, 'pull-secret unlink');
  const mode = planMode(opts, opts.output);
  if (mode.render) {
    throw new UsageError(
      "pull-secret unlink cannot be rendered as acm-policy: only a mustonlyhave template takes an entry out of a list, and it makes the service account's imagePullSecrets/secrets exactly the listed entries — which on any other cluster drops that cluster's own SA-dockercfg-XXXXX secret (a random name per cluster, added back by OpenShift's controller)",
      `run \`regctl pull-secret unlink ${name} ${sas.join(' ')}\` on each cluster (--contexts runs it on several)`,
    );
  }
  const format = outFormat(opts.output);
  // oc secrets unlink removes the secret from both lists; --for narrows it to one.
  const fors = ps.parseFor(opts.for) ?? (['pull', 'mount'] as LinkFor[]);
  const dryRun = mode.dryRun !== 'none';
  const cluster = await ctx.cluster(opts.namespace);
  const ns = cluster.namespace;
  const hint = `see the service accounts of ${ns}: oc get serviceaccounts -n ${ns}`;
  const secret = await ps.readSecret(cluster, name, ns);
  if (!secret) await refuseOcOrder(cluster, 'unlink', name, sas, opts.for);
  for (const sa of sas) {
    const account = await ps.getServiceAccount(cluster, sa, ns, hint);
    // openshift-controller-manager re-adds the account's own pull secret, or (before 4.16) makes a new one.
    const warning = ps.ownPullSecretWarning(account, ps.unlinkedServiceAccount(account, name, fors).sa, name, secret?.metadata?.annotations?.['openshift.io/token-secret.name']);
    if (warning) ctx.log.warn(warning);
  }
  if (secret === null) ctx.log.info(`secret ${name} does not exist in ${ns}: removing dangling references to it`);
  const planOf = (steps: Step[]): Plan => ({ name: planName('pull-secret-unlink', name, ns), command: `regctl pull-secret unlink ${name} ${sas.join(' ')} -n ${ns}`, steps, checks: [], warnings: [] });
  const unlinkOne = async (sa: string, send: boolean) => {
    const cur = await ps.getServiceAccount(cluster, sa, ns, hint);
    const next = ps.unlinkedServiceAccount(cur, name, fors);
    const step = next.removed.length ? ps.serviceAccountStep(cur, next.sa, next.removed, name, 'unlink') : undefined;
    if (!send || !step) return { ...next, step };
    const res = await runPlan(ctx, cluster, planOf([step]), mode, { quiet: true });
    return { sa: res.results[0] ?? next.sa, removed: next.removed, step };
  };
  if (dryRun) {
    const steps: Step[] = [];
    for (const sa of sas) {
      const u = await unlinkOne(sa, false);
      unlinkLine(ctx, sa, name, fors, u.removed, true);
      if (u.step) steps.push(u.step);
    }
    await runPlan(ctx, cluster, planOf(steps), mode, { format });
    return;
  }
  const lines: string[] = [];
  const objects: Json[] = [];
  for (const sa of sas) {
    const u = await retryOnConflict(() => unlinkOne(sa, true));
    lines.push(unlinkLine(ctx, sa, name, fors, u.removed, false));
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
