import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Cluster, Json } from '../cluster/cluster.js';
import type { RouteInfo } from '../cluster/routes.js';
import type { RouteEntry, TLSMaterial } from '../cluster/route-plan.js';
import { outputFormat } from './common.js';
import { print, toYAML } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { RegctlError, TimeoutError, UsageError } from '../errors.js';
import { readTextFileCapped, type InputKind } from '../input/read.js';
import { hostnameProblem, routeNameProblem } from '../cluster/route-plan.js';
import { asRegctlError, failedPartWay, isPartialReport } from '../cluster/partial.js';
import { NAMES, R } from '../cluster/resources.js';
import { retryOnConflict } from '../cluster/retry.js';
import { caOnly, describeBundle } from '../registry/ca.js';
import { writeAtomic } from '../registry/authfile.js';
import { isApiError } from '../cluster/api-error.js';
import { RegistryConnectionError } from '../registry/errors.js';
import * as plan from '../cluster/route-plan.js';
import * as routes from '../cluster/routes.js';
import * as certsd from '../registry/certsd.js';
import { FORMATS, type spec } from './expose.js';

const CONFIG = 'configs.imageregistry.operator.openshift.io/cluster';

type Mode = 'default' | 'route' | 'remove-default' | 'remove-route' | 'trust-only';

export type ExposeOptions = OptionsOf<typeof spec>;

interface Validated {
  mode: Mode;
  timeoutMs: number;
  tls?: TLSMaterial;
  routeCA?: string;
}

function readPem(file: string, flag: string, kind: InputKind): string {
  try {
    return readTextFileCapped(file, kind, `${flag} ${file}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${flag} ${file} (${(e as NodeJS.ErrnoException).code})`, `check the path given to ${flag}`);
  }
}

/** All flag and file checks; throws UsageError before anything is changed. */
export async function validateExpose(o: ExposeOptions, now = new Date()): Promise<Validated> {
  const modes = [o.defaultRoute && 'default', o.route !== undefined && 'route'].filter(Boolean);
  if (o.defaultRoute && o.route !== undefined) throw new UsageError('--default-route and --route cannot be combined', 'run regctl expose once for each');
  const custom = o.hostname !== undefined || o.cert !== undefined || o.key !== undefined || o.ca !== undefined;
  if (custom && o.route === undefined) throw new UsageError('--hostname, --cert, --key and --ca apply to a custom route', 'add --route NAME');
  if (o.remove && custom) throw new UsageError('--remove takes no --hostname/--cert/--key/--ca', 'remove with `regctl expose --remove --route NAME`');
  if (o.remove && o.caOut) throw new UsageError('--ca-out cannot be combined with --remove', 'drop --ca-out');
  if (o.remove && o.defaultRoute) throw new UsageError('--remove and --default-route cannot be combined', '`regctl expose --remove` removes the default route');
  if (o.certsDir !== undefined && !o.trust) throw new UsageError('--certs-dir is only used with --trust', 'add --trust');
  if (!o.remove && !modes.length && !o.trust && !o.caOut) {
    throw new UsageError('nothing to do: choose what to expose', 'use --default-route, or --route NAME --hostname HOST (add --trust to trust it locally)');
  }
  const timeoutMs = parseDuration(o.timeout ?? '2m');
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`invalid --timeout "${o.timeout}"`, 'use a duration such as 90s or 5m');
  if (o.route !== undefined) {
    const p = routeNameProblem(o.route);
    if (p) throw new UsageError(p, o.route === 'default-route' ? 'use --default-route for the operator\'s default route, or choose another name' : 'choose a name such as registry or registry-public');
  }
  if (o.hostname !== undefined) {
    const p = hostnameProblem(o.hostname);
    if (p) throw new UsageError(p, 'give the DNS name clients will use, e.g. --hostname registry.apps.example.com');
  }
  const mode: Mode = o.remove ? (o.route !== undefined ? 'remove-route' : 'remove-default') : o.defaultRoute ? 'default' : o.route !== undefined ? 'route' : 'trust-only';
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together', 'give both the certificate and its private key');
  if (o.ca !== undefined && o.cert === undefined) throw new UsageError('--ca needs --cert', 'without --cert the ingress certificate (and its CA) is used');
  if (o.cert === undefined) return { mode, timeoutMs };
  if (!o.hostname) throw new UsageError('--cert needs --hostname', 'name the host the certificate is for: --hostname registry.example.com');
  const certPem = readPem(o.cert, '--cert', 'pem');
  const keyPem = readPem(o.key!, '--key', 'key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new UsageError(`--cert ${o.cert} is not a PEM certificate`, 'give the certificate in PEM form (-----BEGIN CERTIFICATE-----)');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new UsageError(`--key ${o.key} is not a PEM private key (or it is encrypted)`, 'give the unencrypted private key in PEM form');
  }
  if (!cert.checkPrivateKey(key)) throw new UsageError(`--key ${o.key} does not belong to --cert ${o.cert}`, 'give the key the certificate was issued for');
  if (!cert.checkHost(o.hostname)) throw new UsageError(`--cert ${o.cert} is not valid for ${o.hostname} (subject ${cert.subject.replace(/\n/g, ', ')}; ${cert.subjectAltName ?? 'no SANs'})`, 'use a certificate whose SANs include the host');
  if (new Date(cert.validTo) < now) throw new UsageError(`--cert ${o.cert} expired on ${new Date(cert.validTo).toISOString()}`, 'renew the certificate');
  let caPem: string | undefined;
  if (o.ca !== undefined) {
    caPem = readPem(o.ca, '--ca', 'pem');
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(caPem);
    } catch {
      throw new UsageError(`--ca ${o.ca} is not a PEM certificate`, 'give the CA certificate in PEM form');
    }
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new UsageError(`--cert ${o.cert} was not signed by --ca ${o.ca}`, 'give the CA that issued the certificate');
  }
  const selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  if ((o.trust || o.caOut) && !caPem && !selfSigned) {
    throw new UsageError('--trust/--ca-out need the CA that signed --cert', 'add --ca FILE (the issuing CA), or drop --trust/--ca-out');
  }
  return { mode, timeoutMs, tls: { certPem, keyPem, caPem }, routeCA: caPem ?? (selfSigned ? certPem : undefined) };
}

