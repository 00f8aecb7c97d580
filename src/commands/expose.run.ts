import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import type { Cluster } from '../cluster/cluster.js';
import type { RouteInfo } from '../cluster/routes.js';
import type { RouteEntry, TLSMaterial } from '../cluster/route-plan.js';
import { outputFormat } from './common.js';
import { print } from '../output/printer.js';
import { parseDuration } from '../output/format.js';
import { NotFoundError, RegctlError, TimeoutError, UsageError } from '../errors.js';
import { formatSize, readTextFileCapped, type InputKind } from '../input/read.js';
import { hostnameProblem, routeNameProblem } from '../cluster/route-plan.js';
import { asRegctlError, isPartialReport } from '../cluster/partial.js';
import { NAMES, R } from '../cluster/resources.js';
import { caOnly, describeBundle } from '../registry/ca.js';
import { writeAtomic } from '../registry/authfile.js';
import { isApiError } from '../cluster/api-error.js';
import { RegistryConnectionError } from '../registry/errors.js';
import * as rp from '../cluster/route-plan.js';
import * as xs from '../cluster/expose-steps.js';
import { CONFIG } from '../cluster/expose-steps.js';
import { GITOPS_REMOVAL_HINT, planMode, type PlanMode } from '../plan/mode.js';
import { runPlan } from '../plan/engine.js';
import type { Check, Plan, Step } from '../plan/types.js';
import * as routes from '../cluster/routes.js';
import * as certsd from '../registry/certsd.js';
import { FORMATS, type spec } from './expose.js';

type Mode = 'default' | 'route' | 'remove-default' | 'remove-route' | 'trust-only';

export type ExposeOptions = OptionsOf<typeof spec>;

interface Validated {
  mode: Mode;
  timeoutMs: number;
  tls?: TLSMaterial;
  routeCA?: string;
  /** --secret: an existing secret the route entry names (checked against the cluster by checkRouteSecret). */
  secretName?: string;
  /** Where routeCA came from, for the result's ca.source. */
  caSource?: string;
}

function readPem(file: string, flag: string, kind: InputKind): string {
  try {
    return readTextFileCapped(file, kind, `${flag} ${file}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${flag} ${file} (${(e as NodeJS.ErrnoException).code})`, `check the path given to ${flag}`);
  }
}

/** The most a Secret's data may hold together (kube-apiserver's core.MaxSecretSize). */
const MAX_SECRET_BYTES = 1024 * 1024;

/** All flag and file checks; throws UsageError before anything is changed. */
export async function validateExpose(o: ExposeOptions, now = new Date()): Promise<Validated> {
  const modes = [o.defaultRoute && 'default', o.route !== undefined && 'route'].filter(Boolean);
  if (o.defaultRoute && o.route !== undefined) throw new UsageError('--default-route and --route cannot be combined', 'run regctl expose once for each');
  const custom = o.hostname !== undefined || o.cert !== undefined || o.key !== undefined || o.ca !== undefined || o.secret !== undefined;
  if (custom && o.route === undefined) throw new UsageError('--hostname, --cert, --key, --ca and --secret apply to a custom route', 'add --route NAME');
  if (o.remove && custom) throw new UsageError('--remove takes no --hostname/--cert/--key/--ca/--secret', 'remove with `regctl expose --remove --route NAME`');
  if (o.secret !== undefined && (o.cert !== undefined || o.key !== undefined || o.ca !== undefined)) {
    throw new UsageError('--secret cannot be combined with --cert/--key/--ca', 'name the existing secret (--secret NAME) or give the files (--cert/--key [--ca]), not both');
  }
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
  if (o.secret !== undefined) {
    if (!rp.isSecretName(o.secret)) throw new UsageError(`"${o.secret}" is not a valid secret name`, 'name the secret in openshift-image-registry: lower-case letters, digits, \'-\' and \'.\'');
    if (!o.hostname) throw new UsageError('--secret needs --hostname', `name the host its certificate is for: --hostname registry.example.com --secret ${o.secret}`);
    return { mode, timeoutMs, secretName: o.secret };
  }
  if (o.cert === undefined) return { mode, timeoutMs };
  if (!o.hostname) throw new UsageError('--cert needs --hostname', 'name the host the certificate is for: --hostname registry.example.com');
  const certPem = readPem(o.cert, '--cert', 'pem');
  const keyPem = readPem(o.key!, '--key', 'key');
  const cert = checkCertificate(certPem, keyPem, o.hostname, now, {
    cert: `--cert ${o.cert}`,
    key: `--key ${o.key}`,
    notCert: 'give the certificate in PEM form (-----BEGIN CERTIFICATE-----)',
    notKey: 'give the unencrypted private key in PEM form',
    mismatch: 'give the key the certificate was issued for',
  });
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
  // kube-apiserver refuses a Secret whose data add up to more than 1 MiB (core.MaxSecretSize): say so before any write.
  const secretBytes = [certPem, keyPem, caPem ?? ''].reduce((n, pem) => n + Buffer.byteLength(pem, 'utf8'), 0);
  if (secretBytes > MAX_SECRET_BYTES) {
    const files = `--cert ${o.cert}, --key ${o.key}${o.ca !== undefined ? `, --ca ${o.ca}` : ''}`;
    throw new UsageError(`${files} make a Secret of ${secretBytes} bytes; a Secret holds at most ${MAX_SECRET_BYTES} bytes (${formatSize(MAX_SECRET_BYTES)})`, 'give only the certificate the route serves and its intermediates (and the issuing CA with --ca), not a whole CA bundle');
  }
  const selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  if ((o.trust || o.caOut) && !caPem && !selfSigned) {
    throw new UsageError('--trust/--ca-out need the CA that signed --cert', 'add --ca FILE (the issuing CA), or drop --trust/--ca-out');
  }
  return { mode, timeoutMs, tls: { certPem, keyPem, caPem }, routeCA: caPem ?? (selfSigned ? certPem : undefined) };
}

