// regctl usage's computation (src/cluster/usage.ts): exclusive/shared/total per unit, the attribution rule whose
// sum is exactly the registry's distinct bytes (checked on random registries), config sizes from the metadata.
import { describe, expect, it } from 'vitest';
import { addImage, addStream, computeUsage, newInventory, NO_STREAM, USAGE_BY, type UsageInventory } from '../../src/cluster/usage.ts';

const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(64, '0').slice(-64);
const dg = (n: number, salt = 'a') => `sha256:${hex(n, salt)}`;

function image(name: string, layers: Array<[string, number]>, config?: [string, number], o: { managed?: boolean; type?: string } = {}) {
  const layerBytes = [...new Map(layers).values()].reduce((a, b) => a + b, 0);
  return {
    metadata: { name, annotations: o.managed === false ? {} : { 'openshift.io/image.managed': 'true' } },
    dockerImageLayers: layers.map(([n, size]) => ({ name: n, size, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' })),
    dockerImageManifestMediaType: o.type ?? 'application/vnd.docker.distribution.manifest.v2+json',
    dockerImageMetadata: config ? { Id: config[0], Size: config[1] + layerBytes } : {},
  };
}
const stream = (ns: string, name: string, tags: Record<string, string[]>) => ({
  metadata: { namespace: ns, name },
  status: { tags: Object.entries(tags).map(([tag, imgs]) => ({ tag, items: imgs.map((i) => ({ image: i })) })) },
});

/** base (1000) in every image; l1 (100) in i1,i2; configs 10/20/30/40; l4 (7) only in i4 (no stream). */
function small(): UsageInventory {
  const inv = newInventory();
  const [base, l1, l2, l3, l4] = [dg(1, 'l'), dg(2, 'l'), dg(3, 'l'), dg(4, 'l'), dg(5, 'l')];
  addImage(inv, image(dg(1), [[base, 1000], [l1, 100]], [dg(1, 'c'), 10]));
  addImage(inv, image(dg(2), [[base, 1000], [l1, 100], [l2, 50]], [dg(2, 'c'), 20]));
  addImage(inv, image(dg(3), [[base, 1000], [l3, 5]], [dg(3, 'c'), 30]));
  addImage(inv, image(dg(4), [[base, 1000], [l4, 7]], [dg(4, 'c'), 40]));
  addImage(inv, image(dg(9), [[dg(9, 'l'), 1e6]], [dg(9, 'c'), 1], { managed: false }));
  addStream(inv, stream('a', 's1', { latest: [dg(2), dg(1)] }));
  addStream(inv, stream('a', 's2', { v1: [dg(3)] }));
  addStream(inv, stream('b', 's3', { v1: [dg(3)], old: [dg(8)] }));
  return inv;
}

describe('usage', () => {
  it('config size = metadata Size minus the distinct layers; unmanaged images are left out', () => {
    const inv = small();
    expect(inv.images.size).toBe(4);
    expect(inv.unmanaged.size).toBe(1);
    expect(inv.blobs.count).toBe(9); // 5 layers + 4 configs
    expect(inv.blobs.sizes.reduce((a, b) => a + b, 0)).toBe(1000 + 100 + 50 + 5 + 7 + 10 + 20 + 30 + 40);
    const all = newInventory();
    addImage(all, image(dg(9), [[dg(9, 'l'), 1e6]], [dg(9, 'c'), 1], { managed: false }), true);
    expect(all.blobs.sizes).toEqual([1e6, 1]);
    // schema 1 and manifest lists have no config blob
    const s1 = newInventory();
    addImage(s1, image(dg(1), [[dg(1, 'l'), 5]], [dg(1, 'c'), 3], { type: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }));
    addImage(s1, { metadata: { name: dg(2), annotations: { 'openshift.io/image.managed': 'true' } }, dockerImageMetadata: { Id: dg(2) } });
    expect(s1.blobs.sizes).toEqual([5]);
  });

  it('by project: exclusive, shared, total, attributed; images no stream holds are their own unit', () => {
    const r = computeUsage(small(), { by: 'project' });
    const u = Object.fromEntries(r.units.map((x) => [x.name, x]));
    // a: base,l1,l2,l3,c1,c2,c3 ; b: base,l3,c3 ; none: base,l4,c4
    expect(u.a).toMatchObject({ images: 3, blobs: 7, total: 1000 + 100 + 50 + 5 + 10 + 20 + 30, exclusive: 100 + 50 + 10 + 20, shared: 1000 + 5 + 30 });
    expect(u.b).toMatchObject({ images: 1, missingImages: 1, blobs: 3, total: 1035, exclusive: 0, shared: 1035 });
    expect(u[NO_STREAM]).toMatchObject({ images: 1, total: 1047, exclusive: 47, shared: 1000 });
    // base (1000) over 3 units: 333 each + 1 to the first in name order (a); l3 (5) and c3 (30) over a and b: 3/2, 15/15
    expect(u.a!.attributed).toBe(180 + 334 + 3 + 15);
    expect(u.b!.attributed).toBe(333 + 2 + 15);
    expect(u[NO_STREAM]!.attributed).toBe(47 + 333);
    expect(r.units.reduce((n, x) => n + x.attributed, 0)).toBe(r.registry.bytes);
    expect(r.registry).toEqual({ images: 4, imageStreams: 3, projects: 2, blobs: 9, bytes: 1262, unmanagedImages: 1 });
    expect(r.units.map((x) => x.name)).toEqual(['a', NO_STREAM, 'b']); // by attributed, largest first
  });

  it('by stream and by image; -n keeps the whole registry for the shares; --top', () => {
    const inv = small();
    const s = computeUsage(inv, { by: 'stream' });
    expect(s.units.map((x) => x.name).sort()).toEqual(['a/s1', 'a/s2', 'b/s3', NO_STREAM].sort());
    expect(s.units.find((x) => x.name === 'a/s2')).toMatchObject({ project: 'a', stream: 's2', exclusive: 0, total: 1035 });
    const i = computeUsage(inv, { by: 'image' });
    expect(i.units).toHaveLength(4);
    expect(i.units.find((x) => x.name === dg(3))).toMatchObject({ streams: 2, firstStream: 'a/s2', total: 1035, exclusive: 35, shared: 1000 });
    expect(i.units.find((x) => x.name === dg(4))).toMatchObject({ streams: 0, exclusive: 47 });
    expect(i.units.find((x) => x.name === dg(4))!.firstStream).toBeUndefined();

    const onlyA = computeUsage(inv, { by: 'stream', namespace: 'a' });
    expect(onlyA.units.map((x) => x.name).sort()).toEqual(['a/s1', 'a/s2']);
    for (const x of onlyA.units) expect(x).toEqual(s.units.find((y) => y.name === x.name));
    expect(onlyA.shown).toEqual({ units: 2, of: 2, attributed: onlyA.units[0]!.attributed + onlyA.units[1]!.attributed });
    expect(computeUsage(inv, { by: 'image', namespace: 'b' }).units.map((x) => x.name)).toEqual([dg(3)]);
    expect(computeUsage(inv, { by: 'project', namespace: 'nope' }).units).toEqual([]);

    const top = computeUsage(inv, { by: 'image', top: 2 });
    expect(top.units.map((x) => x.name)).toEqual(i.units.slice(0, 2).map((x) => x.name));
    expect(top.shown).toMatchObject({ units: 2, of: 4 });
  });

  it('a stream holding a manifest list holds the images of the list', () => {
    const inv = newInventory();
    addImage(inv, image(dg(1), [[dg(1, 'l'), 100]], [dg(1, 'c'), 10]));
    addImage(inv, image(dg(2), [[dg(2, 'l'), 200]], [dg(2, 'c'), 20]));
    addImage(inv, { metadata: { name: dg(3), annotations: { 'openshift.io/image.managed': 'true' } }, dockerImageMetadata: { Id: dg(3) }, dockerImageManifests: [{ digest: dg(1) }, { digest: dg(2) }] });
    addStream(inv, stream('p', 'multi', { latest: [dg(3)] }));
    const r = computeUsage(inv, { by: 'stream' });
    expect(r.units).toEqual([expect.objectContaining({ name: 'p/multi', images: 3, exclusive: 330, total: 330, attributed: 330 })]);
    expect(computeUsage(inv, { by: 'image', namespace: 'p' }).units.map((u) => u.streams)).toEqual([1, 1, 1]);
  });

  it('the attributed bytes of all units add up exactly to the distinct bytes, on random registries', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const inv = newInventory();
      const nLayers = 1 + rnd(60);
      const nImages = 1 + rnd(80);
      const layer = Array.from({ length: nLayers }, (_, k) => [dg(k, `r${round}l`), rnd(10_000_019)] as [string, number]);
      const names: string[] = [];
      for (let j = 0; j < nImages; j++) {
        const ls = Array.from({ length: 1 + rnd(6) }, () => layer[rnd(nLayers)]!);
        const name = dg(j, `r${round}i`);
        names.push(name);
        addImage(inv, image(name, ls, rnd(4) ? [dg(j, `r${round}c`), 1 + rnd(9999)] : undefined));
      }
      const nStreams = rnd(25);
      for (let s = 0; s < nStreams; s++) {
        const held = Array.from({ length: rnd(8) }, () => names[rnd(nImages)]!);
        addStream(inv, stream(`p${rnd(5)}`, `s${s}`, { latest: held.slice(0, 3), v1: held.slice(3) }));
      }
      const distinct = inv.blobs.sizes.reduce((a, b) => a + b, 0);
      for (const by of USAGE_BY) {
        const r = computeUsage(inv, { by });
        expect(r.registry.bytes).toBe(distinct);
        expect(r.units.reduce((n, u) => n + u.attributed, 0)).toBe(distinct);
        for (const u of r.units) {
          expect(u.exclusive + u.shared).toBe(u.total);
          expect(u.attributed).toBeGreaterThanOrEqual(u.exclusive);
          expect(u.attributed).toBeLessThanOrEqual(u.total);
        }
        // Exclusive bytes of different units never overlap, so they too stay within the distinct bytes.
        expect(r.units.reduce((n, u) => n + u.exclusive, 0)).toBeLessThanOrEqual(distinct);
      }
    }
  });
});
