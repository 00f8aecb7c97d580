import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { ApplyResult, SetEntry, TrustList, TrustChange } from '../cluster/trusted-ca.js';
import type { ServerChain } from '../registry/server-chain.js';
import type { CertSummary } from '../pki/pem.js';
import { requireConfirmation } from '../context.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { UsageError } from '../errors.js';
import { parseRegistryHost, validateConfigMapName } from '../pki/host.js';
import { caWarnings, parseCABundle } from '../pki/pem.js';
import { entriesFromDir, entriesFromPairs, rejectDuplicates } from '../pki/inputs.js';
import { applyTrust, listTrust, CONFIG_NAMESPACE } from '../cluster/trusted-ca.js';
import type { Cluster } from '../cluster/cluster.js';
import { R, NAMES } from '../cluster/resources.js';
import { acmOnlyRemoval, planMode, type PlanMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { target, type Plan, type Step } from '../plan/types.js';
import { fetchServerChain } from '../registry/server-chain.js';
import { LIST_FORMATS, CHANGE_FORMATS, type addSpec, type listSpec, type removeSpec } from './trust-ca.js';

type ChangeFormat = (typeof CHANGE_FORMATS)[number];

function changeFormat(opts: { output?: string }): ChangeFormat {
  return outputFormat(opts, CHANGE_FORMATS, 'text') as ChangeFormat;
}

type AddOptions = OptionsOf<typeof addSpec>;

const planOf = (name: string, steps: Step[]): Plan => ({ name: `trust-ca-${name}`, command: `regctl trust-ca ${name}`, steps, checks: [], warnings: [] });

/** Each write through the plan engine, one step at a time: applyTrust re-reads and re-plans on a conflict. */
const sender = (ctx: Context, cluster: Cluster, name: string, mode: PlanMode) => async (s: Step) => {
  await runPlan(ctx, cluster, planOf(name, [s]), mode, { quiet: true });
};

export async function runAdd(ctx: Context, hosts: string[], opts: AddOptions): Promise<number> {
  const format = changeFormat(opts);
  // -o text is the default; --render takes no other -o.
  const mode = planMode(opts, opts.output === 'text' ? undefined : opts.output);
  const dry = mode.dryRun !== 'none' || mode.render !== undefined;
  if (opts.configmap !== undefined) validateConfigMapName(opts.configmap);
  if (opts.yes && !opts.fromServer) throw new UsageError('--yes only applies to --from-server', 'drop --yes; CAs given with --ca or --from-dir need no confirmation');
  let entries: SetEntry[];
  let chain: ServerChain | undefined;
  if (opts.fromServer !== undefined) {
    if (hosts.length || opts.ca?.length || opts.fromDir) {
      throw new UsageError('--from-server cannot be combined with HOST --ca FILE or --from-dir', 'run one command per source');
    }
    ({ entries, chain } = await fromServer(ctx, opts, dry));
  } else {
    const now = ctx.now();
    const all = [...entriesFromPairs(hosts, opts.ca ?? [], now)];
    if (opts.fromDir !== undefined) {
      const d = entriesFromDir(opts.fromDir, now);
      for (const f of d.ignored) ctx.log.debug(`--from-dir: ignoring ${f} (not a HOST[:PORT].crt file)`);
      all.push(...d.entries);
    }
    if (!all.length) throw new UsageError('nothing to add', 'give HOST[:PORT] --ca FILE, --from-dir DIR or --from-server HOST[:PORT]');
    rejectDuplicates(all);
    for (const e of all) for (const w of caWarnings(e.bundle, `${e.source} for ${e.display}`)) ctx.log.warn(w);
    entries = all.map((e) => ({ key: e.key, display: e.display, pem: e.bundle.pem, certs: e.bundle.certs }));
  }

  const cluster = await ctx.cluster();
  const result = await ctx.spin(dry ? 'Planning' : 'Updating trusted CAs', () =>
    applyTrust(cluster, { set: entries, configMapName: opts.configmap }, {
      dryRun: dry,
      send: sender(ctx, cluster, 'add', mode),
      signal: ctx.signal,
      onRetry: (n, what) => ctx.log.debug(`conflict writing ${what} (attempt ${n}); reading again`),
    }),
  );
  if (dry) {
    if (!mode.render) for (const c of result.changes) ctx.log.info(changeLine(c, result, true));
    const steps = mode.render ? desiredSteps(result, entries) : result.steps;
    await runPlan(ctx, cluster, planOf('add', steps), mode, { format: format === 'text' ? undefined : format });
    return 0;
  }
  return report(ctx, format, result, false, entries, chain);
}

/**
 * --render: the trust as desired state for any cluster — the ConfigMap with the keys of this command (its other keys
 * are not regctl's) and image.config pointing at it, also when this cluster already has them.
 */
function desiredSteps(r: ApplyResult, entries: SetEntry[]): Step[] {
  const cm = target(R.configMap, r.configMapName, CONFIG_NAMESPACE);
  const data = Object.fromEntries(entries.map((e) => [e.key, e.pem]));
  const where = `ConfigMap ${CONFIG_NAMESPACE}/${r.configMapName}`;
  const keys = entries.map((e) => e.key).join(', ');
  const first: Step =
    r.configMapWrite === 'create'
      ? { action: 'create', target: cm, summary: `create ${where} (${keys})`, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: r.configMapName, namespace: CONFIG_NAMESPACE }, data } }
      : { action: 'patch', target: cm, summary: `patch ${where} (${keys})`, patchType: 'merge', patch: { data }, applyConfig: { data } };
  return [
    first,
    {
      action: 'patch',
      target: target(R.imageConfig, NAMES.cluster),
      summary: `patch image.config.openshift.io/cluster (spec.additionalTrustedCA.name: ${r.configMapName})`,
      patchType: 'merge',
      patch: { spec: { additionalTrustedCA: { name: r.configMapName } } },
    },
  ];
}

