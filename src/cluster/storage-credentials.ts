// `regctl set-storage credentials PROVIDER`: replace only the keys of the user credentials secret
// (image-registry-private-configuration-user), never the Config, then follow the operator while it copies them
// into image-registry-private-configuration and rolls the registry (the Deployment's dependencies checksum
// changes with that secret: cluster-image-registry-operator pkg/resource/deployment.go, pkg/storage/*).
import { withDeadline } from './deadline.js';
import type { Context } from '../context.js';
import type { Cluster, Json } from './cluster.js';
import { CheckFailedError, TimeoutError, UsageError } from '../errors.js';
import { print } from '../output/printer.js';
import type { PlanMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import { stepsFromWrites } from '../plan/from-writes.js';
import { target, type Plan } from '../plan/types.js';
import type { OutputFormat } from '../output/printer.js';
import { R, NAMES } from './resources.js';
import { isApiError } from './api-error.js';
import { evaluate, readConfig, storageTypes, type Problem, type Write } from './registry-config.js';
import { MINTED_SECRET, USER_SECRET, credentialHint, planCredentials, redactWrite, type StorageType } from './storage.js';

export const PROVIDERS = ['s3', 'gcs', 'azure', 'swift', 'ibmcos'] as const;
export type Provider = (typeof PROVIDERS)[number];

const CHECKSUM = 'imageregistry.operator.openshift.io/dependencies-checksum';

export interface CredentialsOptions {
  /** --dry-run / --render (src/plan/mode.ts). */
  mode: PlanMode;
  wait: boolean;
  timeoutMs: number;
  format: OutputFormat;
}

export interface CredentialsPlan {
  writes: Write[];
  warnings: string[];
  problems: Problem[];
}

/**
 * Pure: the secret write for `credentials` on a Config that must already use `provider`. Throws UsageError (exit 2)
 * when the configured storage is another type or none.
 */
export function planRotation(provider: Provider, credentials: Record<string, string>, config: Json, userSecret: Json | null, mintedSecret: boolean): CredentialsPlan {
  const types = storageTypes(config.spec?.storage);
  if (types.length !== 1 || types[0] !== provider) {
    const now = types.length ? types.join(', ') : 'not configured';
    throw new UsageError(
      `the registry storage is ${now}, not ${provider}; nothing was changed`,
      types.length === 1 && PROVIDERS.includes(types[0] as Provider) ? `rotate its credentials with \`regctl set-storage credentials ${types[0]} …\`, or switch with \`regctl set-storage ${provider} …\`` : `configure ${provider} storage with \`regctl set-storage ${provider} …\``,
    );
  }
  const plan: CredentialsPlan = { writes: [], warnings: [], problems: [] };
  planCredentials({ type: provider as StorageType, fields: {}, credentials }, { userSecret, mintedSecret }, plan);
  return plan;
}

const checksumOf = (d: Json | null): string | undefined => d?.spec?.template?.metadata?.annotations?.[CHECKSUM];

/** The Deployment controller's DeploymentComplete: every replica updated and available, no old ones left. */
function rolledOut(d: Json): boolean {
  const want: number = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) >= want;
}

async function readDeployment(c: Cluster): Promise<Json | null> {
  return c.getOrNull(R.deployment, NAMES.deployment, NAMES.registryNamespace);
}

interface Before {
  checksum?: string;
  /** The operator's failure before the write: seen again, it is old news, not the verdict on the new keys. */
  failure?: string;
}

/**
 * Follows the operator until the registry runs on the new secret: the Deployment's pod template carries another
 * dependencies checksum, its rollout is complete, and the Config is Available and not progressing. A failure the
 * Config reported already before the write does not end the wait (the operator has not reacted yet).
 */
export async function waitForRollout(c: Cluster, before: Before, o: { timeoutMs: number; signal: AbortSignal; onProgress: (s: string) => void }): Promise<string> {
  const deadline = withDeadline(o.signal, o.timeoutMs);
  let last = '';
  let verdict: { ok: true; summary: string } | { ok: false; reason: string; message: string } | undefined;
  const report = (s: string) => {
    if (s !== last) o.onProgress(s);
    last = s;
  };
  try {
    await c.watch(R.registryConfig, { namespace: null, fieldSelector: `metadata.name=${NAMES.cluster}`, signal: deadline.signal }, async (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return false;
      const v = evaluate(ev.object, 0);
      if (v.state === 'failed' && `${v.reason}: ${v.message}` !== before.failure) {
        verdict = { ok: false, reason: v.reason, message: v.message };
        return true;
      }
      const d = await readDeployment(c);
      const sum = checksumOf(d);
      if (!d || sum === before.checksum) {
        report(`waiting for the operator to roll the registry (${v.summary})`);
        return false;
      }
      if (!rolledOut(d)) {
        report(`rolling out: ${d.status?.updatedReplicas ?? 0} of ${d.spec?.replicas ?? 1} pods updated, ${d.status?.availableReplicas ?? 0} available (${v.summary})`);
        return false;
      }
      report(v.summary);
      if (v.state !== 'ready') return false;
      verdict = { ok: true, summary: v.summary };
      return true;
    });
  } finally {
    deadline.dispose();
  }
  if (verdict?.ok) return verdict.summary;
  if (verdict) throw new CheckFailedError(`the operator reports ${verdict.reason}: ${verdict.message}`, { hint: 'check the credentials and run the command again; `regctl status` shows every condition' });
  if (deadline.timedOut()) throw new TimeoutError(`the registry did not roll out on the new credentials in time (${last || 'no status seen'})`, { hint: 'raise --timeout, or follow it with `regctl status --watch`' });
  throw new CheckFailedError('stopped waiting for the operator', { hint: 'follow it with `regctl status --watch`' });
}

