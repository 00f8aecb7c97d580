// Bulk seeding straight into the store (no API round trips): many projects and image streams with tags,
// as benchmarks and large e2e cases need. The registry front serves _catalog and tags/list from these.
import { INTERNAL_REGISTRY } from './registry/imagestreams.ts';
import type { Store } from './types.ts';

const IS = 'image.openshift.io/imagestreams';

export interface SeedImageStreamsOptions {
  /** Project names; created when missing. */
  namespaces: string[];
  /** Streams per project, named `${prefix}-0000`, `${prefix}-0001`, … */
  perNamespace: number;
  /** Tags of every stream, each pointing at its own made-up digest. */
  tags: string[];
  prefix?: string;
  /** First stream number (to add more streams to projects seeded before). */
  start?: number;
}

/** A made-up but well-formed sha256 digest, stable for the same input. */
function fakeDigest(s: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return `sha256:${out.slice(0, 64)}`;
}

/** Creates the projects and streams; returns the repositories (`project/name`) in creation order. */
export function seedImageStreams(store: Store, o: SeedImageStreamsOptions): string[] {
  const prefix = o.prefix ?? 'app';
  const start = o.start ?? 0;
  const repos: string[] = [];
  for (const ns of o.namespaces) {
    if (!store.get('/namespaces', undefined, ns)) store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = start; i < start + o.perNamespace; i++) {
      const name = `${prefix}-${String(i).padStart(4, '0')}`;
      const repo = `${INTERNAL_REGISTRY}/${ns}/${name}`;
      store.create(IS, {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name, namespace: ns },
        spec: { lookupPolicy: { local: false } },
        status: {
          dockerImageRepository: repo,
          tags: [...o.tags].sort().map((tag) => {
            const digest = fakeDigest(`${ns}/${name}:${tag}`);
            return { tag, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `${repo}@${digest}`, image: digest, generation: 1 }] };
          }),
        },
      });
      repos.push(`${ns}/${name}`);
    }
  }
  return repos;
}
