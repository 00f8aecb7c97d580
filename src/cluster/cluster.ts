import { registerErrorTranslator } from '../errors.js';
import { translateClusterError } from './errors.js';
import { loadKubeconfig, currentBearerToken, usesClientCertificate, type LoadedKubeconfig } from './kubeconfig.js';
import { RestClient, type Json } from './rest.js';
import { isApiError } from './api-error.js';
import { carriesResourceVersion, retryOnConflict, withTransientRetry } from './retry.js';
import { R, resourcePath, apiVersionOf, type ResourceRef } from './resources.js';

export type { Json } from './rest.js';
export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  token?: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  trace?: (line: string) => void;
  userAgent: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Json;
}

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Everything regctl does against the Kubernetes/OpenShift API goes through this class. */
interface Joiner {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class Cluster {
  readonly rest: RestClient;
  /** Object GETs in flight, by path, with the callers that joined them (get). */
  private readonly inFlight = new Map<string, Joiner[]>();
  readonly namespace: string;
  readonly namespaceExplicit: boolean;

  constructor(
    readonly config: LoadedKubeconfig,
    private readonly opts: ClusterOptions,
  ) {
    if (opts.token) {
      const user = config.kc.getCurrentUser();
      if (user) (user as { token?: string }).token = opts.token;
    }
    this.rest = new RestClient(config, { timeoutMs: opts.timeoutMs, trace: opts.trace, userAgent: opts.userAgent, env: opts.env });
    this.namespace = opts.namespace || config.namespace;
    this.namespaceExplicit = Boolean(opts.namespace);
  }

  get server(): string {
    return this.config.server;
  }

  bearerToken(): Promise<string | undefined> {
    return this.opts.token ? Promise.resolve(this.opts.token) : currentBearerToken(this.config);
  }

  usesClientCertificate(): boolean {
    return !this.opts.token && usesClientCertificate(this.config);
  }

  /**
   * A GET of an object while the same GET is still in flight joins it (across contexts, the summary read runs beside
   * `status`, which reads the same two objects): one request, and each joiner gets its own copy, made before the first
   * caller can change the object.
   */
  get<T = Json>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    const path = resourcePath(ref, { namespace: namespace ?? this.namespace, name });
    const pending = this.inFlight.get(path);
    if (pending) return new Promise<T>((resolve, reject) => pending.push({ resolve: resolve as (v: unknown) => void, reject }));
    const joiners: Joiner[] = [];
    this.inFlight.set(path, joiners);
    return this.call<T>('GET', path).then(
      (v) => {
        this.inFlight.delete(path);
        for (const j of joiners) j.resolve(structuredClone(v));
        return v;
      },
      (e: unknown) => {
        this.inFlight.delete(path);
        for (const j of joiners) j.reject(e);
        throw e;
      },
    );
  }

  async getOrNull<T = Json>(ref: ResourceRef, name: string, namespace?: string): Promise<T | null> {
    try {
      return await this.get<T>(ref, name, namespace);
    } catch (e) {
      if (isApiError(e, 404) && (e.status.details?.name || e.status.reason === 'NotFound')) return null;
      throw e;
    }
  }

  list<T = Json>(
    ref: ResourceRef,
    o: { namespace?: string | null; labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string } = {},
  ): Promise<{ items: T[]; metadata: { resourceVersion?: string; continue?: string } }> {
    const ns = o.namespace === null ? undefined : (o.namespace ?? this.namespace);
    return this.call('GET', resourcePath(ref, { namespace: ns }), {
      query: { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue },
    });
  }

  create<T = Json>(ref: ResourceRef, obj: Json, o: { namespace?: string; dryRun?: boolean; subresourceOf?: string; subresource?: string } = {}): Promise<T> {
    const ns = o.namespace ?? obj.metadata?.namespace ?? this.namespace;
    const body = { apiVersion: apiVersionOf(ref), kind: ref.kind, ...obj };
    const path = o.subresourceOf
      ? resourcePath(ref, { namespace: ns, name: o.subresourceOf, subresource: o.subresource })
      : resourcePath(ref, { namespace: ns });
    return this.call<T>('POST', path, { body, query: { dryRun: o.dryRun ? 'All' : undefined } });
  }

  update<T = Json>(ref: ResourceRef, obj: Json, o: { dryRun?: boolean; subresource?: string } = {}): Promise<T> {
    const ns = obj.metadata?.namespace ?? this.namespace;
    const path = resourcePath(ref, { namespace: ns, name: obj.metadata.name, subresource: o.subresource });
    return this.call<T>('PUT', path, { body: obj, query: { dryRun: o.dryRun ? 'All' : undefined } });
  }

