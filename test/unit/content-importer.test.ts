// The sandbox importer's pure parts and failure paths (its success paths run end to end in test/e2e/content-write).
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createImporter, parseSource } from '../sandbox/importer.ts';
import { createStore } from '../sandbox/store.ts';

describe('parseSource', () => {
  it.each([
    ['quay.io/org/img:1', { host: 'quay.io', path: 'org/img', tag: '1', digest: undefined }],
    ['localhost:5000/a/b@sha256:abc', { host: 'localhost:5000', path: 'a/b', tag: undefined, digest: 'sha256:abc' }],
    ['image-registry.openshift-image-registry.svc:5000/team/app:v1', { host: 'image-registry.openshift-image-registry.svc:5000', path: 'team/app', tag: 'v1' }],
    ['nginx', { host: 'registry-1.docker.io', path: 'library/nginx', tag: undefined }],
    ['org/img:2', { host: 'registry-1.docker.io', path: 'org/img', tag: '2' }],
  ])('%s', (input, want) => {
    expect(parseSource(input)).toMatchObject(want);
  });
});

describe('createImporter failures', () => {
  // A proxy that refuses every tunnel: the source registry is unreachable.
  const sockets = new Set<net.Socket>();
  const refusing = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
  });
  const ready = new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  afterAll(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => refusing.close(() => r()));
  });

  it('reports an unreachable source per image, creates nothing on failure-only imports with import=false', async () => {
    await ready;
    const store = createStore();
    store.create('/namespaces', { metadata: { name: 'team' } });
    const imp = createImporter({ store, proxyUrl: `http://127.0.0.1:${(refusing.address() as net.AddressInfo).port}`, caPems: [] });
    try {
      const out: any = await imp('team', {
        metadata: { name: 'myis' },
        spec: {
          import: false,
          images: [
            { from: { kind: 'DockerImage', name: 'quay.io/o/i:1' }, to: { name: '1' } },
            { from: { kind: 'ImageStreamTag', name: 'x:1' }, to: { name: '2' } },
          ],
          repository: { from: { kind: 'DockerImage', name: 'quay.io/o/r' } },
        },
      });
      expect(out.kind).toBe('ImageStreamImport');
      expect(out.metadata.namespace).toBe('team');
      expect(out.status.images).toHaveLength(2);
      expect(out.status.images[0]).toMatchObject({ tag: '1', status: { status: 'Failure', reason: 'InternalError', code: 500 } });
      expect(out.status.images[0].status.message).toMatch(/quay\.io\/o\/i/);
      expect(out.status.images[1]).toMatchObject({ tag: '2', status: { status: 'Failure', reason: 'Invalid' } });
      expect(out.status.repository).toMatchObject({ status: { status: 'Failure' }, images: [] });
      expect(store.get('image.openshift.io/imagestreams', 'team', 'myis')).toBeUndefined();

      // import=true with only failures still records the failure on the (new) stream, like the real importer.
      await imp('team', { metadata: { name: 'myis' }, spec: { import: true, images: [{ from: { kind: 'DockerImage', name: 'quay.io/o/i:1' }, to: { name: '1' } }] } });
      const is: any = store.get('image.openshift.io/imagestreams', 'team', 'myis');
      expect(is.status.tags[0]).toMatchObject({ tag: '1', items: [], conditions: [{ type: 'ImportSuccess', status: 'False', reason: 'InternalError' }] });
      expect(is.spec.tags ?? []).toEqual([]);
    } finally {
      await imp.close();
    }
  });
});
