// Which image stream tags and images the cluster's workloads use, as `oc adm prune images` finds them
// (openshift/oc pkg/cli/admin/prune/imageprune/prune.go: analyzeImageReference, analyzeReferencesFromPodSpec,
// analyzeReferencesFromBuildStrategy, analyzeReferencesFromPods).
import type { Json } from '../cluster/rest.js';

/** `kind/namespace/name`, e.g. `pod/team/web-1`. */
export type Referrer = string;

export interface InvalidRef {
  referrer: Referrer;
  where: string;
  reference: string;
  error: string;
}

export interface Usage {
  /** `ns/stream:tag` → referrers (the tag's newest revision is in use). */
  tags: Map<string, Referrer[]>;
  /** `ns/stream@digest` → referrers. */
  images: Map<string, Referrer[]>;
  invalid: InvalidRef[];
}

export function newUsage(): Usage {
  return { tags: new Map(), images: new Map(), invalid: [] };
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

export interface ParsedRef {
  registry: string;
  namespace: string;
  name: string;
  tag?: string;
  id?: string;
}

/** library-go's reference.Parse: [registry/][namespace/]name[:tag][@digest]; throws on what docker refuses. */
export function parseImageRef(s: string): ParsedRef {
  let rest = s;
  let id: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    id = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(id)) throw new Error('invalid digest format');
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error('invalid reference format');
  }
  if (!rest) throw new Error('repository name must have at least one component');
  const parts = rest.split('/');
  let registry = '';
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) registry = parts.shift()!;
  if (registry && !HOST.test(registry)) throw new Error('invalid reference format');
  if (parts.some((p) => p !== p.toLowerCase())) throw new Error('repository name must be lowercase');
  if (!parts.every((p) => COMPONENT.test(p))) throw new Error('invalid reference format');
  let namespace = '';
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [namespace, name] = parts as [string, string];
  else {
    // Three or more parts without a recognisable host: the first is the registry (library-go ParseDockerImageReference).
    if (!registry) registry = parts.shift()!;
    namespace = parts.shift()!;
    name = parts.join('/');
  }
  return { registry, namespace, name, ...(tag ? { tag } : {}), ...(id ? { id } : {}) };
}

function addRef(u: Usage, map: Map<string, Referrer[]>, key: string, referrer: Referrer): void {
  const l = map.get(key);
  if (l) {
    if (!l.includes(referrer)) l.push(referrer);
  } else map.set(key, [referrer]);
  void u;
}

/** One image reference of a workload: an istag (no digest) or an isimage, host ignored as oc does. */
export function addImageReference(u: Usage, referrer: Referrer, where: string, reference: string): void {
  let ref: ParsedRef;
  try {
    ref = parseImageRef(reference);
  } catch (e) {
    u.invalid.push({ referrer, where, reference, error: (e as Error).message });
    return;
  }
  if (!ref.registry || !ref.namespace || ref.name.includes('/')) return;
  if (!ref.id) addRef(u, u.tags, `${ref.namespace}/${ref.name}:${ref.tag ?? 'latest'}`, referrer);
  else addRef(u, u.images, `${ref.namespace}/${ref.name}@${ref.id}`, referrer);
}

export function addPodSpec(u: Usage, referrer: Referrer, spec: Json | undefined): void {
  for (const [list, label] of [[spec?.initContainers, 'init container'], [spec?.containers, 'container']] as const) {
    for (const c of (list as Json[] | undefined) ?? []) {
      const image = String(c?.image ?? '').trim();
      if (image) addImageReference(u, referrer, `${label} ${c.name}`, image);
    }
  }
}

/** buildutil.GetInputReference: the strategy's `from`. */
export function addBuildStrategy(u: Usage, referrer: Referrer, namespace: string, strategy: Json | undefined): void {
  const s = strategy ?? {};
  const from: Json | undefined = (s.sourceStrategy ?? s.dockerStrategy ?? s.customStrategy)?.from;
  if (!from) return;
  const name = String(from.name ?? '');
  if (from.kind === 'DockerImage') {
    if (name.trim()) addImageReference(u, referrer, 'build strategy', name);
  } else if (from.kind === 'ImageStreamImage') {
    const i = name.indexOf('@');
    if (i <= 0 || i === name.length - 1 || name.indexOf('@', i + 1) >= 0) return void u.invalid.push({ referrer, where: 'build strategy', reference: name, error: 'expected exactly one @ in the isimage name' });
    addRef(u, u.images, `${from.namespace || namespace}/${name.slice(0, i)}@${name.slice(i + 1)}`, referrer);
  } else if (from.kind === 'ImageStreamTag') {
    // imageutil.ParseImageStreamTagName: an `@` makes it an isimage, not an istag.
    if (name.includes('@')) return void u.invalid.push({ referrer, where: 'build strategy', reference: name, error: 'is an image stream image, not an image stream tag' });
    const i = name.indexOf(':');
    if (i <= 0 || i === name.length - 1 || name.indexOf(':', i + 1) >= 0) return void u.invalid.push({ referrer, where: 'build strategy', reference: name, error: 'expected exactly one : delimiter in the istag' });
    addRef(u, u.tags, `${from.namespace || namespace}/${name.slice(0, i)}:${name.slice(i + 1)}`, referrer);
  }
}

/** Where the pod template of each kind lives. */
export const TEMPLATE_PATH: Record<string, (o: Json) => Json | undefined> = {
  pod: (o) => o.spec,
  replicationcontroller: (o) => o.spec?.template?.spec,
  deploymentconfig: (o) => o.spec?.template?.spec,
  replicaset: (o) => o.spec?.template?.spec,
  deployment: (o) => o.spec?.template?.spec,
  daemonset: (o) => o.spec?.template?.spec,
  statefulset: (o) => o.spec?.template?.spec,
  job: (o) => o.spec?.template?.spec,
  cronjob: (o) => o.spec?.jobTemplate?.spec?.template?.spec,
};
