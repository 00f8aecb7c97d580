// Why the registry denied a push, as the real image-registry decides (pkg/imagestream CreateImageStreamMapping):
// the ImageStreamMapping's namespace NotFound becomes Forbidden (no project → 403 DENIED, not 404), and a new name
// makes the registry create the image stream with the pushing user's own token (no `create imagestreams` → 403
// DENIED); a user without push rights is stopped earlier by the access check (401).
import type { Cluster } from '../cluster/cluster.js';
import { R } from '../cluster/resources.js';
import { isApiError } from '../cluster/api-error.js';
import { getImageStream } from '../cluster/imagestreams.js';
import { sh } from './shell.js';

export interface DeniedPush {
  reason: string;
  fix: string;
  evidence: string[];
}

/** true/false when the namespace could be read or was not found; undefined when the user may not tell. */
async function namespaceExists(c: Cluster, ns: string): Promise<boolean | undefined> {
  try {
    return (await c.getOrNull(R.namespace, ns)) !== null;
  } catch (e) {
    if (isApiError(e, 403)) return undefined;
    throw e;
  }
}

const quietly = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

/**
 * @param who how `regctl grant` names the user (`alice`, `-z ci`)
 * @param inRegistry whether the registry knows the repository (tags/list: 200 or 404 NAME_UNKNOWN), for users who
 *   may pull but not read image streams through the API (system:image-pusher has only imagestreams/layers)
 */
export async function explainDeniedPush(c: Cluster, ns: string, stream: string, user: string, who: string, inRegistry?: () => Promise<boolean | undefined>): Promise<DeniedPush> {
  const project = await namespaceExists(c, ns);
  if (project === false) {
    return { reason: `the project ${ns} does not exist`, fix: `oc new-project ${sh(ns)}`, evidence: [`namespace ${ns}: not found (the registry answers 403 for a push into a missing project)`] };
  }
  const [exists, push, create] = await Promise.all([
    quietly(getImageStream(c, ns, stream).then(Boolean)).then(async (v) => v ?? (inRegistry ? quietly(inRegistry()) : undefined)),
    quietly(c.can({ verb: 'update', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: ns }).then((r) => r.allowed)),
    quietly(c.can({ verb: 'create', group: 'image.openshift.io', resource: 'imagestreams', namespace: ns }).then((r) => r.allowed)),
  ]);
  const yn = (b: boolean | undefined) => (b === undefined ? 'unknown' : b ? 'allowed' : 'denied');
  const evidence = [
    `image stream ${ns}/${stream}: ${exists === undefined ? 'unknown' : exists ? 'exists' : 'does not exist (a new name)'}`,
    `push (update imagestreams/layers in ${ns}): ${yn(push)}`,
    `create imagestreams in ${ns}: ${yn(create)}`,
  ];
  if (project === undefined) evidence.push(`namespace ${ns}: you may not read it (cannot tell whether the project exists)`);
  if (push === false) {
    return { reason: `${user} may not push to ${ns}`, fix: `regctl grant ${create ? 'pusher' : 'builder'} ${who} -n ${sh(ns)}`, evidence };
  }
  if (exists === false && create === false) {
    return {
      reason: `${stream} is a new image stream, which the registry creates with your own token, and ${user} may not create imagestreams in ${ns}`,
      fix: `regctl grant builder ${who} -n ${sh(ns)}`,
      evidence,
    };
  }
  return { reason: 'a resource quota of the project may be exceeded (the registry answers 403 for that too)', fix: 'regctl logs', evidence };
}