async function fromServer(ctx: Context, opts: AddOptions, dry: boolean): Promise<{ entries: SetEntry[]; chain: ServerChain }> {
  const target = parseRegistryHost(opts.fromServer!, '--from-server host');
  const chain = await ctx.spin(`Connecting to ${target.host}:${target.port ?? 443}`, () =>
    fetchServerChain(target.host, target.port ?? 443, { env: ctx.env, timeoutMs: ctx.requestTimeoutMs, signal: ctx.signal, now: ctx.now() }),
  );
  if (!chain.certs.length) throw new UsageError(`${target.display} presented no certificate`, 'check the host and port of the registry');
  const say = ctx.interactive && !opts.yes && !dry ? ctx.log.always : ctx.log.info;
  say(`Certificate chain presented by ${chain.host}:${chain.port}${chain.proxy ? ` (through proxy ${chain.proxy})` : ''}:`);
  chain.certs.forEach((c, i) => say(certLines(c, `  ${i}  `).join('\n')));
  say(chain.verified ? 'The chain verifies with the system CAs.' : `The chain does not verify with the system CAs: ${chain.verifyError}`);
  const top = chain.certs[chain.certs.length - 1]!;
  const bundle = parseCABundle(top.pem, 'server certificate', ctx.now());
  if (chain.unlinkedAt !== undefined) {
    ctx.log.warn(`certificate ${chain.unlinkedAt} of the chain is not signed by certificate ${chain.unlinkedAt + 1}: the server sends an out-of-order or mixed chain`);
  }
  if (!top.selfSigned) ctx.log.warn(`the server did not send its root CA; trusting the highest certificate it sent (${top.subject})`);
  for (const w of caWarnings(bundle, `certificate ${chain.certs.length - 1} from ${target.display}`)) ctx.log.warn(w);
  if (!dry) {
    await requireConfirmation(
      ctx,
      opts.yes,
      `Trust certificate ${chain.certs.length - 1} (${top.subject}, SHA-256 ${top.sha256}) for ${target.display} on every node of the cluster?`,
      `not trusting the certificate of ${target.display} without confirmation`,
    );
  }
  return { entries: [{ key: target.key, display: target.display, pem: bundle.pem, certs: bundle.certs }], chain };
}

