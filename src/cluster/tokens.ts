// Tokens from the API server: TokenRequest for service accounts, OAuth server discovery, the kubeconfig's CA.
import fs from 'node:fs';
import type { Cluster } from './cluster.js';
import { isApiError } from './api-error.js';
import { R } from './resources.js';
import { AuthError, NotFoundError, RegctlError } from '../errors.js';

export interface IssuedToken {
  token: string;
  expiresAt?: string;
}

/** POST …/serviceaccounts/SA/token (TokenRequest). Minimum duration is 10 minutes (API server rule). */
export async function requestServiceAccountToken(c: Cluster, namespace: string, sa: string, durationSeconds: number): Promise<IssuedToken> {
  try {
    const res = await c.create(
      R.serviceAccount,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: durationSeconds } },
      { namespace, subresourceOf: sa, subresource: 'token' },
    );
    const token = res.status?.token as string | undefined;
    if (!token) throw new RegctlError(`the API server returned no token for service account ${namespace}/${sa}`);
    return { token, expiresAt: res.status?.expirationTimestamp };
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new NotFoundError(`service account ${sa} not found in namespace ${namespace}`, {
        hint: `create it: \`kubectl create serviceaccount ${sa} -n ${namespace}\`, then grant it registry rights: \`regctl grant\``,
      });
    }
    if (isApiError(e, 403)) {
      throw new AuthError(`forbidden: you may not create tokens for service account ${namespace}/${sa}`, {
        hint: `you need "create serviceaccounts/token" in ${namespace} (project admin or edit); check with \`kubectl auth can-i create serviceaccounts --subresource=token -n ${namespace}\``,
      });
    }
    throw e;
  }
}

export interface OAuthMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  code_challenge_methods_supported?: string[];
}

/** GET /.well-known/oauth-authorization-server from the API server (behaviours b.2 step 1). */
export async function oauthMetadata(c: Cluster): Promise<OAuthMetadata> {
  let m: OAuthMetadata;
  try {
    m = await c.rest.get<OAuthMetadata>('/.well-known/oauth-authorization-server');
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new NotFoundError('the cluster has no OAuth server (/.well-known/oauth-authorization-server is not served)', {
        hint: 'use a token instead: --token, or --service-account SA',
      });
    }
    throw e;
  }
  if (!m?.authorization_endpoint || !m.token_endpoint) {
    throw new RegctlError('the OAuth metadata of the cluster has no authorization/token endpoint', { hint: 'use a token instead: --token, or --service-account SA' });
  }
  return m;
}

/** The kubeconfig cluster's CA (certificate-authority-data or -file) and whether it skips TLS verification. */
export function kubeconfigTrust(c: Cluster): { caPem?: string; insecure: boolean } {
  const cl = c.config.kc.getCurrentCluster();
  if (!cl) return { insecure: false };
  let caPem: string | undefined;
  if (cl.caData) caPem = Buffer.from(cl.caData, 'base64').toString('utf8');
  else if (cl.caFile) {
    try {
      caPem = fs.readFileSync(cl.caFile, 'utf8');
    } catch {
      caPem = undefined;
    }
  }
  return { caPem, insecure: Boolean(cl.skipTLSVerify) };
}
