// The k-way merge of pod logs by the kubelet's timestamp: nanosecond order, ties by pod order, chunk boundaries
// anywhere, lines without a timestamp staying with their line, and at most a chunk or so held per pod.
import { describe, expect, it } from 'vitest';
import { mergeLogs, timestampKey } from '../../src/cluster/log-merge.js';

const T = (ns: number, s = 5) => `2026-01-02T03:04:0${s}.${String(ns).padStart(9, '0')}Z`;

async function* chunks(text: string, sizes: number[]): AsyncGenerator<string> {
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = sizes[k++ % sizes.length]!;
    yield text.slice(i, i + n);
    i += n;
  }
}

async function merged(texts: string[], sizes: number[] = [1 << 16]): Promise<string[]> {
  const out: string[] = [];
  await mergeLogs(
    texts.map((t) => chunks(t, sizes)),
    async (i, block) => {
      expect(block.endsWith('\n')).toBe(true);
      for (const l of block.slice(0, -1).split('\n')) out.push(`${i}:${l}`);
    },
  );
  return out;
}

describe('timestampKey', () => {
  it('sorts like the time, to the nanosecond', () => {
    expect(timestampKey('2026-01-02T03:04:05.123456789Z')).toBe('2026-01-02T03:04:05.123456789Z');
    expect(timestampKey('2026-01-02T03:04:05.1Z')).toBe('2026-01-02T03:04:05.100000000Z');
    expect(timestampKey('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000000000Z');
    expect(timestampKey('2026-01-02T05:04:05.000000007+02:00')).toBe('2026-01-02T03:04:05.000000007Z');
    expect(timestampKey('2026-01-02T00:30:00.5-03:00')).toBe('2026-01-02T03:30:00.500000000Z');
    expect(timestampKey('time="x"')).toBeUndefined();
    expect(timestampKey('2026-01-02T03:04:05.1234567890Z')).toBeUndefined();
  });
});

describe('mergeLogs', () => {
  it('orders by nanoseconds across pods, pod order on ties, whatever the chunk boundaries', async () => {
    const a = `${T(1)} a1\n${T(3)} a2\n${T(5)} a-tie\n${T(7)} a4\n`;
    const b = `${T(2)} b1\n${T(4)} b2\n${T(5)} b-tie\n${T(6)} b3\n${T(0, 6)} b4\n`;
    const want = ['0:' + T(1) + ' a1', '1:' + T(2) + ' b1', '0:' + T(3) + ' a2', '1:' + T(4) + ' b2', '0:' + T(5) + ' a-tie', '1:' + T(5) + ' b-tie', '1:' + T(6) + ' b3', '0:' + T(7) + ' a4', '1:' + T(0, 6) + ' b4'];
    for (const sizes of [[1 << 16], [1], [7, 3, 50], [31]]) expect(await merged([a, b], sizes)).toEqual(want);
    // The pod first in order wins ties even when listed second.
    expect((await merged([b, a])).filter((l) => l.includes('tie'))).toEqual([`0:${T(5)} b-tie`, `1:${T(5)} a-tie`]);
  });

  it('keeps lines without a timestamp with the line before them; a missing last newline is added', async () => {
    const a = `${T(1)} panic: boom\ngoroutine 1 [running]:\nmain.main()\n${T(9)} after`;
    const b = `${T(2)} b1\n`;
    expect(await merged([a, b], [5])).toEqual([`0:${T(1)} panic: boom`, '0:goroutine 1 [running]:', '0:main.main()', `1:${T(2)} b1`, `0:${T(9)} after`]);
  });

  it('merges trimmed and offset timestamps by their time, and copes with empty logs', async () => {
    const a = '2026-01-02T03:04:05.2Z a\n';
    const b = '2026-01-02T05:04:05.15+02:00 b\n';
    expect(await merged([a, '', b])).toEqual(['2:2026-01-02T05:04:05.15+02:00 b', '0:2026-01-02T03:04:05.2Z a']);
    expect(await merged(['', ''])).toEqual([]);
  });

  it('reads a pod only as far as the merge has got: about one chunk ahead per pod', async () => {
    const LINES_PER_CHUNK = 100;
    const CHUNKS = 200;
    const produced = [0, 0, 0];
    const emitted = [0, 0, 0];
    let maxAhead = 0;
    async function* pod(i: number): AsyncGenerator<string> {
      for (let c = 0; c < CHUNKS; c++) {
        let s = '';
        for (let l = 0; l < LINES_PER_CHUNK; l++) {
          const n = (c * LINES_PER_CHUNK + l) * 3 + i; // the three pods interleave line by line
          s += `${T(n % 1e9, 5)} pod${i} line ${n}\n`;
        }
        produced[i] = produced[i]! + LINES_PER_CHUNK;
        yield s;
      }
    }
    let last = '';
    await mergeLogs([pod(0), pod(1), pod(2)], async (i, block) => {
      const lines = block.slice(0, -1).split('\n');
      for (const l of lines) {
        expect(l.slice(0, 30) >= last).toBe(true);
        last = l.slice(0, 30);
      }
      emitted[i] = emitted[i]! + lines.length;
      for (let k = 0; k < 3; k++) maxAhead = Math.max(maxAhead, produced[k]! - emitted[k]!);
    });
    expect(emitted).toEqual([CHUNKS * LINES_PER_CHUNK, CHUNKS * LINES_PER_CHUNK, CHUNKS * LINES_PER_CHUNK]);
    expect(maxAhead).toBeLessThanOrEqual(2 * LINES_PER_CHUNK);
  });
});
