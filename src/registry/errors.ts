import { AuthError, EXIT, NotFoundError, RegctlError, TimeoutError, registerErrorTranslator } from '../errors.js';

/** TLS verification failures, by Node/OpenSSL error code. */
export const CERT_ERROR_CODES = [
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_NOT_YET_VALID',
] as const;

/**
 * The fix for a certificate HOST's trust cannot verify. `regctl expose --trust` only installs this cluster's route CA;
 * any other registry (a mirror, quay.io behind a TLS-inspecting proxy) needs its own CA in certs.d, as podman reads it.
 */
export function trustHint(host: string): string {
  return `put the CA that signs ${host}'s certificate where podman/skopeo look, <certs.d>/${host}/ca.crt (for this cluster's route \`regctl expose --trust\` does it), or pass --ca-file FILE`;
}

/** A network-level failure (connect, TLS, proxy, timeout) talking to a registry-side host. */
export class RegistryConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
    message: string,
    /** The proxy the request went through (scheme://host:port), if any. */
    readonly proxy?: string,
  ) {
    super(message);
    this.name = 'RegistryConnectionError';
  }

  get host(): string {
    return hostOf(this.url);
  }

  get isCertificateError(): boolean {
    return (CERT_ERROR_CODES as readonly string[]).includes(this.code);
  }
}

export type RegistryAuthFailure = 'rejected' | 'denied' | 'forbidden' | 'unsupported';

/** 401/403 from a registry, already classified. Exit code 4. */
export class RegistryAuthError extends AuthError {
  constructor(
    readonly kind: RegistryAuthFailure,
    readonly host: string,
    message: string,
    hint?: string,
  ) {
    super(message, { hint });
    this.name = 'RegistryAuthError';
  }
}

/** Any other non-2xx answer: status plus the first distribution error (code, message). */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

export const TOKEN_REJECTED_HINT =
  'get a new token: `oc login` (then `regctl login`), or `regctl login --service-account SA` for a robot account; check it with `regctl token`';

export function tokenRejected(host: string, hint = TOKEN_REJECTED_HINT): RegistryAuthError {
  return new RegistryAuthError('rejected', host, `token rejected: expired or revoked (${host} answered 401)`, hint);
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Parses a distribution error body `{"errors":[{code,message}]}` (or anything else) into code + message. */
export function distributionError(body: string): { code?: string; message?: string } {
  try {
    const j = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }>; details?: string; error?: string };
    const e = j.errors?.[0];
    if (e) return { code: e.code, message: e.message };
    if (typeof j.details === 'string') return { message: j.details };
    if (typeof j.error === 'string') return { message: j.error };
  } catch {
    /* not JSON */
  }
  const trimmed = body.trim();
  if (trimmed.startsWith('<')) {
    const title = /<(?:title|h1)[^>]*>([^<]+)</i.exec(trimmed)?.[1]?.trim();
    return { message: title || undefined };
  }
  const t = trimmed.split('\n')[0]?.slice(0, 200);
  return { message: t || undefined };
}

export function translateRegistryError(e: unknown): RegctlError | undefined {
  if (e instanceof RegistryConnectionError) {
    const host = e.host;
    if (e.isCertificateError) {
      return new RegctlError(`cannot verify the certificate of ${host} (x509: ${e.code})`, { hint: trustHint(host) });
    }
    if (e.code === 'ETIMEDOUT' || e.code.startsWith('UND_ERR_') && /TIMEOUT/.test(e.code)) {
      return new TimeoutError(`${host} did not answer in time (${e.code})`, { hint: 'check the host and HTTPS_PROXY/NO_PROXY, or raise --request-timeout' });
    }
    if (e.code === 'PROXY') {
      return new RegctlError(`the proxy${e.proxy ? ` ${e.proxy}` : ''} refused the connection to ${host}: ${e.message}`, {
        hint: 'check HTTPS_PROXY/NO_PROXY; the route host must be reachable through the proxy',
      });
    }
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
      return new RegctlError(`cannot resolve ${host} (${e.code})`, { hint: 'set HTTPS_PROXY if the cluster is reached through a proxy, or check the host name' });
    }
    if (e.proxy && (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH')) {
      return new RegctlError(`cannot reach ${host} through the proxy ${e.proxy} (${e.code})`, {
        hint: 'check HTTPS_PROXY points at a running proxy, or add the host to NO_PROXY',
      });
    }
    return new RegctlError(`cannot reach ${host}${e.proxy ? ` through the proxy ${e.proxy}` : ''} (${e.code})`, {
      hint: 'check the host is right and reachable (HTTPS_PROXY/NO_PROXY if a proxy is needed)',
    });
  }
  if (e instanceof RegistryHttpError) {
    const host = hostOf(e.url);
    const detail = e.message === `HTTP ${e.status}` ? (e.status === 503 ? 'service unavailable' : 'no details') : e.message;
    if (e.status === 404) return new NotFoundError(`${host}: not found: ${detail}`);
    if (e.status === 403) {
      return new AuthError(`forbidden by ${host}: ${detail}`, { hint: 'ask a project admin for a registry role: `regctl grant …`' });
    }
    if (e.status === 503) {
      return new RegctlError(`${host} answered 503: ${detail}`, {
        hint: 'no registry pod is serving this host: check the host name (`regctl status` lists the routes) and that the registry is running',
      });
    }
    if (e.status === 429 || e.status >= 500) {
      return new RegctlError(`${host} answered ${e.status}: ${detail}`, { hint: 'the registry is unwell or busy; try again, and see `regctl status`', exitCode: EXIT.failure });
    }
    return new RegctlError(`${host} answered ${e.status}: ${detail}`, { hint: 'run again with -v to see the requests made' });
  }
  return undefined;
}

registerErrorTranslator(translateRegistryError);

/** The URL of the next page from a Link header (rel="next"), if any. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

/** A registry error response as an error naming the method, URL and the distribution error code. */
export function httpError(res: { status: number; url: string; text(): string }, method: string): RegistryHttpError {
  const d = distributionError(res.text());
  return new RegistryHttpError(res.status, method, res.url, d.code, d.message ?? `HTTP ${res.status}`);
}

/** /v2/_catalog answered "denied": what it needs, and the per-project listing that works without it (catalog, tags --all). */
/** Credentials taken from auth.json: where they came from (`the token saved for HOST in FILE`), and the login that replaces them. */
export interface SavedLogin {
  from: string;
  relogin: string;
}

export function catalogDenied(host: string, denied?: SavedLogin): AuthError {
  return new AuthError(
    `${host} refused /v2/_catalog: listing the catalog needs cluster-wide "list imagestreams" (image.openshift.io), which ${denied ? `the user of ${denied.from}` : 'this user'} does not have`,
    {
      hint: `list one project through the ImageStream API instead: \`regctl catalog -n PROJECT\` (or ask a cluster admin for cluster-reader)${denied ? `; or, if that saved login is not yours, log in again: \`${denied.relogin}\`` : ''}`,
    },
  );
}
