import { AuthError, NotFoundError, RegctlError, TimeoutError, EXIT } from '../errors.js';
import { ApiError, ConnectionError } from './api-error.js';
import { OPENSHIFT_GROUPS } from './resources.js';
import { tokenRejectedHint } from './in-cluster.js';

const REGISTRY_OPERATOR_GROUP = 'imageregistry.operator.openshift.io';

/**
 * The registry operator's API is not served: an OpenShift cluster installed without the ImageRegistry
 * capability (its CRDs come with the operator), or not OpenShift at all. `regctl doctor` tells which.
 */
export function registryNotInstalled(): NotFoundError {
  return new NotFoundError(`the cluster does not serve ${REGISTRY_OPERATOR_GROUP}: no integrated registry (the ImageRegistry capability is disabled, or this is not OpenShift)`, {
    hint: 'run `regctl doctor` to see which, and the command that enables the capability',
  });
}

/**
 * The `kubectl auth can-i` arguments for what a 403 denied, read from kube-apiserver's message (k8s.io/apiserver
 * pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage: `cannot VERB resource "R[/SUB]" in API group "G"
 * in the namespace "NS"` / `at the cluster scope`, or `cannot VERB path "P"`); undefined for any other text.
 */
export function canICheck(message: string): string | undefined {
  const safe = (v: string) => /^[A-Za-z0-9._:/*-]+$/.test(v);
  const res = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/.exec(message);
  if (res) {
    const [, verb, resource, group, ns] = res as unknown as [string, string, string, string, string | undefined];
    const [name, sub] = resource.split('/') as [string, string | undefined];
    if (![verb, name, ...(sub ? [sub] : []), ...(group ? [group] : []), ...(ns ? [ns] : [])].every(safe)) return undefined;
    return [verb, group ? `${name}.${group}` : name, ...(sub ? [`--subresource=${sub}`] : []), ...(ns ? ['-n', ns] : [])].join(' ');
  }
  const path = /cannot (\S+) path "([^"]+)"/.exec(message);
  if (path && safe(path[1]!) && safe(path[2]!)) return `${path[1]} ${path[2]}`;
  return undefined;
}

/** Turns API and connection failures into one-line errors with a hint and an exit code. */
export function translateClusterError(e: unknown): RegctlError | undefined {
  if (e instanceof ConnectionError) {
    const proxied = translateProxyFailure(e);
    if (proxied) return proxied;
    if (e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new TimeoutError(`the API server at ${e.server} did not answer in time`, {
        hint: 'check the cluster is reachable, or raise --request-timeout',
      });
    }
    const certCodes = ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED'];
    if (certCodes.includes(e.code)) {
      return new RegctlError(`cannot verify the API server's certificate at ${e.server} (${e.code})`, {
        hint: 'set certificate-authority-data for the cluster in your kubeconfig (oc login does this)',
      });
    }
    return new RegctlError(`cannot reach the API server at ${e.server} (${e.code})`, {
      hint: 'check the cluster is up and the kubeconfig server URL is right (kubectl config view --minify)',
    });
  }
  if (!(e instanceof ApiError)) return undefined;
  const s = e.status;
  const msg = (s.message || e.message).split('\n')[0]!;
  switch (e.statusCode) {
    case 401:
      return new AuthError('your token is missing, expired or revoked (401 Unauthorized)', {
        hint: e.inCluster ? tokenRejectedHint({ inCluster: true }) : 'log in again with `oc login`, or pass a fresh token with --token',
      });
    case 403: {
      // A service account (a pod's, or -z): name it as `regctl grant` takes it.
      const sa = /User "system:serviceaccount:([^:"]+):([^:"]+)"/.exec(msg);
      const check = canICheck(msg);
      return new AuthError(`forbidden: ${msg}`, {
        hint: sa
          ? `ask a cluster admin for the role: \`regctl grant ROLE -z ${sa[2]} -n ${sa[1]}\` (reader: the registry status; puller/pusher: images); check with \`kubectl auth can-i ${check ? `${check} ` : ''}--as system:serviceaccount:${sa[1]}:${sa[2]}\``
          : `ask a cluster admin for the role (for registry access: \`regctl grant …\`); check with \`kubectl auth can-i${check ? ` ${check}` : ''}\``,
      });
    }
    case 404: {
      const group = s.details?.group ?? groupOfPath(e.path);
      if (!s.details?.name && group === REGISTRY_OPERATOR_GROUP) return registryNotInstalled();
      if (!s.details?.name && group && OPENSHIFT_GROUPS.has(group)) {
        return new NotFoundError(`the cluster does not serve ${group}: it does not look like OpenShift`, {
          hint: 'point --kubeconfig/--context at an OpenShift cluster',
        });
      }
      const kind = s.details?.kind;
      return new NotFoundError(msg, {
        hint: kind === 'namespaces' || kind === 'projects'
          ? 'check the project name (`oc get projects`), or create it with `oc new-project NAME`'
          : `check the name${kind ? ` (\`kubectl get ${kind}${s.details?.group ? `.${s.details.group}` : ''}\`)` : ''} and the namespace (-n)`,
      });
    }
    case 409:
      return new RegctlError(`conflict: ${msg}`, { hint: 'someone changed it at the same time; run the command again' });
    case 422: {
      const causes = (s.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`.trim());
      return new RegctlError(`rejected by the API server: ${msg}`, {
        hint: causes.length ? causes.join('; ') : 'check the values against the CRD schema',
        exitCode: EXIT.failure,
      });
    }
    case 504:
      return new TimeoutError(`the API server timed out: ${msg}`, { hint: 'try again, or allow more time with --request-timeout' });
    default:
      return new RegctlError(`API server error (${e.statusCode}): ${msg}`, { hint: 'try again; see -v for the requests made' });
  }
}

const PROXY_HINT = "check HTTPS_PROXY (or the kubeconfig cluster's proxy-url); if the API server is reached directly, add its host to NO_PROXY";

/** Failures of the proxy leg, and host names only the proxy could have resolved. */
function translateProxyFailure(e: ConnectionError): RegctlError | undefined {
  let target = e.server;
  try {
    const u = new URL(e.server);
    target = `${u.hostname}:${u.port || (u.protocol === 'http:' ? 80 : 443)}`;
  } catch {
    /* keep the server string */
  }
  if (e.proxy?.kind === 'refused') {
    return new RegctlError(`the proxy ${e.proxy.url} refused the connection to ${target} (${e.proxy.status ?? e.code})`, { hint: PROXY_HINT });
  }
  if (e.proxy?.kind === 'unreachable') {
    if (e.code === 'ETIMEDOUT') {
      return new TimeoutError(`the proxy ${e.proxy.url} did not open a tunnel to ${target} in time`, { hint: PROXY_HINT });
    }
    return new RegctlError(`cannot reach the proxy ${e.proxy.url} for the API server at ${e.server} (${e.code})`, {
      hint: "check HTTPS_PROXY (or the kubeconfig cluster's proxy-url) points at a running proxy, or add the API server's host to NO_PROXY",
    });
  }
  if (!e.proxy && (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')) {
    return new RegctlError(`cannot resolve the API server host ${target.replace(/:\d+$/, '')} (${e.code})`, {
      hint: 'check the server URL (kubectl config view --minify); if the cluster is reached through a proxy, set HTTPS_PROXY and keep the host out of NO_PROXY',
    });
  }
  return undefined;
}

function groupOfPath(p: string): string | undefined {
  const m = /^\/apis\/([^/]+)\//.exec(p);
  return m?.[1];
}
