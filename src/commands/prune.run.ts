import type { Context } from '../context.js';
import { outputFormat } from './common.js';
import { requireConfirmation } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { applySpec, planSpec } from './prune.js';
import { parseDuration } from '../output/format.js';
import { print } from '../output/printer.js';
import { AuthError, CheckFailedError, TimeoutError, UsageError } from '../errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { validateAccessOptions } from '../registry/access.js';
import { decide, type PruneOptions } from '../prune/decide.js';
import { loadInventory } from '../prune/load.js';
import { buildPlan, bytes, summaryLines, type PrunePlan } from '../prune/plan.js';
import { applyPrune, type ApplyStats } from '../prune/apply.js';
import { PRUNER_BINDING, leftOverBinding, leftOverReadOnly, letRegistryPrune, registryServiceAccount, removePrunerBinding, restoreReadOnly, runRegistryPrune, setReadOnly, waitReadOnlyPod, waitReadWrite, type GcResult } from '../prune/hard.js';
import type { Column } from '../output/table.js';

type DecideFlags = { keepTagRevisions?: string; keepYoungerThan?: string; all?: boolean; ignoreInvalidRefs?: boolean };

function pruneOptions(o: DecideFlags): PruneOptions & { keepYoungerThan: string; ignoreInvalidRefs: boolean } {
  const rev = o.keepTagRevisions ?? '3';
  if (!/^\d+$/.test(rev)) throw new UsageError(`--keep-tag-revisions must be a whole number ≥ 0, not "${rev}"`, 'e.g. --keep-tag-revisions 3');
  const kyt = o.keepYoungerThan ?? '60m';
  const ms = parseDuration(kyt);
  if (ms === undefined) throw new UsageError(`invalid --keep-younger-than "${kyt}"`, 'give a duration such as 60m, 24h or 7d (0 keeps nothing for its age)');
  return { keepTagRevisions: Number(rev), keepYoungerThanMs: ms, keepYoungerThan: kyt, all: o.all !== false, ignoreInvalidRefs: Boolean(o.ignoreInvalidRefs), now: Date.now() };
}

/** A readOnly an interrupted hard prune left on: restored (apply) or pointed out (plan). */
async function leftOver(ctx: Context, c: Cluster, restore: boolean): Promise<void> {
  if (await leftOverBinding(c)) {
    if (restore) {
      await removePrunerBinding(c);
      ctx.log.warn(`removed ClusterRoleBinding ${PRUNER_BINDING}: an interrupted \`regctl prune apply --hard\` had left the registry's service account with system:image-pruner`);
    } else ctx.log.warn(`ClusterRoleBinding ${PRUNER_BINDING} is left from an interrupted \`regctl prune apply --hard\`; \`regctl prune apply\` removes it`);
  }
  const left = await leftOverReadOnly(c);
  if (!left) return;
  if (!restore) {
    ctx.log.warn(`the registry is still read-only since ${left.since}: an interrupted \`regctl prune apply --hard\` set it; \`regctl prune apply\` restores it`);
    return;
  }
  await restoreReadOnly(c);
  ctx.log.warn(`restored the registry to read-write (spec.readOnly=false): an interrupted \`regctl prune apply --hard\` had left it read-only since ${left.since}`);
}

async function computePlan(ctx: Context, c: Cluster, po: ReturnType<typeof pruneOptions>) {
  const inv = await ctx.spin('Reading images, image streams and workloads', (s) =>
    loadInventory(c, { keepYoungerThanMs: po.keepYoungerThanMs, now: po.now, signal: ctx.signal, progress: (w) => s.update(`Reading the cluster: ${w}`) }),
  );
  if (inv.usage.invalid.length && !po.ignoreInvalidRefs) {
    const first = inv.usage.invalid[0]!;
    const more = inv.usage.invalid.length > 1 ? ` (and ${inv.usage.invalid.length - 1} more)` : '';
    throw new CheckFailedError(`invalid image reference in ${first.referrer} ${first.where}: "${first.reference}": ${first.error}${more}; nothing was changed`, {
      hint: 'fix the reference, or pass --ignore-invalid-refs (the images it meant may then be pruned although in use)',
    });
  }
  for (const x of inv.usage.invalid.slice(0, 5)) ctx.log.warn(`ignored the invalid image reference in ${x.referrer} ${x.where}: "${x.reference}": ${x.error}`);
  if (inv.usage.invalid.length > 5) ctx.log.warn(`… and ${inv.usage.invalid.length - 5} more invalid image references (all in the plan's invalidReferences)`);
  for (const k of inv.skippedKinds) ctx.log.debug(`${k}s are not served by this cluster: skipped`);
  const decisions = decide(inv, po);
  return { inv, decisions, plan: buildPlan(inv, decisions, po) };
}

