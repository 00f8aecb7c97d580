// OpenShift registry authentication and authorization (openshift/image-registry auth.go semantics):
// the token is validated with a SelfSubjectReview and every access record with a SelfSubjectAccessReview,
// both made with the caller's own token. Results are cached briefly so large pushes stay fast.
import type { ApiClient } from './apiclient.ts';

export const ANONYMOUS_TOKEN = 'anonymous';

export type TokenResult =
  | { kind: 'token'; token: string } // '' = anonymous
  | { kind: 'required' } // no/unsupported Authorization header → Bearer challenge
  | { kind: 'invalid' }; // Basic with empty password → "failed to decode credentials"

export function extractToken(header: string | undefined): TokenResult {
  if (!header) return { kind: 'required' };
  const sp = header.indexOf(' ');
  if (sp < 0) return { kind: 'required' };
  const scheme = header.slice(0, sp).toLowerCase();
  const rest = header.slice(sp + 1);
  if (scheme === 'bearer') return { kind: 'token', token: rest === ANONYMOUS_TOKEN ? '' : rest };
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'invalid' };
    const password = decoded.slice(colon + 1);
    if (!password) return { kind: 'invalid' };
    return { kind: 'token', token: password };
  }
  return { kind: 'required' };
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
}

export type VerifyResult = { ok: true; user: UserInfo } | { ok: false; denied: true } | { ok: false; denied: false; message: string };

export interface AccessAttributes {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export type AccessResult = { allowed: true } | { allowed: false; denied: true; reason: string } | { allowed: false; denied: false; message: string };

interface Cached<T> {
  value: T;
  expires: number;
}

export class RegistryAuth {
  private users = new Map<string, Cached<VerifyResult>>();
  private access = new Map<string, Cached<AccessResult>>();

  constructor(
    private readonly api: ApiClient,
    private readonly registryToken: string,
    private readonly ttlMs: number,
  ) {}

  private cached<T>(map: Map<string, Cached<T>>, key: string): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  private remember<T>(map: Map<string, Cached<T>>, key: string, value: T): void {
    if (this.ttlMs <= 0) return;
    if (map.size > 5000) map.clear();
    map.set(key, { value, expires: Date.now() + this.ttlMs });
  }

  /** SelfSubjectReview with the caller's token. */
  async verifyUser(token: string): Promise<VerifyResult> {
    const hit = this.cached(this.users, token);
    if (hit) return hit;
    let result: VerifyResult;
    try {
      const res = await this.api.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', token, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      if (res.status === 200 || res.status === 201) {
        const ui = res.body?.status?.userInfo ?? {};
        result = { ok: true, user: { username: ui.username ?? '', uid: ui.uid, groups: ui.groups } };
      } else if (res.status === 401 || res.status === 403) {
        result = { ok: false, denied: true };
      } else {
        return { ok: false, denied: false, message: `selfsubjectreviews: HTTP ${res.status}: ${res.body?.message ?? ''}` };
      }
    } catch (e) {
      return { ok: false, denied: false, message: (e as Error).message };
    }
    this.remember(this.users, token, result);
    return result;
  }

  /**
   * SelfSubjectAccessReview (group image.openshift.io) with the caller's token; '' means anonymous.
   * If the caller may not create SSARs, retry as system:anonymous with a SubjectAccessReview.
   */
  async checkAccess(token: string, attrs: AccessAttributes): Promise<AccessResult> {
    const key = token + '\u0000' + JSON.stringify(attrs);
    const hit = this.cached(this.access, key);
    if (hit) return hit;
    const resourceAttributes = { group: 'image.openshift.io', ...attrs };
    let result: AccessResult;
    try {
      let res = token
        ? await this.api.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', token, {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes },
          })
        : undefined;
      if (!res || res.status === 401 || res.status === 403) {
        res = await this.api.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', this.registryToken, {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: 'system:anonymous', groups: ['system:unauthenticated'], resourceAttributes },
        });
      }
      if (res.status === 200 || res.status === 201) {
        result = res.body?.status?.allowed
          ? { allowed: true }
          : { allowed: false, denied: true, reason: String(res.body?.status?.reason ?? '') };
      } else if (res.status === 401 || res.status === 403) {
        result = { allowed: false, denied: true, reason: `HTTP ${res.status}` };
      } else {
        return { allowed: false, denied: false, message: `accessreview: HTTP ${res.status}: ${res.body?.message ?? ''}` };
      }
    } catch (e) {
      return { allowed: false, denied: false, message: (e as Error).message };
    }
    this.remember(this.access, key, result);
    return result;
  }
}