interface Change {
  action: 'patch' | 'create' | 'update' | 'delete' | 'write' | 'remove';
  target: string;
  patchType?: 'merge' | 'json';
  patch?: unknown;
  object?: unknown;
}

interface Result {
  host: string | null;
  routes: Array<Pick<RouteInfo, 'name' | 'host' | 'admitted'>>;
  ca: null | { subject: string; notAfter: string; sha256: string; file: string | null; trusted: string | null; source: string };
  changed: boolean;
}

export async function run(ctx: Context, args: string[], o: ExposeOptions): Promise<void> {
  const progress = { changed: false };
  try {
    await runSteps(ctx, args, o, progress);
  } catch (e) {
    // regctl's own errors after the change (not admitted, timed out…) already say where things stand.
    if (!progress.changed || isPartialReport(e) || e instanceof RegctlError) throw e;
    // The cluster was changed, then an API or connection failure (reading the route, waiting, the CA): say the change is in place.
    const err = asRegctlError(e);
    throw new RegctlError(`${err.message}; left behind: the change to ${CONFIG} is made, the steps after it did not finish`, {
      hint: `run the same command again to finish (it changes nothing more), or undo with \`regctl expose --remove${o.route ? ` --route ${o.route}` : ''}\``,
      exitCode: err.exitCode,
    });
  }
}

