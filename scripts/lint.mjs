// Structural lint: the rules in docs/dev/ARCHITECTURE.md that keep start-up fast and output disciplined.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const problems = [];

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const heavy = /^import\s+(?!type\b)[^;]*from\s+'(@kubernetes\/client-node|undici|ora)'/m;
for (const file of walk(path.join(root, 'src'))) {
  const rel = path.relative(root, file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = `${rel}:${i + 1}`;
    if (/\bprocess\.exit\(/.test(line)) problems.push(`${at}: process.exit is only allowed in bin/regctl.js`);
    if (/\bprocess\.(stdout|stderr)\b/.test(line)) problems.push(`${at}: write through ctx.io, not process streams`);
    if (/\bconsole\.(log|error|warn|info)\(/.test(line)) problems.push(`${at}: no console.*; use ctx.io / ctx.log`);
  });
  const m = heavy.exec(text);
  if (m && !rel.startsWith(`src${path.sep}cluster`) && !rel.startsWith(`src${path.sep}registry`) && !rel.endsWith('spinner.ts')) {
    problems.push(`${rel}: static import of ${m[1]} outside src/cluster, src/registry (load it lazily)`);
  }
  // (The start-up cost rule itself — no heavy package in the code `--help` loads — is checked exactly by the
  // build on esbuild's metafile: scripts/build.mjs checkEntryChunk.)
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`\n${problems.length} problem(s)`);
  process.exit(1);
}
console.log('lint: ok');
