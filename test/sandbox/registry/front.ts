// The OpenShift-style front of the registry: auth (spec f), /openshift/token, _catalog from ImageStreams,
// metrics (spec e), image stream updates after pushes; everything else is streamed to docker-registry.
import http from 'node:http';
import { Transform } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { extractToken, type AccessAttributes, type RegistryAuth } from './auth.ts';
import { E, logCode, type RegistryError } from './errors.ts';
import { INTERNAL_REGISTRY, type ImageStreams } from './imagestreams.ts';
import { pushedImage } from './pushed-image.ts';
import { GO_VERSION, goDuration, logLine, type Fields, type Level } from './logfmt.ts';
import type { RegistryMetrics } from './metrics.ts';
import { mapOrder, pageTags } from './tags-list.ts';
import { driverCalls, failingWrite, faultDetail, recordDriverCalls, type DriverCall, type StorageFault, type StorageRequest } from './storage-driver.ts';

export interface FrontDeps {
  /** http://127.0.0.1:PORT of docker-registry */
  upstream: string;
  auth: RegistryAuth;
  streams: ImageStreams;
  metrics: RegistryMetrics;
  log: (line: string) => void;
  /** Read on every write: an injected storage failure (sb.faults.registryStorage). */
  faults?: { registryStorage?: StorageFault };
  /** Asked for each repository request other than GET/HEAD: the docker-registry in read-only maintenance mode that
   *  the serving pod runs (maintenance.ts), or undefined when that pod is read-write. */
  readOnlyUpstream?: () => Promise<string | undefined>;
}

interface AccessRecord {
  Type: string;
  Class: string;
  Name: string;
  Action: string;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const MAX_CATALOG = 1000;
const DEFAULT_CATALOG = 100;
const SIGNATURE_PATH = /^\/extensions\/v2\/(.+)\/signatures\/([^/]+)$/;
const REPO_PATH = /^\/v2\/(.+)\/(tags\/list|manifests\/[^/]+|blobs\/uploads\/[^/]*|blobs\/[^/]+)$/;

class Ctx {
  readonly id = randomUUID();
  readonly start = process.hrtime.bigint();
  written = 0;
  reqBytes: number;
  user?: string;
  userid?: string;
  vars: Record<string, string> = {};
  errors?: RegistryError[];
  authFailed = false;
  operation?: string;
  /** What the request does with the storage (its driver calls are counted when it ends). */
  storage?: StorageRequest;
  storageCalls?: DriverCall[];
  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
  ) {
    this.reqBytes = Number(req.headers['content-length'] ?? 0) || 0;
  }
}