async function runSteps(ctx: Context, _args: string[], o: ExposeOptions, progress: { changed: boolean }): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const v = await validateExpose(o, ctx.now());
  const cluster = await ctx.cluster();
  const cfg = await cluster.get(R.registryConfig, NAMES.cluster);
  const changes: Change[] = [];
  let changed = false;
  let routeName: string = NAMES.defaultRoute;
  let host: string | null = null;
  let caPem: string | undefined;
  let caSource = '';

  // Hosts are allocated under the apps domain; the ingress wildcard certificate covers *.domain only.
  const { domain, hostDomain } = await routes.routeDomains(cluster);
  const currentRoute = async (name: string) => {
    const r = await cluster.getOrNull(R.route, name, NAMES.registryNamespace);
    return r ? routes.routeInfo(r) : undefined;
  };

  switch (v.mode) {
    case 'default': {
      if (cfg.spec?.defaultRoute === true) ctx.log.info(`The registry is already exposed by the default route (${CONFIG} spec.defaultRoute=true).`);
      else {
        const patch = { spec: { defaultRoute: true } };
        changes.push({ action: 'patch', target: CONFIG, patchType: 'merge', patch });
        if (!o.dryRun) {
          await cluster.patch(R.registryConfig, NAMES.cluster, patch, 'merge');
          ctx.log.info(`Set spec.defaultRoute=true on ${CONFIG}.`);
          changed = progress.changed = true;
        }
      }
      host = (await currentRoute(routeName))?.host || (hostDomain ? plan.allocatedHost(routeName, hostDomain) : null);
      break;
    }
    case 'route': {
      routeName = o.route!;
      const secretName = v.tls ? plan.secretNameFor(routeName) : undefined;
      const entry: RouteEntry = { name: routeName, hostname: o.hostname, secretName };
      if (v.tls) {
        const desired = plan.tlsSecret(secretName!, v.tls);
        // Read-modify-write: a 409 (someone updated the secret meanwhile) reads it again and re-applies.
        await retryOnConflict(async () => {
          const existing = await cluster.getOrNull(R.secret, secretName!, NAMES.registryNamespace);
          if (existing && plan.sameData(existing.data, desired.data)) return;
          if (!changes.some((c) => c.target.startsWith('secret/'))) changes.push({ action: existing ? 'update' : 'create', target: `secret/${secretName} -n ${NAMES.registryNamespace}`, object: plan.redactSecret(desired) });
          if (o.dryRun) return;
          if (existing) await cluster.update(R.secret, { ...desired, metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...desired.metadata.labels } } });
          else await cluster.create(R.secret, desired, { namespace: NAMES.registryNamespace });
          changed = progress.changed = true;
        });
      }
      const createdSecret = changed && changes.some((c) => c.action === 'create');
      try {
        changed = progress.changed = (await editRoutes(ctx, cluster, cfg, (rs) => plan.upsertRoute(rs, entry), changes, Boolean(o.dryRun))) || changed;
      } catch (e) {
        if (!changed) throw e;
        // The certificate secret was written but no route uses it: delete it when this run created it, else name it.
        throw await failedPartWay(e, {
          step: `adding route ${routeName} to ${CONFIG} spec.routes`,
          left: `secret ${secretName} in ${NAMES.registryNamespace} (${createdSecret ? 'created' : 'updated'}), not used by any route`,
          finish: `regctl expose --route ${routeName} … (the same command again)`,
          undoCommand: `oc delete secret ${secretName} -n ${NAMES.registryNamespace}`,
          undo: createdSecret ? () => cluster.delete(R.secret, secretName!, { namespace: NAMES.registryNamespace }) : undefined,
        });
      }
      if (!changed && !changes.length) ctx.log.info(`Route ${routeName} is already configured in ${CONFIG} spec.routes.`);
      host = o.hostname ?? (await currentRoute(routeName))?.host ?? (hostDomain ? plan.allocatedHost(routeName, hostDomain) : null);
      if (!v.tls && o.hostname && domain && !plan.underWildcard(o.hostname, domain)) {
        ctx.log.warn(`${o.hostname} is not under *.${domain}: the ingress certificate will not match it; pass --cert/--key for it`);
      }
      break;
    }
    case 'remove-default': {
      host = (await currentRoute(routeName))?.host || (hostDomain ? plan.allocatedHost(routeName, hostDomain) : null);
      if (cfg.spec?.defaultRoute !== true) ctx.log.info('The default route is not enabled; nothing to remove.');
      else {
        const patch = { spec: { defaultRoute: false } };
        changes.push({ action: 'patch', target: CONFIG, patchType: 'merge', patch });
        if (!o.dryRun) {
          await cluster.patch(R.registryConfig, NAMES.cluster, patch, 'merge');
          ctx.log.info(`Set spec.defaultRoute=false on ${CONFIG}.`);
          changed = progress.changed = true;
        }
      }
      break;
    }
    case 'remove-route': {
      routeName = o.route!;
      const entry = ((cfg.spec?.routes ?? []) as RouteEntry[]).find((r) => r.name === routeName);
      host = entry?.hostname ?? (await currentRoute(routeName))?.host ?? null;
      if (!entry) ctx.log.info(`Route ${routeName} is not in ${CONFIG} spec.routes; nothing to remove.`);
      else changed = await editRoutes(ctx, cluster, cfg, (rs) => plan.withoutRoute(rs, routeName), changes, Boolean(o.dryRun));
      const secretName = entry?.secretName ?? plan.secretNameFor(routeName);
      const secret = await cluster.getOrNull(R.secret, secretName, NAMES.registryNamespace);
      if (secret?.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'regctl') {
        changes.push({ action: 'delete', target: `secret/${secretName} -n ${NAMES.registryNamespace}` });
        if (!o.dryRun) {
          await cluster.delete(R.secret, secretName, { namespace: NAMES.registryNamespace });
          changed = progress.changed = true;
        }
      }
      break;
    }
    case 'trust-only': {
      const all = await routes.registryRoutes(cluster);
      const pick = all.find((r) => r.admitted && r.host);
      if (!pick) throw new RegctlError('the registry is not exposed: no admitted registry route', { hint: 'expose it: `regctl expose --default-route --trust`' });
      routeName = pick.name;
      host = pick.host;
      break;
    }
  }

  // Wait for the route to be admitted (or gone).
  let info: RouteInfo | undefined;
  const removing = v.mode === 'remove-default' || v.mode === 'remove-route';
  if (!o.dryRun && !removing && v.mode !== 'trust-only' && o.wait !== false) {
    info = await ctx.spin(`Waiting for route ${routeName} to be admitted`, (s) =>
      routes.waitForRoute(cluster, routeName, {
        timeoutMs: v.timeoutMs,
        signal: ctx.signal,
        host: v.mode === 'route' ? (o.hostname ?? undefined) : undefined,
        onProgress: (r) => s.update(`Waiting for route ${routeName} to be admitted${r?.host ? ` (${r.host})` : ''}`),
      }),
    );
    if (ctx.signal.aborted) return;
    if (!info) {
      throw new TimeoutError(`route ${routeName} was not admitted within ${o.timeout}`, {
        hint: 'see what the operator reports: `regctl status` (RouteDegraded), or wait longer with --timeout',
      });
    }
    host = info.host;
  } else if (!o.dryRun && removing && changed && o.wait !== false) {
    const gone = await ctx.spin(`Waiting for route ${routeName} to be removed`, () => routes.waitForRouteGone(cluster, routeName, { timeoutMs: v.timeoutMs, signal: ctx.signal }));
    if (!gone && !ctx.signal.aborted) throw new TimeoutError(`route ${routeName} still exists after ${o.timeout}`, { hint: 'see `regctl status`; the operator deletes it on its next sync' });
  }

  if (!removing && v.mode !== 'trust-only' && !v.tls && !o.hostname && host && domain && !plan.underWildcard(host, domain)) {
    ctx.log.warn(`${host} is not under *.${domain} (ingresses.config/cluster spec.appsDomain is ${hostDomain}): the default ingress certificate will not match it; give the route a certificate (--route NAME --cert/--key) or replace the default ingress certificate with one that covers *.${hostDomain}`);
  }

  // The CA that signs the route's certificate.
  let caFile: string | null = null;
  let trusted: string | null = null;
  if (!removing && (o.caOut || o.trust || format !== 'table')) {
    ({ caPem, caSource } = await routeCA(cluster, v, routeName, info));
  }
  const cleanCA = caPem ? caOnly(caPem) || caPem : undefined;
  if ((o.caOut || o.trust) && !removing && !cleanCA) {
    throw new RegctlError(`cannot tell which CA signs route ${routeName}`, { hint: v.tls ? 'pass the issuing CA with --ca FILE' : 'ask a cluster admin for the ingress CA' });
  }
  if (o.caOut && cleanCA) {
    changes.push({ action: 'write', target: o.caOut });
    if (!o.dryRun) {
      writeAtomic(o.caOut, cleanCA, 0o644, 0o755);
      caFile = o.caOut;
      ctx.log.info(`Wrote the CA of ${host ?? routeName} to ${o.caOut}.`);
    }
  }
  if (o.trust) {
    const dir = certsd.certsDir({ certsDir: o.certsDir, env: ctx.env });
    if (!host) throw new RegctlError(`route ${routeName} has no host yet, so there is no certs.d entry to ${removing ? 'remove' : 'write'}`, { hint: 'run again without --no-wait' });
    if (removing) {
      changes.push({ action: 'remove', target: certsd.caPath(dir, host) });
      if (!o.dryRun && certsd.removeCA(dir, host)) ctx.log.info(`Removed ${certsd.caPath(dir, host)}.`);
    } else {
      changes.push({ action: 'write', target: certsd.caPath(dir, host) });
      if (!o.dryRun) {
        const w = certsd.writeCA(dir, host, cleanCA!);
        trusted = w.file;
        ctx.log.info(w.changed ? `Trusted the CA of ${host}: wrote ${w.file}.` : `${w.file} already holds the CA of ${host}.`);
        if (info) await verifyTrust(ctx, host, cleanCA!);
      }
    }
  }

  if (o.dryRun) {
    printDryRun(ctx, format, changes);
    return;
  }
  const all = await routes.registryRoutes(cluster).catch(() => [] as RouteInfo[]);
  const d = cleanCA ? describeBundle(cleanCA) : undefined;
  const result: Result = {
    host: removing ? null : host,
    routes: all.map((r) => ({ name: r.name, host: r.host, admitted: r.admitted })),
    ca: d ? { subject: d.subject, notAfter: d.notAfter, sha256: d.sha256, file: caFile ?? trusted, trusted, source: caSource } : null,
    changed,
  };
  print(ctx.io, format, { kind: 'ExposeResult', data: result, human: () => (!removing && host ? host + '\n' : '') });
}

