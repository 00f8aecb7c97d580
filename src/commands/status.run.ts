import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { RegistryStatus, Condition } from '../cluster/status.js';
import { outputFormat } from './common.js';
import { print, printStreamItem, type OutputFormat } from '../output/printer.js';
import { renderTable } from '../output/table.js';
import { age, parseDuration } from '../output/format.js';
import { AuthError, CheckFailedError, ErrorAfterOutput, EXIT, NotFoundError, UsageError } from '../errors.js';
import type { IO } from '../output/io.js';
import { collectStatus } from '../cluster/status.js';
import { prunerFailureFix, prunerSyncFix } from '../cluster/pruner.js';
import { R } from '../cluster/resources.js';
import { FORMATS, type spec } from './status.js';

export async function run(ctx: Context, _args: string[], opts: OptionsOf<typeof spec>): Promise<number> {
  const format = outputFormat(opts, FORMATS);
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    timeoutMs = parseDuration(opts.timeout);
    if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${opts.timeout}"`, 'use a duration such as 90s or 5m');
  }
  if (opts.bundle !== undefined) {
    if (opts.watch) throw new UsageError('--bundle cannot be combined with --watch', 'write the bundle first: `regctl status --bundle FILE.tar.gz`');
    const b = await import('../doctor/bundle.js');
    b.validateBundlePath(opts.bundle);
    const r = await ctx.spin('Collecting the support bundle', () => b.writeBundle(ctx, opts.bundle!));
    ctx.log.info(`Wrote the support bundle ${r.file} (${r.files.length} files, secrets redacted).`);
    if (!r.status) throw r.statusError;
    return render(ctx, format, r.status);
  }
  const cluster = await ctx.cluster();
  const read = () => ctx.spin('Reading registry status', () => collectStatus(cluster));
  if (!opts.watch) {
    const s = await read();
    return render(ctx, format, s);
  }
  return watchLoop(ctx, format, read, timeoutMs);
}

function render(ctx: Context, format: OutputFormat, s: RegistryStatus, quietExit = false): number {
  const notServed = ['config', 'clusterOperator', 'imageConfig'].every((k) => s.unavailable[k]?.notServed);
  if (notServed) {
    throw new NotFoundError('the cluster does not serve the OpenShift image registry APIs: it does not look like OpenShift', {
      hint: 'point --kubeconfig/--context at an OpenShift cluster',
    });
  }
  const forbidden = Object.entries(s.unavailable).filter(([, v]) => v.reason === 'Forbidden');
  if (forbidden.length === 8) {
    // A service account (a pod's): the grant that lets it read the status, in the form `regctl grant` takes.
    const sa = /User "system:serviceaccount:([^:"]+):([^:"]+)"/.exec(s.unavailable.config?.message ?? '');
    throw new AuthError(`forbidden: you may not read any part of the registry status (${s.unavailable.config?.message})`, {
      hint: sa
        ? `ask a cluster admin for \`regctl grant reader -z ${sa[2]} -n ${sa[1]}\` (or cluster-reader), or check with \`kubectl auth can-i get configs.imageregistry.operator.openshift.io --as system:serviceaccount:${sa[1]}:${sa[2]}\``
        : 'ask a cluster admin for cluster-reader, or check with `kubectl auth can-i get configs.imageregistry.operator.openshift.io`',
    });
  }
  print(ctx.io, format, { data: s, human: () => human(ctx.io, s, format === 'wide') });
  for (const [name, v] of forbidden) ctx.log.warn(`${name}: ${v.message}`);
  if (quietExit) return EXIT.ok;
  return verdict(ctx, s);
}

/** 0 when Available and not Degraded; otherwise the reason and the fix (exit 3), rendered by src/cli.ts after the output. */
function verdict(ctx: Context, s: RegistryStatus): number {
  const h = s.health;
  if (h.available === null && h.degraded === null) {
    throw new ErrorAfterOutput('cannot tell whether the registry is healthy: its conditions are not readable', { exitCode: EXIT.auth });
  }
  if (h.available && !h.degraded && s.config?.managementState !== 'Removed') return EXIT.ok;
  const err = unhealthy(s);
  throw new ErrorAfterOutput(err.message, { hint: err.hint, exitCode: EXIT.checkFailed });
}

