// Image references as podman/skopeo write them: [host[:port]/]path[:tag][@digest] (distribution/reference
// grammar). Without a host the image is in the integrated registry, and a one-segment path (`app:v1`) is in the
// current project. The OpenShift registry only serves `<project>/<name>` (behaviours f.1).
import { UsageError } from '../errors.js';

export const INTERNAL_REGISTRY_HOST = 'image-registry.openshift-image-registry.svc:5000';

export interface ImageReference {
  /** host[:port]; undefined when the input named none (the integrated registry, resolved later). */
  host?: string;
  hostExplicit: boolean;
  /** Repository path, e.g. `team/app`; one segment when the project is still to be filled in. */
  path: string;
  /** The project of an OpenShift repository (first of exactly two segments). */
  namespace?: string;
  /** Last path segment (the image stream name in OpenShift). */
  name: string;
  tag?: string;
  digest?: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const TAG_HINT = "a tag is up to 128 letters, digits, '_', '.' and '-', and does not start with '.' or '-'";
export const DIGEST_HINT = 'a digest looks like sha256:<64 hex digits>';

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isValidDigest(d: string): boolean {
  if (!DIGEST_RE.test(d)) return false;
  const [alg, hex] = d.split(':') as [string, string];
  if (alg === 'sha256') return /^[a-f0-9]{64}$/.test(hex);
  if (alg === 'sha512') return /^[a-f0-9]{128}$/.test(hex);
  return true;
}

/**
 * Docker's rule: the first segment is a registry when it has '.' or ':' or is localhost. (Docker also counts upper
 * case; here `Team/app` is a mistyped project, reported as such, not a host named "Team".)
 */
function looksLikeHost(segment: string): boolean {
  return segment === 'localhost' || /[.:]/.test(segment) || segment.startsWith('[');
}

export interface ParseOptions {
  /** Names the argument in messages (`image`, `--from`). */
  what?: string;
  /** The project to use for a one-segment path without a host. */
  defaultNamespace?: string;
  /** Example shown in hints. */
  example?: string;
}

/** Parses a reference; every mistake is a one-line UsageError (exit 2) with a hint. */
export function parseReference(input: string, o: ParseOptions = {}): ImageReference {
  const what = o.what ?? 'image';
  const example = o.example ?? 'team/app:latest';
  const bad = (why: string, hint: string) => new UsageError(`invalid ${what} "${input}": ${why}`, hint);
  let s = input.trim();
  if (!s) throw new UsageError(`the ${what} is empty`, `give a reference such as ${example}`);
  if (s.startsWith('docker://')) s = s.slice('docker://'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw bad('a reference has no URL scheme', `drop the scheme: ${s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`);
  if (/\s/.test(s)) throw bad('it contains white space', `give a reference such as ${example}`);

  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
    if (!isValidDigest(digest)) throw bad(`"${digest}" is not a digest`, DIGEST_HINT);
  }
  let host: string | undefined;
  const slash = s.indexOf('/');
  if (slash > 0 && looksLikeHost(s.slice(0, slash))) {
    host = s.slice(0, slash);
    s = s.slice(slash + 1);
    if (!DOMAIN_RE.test(host)) throw bad(`"${host}" is not a registry host`, 'a host is a DNS name or IP with an optional :port, e.g. registry.example.com:5000');
  }
  let tag: string | undefined;
  const colon = s.lastIndexOf(':');
  if (colon >= 0 && !s.slice(colon).includes('/')) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!isValidTag(tag)) throw bad(`"${tag}" is not a valid tag`, TAG_HINT);
  }
  if (!s) throw bad('the repository is missing', `give a reference such as ${example}`);
  if (s.endsWith('/') || s.startsWith('/')) throw bad('the repository has an empty path segment', `give a reference such as ${example}`);
  const segments = s.split('/');
  for (const seg of segments) {
    if (seg !== seg.toLowerCase()) throw bad('repository names must be lower case', `use ${input.toLowerCase()}`);
    if (!PATH_COMPONENT_RE.test(seg)) {
      throw bad(`"${seg}" is not a valid repository name segment`, "use lower-case letters, digits and separators ('.', '_', '__', '-') between them");
    }
  }
  if ((host ? host.length + 1 : 0) + s.length > 255) throw bad('the repository name is longer than 255 characters', 'use a shorter name');

  let path = s;
  if (!host && segments.length === 1 && o.defaultNamespace) path = `${o.defaultNamespace}/${s}`;
  const parts = path.split('/');
  return {
    host,
    hostExplicit: Boolean(host),
    path,
    namespace: parts.length === 2 ? parts[0] : undefined,
    name: parts[parts.length - 1]!,
    tag,
    digest,
  };
}