  patch<T = Json>(ref: ResourceRef, name: string, patch: unknown, type: PatchType, o: { namespace?: string; dryRun?: boolean } = {}): Promise<T> {
    const send = () =>
      this.call<T>('PATCH', resourcePath(ref, { namespace: o.namespace ?? this.namespace, name }), {
        body: patch,
        contentType: PATCH_CONTENT[type],
        query: { dryRun: o.dryRun ? 'All' : undefined },
      });
    // A patch without a resourceVersion gets a 409 only when the server's own re-applies ran out: sending it again
    // is what the server did. One that carries a resourceVersion is the caller's read-modify-write to redo.
    return carriesResourceVersion(patch) ? send() : retryOnConflict(send, { maxAttempts: 5, what: `${ref.kind} ${name}` });
  }

  delete<T = Json>(ref: ResourceRef, name: string, o: { namespace?: string; dryRun?: boolean } = {}): Promise<T> {
    return this.call<T>('DELETE', resourcePath(ref, { namespace: o.namespace ?? this.namespace, name }), {
      query: { dryRun: o.dryRun ? 'All' : undefined },
    });
  }

  /** Every request of the methods above: transient failures are retried here, and only here (retry.ts). */
  private call<T = Json>(method: string, path: string, o: import('./rest.js').RequestOptions = {}): Promise<T> {
    return withTransientRetry(method, (left) => this.rest.request<T>(method, path, left ? { ...o, timeoutMs: left } : o), {
      timeoutMs: this.opts.timeoutMs,
      trace: this.opts.trace,
    });
  }

  /**
   * Watches until signal aborts or onEvent returns true. Reconnects when the server closes the stream,
   * resuming from the last resourceVersion (relisting on 410 Gone).
   */
  async watch(
    ref: ResourceRef,
    o: { namespace?: string | null; fieldSelector?: string; labelSelector?: string; resourceVersion?: string; signal?: AbortSignal },
    onEvent: (e: WatchEvent) => boolean | void | Promise<boolean | void>,
  ): Promise<void> {
    const path = resourcePath(ref, { namespace: o.namespace === null ? undefined : (o.namespace ?? this.namespace) });
    // Our own controller ends the open request as soon as onEvent says it is done.
    const ac = new AbortController();
    const abort = () => ac.abort();
    o.signal?.addEventListener('abort', abort);
    const state = { rv: o.resourceVersion, done: false };
    try {
      while (!state.done && !ac.signal.aborted) {
        try {
          await this.watchOnce(path, o, state, ac, onEvent);
        } catch (e) {
          if ((e as Error).name === 'AbortError' || ac.signal.aborted) return;
          if (!isApiError(e, 410)) throw e;
          state.rv = undefined;
        }
      }
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  }

  private watchOnce(
    path: string,
    o: { fieldSelector?: string; labelSelector?: string },
    state: { rv?: string; done: boolean },
    ac: AbortController,
    onEvent: (e: WatchEvent) => boolean | void | Promise<boolean | void>,
  ): Promise<void> {
    const query = { watch: 'true', fieldSelector: o.fieldSelector, labelSelector: o.labelSelector, resourceVersion: state.rv, allowWatchBookmarks: 'true' };
    return this.rest.lines(path, { query, signal: ac.signal }, async (line) => {
      if (state.done || !line.trim()) return;
      const ev = JSON.parse(line) as WatchEvent;
      if (ev.type === 'ERROR') {
        if (ev.object?.code === 410) {
          state.rv = undefined;
          return;
        }
        throw new Error(ev.object?.message ?? 'watch error');
      }
      state.rv = ev.object?.metadata?.resourceVersion ?? state.rv;
      if (ev.type === 'BOOKMARK') return;
      if (await onEvent(ev)) {
        state.done = true;
        ac.abort();
      }
    });
  }


  /** SelfSubjectAccessReview: may the current user do this? */
  async can(check: AccessCheck): Promise<{ allowed: boolean; reason?: string }> {
    const res = await this.create(R.selfSubjectAccessReview, { spec: { resourceAttributes: check } });
    return { allowed: Boolean(res.status?.allowed), reason: res.status?.reason };
  }

  /** The current user (SelfSubjectReview, falling back to users/~ as oc whoami does). */
  async whoami(): Promise<{ username: string; groups: string[] }> {
    try {
      const res = await this.create(R.selfSubjectReview, {});
      const u = res.status?.userInfo ?? {};
      return { username: u.username ?? '', groups: u.groups ?? [] };
    } catch (e) {
      if (isApiError(e, 401)) throw e;
      const u = await this.get(R.user, '~');
      return { username: u.metadata?.name ?? '', groups: u.groups ?? [] };
    }
  }
}

export function connect(opts: ClusterOptions): Cluster {
  const k = loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context, env: opts.env });
  return new Cluster(k, opts);
}

registerErrorTranslator(translateClusterError);