/** The words of checkCertificate's errors: what the certificate and key are called, and the hints. */
interface CertWords {
  cert: string;
  key: string;
  notCert: string;
  notKey: string;
  mismatch: string;
}

/** The route certificate's checks (the --cert files or an existing secret): PEM, its key, the host, not expired. */
function checkCertificate(certPem: string, keyPem: string, host: string, now: Date, w: CertWords): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new UsageError(`${w.cert} is not a PEM certificate`, w.notCert);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new UsageError(`${w.key} is not a PEM private key (or it is encrypted)`, w.notKey);
  }
  if (!cert.checkPrivateKey(key)) throw new UsageError(`${w.key} does not belong to ${w.cert}`, w.mismatch);
  if (!cert.checkHost(host)) throw new UsageError(`${w.cert} is not valid for ${host} (subject ${cert.subject.replace(/\n/g, ', ')}; ${cert.subjectAltName ?? 'no SANs'})`, 'use a certificate whose SANs include the host');
  if (new Date(cert.validTo) < now) throw new UsageError(`${w.cert} expired on ${new Date(cert.validTo).toISOString()}`, 'renew the certificate');
  return cert;
}

/**
 * --secret NAME: the secret the route entry will name, read before any write. The operator (pkg/resource/route.go)
 * needs the secret to exist (else it cannot make the route) and copies its data keys tls.crt, tls.key and tls.cacrt
 * into the route, whatever the secret's type; without tls.crt and tls.key the route gets no certificate of its own.
 * Sets v.routeCA (tls.cacrt, else ca.crt, else a self-signed tls.crt) for --trust/--ca-out. With --render a secret
 * missing here is only warned about: the rendered files are for other clusters, where it must exist.
 */
