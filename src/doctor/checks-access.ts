// Checks of the path from this machine: the route's TLS chain against what podman would trust (system CAs and
// certs.d) and against the cluster's CA; /healthz and /v2/ with the user's token (behaviours f.1–f.3);
// the registry permissions as SelfSubjectAccessReviews (f.1, e, f.4).
import { AuthError, NotFoundError, toRegctlError } from '../errors.js';
import { discoverRegistryHost, ingressCA, type RouteInfo } from '../cluster/routes.js';
import { NAMES, R } from '../cluster/resources.js';
import { CAPABILITIES } from '../cluster/policy-rules.js';
import { fetchServerChain } from '../registry/server-chain.js';
import { certsSearchPath, readTrustedCAs } from '../registry/certsd.js';
import type { ResolvedTrust } from '../registry/trust.js';
import { RegistryAuthError, RegistryConnectionError } from '../registry/errors.js';
import { INTERNAL_REGISTRY_HOST } from '../registry/reference.js';
import { passes, type CheckImpl } from './engine.js';
import type { DoctorEnv, RegistryAccess } from './env.js';
import { fail, NOT_APPLICABLE_INTERNAL, NOT_EXPOSED, ok, skip, warn, type CheckResult, type Outcome } from './model.js';
import { daysLeft, verifyChain } from './tls-verify.js';
import { commandIn, sh } from './shell.js';

/** `regctl expose --trust`, pointed at the certs.d directory doctor looked in. */
function trustFix(env: DoctorEnv): string {
  return `regctl expose --trust${env.opts.certsDir ? ` --certs-dir ${sh(env.opts.certsDir)}` : ''}`;
}

/** `regctl login`, writing the auth file doctor read. */
function loginFix(env: DoctorEnv): string {
  const f = env.opts.authfile;
  return `regctl login${f ? ` --authfile ${sh(f)}` : ''}${env.opts.registry ? ` --registry ${sh(env.opts.registry)}` : ''}${env.opts.internal ? ' --internal' : ''}`;
}

function splitHost(host: string): { name: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(host);
  return m ? { name: m[1]!, port: Number(m[2]) } : { name: host, port: 443 };
}

/** The registry host: --internal, --registry, the admitted route the route check found, else discovered as `regctl login` does. */
async function registryHost(env: DoctorEnv): Promise<{ host: string; source: string }> {
  if (env.opts.internal) return { host: INTERNAL_REGISTRY_HOST, source: '--internal' };
  if (env.opts.registry) return { host: env.opts.registry.replace(/\/+$/, ''), source: '--registry' };
  if (env.host) return { host: env.host, source: 'route' };
  const r = env.routes?.[0];
  if (r) return { host: r.host, source: `route ${r.name}` };
  const c = await env.cluster();
  const d = await discoverRegistryHost(c, c.namespace);
  return { host: d.host, source: d.source };
}

/** The host, or a skip when it cannot be discovered by a user who may not read routes (not a fault of the registry). */
async function hostOrSkip(env: DoctorEnv, results: ReadonlyMap<string, CheckResult>): Promise<{ host: string; source: string } | Outcome> {
  try {
    return await registryHost(env);
  } catch (e) {
    if ((e instanceof NotFoundError || e instanceof AuthError) && results.get('route')?.verdict === 'skipped') {
      return skip('cannot find the registry host: you may not read its routes or image.config (pass --registry HOST)', [toRegctlError(e).message]);
    }
    // No route and no external hostname: nothing outside the cluster to connect to (the route check warns about it).
    if (e instanceof NotFoundError && !env.opts.registry) return skip(`${NOT_EXPOSED} (check the in-cluster path with --internal)`, [toRegctlError(e).message]);
    throw e;
  }
}

/** The CA on the cluster side that should sign the host's certificate. */
async function clusterCA(env: DoctorEnv, host: string, route?: RouteInfo): Promise<{ pem: string; source: string } | { error: string }> {
  const c = await env.cluster();
  if (host === INTERNAL_REGISTRY_HOST) {
    const cm = await c.getOrNull(R.configMap, 'image-registry-ca', 'openshift-config-managed').catch(() => null);
    const pem = Object.values((cm?.data ?? {}) as Record<string, string>).join('\n');
    return pem.includes('BEGIN CERTIFICATE') ? { pem, source: 'configmap openshift-config-managed/image-registry-ca' } : { error: 'the registry CA (openshift-config-managed/image-registry-ca) is not readable' };
  }
  if (route?.caCertificate) return { pem: route.caCertificate, source: `route ${route.name} spec.tls.caCertificate` };
  try {
    const ca = await ingressCA(c);
    return { pem: ca.pem, source: ca.source };
  } catch (e) {
    return { error: toRegctlError(e).message };
  }
}

