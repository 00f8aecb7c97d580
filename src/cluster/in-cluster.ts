// A pod's in-cluster configuration as client-go reads it (light: no client-node): whether it applies, the pod's
// namespace, the service CA OpenShift mounts next to the token, and the hint when the pod's token is rejected.
import fs from 'node:fs';
import path from 'node:path';

/** Where the kubelet mounts a pod's service-account volume (token, ca.crt, namespace; OpenShift adds service-ca.crt). */
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The service CA bundle OpenShift projects into every pod's service-account volume (service-ca.crt, from the
 * openshift-service-ca.crt ConfigMap the service-ca operator fills): the signer of the service-serving certificates,
 * so of the internal registry's certificate for image-registry.openshift-image-registry.svc.
 */
export const SERVICE_CA_FILE = path.join(SA_DIR, 'service-ca.crt');

/**
 * client-go's inClusterClientConfig.Possible() (k8s.io/client-go/tools/clientcmd/client_config.go): both service
 * env vars set, and the token file exists and is not a directory.
 */
export function inClusterPossible(env: Record<string, string | undefined>): boolean {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  try {
    return !fs.statSync(path.join(SA_DIR, 'token')).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The namespace in a pod: client-go's inClusterClientConfig.Namespace() (same file): POD_NAMESPACE, then the service
 * account's namespace file, then "default".
 */
export function inClusterNamespace(env: Record<string, string | undefined>): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return fs.readFileSync(path.join(SA_DIR, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/** What to do when the current token is rejected: log in again, or (in a pod) fix the pod's service account. */
export function tokenRejectedHint(k: { inCluster: boolean }): string {
  return k.inCluster
    ? `the pod's service-account token (${SA_DIR}/token) was rejected: check that the pod's service account still exists and its token is mounted (automountServiceAccountToken)`
    : 'your kubeconfig token expired or was revoked: log in again with `oc login`';
}
