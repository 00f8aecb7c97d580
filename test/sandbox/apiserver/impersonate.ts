// User impersonation (`kubectl --as USER --as-group G`), as kube-apiserver's filter does it: the requester needs
// `impersonate` on users (or serviceaccounts) and on each group; the request then runs as that identity.
import type { IncomingMessage } from 'node:http';
import type { Authorizer, Identity } from '../types.ts';
import { ApiError, forbidden } from './errors.ts';

const SA_PREFIX = 'system:serviceaccount:';

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The identity a request runs as: the authenticated user, or whom it impersonates (when allowed). */
export function impersonated(req: IncomingMessage, user: Identity, authorizer: Authorizer): Identity {
  const [as] = headerValues(req, 'impersonate-user');
  const groups = headerValues(req, 'impersonate-group');
  if (as === undefined) {
    if (groups.length) throw new ApiError(500, 'InternalError', `Internal error occurred: requested [${groups.map((g) => `{Group  ${g}}`).join(' ')}] without impersonating a user`);
    return user;
  }
  const check = (attrs: { resource: string; name: string; namespace?: string }) => {
    const full = { verb: 'impersonate', group: '', ...attrs };
    if (!authorizer.authorize(user, full).allowed) throw forbidden(user.username, full);
  };
  let implied: string[] = [];
  if (as.startsWith(SA_PREFIX) && as.split(':').length === 4) {
    const [, , ns, name] = as.split(':');
    check({ resource: 'serviceaccounts', name: name!, namespace: ns! });
    implied = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    check({ resource: 'users', name: as });
  }
  for (const g of groups) check({ resource: 'groups', name: g });
  const all = [...new Set([...groups, ...implied])];
  if (as !== 'system:anonymous' && !all.includes('system:authenticated')) all.push('system:authenticated');
  return { username: as, groups: all };
}
