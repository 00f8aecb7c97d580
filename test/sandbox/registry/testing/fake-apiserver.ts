// A tiny HTTPS API server for the registry's own tests: SelfSubjectReview, (Self)SubjectAccessReview
// from a static allow table per token, ImageStreams list/get/create/update(/status) and ImageStreamMapping
// create (Image + tag event; NotFound for a missing stream, like openshift-apiserver). Not the
// sandbox's real API server (apiserver/), which these tests must not depend on.
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { createCA } from '../../pki.ts';

export interface Rule {
  verb: string | '*';
  resource: string | '*'; // 'imagestreams/layers', 'registry/metrics', 'images', 'imagestreams'
  namespace?: string; // omitted = any (a cluster-wide grant)
  name?: string;
}

export interface FakeUser {
  username: string;
  rules: Rule[];
  /** 403 on selfsubjectaccessreviews (the registry then retries as system:anonymous). */
  noSsar?: boolean;
}

export interface FakeApiServer {
  url: string;
  caPem: string;
  users: Map<string, FakeUser>;
  anonymousRules: Rule[];
  namespaces: Set<string>;
  /** `${ns}/${name}` → ImageStream object */
  streams: Map<string, any>;
  /** digest → Image created by ImageStreamMappings */
  images: Map<string, any>;
  /** method + path of every request, for assertions */
  requests: string[];
  close(): Promise<void>;
}

function allowed(rules: Rule[], a: { verb: string; resource: string; subresource?: string; namespace?: string; name?: string }): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some(
    (r) =>
      (r.verb === '*' || r.verb === a.verb) &&
      (r.resource === '*' || r.resource === res) &&
      (r.namespace === undefined || r.namespace === a.namespace) &&
      (r.name === undefined || r.name === a.name),
  );
}

function status(code: number, reason: string, message: string, details?: unknown) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

