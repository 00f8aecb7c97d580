// GET pods/NAME/log: the kubelet's log endpoint as proxied by kube-apiserver, from store.logs.
import type { LogLine } from '../types.ts';
import { rfc3339NanoFixed } from '../log-time.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import type { RequestCtx, ResourceRequest } from './context.ts';

export function handlePodLog(ctx: RequestCtx, rr: ResourceRequest): void {
  const { store } = ctx.opts;
  if (ctx.req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const pod = store.get('/pods', rr.namespace, rr.name!);
  if (!pod) throw notFound(rr.t, rr.name!);
  const q = ctx.url.searchParams;
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const initNames = (spec.initContainers ?? []).map((c) => c.name);
  let container = q.get('container') ?? '';
  if (!container) {
    if (names.length === 1) container = names[0]!;
    else if (names.length === 0) throw badRequest(`a container name must be specified for pod ${rr.name}`);
    else {
      const init = initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
      throw badRequest(`a container name must be specified for pod ${rr.name}, choose one of: [${names.join(' ')}]${init}`);
    }
  } else if (!names.includes(container) && !initNames.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${rr.name}`);
  }
  const previous = q.get('previous') === 'true';
  const follow = q.get('follow') === 'true' && !previous;
  const timestamps = q.get('timestamps') === 'true';
  let lines = store.logs.read(rr.namespace!, rr.name!, container, { previous });
  if (previous && lines.length === 0) {
    throw badRequest(`previous terminated container "${container}" in pod "${rr.name}" not found`);
  }
  let since: number | undefined;
  if (q.get('sinceSeconds')) {
    const s = Number(q.get('sinceSeconds'));
    if (!(s > 0)) throw new ApiError(422, 'Invalid', `PodLogOptions "${rr.name}" is invalid: sinceSeconds: Invalid value: ${q.get('sinceSeconds')}: must be greater than 0`);
    since = Date.now() - s * 1000;
  }
  if (q.get('sinceTime')) {
    const t = Date.parse(q.get('sinceTime')!);
    if (Number.isNaN(t)) throw badRequest(`parsing time "${q.get('sinceTime')}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    since = t;
  }
  if (since !== undefined) lines = lines.filter((l) => l.time.getTime() >= since!);
  if (q.get('tailLines') !== null) {
    const n = Number(q.get('tailLines'));
    if (Number.isInteger(n) && n >= 0) lines = n === 0 ? [] : lines.slice(-n);
  }
  let limitBytes = q.get('limitBytes') ? Number(q.get('limitBytes')) : Infinity;
  // The kubelet writes RFC3339NanoFixed (nine digits), not Go's trimmed RFC3339Nano.
  const fmt = (l: LogLine) => `${timestamps ? `${rfc3339NanoFixed(l)} ` : ''}${l.line}\n`;
  const { res, req } = ctx;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' }); // HTTP/1.1: chunked by Node
  const emit = (l: LogLine): boolean => {
    let s = fmt(l);
    if (limitBytes <= 0) return false;
    if (Buffer.byteLength(s) > limitBytes) s = Buffer.from(s).subarray(0, limitBytes).toString();
    limitBytes -= Buffer.byteLength(s);
    res.write(s);
    return limitBytes > 0;
  };
  for (const l of lines) if (!emit(l)) return void res.end();
  const source = previous ? undefined : store.logs.source?.(rr.namespace!, rr.name!, container);
  if (!follow && !source) return void res.end();
  res.flushHeaders();
  // Lines appended while a synthetic source streams wait for it: the log keeps the container's order.
  let held: LogLine[] | undefined = source ? [] : undefined;
  let finished = false;
  let stop = () => {};
  let offStore = () => {};
  if (follow) {
    stop = store.logs.follow(
      rr.namespace!,
      rr.name!,
      container,
      (l) => {
        if (held) held.push(l);
        else if (!res.writableEnded && !emit(l)) finish();
      },
      () => finish(),
    );
    // The pod may go away without logs.remove (e.g. a store without pod cleanup): end then too.
    offStore = store.on((key, e) => {
      if (key === '/pods' && e.type === 'DELETED' && e.object.metadata.name === rr.name && e.object.metadata.namespace === rr.namespace) finish();
    });
  }
  function finish() {
    if (finished) return;
    finished = true;
    stop();
    offStore();
    if (!res.writableEnded) res.end();
  }
  req.on('close', finish);
  res.on('close', finish);
  if (source) {
    streamSource(source(), res, () => finished).then(
      () => {
        const queued = held ?? [];
        held = undefined;
        for (const l of queued) if (finished || !emit(l)) return finish();
        if (!follow) finish();
      },
      () => {
        res.destroy();
        finish();
      },
    );
  }
}

/** Writes the source into res, waiting for 'drain' whenever the client is behind. */
async function streamSource(src: AsyncIterable<Uint8Array | string>, res: RequestCtx['res'], done: () => boolean): Promise<void> {
  for await (const chunk of src) {
    if (done() || res.writableEnded || res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off('drain', go);
          res.off('close', go);
          resolve();
        };
        res.on('drain', go);
        res.on('close', go);
      });
    }
  }
}
