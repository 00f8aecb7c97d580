// What regctl retries against the API server, as client-go does (rest/request.go `checkWait`, rest/with_retry.go
// `IsNextRetry`, util/retry `RetryOnConflict`):
// - 429, and any 5xx that carries Retry-After (the server says "not done, come back"): wait what it asks, any method;
//   503 without Retry-After is retried too (a restarting apiserver or an LB in front of it answers so).
// - a connection reset / EOF before an answer: only for GET, since a write may have been applied.
// - 409 Conflict of a read-modify-write: read again, re-apply the change, write again (`retryOnConflict`).
// Bounded: a few attempts, all inside the request timeout (--request-timeout), like client-go's request context.
import { ApiError, ConnectionError, isApiError } from './api-error.js';
import { RegctlError } from '../errors.js';

export const MAX_ATTEMPTS = 5;
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export interface TransientOptions {
  /** The whole budget for all attempts (ms); 0 = no limit (then only the attempt count bounds it). */
  timeoutMs: number;
  maxAttempts?: number;
  trace?: (line: string) => void;
}

/** Seconds from a Retry-After header (client-go reads integers only). */
export function retryAfterOf(e: unknown): number | undefined {
  const h = (e as { retryAfter?: string | string[] } | undefined)?.retryAfter;
  const v = Array.isArray(h) ? h[0] : h;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

/** How long to wait before trying again, or undefined when this failure is not retried. */
export function transientWait(method: string, e: unknown, attempt: number): number | undefined {
  if (e instanceof ApiError) {
    const after = retryAfterOf(e);
    if (e.statusCode === 429 || e.statusCode >= 500) {
      if (after !== undefined) return after * 1000;
      if (e.statusCode === 429 || e.statusCode === 503) return backoffMs(attempt);
    }
    return undefined;
  }
  if (e instanceof ConnectionError && method === 'GET' && RESET_CODES.has(e.code)) return backoffMs(attempt);
  return undefined;
}

/** Runs one API request, again after a transient failure. `attempt` gets the time left (ms, 0 = unlimited). */
export async function withTransientRetry<T>(method: string, attempt: (leftMs: number) => Promise<T>, o: TransientOptions): Promise<T> {
  const max = o.maxAttempts ?? MAX_ATTEMPTS;
  const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Infinity;
  for (let n = 1; ; n++) {
    const left = deadline === Infinity ? 0 : Math.max(1, deadline - Date.now());
    try {
      return await attempt(left);
    } catch (e) {
      const wait = n < max ? transientWait(method, e, n) : undefined;
      if (wait === undefined || Date.now() + wait >= deadline) throw e;
      o.trace?.(`retry ${n}/${max - 1} after ${describe(e)} in ${wait}ms`);
      await sleep(wait);
    }
  }
}

export interface ConflictOptions {
  maxAttempts?: number;
  signal?: AbortSignal;
  /** Told about each conflict that is retried. */
  onRetry?: (attempt: number, what: string) => void;
  /** Names the object in the give-up error. */
  what?: string;
}

/**
 * client-go's RetryOnConflict: `fn` reads, changes and writes; a 409 Conflict (someone wrote in between) runs it
 * again from a fresh read, with a short growing backoff. Other errors and success end it.
 */
export async function retryOnConflict<T>(fn: (attempt: number) => Promise<T>, o: ConflictOptions = {}): Promise<T> {
  const max = o.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isConflict(e)) throw e;
      const what = o.what ?? conflictTarget(e);
      if (attempt >= max) {
        throw new RegctlError(`${what} kept changing under us: gave up after ${attempt} conflicting writes; nothing more was changed`, {
          hint: 'something else is rewriting it constantly; check for a controller or script editing it, then run the command again',
        });
      }
      o.onRetry?.(attempt, what);
      await sleep(backoffMs(attempt), o.signal);
    }
  }
}

/** Whether a patch body is conditional on the object's resourceVersion (merge/strategic metadata, or a JSON-patch op). */
export function carriesResourceVersion(patch: unknown): boolean {
  if (Array.isArray(patch)) return patch.some((op) => op?.path === '/metadata/resourceVersion' && op?.op !== 'remove');
  return Boolean((patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion);
}

/** A 409 that a re-read can fix (not AlreadyExists, which is a 409 too). */
export function isConflict(e: unknown): boolean {
  return isApiError(e, 409) && e.status.reason !== 'AlreadyExists';
}

function conflictTarget(e: unknown): string {
  const d = (e as ApiError).status.details;
  return d?.name ? `${d.kind ?? 'object'}${d.group ? `.${d.group}` : ''}/${d.name}` : 'the object';
}

/** client-go retry.DefaultBackoff-like: 10ms doubling, capped, with jitter. */
export function backoffMs(attempt: number): number {
  return Math.min(1000, 10 * 2 ** attempt) + Math.floor(Math.random() * 20);
}

function describe(e: unknown): string {
  if (e instanceof ApiError) return `HTTP ${e.statusCode}`;
  if (e instanceof ConnectionError) return e.code;
  return (e as Error)?.message ?? String(e);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    }, { once: true });
  });
}