/** Fills in the project of a host-less one-segment reference (`app:v1` → `NS/app:v1`). */
export function withNamespace(ref: ImageReference, namespace: string): ImageReference {
  if (ref.hostExplicit || ref.path.includes('/')) return ref;
  return { ...ref, path: `${namespace}/${ref.path}`, namespace };
}

export function withHost(ref: ImageReference, host: string): ImageReference {
  return ref.host ? ref : { ...ref, host };
}

/** True when the reference has no project yet (`app:v1` without a host). */
export function needsNamespace(ref: ImageReference): boolean {
  return !ref.hostExplicit && !ref.path.includes('/');
}

/** The OpenShift registry serves `<project>/<name>` only: anything else is a usage error before any request. */
export function assertOpenShiftRepository(ref: ImageReference, input: string, what = 'image'): void {
  const parts = ref.path.split('/');
  if (parts.length !== 2) {
    throw new UsageError(
      `invalid ${what} "${input}": the integrated registry's repositories are <project>/<name>, not "${ref.path}"`,
      `give the project and the image stream, e.g. ${parts[parts.length - 1] ? `myproject/${parts[parts.length - 1]}` : 'team/app'}`,
    );
  }
  if (!DNS_LABEL_RE.test(parts[0]!) || parts[0]!.length > 63) {
    throw new UsageError(`invalid ${what} "${input}": "${parts[0]}" is not a project name`, 'project names are DNS labels: lower-case letters, digits and "-"');
  }
}

/** `host/path:tag`, `host/path@digest` (or `path…` without a host). */
export function formatReference(ref: ImageReference, o: { host?: boolean } = {}): string {
  const base = ref.host && o.host !== false ? `${ref.host}/${ref.path}` : ref.path;
  if (ref.digest) return `${base}@${ref.digest}`;
  return ref.tag ? `${base}:${ref.tag}` : base;
}

/** What to ask the registry for: the digest when given, else the tag (default `latest`). */
export function manifestRef(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** `stream[:tag]` (import-image, delete): an image stream name and an optional tag. */
export function parseStreamTag(input: string, what = 'image stream'): { stream: string; tag?: string } {
  const s = input.trim();
  const i = s.indexOf(':');
  const stream = i >= 0 ? s.slice(0, i) : s;
  const tag = i >= 0 ? s.slice(i + 1) : undefined;
  if (!stream) throw new UsageError(`the ${what} name is empty`, 'give NAME or NAME:TAG, e.g. myapp:latest');
  if (stream.includes('/')) {
    throw new UsageError(`invalid ${what} "${input}": give the name without the project`, `use -n PROJECT for the project: ${stream.split('/').pop()}${tag !== undefined ? `:${tag}` : ''} -n ${stream.split('/')[0]}`);
  }
  if (!PATH_COMPONENT_RE.test(stream) || stream.length > 253) {
    throw new UsageError(`invalid ${what} name "${stream}"`, 'use lower-case letters, digits, ".", "_" and "-", starting and ending with a letter or digit');
  }
  if (tag !== undefined && !isValidTag(tag)) throw new UsageError(`invalid tag "${tag}" in "${input}"`, TAG_HINT);
  return { stream, tag };
}
