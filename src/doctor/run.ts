// `regctl doctor`: the checks in order, run over the dependency graph, into a DoctorReport.
import type { Context } from '../context.js';
import { toRegctlError } from '../errors.js';
import { ConnectionError, isApiError } from '../cluster/api-error.js';
import { runChecks, type CheckImpl } from './engine.js';
import { DoctorEnv, type DoctorOptions } from './env.js';
import { fail, skip, summarize, type CheckId, type DoctorReport, type Outcome } from './model.js';
import { apiCheck, installedCheck, managementStateCheck, operatorCheck, podsCheck, routeCheck } from './checks-platform.js';
import { storageCheck } from './checks-storage.js';
import { rbacCheck, registryApiCheck, tlsCheck } from './checks-access.js';
import { pullTestCheck, pushTestCheck } from './checks-image.js';
import { commandIn } from './shell.js';

export const IMPLS: Array<CheckImpl<DoctorEnv>> = [
  apiCheck,
  installedCheck,
  managementStateCheck,
  storageCheck,
  operatorCheck,
  podsCheck,
  routeCheck,
  tlsCheck,
  registryApiCheck,
  rbacCheck,
  pullTestCheck,
  pushTestCheck,
];

/** An exception from a check: forbidden → skipped (it says so), anything else → failed with the error and its fix. */
export function outcomeOfError(id: CheckId, e: unknown, server?: string, forbidden: Map<string, CheckId> = new Map()): Outcome {
  if (isApiError(e, 403)) {
    const msg = (e.status.message || e.message).split('\n')[0]!;
    const first = forbidden.get(msg);
    if (!first) forbidden.set(msg, id);
    const why = ['ask a cluster admin for read access (cluster-reader), or run regctl doctor as an admin'];
    // The same denial for several checks (they read the same object): say it once in full.
    return first ? skip(`not permitted (as for ${first})`, [msg, ...why]) : skip(`not permitted: ${msg}`, why);
  }
  const err = toRegctlError(e);
  if (id === 'api' && isApiError(e, 401)) {
    return fail('the API server rejected your token (401): it is missing, expired or revoked', server ? `oc login --server=${server}` : 'oc login', [err.message]);
  }
  // Unreachable: the first thing to check is which server and context the kubeconfig points at.
  const fix = e instanceof ConnectionError ? 'kubectl config view --minify' : commandIn(err.hint);
  return fail(err.message, fix, err.hint ? [`hint: ${err.hint}`] : []);
}

export async function runDoctor(ctx: Context, opts: DoctorOptions, onStart?: (id: CheckId) => void): Promise<DoctorReport> {
  const env = new DoctorEnv(ctx, opts);
  let server: string | undefined;
  let namespace = opts.namespace ?? '';
  const requested: CheckId[] = [...(opts.pushTest ? (['push-test'] as const) : []), ...(opts.pullTest ? (['pull-test'] as const) : [])];
  env.cluster().then(
    (c) => {
      server = c.server;
    },
    () => undefined,
  );
  const forbidden = new Map<string, CheckId>();
  let checks;
  try {
    checks = await runChecks(IMPLS, env, { only: opts.only, skip: opts.skip, requested }, {
      onStart: (id) => onStart?.(id),
      onError: (id, e) => {
        if (ctx.signal.aborted) throw e;
        return outcomeOfError(id, e, server, forbidden);
      },
    });
  } finally {
    // A test image left by an interrupted or failed run is removed here (cleanup is idempotent).
    const pushed = await env.testImage?.catch(() => undefined);
    if (pushed) {
      const r = await pushed.cleanup();
      if (!r.ok) ctx.log.warn(`${r.message}${r.fix ? `; remove it with \`${r.fix}\`` : ''}`);
    }
  }
  try {
    const c = await env.cluster();
    server = c.server;
    namespace = c.namespace;
  } catch {
    /* no kubeconfig: the api check says why */
  }
  return {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'DoctorReport',
    ...(server ? { server } : {}),
    ...(env.user?.username ? { user: env.user.username } : {}),
    namespace,
    ...(env.host ? { registryHost: env.host } : {}),
    ...summarize(checks),
    checks,
  };
}