export async function runRemove(ctx: Context, hosts: string[], opts: OptionsOf<typeof removeSpec>): Promise<number> {
  const format = changeFormat(opts);
  // Taking a key out of the ConfigMap: only ACM's mustonlyhave can say it.
  acmOnlyRemoval(opts.render, 'trust-ca remove');
  const mode = planMode(opts, opts.output === 'text' ? undefined : opts.output);
  const dry = mode.dryRun !== 'none' || mode.render !== undefined;
  const targets = hosts.map((h) => parseRegistryHost(h));
  rejectDuplicates(targets);
  const cluster = await ctx.cluster();
  const result = await ctx.spin(dry ? 'Planning' : 'Updating trusted CAs', () =>
    applyTrust(cluster, { remove: targets.map((t) => ({ key: t.key, display: t.display })) }, { dryRun: dry, send: sender(ctx, cluster, 'remove', mode), signal: ctx.signal }),
  );
  if (mode.render) {
    const steps = exactSteps(result);
    const kept = Object.keys({ ...result.configMap?.data, ...result.configMap?.binaryData }).sort();
    const warnings = steps.length ? [`the policy makes ConfigMap ${CONFIG_NAMESPACE}/${result.configMapName} hold exactly the CAs this cluster keeps (${kept.join(', ') || 'none'}): on another cluster it removes every other CA of a ConfigMap of that name too`] : [];
    await runPlan(ctx, cluster, { ...planOf('remove', steps), command: `regctl trust-ca remove ${hosts.join(' ')}`, warnings }, mode);
    return 0;
  }
  if (dry) {
    for (const c of result.changes) ctx.log.info(changeLine(c, result, true));
    await runPlan(ctx, cluster, planOf('remove', result.steps), mode, { format: format === 'text' ? undefined : format });
    return 0;
  }
  return report(ctx, format, result, false);
}

/**
 * --render acm-policy: the ConfigMap patch as a mustonlyhave of the ConfigMap — `data` (and `binaryData`) exactly the
 * keys left, which removes the others (config-policy-controller replaces a named map whole; its metadata stays). A map
 * left empty is not named: mustonlyhave then removes it, as the API server drops an empty one. image.config is not
 * written by a remove (its reference stays, also after the last CA), so nothing else is rendered.
 */
function exactSteps(r: ApplyResult): Step[] {
  return r.steps.map((s) => {
    if (s.action !== 'patch' || !r.configMap) return s;
    const { apiVersion: _v, kind: _k, metadata: _m, ...fields } = r.configMap;
    for (const m of ['data', 'binaryData']) if (fields[m] && !Object.keys(fields[m]).length) delete fields[m];
    return { ...s, exactly: fields };
  });
}

/** One schema for add/remove, dry run or not: documented in docs/commands/trust-ca.md. */
function report(ctx: Context, format: ChangeFormat, r: ApplyResult, dryRun: boolean, entries: SetEntry[] = [], chain?: ServerChain): number {
  const certsOf = new Map(entries.map((e) => [e.key, e.certs]));
  const data = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'TrustedCAChange',
    dryRun,
    written: r.written,
    attempts: r.attempts,
    namespace: r.namespace,
    configMapName: r.configMapName,
    configMapWrite: r.configMapWrite,
    imageConfigPatch: r.imageConfigPatch,
    changes: r.changes.map((c) => ({ ...c, ...(certsOf.has(c.key) ? { certificates: certsOf.get(c.key) } : {}) })),
    ...(chain ? { serverChain: { host: chain.host, port: chain.port, proxy: chain.proxy ?? null, verified: chain.verified, verifyError: chain.verifyError ?? null, certificates: chain.certs.map(({ pem: _pem, ...c }) => c) } } : {}),
    configMap: r.configMap,
  };
  const nothing = r.configMapWrite === 'none' && !r.imageConfigPatch;
  if (format !== 'text' || dryRun) print(ctx.io, format === 'json' ? 'json' : 'yaml', { data });
  if (format === 'text') for (const c of r.changes) ctx.log.info(changeLine(c, r, dryRun));
  const where = `${r.namespace}/${r.configMapName}`;
  if (dryRun) ctx.log.info(nothing ? `dry run: nothing would change in ${where}` : `dry run: nothing was changed (would ${r.configMapWrite === 'none' ? 'keep' : r.configMapWrite} ConfigMap ${where}${r.imageConfigPatch ? ' and patch image.config.openshift.io/cluster' : ''})`);
  else if (nothing) ctx.log.info(r.referencedBefore || r.configMap ? `nothing to change in ${where}` : 'nothing to change');
  else {
    if (r.configMapWrite !== 'none') ctx.log.success(`ConfigMap ${where} ${r.configMapWrite === 'create' ? 'created' : 'updated'}`);
    if (r.imageConfigPatch) ctx.log.success(`image.config.openshift.io/cluster spec.additionalTrustedCA.name set to ${r.configMapName}`);
    if (format === 'text') ctx.log.info('The operator copies the keys to openshift-image-registry/image-registry-certificates; node-ca installs them on every node.');
  }
  return 0;
}

