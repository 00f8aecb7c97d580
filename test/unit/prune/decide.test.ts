import { describe, expect, it } from 'vitest';
import { decide, decideStream, entryKey, linkDeletions, referrersSample } from '../../../src/prune/decide.ts';
import { BlobTable, imageRec, streamRec, type Inventory } from '../../../src/prune/model.ts';
import { newUsage } from '../../../src/prune/refs.ts';

const NOW = Date.parse('2026-01-10T00:00:00Z');
const OLD = '2026-01-01T00:00:00Z';
const d = (s: string) => `sha256:${s.padEnd(64, '0')}`;

function img(name: string, layers: Array<[string, number]>, o: { created?: string; managed?: boolean } = {}) {
  return {
    metadata: { name: d(name), creationTimestamp: o.created ?? OLD, annotations: o.managed === false ? {} : { 'openshift.io/image.managed': 'true' } },
    dockerImageReference: `reg:5000/ns/s@${d(name)}`,
    dockerImageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerImageMetadata: { Id: d(`c${name}`), Size: 100 + layers.reduce((n, [, s]) => n + s, 0) },
    dockerImageLayers: layers.map(([l, size]) => ({ name: d(l), size })),
  };
}

function inventory(images: any[], streams: any[]): Inventory {
  const blobs = new BlobTable();
  return { images: new Map(images.map((i) => { const r = imageRec(i, blobs); return [r.name, r]; })), streams: streams.map(streamRec), blobs, usage: newUsage(), skippedKinds: [] };
}

const stream = (tags: Record<string, string[]>, created = OLD) => ({
  metadata: { namespace: 'ns', name: 's', creationTimestamp: created },
  status: { tags: Object.entries(tags).map(([tag, names]) => ({ tag, items: names.map((n) => ({ image: d(n), created: OLD })) })) },
});

const opts = { keepTagRevisions: 1, keepYoungerThanMs: 3600_000, all: true, now: NOW };

describe('decide', () => {
  it('stage 1 keeps the newest revisions; stage 2 prunes what no stream references; freed bytes are exclusive blobs', () => {
    const inv = inventory([img('a2', [['base', 1000], ['l2', 50]]), img('a1', [['base', 1000], ['l1', 70]])], [stream({ latest: ['a2', 'a1'] })]);
    const r = decide(inv, opts);
    expect(r.images.map((x) => [x.image.name, x.decision, x.reason])).toEqual([
      [d('a2'), 'keep', 'tag-revision'],
      [d('a1'), 'prune', 'old-revision'],
    ]);
    // a1's own layer (70) + its config (Size 1170 - layers 1070 = 100) + its manifest (size unknown: 0)
    expect(r.freedBytes).toBe(170);
    expect(r.freedBlobs).toHaveLength(3);
    expect(r.streams[0]!.links).toEqual({ layerLinks: [d('l1'), d('ca1')], manifestLinks: [d('a1')] });
  });

  it('a stream or revision younger than --keep-younger-than keeps its images; a missing image drops the entry', () => {
    const young = new Date(NOW - 60_000).toISOString();
    const inv = inventory([img('a1', [['l1', 5]])], [stream({ latest: ['a2', 'a1', 'gone'] }, young)]);
    expect(decideStream(inv.streams[0]!, inv, opts).kept.map((k) => k.reason)).toEqual(['stream-younger', 'stream-younger', 'stream-younger']);
    const old = inventory([img('a1', [['l1', 5]])], [stream({ latest: ['a2', 'a1', 'gone'] })]);
    const s = decideStream(old.streams[0]!, old, { ...opts, keepTagRevisions: 5 });
    expect(s.removed.map((x) => [x.image, x.reason])).toEqual([[d('a2'), 'image-missing'], [d('gone'), 'image-missing']]);
  });

  it('--no-all keeps unmanaged images; young images are kept', () => {
    const inv = inventory([img('x', [['l', 1]], { managed: false }), img('y', [['m', 1]], { created: new Date(NOW).toISOString() })], []);
    expect(decide(inv, { ...opts, all: false }).images.map((x) => x.reason)).toEqual(['not-managed', 'younger']);
    expect(decide(inv, opts).images.map((x) => x.reason)).toEqual(['unreferenced', 'younger']);
  });

  it('in use: the tag (revision 1 only) and the image by digest', () => {
    const inv = inventory([img('a3', [['l3', 1]]), img('a2', [['l2', 1]]), img('a1', [['l1', 1]])], [stream({ latest: ['a3', 'a2', 'a1'] })]);
    inv.usage.tags.set('ns/s:latest', ['deployment/ns/web']);
    inv.usage.images.set(`ns/s@${d('a1')}`, ['pod/ns/p']);
    const r = decide(inv, { ...opts, keepTagRevisions: 0 });
    expect(r.images.map((x) => [x.reason, x.detail])).toEqual([
      ['in-use', 'deployment/ns/web (via ns/s:latest)'],
      ['old-revision', undefined],
      ['in-use', 'pod/ns/p'],
    ]);
  });

  it('a layer link stays while another remaining entry of the stream uses the blob', () => {
    const inv = inventory([img('a2', [['shared', 1]]), img('a1', [['shared', 1], ['own', 1]])], [stream({ latest: ['a2', 'a1'] })]);
    const l = linkDeletions(inv.streams[0]!, inv.images, inv.blobs.digests, new Set([entryKey('latest', 2, d('a1'))]));
    expect(l).toEqual({ layerLinks: [d('own'), d('ca1')], manifestLinks: [d('a1')] });
  });

  it('referrersSample names four, else three and how many more', () => {
    expect(referrersSample(['a', 'b', 'c', 'd'])).toBe('a, b, c, d');
    expect(referrersSample(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c, and 2 more');
  });
});
