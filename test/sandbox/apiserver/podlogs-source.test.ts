// Synthetic pod log sources (benchmarks): streamed after the stored lines, with backpressure, live lines kept in order.
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedImageStreams } from '../seed.ts';
import { call, startKit, stream, waitFor } from './testkit.ts';
import type { Kit } from './testkit.ts';

let kit: Kit;

beforeAll(async () => {
  kit = await startKit();
  kit.store.create('/pods', { metadata: { name: 'big', namespace: 'default' }, spec: { containers: [{ name: 'main' }] } });
});
afterAll(async () => {
  await kit.close();
});

describe('pod log sources', () => {
  it('streams the source after the stored lines, lazily, to every reader; follow then shows new lines', async () => {
    let pulled = 0;
    kit.store.logs.append('default', 'big', 'main', 'stored');
    kit.store.logs.setSource!('default', 'big', 'main', async function* () {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield Buffer.from(`synthetic ${i}\n`);
      }
    });
    const read = await call(kit, 'GET', '/api/v1/namespaces/default/pods/big/log', { token: kit.adminToken });
    expect(read.text).toBe('stored\nsynthetic 0\nsynthetic 1\nsynthetic 2\n');
    expect(pulled).toBe(3);
    expect(kit.store.logs.read('default', 'big', 'main').map((l) => l.line)).toEqual(['stored']);

    const f = await stream(kit, '/api/v1/namespaces/default/pods/big/log?follow=true', kit.adminToken);
    await waitFor(() => f.lines.length === 4);
    kit.store.logs.append('default', 'big', 'main', 'live');
    await waitFor(() => f.lines.length === 5);
    f.close();
    expect(f.lines).toEqual(['stored', 'synthetic 0', 'synthetic 1', 'synthetic 2', 'live']);
  });

  it('pulls only as fast as the reader reads (backpressure), and stops when it goes away', async () => {
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x\n');
    kit.store.logs.setSource!('default', 'big', 'main', async function* () {
      for (;;) {
        pulled++;
        yield chunk;
      }
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${kit.server.url}/api/v1/namespaces/default/pods/big/log?follow=true`, { headers: { Authorization: `Bearer ${kit.adminToken}` }, ca: kit.caPem, agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    res.pause();
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    const stalled = pulled;
    await settle();
    expect(pulled).toBe(stalled);
    expect(stalled).toBeLessThan(400); // socket buffers, not the whole (endless) log
    res.destroy();
    await settle();
    const after = pulled;
    await settle();
    expect(pulled).toBe(after);
    kit.store.logs.setSource!('default', 'big', 'main', undefined);
    const read = await call(kit, 'GET', '/api/v1/namespaces/default/pods/big/log', { token: kit.adminToken });
    expect(read.text).toBe('stored\nlive\n');
  });
});

describe('seedImageStreams', () => {
  it('creates projects and streams with tags, as the registry front lists them', () => {
    const repos = seedImageStreams(kit.store, { namespaces: ['p1', 'p2'], perNamespace: 3, tags: ['v2', 'latest'] });
    expect(repos).toEqual(['p1/app-0000', 'p1/app-0001', 'p1/app-0002', 'p2/app-0000', 'p2/app-0001', 'p2/app-0002']);
    const more = seedImageStreams(kit.store, { namespaces: ['p1'], perNamespace: 1, tags: ['x'], start: 3 });
    expect(more).toEqual(['p1/app-0003']);
    const is: any = kit.store.get('image.openshift.io/imagestreams', 'p2', 'app-0001');
    expect(is.status.tags.map((t: any) => t.tag)).toEqual(['latest', 'v2']);
    expect(is.status.tags[0].items[0].image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(is.status.tags[0].items[0].dockerImageReference).toBe(`image-registry.openshift-image-registry.svc:5000/p2/app-0001@${is.status.tags[0].items[0].image}`);
  });
});
