// From SRC/DST to transports: registries opened through ctx.registry (host, trust, credentials — the cluster token
// only for this cluster's hosts), one session per host and flags so both sides of a copy inside one registry
// share it (and may mount); OCI layouts and docker archives as files.
import { createHash } from 'node:crypto';
import type { Context } from '../../context.js';
import type { RegistrySession } from '../session.js';
import { INTERNAL_REGISTRY_HOST, manifestRef } from '../reference.js';
import type { Endpoint } from './refs.js';
import { OciLayoutDest, OciLayoutSource } from './oci-layout.js';
import { DockerArchiveDest, DockerArchiveSource } from './docker-archive.js';
import { RegistryDest, RegistrySource } from './registry.js';
import type { ImageDest, ImageSource } from './types.js';

export interface SideFlags {
  caFile?: string;
  certsDir?: string;
  authfile?: string;
  internal?: boolean;
  creds?: { username: string; password: string; flag: string };
}

export interface Opened<T> {
  t: T;
  /** The reference's tag or digest (registries), OCI tag, or undefined. */
  ref?: string;
  tag?: string;
  /** This cluster's registry: project and stream, for the push checks. */
  cluster?: { namespace: string; stream: string; host: string };
  session?: RegistrySession;
}

export class Sessions {
  private readonly open = new Map<string, Promise<RegistrySession>>();
  /** This cluster's registry host, when discovered before a session was needed (clusterHost). */
  private discovered?: Promise<{ name: string; source: string }>;
  constructor(private readonly ctx: Context) {}

  /** This cluster's registry host as a session would discover it (--internal: the service), without opening one. */
  clusterHost(f: SideFlags): Promise<string> {
    if (f.internal) return Promise.resolve(INTERNAL_REGISTRY_HOST);
    this.discovered ??= (async () => {
      const cluster = await this.ctx.cluster();
      const { discoverRegistryHost } = await import('../../cluster/routes.js');
      const d = await discoverRegistryHost(cluster, cluster.namespace);
      return { name: d.host, source: d.source };
    })();
    return this.discovered.then((d) => d.name);
  }

  /** `host` undefined: this cluster's registry, discovered (or --internal). */
  get(host: string | undefined, f: SideFlags): { key: string; session: Promise<RegistrySession> } {
    const key = JSON.stringify([host ?? (f.internal ? INTERNAL_REGISTRY_HOST : ''), f.caFile ?? '', f.certsDir ?? '', f.authfile ?? '', f.creds ? createHash('sha256').update(`${f.creds.username}:${f.creds.password}`).digest('hex') : '']);
    let s = this.open.get(key);
    if (!s) {
      const o = { internal: !host && f.internal, caFile: f.caFile, certsDir: f.certsDir, authfile: f.authfile };
      const discovered = !host && !f.internal ? this.discovered : undefined;
      // A failed discovery is left to the session, which reports it in its own words.
      s = (discovered ?? Promise.resolve(undefined)).catch(() => undefined).then((known) => this.ctx.registry(o, {
        ...(host ? { referenceHost: host } : {}),
        ...(known ? { host: known } : {}),
        ...(f.creds ? { credentials: { username: f.creds.username, token: f.creds.password, source: 'registry-password' as const, rejectedMessage: `${host ?? 'the registry'} rejected the user name and password given with ${f.creds.flag} (401)`, rejectedHint: `check the user name and password given with ${f.creds.flag}` } } : {}),
      }));
      this.open.set(key, s);
    }
    return { key, session: s };
  }
}

async function isClusterHost(ctx: Context, host: string): Promise<boolean> {
  try {
    const cluster = await ctx.cluster();
    const { clusterRegistryHosts, isClusterRegistryHost } = await import('../../cluster/registry-hosts.js');
    const known = await clusterRegistryHosts(cluster, cluster.namespace);
    return isClusterRegistryHost(host, known);
  } catch {
    return false;
  }
}

async function openRegistryEnd(ctx: Context, sessions: Sessions, e: Extract<Endpoint, { kind: 'registry' }>, f: SideFlags) {
  const { key, session } = sessions.get(e.cluster ? undefined : e.ref.host, f);
  const s = await session;
  const repo = e.ref.path;
  const clusterHost = e.cluster || s.hostSource === 'internal' || (await isClusterHost(ctx, s.host));
  const parts = repo.split('/');
  return {
    // One session (same host, flags and credentials) on both sides: one registry and one user, so a mount is possible.
    where: { client: s.client, host: s.host, repo, sessionKey: key },
    session: s,
    cluster: clusterHost && parts.length === 2 ? { namespace: parts[0]!, stream: parts[1]!, host: s.host } : undefined,
  };
}

export async function openSource(ctx: Context, sessions: Sessions, e: Endpoint, f: SideFlags): Promise<Opened<ImageSource>> {
  if (e.kind === 'oci') return { t: new OciLayoutSource(e.dir), ref: e.tag, tag: e.tag };
  if (e.kind === 'docker-archive') return { t: new DockerArchiveSource(e.file) };
  const r = await openRegistryEnd(ctx, sessions, e, f);
  return { t: new RegistrySource(r.where), ref: manifestRef(e.ref), tag: e.ref.digest ? undefined : (e.ref.tag ?? 'latest'), cluster: r.cluster, session: r.session };
}

export async function openDest(ctx: Context, sessions: Sessions, e: Endpoint, f: SideFlags): Promise<Opened<ImageDest>> {
  if (e.kind === 'oci') return { t: new OciLayoutDest(e.dir), tag: e.tag };
  if (e.kind === 'docker-archive') return { t: new DockerArchiveDest(e.file, undefined) };
  const r = await openRegistryEnd(ctx, sessions, e, f);
  return { t: new RegistryDest(r.where), tag: e.ref.tag, cluster: r.cluster, session: r.session };
}

