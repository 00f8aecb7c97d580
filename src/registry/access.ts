// The registry flags every command shares (--registry/--internal/--authfile/--ca-file/--certs-dir/
// --insecure-skip-tls-verify): one options type, one validation (flags only, before any I/O), and the one
// list of places credentials for a registry come from. Light on purpose: commands import it statically;
// the session that opens the registry (session.ts) is loaded with import() through ctx.registry().
import { UsageError } from '../errors.js';
import { INTERNAL_REGISTRY_HOST } from './reference.js';

export { INTERNAL_REGISTRY_HOST };

export interface RegistryAccessOptions {
  registry?: string;
  internal?: boolean;
  authfile?: string;
  caFile?: string;
  certsDir?: string;
  insecureSkipTlsVerify?: boolean;
  namespace?: string;
}

/**
 * Where the credentials for a registry came from: the hidden --token, the kubeconfig user's token, a service
 * account's short-lived token, an OAuth login (user name and password), a saved auth.json entry, another
 * registry's own password (`login HOST -u USER`), or none.
 */
export type CredentialSource = 'token' | 'kubeconfig' | 'service-account' | 'password' | 'auth.json' | 'registry-password' | 'none';

/** The credential sources of the cluster token (src/cluster/credentials.ts). */
export type ClusterCredentialSource = Extract<CredentialSource, 'token' | 'kubeconfig' | 'service-account' | 'password'>;

/** --registry without trailing slashes. */
export function registryFlagHost(registry: string): string {
  return registry.replace(/\/+$/, '');
}

/**
 * Checks the registry flags alone, before any I/O. `allowPath`: --registry may name a namespace on the host
 * (host/path, as auth.json keys may; `regctl login`). `referenceHost`: the host an image reference names.
 */
export function validateAccessOptions(o: RegistryAccessOptions, how: { referenceHost?: string; allowPath?: boolean } = {}): void {
  if (o.registry && o.internal) throw new UsageError('--registry and --internal cannot be combined', `--internal means --registry ${INTERNAL_REGISTRY_HOST}`);
  if (o.insecureSkipTlsVerify && o.caFile) throw new UsageError('--insecure-skip-tls-verify and --ca-file cannot be combined', 'drop --insecure-skip-tls-verify: --ca-file verifies properly');
  if (o.registry && (/^[a-z]+:\/\//i.test(o.registry) || (how.allowPath ? /\s/ : /[\s/]/).test(registryFlagHost(o.registry)))) {
    throw new UsageError(
      `invalid --registry "${o.registry}"`,
      `give host[:port] without a scheme${how.allowPath ? '' : ' or path'}, e.g. --registry default-route-openshift-image-registry.apps.example.com`,
    );
  }
  const flagHost = o.internal ? INTERNAL_REGISTRY_HOST : o.registry ? registryFlagHost(o.registry) : undefined;
  if (how.referenceHost && flagHost && how.referenceHost !== flagHost) {
    throw new UsageError(`the image names registry ${how.referenceHost} but ${o.internal ? '--internal' : '--registry'} says ${flagHost}`, 'give the host in one place only');
  }
}
