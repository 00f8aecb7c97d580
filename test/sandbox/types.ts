// Contracts between the sandbox's parts. The API server (apiserver/), the controllers that play the
// operator, router-admission and deployment roles (operator/), the router (router/) and the registry
// front (registry/) only meet through these types, so each can be built and tested on its own.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/**
 * A resource key names one REST resource: `${group}/${plural}`, with an empty group for the core API.
 * Examples: '/pods', '/configmaps', 'apps/deployments', 'route.openshift.io/routes',
 * 'imageregistry.operator.openshift.io/configs', 'config.openshift.io/images'.
 */
export type ResourceKey = string;

export interface ResourceType {
  group: string;
  version: string;
  /** plural, e.g. 'configs' */
  resource: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  singular?: string;
  verbs: string[];
  /** e.g. ['status', 'log', 'token'] */
  subresources?: string[];
  /** openAPIV3Schema for CRD-backed kinds (validated on create/update/patch). */
  schema?: Record<string, unknown>;
  /**
   * The CVO installs this kind's CRD only with this capability enabled (clusterversion
   * status.capabilities.enabledCapabilities); until then the API server does not serve it.
   */
  capability?: string;
  /** The CRD version's additionalPrinterColumns (server-side printing, `kubectl get`). */
  printerColumns?: PrinterColumn[];
}

