// metav1.Status bodies exactly like kube-apiserver's.
import { StoreError } from '../types.ts';
import type { ResourceType } from '../types.ts';
import { qualifiedResource } from '../resources.ts';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

/** An error the HTTP layer turns into a Status response. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
  status(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details && Object.keys(this.details).length) s.details = this.details;
    return s;
  }
}

export function fromUnknown(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof StoreError) {
    const reason = e.reason === 'Gone' ? 'Expired' : e.reason;
    return new ApiError(e.code, reason, e.message, e.details);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, { name, group: t.group, kind: t.resource });
}

export function forbidden(
  username: string,
  attrs: { verb: string; group: string; resource: string; subresource?: string; namespace?: string; name?: string; t?: ResourceType },
): ApiError {
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const qr = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const subject = attrs.name ? `${qr} "${attrs.name}"` : qr;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const details: Record<string, unknown> = { group: attrs.group, kind: attrs.resource };
  if (attrs.name) details.name = attrs.name;
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: User "${username}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.group}" ${scope}`, details);
}

export function forbiddenPath(username: string, verb: string, path: string): ApiError {
  return new ApiError(403, 'Forbidden', `forbidden: User "${username}" cannot ${verb} path "${path}"`, {});
}

export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function conflict(t: ResourceType, name: string): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: t.group, kind: t.resource });
}

export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}
