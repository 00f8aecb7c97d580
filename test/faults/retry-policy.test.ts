// The retry policy itself (src/cluster/retry.ts), as client-go's checkWait / IsNextRetry / RetryOnConflict decide:
// what is retried, how long it waits, and that attempts and the request timeout bound it.
import { describe, expect, it } from 'vitest';
import { ApiError, ConnectionError } from '../../src/cluster/api-error.js';
import { retryOnConflict, transientWait, withTransientRetry } from '../../src/cluster/retry.js';

const api = (code: number, retryAfter?: string, reason = '') => Object.assign(new ApiError(code, 'GET', '/x', { reason, message: 'm' }), { retryAfter });
const conn = (code: string) => new ConnectionError('https://api', code, code);

describe('transientWait', () => {
  it('429 and 5xx with Retry-After wait what the server asks, any method', () => {
    expect(transientWait('GET', api(429, '2'), 1)).toBe(2000);
    expect(transientWait('POST', api(500, '1'), 1)).toBe(1000);
    expect(transientWait('PATCH', api(504, '0'), 1)).toBe(0);
  });
  it('503 (and 429) without Retry-After back off; 500 without it and 4xx are final', () => {
    expect(transientWait('GET', api(503), 1)).toBeGreaterThan(0);
    expect(transientWait('GET', api(500), 1)).toBeUndefined();
    expect(transientWait('PUT', api(409, undefined, 'Conflict'), 1)).toBeUndefined();
    expect(transientWait('GET', api(404), 1)).toBeUndefined();
  });
  it('a reset connection only for GET; a refused one never', () => {
    expect(transientWait('GET', conn('ECONNRESET'), 1)).toBeGreaterThan(0);
    expect(transientWait('POST', conn('ECONNRESET'), 1)).toBeUndefined();
    expect(transientWait('GET', conn('ECONNREFUSED'), 1)).toBeUndefined();
    expect(transientWait('GET', conn('ETIMEDOUT'), 1)).toBeUndefined();
  });
});

describe('withTransientRetry', () => {
  it('stops after 5 attempts', async () => {
    let n = 0;
    await expect(withTransientRetry('GET', async () => { n++; throw api(429, '0'); }, { timeoutMs: 0 })).rejects.toBeInstanceOf(ApiError);
    expect(n).toBe(5);
  });
  it('does not wait past the request timeout', async () => {
    let n = 0;
    await expect(withTransientRetry('GET', async () => { n++; throw api(503, '30'); }, { timeoutMs: 5000 })).rejects.toBeInstanceOf(ApiError);
    expect(n).toBe(1);
  });
  it('returns the first success', async () => {
    let n = 0;
    expect(await withTransientRetry('GET', async () => (++n < 3 ? Promise.reject(api(429, '0')) : 'ok'), { timeoutMs: 0 })).toBe('ok');
    expect(n).toBe(3);
  });
});

describe('retryOnConflict', () => {
  it('re-runs the read-modify-write on 409 Conflict, not on AlreadyExists', async () => {
    let n = 0;
    expect(await retryOnConflict(async () => (++n < 3 ? Promise.reject(api(409, undefined, 'Conflict')) : n))).toBe(3);
    await expect(retryOnConflict(async () => Promise.reject(api(409, undefined, 'AlreadyExists')))).rejects.toBeInstanceOf(ApiError);
  });
  it('gives up with one clear error', async () => {
    await expect(retryOnConflict(async () => Promise.reject(api(409, undefined, 'Conflict')), { maxAttempts: 2, what: 'serviceaccount default' })).rejects.toThrow(
      'serviceaccount default kept changing under us: gave up after 2 conflicting writes; nothing more was changed',
    );
  });
});
