// The sandbox importer's tag order for repository imports, over library-go's own PrioritizeTags cases
// (openshift/library-go pkg/image/imageutil/helpers_test.go @ 83275c76a8eca88e3519356696fdaaf8e0e7a27b, Apache-2.0).
import { describe, expect, it } from 'vitest';
import { compareSemver, parseSemver, prioritizeTags } from '../sandbox/tag-priority.ts';

const LIBRARY_GO_CASES: Array<[string[], string[]]> = [
  [['other', 'latest', 'v5.5', '5.2.3', '5.5', 'v5.3.6-bother', '5.3.6-abba', '5.6'], ['latest', '5.6', '5.5', 'v5.5', 'v5.3.6-bother', '5.3.6-abba', '5.2.3', 'other']],
  [['1.1-beta1', '1.2-rc1', '1.1-rc1', '1.1-beta2', '1.2-beta1', '1.2-alpha1', '1.2-beta4', 'latest'], ['latest', '1.2-rc1', '1.2-beta4', '1.2-beta1', '1.2-alpha1', '1.1-rc1', '1.1-beta2', '1.1-beta1']],
  [['7.1', 'v7.1', '7.1.0'], ['7.1', 'v7.1', '7.1.0']],
  [['7.1.0', 'v7.1', '7.1'], ['7.1', 'v7.1', '7.1.0']],
];

describe('prioritizeTags', () => {
  it.each(LIBRARY_GO_CASES)('%j', (tags, want) => {
    expect(prioritizeTags(tags)).toEqual(want);
  });

  it('drops duplicates, takes "" as latest, sorts other tags lexicographically', () => {
    expect(prioritizeTags(['v1', '', 'b', 'a', 'latest', 'v1'])).toEqual(['latest', 'a', 'b', 'v1']);
  });
});

describe('semver', () => {
  it('parses strictly and orders pre-releases below releases', () => {
    expect(parseSemver('01.2.3')).toBeUndefined();
    expect(parseSemver('1.2')).toBeUndefined();
    const v = (s: string) => parseSemver(s)!;
    expect(compareSemver(v('1.0.0-alpha'), v('1.0.0'))).toBeLessThan(0);
    expect(compareSemver(v('1.0.0-alpha.1'), v('1.0.0-alpha.beta'))).toBeLessThan(0);
    expect(compareSemver(v('1.0.0-rc.1'), v('1.0.0-rc.1.1'))).toBeLessThan(0);
    expect(compareSemver(v('1.0.0+build'), v('1.0.0'))).toBe(0);
  });
});
