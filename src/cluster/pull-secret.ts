// Pull secrets (seed 003): kubernetes.io/dockerconfigjson Secrets and linking them to (or unlinking them from)
// service accounts the way `oc secrets link` / `oc secrets unlink` do. Passwords only ever live in the Secret's
// data; nothing here prints them.
import type { Cluster, Json } from './cluster.js';
import { R } from './resources.js';
import { isApiError } from './api-error.js';
import { target, type PatchStep, type Step } from '../plan/types.js';
import { NotFoundError, RegctlError, UsageError } from '../errors.js';

export const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
export const KEY = '.dockerconfigjson';

export interface AuthEntry {
  username?: string;
  password?: string;
  auth?: string;
  [k: string]: unknown;
}

export interface DockerConfig {
  auths: Record<string, AuthEntry>;
}

export type LinkFor = 'pull' | 'mount';

export function dockerConfig(server: string, username: string, password: string): DockerConfig {
  return { auths: { [server]: { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
}

/** docker/podman --password-stdin: one trailing newline (LF or CRLF) is not part of the password. */
export function passwordFromStdin(input: string): string {
  const p = input.replace(/\r?\n$/, '');
  if (!p) throw new UsageError('no password on stdin', 'pipe it in: printf %s "$PASSWORD" | regctl pull-secret create NAME --server S --username U --password-stdin');
  return p;
}

export function validateServer(server: string): void {
  if (!server || /\s/.test(server)) throw new UsageError(`invalid --server "${server}"`, 'give the registry host, e.g. quay.io or registry.example.com:5000');
}

export function validateUsername(u: string): void {
  if (!u) throw new UsageError('--username may not be empty', 'pass --username USER');
  if (u.includes(':')) throw new UsageError('--username may not contain ":"', 'registries split user:password at the first colon');
}

/** A Secret or ServiceAccount name (DNS-1123 subdomain). */
export function validateObjectName(name: string, what: string): void {
  if (!name || name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    throw new UsageError(`"${name}" is not a valid ${what} name`, `${what} names are lower-case DNS names, e.g. registrycreds`);
  }
}

const normalizeHost = (k: string) => k.replace(/^https?:\/\//, '').replace(/\/v[12]\/?$/, '').replace(/\/+$/, '');

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const s = Buffer.from(auth, 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i > 0 ? { username: s.slice(0, i), password: s.slice(i + 1) } : undefined;
}

/**
 * The auths of a containers-auth.json / Docker config.json, optionally only `registry`'s entry, each with
 * username, password and auth. Entries kept in credential helpers cannot be copied: an error says so.
 */
export function configFromAuthFile(text: string, file: string, registry?: string): DockerConfig {
  let parsed: { auths?: Record<string, AuthEntry>; credHelpers?: Record<string, string>; credsStore?: string };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`, 'give a containers auth.json or Docker config.json (podman login writes one)');
  }
  const auths = parsed && typeof parsed === 'object' && parsed.auths && typeof parsed.auths === 'object' ? parsed.auths : {};
  let keys = Object.keys(auths);
  if (registry) {
    keys = keys.filter((k) => normalizeHost(k) === normalizeHost(registry));
    if (!keys.length) {
      const helper = parsed.credHelpers?.[registry] ?? parsed.credsStore;
      throw new UsageError(
        `${file} has no credentials for ${registry}${helper ? ` (they are in the credential helper "${helper}")` : ''}`,
        Object.keys(auths).length ? `it has: ${Object.keys(auths).join(', ')}` : `log in first: podman login --authfile ${file} ${registry}`,
      );
    }
  }
  if (!keys.length) throw new UsageError(`${file} holds no credentials (no "auths" entries)`, 'log in first with podman login, or use --server/--username/--password-stdin');
  const out: DockerConfig = { auths: {} };
  for (const k of keys) {
    const e = auths[k] ?? {};
    const entry: AuthEntry = { ...e };
    const dec = typeof e.auth === 'string' && e.auth ? decodeAuth(e.auth) : undefined;
    if (dec) {
      entry.username ??= dec.username;
      entry.password ??= dec.password;
    } else if (typeof e.username === 'string' && typeof e.password === 'string') {
      entry.auth = Buffer.from(`${e.username}:${e.password}`).toString('base64');
    } else if (!e.identitytoken) {
      throw new UsageError(`${file}: the entry for ${k} has no usable credentials`, 'log in again with podman login, or use --server/--username/--password-stdin');
    }
    const { username, password, auth, ...rest } = entry;
    out.auths[k] = { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}), ...(auth !== undefined ? { auth } : {}), ...rest };
  }
  return out;
}

export function secretObject(name: string, namespace: string, config: DockerConfig): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: DOCKERCONFIGJSON,
    data: { [KEY]: Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

/** The Secret with its data replaced by what it is for (servers and users): safe to print. */
export function redacted(secret: Json): Json {
  const copy = structuredClone(secret);
  const raw = secret.data?.[KEY];
  let summary = '(redacted)';
  try {
    const cfg = JSON.parse(Buffer.from(String(raw ?? ''), 'base64').toString('utf8')) as DockerConfig;
    summary = `(redacted: ${Object.entries(cfg.auths ?? {})
      .map(([k, v]) => (v.username ? `${v.username}@${k}` : k))
      .join(', ')})`;
  } catch {
    // keep the generic marker
  }
  copy.data = Object.fromEntries(Object.keys(secret.data ?? {}).map((k) => [k, k === KEY ? summary : '(redacted)']));
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields'] as const) delete copy.metadata?.[k];
  return copy;
}

export type SecretAction = 'create' | 'update' | 'none';

/**
 * The write that makes the Secret hold `desired`: create it when missing, a merge patch of its .dockerconfigjson
 * when the credentials differ (rotation; a merge patch of one key needs no resourceVersion), none when they are the
 * same. A Secret of another type is refused before anything is written.
 */
export function secretStep(existing: Json | null, desired: Json): { action: SecretAction; step?: Step } {
  const { name, namespace } = desired.metadata;
  const t = target(R.secret, name, namespace);
  const servers = serversOf(desired);
  if (!existing) return { action: 'create', step: { action: 'create', target: t, summary: `create Secret ${namespace}/${name} (${DOCKERCONFIGJSON} for ${servers})`, object: desired } };
  if (existing.type !== DOCKERCONFIGJSON) {
    throw new RegctlError(`secret ${name} already exists in ${namespace} with type ${existing.type ?? 'Opaque'}`, {
      hint: `choose another name, or delete it first: oc delete secret ${name} -n ${namespace}`,
      exitCode: 2,
    });
  }
  if (existing.data?.[KEY] === desired.data[KEY]) return { action: 'none' };
  return {
    action: 'update',
    step: { action: 'patch', target: t, summary: `patch Secret ${namespace}/${name} (new credentials for ${servers})`, patchType: 'merge', patch: { data: { [KEY]: desired.data[KEY] } }, applyConfig: { type: DOCKERCONFIGJSON, data: { [KEY]: desired.data[KEY] } } },
  };
}

/** The Secret as desired state (a rendering): the whole object, whatever this cluster holds. */
export function secretCreateStep(desired: Json): Step {
  const { name, namespace } = desired.metadata;
  return { action: 'create', target: target(R.secret, name, namespace), summary: `create Secret ${namespace}/${name} (${DOCKERCONFIGJSON} for ${serversOf(desired)})`, object: desired };
}

function serversOf(secret: Json): string {
  try {
    return Object.keys((JSON.parse(Buffer.from(String(secret.data?.[KEY] ?? ''), 'base64').toString('utf8')) as DockerConfig).auths ?? {}).join(', ');
  } catch {
    return '?';
  }
}

export async function getServiceAccount(c: Cluster, name: string, namespace: string, hint?: string): Promise<Json> {
  const sa = await c.getOrNull(R.serviceAccount, name, namespace);
  if (!sa) {
    throw new NotFoundError(`serviceaccounts "${name}" not found in ${namespace}`, {
      hint: hint ?? `create it first (oc create serviceaccount ${name} -n ${namespace}), or link to default/builder`,
    });
  }
  return sa;
}

/** The Secret, null when it does not exist; undefined when we may not read it (unlinking needs only the service account). */
export async function readSecret(c: Cluster, name: string, namespace: string): Promise<Json | null | undefined> {
  try {
    return await c.getOrNull(R.secret, name, namespace);
  } catch (e) {
    if (isApiError(e, 403)) return undefined;
    throw e;
  }
}

/** `oc secrets link`: append {name} to imagePullSecrets (pull) and/or secrets (mount) when missing. */
export function linkedServiceAccount(sa: Json, secret: string, fors: LinkFor[]): { sa: Json; added: LinkFor[] } {
  const copy = structuredClone(sa);
  const added: LinkFor[] = [];
  const add = (field: 'imagePullSecrets' | 'secrets', f: LinkFor) => {
    const list: Array<{ name?: string }> = copy[field] ?? [];
    if (list.some((r) => r.name === secret)) return;
    copy[field] = [...list, { name: secret }];
    added.push(f);
  };
  if (fors.includes('pull')) add('imagePullSecrets', 'pull');
  if (fors.includes('mount')) add('secrets', 'mount');
  return { sa: copy, added };
}

/**
 * `oc secrets unlink`: drop every {name: secret} from imagePullSecrets (pull) and/or secrets (mount). Other entries
 * keep their order; a list left empty is omitted, as the API server serializes it.
 */
export function unlinkedServiceAccount(sa: Json, secret: string, fors: LinkFor[]): { sa: Json; removed: LinkFor[] } {
  const copy = structuredClone(sa);
  const removed: LinkFor[] = [];
  const drop = (field: 'imagePullSecrets' | 'secrets', f: LinkFor) => {
    const list: Array<{ name?: string }> = copy[field] ?? [];
    const kept = list.filter((r) => r.name !== secret);
    if (kept.length === list.length) return;
    if (kept.length) copy[field] = kept;
    else delete copy[field];
    removed.push(f);
  };
  if (fors.includes('pull')) drop('imagePullSecrets', 'pull');
  if (fors.includes('mount')) drop('secrets', 'mount');
  return { sa: copy, removed };
}

const LIST = { pull: 'imagePullSecrets', mount: 'secrets' } as const;

/**
 * The change of a service account's lists as one merge patch carrying the resourceVersion that was read (a
 * concurrent change is a 409, as oc's update is; the caller reads again). JSON merge replaces lists whole, so the
 * patch holds each changed list as it will be (null: the list is left empty). Rendered (applyConfig): `secrets` is a
 * map list keyed by name, so only this secret; `imagePullSecrets` is atomic, so the whole list as it will be here —
 * unless `entryOnly` (an ACM musthave template, which merges list items: only the entry regctl adds).
 */
export function serviceAccountStep(before: Json, after: Json, changed: LinkFor[], secret: string, verb: 'link' | 'unlink', entryOnly = false): PatchStep {
  const patch: Json = { metadata: { resourceVersion: before.metadata?.resourceVersion } };
  const applyConfig: Json = {};
  for (const f of changed) {
    const field = LIST[f];
    patch[field] = after[field] ?? null;
    if (after[field]) applyConfig[field] = f === 'mount' || entryOnly ? [{ name: secret }] : after[field];
  }
  const { name, namespace } = before.metadata;
  const how = changed.map((f) => LIST[f]).join(', ');
  return {
    action: 'patch',
    target: target(R.serviceAccount, name, namespace),
    summary: `patch ServiceAccount ${namespace}/${name} (${verb} ${secret}: ${how})`,
    patchType: 'merge',
    patch,
    applyConfig,
    ...(verb === 'unlink' ? { removes: changed.map((f) => `${LIST[f]}[name=${secret}]`) } : {}),
  };
}

/** Default --for of a link: builder mounts (oc secrets link's default), other accounts pull (seed 003). */
export function defaultFor(sa: string): LinkFor[] {
  return sa === 'builder' ? ['mount'] : ['pull'];
}

export function parseFor(v: string | undefined): LinkFor[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length || parts.some((p) => p !== 'pull' && p !== 'mount')) {
    throw new UsageError(`invalid --for "${v}"`, 'use pull, mount or pull,mount');
  }
  return [...new Set(parts)] as LinkFor[];
}

/** The annotation naming an account's own `<sa>-dockercfg-…` secret (openshift-controller-manager, 4.16+). */
export const INTERNAL_PULL_SECRET_REF = 'openshift.io/internal-registry-pull-secret-ref';

/**
 * library-go naming.GetName(sa, "dockercfg-", 58): before 4.16, every ServiceAccount list entry starting with this is
 * the account's own pull secret to openshift-controller-manager (create_dockercfg_secrets.go), whatever its content.
 */
export function dockercfgPrefix(sa: string): string {
  const name = `${sa}-dockercfg-`;
  if (name.length <= 58) return name;
  let h = 0x811c9dc5;
  for (const b of Buffer.from(sa)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `${sa.slice(0, 58 - 10 - 'dockercfg-'.length)}-${h.toString(16).padStart(8, '0')}-dockercfg-`;
}

/**
 * What OpenShift's controller does after `secret` is unlinked from the account (`before` → `after`), when it is the
 * account's own pull secret for the integrated registry; undefined when it is not (or nothing was removed).
 * 4.16+ (the account carries the ref annotation): the named secret is linked again. 4.15 and older
 * (create_dockercfg_secrets.go, by name prefix): an own secret still in one list is added back to the other; in
 * neither, a new token secret and dockercfg secret are made and linked, while the unlinked one and its token stay.
 */
export function ownPullSecretWarning(before: Json, after: Json, secret: string, tokenSecret?: string): string | undefined {
  const sa = String(before.metadata?.name);
  const own = `${secret} is serviceaccount ${sa}'s own pull secret for the integrated registry`;
  const ref = before.metadata?.annotations?.[INTERNAL_PULL_SECRET_REF];
  if (ref !== undefined) return ref === secret ? `${own}: OpenShift's controller links it again right away` : undefined;
  const prefix = dockercfgPrefix(sa);
  if (!secret.startsWith(prefix)) return undefined;
  const count = (o: Json, f: 'secrets' | 'imagePullSecrets') => ((o[f] ?? []) as unknown[]).length;
  if (count(before, 'secrets') === count(after, 'secrets') && count(before, 'imagePullSecrets') === count(after, 'imagePullSecrets')) return undefined;
  const ownEntries = (f: 'secrets' | 'imagePullSecrets') => ((after[f] ?? []) as Array<{ name?: string }>).map((r) => String(r.name)).filter((n) => n.startsWith(prefix)).sort();
  const mount = ownEntries('secrets');
  const pull = ownEntries('imagePullSecrets');
  if (mount.length && pull.length) return undefined;
  if (mount.length || pull.length) {
    const which = pull.length ? pull[0]! : mount[0]!;
    const [to, from] = pull.length ? ['secrets', 'imagePullSecrets'] : ['imagePullSecrets', 'secrets'];
    return `${own}: OpenShift's controller (4.15 and older) adds ${which === secret ? 'it back' : which} to ${to} right away (${which === secret ? 'it is' : `${which} is`} still in ${from})`;
  }
  return `${own}: OpenShift's controller (4.15 and older) makes a new ${prefix}… secret with a new token and links it in its place; ${secret}${tokenSecret ? ` and its token secret ${tokenSecret}` : ''} stay, their token still valid, until you delete ${secret} (its token secret goes with it)`;
}
