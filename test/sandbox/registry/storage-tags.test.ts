// The sandbox registry's storage-driver call model (storage-driver.ts) and tag listing (tags-list.ts).
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { driverCalls, failingWrite, recordDriverCalls } from './storage-driver.ts';
import { mapOrder, pageTags, searchStrings } from './tags-list.ts';

describe('storage-driver calls', () => {
  it('a push of a new image counts PATH_NOT_FOUND lookups; a pull of a stored one counts none', () => {
    const push = [
      ...driverCalls({ kind: 'blob', method: 'HEAD' }, 404),
      ...driverCalls({ kind: 'upload', method: 'POST', newBlob: true }, 202),
      ...driverCalls({ kind: 'upload', method: 'PUT', newBlob: true }, 201),
      ...driverCalls({ kind: 'manifest', method: 'PUT', byDigest: false, newManifest: true }, 201),
    ];
    expect(push.filter((c) => c.code).map((c) => `${c.op} ${c.code}`)).toEqual([
      'StorageDriver.GetContent PATH_NOT_FOUND',
      'StorageDriver.Stat PATH_NOT_FOUND',
      'StorageDriver.Stat PATH_NOT_FOUND',
      'StorageDriver.Stat PATH_NOT_FOUND',
    ]);
    const pull = [...driverCalls({ kind: 'manifest', method: 'GET', byDigest: true, newManifest: false }, 200), ...driverCalls({ kind: 'blob', method: 'GET' }, 200)];
    expect(pull.every((c) => !c.code && /^(StorageDriver|FileWriter)\./.test(c.op))).toBe(true);
    expect(driverCalls({ kind: 'manifest', method: 'DELETE', byDigest: false, newManifest: false }, 202)).toEqual([]);
  });

  it('an injected fault fails the first write, and the metrics carry the real labels', () => {
    expect(failingWrite({ kind: 'upload', method: 'POST', newBlob: true }, 'READ_ONLY_FILESYSTEM')).toEqual({ op: 'StorageDriver.PutContent', code: 'READ_ONLY_FILESYSTEM' });
    expect(failingWrite({ kind: 'blob', method: 'GET' }, 'DEVICE_OUT_OF_SPACE')).toBeUndefined();
    const m = createMetrics();
    recordDriverCalls(m, [{ op: 'StorageDriver.Stat', code: 'PATH_NOT_FOUND' }, { op: 'StorageDriver.PutContent' }], 0.002);
    const text = m.render();
    expect(text).toContain('imageregistry_storage_errors_total{code="PATH_NOT_FOUND",operation="StorageDriver.Stat"} 1');
    expect(text).toContain('imageregistry_storage_duration_seconds_count{operation="StorageDriver.PutContent"} 1');
  });
});

describe('tags/list', () => {
  const TAGS = ['v2', 'latest', 'a', 'v10', 'b'];

  it('map order is a permutation, not a sort', () => {
    let i = 0;
    const seq = [0.9, 0.1, 0.5, 0.3];
    expect(mapOrder(TAGS, () => seq[i++ % seq.length]!).sort()).toEqual([...TAGS].sort());
  });

  it('pages the unsorted list as distribution does: n cuts and links, last is found by binary search', () => {
    expect(pageTags(TAGS, new URLSearchParams('n=2'), '/v2/team/app/tags/list')).toEqual({
      ok: true,
      tags: ['v2', 'latest'],
      link: '</v2/team/app/tags/list?last=latest&n=2>; rel="next"',
    });
    expect(pageTags(TAGS, new URLSearchParams('n=5'), '/p')).toEqual({ ok: true, tags: TAGS });
    expect(pageTags(TAGS, new URLSearchParams('n=0'), '/p')).toEqual({ ok: true, tags: [] });
    // sort.SearchStrings over the unsorted [v2 latest a v10 b]: "b" lands on index 3 ("v10"), which is dropped, so
    // the page after "b" is ["b"]; "latest" runs off the end, so nothing follows it.
    expect(searchStrings(TAGS, 'b')).toBe(3);
    expect(pageTags(TAGS, new URLSearchParams('last=b'), '/p')).toEqual({ ok: true, tags: ['b'] });
    expect(pageTags(TAGS, new URLSearchParams('last=latest'), '/p')).toEqual({ ok: true, tags: [] });
    expect(pageTags(TAGS, new URLSearchParams('last=zzz'), '/p')).toEqual({ ok: true, tags: [] });
    expect(pageTags(TAGS, new URLSearchParams('n=-1'), '/p')).toEqual({ ok: false, error: { code: 'PAGINATION_NUMBER_INVALID', message: 'invalid number of results requested', detail: { n: '-1' } } });
  });
});
