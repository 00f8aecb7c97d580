// Long listings are aligned by alignRows() instead of cli-table3: the text must be the same, character for character.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { LARGE, alignRows, cliTable, renderTable } from '../../src/output/table.js';

const chalk = new Chalk({ level: 1 });
const samples = [
  'team/app', 'openshift/cli', '', 'v1.2.3', 'sha256:0123456789ab', '2d', chalk.green('yes'), chalk.red.bold('no'),
  '日本語タグ', 'émigré', 'naïve/ß', '🚀 launch', 'a'.repeat(70), ' padded ', 'tab\there',
];

function rows(n: number, cols: number, seed: number): string[][] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: n }, () => Array.from({ length: cols }, () => samples[next() % samples.length]!));
}

describe('alignRows prints what cli-table3 prints', () => {
  for (const [n, cols, seed] of [[1, 1, 1], [5, 3, 2], [40, 4, 3], [120, 6, 4]] as const) {
    it(`${n} rows × ${cols} columns`, () => {
      const head = Array.from({ length: cols }, (_, k) => (k % 2 ? chalk.bold(`COL${k}`) : `COLUMN ${k}`));
      const body = rows(n, cols, seed);
      expect(alignRows(head, body)).toBe(cliTable(head, body));
    });
  }

  it('renderTable takes the linear path above LARGE rows, with the same text', () => {
    const io = { colorOut: false } as never;
    const data = rows(LARGE + 50, 3, 7);
    const columns = ['name', 'tag', 'digest'].map((header, k) => ({ header, value: (r: string[]) => r[k] }));
    const text = renderTable(io, data, columns);
    expect(text).toBe(cliTable(['NAME', 'TAG', 'DIGEST'], data));
    expect(text.split('\n')).toHaveLength(LARGE + 52);
  });
});