const short = (d: string) => (d.startsWith('sha256:') ? d.slice(0, 19) : d);

function renderPlan(ctx: Context, plan: PrunePlan, format: string): void {
  type Row = PrunePlan['images'][number];
  const columns: Column<Row>[] = [
    { header: 'IMAGE', value: (r) => (format === 'wide' ? r.name : short(r.name)) },
    { header: 'DECISION', value: (r) => r.decision },
    { header: 'REASON', value: (r) => r.reason },
    { header: 'SIZE', value: (r) => bytes(r.size) },
    { header: 'CREATED', value: (r) => r.created ?? '' },
    { header: 'DETAIL', value: (r) => r.detail ?? '' },
  ];
  print(ctx.io, format as 'table', {
    kind: 'PrunePlan',
    data: plan,
    rows: plan.images,
    columns,
  });
  if (format === 'table' || format === 'wide') ctx.io.stdout.write('\n' + summaryLines(plan).join('\n') + '\n');
}

export async function runPlan(ctx: Context, _args: string[], o: OptionsOf<typeof planSpec>): Promise<void> {
  const format = outputFormat(o, ['table', 'wide', 'json', 'yaml']);
  const po = pruneOptions(o);
  const c = await ctx.cluster();
  await leftOver(ctx, c, false);
  const { plan } = await computePlan(ctx, c, po);
  renderPlan(ctx, plan, format);
}

export interface PruneResult {
  applied: Omit<ApplyStats, 'warnings' | 'stoppedAt'> & { complete: boolean };
  predicted: { blobs: number; bytesFreed: number };
  hard?: { blobs: number; freed: string; restoredReadOnly: boolean };
}

export async function runApply(ctx: Context, _args: string[], o: OptionsOf<typeof applySpec>): Promise<number | void> {
  const format = outputFormat(o, ['table', 'json', 'yaml']);
  const po = pruneOptions(o);
  validateAccessOptions(o);
  let maxDelete = Number.MAX_SAFE_INTEGER;
  if (o.maxDelete !== undefined) {
    if (!/^[1-9]\d*$/.test(o.maxDelete)) throw new UsageError(`--max-delete must be a whole number ≥ 1, not "${o.maxDelete}"`, 'e.g. --max-delete 500');
    maxDelete = Number(o.maxDelete);
  }
  const timeoutMs = parseDuration(o.timeout ?? '10m');
  if (!timeoutMs) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'give a duration such as 10m');
  const c = await ctx.cluster();
  if (!o.dryRun) await leftOver(ctx, c, true);
  else await leftOver(ctx, c, false);
  const { inv, decisions, plan } = await computePlan(ctx, c, po);
  if (o.dryRun) return renderPlan(ctx, plan, format);

  const work = plan.summary.historyEntries + plan.summary.prune;
  await preflight(c, Boolean(work), Boolean(o.hard));
  if (!work && !o.hard) {
    ctx.log.info('nothing to prune');
  } else if (work) {
    await requireConfirmation(ctx, o.yes, `Prune ${plan.summary.prune} images and ${plan.summary.historyEntries} tag history entries?`, `refusing to prune ${plan.summary.prune} images without confirmation`);
  } else {
    await requireConfirmation(ctx, o.yes, 'Run the registry garbage collection (the registry is read-only meanwhile)?', 'refusing to run a hard prune without confirmation');
  }

  let stats: ApplyStats = { historyEntries: 0, imageStreams: 0, layerLinks: 0, manifestLinks: 0, images: 0, alreadyGone: 0, warnings: [] };
  if (work) {
    const session = await ctx.registry(o);
    // As the user the pre-flight checked (the kubeconfig's), not with a token podman holds for the host (auth.json):
    // another user's login there would be refused the deletes, which need cluster-wide `delete images`.
    const client = (session.credentials === 'auth.json' ? await session.withClusterToken() : undefined) ?? session.client;
    const del = async (path: string) => (await client.get(path, { method: 'DELETE', signal: ctx.signal })).status;
    stats = await applyPrune(c, del, inv, decisions, po, { maxDelete, signal: ctx.signal, progress: (l) => ctx.log.debug(l) });
    for (const w of stats.warnings) ctx.log.warn(w);
  }

  let hard: PruneResult['hard'];
  if (o.hard) {
    const gc: GcResult & { restored: boolean } = await hardPrune(ctx, c, timeoutMs);
    hard = { blobs: gc.blobs, freed: gc.freed, restoredReadOnly: gc.restored };
  }

  const { warnings: _w, stoppedAt, ...counts } = stats;
  const result: PruneResult = { applied: { ...counts, complete: stoppedAt === undefined }, predicted: { blobs: plan.summary.blobs, bytesFreed: plan.summary.bytesFreed }, ...(hard ? { hard } : {}) };
  print(ctx.io, format, {
    kind: 'PruneResult',
    data: result,
    human: () =>
      [
        `removed ${stats.historyEntries} tag history entries from ${stats.imageStreams} image streams`,
        `deleted ${stats.layerLinks} layer links and ${stats.manifestLinks} manifest links`,
        `deleted ${stats.images} images${stats.alreadyGone ? `; ${stats.alreadyGone} registry links or images were already gone` : ''}`,
        hard ? `hard prune: deleted ${hard.blobs} blobs, freed ${hard.freed} (predicted ${bytes(plan.summary.bytesFreed)})` : `a hard prune (--hard) would free ${bytes(plan.summary.bytesFreed)} in ${plan.summary.blobs} blobs`,
        ...(stoppedAt !== undefined ? [`stopped after ${stoppedAt} deletions (--max-delete): run again to continue`] : []),
      ].join('\n') + '\n',
  });
}

