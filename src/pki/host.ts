// Registry host[:port] validation and the additionalTrustedCA key encoding (openshift-behaviors.md d.5):
// ConfigMap keys cannot hold ':', so `host:port` is stored as `host..port`; node-ca turns the LAST `..` back into ':'.
import { UsageError } from '../errors.js';

export interface RegistryHost {
  host: string;
  port?: number;
  /** `host` or `host:port`, lower-case. */
  display: string;
  /** The ConfigMap key: `host` or `host..port`. */
  key: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const MAX_KEY = 253;
const HOST_HINT = 'give a registry host name such as registry.example.com or registry.example.com:5000';

/** Parses HOST[:PORT] as a registry host (RFC 1123 host name, optional port 1–65535); lower-cases it. */
export function parseRegistryHost(input: string, what = 'registry host'): RegistryHost {
  const bad = (why: string, hint = HOST_HINT) => new UsageError(`invalid ${what} "${printable(input)}": ${why}`, hint);
  if (input === '') throw bad('it is empty');
  if (/\s/.test(input)) throw bad('it contains white space');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) throw bad('it has a scheme', `drop "${input.slice(0, input.indexOf('://') + 3)}": give only the host and port, e.g. ${stripScheme(input) || 'registry.example.com'}`);
  if (input.includes('/')) throw bad('it has a path', `give only the host and port, e.g. ${input.slice(0, input.indexOf('/')) || 'registry.example.com'}`);
  if (input.includes('*')) throw bad('wildcards are not supported', 'add one entry per registry host; the trust is looked up by exact host[:port]');
  if (input.includes('@')) throw bad('it has user information', 'give only the host and port');
  if (input.startsWith('[') || (input.match(/:/g)?.length ?? 0) > 1) {
    throw bad('IPv6 addresses cannot be ConfigMap keys', 'use a DNS name for the registry');
  }
  let hostPart = input;
  let port: number | undefined;
  const colon = input.lastIndexOf(':');
  if (colon >= 0) {
    hostPart = input.slice(0, colon);
    const p = input.slice(colon + 1);
    if (!/^[0-9]+$/.test(p) || p.length > 5 || (p.length > 1 && p.startsWith('0')) || Number(p) < 1 || Number(p) > 65535) {
      throw bad(`port "${printable(p)}" is not a number from 1 to 65535`);
    }
    port = Number(p);
  }
  const host = hostPart.toLowerCase();
  if (host === '') throw bad('the host name is empty');
  if (host.includes('..')) {
    throw bad('".." is not allowed in a host name', 'write the port as HOST:PORT; regctl stores it as HOST..PORT itself');
  }
  if (host.endsWith('.')) throw bad('it ends with a dot', `drop the trailing dot: ${host.slice(0, -1)}${port ? `:${port}` : ''}`);
  if (host.startsWith('.')) throw bad('it starts with a dot');
  if (host.length > 253) throw bad('the host name is longer than 253 characters');
  for (const label of host.split('.')) {
    if (label.length > 63) throw bad(`label "${label.slice(0, 20)}…" is longer than 63 characters`);
    if (!LABEL.test(label)) {
      throw bad(`"${printable(label)}" is not a valid host name label (RFC 1123: letters, digits and "-", not starting or ending with "-")`);
    }
  }
  const display = port ? `${host}:${port}` : host;
  const key = port ? `${host}..${port}` : host;
  if (key.length > MAX_KEY) throw bad(`the ConfigMap key "${key.slice(0, 20)}…" would be longer than ${MAX_KEY} characters`);
  return { host, port, display, key };
}

/** node-ca's rule: only the last `..` becomes ':'. */
export function decodeKey(key: string): string {
  const i = key.lastIndexOf('..');
  return i < 0 ? key : `${key.slice(0, i)}:${key.slice(i + 2)}`;
}

export function encodeKey(h: { host: string; port?: number }): string {
  return h.port ? `${h.host}..${h.port}` : h.host;
}

/** A ConfigMap name: RFC 1123 subdomain (lower-case, digits, '-', '.'), at most 253 characters. */
export function validateConfigMapName(name: string): string {
  const ok = name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
  if (!ok) {
    throw new UsageError(
      `invalid --configmap "${printable(name)}": not a valid ConfigMap name`,
      'use lower-case letters, digits, "-" and "." (RFC 1123 subdomain), e.g. registry-cas',
    );
  }
  return name;
}

function stripScheme(s: string): string {
  return s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? '';
}

/** Control characters would break the one-line error. */
function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
