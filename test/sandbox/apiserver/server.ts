// The simulated kube-apiserver + openshift-apiserver + oauth-server: one HTTPS listener on 127.0.0.1.
// It offers HTTP/2 and HTTP/1.1 by ALPN, as kube-apiserver does (k8s.io/apiserver pkg/server/secure_serving.go:
// NextProtos ["h2", "http/1.1"], MaxConcurrentStreams 100 unless --http2-max-streams-per-connection);
// upgrades (pods/exec) and HTTP/1.1-only clients take the HTTP/1.1 path.
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Identity, ResourceType } from '../types.ts';
import { keyOf, VIRTUAL_RESOURCES } from '../resources.ts';
import { servedTypes } from '../capabilities.ts';
import { impersonated } from './impersonate.ts';
import { ApiError, forbidden, forbiddenPath, resourceNotFound, unauthorized } from './errors.ts';
import { bodyReader, sendError, sendJson } from './context.ts';
import type { ApiServerOptions, RequestCtx, ResourceRequest } from './context.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, KUBE_VERSION } from './discovery.ts';
import { handleResource } from './rest.ts';
import { asTable, tableRequest } from './table.ts';
import { handleVirtual } from './virtual.ts';
import { handlePodLog } from './podlogs.ts';
import { createOAuthHandler } from './oauth.ts';
import { handleOpenApi } from './openapi.ts';
import { cutRequest, requestFault } from './faults.ts';
import { handleExecUpgrade } from './exec.ts';

export type { ApiServerOptions } from './context.ts';

export interface ApiServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ANONYMOUS: Identity = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

function debug(msg: string): void {
  if (process.env.SANDBOX_DEBUG) process.stderr.write(`[apiserver] ${msg}\n`);
}