async function checkRouteSecret(ctx: Context, cluster: Cluster, o: ExposeOptions, v: Validated, rendering: boolean): Promise<void> {
  const name = v.secretName!;
  const ns = NAMES.registryNamespace;
  const where = `secret ${name} in ${ns}`;
  const create = `oc create secret tls ${name} --cert=tls.crt --key=tls.key -n ${ns}`;
  const secret = await cluster.getOrNull(R.secret, name, ns);
  if (!secret) {
    if (rendering) {
      ctx.log.warn(`${where} does not exist on this cluster; the rendered files name it, so create it on every target cluster first (${create})`);
      return;
    }
    throw new NotFoundError(`${where} not found; nothing was changed`, { hint: `create it first: \`${create}\`, or give the files with --cert/--key` });
  }
  const text = (k: string): string | undefined => {
    const d = secret.data?.[k];
    return typeof d === 'string' && d ? Buffer.from(d, 'base64').toString('utf8') : undefined;
  };
  const certPem = text('tls.crt');
  const keyPem = text('tls.key');
  const missing = [certPem ? '' : 'tls.crt', keyPem ? '' : 'tls.key'].filter(Boolean);
  if (missing.length) {
    throw new UsageError(`${where} has no ${missing.join(' and ')}: the operator gives the route the secret's tls.crt and tls.key; nothing was changed`, `recreate it with both: \`${create}\``);
  }
  const label = `the certificate (tls.crt) of ${where}`;
  const cert = checkCertificate(certPem!, keyPem!, o.hostname!, ctx.now(), {
    cert: label,
    key: `the key (tls.key) of ${where}`,
    notCert: `put the certificate in PEM form in the secret: \`${create}\``,
    notKey: `put the unencrypted private key in PEM form in the secret: \`${create}\``,
    mismatch: `put the key the certificate was issued for in the secret: \`${create}\``,
  });
  // The CA is refused only when --trust/--ca-out would write it; otherwise it is just not reported.
  const local = Boolean(o.trust || o.caOut);
  for (const k of ['tls.cacrt', 'ca.crt']) {
    const caPem = text(k);
    if (!caPem) continue;
    let ca: X509Certificate | undefined;
    try {
      ca = new X509Certificate(caPem);
    } catch {
      if (local) throw new UsageError(`${k} of ${where} is not a PEM certificate`, 'fix the CA in the secret, or drop --trust/--ca-out');
    }
    if (ca && cert.checkIssued(ca) && cert.verify(ca.publicKey)) {
      v.routeCA = caPem;
      v.caSource = `secret ${name} ${k}`;
      return;
    }
    if (local) throw new UsageError(`${label} was not signed by the CA in its ${k}`, 'put the CA that issued the certificate in the secret, or drop --trust/--ca-out');
  }
  if (cert.checkIssued(cert) && cert.verify(cert.publicKey)) {
    v.routeCA = certPem;
    v.caSource = `secret ${name} tls.crt (self-signed)`;
    return;
  }
  if (local) throw new UsageError(`--trust/--ca-out need the CA that signed ${label}, and the secret has no tls.cacrt or ca.crt`, 'add the issuing CA to the secret as tls.cacrt (the operator gives it to the route too), or drop --trust/--ca-out');
}

interface Result {
  host: string | null;
  routes: Array<Pick<RouteInfo, 'name' | 'host' | 'admitted'>>;
  ca: null | { subject: string; notAfter: string; sha256: string; file: string | null; trusted: string | null; source: string };
  changed: boolean;
}

/** What expose will do: the plan, the route it waits for, its host as far as known now, and messages for stderr. */
interface Planned {
  plan: Plan;
  routeName: string;
  host: string | null;
  /** Said whatever the mode (e.g. already exposed). */
  notes: string[];
  /** Said after the step is applied (the messages of a normal run). */
  done: Map<Step, string>;
  /** --route NAME alone kept a configured route that has its own certificate secret. */
  keptCertificate?: boolean;
}

const removingMode = (m: Mode) => m === 'remove-default' || m === 'remove-route';