export const tlsCheck: CheckImpl<DoctorEnv> = {
  id: 'tls',
  async run(env, results) {
    if (env.opts.internal) return skip(NOT_APPLICABLE_INTERNAL);
    const found = await hostOrSkip(env, results);
    if ('verdict' in found) return found;
    const { host, source } = found;
    env.host = host;
    const { name, port } = splitHost(host);
    const ctx = env.ctx;
    const chain = await fetchServerChain(name, port, { env: ctx.env, timeoutMs: ctx.requestTimeoutMs || 30_000, signal: ctx.signal });
    const pems = chain.certs.map((c) => c.pem);
    const leaf = chain.certs[0];
    const evidence = [`host ${host} (from ${source})${chain.proxy ? ` through proxy ${chain.proxy}` : ''}`];
    if (leaf) evidence.push(`certificate: ${leaf.subject}, issued by ${leaf.issuer}, valid until ${leaf.notAfter}`);
    const local = readTrustedCAs(host, { certsDir: env.opts.certsDir, env: ctx.env });
    const localVerdict = local ? verifyChain(pems, local.pem, name) : undefined;
    const machineOk = chain.verified || Boolean(localVerdict?.ok);
    evidence.push(`system CAs: ${chain.verified ? 'verify' : `do not verify (${chain.verifyError ?? 'unknown error'})`}`);
    evidence.push(
      local
        ? `${local.files.join(', ')}: ${localVerdict!.ok ? 'verifies' : `does not verify (${localVerdict!.error})`}`
        : `certs.d: no ${host}/ca.crt in ${certsSearchPath({ certsDir: env.opts.certsDir, env: ctx.env }).join(', ')}`,
    );
    const route = env.routes?.find((r) => r.host === name);
    const ca = await clusterCA(env, host, route);
    const clusterVerdict = 'pem' in ca ? verifyChain(pems, ca.pem, name) : undefined;
    evidence.push('pem' in ca ? `cluster CA (${ca.source}): ${clusterVerdict!.ok ? 'verifies' : `does not verify (${clusterVerdict!.error})`}` : `cluster CA: ${ca.error}`);
    env.machineTrusted = machineOk;
    if ('pem' in ca && clusterVerdict?.ok) env.clusterCaPem = ca.pem;
    else if (local && localVerdict?.ok) env.clusterCaPem = local.pem;
    const details = { host, machineTrusted: machineOk, clusterVerified: clusterVerdict?.ok ?? null, certsD: local?.files[0] ?? null };
    if (machineOk) {
      const days = leaf ? daysLeft(leaf.pem) : NaN;
      if (days < 14) {
        const fix = route && route.name !== NAMES.defaultRoute ? `regctl expose --route ${sh(route.name)} --hostname ${sh(name)} --cert NEW.crt --key NEW.key --ca CA.crt --trust` : `openssl s_client -connect ${name}:${port} -servername ${name} -showcerts </dev/null`;
        return warn(`the certificate of ${host} expires in ${days} days`, fix, evidence, details);
      }
      return ok(`${host} presents a certificate this machine trusts (${local && localVerdict?.ok ? local.files[0] : 'system CAs'})`, evidence, details);
    }
    if (clusterVerdict?.ok) {
      const why = local ? `the CA in ${local.files[0]} does not sign it` : `there is no certs.d entry for ${host}`;
      return fail(`podman, skopeo and buildah on this machine do not trust ${host}: ${why} (the ${'pem' in ca ? ca.source : 'cluster CA'} does)`, trustFix(env), evidence, details);
    }
    if (!clusterVerdict) {
      return fail(`this machine does not trust the certificate of ${host} (${chain.verifyError ?? localVerdict?.error}), and the cluster's CA could not be read to compare`, trustFix(env), evidence, details);
    }
    return fail(`the certificate of ${host} does not verify, not even with the cluster's CA: ${clusterVerdict.error}`, `openssl s_client -connect ${name}:${port} -servername ${name} -showcerts </dev/null`, evidence, details);
  },
};

/** The trust for the registry API: what the tls check found (the cluster CA when this machine does not trust the host). */
async function trustFor(env: DoctorEnv, host: string): Promise<{ resolved: ResolvedTrust; source: string }> {
  if (env.machineTrusted === false && env.clusterCaPem) return { resolved: { trust: { caPem: env.clusterCaPem }, source: 'route-ca' }, source: 'the cluster CA (this machine does not trust the host)' };
  const local = readTrustedCAs(host, { certsDir: env.opts.certsDir, env: env.ctx.env });
  if (local) return { resolved: { trust: { caPem: local.pem }, source: 'certs.d', from: local.files[0] }, source: local.files[0]! };
  if (env.clusterCaPem) return { resolved: { trust: { caPem: env.clusterCaPem }, source: 'route-ca' }, source: 'the cluster CA' };
  if (env.machineTrusted) return { resolved: { trust: {}, source: 'system' }, source: 'system CAs' };
  const { resolveTrust } = await import('../registry/trust.js');
  const r = await resolveTrust({ host, certsDir: env.opts.certsDir, env: env.ctx.env, cluster: await env.cluster(), internal: host === INTERNAL_REGISTRY_HOST });
  return { resolved: r, source: r.from ?? r.source };
}

