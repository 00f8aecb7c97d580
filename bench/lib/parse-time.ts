// Child process for benchmark 5: times the metrics parser on an exposition file, cold (first call in a fresh
// process, as one `regctl metrics` run pays) and warm (median of the next runs), plus the summary regctl prints.
import fs from 'node:fs';
import { parsePrometheusText } from '../../src/metrics/parse.ts';
import { summarize } from '../../src/metrics/summary.ts';

const text = fs.readFileSync(process.argv[2]!, 'utf8');
const time = <T>(fn: () => T): [T, number] => {
  const t = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
};
const [families, coldMs] = time(() => parsePrometheusText(text));
const [, summarizeMs] = time(() => summarize(families));
const warm: number[] = [];
for (let i = 0; i < 7; i++) warm.push(time(() => parsePrometheusText(text))[1]);
warm.sort((a, b) => a - b);
const samples = families.reduce((n, f) => n + f.samples.length, 0);
process.stdout.write(JSON.stringify({ coldMs, warmMs: warm[warm.length >> 1], summarizeMs, samples, families: families.length, bytes: Buffer.byteLength(text) }) + '\n');
