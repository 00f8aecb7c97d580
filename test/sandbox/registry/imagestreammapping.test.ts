// A push through the sandbox registry is recorded as an ImageStreamMapping (registry SA token): the API
// server creates the Image and moves the tag, but never creates a stream (NotFound, kind imagestreammappings);
// the registry creates a new stream with the pushing user's token. Without `create imagestreammappings` → 403.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.ts';
import { buildImage, writeDirImage } from './testing/image.ts';

const run = promisify(execFile);
const NS = 'openshift-image-registry';
const IS = 'image.openshift.io/imagestreams';

describe('ImageStreamMapping', () => {
  let sb: Sandbox;
  let tmp: string;
  let agent: Agent;

  const post = async (token: string | undefined, ns: string, body: unknown) => {
    const res = await request(`${sb.apiUrl}/apis/image.openshift.io/v1/namespaces/${ns}/imagestreammappings`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${token ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const mapping = (name: string, tag: string, digest: string) => ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamMapping',
    metadata: { name },
    image: { metadata: { name: digest }, dockerImageReference: `image-registry.openshift-image-registry.svc:5000/default/${name}@${digest}` },
    tag,
  });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-ism-test-'));
    sb = await startSandbox({ profile: 'aws' });
    agent = new Agent({ connect: { ca: sb.caPems.api } });
    const cfg = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')!;
    sb.store.update('imageregistry.operator.openshift.io/configs', { ...cfg, spec: { ...(cfg.spec as object), defaultRoute: true } });
    await sb.waitFor((s) => !!(s.get('route.openshift.io/routes', NS, 'default-route')?.status as any)?.ingress, 10_000);
  });
  afterAll(async () => {
    await agent?.close();
    await sb?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a skopeo push creates the stream (with the pusher\'s token), the tag event and the Image through a mapping', async () => {
    const certs = path.join(tmp, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.ingress);
    const auth = path.join(tmp, 'auth.json');
    fs.writeFileSync(auth, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`user:${sb.tokens.admin}`).toString('base64') } } }));
    await writeDirImage(path.join(tmp, 'src'), buildImage('pushed through a mapping\n'));
    const env = { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    for (const tag of ['v1', 'v2']) {
      await run('skopeo', ['copy', '--dest-authfile', auth, '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, `docker://${sb.defaultRouteHost}/default/mapped:${tag}`], { env, timeout: 45_000 });
    }

    const stream = sb.store.get(IS, 'default', 'mapped') as any;
    expect(stream).toBeDefined();
    const tags = stream.status.tags as any[];
    expect(tags.map((t) => t.tag)).toEqual(['v1', 'v2']);
    const digest = tags[0].items[0].image as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tags[0].items).toHaveLength(1);
    expect(tags[0].items[0]).toMatchObject({ dockerImageReference: `image-registry.openshift-image-registry.svc:5000/default/mapped@${digest}`, generation: 1 });
    expect(tags[1].items[0].image).toBe(digest);
    const image = sb.store.get('image.openshift.io/images', undefined, digest) as any;
    expect(image).toMatchObject({ kind: 'Image', dockerImageReference: `image-registry.openshift-image-registry.svc:5000/default/mapped@${digest}` });
    expect(image.dockerImageManifestMediaType).toMatch(/manifest/);
    // Nothing but the API server writes the stream: the sandbox-only writer role is gone.
    expect(sb.store.get('rbac.authorization.k8s.io/clusterroles', undefined, 'sandbox:registry-imagestream-writer')).toBeUndefined();
  });

  it('answers 201 Success to the registry SA and prepends a new tag event', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const r = await post(sb.tokens.registry, 'default', mapping('mapped', 'v1', digest));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    const items = ((sb.store.get(IS, 'default', 'mapped') as any).status.tags as any[]).find((t) => t.tag === 'v1').items;
    expect(items).toHaveLength(2);
    expect(items[0].image).toBe(digest);
    expect(sb.store.get('image.openshift.io/images', undefined, digest)).toBeDefined();
  });

  it('forbids a user without create imagestreammappings (403) and leaves the stream alone', async () => {
    const before = JSON.stringify(sb.store.get(IS, 'default', 'mapped'));
    const r = await post(sb.tokens.developer, 'default', mapping('mapped', 'v1', `sha256:${'b'.repeat(64)}`));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(r.body.message).toContain('cannot create resource "imagestreammappings" in API group "image.openshift.io" in the namespace "default"');
    expect(JSON.stringify(sb.store.get(IS, 'default', 'mapped'))).toBe(before);
    expect(sb.store.get('image.openshift.io/images', undefined, `sha256:${'b'.repeat(64)}`)).toBeUndefined();
  });

  it('never creates a missing stream: 404 NotFound in the request\'s resource (imagestreammappings)', async () => {
    const r = await post(sb.tokens.registry, 'default', mapping('not-there', 'v1', `sha256:${'d'.repeat(64)}`));
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'imagestreammappings.image.openshift.io "not-there" not found',
      reason: 'NotFound',
      details: { name: 'not-there', group: 'image.openshift.io', kind: 'imagestreammappings' },
      code: 404,
    });
    expect(sb.store.get(IS, 'default', 'not-there')).toBeUndefined();
    expect(sb.store.get('image.openshift.io/images', undefined, `sha256:${'d'.repeat(64)}`)).toBeUndefined();
  });

  it('skopeo: system:image-pusher alone cannot push to a new stream (403 DENIED); system:image-builder can', async () => {
    const ns = 'pushers';
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const bind = (name: string, role: string) =>
      sb.store.create('rbac.authorization.k8s.io/rolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
      });
    bind('system:image-pusher', 'system:image-pusher');
    const certs = path.join(tmp, 'certs');
    const auth = path.join(tmp, 'alice.json');
    const env = { PATH: process.env.PATH!, ...sb.env, HOME: tmp, XDG_RUNTIME_DIR: tmp };
    const copy = async (token: string, ref: string) => {
      fs.writeFileSync(auth, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`alice:${token}`).toString('base64') } } }));
      try {
        await run('skopeo', ['copy', '--dest-authfile', auth, '--dest-cert-dir', certs, `dir:${path.join(tmp, 'src')}`, `docker://${sb.defaultRouteHost}/${ns}/${ref}`], { env, timeout: 45_000 });
        return '';
      } catch (e) {
        return String((e as { stderr?: string }).stderr ?? e);
      }
    };
    const denied = await copy(sb.issueToken('alice'), 'app:v1');
    // skopeo (containers/image) reports the 403 DENIED of the manifest PUT as "denied".
    expect(denied).toMatch(/uploading manifest v1 to .*\/pushers\/app: denied/);
    expect(sb.store.get(IS, ns, 'app')).toBeUndefined();
    bind('system:image-builder', 'system:image-builder');
    // A fresh token: the registry caches access reviews per token for a few seconds.
    expect(await copy(sb.issueToken('alice'), 'app:v1')).toBe('');
    expect(((sb.store.get(IS, ns, 'app') as any).status.tags as any[]).map((t) => t.tag)).toEqual(['v1']);
  });

  it('404s for a missing namespace and 405s for other verbs', async () => {
    const r = await post(sb.tokens.admin, 'nowhere', mapping('x', 'v1', `sha256:${'c'.repeat(64)}`));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nowhere" not found');
    const get = await request(`${sb.apiUrl}/apis/image.openshift.io/v1/namespaces/default/imagestreammappings`, { dispatcher: agent, headers: { authorization: `Bearer ${sb.tokens.admin}` } });
    await get.body.dump();
    expect(get.statusCode).toBe(405);
  });
});