function connectionOutcome(env: DoctorEnv, e: unknown, what: string, evidence: string[]): Outcome {
  const err = toRegctlError(e);
  const cert = e instanceof RegistryConnectionError && e.isCertificateError;
  return fail(`${what}: ${err.message}`, cert ? trustFix(env) : (commandIn(err.hint) ?? 'regctl status'), [...evidence, ...(err.hint ? [`hint: ${err.hint}`] : [])]);
}

export const registryApiCheck: CheckImpl<DoctorEnv> = {
  id: 'registry-api',
  // A machine that does not trust the route is the tls check's finding; the API can still be checked with the cluster CA.
  accepts: { tls: (r) => passes(r) || (r.verdict === 'fail' && r.details?.clusterVerified === true) },
  async run(env, results) {
    const ctx = env.ctx;
    const found = await hostOrSkip(env, results);
    if ('verdict' in found) return found;
    const { host } = found;
    env.host = host;
    const { resolved, source } = await trustFor(env, host);
    const evidence = [`trusting ${source}`];
    const c = await env.cluster();
    // Host, trust and credentials through the one registry factory, so the cluster token follows the token rule
    // (src/cluster/registry-hosts.ts clusterTokenDecision) exactly as for login and the content commands.
    const origin = env.opts.internal || !env.opts.registry ? 'cluster' : 'named';
    const s = await ctx.registry(
      { registry: env.opts.registry, internal: env.opts.internal, authfile: env.opts.authfile, namespace: env.opts.namespace },
      { host: { name: host, source: found.source, origin }, trust: resolved, timeoutMs: ctx.requestTimeoutMs || 30_000, check: false },
    );
    try {
      const res = await s.client.http.request({ url: `https://${host}/healthz`, signal: ctx.signal });
      const text = (await res.text()).slice(0, 300);
      evidence.push(`GET https://${host}/healthz → ${res.status}`);
      if (res.status !== 200) {
        const unavailable = /not available/i.test(text) || res.status === 503;
        return fail(`https://${host}/healthz answered ${res.status}${unavailable ? ': the router has no ready registry pod behind the route' : ''}`, unavailable ? 'regctl status' : 'regctl logs', evidence);
      }
    } catch (e) {
      return connectionOutcome(env, e, `GET https://${host}/healthz failed`, evidence);
    }

    const credentials = s.credentials as RegistryAccess['credentials'];
    const client = s.client;
    const via = credentials === 'auth.json' ? `the token saved in ${s.authfile} (as podman/skopeo use it)` : credentials === 'kubeconfig' ? 'your kubeconfig token' : credentials === 'token' ? 'the --token' : 'no credentials';
    try {
      const p = await client.ping(ctx.signal);
      evidence.push(`GET https://${host}/v2/ with ${via} → ${p.status}${p.apiVersion ? ` (${p.apiVersion})` : ''}, ${p.scheme} auth`);
    } catch (e) {
      if (e instanceof RegistryAuthError) {
        evidence.push(`GET https://${host}/v2/ with ${via} → 401 (${e.message})`);
        const withClusterToken = credentials === 'auth.json' ? await s.withClusterToken() : undefined;
        if (withClusterToken) {
          try {
            await withClusterToken.ping(ctx.signal);
            evidence.push(`GET https://${host}/v2/ with your kubeconfig token → 200: the registry works, the saved token does not`);
          } catch (e2) {
            evidence.push(`GET https://${host}/v2/ with your kubeconfig token → ${toRegctlError(e2).message}`);
          }
        }
        if (credentials === 'auth.json') return fail(`the token saved for ${host} in ${s.authfile} was rejected: expired or revoked`, loginFix(env), evidence);
        const unconfirmed = credentials === 'none' ? s.tokenUnconfirmed : undefined;
        if (unconfirmed) return fail(unconfirmed.message, commandIn(unconfirmed.hint) ?? 'regctl grant reader', [...evidence, `hint: ${unconfirmed.hint}`]);
        if (credentials === 'none' && s.tokenWithheld) {
          return fail(`${host} wants credentials: none are saved for it, and regctl sends it no cluster token (${s.tokenNote})`, `podman login ${sh(host)}`, evidence);
        }
        if (credentials === 'none') return fail(`you have no token for ${host} (your kubeconfig uses a client certificate, which the registry does not accept)`, `regctl login --service-account SA -n ${c.namespace}`, evidence);
        return fail(`${host} rejected ${via}: ${e.message}`, credentials === 'token' ? 'oc whoami -t' : 'oc login', evidence);
      }
      return connectionOutcome(env, e, `GET https://${host}/v2/ failed`, evidence);
    }
    env.registry = { host, client, credentials };
    if (credentials === 'kubeconfig' && host === INTERNAL_REGISTRY_HOST) {
      // In the cluster, builds and pods authenticate with their own tokens; podman's saved login is not on that path.
      evidence.push(`no credentials saved for ${host} (podman on this machine would need \`${loginFix(env)}\`)`);
      return ok(`${host}/v2/ accepts your token`, evidence, { host, credentials });
    }
    if (credentials === 'kubeconfig') {
      return warn(`/v2/ answers with your kubeconfig token, but podman, skopeo and buildah have no credentials for ${host}`, loginFix(env), evidence, { host, credentials });
    }
    if (credentials === 'none') return warn(`/v2/ answers, but you have no credentials for ${host}`, loginFix(env), evidence, { host, credentials });
    return ok(`${host}/v2/ accepts ${credentials === 'auth.json' ? 'the token saved by regctl login' : 'your token'}`, evidence, { host, credentials });
  },
};

