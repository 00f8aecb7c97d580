import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { createIO } from '../../src/output/io.js';
import { toJSON, toYAML, type OutputFormat } from '../../src/output/printer.js';
import { ListWriter } from '../../src/output/list-writer.js';
import { positiveInt } from '../../src/commands/common.js';
import { buildImageStreamImport, importResults, streamTags, tagsPointingAt } from '../../src/cluster/imagestreams.js';
import { UsageError } from '../../src/errors.js';

function capture() {
  let out = '';
  const stdout = { write: (s: string) => ((out += s), true) };
  const io = createIO({ stdout, stderr: { write: () => true }, stdin: new PassThrough() as never, env: { NO_COLOR: '1' }, noColor: true });
  return { io, text: () => out };
}

interface Row {
  name: string;
  tags: string[];
}

async function write(format: OutputFormat, rows: Row[], head: Record<string, unknown> = { registry: 'reg.example.com' }, tail?: Record<string, unknown>) {
  const c = capture();
  const w = new ListWriter<Row>(c.io, {
    format,
    head,
    key: 'repositories',
    columns: [
      { header: 'repository', value: (r) => r.name, width: 12 },
      { header: 'tags', value: (r) => r.tags.join(',') },
    ],
    names: (r) => r.tags.map((t) => `${r.name}:${t}`),
  });
  for (const r of rows) await w.add(r);
  await w.end(tail);
  return c.text();
}

const rows: Row[] = [
  { name: 'team/app', tags: ['latest', 'v1'] },
  { name: 'team/db', tags: [] },
  { name: 'x/y', tags: ['a: b', '#c'] },
];

describe('ListWriter streams exactly what the printer would print', () => {
  it.each([[rows], [rows.slice(0, 1)], [[]]])('json and yaml (%#)', async (rs) => {
    expect(await write('json', rs)).toBe(toJSON({ registry: 'reg.example.com', repositories: rs }));
    expect(await write('yaml', rs)).toBe(toYAML({ registry: 'reg.example.com', repositories: rs }));
    expect(await write('json', rs, {}, { failed: 2 })).toBe(toJSON({ repositories: rs, failed: 2 }));
    expect(await write('yaml', rs, { a: { b: [1] } }, { failed: 2 })).toBe(toYAML({ a: { b: [1] }, repositories: rs, failed: 2 }));
    expect(JSON.parse(await write('json', rs, { nested: { x: [1, 2] } }))).toEqual({ nested: { x: [1, 2] }, repositories: rs });
  });

  it('table rows are aligned to the given widths, kubectl style', async () => {
    expect(await write('table', rows)).toBe(['REPOSITORY     TAGS', 'team/app       latest,v1', 'team/db', 'x/y            a: b,#c', ''].join('\n'));
    expect(await write('table', [])).toBe('REPOSITORY     TAGS\n');
  });

  it('-o name lists repository:tag lines', async () => {
    expect(await write('name', rows)).toBe('team/app:latest\nteam/app:v1\nx/y:a: b\nx/y:#c\n');
  });

  it('writes nothing before the first row (an early failure leaves stdout empty), then batches', async () => {
    const c = capture();
    const w = new ListWriter<Row>(c.io, { format: 'json', head: { a: 1 }, key: 'k', columns: [], names: () => [] });
    expect(c.text()).toBe('');
    await w.add({ name: 'n', tags: [] });
    expect(w.rows).toBe(1);
    await w.end();
    expect(JSON.parse(c.text())).toEqual({ a: 1, k: [{ name: 'n', tags: [] }] });
  });
});

describe('positiveInt', () => {
  it('parses bounded whole numbers', () => {
    expect(positiveInt(undefined, '--x', 16)).toBe(16);
    expect(positiveInt('64', '--x', 16, 64)).toBe(64);
    for (const bad of ['0', '65', '1.5', 'abc', '-1', '']) expect(() => positiveInt(bad, '--concurrency', 16, 64)).toThrow(UsageError);
  });
});

