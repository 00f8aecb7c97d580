// The light status read behind the summary table of a read command across contexts: two GETs (the operator config
// and the ClusterOperator) decided as `regctl status` decides (src/cluster/status.ts buildStatus).
import type { Cluster } from '../cluster/cluster.js';
import { isApiError } from '../cluster/api-error.js';
import { NAMES, R } from '../cluster/resources.js';
import { buildStatus, type SectionError } from '../cluster/status.js';

export interface ClusterSummary {
  /** Available, Degraded, Unavailable, Removed, Unknown; `forbidden` when neither object may be read. */
  health: string;
  version?: string;
  /** The storage types configured (s3, pvc, …), empty when none; absent when the config cannot be read. */
  storage?: string[];
}

async function getOrMark(read: () => Promise<any>, name: string, unavailable: Record<string, SectionError>): Promise<any> {
  try {
    return await read();
  } catch (e) {
    if (isApiError(e) && (e.statusCode === 403 || e.statusCode === 404)) {
      unavailable[name] = { reason: e.statusCode === 403 ? 'Forbidden' : 'NotFound', message: '' };
      return null;
    }
    throw e;
  }
}

export async function readSummary(c: Cluster): Promise<ClusterSummary> {
  const unavailable: Record<string, SectionError> = {};
  const [config, co] = await Promise.all([
    getOrMark(() => c.get(R.registryConfig, NAMES.cluster), 'config', unavailable),
    getOrMark(() => c.get(R.clusterOperator, NAMES.clusterOperator), 'clusterOperator', unavailable),
  ]);
  if (unavailable.config?.reason === 'Forbidden' && unavailable.clusterOperator?.reason === 'Forbidden') return { health: 'forbidden' };
  const s = buildStatus(c.server, { config, co, deploy: null, pods: null, imageConfig: null, routes: null, certs: null, pruner: null }, unavailable);
  const h = s.health;
  const health =
    h.reason === 'Removed' || s.config?.managementState === 'Removed'
      ? 'Removed'
      : h.degraded
        ? 'Degraded'
        : h.available
          ? 'Available'
          : h.available === false
            ? 'Unavailable'
            : config === null && co === null
              ? 'NotInstalled'
              : 'Unknown';
  return { health, ...(s.clusterOperator?.version ? { version: s.clusterOperator.version } : {}), ...(s.config ? { storage: s.config.storage.types } : {}) };
}