export function unhealthy(s: RegistryStatus): CheckFailedError {
  const h = s.health;
  const firstLine = (m: string) => m.split('\n')[0] ?? '';
  if (s.config?.managementState === 'Removed') {
    // Storage still configured (Removed keeps spec.storage): managing it again is enough, as doctor's fix says.
    const storage = s.config.storage.types;
    return new CheckFailedError('the registry is not installed: managementState is Removed', {
      hint: storage.length
        ? `manage it again on its ${storage.join('/')} storage: \`regctl config set managementState=Managed\``
        : 'give it storage and manage it: `regctl set-storage pvc` (or s3/gcs/azure/swift/ibmcos), which also sets managementState Managed',
    });
  }
  if (h.reason === 'StorageNotConfigured' || /storage backend not configured/.test(h.message)) {
    return new CheckFailedError('the registry has no storage configured', { hint: 'configure it: `regctl set-storage pvc` or `regctl set-storage s3 --bucket B --region R`' });
  }
  const what = h.degraded ? 'degraded' : 'not available';
  return new CheckFailedError(`the registry is ${what}: ${h.reason}${h.message ? `: ${firstLine(h.message)}` : ''}`, {
    hint: conditionFix(s) ?? fixFor(h.message) ?? 'see the conditions above; `regctl logs --operator` shows what the operator is doing',
  });
}

const podReady = (p: RegistryStatus['pods'][number]) => {
  const [ready, total] = p.ready.split('/');
  return ready === total && p.status === 'Running';
};

/** The fix for what the sub-controllers and the deployment controller report (d.2: Degraded, NodeCADaemon*, certificates). */
export function conditionFix(s: RegistryStatus): string | undefined {
  const { reason, message } = s.health;
  const ns = 'openshift-image-registry';
  if (/ProgressDeadlineExceeded/.test(reason)) {
    const stuck = s.pods.find((p) => /^image-registry-[a-z0-9]+-[a-z0-9]{5}$/.test(p.name) && !podReady(p));
    const describe = stuck ? `\`kubectl describe pod ${stuck.name} -n ${ns}\`` : `\`kubectl describe pods -n ${ns} -l docker-registry=default\``;
    if (s.config?.storage.types.includes('pvc') && s.config.rolloutStrategy === 'RollingUpdate') {
      return `the new registry pod cannot start while the old one holds a ReadWriteOnce claim on another node (Multi-Attach; ${describe} shows it): \`regctl config set rolloutStrategy=Recreate\``;
    }
    return `the new registry pods do not become ready: ${describe} shows why`;
  }
  const missing = /configmap "([^"]+)" not found/.exec(message);
  if (/ImageRegistryCertificatesController/.test(reason) && missing) {
    return `image.config.openshift.io/cluster spec.additionalTrustedCA names ConfigMap "${missing[1]}", which is not in openshift-config: create it with \`regctl trust-ca add HOST[:PORT] --ca FILE\`, or drop the reference`;
  }
  // The image pruner (cluster/pruner.ts): a failed last Job, or a CronJob the API server refuses.
  if (/ImagePrunerJobFailed/.test(reason)) return prunerFailureFix();
  if (/ImagePrunerSyncError/.test(reason)) return prunerSyncFix(message);
  if (/NodeCADaemon/.test(reason)) {
    const bad = s.pods.find((p) => p.name.startsWith('node-ca-') && !podReady(p));
    if (!bad) return `\`kubectl get daemonset node-ca -n ${ns}\` shows what the node-ca pods are waiting for`;
    return bad.status === 'CrashLoopBackOff' || bad.restarts > 0
      ? `node-ca pod ${bad.name} is ${bad.status}: \`regctl logs --pod ${bad.name} --previous\``
      : `node-ca pod ${bad.name} is ${bad.status}: \`kubectl describe pod ${bad.name} -n ${ns}\``;
  }
  return undefined;
}