function failureOf(config: Json): string | undefined {
  const v = evaluate(config, 0);
  return v.state === 'failed' ? `${v.reason}: ${v.message}` : undefined;
}

/** The whole command: pre-flight, server-side dry run, the one secret write, then (by default) the rollout. */
export async function rotateCredentials(ctx: Context, provider: Provider, credentials: Record<string, string> | undefined, o: CredentialsOptions): Promise<number> {
  if (!credentials || !Object.keys(credentials).length) throw new UsageError(`no new ${provider} credentials given`, credentialHint(provider as StorageType));
  const cluster = await ctx.cluster();
  const ns = NAMES.registryNamespace;
  const { plan, config, deployment } = await ctx.spin('Running pre-flight checks', async () => {
    const config = await readConfig(cluster);
    const [userSecret, minted, deployment] = await Promise.all([
      cluster.getOrNull(R.secret, USER_SECRET, ns),
      cluster.get(R.secret, MINTED_SECRET, ns).then(
        () => true,
        (e) => {
          if (isApiError(e, 404) || isApiError(e, 403)) return false;
          throw e;
        },
      ),
      readDeployment(cluster),
    ]);
    return { plan: planRotation(provider, credentials, config, userSecret, minted), config, deployment };
  });
  if (plan.problems.length) {
    const p = plan.problems[0]!;
    throw new UsageError(`${p.message}; nothing was changed`, p.hint);
  }
  const thePlan: Plan = {
    name: `set-storage-credentials-${provider}`,
    command: `regctl set-storage credentials ${provider}`,
    steps: stepsFromWrites(plan.writes),
    checks: o.wait ? [{ name: 'registry rolled onto the new credentials', how: `the Deployment ${NAMES.registryNamespace}/${NAMES.deployment} rolled out with a new dependencies checksum and the operator Available (--no-wait skips it)` }] : [],
    warnings: plan.warnings,
  };
  // Rendered, the secret's keys are desired state for other clusters too: every key given, also those this cluster has.
  if (o.mode.render) {
    const data = Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
    thePlan.steps = [{ action: 'patch', target: target(R.secret, USER_SECRET, ns), summary: `patch Secret ${ns}/${USER_SECRET} (keys ${Object.keys(credentials).sort().join(', ')})`, patchType: 'merge', patch: { data } }];
  }
  if (o.mode.render || o.mode.dryRun !== 'none') {
    await runPlan(ctx, cluster, thePlan, o.mode, { format: o.format });
    return 0;
  }
  for (const w of plan.warnings) ctx.log.warn(w);
  const redacted = plan.writes.map(redactWrite);
  const result: Json = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'StorageCredentialsChange',
    dryRun: false,
    changed: plan.writes.length > 0,
    provider,
    keys: Object.keys(credentials).sort(),
    writes: redacted.map(({ summary: _s, ...w }) => w),
    warnings: plan.warnings,
  };
  const before: Before = { checksum: checksumOf(deployment), failure: failureOf(config) };
  // Server-side dry run of the write first (precheck): admission, RBAC and validation answer before anything changes.
  await runPlan(ctx, cluster, thePlan, o.mode, { precheck: true, warned: true });
  const mgmt = config.spec?.managementState;
  if (!plan.writes.length) ctx.log.info(`Nothing to change: the ${provider} credentials are already these`);
  else if (mgmt !== 'Managed' && mgmt !== 'Force') ctx.log.warn(`the operator is ${mgmt ?? 'not managing the registry'}: it does not roll the registry, whose pods keep the old credentials until they restart`);
  else if (!o.wait) ctx.log.info('The operator now rolls the registry onto the new credentials; follow it with `regctl status --watch`');
  else {
    const summary = await waitForRollout(cluster, before, { timeoutMs: o.timeoutMs, signal: ctx.signal, onProgress: (s) => ctx.log.info(`operator: ${s}`) });
    result.operator = { state: 'Available', summary };
    ctx.log.success(`The registry runs on the new ${provider} credentials`);
  }
  if (o.format !== 'table') print(ctx.io, o.format, { data: result });
  return 0;
}
