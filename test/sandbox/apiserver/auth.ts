// Users (htpasswd identity provider), OAuth access tokens and service-account tokens.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { AuthRegistry, Identity } from '../types.ts';

export interface SandboxAuthRegistry extends AuthRegistry {
  /** A bound service-account token (TokenRequest); username system:serviceaccount:NS:SA. */
  issueServiceAccountToken(namespace: string, name: string, opts?: { ttlSeconds?: number; uid?: string }): { token: string; expiresAt: Date };
  /** When a token expires (undefined when unknown). */
  expiry(token: string): Date | undefined;
  /** uid of a user (stable, assigned by addUser or on first token). */
  userUid(username: string): string | undefined;
  /** Registered users with their own groups. */
  users(): Array<{ username: string; uid: string; groups: string[] }>;
}

interface UserRec {
  uid: string;
  salt?: Buffer;
  hash?: Buffer;
  groups: string[];
}

interface TokenRec {
  identity: Identity;
  expiresAt: number;
}

/** `sha256~` + unpadded base64url(32 random bytes), never starting with '-' (like oauth-server). */
export function newToken(): string {
  for (;;) {
    const t = randomBytes(32).toString('base64url');
    if (!t.startsWith('-')) return `sha256~${t}`;
  }
}

export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

export function createAuthRegistry(): SandboxAuthRegistry {
  const users = new Map<string, UserRec>();
  const tokens = new Map<string, TokenRec>();

  function ensureUser(username: string): UserRec {
    let u = users.get(username);
    if (!u) users.set(username, (u = { uid: randomUUID(), groups: [] }));
    return u;
  }
  function put(identity: Identity, ttlSeconds: number): { token: string; expiresAt: Date } {
    const token = newToken();
    const expiresAt = Date.now() + ttlSeconds * 1000;
    tokens.set(token, { identity, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  return {
    addUser(username, opts = {}) {
      const u = ensureUser(username);
      if (opts.password !== undefined) {
        u.salt = randomBytes(16);
        u.hash = scryptSync(opts.password, u.salt, 32, { N: 1024 });
      }
      if (opts.groups) u.groups = [...opts.groups];
    },
    hasUser: (username) => users.has(username),
    checkPassword(username, password) {
      const u = users.get(username);
      if (!u?.hash || !u.salt) return false;
      return timingSafeEqual(u.hash, scryptSync(password, u.salt, 32, { N: 1024 }));
    },
    issueToken(username, opts = {}) {
      const sa = username.match(/^system:serviceaccount:([^:]+):([^:]+)$/);
      if (sa) return this.issueServiceAccountToken(sa[1]!, sa[2]!, { ttlSeconds: opts.ttlSeconds }).token;
      const u = ensureUser(username);
      const groups = [...new Set([...u.groups, ...(opts.groups ?? []), 'system:authenticated', 'system:authenticated:oauth'])];
      return put({ username, uid: u.uid, groups, extra: { 'scopes.authorization.openshift.io': ['user:full'] } }, opts.ttlSeconds ?? 86400).token;
    },
    issueServiceAccountToken(namespace, name, opts = {}) {
      const identity: Identity = { username: `system:serviceaccount:${namespace}:${name}`, groups: serviceAccountGroups(namespace) };
      if (opts.uid) identity.uid = opts.uid;
      return put(identity, opts.ttlSeconds ?? 3600);
    },
    lookup(token) {
      const rec = tokens.get(token);
      if (!rec) return undefined;
      if (rec.expiresAt <= Date.now()) {
        tokens.delete(token);
        return undefined;
      }
      return structuredClone(rec.identity);
    },
    revoke(token) {
      tokens.delete(token);
    },
    expiry(token) {
      const rec = tokens.get(token);
      return rec ? new Date(rec.expiresAt) : undefined;
    },
    userUid: (username) => users.get(username)?.uid,
    users: () => [...users].map(([username, u]) => ({ username, uid: u.uid, groups: [...u.groups] })),
  };
}
