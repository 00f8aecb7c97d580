// Registry pods in distribution's read-only maintenance mode. The operator renders spec.readOnly as the container env
// REGISTRY_STORAGE_MAINTENANCE_READONLY="{enabled: true}" (openshift/cluster-image-registry-operator
// pkg/resource/podtemplatespec.go makePodTemplateSpec); distribution reads it as storage.maintenance.readonly
// (registry/handlers/app.go NewApp → app.readOnly), and its manifest, blob and upload dispatchers then register only
// GET and HEAD (manifests.go, blob.go, blobupload.go), so gorilla's MethodHandler answers every other method 405
// "Method not allowed" with `Allow: GET, HEAD`. Rather than imitate that, a pod with the env gets its writes served
// by a second real docker-registry started with the pod's value, on the same storage and http secret.
import http from 'node:http';
import { startDistribution, type DistributionProcess } from './process.ts';

export const READONLY_ENV = 'REGISTRY_STORAGE_MAINTENANCE_READONLY';

export interface EnvVar {
  name: string;
  value?: string;
}

/** The methods a repository route allows (OPTIONS: MethodHandler's `Allow`), as this process answers. */
function allowed(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v2/sandbox/probe/manifests/latest`, { method: 'OPTIONS', timeout: 5000 }, (res) => {
      res.resume();
      resolve(String(res.headers.allow ?? ''));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('OPTIONS probe timed out')));
    req.end();
  });
}

export interface Maintenance {
  /**
   * The URL of the docker-registry that runs with this pod's REGISTRY_STORAGE_MAINTENANCE_READONLY when distribution
   * itself puts it in read-only mode; undefined for a read-write pod (no env, or a value such as `{enabled: false}`).
   * Rejects when docker-registry does not start with the value (distribution panics on a malformed one).
   */
  readOnlyUpstream(env: EnvVar[] | undefined): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createMaintenance(o: { dataDir: string; onLine?: (line: string) => void }): Maintenance {
  // One process per distinct value, started at the first write a pod with it serves; read-write ones are not kept.
  const byValue = new Map<string, Promise<DistributionProcess | undefined>>();
  let closed = false;
  const start = async (value: string): Promise<DistributionProcess | undefined> => {
    const p = await startDistribution({ dataDir: o.dataDir, onLine: o.onLine, env: { [READONLY_ENV]: value } });
    let allow: string;
    try {
      allow = await allowed(p.url);
    } catch (e) {
      await p.stop();
      throw e;
    }
    if (closed || /\b(PUT|DELETE)\b/.test(allow)) {
      await p.stop();
      return undefined;
    }
    return p;
  };
  return {
    async readOnlyUpstream(env) {
      const value = env?.find((e) => e.name === READONLY_ENV)?.value;
      if (value === undefined || closed) return undefined;
      let p = byValue.get(value);
      if (!p) {
        p = start(value);
        byValue.set(value, p);
        // A failed start is tried again by the next write.
        p.catch(() => byValue.get(value) === p && byValue.delete(value));
      }
      return (await p)?.url;
    },
    async close() {
      closed = true;
      const all = [...byValue.values()];
      byValue.clear();
      await Promise.all(all.map((p) => p.then((d) => d?.stop(), () => undefined)));
    },
  };
}
