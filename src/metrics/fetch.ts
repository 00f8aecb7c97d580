// GET /extensions/v2/metrics (behaviours §e) through the registry HTTP layer (src/registry/http.ts):
// Basic <any user>:<token>, the CA chosen like `regctl login` does, 401/403 explained with the grant to run.
import type { Cluster } from '../cluster/cluster.js';
import { HttpClient, type Trust } from '../registry/http.js';
import { basicHeader } from '../registry/auth.js';
import { AuthError, NotFoundError, RegctlError } from '../errors.js';

export const METRICS_PATH = '/extensions/v2/metrics';
/** promhttp negotiates: ask for the classic text format, not OpenMetrics or protobuf. */
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';
/** The registry ignores the Basic user name; this one shows up in its access log. */
const BASIC_USER = 'regctl';

export interface MetricsTarget {
  host: string;
  trust: Trust;
  token: string;
  /** The OpenShift user the token belongs to (for the grant hint). */
  username: string;
  /** The token is the kubeconfig user's (so an access review as "me" describes it). */
  tokenIsKubeconfigUser: boolean;
}

export interface Scrape {
  url: string;
  text: string;
  /** When the request was sent (rates use the time between requests). */
  at: Date;
  contentType: string;
}

export function grantHint(username: string): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (sa) return `ask a cluster admin to run \`regctl grant metrics -z ${sa[2]} -n ${sa[1]}\` (get on image.openshift.io registry/metrics)`;
  return `ask a cluster admin to run \`regctl grant metrics ${username || 'USER'}\` (get on image.openshift.io registry/metrics)`;
}

export class MetricsClient {
  readonly url: string;
  private readonly http: HttpClient;

  constructor(
    private readonly t: MetricsTarget,
    o: { env: Record<string, string | undefined>; timeoutMs: number; trace?: (line: string) => void; userAgent: string },
  ) {
    this.url = `https://${t.host}${METRICS_PATH}`;
    this.http = new HttpClient({ env: o.env, trust: t.trust, timeoutMs: o.timeoutMs, trace: o.trace, userAgent: o.userAgent });
  }

  /** One scrape. Non-200 answers become RegctlErrors (401/403 with the grant hint via explainDenied). */
  async scrape(signal: AbortSignal, cluster?: Cluster): Promise<Scrape> {
    const at = new Date();
    const res = await this.http.request({
      url: this.url,
      headers: { authorization: basicHeader(BASIC_USER, this.t.token), accept: ACCEPT },
      signal,
    });
    if (res.status === 200) {
      return { url: this.url, text: await res.text(), at, contentType: res.headers['content-type'] ?? '' };
    }
    const body = (await res.text().catch(() => '')).trim();
    if (res.status === 401 || res.status === 403) throw await this.explainDenied(res.status, res.headerValues('www-authenticate').join(', '), cluster);
    if (res.status === 404) {
      throw new NotFoundError(`${this.t.host} does not serve ${METRICS_PATH} (404)`, {
        hint: 'registry metrics are off (REGISTRY_OPENSHIFT_METRICS_ENABLED), or this host is not the OpenShift registry; check `regctl status`',
      });
    }
    const detail = body.split('\n')[0]?.slice(0, 200) ?? '';
    throw new RegctlError(`${this.t.host} answered ${res.status} for ${METRICS_PATH}${detail ? `: ${detail}` : ''}`, {
      hint: res.status >= 500 ? 'the registry is unwell; see `regctl status` and `regctl logs --level error`' : 'run again with -v to see the request',
    });
  }

  /**
   * The registry answers 401 `access denied` both for an unknown token and for a user without get on
   * registry/metrics. The token was just validated against the API server, so ask the API server which it is.
   */
  private async explainDenied(status: number, challenge: string, cluster?: Cluster): Promise<AuthError> {
    const who = this.t.username || 'this user';
    const reason = /error="([^"]*)"/.exec(challenge)?.[1] ?? (status === 403 ? 'forbidden' : 'unauthorized');
    let allowed: boolean | undefined;
    if (cluster && this.t.tokenIsKubeconfigUser) {
      try {
        allowed = (await cluster.can({ verb: 'get', group: 'image.openshift.io', resource: 'registry', subresource: 'metrics' })).allowed;
      } catch {
        allowed = undefined;
      }
    }
    if (allowed === true) {
      return new AuthError(`the registry at ${this.t.host} refused the metrics request (${status} ${reason}) although ${who} may get registry/metrics`, {
        hint: 'the registry may be configured with a metrics secret (openshift.metrics.secret), which then is the only accepted token',
      });
    }
    return new AuthError(`${who} may not read the registry metrics (${this.t.host} answered ${status} ${reason})`, { hint: grantHint(this.t.username) });
  }
}
