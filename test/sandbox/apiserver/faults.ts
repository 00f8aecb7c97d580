// Injected API faults that mimic what a real cluster answers under load or contention:
// - throttleRate: kube-apiserver's max-in-flight / priority-and-fairness rejection (filters/maxinflight.go,
//   priority-and-fairness.go `tooManyRequests`): 429, `Retry-After: 1`, plain-text "Too many requests, please try
//   again later." (http.Error), nothing processed.
// - resetRate: the connection is cut before the request is processed (an LB or apiserver restart resetting it).
// - conflicts: a concurrent writer wins the race before each of the next N writes that carry a resourceVersion
//   precondition (PUT with metadata.resourceVersion, a patch setting it): they get
//   the 409 Conflict GuaranteedUpdate returns. Patches without one never conflict: the patch handler re-applies them
//   to the fresh object (handlers/patch.go `requestLoop`, MaxRetryWhenPatchConflicts), and creates cannot.
// - failRequests: scripted answers for tests — the next `times` requests matching method and a path regexp (on the URL with its query) get a
//   429 (as above), a 500 InternalError, a 503 ServiceUnavailable with Retry-After: 1, or a reset.
// - concurrentWrites: another client's write just before a given write is processed (a test device; concurrent-write.ts).
import { constants, type ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../types.ts';
import type { RequestCtx } from './context.ts';
import { conflict } from './errors.ts';
import { concurrentWrite } from './concurrent-write.ts';

/** Before dispatch: true when the request was answered (429/500/503) or its connection cut. */
export function requestFault(ctx: RequestCtx): boolean {
  const f = ctx.opts.faults;
  concurrentWrite(ctx);
  const scripted = (f.failRequests ?? []).find((r) => r.times > 0 && (!r.method || r.method === ctx.req.method) && (!r.path || new RegExp(r.path).test(ctx.req.url ?? '')));
  if (scripted) {
    scripted.times--;
    return answer(ctx, scripted.answer);
  }
  if ((f.resetRate ?? 0) > 0 && Math.random() < f.resetRate!) return answer(ctx, 'reset');
  if ((f.throttleRate ?? 0) > 0 && Math.random() < f.throttleRate!) return answer(ctx, 429);
  return false;
}

function answer(ctx: RequestCtx, a: 'reset' | 429 | 500 | 503): true {
  if (a === 'reset') {
    cutRequest(ctx.req);
    return true;
  }
  ctx.req.resume();
  if (a === 429) {
    const body = 'Too many requests, please try again later.\n';
    ctx.res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Retry-After': '1', 'Content-Length': Buffer.byteLength(body) });
    ctx.res.end(body);
    return true;
  }
  const status = a === 503
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: injected fault', reason: 'InternalError', details: { causes: [{ message: 'injected fault' }] }, code: 500 };
  const body = JSON.stringify(status);
  ctx.res.writeHead(a, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(a === 503 ? { 'Retry-After': '1' } : {}) });
  ctx.res.end(body);
  return true;
}

/**
 * Cuts one request off before any answer. Over HTTP/1.1 that loses its connection; over HTTP/2 the request's stream is
 * reset (RST_STREAM INTERNAL_ERROR, what Go's net/http2 server sends when a handler aborts) and the connection's other
 * streams go on, as they do against kube-apiserver.
 */
export function cutRequest(req: IncomingMessage): void {
  const stream = (req as unknown as { stream?: ServerHttp2Stream }).stream;
  if (stream) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  else req.socket.destroy();
}

/** Whether this write is conditional on a resourceVersion (only those can lose a race). */
export async function hasPrecondition(ctx: RequestCtx): Promise<boolean> {
  const method = ctx.req.method ?? 'GET';
  if (method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') return false;
  let body: any;
  try {
    const buf = await ctx.body();
    body = buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
  } catch {
    return false;
  }
  if (method === 'DELETE') return Boolean(body?.preconditions?.resourceVersion);
  if (Array.isArray(body)) return body.some((op) => op?.path === '/metadata/resourceVersion' && op?.op !== 'remove');
  return Boolean(body?.metadata?.resourceVersion);
}

/** Call where the write reaches storage: consumes one `conflicts` and throws the 409 for a conditional write. */
export async function raceFault(ctx: RequestCtx, t: ResourceType, name: string): Promise<void> {
  const f = ctx.opts.faults;
  if (!f.conflicts || f.conflicts <= 0) return;
  if (!(await hasPrecondition(ctx))) return;
  f.conflicts--;
  throw conflict(t, name);
}