function authenticate(opts: ApiServerOptions, req: IncomingMessage): Identity {
  const sock = req.socket as TLSSocket;
  let user: Identity | undefined;
  const authz = req.headers.authorization;
  if (authz && /^bearer\s/i.test(authz)) {
    const token = authz.replace(/^bearer\s+/i, '').trim();
    user = opts.auth.lookup(token);
    if (!user) throw unauthorized();
  } else if (sock.authorized) {
    const cert = sock.getPeerCertificate();
    const cn = cert?.subject?.CN;
    if (cn) {
      const o = cert.subject.O;
      const orgs = Array.isArray(o) ? o : o ? [o] : [];
      user = { username: Array.isArray(cn) ? cn[0]! : cn, groups: [...orgs, 'system:authenticated'] };
    }
  }
  if (!user) return { ...ANONYMOUS, groups: [...ANONYMOUS.groups] };
  // OpenShift adds membership of user.openshift.io Groups to non-service-account users.
  if (!user.username.startsWith('system:serviceaccount:') && opts.store.type('user.openshift.io/groups')) {
    for (const g of opts.store.list('user.openshift.io/groups').items) {
      if (((g.users as string[] | null) ?? []).includes(user.username) && !user.groups.includes(g.metadata.name!)) user.groups.push(g.metadata.name!);
    }
  }
  return user;
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Parses /api/v1/... and /apis/G/V/... resource paths. undefined = not a resource path. */
function parseResourcePath(types: ResourceType[], path: string, method: string, q: URLSearchParams): ResourceRequest | undefined {
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length < 3) return undefined;
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length < 4) return undefined;
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return undefined;
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  const find = (r: string) => types.find((t) => t.group === group && t.version === version && t.resource === r);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && find(rest[2]!)?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const t = find(rest[0] ?? '');
  if (!t || rest.length > 3) throw resourceNotFound();
  const name = rest[1];
  const subresource = rest[2];
  if (t.namespaced && !namespace && name) throw resourceNotFound();
  let verb: string;
  if (method === 'GET' || method === 'HEAD') verb = watch || q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : name ? 'get' : 'list';
  else verb = VERBS[method] ?? method.toLowerCase();
  if (method === 'DELETE' && !name) verb = 'deletecollection';
  // A namespace's own name is its namespace for authorization (like kube's RequestInfo).
  if (t.resource === 'namespaces' && t.group === '' && name) namespace = name;
  if (t.resource === 'projects' && t.group === 'project.openshift.io' && name) namespace = name;
  const rr: ResourceRequest = { t, key: keyOf(t), verb, watch };
  if (namespace) rr.namespace = namespace;
  if (name) rr.name = name;
  if (subresource) rr.subresource = subresource;
  return rr;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const oauth = createOAuthHandler();
  // store.types() deep-copies (CRD schemas are large): take the table once, then filter it by capability.
  const served = servedTypes(opts.store, opts.store.types());
  const sockets = new Set<Socket>();

  async function dispatch(ctx: RequestCtx): Promise<void> {
    const { req, res, url } = ctx;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (await oauth(ctx)) return;

    ctx.user = impersonated(req, authenticate(opts, req), opts.authorizer);
    const types = served();
    const rr = parseResourcePath(types, path, method, url.searchParams);
    if (!rr) {
      // Non-resource endpoints.
      const verb = method.toLowerCase();
      if (!opts.authorizer.authorize(ctx.user, { verb, path }).allowed) throw forbiddenPath(ctx.user.username, verb, path);
      if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        return void res.end('ok');
      }
      if (path === '/version' || path === '/version/') return sendJson(res, 200, KUBE_VERSION);
      if (handleOpenApi(ctx, types)) return;
      if (path === '/api' || path === '/api/') return sendJson(res, 200, apiVersions(`127.0.0.1:${port}`));
      if (path === '/apis' || path === '/apis/') return sendJson(res, 200, apiGroupList(types));
      const segs = path.split('/').filter(Boolean);
      if (segs[0] === 'api' && segs.length === 2) {
        const doc = apiResourceList(types, '', segs[1]!);
        if (doc) return sendJson(res, 200, doc);
      }
      if (segs[0] === 'apis' && segs.length === 2) {
        const doc = apiGroupDoc(types, segs[1]!);
        if (doc) return sendJson(res, 200, doc);
      }
      if (segs[0] === 'apis' && segs.length === 3) {
        const doc = apiResourceList(types, segs[1]!, segs[2]!);
        if (doc) return sendJson(res, 200, doc);
      }
      throw resourceNotFound();
    }

    const attrs = { verb: rr.verb, group: rr.t.group, resource: rr.t.resource, subresource: rr.subresource, namespace: rr.namespace, name: rr.name };
    if (!opts.authorizer.authorize(ctx.user, attrs).allowed) {
      // users/~ is always allowed for an authenticated user via system:basic-user; anonymous gets the real 403.
      throw forbidden(ctx.user.username, attrs);
    }
    if (rr.t.namespaced && rr.namespace && method === 'POST' && !opts.store.get('/namespaces', undefined, rr.namespace) && !rr.key.startsWith('authorization.k8s.io/')) {
      throw new ApiError(404, 'NotFound', `namespaces "${rr.namespace}" not found`, { name: rr.namespace, kind: 'namespaces' });
    }
    if (rr.key === '/pods' && rr.subresource === 'log') return handlePodLog(ctx, rr);
    if (VIRTUAL_RESOURCES.has(rr.key) || rr.subresource === 'token' || rr.subresource === 'layers' || rr.subresource === 'secrets' || (rr.key === 'user.openshift.io/users' && rr.name === '~')) {
      const table = method === 'GET' && !rr.subresource && !rr.watch ? tableRequest(ctx) : undefined;
      if (table ? await asTable(ctx, rr.t, table, (c) => handleVirtual(c, rr)) : await handleVirtual(ctx, rr)) return;
      throw resourceNotFound();
    }
    return handleResource(ctx, rr);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const f = opts.faults;
    const ctx: RequestCtx = { opts, req, res, url: new URL(req.url ?? '/', 'https://127.0.0.1'), user: ANONYMOUS, body: bodyReader(req) };
    try {
      if (f.down) return void req.socket.destroy();
      if (f.dropRate > 0 && Math.random() < f.dropRate) return void cutRequest(req);
      if (requestFault(ctx)) return;
      if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
      if (f.errorRate > 0 && Math.random() < f.errorRate) {
        await ctx.body().catch(() => undefined);
        if (Math.random() < 0.5) throw new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {}, { 'Retry-After': '1' });
        throw new ApiError(500, 'InternalError', 'Internal error occurred: injected fault', { causes: [{ message: 'injected fault' }] });
      }
      await dispatch(ctx);
      debug(`${req.method} ${req.url} ${ctx.user.username} -> ${res.statusCode}`);
    } catch (e) {
      debug(`${req.method} ${req.url} ${ctx.user.username} -> error ${(e as Error).message}`);
      if (!res.headersSent) sendError(res, e);
      else if (!res.writableEnded) res.end();
    }
  }

  const server = createSecureServer(
    { cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.clientCaPem, requestCert: true, rejectUnauthorized: false, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } },
    // The compatibility API gives HTTP/2 requests the shape of node:http's (headers, url, body stream, writeHead/end).
    (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void onRequest(req as IncomingMessage, res as ServerResponse),
  );
  server.on('connection', (s: Socket) => {
    if (opts.faults.down) return void s.destroy();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // pods/exec (WebSocket upgrade): exec.ts.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => void handleExecUpgrade(opts, req, socket, (r) => impersonated(r, authenticate(opts, r), opts.authorizer)));
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_e, s) => s.destroy());
  server.on('sessionError', () => undefined); // a client that went away


  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      server.once('error', onErr);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', onErr);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : p);
      });
    });
  const port = await listen(opts.port ?? 0);
  let listening = true;
  let closed = false;

  // `faults.down`: stop listening (connection refused) and cut open connections; listen again on the same port later.
  const poll = setInterval(() => {
    if (closed) return;
    if (opts.faults.down && listening) {
      listening = false;
      server.close();
      for (const s of sockets) s.destroy();
    } else if (!opts.faults.down && !listening) {
      listening = true;
      listen(port).catch(() => {
        listening = false;
      });
    }
  }, 25);
  poll.unref();

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearInterval(poll);
        for (const s of sockets) s.destroy();
        if (!listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