/** The regctl command that fixes a known operator error message. */
export function fixFor(message: string): string | undefined {
  const key = /does not contain required key "REGISTRY_STORAGE_([A-Z0-9]+)_/.exec(message);
  if (key) {
    const type = key[1]!.toLowerCase();
    return `store the ${type} credentials in image-registry-private-configuration-user: \`regctl set-storage credentials ${type} …\` (see \`regctl set-storage credentials ${type} --help\`)`;
  }
  if (/installer-cloud-credentials/.test(message)) return 'provide storage credentials: `regctl set-storage <type> …` writes them to image-registry-private-configuration-user';
  if (/ReadWriteOnce/.test(message)) return 'a ReadWriteOnce claim needs one replica and Recreate: `regctl config set replicas=1 rolloutStrategy=Recreate` (or use ReadWriteMany)';
  if (/exactly one storage type/.test(message)) return 'configure exactly one storage type: `regctl set-storage <type> …` replaces spec.storage';
  if (/storage backend not configured/.test(message)) return 'configure storage: `regctl set-storage pvc` or `regctl set-storage s3 --bucket B --region R`';
  if (/duplication of names/.test(message)) return 'remove the duplicate or `default-route`-named entry from spec.routes: `regctl expose --remove --route NAME`';
  return undefined;
}

async function watchLoop(ctx: Context, format: OutputFormat, read: () => Promise<RegistryStatus>, timeoutMs?: number): Promise<number> {
  const cluster = await ctx.cluster();
  const ac = new AbortController();
  const stop = () => ac.abort();
  ctx.signal.addEventListener('abort', stop);
  const timer = timeoutMs ? setTimeout(stop, timeoutMs) : undefined;
  let last = '';
  let pending: Promise<void> = Promise.resolve();
  const rerender = () => {
    pending = pending.then(async () => {
      if (ac.signal.aborted) return;
      const s = await read();
      const key = JSON.stringify({ ...s, pods: s.pods.map((p) => ({ ...p, createdAt: undefined })) });
      if (key === last) return;
      last = key;
      if (ctx.io.stdoutTTY && format !== 'json' && format !== 'yaml') ctx.io.stdout.write('\x1b[2J\x1b[H');
      if (format === 'json' || format === 'yaml') printStreamItem(ctx.io, format, s);
      else render(ctx, format, s, true);
    });
    return pending;
  };
  try {
    await rerender();
    const ns = 'openshift-image-registry';
    const watch = (ref: Parameters<typeof cluster.watch>[0], o: { namespace?: string | null; fieldSelector?: string }) =>
      cluster.watch(ref, { ...o, signal: ac.signal }, () => void rerender()).catch((e) => {
        if (!ac.signal.aborted) ctx.log.debug(`watch ${ref.resource} ended: ${(e as Error).message}`);
      });
    await Promise.all([
      watch(R.registryConfig, { namespace: null, fieldSelector: 'metadata.name=cluster' }),
      watch(R.clusterOperator, { namespace: null, fieldSelector: 'metadata.name=image-registry' }),
      watch(R.deployment, { namespace: ns }),
      watch(R.pod, { namespace: ns }),
      watch(R.route, { namespace: ns }),
    ]);
    await pending;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
  }
  if (ctx.signal.aborted) return EXIT.interrupted;
  return EXIT.ok;
}