export async function startFakeApiServer(opts: { users: Record<string, FakeUser>; anonymousRules?: Rule[]; namespaces?: string[] }): Promise<FakeApiServer> {
  const ca = await createCA('fake-apiserver-ca');
  const leaf = await ca.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  let rv = 1;
  const api: Omit<FakeApiServer, 'url' | 'close'> = {
    caPem: ca.certPem,
    users: new Map(Object.entries(opts.users)),
    anonymousRules: opts.anonymousRules ?? [],
    namespaces: new Set(opts.namespaces ?? []),
    streams: new Map(),
    images: new Map(),
    requests: [],
  };

  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
        res.end(text);
      };
      const url = new URL(req.url ?? '/', 'https://x');
      api.requests.push(`${req.method} ${url.pathname}`);
      let body: any;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return send(400, status(400, 'BadRequest', 'invalid JSON'));
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const user = token ? api.users.get(token) : undefined;
      if (token && !user) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      const rules = user?.rules ?? api.anonymousRules;
      const username = user?.username ?? 'system:anonymous';
      const can = (verb: string, resource: string, namespace?: string, name?: string) => allowed(rules, { verb, resource, namespace, name });
      const forbidden = (what: string) =>
        send(403, status(403, 'Forbidden', `${what} is forbidden: User "${username}" cannot ${what}`));

      const p = url.pathname;
      if (req.method === 'POST' && p === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
        if (!user) return forbidden('create selfsubjectreviews');
        return send(201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', status: { userInfo: { username, uid: `uid-${username}`, groups: ['system:authenticated'] } } });
      }
      if (req.method === 'POST' && p === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
        if (!user || user.noSsar) return forbidden('create selfsubjectaccessreviews');
        const ra = body?.spec?.resourceAttributes ?? {};
        const ok = ra.group === 'image.openshift.io' && allowed(rules, ra);
        return send(201, { ...body, status: { allowed: ok, reason: ok ? 'allowed by fake table' : '' } });
      }
      if (req.method === 'POST' && p === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
        if (!user || !can('create', 'subjectaccessreviews')) return forbidden('create subjectaccessreviews');
        const spec = body?.spec ?? {};
        const subjectRules = spec.user === 'system:anonymous' ? api.anonymousRules : [...api.users.values()].find((u) => u.username === spec.user)?.rules ?? [];
        const ok = spec.resourceAttributes?.group === 'image.openshift.io' && allowed(subjectRules, spec.resourceAttributes);
        return send(201, { ...body, status: { allowed: ok } });
      }
      if (req.method === 'GET' && p === '/apis/image.openshift.io/v1/imagestreams') {
        if (!can('list', 'imagestreams')) return forbidden('list imagestreams');
        const keys = [...api.streams.keys()].sort();
        const start = Number(url.searchParams.get('continue') ?? 0) || 0;
        const limit = Number(url.searchParams.get('limit') ?? 0) || keys.length;
        const page = keys.slice(start, start + limit);
        const next = start + limit < keys.length ? String(start + limit) : undefined;
        return send(200, { kind: 'ImageStreamList', apiVersion: 'image.openshift.io/v1', metadata: { resourceVersion: String(rv), continue: next }, items: page.map((k) => api.streams.get(k)) });
      }
      // A manifest pushed by digest: the registry creates the Image alone (AlreadyExists is fine for it).
      if (req.method === 'POST' && p === '/apis/image.openshift.io/v1/images') {
        if (!can('create', 'images')) return forbidden('create images');
        const digest = String(body?.metadata?.name ?? '');
        if (api.images.has(digest)) return send(409, status(409, 'AlreadyExists', `images.image.openshift.io "${digest}" already exists`, { name: digest, group: 'image.openshift.io', kind: 'images' }));
        api.images.set(digest, body);
        return send(201, body);
      }
      const ism = /^\/apis\/image\.openshift\.io\/v1\/namespaces\/([^/]+)\/imagestreammappings$/.exec(p);
      if (ism && req.method === 'POST') {
        const ns = decodeURIComponent(ism[1]!);
        if (!can('create', 'imagestreammappings', ns)) return forbidden('create imagestreammappings');
        if (!api.namespaces.has(ns)) return send(404, status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }));
        const n = String(body?.metadata?.name ?? '');
        const digest = String(body?.image?.metadata?.name ?? '');
        if (!n || !digest || !body?.tag) return send(422, status(422, 'Invalid', 'ImageStreamMapping is invalid'));
        // Like openshift-apiserver: a missing stream is NotFound in the request's resource (never created here).
        const cur = api.streams.get(`${ns}/${n}`);
        if (!cur) return send(404, status(404, 'NotFound', `imagestreammappings.image.openshift.io "${n}" not found`, { name: n, group: 'image.openshift.io', kind: 'imagestreammappings' }));
        if (!api.images.has(digest)) api.images.set(digest, { apiVersion: 'image.openshift.io/v1', kind: 'Image', ...body.image });
        cur.status ??= {};
        cur.status.dockerImageRepository ??= `image-registry.openshift-image-registry.svc:5000/${ns}/${n}`;
        const tags: any[] = (cur.status.tags ??= []);
        let t = tags.find((x) => x.tag === body.tag);
        if (!t) tags.push((t = { tag: body.tag, items: [] }));
        if (t.items[0]?.image !== digest) t.items.unshift({ created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), dockerImageReference: body.image.dockerImageReference, image: digest, generation: cur.metadata.generation });
        cur.metadata.resourceVersion = String(++rv);
        api.streams.set(`${ns}/${n}`, cur);
        return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
      }
      const m = /^\/apis\/image\.openshift\.io\/v1\/namespaces\/([^/]+)\/imagestreams(?:\/([^/]+)(\/status)?)?$/.exec(p);
      if (m) {
        const ns = decodeURIComponent(m[1]!);
        const name = m[2] ? decodeURIComponent(m[2]) : undefined;
        const key = `${ns}/${name}`;
        if (req.method === 'GET' && name) {
          if (!can('get', 'imagestreams', ns, name)) return forbidden('get imagestreams');
          const s = api.streams.get(key);
          return s ? send(200, s) : send(404, status(404, 'NotFound', `imagestreams.image.openshift.io "${name}" not found`, { name, group: 'image.openshift.io', kind: 'imagestreams' }));
        }
        if (req.method === 'POST' && !name) {
          if (!can('create', 'imagestreams', ns)) return forbidden('create imagestreams');
          if (!api.namespaces.has(ns)) return send(404, status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }));
          const n = body?.metadata?.name;
          if (api.streams.has(`${ns}/${n}`)) return send(409, status(409, 'AlreadyExists', `imagestreams.image.openshift.io "${n}" already exists`));
          const obj = { ...body, metadata: { ...body.metadata, namespace: ns, uid: `uid-${ns}-${n}`, resourceVersion: String(++rv), generation: 1, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } };
          api.streams.set(`${ns}/${n}`, obj);
          return send(201, obj);
        }
        if (req.method === 'PUT' && name) {
          if (!can('update', m[3] ? 'imagestreams/status' : 'imagestreams', ns, name)) return forbidden('update imagestreams');
          const cur = api.streams.get(key);
          if (!cur) return send(404, status(404, 'NotFound', `imagestreams.image.openshift.io "${name}" not found`));
          if (body?.metadata?.resourceVersion && body.metadata.resourceVersion !== cur.metadata.resourceVersion)
            return send(409, status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again'));
          const obj = m[3] ? { ...cur, status: body.status } : { ...body, status: cur.status };
          obj.metadata = { ...cur.metadata, resourceVersion: String(++rv) };
          api.streams.set(key, obj);
          return send(200, obj);
        }
      }
      send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    });
  });
  const sockets = new Set<Duplex>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    ...api,
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Adds an ImageStream directly (for catalog tests). */
export function seedStream(api: FakeApiServer, ns: string, name: string, tags: Record<string, string> = {}): void {
  api.streams.set(`${ns}/${name}`, {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name, namespace: ns, resourceVersion: '1', generation: 1 },
    spec: {},
    status: {
      dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${ns}/${name}`,
      tags: Object.entries(tags).map(([tag, digest]) => ({ tag, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `image-registry.openshift-image-registry.svc:5000/${ns}/${name}@${digest}`, image: digest, generation: 1 }] })),
    },
  });
}
