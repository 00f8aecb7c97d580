// Which CA to trust for a registry host, in order: --ca-file, the certs.d entry podman would use, the route's own
// CA, the ingress CA from the cluster (routes), the registry CA configmap (internal host).
import type { Cluster } from '../cluster/cluster.js';
import type { Trust } from './http.js';
import { readTrustedCAs } from './certsd.js';
import { isPem } from './ca.js';
import { UsageError } from '../errors.js';
import { readTextFileCapped } from '../input/read.js';
import { R } from '../cluster/resources.js';

export type TrustSource = 'ca-file' | 'certs.d' | 'route-ca' | 'ingress-ca' | 'registry-ca' | 'service-ca' | 'system' | 'insecure';

export interface ResolvedTrust {
  trust: Trust;
  source: TrustSource;
  /** A file (ca-file, certs.d) or a cluster object the CA came from. */
  from?: string;
}

export function readCAFile(file: string, flag = '--ca-file'): string {
  let pem: string;
  try {
    pem = readTextFileCapped(file, 'pem', `${flag} ${file}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${flag} ${file} (${(e as NodeJS.ErrnoException).code})`, `give a PEM file with the CA certificate`);
  }
  if (!isPem(pem)) throw new UsageError(`${flag} ${file} holds no PEM certificate`, 'give a PEM file (-----BEGIN CERTIFICATE-----)');
  return pem;
}

export interface TrustInput {
  host: string;
  caFile?: string;
  certsDir?: string;
  insecure?: boolean;
  env: Record<string, string | undefined>;
  /** For the CAs known to the cluster; omitted → system roots only. */
  cluster?: Cluster;
  internal?: boolean;
}

export async function resolveTrust(o: TrustInput): Promise<ResolvedTrust> {
  if (o.insecure) return { trust: { insecure: true }, source: 'insecure' };
  if (o.caFile) return { trust: { caPem: readCAFile(o.caFile) }, source: 'ca-file', from: o.caFile };
  const local = readTrustedCAs(o.host, { certsDir: o.certsDir, env: o.env });
  if (local) return { trust: { caPem: local.pem }, source: 'certs.d', from: local.files[0] };
  if (!o.cluster) return { trust: {}, source: 'system' };
  const { registryRoutes, ingressCA } = await import('../cluster/routes.js');
  const { isApiError } = await import('../cluster/api-error.js');
  if (o.internal) {
    // In a pod: the service CA OpenShift mounts with the service-account token (it signs the registry's service
    // certificate), read before asking the API (a pod's service account may not read openshift-config-managed).
    if (o.cluster.config.inCluster) {
      const { SERVICE_CA_FILE } = await import('../cluster/in-cluster.js');
      const pem = readServiceCA(SERVICE_CA_FILE);
      if (pem) return { trust: { caPem: pem }, source: 'service-ca', from: SERVICE_CA_FILE };
    }
    try {
      const cm = await o.cluster.getOrNull(R.configMap, 'image-registry-ca', 'openshift-config-managed');
      const pem = Object.values((cm?.data ?? {}) as Record<string, string>).join('\n');
      if (isPem(pem)) return { trust: { caPem: pem }, source: 'registry-ca', from: 'configmap openshift-config-managed/image-registry-ca' };
    } catch (e) {
      if (!isApiError(e, 403)) throw e;
    }
    return { trust: {}, source: 'system' };
  }
  try {
    const route = (await registryRoutes(o.cluster)).find((r) => r.host === o.host.replace(/:443$/, ''));
    if (route?.caCertificate) return { trust: { caPem: route.caCertificate }, source: 'route-ca', from: `route openshift-image-registry/${route.name}` };
  } catch (e) {
    if (!isApiError(e, 403)) throw e;
  }
  try {
    const ca = await ingressCA(o.cluster);
    return { trust: { caPem: ca.pem }, source: 'ingress-ca', from: ca.source };
  } catch {
    return { trust: {}, source: 'system' };
  }
}

/** The pod's service-ca.crt when it holds a PEM certificate (absent on plain Kubernetes). */
function readServiceCA(file: string): string | undefined {
  try {
    const pem = readTextFileCapped(file, 'pem', file);
    return isPem(pem) ? pem : undefined;
  } catch {
    return undefined;
  }
}