/** readOnly on (marked), the registry's pruner in a read-only pod, readOnly off — in a finally, so Ctrl-C restores it too. */
async function hardPrune(ctx: Context, c: Cluster, timeoutMs: number): Promise<GcResult & { restored: boolean }> {
  const set = await setReadOnly(c, new Date());
  if (set) ctx.log.info('registry set read-only (spec.readOnly=true) for the hard prune');
  else ctx.log.info('the registry is read-only already; it stays so');
  let bound = false;
  try {
    const sa = await registryServiceAccount(c);
    bound = await letRegistryPrune(c, sa);
    if (bound) ctx.log.info(`bound system:image-pruner to the registry's service account ${sa} for the prune (ClusterRoleBinding ${PRUNER_BINDING})`);
    const pod = await ctx.spin('Waiting for the read-only registry to roll out', (s) => waitReadOnlyPod(c, { timeoutMs, signal: ctx.signal, progress: (t) => s.update(t) }));
    ctx.log.info(`running /usr/bin/dockerregistry -prune=delete in ${pod}`);
    const gc = await ctx.spin('Running the registry garbage collection', () => runRegistryPrune(c, pod, ctx.signal));
    return { ...gc, restored: set };
  } finally {
    if (bound) {
      await removePrunerBinding(c);
      ctx.log.info(`removed ClusterRoleBinding ${PRUNER_BINDING}`);
    }
    if (set) {
      await restoreReadOnly(c);
      ctx.log.info('registry set read-write again (spec.readOnly=false)');
      if (!ctx.signal.aborted) {
        await ctx
          .spin('Waiting for the registry to roll out read-write', () => waitReadWrite(c, { timeoutMs, signal: ctx.signal }))
          .catch((e: unknown) => (e instanceof TimeoutError ? ctx.log.warn(e.message) : Promise.reject(e)));
      }
    }
  }
}

/** Every permission the run needs, checked before the first change (no half-done prune for want of a right). */
async function preflight(c: Cluster, work: boolean, hard: boolean): Promise<void> {
  const checks: Array<{ what: string; check: Parameters<Cluster['can']>[0] }> = [];
  if (work) {
    checks.push({ what: 'delete images (cluster-wide; also what the registry asks for its link deletes)', check: { verb: 'delete', group: 'image.openshift.io', resource: 'images' } });
    checks.push({ what: 'update imagestreams/status in every project', check: { verb: 'update', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'status' } });
  }
  if (hard) {
    checks.push({ what: 'patch configs.imageregistry.operator.openshift.io/cluster', check: { verb: 'patch', group: 'imageregistry.operator.openshift.io', resource: 'configs', name: 'cluster' } });
    checks.push({ what: 'get pods/exec in openshift-image-registry', check: { verb: 'get', group: '', resource: 'pods', subresource: 'exec', namespace: 'openshift-image-registry' } });
    checks.push({ what: 'create and delete clusterrolebindings (system:image-pruner for the registry, during the prune)', check: { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' } });
    checks.push({ what: 'create subjectaccessreviews', check: { verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' } });
  }
  const denied: string[] = [];
  for (const x of checks) if (!(await c.can(x.check)).allowed) denied.push(x.what);
  if (denied.length) {
    throw new AuthError(`you may not ${denied.join(', nor ')}; nothing was changed`, {
      hint: 'a cluster admin can give you the pruner role (`regctl grant pruner USER`, ClusterRole system:image-pruner)' + (hard ? '; --hard also needs cluster-admin rights on the registry config and pods/exec' : ''),
    });
  }
}