/** A CRD's additionalPrinterColumns entry (apiextensions.k8s.io/v1 CustomResourceColumnDefinition). */
export interface PrinterColumn {
  name: string;
  /** integer, number, string, boolean or date */
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** MODIFIED: the object before the change (the watch cache's PrevObject: selectors judge both states). */
  prevObject?: KubeObject;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Kubernetes-style pagination */
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export type StoreErrorReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Gone' | 'BadRequest';

export class StoreError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StoreErrorReason,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** In-memory object storage with Kubernetes semantics. Every returned object is a deep copy. */
export interface Store {
  types(): ResourceType[];
  type(key: ResourceKey): ResourceType | undefined;
  get(key: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined;
  list(key: ResourceKey, namespace?: string, opts?: ListOptions): ListResult;
  /** Sets uid, resourceVersion, creationTimestamp, generation=1; honours generateName. */
  create(key: ResourceKey, obj: KubeObject): KubeObject;
  /**
   * Replaces the object. With metadata.resourceVersion set and stale → StoreError 409 Conflict.
   * subresource 'status' replaces only .status (with `whole`, the whole prepared object but uid/creation/generation/
   * namespace/deletion); otherwise .status is kept and generation bumps when spec changes (`admitted`: the caller already
   * ran `admit` on the object; `withStatus`: a main-resource write whose status the strategy computed is stored as given).
   */
  update(key: ResourceKey, obj: KubeObject, opts?: { subresource?: 'status'; whole?: boolean; admitted?: boolean; withStatus?: boolean }): KubeObject;
  delete(key: ResourceKey, namespace: string | undefined, name: string): KubeObject;
  /** Events after fromResourceVersion (all current objects as ADDED when undefined). Too old → StoreError 410 Gone. */
  watch(key: ResourceKey, namespace: string | undefined, fromResourceVersion: string | undefined, onEvent: (e: WatchEvent) => void): () => void;
  /** Every change of every resource, for in-process controllers. */
  on(listener: (key: ResourceKey, event: WatchEvent) => void): () => void;
  /**
   * Bulk load, as if restored from an etcd backup (seed-scale.ts): the objects are stored as given (not copied; the
   * caller lets go of them) with uid, one resourceVersion for the batch, creationTimestamp (kept when set) and
   * generation 1; no events, no watch history, no admission. An existing name → StoreError 409, nothing stored.
   */
  restore(key: ResourceKey, objects: KubeObject[]): void;
  readonly logs: PodLogStore;
}

export interface LogLine {
  time: Date;
  /** Nanoseconds after `time`'s millisecond (0–999 999): the runtime stamps lines in nanoseconds (log-time.ts). */
  nanos?: number;
  line: string;
}

/** Container logs, kept outside the object store (the kubelet's job in a real cluster). */
export interface PodLogStore {
  /** time: now by default; a string is an RFC3339 time with up to nine fractional digits (`…:05.000000001Z`). */
  append(namespace: string, pod: string, container: string, line: string, time?: Date | string): void;
  /** previous = the log of the container's previous instance (after restart()). */
  read(namespace: string, pod: string, container: string, opts?: { previous?: boolean }): LogLine[];
  /** Calls onLine for each new line; onEnd when the pod or container goes away. Returns an unsubscribe function. */
  follow(namespace: string, pod: string, container: string, onLine: (l: LogLine) => void, onEnd: () => void): () => void;
  /** The container restarted: the current log becomes the previous one. */
  restart(namespace: string, pod: string, container: string): void;
  /** The pod was deleted: followers end, logs are dropped. */
  remove(namespace: string, pod: string): void;
  /**
   * A synthetic log (benchmarks: gigabytes without holding them): the pod log endpoint streams it, with
   * backpressure, after the stored lines and before new ones. Not returned by read(); timestamps, tailLines,
   * sinceSeconds/sinceTime and limitBytes do not apply to it. undefined removes it; restart() and remove() drop it.
   */
  setSource?(namespace: string, pod: string, container: string, source: PodLogSource | undefined): void;
  source?(namespace: string, pod: string, container: string): PodLogSource | undefined;
}

/** Called once per log request: the container's earlier output, as chunks of whole lines. */
export type PodLogSource = () => AsyncIterable<Uint8Array | string>;

export interface Identity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Users, passwords (the htpasswd identity provider) and bearer tokens. */
export interface AuthRegistry {
  addUser(username: string, opts?: { password?: string; groups?: string[] }): void;
  hasUser(username: string): boolean;
  checkPassword(username: string, password: string): boolean;
  /** A `sha256~…` token for the user; ttlSeconds defaults to 86400. */
  issueToken(username: string, opts?: { groups?: string[]; ttlSeconds?: number }): string;
  /** The identity behind a token, or undefined when unknown, revoked or expired. */
  lookup(token: string): Identity | undefined;
  revoke(token: string): void;
}

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface NonResourceAttributes {
  verb: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface Authorizer {
  authorize(user: Identity, attrs: ResourceAttributes | NonResourceAttributes): Decision;
}

/** Mutable, shared fault settings; the API server reads them on every request. */
export interface Faults {
  /** Added to every API request. */
  latencyMs: number;
  /** 0..1: share of API requests answered 500/503. */
  errorRate: number;
  /** The next N writes (POST/PUT/PATCH) answer 409 Conflict. */
  conflictNextWrites: number;
  /** 0..1: share of connections dropped without an answer. */
  dropRate: number;
  /** The API server refuses connections while true. */
  down: boolean;
  /** The next N writes carrying a resourceVersion precondition lose a race with another writer: 409 Conflict (apiserver/faults.ts). */
  conflicts?: number;
  /** 0..1: share of API requests whose connection is reset before they are processed. */
  resetRate?: number;
  /** 0..1: share of API requests rejected like max-in-flight/APF does: 429, Retry-After: 1. */
  throttleRate?: number;
  /** Scripted failures: the next `times` requests matching method and path (a RegExp source, tested on the URL with its query) get this answer (apiserver/faults.ts). */
  failRequests?: Array<{ method?: string; path?: string; answer: 'reset' | 429 | 500 | 503; times: number }>;
  /** The registry's storage fails writes with this errno (EROFS / ENOSPC), counted in its storage metrics. */
  registryStorage?: 'READ_ONLY_FILESYSTEM' | 'DEVICE_OUT_OF_SPACE';
  /** While true, image pruner Job runs fail (`oc adm prune images` errors; operator/cronjobs.ts). */
  prunerJobFails?: boolean;
  /** The registry's hard prune (`dockerregistry -prune=…` via pods/exec) waits this long between finding and deleting
   *  the blobs, so a test can interrupt the client while the garbage collection runs (registry/hard-prune.ts). */
  hardPruneHoldMs?: number;
  /** In-process tests: the hard prune calls `reached()` after finding the blobs and deletes them only once `released`
   *  settles, so a test interrupts the client at a known point instead of after a guessed delay. */
  hardPruneGate?: { reached: () => void; released: Promise<void> };
}

export function defaultFaults(): Faults {
  return { latencyMs: 0, errorRate: 0, conflictNextWrites: 0, dropRate: 0, down: false };
}

/** Where the router sends a TLS-terminated connection for a host[:port]. */
export interface RouteTarget {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT (the re-encrypt leg; loopback, not verified). */
  backend: string;
  /** Certificate and key presented to the client; the ingress wildcard when the route has none. */
  certPem: string;
  keyPem: string;
  /** Chain appended after certPem (intermediate/CA), optional. */
  chainPem?: string;
  /**
   * A Service host (kube-proxy, L4), not a route: the backend stands for a pod that terminates TLS itself,
   * so no router forwarding headers are added; only X-Forwarded-Proto: https stands in for the pod's TLS.
   */
  service?: boolean;
}

export type RouteResolver = (host: string, port: number) => RouteTarget | undefined;