export async function run(ctx: Context, args: string[], o: ExposeOptions): Promise<void> {
  const mode = planMode(o, o.output);
  const progress = { changed: false };
  try {
    await runSteps(ctx, args, o, mode, progress);
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

/** The command line, for the plan and messages (no file contents). */
function commandLine(o: ExposeOptions): string {
  const parts = ['regctl expose'];
  if (o.remove) parts.push('--remove');
  if (o.defaultRoute) parts.push('--default-route');
  if (o.route !== undefined) parts.push(`--route ${o.route}`);
  if (o.hostname) parts.push(`--hostname ${o.hostname}`);
  if (o.cert) parts.push(`--cert ${o.cert} --key ${o.key}`);
  if (o.ca) parts.push(`--ca ${o.ca}`);
  if (o.secret) parts.push(`--secret ${o.secret}`);
  return parts.join(' ');
}

/** Reads the config (and the secret, the route) and computes the plan; called again when the config changed meanwhile. */
async function planExpose(cluster: Cluster, o: ExposeOptions, v: Validated, hostDomain: string | undefined): Promise<Planned> {
  const cfg = await cluster.get(R.registryConfig, NAMES.cluster);
  const steps: Step[] = [];
  const checks: Check[] = [];
  const notes: string[] = [];
  const done = new Map<Step, string>();
  const timeout = o.timeout ?? '2m';
  const wait = o.wait !== false;
  let routeName: string = NAMES.defaultRoute;
  let host: string | null = null;
  let keptCertificate = false;
  const currentRoute = async (name: string) => {
    const r = await cluster.getOrNull(R.route, name, NAMES.registryNamespace);
    return r ? routes.routeInfo(r) : undefined;
  };
  const allocated = (name: string) => (hostDomain ? rp.allocatedHost(name, hostDomain) : null);
  let name = 'expose-default-route';

  switch (v.mode) {
    case 'default': {
      if (cfg.spec?.defaultRoute === true) notes.push(`The registry is already exposed by the default route (${CONFIG} spec.defaultRoute=true).`);
      else {
        const s = xs.defaultRouteStep(true);
        steps.push(s);
        done.set(s, `Set spec.defaultRoute=true on ${CONFIG}.`);
      }
      host = (await currentRoute(routeName))?.host || allocated(routeName);
      if (wait) checks.push(xs.admittedCheck(routeName, undefined, timeout));
      break;
    }
    case 'route': {
      routeName = o.route!;
      name = `expose-route-${routeName}`;
      const secretName = v.tls ? rp.secretNameFor(routeName) : v.secretName;
      if (v.tls) {
        const existing = await cluster.getOrNull(R.secret, secretName!, NAMES.registryNamespace);
        const s = xs.tlsSecretStep(secretName!, v.tls, existing ?? undefined);
        if (s) steps.push(s);
      }
      const before = cfg.spec?.routes as RouteEntry[] | undefined;
      const existing = (before ?? []).find((r) => r.name === routeName);
      // `--route NAME` alone (no --hostname, no certificate) for a configured route, e.g. with --trust or --ca-out, keeps
      // it as it is: replacing the entry with {name} would drop its host and certificate secret (the operator then
      // serves a new allocated host, or the old one, with the ingress certificate), breaking every client of the route.
      const keep = existing !== undefined && o.hostname === undefined && !v.tls && !v.secretName;
      keptCertificate = keep && Boolean(existing.secretName);
      if (keep && (existing.hostname || existing.secretName)) {
        notes.push(`Route ${routeName} keeps its ${[existing.hostname ? `host ${existing.hostname}` : '', existing.secretName ? `certificate (secret ${existing.secretName})` : ''].filter(Boolean).join(' and ')}; to change them give --hostname/--cert again.`);
      }
      const next = keep ? (before ?? []) : rp.upsertRoute(before ?? [], { name: routeName, hostname: o.hostname, secretName });
      const hostname = o.hostname ?? (keep ? existing.hostname : undefined);
      if (JSON.stringify(next) !== JSON.stringify(before ?? [])) {
        const s = xs.routesStep(before, next, `${(before ?? []).some((r) => r.name === routeName) ? 'update' : 'add'} ${routeName}${o.hostname ? ` (${o.hostname})` : ''}`);
        steps.push(s);
        done.set(s, `Updated spec.routes on ${CONFIG}.`);
      }
      if (!steps.length) notes.push(`Route ${routeName} is already configured in ${CONFIG} spec.routes.`);
      host = hostname ?? (await currentRoute(routeName))?.host ?? allocated(routeName);
      if (wait) checks.push(xs.admittedCheck(routeName, hostname, timeout));
      break;
    }
    case 'remove-default': {
      name = 'expose-remove-default-route';
      host = (await currentRoute(routeName))?.host || allocated(routeName);
      if (cfg.spec?.defaultRoute !== true) notes.push('The default route is not enabled; nothing to remove.');
      else {
        const s = xs.defaultRouteStep(false);
        steps.push(s);
        done.set(s, `Set spec.defaultRoute=false on ${CONFIG}.`);
      }
      break;
    }
    case 'remove-route': {
      routeName = o.route!;
      name = `expose-remove-route-${routeName}`;
      const before = cfg.spec?.routes as RouteEntry[] | undefined;
      const entry = (before ?? []).find((r) => r.name === routeName);
      host = entry?.hostname ?? (await currentRoute(routeName))?.host ?? null;
      if (!entry) notes.push(`Route ${routeName} is not in ${CONFIG} spec.routes; nothing to remove.`);
      else {
        const s = xs.routesStep(before, rp.withoutRoute(before ?? [], routeName), `remove ${routeName}`);
        steps.push(s);
        done.set(s, `Updated spec.routes on ${CONFIG}.`);
      }
      const secretName = entry?.secretName ?? rp.secretNameFor(routeName);
      const secret = await cluster.getOrNull(R.secret, secretName, NAMES.registryNamespace);
      if (secret?.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'regctl') steps.push(xs.deleteSecretStep(secretName, secret.metadata?.uid));
      break;
    }
    case 'trust-only': {
      name = 'expose-trust';
      const all = await routes.registryRoutes(cluster);
      const pick = all.find((r) => r.admitted && r.host);
      if (!pick) throw new RegctlError('the registry is not exposed: no admitted registry route', { hint: 'expose it: `regctl expose --default-route --trust`' });
      routeName = pick.name;
      host = pick.host;
      break;
    }
  }
  if (removingMode(v.mode) && wait && steps.length) checks.push(xs.goneCheck(routeName, timeout));
  const removing = removingMode(v.mode);
  const plan: Plan = {
    name: name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 50).replace(/-+$/, ''),
    command: commandLine(o),
    steps,
    checks,
    warnings: [],
    finish: `${commandLine(o)} (the same command again)`,
    // Part-way is only possible after the secret step: what undoes it is deleting that secret.
    undo: v.tls ? `oc delete secret ${rp.secretNameFor(routeName)} -n ${NAMES.registryNamespace}` : undefined,
  };
  return { plan, routeName, host, notes, done, keptCertificate };
}

/** --ca-out and --trust: files on this machine, written after the cluster steps; listed in the plan with its checks. */
function localActions(ctx: Context, o: ExposeOptions, removing: boolean, host: string | null, routeName: string): Check[] {
  const out: Check[] = [];
  if (o.caOut) out.push(xs.localAction('ca-out', `write the CA that signs route ${routeName} to ${o.caOut}`));
  if (o.trust) {
    const dir = certsd.certsDir({ certsDir: o.certsDir, env: ctx.env });
    const file = host ? certsd.caPath(dir, host) : `${dir}/<host of route ${routeName}>/ca.crt`;
    out.push(xs.localAction('trust', removing ? `remove ${file}` : `write ${file}`));
  }
  return out;
}

/** A 422 (the `test` of spec.routes failed) or 409 on the config: someone changed it meanwhile. */
function configConflict(e: unknown, codes = [422, 409]): boolean {
  const c = codes.some((code) => isApiError(e, code)) ? e : (e as { cause?: unknown })?.cause;
  return codes.some((code) => isApiError(c, code));
}

/**
 * The last plan was refused too. The API's 422 reads as invalid input ("check the values against the CRD schema"): say
 * that the config kept changing instead, keeping what an undo of the secret reported (undone, or what is left).
 */
function gaveUp(e: unknown, writes: number): RegctlError {
  const what = `${CONFIG} spec.routes kept changing under us: gave up after ${writes} conflicting writes`;
  const hint = 'something else is rewriting it constantly; check for a controller or script editing it, then run the command again';
  if (!isPartialReport(e)) return new RegctlError(`${what}; nothing more was changed`, { hint });
  const report = e as RegctlError;
  const api = asRegctlError(report.cause).message;
  if (!report.message.startsWith(`${api}; `)) return report;
  const undone = report.message.startsWith(`${api}; undone, `);
  const err = new RegctlError(what + report.message.slice(api.length), { hint: undone ? hint : report.hint, exitCode: report.exitCode, cause: report.cause });
  return Object.assign(err, { partialReport: true });
}

/** Plans expose makes at most (the first and 3 more after 409/422 answers). */
const MAX_PLANS = 4;

/** What the re-plan line says changed. */
function changedWhat(mode: Mode): string {
  return mode === 'route' || mode === 'remove-route' ? `${CONFIG} spec.routes` : CONFIG;
}

/** The status of a refused write, for the re-plan line. */
function conflictStatus(e: unknown): number {
  return [422, 409].find((code) => configConflict(e, [code])) ?? 409;
}

/** ctx whose info lines are held in `said` (runPlan's undo line), for the caller to say or not. */
function holdingInfo(ctx: Context, said: string[]): Context {
  return { ...ctx, log: { ...ctx.log, info: (m: string) => void said.push(m) } };
}

async function runSteps(ctx: Context, _args: string[], o: ExposeOptions, mode: PlanMode, progress: { changed: boolean }): Promise<void> {
  const format = outputFormat(o, FORMATS);
  const v = await validateExpose(o, ctx.now());
  const removing = removingMode(v.mode);
  // --default-route --remove sets spec.defaultRoute=false: plain desired state, rendered in every format. Taking an
  // entry out of spec.routes is not: an apply cannot, and ACM's mustonlyhave would make the whole spec the template.
  if (mode.render && v.mode === 'remove-route') {
    if (mode.render.format !== 'acm-policy') throw new UsageError(`expose --route ${o.route} --remove cannot be rendered as ${mode.render.format}: it takes something away, and an apply can only add and change`, GITOPS_REMOVAL_HINT);
    throw new UsageError(
      `expose --route ${o.route} --remove cannot be rendered as acm-policy: a musthave template cannot take an entry out of spec.routes, and a mustonlyhave template makes whole top-level fields exactly the template — the registry Config's whole spec, dropping every setting it does not name`,
      `run \`${commandLine(o)}\` on each cluster (--contexts runs it on several; --dry-run shows what it removes)`,
    );
  }
  if (mode.render && (o.trust || o.caOut)) {
    throw new UsageError('--trust and --ca-out write files on this machine and cannot be rendered', 'render without them; once the route is admitted, run `regctl expose --trust` where podman/skopeo run');
  }
  const cluster = await ctx.cluster();
  // Hosts are allocated under the apps domain; the ingress wildcard certificate covers *.domain only.
  const { domain, hostDomain } = await routes.routeDomains(cluster);
  const dryRun = mode.dryRun !== 'none';
  if (v.secretName) await checkRouteSecret(ctx, cluster, o, v, Boolean(mode.render));
  if (v.mode === 'route' && !v.tls && !v.secretName && o.hostname && domain && !rp.underWildcard(o.hostname, domain)) {
    ctx.log.warn(`${o.hostname} is not under *.${domain}: the ingress certificate will not match it; pass --cert/--key for it`);
  }

  let p: Planned;
  let changed = false;
  // The plan the API last refused with 409/422, and what runPlan said meanwhile (the undo of its secret).
  let refused: { steps: string; error: unknown; said: string[] } | undefined;
  const sayNotes = (x: Planned) => x.notes.forEach((n) => ctx.log.info(n));
  for (let attempt = 1; ; attempt++) {
    p = await planExpose(cluster, o, v, hostDomain);
    if (mode.render && v.secretName) {
      p.plan.warnings.push(`the rendered spec.routes entry names Secret ${NAMES.registryNamespace}/${v.secretName} (tls.crt, tls.key): it is not rendered, and must exist on every target cluster before this is applied`);
    }
    if (dryRun || mode.render) {
      sayNotes(p);
      p.plan.checks.push(...localActions(ctx, o, removing, p.host, p.routeName));
      await runPlan(ctx, cluster, p.plan, mode, { format: format === 'table' ? undefined : format });
      return;
    }
    const steps = JSON.stringify(p.plan.steps);
    if (refused) {
      // The very plan the API refused with 422: spec.routes did not change, so its `test` did not fail; report that 422
      // (a policy, say) as a failure on the first try would be. A 409 is the server's own re-applies running out: the
      // same plan may be sent again.
      if (refused.steps === steps && configConflict(refused.error, [422])) {
        sayNotes(p);
        refused.said.forEach((m) => ctx.log.info(m));
        throw refused.error;
      }
      // Undoing the refused plan's secret is not news: the new plan is what counts.
      refused.said.forEach((m) => ctx.log.debug(m));
      ctx.log.debug(`refused: ${asRegctlError(refused.error).message}`);
      ctx.log.info(`${changedWhat(v.mode)} changed under us (${conflictStatus(refused.error)}); planning again (attempt ${attempt} of ${MAX_PLANS})`);
    }
    // This plan ends the command unless the API refuses it: its notes (already exposed, nothing to remove) are said now.
    if (!p.plan.steps.length) {
      sayNotes(p);
      break;
    }
    const said: string[] = [];
    try {
      await runPlan(holdingInfo(ctx, said), cluster, p.plan, mode, { quiet: true });
    } catch (e) {
      // spec.routes changed since it was read (the `test` failed): read again, plan again.
      if (attempt < MAX_PLANS && configConflict(e)) {
        refused = { steps, error: e, said };
        continue;
      }
      sayNotes(p);
      said.forEach((m) => ctx.log.info(m));
      if (configConflict(e)) throw gaveUp(e, attempt);
      throw e;
    }
    changed = progress.changed = true;
    sayNotes(p);
    said.forEach((m) => ctx.log.info(m));
    for (const s of p.plan.steps) {
      const msg = p.done.get(s);
      if (msg) ctx.log.info(msg);
    }
    break;
  }
  const routeName = p.routeName;
  let host = p.host;

  // The checks: the route admitted (or gone).
  let info: RouteInfo | undefined;
  if (!removing && v.mode !== 'trust-only' && o.wait !== false) {
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
  } else if (removing && changed && o.wait !== false) {
    const gone = await ctx.spin(`Waiting for route ${routeName} to be removed`, () => routes.waitForRouteGone(cluster, routeName, { timeoutMs: v.timeoutMs, signal: ctx.signal }));
    if (!gone && !ctx.signal.aborted) throw new TimeoutError(`route ${routeName} still exists after ${o.timeout}`, { hint: 'see `regctl status`; the operator deletes it on its next sync' });
  }

  if (!removing && v.mode !== 'trust-only' && !v.tls && !o.hostname && !p.keptCertificate && host && domain && !rp.underWildcard(host, domain)) {
    ctx.log.warn(`${host} is not under *.${domain} (ingresses.config/cluster spec.appsDomain is ${hostDomain}): the default ingress certificate will not match it; give the route a certificate (--route NAME --cert/--key) or replace the default ingress certificate with one that covers *.${hostDomain}`);
  }

  // The local actions: the CA that signs the route's certificate, to --ca-out and certs.d.
  let caFile: string | null = null;
  let trusted: string | null = null;
  let caPem: string | undefined;
  let caSource = '';
  if (!removing && (o.caOut || o.trust || format !== 'table')) {
    ({ caPem, caSource } = await routeCA(cluster, v, routeName, info));
  }
  const cleanCA = caPem ? caOnly(caPem) || caPem : undefined;
  if ((o.caOut || o.trust) && !removing && !cleanCA) {
    throw new RegctlError(`cannot tell which CA signs route ${routeName}`, { hint: v.tls ? 'pass the issuing CA with --ca FILE' : v.secretName ? `add the issuing CA to secret ${v.secretName} as tls.cacrt` : 'ask a cluster admin for the ingress CA' });
  }
  if (o.caOut && cleanCA) {
    writeAtomic(o.caOut, cleanCA, 0o644, 0o755);
    caFile = o.caOut;
    ctx.log.info(`Wrote the CA of ${host ?? routeName} to ${o.caOut}.`);
  }
  if (o.trust) {
    const dir = certsd.certsDir({ certsDir: o.certsDir, env: ctx.env });
    if (!host) throw new RegctlError(`route ${routeName} has no host yet, so there is no certs.d entry to ${removing ? 'remove' : 'write'}`, { hint: 'run again without --no-wait' });
    if (removing) {
      if (certsd.removeCA(dir, host)) ctx.log.info(`Removed ${certsd.caPath(dir, host)}.`);
    } else {
      const w = certsd.writeCA(dir, host, cleanCA!);
      trusted = w.file;
      ctx.log.info(w.changed ? `Trusted the CA of ${host}: wrote ${w.file}.` : `${w.file} already holds the CA of ${host}.`);
      if (info) await verifyTrust(ctx, host, cleanCA!);
    }
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

async function routeCA(cluster: Cluster, v: Validated, routeName: string, info: RouteInfo | undefined): Promise<{ caPem?: string; caSource: string }> {
  if (v.tls) return { caPem: v.routeCA, caSource: v.routeCA ? '--ca' : '' };
  if (v.secretName) return { caPem: v.routeCA, caSource: v.caSource ?? '' };
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