function changeLine(c: TrustChange, r: ApplyResult, dryRun: boolean): string {
  const where = `${r.namespace}/${r.configMapName}`;
  const prev = c.previous?.[0] ? ` (was ${c.previous[0].subject}, ${c.previous[0].sha256.slice(0, 23)}…)` : '';
  switch (c.action) {
    case 'add':
      return `${c.host}: ${dryRun ? 'would add' : 'added'} key ${c.key} to ${where}`;
    case 'replace':
      return `${c.host}: ${dryRun ? 'would replace' : 'replaced'} the CA under key ${c.key}${prev}`;
    case 'unchanged':
      return `${c.host}: already trusted with the same certificate(s); ${dryRun ? 'would not be written' : 'not written'}`;
    case 'remove':
      return `${c.host}: ${dryRun ? 'would remove' : 'removed'} key ${c.key} from ${where}`;
    case 'absent':
      return r.referencedBefore
        ? `${c.host}: not in ${where}; nothing to remove`
        : `${c.host}: not trusted (image.config.openshift.io/cluster references no additionalTrustedCA ConfigMap); nothing to remove`;
  }
}

export async function runList(ctx: Context, _args: string[], opts: OptionsOf<typeof listSpec>): Promise<number> {
  const format = outputFormat(opts, LIST_FORMATS);
  const cluster = await ctx.cluster();
  const l: TrustList = await ctx.spin('Reading trusted CAs', () => listTrust(cluster, ctx.now()));
  type Row = { host: string; key: string; cert?: CertSummary; error?: string; synced: boolean | null; n: string };
  const rows: Row[] = l.items.flatMap((it): Row[] =>
    it.certificates.length
      ? it.certificates.map((cert, i) => ({ host: it.host, key: it.key, cert, synced: it.inRegistryCertificates, n: `${i + 1}/${it.certificates.length}` }))
      : [{ host: it.host, key: it.key, error: it.error, synced: it.inRegistryCertificates, n: '0' }],
  );
  const c = ctx.io.out;
  const state = (r: Row) => (r.error ? c.red(`invalid: ${r.error}`) : r.cert!.expired ? c.red('EXPIRED') : r.cert!.notYetValid ? c.yellow('not yet valid') : 'ok');
  if (!rows.length && (format === 'table' || format === 'wide')) {
    emptyNote(ctx, l);
    return 0;
  }
  print(ctx.io, format, {
    data: l,
    rows,
    columns: [
      { header: 'host', value: (r) => r.host },
      { header: 'key', value: (r) => r.key, wide: true },
      { header: 'cert', value: (r) => r.n, wide: true },
      { header: 'subject', value: (r) => r.cert?.subject ?? '' },
      { header: 'not after', value: (r) => r.cert?.notAfter.replace(/\.000Z$/, 'Z') ?? '' },
      { header: 'sha-256', value: (r) => (r.cert ? (format === 'wide' ? r.cert.sha256 : `${r.cert.sha256.slice(0, 23)}…`) : '') },
      { header: 'status', value: state },
      { header: 'in registry', value: (r) => (r.synced === null ? '?' : r.synced ? 'yes' : 'not yet'), wide: true },
    ],
  });
  if (l.configMap && !l.configMapFound) {
    ctx.log.warn(`image.config.openshift.io/cluster references ConfigMap ${l.namespace}/${l.configMap}, which does not exist: the operator cannot build its CA bundle`);
  }
  const expired = l.items.filter((i) => i.expired).map((i) => i.host);
  if (expired.length) ctx.log.warn(`expired CA for ${expired.join(', ')}`);
  return 0;
}

function emptyNote(ctx: Context, l: TrustList): void {
  if (!l.configMap) ctx.log.info('no additional trusted CAs: image.config.openshift.io/cluster references no additionalTrustedCA ConfigMap (add one with `regctl trust-ca add HOST --ca FILE`)');
  else if (l.configMapFound) ctx.log.info(`no additional trusted CAs: ConfigMap ${l.namespace}/${l.configMap} is empty`);
}

function certLines(c: CertSummary, prefix: string): string[] {
  const pad = ' '.repeat(prefix.length);
  return [
    `${prefix}subject:  ${c.subject}${c.isCA ? ' (CA)' : ''}`,
    `${pad}issuer:   ${c.issuer}`,
    `${pad}notAfter: ${c.notAfter}${c.expired ? ' (EXPIRED)' : ''}`,
    `${pad}sha256:   ${c.sha256}`,
  ];
}
