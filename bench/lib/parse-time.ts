// Child process for benchmark 5: times the metrics parser on an exposition file as one `regctl metrics` run pays
// it: the first parsePrometheusText() of a fresh process (cold), then summarize() on its result (the summary
// regctl prints; it reads the labels of most samples), and the parse again a few times (warm, median).
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
process.stdout.write(
  JSON.stringify({
    coldMs,
    summarizeMs,
    /** What `regctl metrics` (table or -o json) spends between the scrape and rendering. */
    coldTotalMs: coldMs + summarizeMs,
    warmMs: warm[warm.length >> 1],
    samples,
    families: families.length,
    bytes: Buffer.byteLength(text),
  }) + '\n',
);