describe('image streams', () => {
  const is = {
    metadata: { namespace: 'team', name: 'app' },
    spec: { tags: [{ name: 'ext', from: { kind: 'DockerImage', name: 'quay.io/o/i:1' }, referencePolicy: { type: 'Local' } }] },
    status: {
      tags: [
        { tag: 'v1', items: [{ image: 'sha256:a', dockerImageReference: 'r@sha256:a', created: 't1' }, { image: 'sha256:old' }] },
        { tag: 'latest', items: [{ image: 'sha256:a' }] },
        { tag: 'ext', items: [], conditions: [{ type: 'ImportSuccess', status: 'False', reason: 'NotFound', message: 'not found' }] },
      ],
    },
  };

  it('merges spec and status tags', () => {
    expect(streamTags(is)).toEqual([
      { tag: 'ext', from: { kind: 'DockerImage', name: 'quay.io/o/i:1' }, referencePolicy: 'Local', importError: 'not found' },
      { tag: 'latest', image: 'sha256:a', dockerImageReference: undefined, created: undefined },
      { tag: 'v1', image: 'sha256:a', dockerImageReference: 'r@sha256:a', created: 't1' },
    ]);
    expect(tagsPointingAt(is, 'sha256:a')).toEqual(['latest', 'v1']);
    expect(tagsPointingAt(is, 'sha256:old')).toEqual([]);
  });

  it('builds an ImageStreamImport like oc import-image', () => {
    const isi = buildImageStreamImport({ namespace: 'team', stream: 'myis', images: [{ from: 'q.io/o/i:1', tag: '1', referencePolicy: 'Local' }], insecure: true, import: true });
    expect(isi).toEqual({
      metadata: { name: 'myis', namespace: 'team' },
      spec: { import: true, images: [{ from: { kind: 'DockerImage', name: 'q.io/o/i:1' }, to: { name: '1' }, importPolicy: { insecure: true }, referencePolicy: { type: 'Local' }, includeManifest: true }] },
      status: {},
    });
    const all = buildImageStreamImport({ namespace: 'team', stream: 'myis', images: [], repository: { from: 'q.io/o/i', referencePolicy: 'Source' }, import: false });
    expect(all.spec).toEqual({ import: false, images: [], repository: { from: { kind: 'DockerImage', name: 'q.io/o/i' }, importPolicy: {}, referencePolicy: { type: 'Source' }, includeManifest: true } });
  });

  it('reads the answered status: images, repository images, failures', () => {
    const answer = {
      spec: { images: [{ from: { name: 'q.io/o/i:1' }, to: { name: '1' } }, { from: { name: 'q.io/o/i:nope' }, to: { name: 'nope' } }], repository: { from: { name: 'q.io/o/r' } } },
      status: {
        images: [
          { tag: '1', status: { status: 'Success' }, image: { metadata: { name: 'sha256:1' }, dockerImageReference: 'q.io/o/i@sha256:1', dockerImageManifestMediaType: 'm', dockerImageMetadata: { Architecture: 'amd64', Size: 10, Created: 'c' }, dockerImageConfig: '{"os":"linux","architecture":"amd64"}', dockerImageLayers: [{}, {}] } },
          { tag: 'nope', status: { status: 'Failure', reason: 'NotFound', message: 'dockerimage "q.io/o/i:nope" not found' } },
        ],
        repository: { status: { status: 'Success' }, images: [{ tag: 'x', status: { status: 'Success' }, image: { metadata: { name: 'sha256:x' } } }], additionalTags: ['y'] },
      },
    };
    expect(importResults(answer)).toEqual([
      { tag: '1', from: 'q.io/o/i:1', status: 'Success', digest: 'sha256:1', dockerImageReference: 'q.io/o/i@sha256:1', mediaType: 'm', architecture: 'amd64', os: 'linux', created: 'c', size: 10, layers: 2 },
      { tag: 'nope', from: 'q.io/o/i:nope', status: 'Failure', reason: 'NotFound', message: 'dockerimage "q.io/o/i:nope" not found' },
      { tag: 'x', from: 'q.io/o/r:x', status: 'Success', digest: 'sha256:x' },
    ]);
    expect(importResults({ spec: { repository: { from: { name: 'q.io/o/r' } } }, status: { repository: { status: { status: 'Failure', reason: 'Unauthorized', message: 'no' } } } })).toEqual([
      { tag: '', from: 'q.io/o/r', status: 'Failure', reason: 'Unauthorized', message: 'no' },
    ]);
  });
});
