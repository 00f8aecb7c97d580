// Before any layer goes to this cluster's registry: may the user push there? The registry asks the API server
// `update imagestreams/layers` for every push, and a push to a stream that does not exist makes it create the
// stream with the pusher's own token (image-registry pkg/imagestream, behaviours f.1): `create imagestreams`.
// Asked with SelfSubjectAccessReviews, so a denied copy fails before uploading anything, with the grant that fixes it.
import type { Cluster } from '../../cluster/cluster.js';
import { isApiError } from '../../cluster/api-error.js';
import { R } from '../../cluster/resources.js';
import { AuthError, NotFoundError } from '../../errors.js';

/** tag → the image digest the stream's status names for it (what the registry serves for the tag). */
export type StreamTags = Map<string, string>;

function streamTags(is: any): StreamTags {
  const out: StreamTags = new Map();
  for (const t of is?.status?.tags ?? []) {
    const image = t?.items?.[0]?.image;
    if (typeof t?.tag === 'string' && typeof image === 'string') out.set(t.tag, image);
  }
  return out;
}

/** How `regctl grant` names the current user: -z SA for a service account of the project. */
function grantSubject(username: string, namespace: string): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (sa) return sa[1] === namespace ? `-z ${sa[2]}` : username;
  return username || 'USER';
}

/**
 * `registryKnows`: whether the registry serves the repository (tags/list: 200 or 404 NAME_UNKNOWN), for users who
 * may not read image streams (system:image-pusher may only get and update imagestreams/layers).
 */
export async function checkPushRights(cluster: Cluster, namespace: string, stream: string, registryKnows: () => Promise<boolean | undefined>, warn: (m: string) => void, debug: (m: string) => void): Promise<StreamTags | undefined> {
  let who = '';
  const whoami = async () => (who ||= (await cluster.whoami().catch(() => ({ username: '' }))).username);
  let push;
  try {
    push = await cluster.can({ verb: 'update', group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace, name: stream });
  } catch (e) {
    if (!isApiError(e, 403)) throw e;
    debug(`cannot create SelfSubjectAccessReviews: ${e.message}; the registry will decide`);
    return undefined;
  }
  if (!push.allowed) {
    const u = await whoami();
    throw new AuthError(`${u || 'you'} may not push to ${namespace}/${stream}: update imagestreams/layers in ${namespace} is denied; nothing was uploaded`, {
      hint: `a project admin grants it: regctl grant pusher ${grantSubject(u, namespace)} -n ${namespace} (regctl grant builder … also allows new image streams)`,
    });
  }
  let exists: boolean | undefined;
  let tags: StreamTags | undefined;
  // One after the other on the API server's kept-alive connection: a second TLS connection costs more than the wait.
  const read = await cluster.getOrNull<any>(R.imageStream, stream, namespace).then(
    (is) => ({ is }),
    (e: unknown) => ({ e }),
  );
  if ('is' in read) {
    exists = Boolean(read.is);
    if (read.is) tags = streamTags(read.is);
  } else {
    if (!isApiError(read.e, 403)) throw read.e;
    exists = await registryKnows().catch(() => undefined);
  }
  if (exists) return tags;
  // A push into a project that does not exist passes every access check (a cluster admin's) and is refused only at
  // the manifest, after the upload: the registry's ImageStreamMapping gets NotFound for the namespace and answers
  // 403 DENIED (image-registry pkg/imagestream CreateImageStreamMapping). Users who may not read it: the registry decides.
  const project = await cluster.getOrNull(R.namespace, namespace).then(
    (n) => n !== null,
    (e: unknown) => {
      if (isApiError(e, 403)) return undefined;
      throw e;
    },
  );
  if (project === false) {
    throw new NotFoundError(`project ${namespace} does not exist: the registry refuses a push into a missing project; nothing was uploaded`, {
      hint: `create it first: \`oc new-project ${namespace}\` (or copy into an existing project)`,
    });
  }
  const create = await cluster.can({ verb: 'create', group: 'image.openshift.io', resource: 'imagestreams', namespace });
  if (create.allowed) return exists === false ? new Map() : undefined;
  const u = await whoami();
  if (exists === false) {
    throw new AuthError(
      `${namespace}/${stream} is a new image stream, which the registry creates with your own token, and ${u || 'you'} may not create imagestreams in ${namespace}; nothing was uploaded`,
      { hint: `a project admin grants it: regctl grant builder ${grantSubject(u, namespace)} -n ${namespace}` },
    );
  }
  warn(`cannot tell whether ${namespace}/${stream} exists; if it does not, the registry will refuse the push (create imagestreams in ${namespace} is denied: regctl grant builder ${grantSubject(u, namespace)} -n ${namespace})`);
}