/** Edits spec.routes with a JSON patch guarded by `test`; retried when someone else changed it meanwhile. */
async function editRoutes(ctx: Context, cluster: Cluster, cfg: Json, edit: (rs: RouteEntry[]) => RouteEntry[], changes: Change[], dryRun: boolean): Promise<boolean> {
  let current = cfg;
  for (let attempt = 0; attempt < 4; attempt++) {
    const before = current.spec?.routes as RouteEntry[] | undefined;
    const next = edit(before ?? []);
    if (JSON.stringify(next) === JSON.stringify(before ?? [])) return false;
    const patch = plan.routesPatch(before, next);
    if (dryRun) {
      changes.push({ action: 'patch', target: CONFIG, patchType: 'json', patch });
      return false;
    }
    try {
      await cluster.patch(R.registryConfig, NAMES.cluster, patch, 'json');
      changes.push({ action: 'patch', target: CONFIG, patchType: 'json', patch });
      ctx.log.info(`Updated spec.routes on ${CONFIG}.`);
      return true;
    } catch (e) {
      if (!(isApiError(e, 422) || isApiError(e, 409)) || attempt === 3) throw e;
      current = await cluster.get(R.registryConfig, NAMES.cluster);
    }
  }
  return false;
}

async function routeCA(cluster: Cluster, v: Validated, routeName: string, info: RouteInfo | undefined): Promise<{ caPem?: string; caSource: string }> {
  if (v.tls) return { caPem: v.routeCA, caSource: v.routeCA ? '--ca' : '' };
  const r = info ?? (await routes.registryRoutes(cluster).catch(() => [])).find((x) => x.name === routeName);
  if (r?.caCertificate) return { caPem: r.caCertificate, caSource: `route ${routeName} spec.tls.caCertificate` };
  const ca = await routes.ingressCA(cluster);
  return { caPem: ca.pem, caSource: ca.source };
}

