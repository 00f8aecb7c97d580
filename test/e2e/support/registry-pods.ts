// The sandbox's registry pods, for the logs e2e files.
import type { Sandbox } from '../../sandbox/index.js';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';

/** Registry pods not being deleted (only the Ready ones unless ready is false), sorted by name. */
export function registryPods(sb: Sandbox, ready = true): string[] {
  return sb.store
    .list('/pods', NS, { labelSelector: 'docker-registry=default' })
    .items.filter((p: any) => !p.metadata.deletionTimestamp && (!ready || (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')))
    .map((p) => p.metadata.name!)
    .sort();
}

/** Waits until the operator reports the registry Available (Ready) with two ready pods; returns their names. */
export async function twoReadyRegistryPods(sb: Sandbox, timeoutMs = 30_000): Promise<string[]> {
  await sb.waitFor((s) => {
    const cfg = s.get(CFG, undefined, 'cluster') as any;
    return (cfg?.status?.conditions ?? []).some((c: any) => c.type === 'Available' && c.status === 'True' && c.reason === 'Ready');
  }, timeoutMs);
  await sb.waitFor(() => registryPods(sb).length === 2, timeoutMs);
  return registryPods(sb);
}