function human(io: IO, s: RegistryStatus, wide: boolean): string {
  const c = io.out;
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${c.bold(k.padEnd(16))}${v}`);
  const h = s.health;
  const healthWord = h.reason === 'Removed' ? c.yellow('Removed') : h.degraded ? c.red('Degraded') : h.available ? c.green('Available') : h.available === false ? c.red('Unavailable') : 'Unknown';
  kv('Health', `${healthWord}${h.reason ? ` (${h.reason})` : ''}`);
  if (s.config) {
    const cfg = s.config;
    kv('Management', cfg.managementState || '(unset)');
    const fields = Object.entries(cfg.storage.fields)
      .filter(([, v]) => typeof v !== 'object' || v === null)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    kv('Storage', cfg.storage.types.length ? `${cfg.storage.types.join('+')}${fields ? ` (${fields})` : ''}${cfg.storage.managementState ? `, ${cfg.storage.managementState}` : ''}` : c.yellow('none configured'));
    kv('Replicas', `${cfg.replicas} desired, ${s.deployment ? s.deployment.readyReplicas : cfg.readyReplicas} ready, rollout ${cfg.rolloutStrategy}`);
    kv('Settings', `logLevel ${cfg.logLevel}, operatorLogLevel ${cfg.operatorLogLevel}, readOnly ${cfg.readOnly}, defaultRoute ${cfg.defaultRoute}`);
  } else {
    kv('Config', sectionNote(s, 'config'));
  }
  if (s.clusterOperator?.version) kv('Version', s.clusterOperator.version);
  kv('Internal host', s.hosts.internal ?? sectionNote(s, 'imageConfig'));
  const routes = s.hosts.routes.map((r) => `${r.name}: ${r.host || '(no host)'}${r.admitted ? '' : c.yellow(' (not admitted)')}`);
  kv('Routes', routes.length ? routes.join(', ') : s.unavailable.routes ? sectionNote(s, 'routes') : 'none (expose with `regctl expose --default-route`)');
  if (s.hosts.external.length) kv('External hosts', s.hosts.external.join(', '));
  if (s.trustedCA) {
    const n = s.trustedCA.registries.length;
    kv('Trusted CAs', `${s.trustedCA.configMap ?? '(no additionalTrustedCA)'}: ${n} ${n === 1 ? 'registry' : 'registries'}${n ? ` (${s.trustedCA.registries.join(', ')})` : ''}`);
  } else kv('Trusted CAs', sectionNote(s, 'trustedCA'));
  const prunerFailed = s.pruner?.conditions.some((x) => x.type === 'Failed' && x.status === 'True');
  if (s.pruner) kv('Pruner', `${s.pruner.suspend ? 'suspended' : 'active'}${s.pruner.schedule ? `, schedule "${s.pruner.schedule}"` : ''}${prunerFailed ? `, ${c.red('last run failed')} (\`regctl pruner\` shows it)` : ''}`);
  else kv('Pruner', sectionNote(s, 'pruner'));
  lines.push('');
  const condTable = (title: string, conds: Condition[]) => {
    if (!conds.length) return;
    lines.push(c.bold(title));
    lines.push(
      renderTable(io, conds, [
        { header: 'type', value: (x) => x.type },
        { header: 'status', value: (x) => x.status },
        { header: 'reason', value: (x) => x.reason ?? '' },
        { header: 'message', value: (x) => (wide ? (x.message ?? '').replace(/\n/g, ' | ') : (x.message ?? '').split('\n')[0]) },
      ]).trimEnd(),
    );
    lines.push('');
  };
  // Sub-controller conditions (NodeCADaemonAvailable, …ControllerDegraded) count for health: shown when abnormal.
  const abnormal = (x: Condition) =>
    (x.type.endsWith('Available') && x.status !== 'True') || ((x.type.endsWith('Degraded') || x.type.endsWith('Progressing')) && x.status !== 'False');
  if (s.config) condTable('Operator conditions', wide ? s.config.conditions : s.config.conditions.filter((x) => ['Available', 'Progressing', 'Degraded', 'Removed', 'StorageExists'].includes(x.type) || abnormal(x)));
  if (s.clusterOperator) condTable('ClusterOperator image-registry', s.clusterOperator.conditions);
  if (s.pods.length) {
    lines.push(c.bold('Pods (openshift-image-registry)'));
    lines.push(
      renderTable(
        io,
        s.pods,
        [
          { header: 'name', value: (p) => p.name },
          { header: 'ready', value: (p) => p.ready },
          { header: 'status', value: (p) => p.status },
          { header: 'restarts', value: (p) => p.restarts },
          { header: 'age', value: (p) => age(p.createdAt) },
          { header: 'node', value: (p) => p.node ?? '', wide: true },
        ],
        { wide },
      ).trimEnd(),
    );
    lines.push('');
  } else if (s.unavailable.pods) {
    lines.push(`Pods: ${sectionNote(s, 'pods')}`, '');
  }
  return lines.join('\n');
}

function sectionNote(s: RegistryStatus, name: string): string {
  const u = s.unavailable[name];
  if (!u) return '-';
  return u.reason === 'Forbidden' ? '(forbidden)' : u.reason === 'NotFound' ? '(not found)' : '(error)';
}
