// Pure parts of `regctl copy`: SRC/DST forms, the tar index (docker archives), digest verification while streaming,
// and the tag filter of --all-tags.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../src/registry/copy/refs.ts';
import { indexTar, padding, tarHeader } from '../../src/registry/copy/tar.ts';
import { DigestVerifier } from '../../src/registry/copy/verify.ts';
import { planCopy, tagFilter } from '../../src/registry/copy/plan.ts';
import type { ImageDest, ImageSource, Manifest } from '../../src/registry/copy/types.ts';
import { sha256 } from '../../src/registry/content.ts';
import { tar } from '../sandbox/registry/testing/image.ts';

describe('parseEndpoint', () => {
  it('reads the four forms', () => {
    expect(parseEndpoint('oci:/tmp/x:1.0', 'source')).toMatchObject({ kind: 'oci', dir: '/tmp/x', tag: '1.0' });
    expect(parseEndpoint('oci:./dir/sub', 'source')).toMatchObject({ kind: 'oci', dir: './dir/sub', tag: undefined });
    expect(parseEndpoint('docker-archive:app.tar', 'source')).toMatchObject({ kind: 'docker-archive', file: 'app.tar' });
    expect(parseEndpoint('docker://quay.io/org/app@sha256:' + 'a'.repeat(64), 'source')).toMatchObject({ kind: 'registry', cluster: false, ref: { host: 'quay.io', path: 'org/app' } });
    expect(parseEndpoint('team/app:v1', 'destination')).toMatchObject({ kind: 'registry', cluster: true, ref: { path: 'team/app', tag: 'v1' } });
    expect(parseEndpoint('registry.example.com:5000/team/app', 'destination')).toMatchObject({ kind: 'registry', cluster: false, ref: { host: 'registry.example.com:5000' } });
  });

  it('refuses what it cannot copy, naming the fix', () => {
    expect(() => parseEndpoint('containers-storage:localhost/app', 'source')).toThrow(/containers-storage: is not a source/);
    expect(() => parseEndpoint('dir:/tmp/x', 'source')).toThrow(/does not support the transport "dir:"/);
    expect(() => parseEndpoint('app:v1', 'destination')).toThrow(/<project>\/<name>/);
    expect(() => parseEndpoint('oci:/x:bad tag!', 'source')).toThrow(/not a valid tag/);
    expect(() => parseEndpoint('docker://app', 'source')).toThrow();
  });
});

describe('tar index', () => {
  it('finds entries (with long pax names) without reading their contents, and reads what tarHeader writes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-tar-'));
    try {
      const a = path.join(dir, 'a.tar');
      fs.writeFileSync(a, tar({ 'manifest.json': '[]', 'x/layer.tar': Buffer.alloc(1000, 7) }));
      const ia = await indexTar(a);
      expect([...ia.keys()]).toEqual(['manifest.json', 'x/layer.tar']);
      expect(ia.get('x/layer.tar')).toMatchObject({ offset: 1536, size: 1000 });
      const long = 'd/'.repeat(80) + 'file.bin';
      const b = path.join(dir, 'b.tar');
      fs.writeFileSync(b, Buffer.concat([tarHeader(long, 3), Buffer.from('abc'), padding(3), Buffer.alloc(1024)]));
      const ib = await indexTar(b);
      expect(ib.get(long)?.size).toBe(3);
      expect(fs.readFileSync(b).subarray(ib.get(long)!.offset, ib.get(long)!.offset + 3).toString()).toBe('abc');
      fs.writeFileSync(path.join(dir, 'c.tar'), Buffer.alloc(1024, 1));
      await expect(indexTar(path.join(dir, 'c.tar'))).rejects.toThrow(/not a tar archive/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DigestVerifier', () => {
  const data = Buffer.from('layer bytes '.repeat(1000));
  const through = (b: { digest: string; size: number }) => pipeline(Readable.from([data.subarray(0, 5000), data.subarray(5000)]), new DigestVerifier(b, 'test'), new PassThrough().resume());
  it('passes matching bytes', async () => {
    await expect(through({ digest: sha256(data), size: data.length })).resolves.toBeUndefined();
  });
  it('fails on a wrong digest or size, before the stream ends', async () => {
    await expect(through({ digest: sha256(Buffer.from('other')), size: data.length })).rejects.toThrow(/does not match its digest: its bytes are sha256:/);
    await expect(through({ digest: sha256(data), size: 100 })).rejects.toThrow(/more than the 100 bytes/);
    await expect(through({ digest: sha256(data), size: data.length + 1 })).rejects.toThrow(/bytes, not/);
  });
});

describe('tagFilter', () => {
  it('keeps tags matching an --include and no --exclude', () => {
    const f = tagFilter({ include: [/^v1\./, /^latest$/], exclude: [/-rc/] });
    expect(['v1.0', 'v1.1-rc1', 'v2.0', 'latest'].filter(f)).toEqual(['v1.0', 'latest']);
    expect(['a', 'b'].filter(tagFilter({}))).toEqual(['a', 'b']);
  });
});

describe('planCopy: which tag lands where', () => {
  const manifest = (n: string): Manifest => {
    const json = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `sha256:${'c'.repeat(63)}${n}`, size: 10 }, layers: [{ digest: `sha256:${'1'.repeat(64)}`, size: 5 }] };
    const raw = Buffer.from(JSON.stringify(json));
    return { raw, json, digest: sha256(raw), mediaType: json.mediaType, kind: 'image' };
  };
  const images: Record<string, Manifest> = { v1: manifest('1'), v2: manifest('2'), 'v2-rc': manifest('3') };
  const src: ImageSource = {
    name: 'src',
    tags: async () => Object.keys(images),
    manifest: async (ref) => images[ref ?? 'v1'] ?? Object.values(images).find((m) => m.digest === ref)!,
    blob: async () => Readable.from([]),
  };
  const dst = (have: Record<string, string> = {}): ImageDest => ({
    name: 'dst',
    hasBlob: async () => false,
    putBlob: async () => undefined,
    manifestDigest: async (ref) => have[ref],
    putManifest: async () => undefined,
  });
  const signal = new AbortController().signal;

  it('keeps the source tag, takes DST’s, pushes a digest by digest, and sees what is up to date', async () => {
    expect((await planCopy(src, dst(), { srcRef: 'v2', signal }))[0]).toMatchObject({ dstTag: 'v2', upToDate: false, blobs: [{ size: 10 }, { size: 5 }] });
    expect((await planCopy(src, dst(), { srcRef: 'v2', dstTag: 'stable', signal }))[0]).toMatchObject({ dstTag: 'stable', destination: 'dst:stable' });
    const byDigest = (await planCopy(src, dst(), { srcRef: images.v1!.digest, defaultTag: 'latest', signal }))[0]!;
    expect(byDigest.dstTag).toBeUndefined();
    expect(byDigest.destination).toBe(`dst@${images.v1!.digest}`);
    expect((await planCopy(src, dst({ v1: images.v1!.digest }), { srcRef: 'v1', signal }))[0]!.upToDate).toBe(true);
  });

  it('--all-tags with filters, sorted', async () => {
    const plan = await planCopy(src, dst(), { allTags: true, include: [/^v/], exclude: [/-rc$/], signal });
    expect(plan.map((p) => p.dstTag)).toEqual(['v1', 'v2']);
    await expect(planCopy(src, dst(), { allTags: true, include: [/^x/], signal })).rejects.toThrow(/has no tags matching/);
  });
});