function remoteAddr(req: http.IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real) return real;
  const a = req.socket.remoteAddress ?? '';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? 0}`;
}

/** scheme and host as the client saw them (library-go httprequest.SchemeHost, simplified). */
function externalOrigin(req: http.IncomingMessage, defaultScheme = 'https'): { scheme: string; host: string } {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const host = first(req.headers['x-forwarded-host']) || req.headers.host || 'localhost';
  const scheme = first(req.headers['x-forwarded-proto']) || defaultScheme;
  return { scheme, host };
}

function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

function splitRepo(name: string): { ns: string; name: string } | undefined {
  const parts = name.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { ns: parts[0], name: parts[1] };
}

export function createFront(deps: FrontDeps): { handler: http.RequestListener; close(): void } {
  const { auth, streams, metrics } = deps;
  const upstreamUrl = new URL(deps.upstream);
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const seenDigests = new Set<string>();
  const signatures = new Map<string, Array<{ schemaVersion: number; name: string; type: string; content: string }>>();

  const log = (c: Ctx | undefined, level: Level, msg: string, extra: Fields = {}) => {
    deps.log(logLine(level, msg, { ...(c ? requestFields(c) : { 'go.version': GO_VERSION }), ...extra }));
  };

  function requestFields(c: Ctx): Fields {
    const f: Fields = {
      'go.version': GO_VERSION,
      'http.request.host': c.req.headers.host,
      'http.request.id': c.id,
      'http.request.method': c.req.method,
      'http.request.remoteaddr': remoteAddr(c.req),
      'http.request.uri': c.req.url,
      'http.request.useragent': c.req.headers['user-agent'],
      'openshift.auth.user': c.user,
      'openshift.auth.userid': c.userid,
    };
    if (c.req.headers['content-type']) f['http.request.contenttype'] = c.req.headers['content-type'];
    for (const [k, v] of Object.entries(c.vars)) f[`vars.${k}`] = v;
    return f;
  }

  function responseFields(c: Ctx, durationNs: number): Fields {
    const ct = c.res.getHeader('content-type');
    return {
      'http.response.contenttype': ct === undefined ? undefined : String(ct),
      'http.response.duration': goDuration(durationNs),
      'http.response.status': c.res.statusCode,
      'http.response.written': c.written,
    };
  }

  function finalize(c: Ctx): void {
    const ns = Number(process.hrtime.bigint() - c.start);
    const method = (c.req.method ?? 'GET').toLowerCase();
    metrics.inFlight.add(-1);
    metrics.requestsTotal.inc({ code: String(c.res.statusCode), method });
    metrics.requestDuration.observe(ns / 1e9, { method });
    metrics.requestSize.observe(c.reqBytes);
    metrics.responseSize.observe(c.written);
    if (c.operation) metrics.operationDuration.observe(ns / 1e9, { operation: c.operation });
    if (c.storage) recordDriverCalls(metrics, c.storageCalls ?? driverCalls(c.storage, c.res.statusCode), ns / 1e9);
    if (c.authFailed) return;
    const status = c.res.statusCode;
    if (c.errors?.length) {
      const e = c.errors[0]!;
      log(c, 'error', 'response completed with error', {
        ...responseFields(c, ns),
        'err.code': logCode(e.code),
        'err.detail': e.detail === undefined ? undefined : typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail),
        'err.message': e.message,
      });
    } else if (status >= 200 && status <= 399) {
      log(c, 'info', 'response completed', responseFields(c, ns));
    }
  }

  function sendJson(c: Ctx, status: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}, trailingNewline = true): void {
    const text = JSON.stringify(body) + (trailingNewline ? '\n' : '');
    c.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    c.res.end(text);
  }

  function sendErrors(c: Ctx, status: number, errors: RegistryError[], headers: Record<string, string> = {}): void {
    c.errors = errors;
    sendJson(c, status, { errors }, 'application/json; charset=utf-8', headers);
  }

  function challenge(c: Ctx, records: AccessRecord[], wwwAuthenticate: string, reason: string): void {
    c.authFailed = true;
    log(c, 'warning', `error authorizing context: ${reason}`);
    sendErrors(c, 401, [E.unauthorized(records.length ? records : null)], { 'WWW-Authenticate': wwwAuthenticate });
  }

  /**
   * Authenticates the caller and checks every access record. Returns undefined when a response was sent.
   * `deferrable` names repositories whose pull failure only disables a cross-repository mount.
   */
  async function authorize(c: Ctx, records: AccessRecord[], deferrable: Set<string> = new Set()): Promise<{ token: string; deferred: Set<string> } | undefined> {
    const t = extractToken(c.req.headers.authorization);
    if (t.kind === 'required') {
      const { scheme, host } = externalOrigin(c.req);
      challenge(c, records, `Bearer realm="${scheme}://${host}/openshift/token"`, 'authorization header required');
      return undefined;
    }
    const denied = () => challenge(c, records, 'Basic realm=openshift,error="access denied"', 'access denied');
    if (t.kind === 'invalid') {
      challenge(c, records, 'Basic realm=openshift,error="failed to decode credentials"', 'failed to decode credentials');
      return undefined;
    }
    const token = t.token;
    if (token) {
      const v = await auth.verifyUser(token);
      if (!v.ok) {
        if (v.denied) {
          log(c, 'error', 'Get user failed with error: Unauthorized');
          denied();
        } else {
          log(c, 'error', `error checking authorization: ${v.message}`);
          c.authFailed = true;
          c.res.writeHead(400, { 'Content-Length': '0' }).end();
        }
        return undefined;
      }
      c.user = v.user.username;
      c.userid = v.user.uid;
    } else {
      c.user = 'anonymous';
    }
    const deferred = new Set<string>();
    for (const r of records) {
      let attrs: AccessAttributes;
      if (r.Type === 'repository' || r.Type === 'signature') {
        const repo = splitRepo(r.Name);
        if (!repo) {
          const err = E.nameInvalid(r.Name);
          log(c, 'error', `error checking authorization: ${String(err.detail)}`);
          sendErrors(c, 400, [err]);
          return undefined;
        }
        if (r.Type === 'signature')
          attrs = r.Action === 'put' ? { verb: 'create', resource: 'imagesignatures', namespace: repo.ns, name: repo.name } : { verb: 'get', resource: 'imagestreams', subresource: 'layers', namespace: repo.ns, name: repo.name };
        else if (r.Action === '*') attrs = { verb: 'delete', resource: 'images' };
        else attrs = { verb: r.Action === 'push' ? 'update' : 'get', resource: 'imagestreams', subresource: 'layers', namespace: repo.ns, name: repo.name };
      } else if (r.Type === 'registry') {
        attrs = { verb: 'list', resource: 'imagestreams' };
      } else {
        attrs = { verb: 'get', resource: 'registry', subresource: 'metrics' };
      }
      const a = await auth.checkAccess(token, attrs);
      if (a.allowed) continue;
      if (!a.denied) {
        log(c, 'error', `OpenShift client error: ${a.message}`);
        c.authFailed = true;
        c.res.writeHead(400, { 'Content-Length': '0' }).end();
        return undefined;
      }
      if (r.Type === 'repository' && r.Action === 'pull' && deferrable.has(r.Name)) {
        deferred.add(r.Name);
        continue;
      }
      log(c, 'error', `OpenShift access denied: ${a.reason}`);
      denied();
      return undefined;
    }
    return { token, deferred };
  }

  function copyUpstreamHeaders(c: Ctx, up: http.IncomingMessage, origin = upstreamUrl.origin): void {
    const { scheme, host } = externalOrigin(c.req, c.req.headers['x-forwarded-proto'] ? 'https' : 'http');
    for (const [k, v] of Object.entries(up.headers)) {
      if (v === undefined || HOP.has(k) || k === 'docker-distribution-api-version') continue;
      if (k === 'location' && typeof v === 'string' && v.startsWith(origin)) {
        c.res.setHeader(k, `${scheme}://${host}${v.slice(origin.length)}`);
        continue;
      }
      c.res.setHeader(k, v);
    }
  }

  /**
   * Streams the request to docker-registry and the answer back. With `intercept`, a 2xx answer is
   * buffered (small: manifests) and handed over first; intercept returns true when it answered itself.
   * `upstream`: another docker-registry than the main one (a read-only pod's).
   */
  function forward(c: Ctx, o: { path?: string; intercept?: (up: http.IncomingMessage) => Promise<boolean>; upstream?: URL } = {}): Promise<void> {
    const { req, res } = c;
    const target = o.upstream ?? upstreamUrl;
    return new Promise<void>((resolve) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || k === 'authorization' || (HOP.has(k) && k !== 'transfer-encoding')) continue;
        headers[k] = v;
      }
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      const up = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: o.path ?? req.url, headers, agent: upstreamAgent });
      up.on('response', async (ur) => {
        try {
          const status = ur.statusCode ?? 502;
          const isErrJson = status >= 400 && /json/.test(String(ur.headers['content-type'] ?? ''));
          if (isErrJson || (o.intercept && status < 300)) {
            const body = await readAll(ur, 4 << 20);
            if (isErrJson) {
              try {
                c.errors = JSON.parse(body.toString('utf8')).errors;
              } catch {
                /* not a distribution error body */
              }
            }
            if (o.intercept && status < 300 && (await o.intercept(ur))) return finish();
            copyUpstreamHeaders(c, ur, target.origin);
            res.writeHead(status);
            res.end(body);
            return finish();
          }
          copyUpstreamHeaders(c, ur, target.origin);
          res.writeHead(status);
          ur.pipe(counter(() => {})).pipe(res);
          ur.on('end', finish);
          ur.on('error', () => {
            res.destroy();
            finish();
          });
        } catch (e) {
          if (!res.headersSent) sendErrors(c, 500, [E.unknown((e as Error).message)]);
          else res.destroy();
          finish();
        }
      });
      up.on('error', (err) => {
        if (!res.headersSent) sendErrors(c, 503, [E.unavailable(err.message)], { Connection: 'close' });
        else res.destroy();
        finish();
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
        finish();
      });
      c.reqBytes = 0;
      req.pipe(counter((n) => (c.reqBytes += n))).pipe(up);
    });
  }

  // ---- endpoints -------------------------------------------------------------------------------

  async function handleToken(c: Ctx, url: URL): Promise<void> {
    if (c.req.method !== 'GET') {
      c.res.writeHead(405, { 'Content-Length': '0' }).end();
      return;
    }
    for (const scope of url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean)) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first < 0 || last <= first) continue;
      const type = scope.slice(0, first);
      const name = scope.slice(first + 1, last);
      if ((type === 'repository' || type === 'signature') && !splitRepo(name)) {
        sendJson(c, 401, { details: String(E.nameInvalid(name).detail) });
        return;
      }
    }
    const header = c.req.headers.authorization;
    if (!header) {
      c.user = 'anonymous';
      sendJson(c, 200, { token: 'anonymous', access_token: 'anonymous' });
      return;
    }
    if (!/^basic /i.test(header)) {
      c.res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': '0' }).end();
      return;
    }
    const t = extractToken(header);
    if (t.kind !== 'token' || !t.token) {
      c.res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': '0' }).end();
      return;
    }
    const v = await auth.verifyUser(t.token);
    if (v.ok) {
      c.user = v.user.username;
      c.userid = v.user.uid;
      sendJson(c, 200, { token: t.token, access_token: t.token });
    } else if (v.denied) {
      log(c, 'error', 'invalid token: Unauthorized');
      c.res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': '0' }).end();
    } else {
      log(c, 'error', `unable to validate token: ${v.message}`);
      sendJson(c, 401, { details: `unable to validate token: ${v.message}` });
    }
  }

  async function handleMetrics(c: Ctx): Promise<void> {
    if (c.req.method !== 'GET') {
      c.res.writeHead(405, { 'Content-Length': '0' }).end();
      return;
    }
    if (!(await authorize(c, [{ Type: 'metrics', Class: '', Name: '', Action: 'get' }]))) return;
    metrics.promhttpRequests.inc({ code: '200' });
    const text = metrics.render();
    c.res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
    c.res.end(text);
  }

  async function handleCatalog(c: Ctx, url: URL): Promise<void> {
    const records = [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }];
    const a = await authorize(c, records);
    if (!a) return;
    let n = DEFAULT_CATALOG;
    const nRaw = url.searchParams.get('n');
    if (nRaw) {
      const parsed = /^[+-]?\d+$/.test(nRaw) ? Number(nRaw) : NaN;
      if (!Number.isSafeInteger(parsed) || parsed < 0) return sendErrors(c, 400, [E.paginationInvalid(nRaw)]);
      if (parsed > MAX_CATALOG) return sendErrors(c, 400, [{ ...E.paginationInvalid(nRaw), detail: { n: parsed } }]);
      n = parsed;
    }
    if (n === 0) return sendJson(c, 200, { repositories: [] });
    const listed = await streams.listAll(a.token);
    if (!listed.ok) {
      if (listed.status === 401 || listed.status === 403) {
        log(c, 'error', `OpenShift access denied: ${listed.message}`);
        c.authFailed = true;
        return challenge(c, records, 'Basic realm=openshift,error="access denied"', 'access denied');
      }
      return sendErrors(c, 500, [E.unknown(listed.message)]);
    }
    const last = url.searchParams.get('last') ?? '';
    const page = listed.names.filter((x) => x > last).slice(0, n);
    const headers: Record<string, string> = {};
    if (page.length === n) {
      const q = new URLSearchParams({ last: page[page.length - 1]!, n: String(n) });
      headers.Link = `</v2/_catalog?${q}>; rel="next"`;
    }
    sendJson(c, 200, { repositories: page }, 'application/json', headers);
  }

  async function handleRepository(c: Ctx, url: URL, name: string, rest: string): Promise<void> {
    const method = c.req.method ?? 'GET';
    const kind = rest === 'tags/list' ? 'tags' : rest.startsWith('manifests/') ? 'manifest' : rest.startsWith('blobs/uploads/') ? 'upload' : 'blob';
    const ref = decodeURIComponent(kind === 'manifest' ? rest.slice(10) : kind === 'upload' ? rest.slice(14) : kind === 'blob' ? rest.slice(6) : '');
    c.vars.name = name;
    if (kind === 'manifest') c.vars.reference = ref;
    if (kind === 'blob') c.vars.digest = ref;
    if (kind === 'upload' && ref) c.vars.uuid = ref;

    const rec = (action: string, repo = name): AccessRecord => ({ Type: 'repository', Class: '', Name: repo, Action: action });
    let records: AccessRecord[];
    if (method === 'GET' || method === 'HEAD') records = [rec('pull')];
    else if (method === 'DELETE') records = kind === 'upload' ? [rec('push')] : [rec('*')];
    else records = [rec('pull'), rec('push')];
    const deferrable = new Set<string>();
    const from = url.searchParams.get('from');
    if (kind === 'upload' && method === 'POST' && from && url.searchParams.get('mount') && from !== name) {
      records.push(rec('pull', from));
      deferrable.add(from);
    }
    const a = await authorize(c, records, deferrable);
    if (!a) return;
    // After authorization (app.go dispatcher: authorized() before dispatch), a read-only pod's distribution answers
    // itself: 405 for anything but GET/HEAD, before the repository's services or storage are reached.
    if (method !== 'GET' && method !== 'HEAD' && deps.readOnlyUpstream) {
      let ro: string | undefined;
      try {
        ro = await deps.readOnlyUpstream();
      } catch (e) {
        c.req.resume();
        return sendErrors(c, 503, [E.unavailable((e as Error).message)]);
      }
      if (ro) return forward(c, { upstream: new URL(ro) });
    }
    const repo = splitRepo(name)!;
    const isDigest = ref.includes(':');
    if (kind !== 'tags') {
      const newBlob = !seenDigests.has(url.searchParams.get('digest') ?? '');
      c.storage = kind === 'blob' ? { kind, method } : kind === 'upload' ? { kind, method, newBlob } : { kind, method, byDigest: isDigest, newManifest: !(isDigest && seenDigests.has(ref)) };
      const fault = deps.faults?.registryStorage;
      const failing = fault ? failingWrite(c.storage, fault) : undefined;
      if (fault && failing) {
        c.storageCalls = [failing];
        c.req.resume();
        return sendErrors(c, 500, [E.unknown(faultDetail(fault, name))]);
      }
    }

    if (kind === 'tags') {
      c.operation = 'TagService.All';
      if (method !== 'GET' && method !== 'HEAD') return forward(c);
      const tags = await streams.tagNames(repo.ns, repo.name);
      if (!tags) return sendErrors(c, 404, [E.nameUnknown(name)]);
      const page = pageTags(mapOrder(tags), url.searchParams, url.pathname);
      if (!page.ok) return sendErrors(c, 400, [page.error]);
      return sendJson(c, 200, { name, tags: page.tags }, 'application/json', page.link ? { Link: page.link } : {});
    }

    if (kind === 'manifest') {
      if (method === 'GET' || method === 'HEAD') {
        c.operation = 'ManifestService.Get';
        if (isDigest) return forward(c);
        const r = await streams.resolveTag(repo.ns, repo.name, ref);
        if (!r.stream) return sendErrors(c, 404, [E.nameUnknown(name)]);
        if (!r.digest) return sendErrors(c, 404, [E.manifestUnknown({ Tag: ref })]);
        metrics.digestCache.inc({ type: seenDigests.has(r.digest) ? 'Hit' : 'Miss' });
        return forward(c, { path: `/v2/${name}/manifests/${r.digest}` });
      }
      if (method === 'PUT') {
        c.operation = 'ManifestService.Put';
        // By digest: the Image is created on its own (pushByDigest in manifestService.Put).
        if (isDigest) {
          return forward(c, {
            intercept: async (up) => {
              const digest = String(up.headers['docker-content-digest'] ?? '');
              if (!digest) return false;
              const mediaType = String(c.req.headers['content-type'] ?? '').split(';')[0]!.trim() || undefined;
              const r = await pushedImage(upstreamUrl, upstreamAgent, INTERNAL_REGISTRY, name, digest, mediaType)
                .then((image) => streams.createImage(image))
                .catch((e: Error) => ({ ok: false as const, reason: 'error' as const, message: e.message }));
              if (r.ok) {
                seenDigests.add(digest);
                return false;
              }
              log(c, 'error', `manifestService.Put: image creation failed for image ${digest}: ${r.message}`);
              sendErrors(c, 500, [E.unknown(r.message)]);
              return true;
            },
          });
        }
        return forward(c, {
          intercept: async (up) => {
            const digest = String(up.headers['docker-content-digest'] ?? '');
            if (!digest) return false;
            const mediaType = String(c.req.headers['content-type'] ?? '').split(';')[0]!.trim() || undefined;
            if (c.storage?.kind === 'manifest') c.storage.newManifest = !seenDigests.has(digest);
            // A missing stream is created with the pusher's own token (a.token): see ImageStreams.recordTag.
            const r = await pushedImage(upstreamUrl, upstreamAgent, INTERNAL_REGISTRY, name, digest, mediaType)
              .then((image) => streams.recordTag(repo.ns, repo.name, ref, image, a.token))
              .catch((e: Error) => ({ ok: false as const, reason: 'error' as const, message: e.message }));
            if (r.ok) {
              seenDigests.add(digest);
              return false;
            }
            // manifestService.Put: a Forbidden result (no project, or the user may not create the stream) is
            // distribution.ErrAccessDenied → 403 DENIED without detail; anything else → 500 UNKNOWN.
            if (r.reason === 'forbidden') {
              log(c, 'error', `manifestService.Put: imagestreammapping got access denied for image ${name}@${digest}: ${r.message}`);
              sendErrors(c, 403, [E.denied()]);
            } else {
              log(c, 'error', `manifestService.Put: imagestreammapping failed for image ${name}@${digest}: ${r.message}`);
              sendErrors(c, 500, [E.unknown(r.message)]);
            }
            return true;
          },
        });
      }
      if (method === 'DELETE') {
        c.operation = 'ManifestService.Delete';
        // By tag: the tag service's Untag does nothing (tags live in the image stream) and the handler answers 202.
        if (!isDigest) {
          c.res.writeHead(202, { 'Content-Length': '0' }).end();
          return;
        }
        // By digest: refused while the image stream references the image (manifestservice.go Delete).
        if ((await streams.tagsReferencing(repo.ns, repo.name, ref)).length) return sendErrors(c, 405, [E.unsupported()]);
        return forward(c);
      }
      return forward(c);
    }

    if (kind === 'blob') {
      c.operation = method === 'DELETE' ? 'BlobStore.Delete' : 'BlobStore.ServeBlob';
      if (method === 'GET' || method === 'HEAD') {
        const hit = seenDigests.has(ref);
        metrics.digestCache.inc({ type: hit ? 'Hit' : 'Miss' });
        metrics.digestCacheScoped.inc({ type: hit ? 'Hit' : 'Miss' });
        metrics.storageCache.inc({ type: 'Request' });
        metrics.storageCache.inc({ type: hit ? 'Hit' : 'Miss' });
        c.res.once('finish', () => c.res.statusCode < 300 && seenDigests.add(ref));
      }
      return forward(c);
    }

    // uploads
    c.operation = method === 'POST' ? 'BlobStore.Create' : method === 'PUT' ? 'BlobWriter.Commit' : method === 'PATCH' ? 'BlobWriter.Write' : 'BlobWriter.Get';
    if (a.deferred.size) {
      url.searchParams.delete('mount');
      url.searchParams.delete('from');
      const qs = url.searchParams.toString();
      return forward(c, { path: url.pathname + (qs ? `?${qs}` : '') });
    }
    if (method === 'PUT') {
      const d = url.searchParams.get('digest');
      if (d) c.res.once('finish', () => c.res.statusCode === 201 && seenDigests.add(d));
    }
    return forward(c);
  }

  /** OpenShift's signature extension (advertised by X-Registry-Supports-Signatures), kept in memory. */
  async function handleSignatures(c: Ctx, name: string, digest: string): Promise<void> {
    c.vars.name = name;
    c.vars.digest = digest;
    const put = c.req.method === 'PUT';
    if (!put && c.req.method !== 'GET') {
      c.res.writeHead(405, { 'Content-Length': '0' }).end();
      return;
    }
    if (!(await authorize(c, [{ Type: 'signature', Class: '', Name: name, Action: put ? 'put' : 'get' }]))) return;
    if (!put) return sendJson(c, 200, { signatures: signatures.get(digest) ?? [] });
    let sig: any;
    try {
      sig = JSON.parse((await readAll(c.req, 1 << 20)).toString('utf8'));
    } catch {
      return sendErrors(c, 400, [{ code: 'SIGNATURE_INVALID', message: 'invalid image signature', detail: 'invalid JSON' }]);
    }
    if (!sig || typeof sig.name !== 'string' || typeof sig.content !== 'string') {
      return sendErrors(c, 400, [{ code: 'SIGNATURE_INVALID', message: 'invalid image signature', detail: 'name and content are required' }]);
    }
    const list = signatures.get(digest) ?? [];
    list.push({ schemaVersion: Number(sig.schemaVersion ?? 2), name: sig.name, type: String(sig.type ?? 'atomic'), content: sig.content });
    signatures.set(digest, list);
    c.res.writeHead(201, { 'Content-Length': '0' }).end();
  }

  async function dispatch(c: Ctx): Promise<void> {
    const url = new URL(c.req.url ?? '/', 'http://front.invalid');
    const p = url.pathname;
    if (p === '/healthz') return sendJson(c, 200, {}, 'application/json; charset=utf-8', {}, false);
    if (p.startsWith('/openshift/token')) return handleToken(c, url);
    if (p === '/extensions/v2/metrics') return handleMetrics(c);
    const sig = SIGNATURE_PATH.exec(p);
    if (sig) return handleSignatures(c, sig[1]!, decodeURIComponent(sig[2]!));
    if (p === '/v2/') {
      if (!(await authorize(c, []))) return;
      c.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' });
      c.res.end('{}');
      return;
    }
    if (p === '/v2/_catalog') {
      if (c.req.method !== 'GET') {
        c.res.writeHead(405, { 'Content-Length': '0' }).end();
        return;
      }
      return handleCatalog(c, url);
    }
    const m = REPO_PATH.exec(p);
    if (m) return handleRepository(c, url, m[1]!, m[2]!);
    return forward(c);
  }

  const handler: http.RequestListener = (req, res) => {
    const c = new Ctx(req, res);
    metrics.inFlight.add(1);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('X-Registry-Supports-Signatures', '1');
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse;
    const size = (chunk: unknown) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.length : 0);
    (res as any).write = (chunk: unknown, ...rest: unknown[]) => {
      if (req.method !== 'HEAD') c.written += size(chunk);
      return write(chunk, ...rest);
    };
    (res as any).end = (chunk?: unknown, ...rest: unknown[]) => {
      if (req.method !== 'HEAD' && chunk !== undefined && typeof chunk !== 'function') c.written += size(chunk);
      return end(chunk, ...rest);
    };
    let finalized = false;
    const fin = () => {
      if (!finalized) {
        finalized = true;
        finalize(c);
      }
    };
    res.on('finish', fin);
    res.on('close', fin);
    dispatch(c).catch((e: Error) => {
      log(c, 'error', `internal error: ${e.message}`);
      if (!res.headersSent) sendErrors(c, 500, [E.unknown(e.message)]);
      else res.destroy();
    });
  };

  return { handler, close: () => upstreamAgent.destroy() };
}
