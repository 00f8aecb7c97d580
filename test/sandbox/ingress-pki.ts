// The default ingress certificate, two ways (cluster-ingress-operator):
//   'root'         – operator-generated: the wildcard signed by the operator's self-signed CA (router-ca); the
//                    secret openshift-ingress/router-certs-default holds leaf + that CA (library-go MakeServerCert).
//   'intermediate' – an admin's custom default certificate (IngressController spec.defaultCertificate): the wildcard
//                    signed by an intermediate of a private root; the secret holds leaf + intermediate, never the root.
// The router serves the secret's tls.crt as is; certificate-publisher copies that same tls.crt into
// openshift-config-managed/default-ingress-cert (ca-bundle.crt).
import { createCA, type Issued } from './pki.ts';

export type IngressChain = 'root' | 'intermediate';
export const INGRESS_CHAINS: IngressChain[] = ['root', 'intermediate'];

/** Name of the admin's custom default-certificate secret in openshift-ingress (any name works upstream). */
export const CUSTOM_DEFAULT_CERT_SECRET = 'custom-certs-default';

export interface IngressPki {
  chain: IngressChain;
  /** The self-signed root the wildcard chains to. With 'intermediate' it is kept out of the cluster. */
  rootPem: string;
  wildcard: Issued;
  /** What the router sends after the leaf: the operator CA ('root') or the intermediate ('intermediate'). */
  chainPem: string;
  /** The openshift-ingress secret holding the default certificate. */
  secretName: string;
}

export async function createIngressPki(chain: IngressChain, domain: string): Promise<IngressPki> {
  const names = { commonName: `*.${domain}`, dnsNames: [`*.${domain}`, domain] };
  if (chain === 'intermediate') {
    const root = await createCA('Sandbox Example Private Root CA');
    const intermediate = await root.issueCA('Sandbox Example Issuing CA 1');
    const wildcard = await intermediate.issue(names);
    return { chain, rootPem: root.certPem, wildcard, chainPem: intermediate.certPem, secretName: CUSTOM_DEFAULT_CERT_SECRET };
  }
  const ca = await createCA(`ingress-operator@${Math.floor(Date.now() / 1000)}`);
  const wildcard = await ca.issue(names);
  return { chain, rootPem: ca.certPem, wildcard, chainPem: ca.certPem, secretName: 'router-certs-default' };
}