/** How `regctl grant` names the user: -z for a service account of the project, else the user name. */
export function grantSubject(username: string, namespace: string): string {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (m && m[1] === namespace) return `-z ${sh(m[2]!)}`;
  return sh(username);
}

export interface RbacAnswers {
  pull: boolean;
  push: boolean;
  createStream: boolean;
  catalog: boolean;
  metrics: boolean;
}

/**
 * Pushing to a new name needs `create imagestreams` besides push: the registry creates the stream with the
 * pusher's own token (system:image-pusher cannot, system:image-builder and registry-editor can). The fix names
 * builder unless the user may already create image streams.
 */
export function evaluateRbac(a: RbacAnswers, user: string, namespace: string, pushWanted: boolean): Outcome {
  const yn = (b: boolean) => (b ? 'allowed' : 'denied');
  const evidence = [
    `pull (get imagestreams/layers in ${namespace}): ${yn(a.pull)}`,
    `push (update imagestreams/layers in ${namespace}): ${yn(a.push)}`,
    `create imagestreams in ${namespace} (push to a new image stream): ${yn(a.createStream)}`,
    `catalog (list imagestreams cluster-wide, /v2/_catalog): ${yn(a.catalog)}`,
    `metrics (get registry/metrics, /extensions/v2/metrics): ${yn(a.metrics)}`,
  ];
  const details = { user, namespace, ...a };
  const who = grantSubject(user, namespace);
  const extras = [a.catalog && 'catalog', a.metrics && 'metrics'].filter(Boolean).join(' and ');
  const tail = extras ? `; also ${extras}` : '';
  const pushRole = a.createStream ? 'pusher' : 'builder';
  if (!a.pull) return fail(`${user} may not pull from ${namespace}${a.push ? '' : ' nor push to it'}`, `regctl grant ${a.push || pushWanted ? pushRole : 'puller'} ${who} -n ${sh(namespace)}`, evidence, details);
  if (!a.push) {
    const summary = `${user} may pull from ${namespace} but not push to it${tail}`;
    const fix = `regctl grant ${pushRole} ${who} -n ${sh(namespace)}`;
    return pushWanted ? fail(summary, fix, evidence, details) : warn(summary, fix, evidence, details);
  }
  if (!a.createStream) {
    return warn(`${user} may push to existing image streams in ${namespace} but not to a new name (create imagestreams denied)${tail}`, `regctl grant builder ${who} -n ${sh(namespace)}`, evidence, details);
  }
  return ok(`${user} may pull from and push to ${namespace}${tail}`, evidence, details);
}

export const rbacCheck: CheckImpl<DoctorEnv> = {
  id: 'rbac',
  async run(env) {
    const c = await env.cluster();
    const ns = c.namespace;
    const user = await env.identity();
    const cap = (k: string) => CAPABILITIES.find((x) => x.key === k)!;
    const ask = (k: string) => {
      const x = cap(k);
      return c.can({ verb: x.verb, group: x.group, resource: x.resource, ...(x.subresource ? { subresource: x.subresource } : {}), ...(x.namespaced ? { namespace: ns } : {}) }).then((r) => r.allowed);
    };
    const [pull, push, createStream, catalog, metrics] = await Promise.all([
      ask('pull'),
      ask('push'),
      c.can({ verb: 'create', group: 'image.openshift.io', resource: 'imagestreams', namespace: ns }).then((r) => r.allowed),
      ask('catalog'),
      ask('metrics'),
    ]);
    return evaluateRbac({ pull, push, createStream, catalog, metrics }, user.username, ns, Boolean(env.opts.pushTest || env.opts.only?.includes('push-test')));
  },
};