/** Checks that the CA really verifies the route (through HTTPS_PROXY); only warns. Anonymous: no credential is sent. */
async function verifyTrust(ctx: Context, host: string, caPem: string): Promise<void> {
  try {
    const s = await ctx.registry(
      {},
      { host: { name: host, source: 'route', origin: 'cluster' }, anonymous: true, trust: { trust: { caPem }, source: 'route-ca' }, timeoutMs: Math.min(ctx.requestTimeoutMs || 10_000, 10_000), check: false },
    );
    const res = await s.client.http.request({ url: `https://${host}/v2/`, signal: ctx.signal });
    await res.dump();
  } catch (e) {
    if (e instanceof RegistryConnectionError && e.isCertificateError) {
      ctx.log.warn(`the CA written does not verify the certificate of ${host} (${e.code}); clients will still fail`);
    } else {
      ctx.log.debug(`could not reach ${host} to check the CA: ${(e as Error).message}`);
    }
  }
}

function printDryRun(ctx: Context, format: string, changes: Change[]): void {
  if (format === 'json') {
    print(ctx.io, 'json', { kind: 'ExposePlan', data: { dryRun: true, changes } });
    return;
  }
  if (!changes.length) {
    ctx.log.info('Nothing would change (dry run).');
    return;
  }
  const docs = changes.map((c) => {
    const head = `# ${c.action}${c.patchType ? ` (${c.patchType} patch)` : ''} ${c.target}\n`;
    const body = c.patch ?? c.object;
    return head + (body === undefined ? '' : toYAML(body));
  });
  ctx.io.stdout.write(docs.join('---\n'));
  ctx.log.info('(dry run: nothing was changed)');
}
