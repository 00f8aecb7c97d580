// Bundles src/cli.ts into dist/ with code splitting, so heavy modules loaded with import()
// (@kubernetes/client-node, undici, ora) stay out of the --help/--version path.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

// dist/ is not wiped first: a CLI process started from the previous build keeps finding its
// content-hashed chunks while this one writes. Chunks no build references any more are pruned
// once they are old enough that nothing can still be loading them.
const result = await build({
  metafile: true,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  keepNames: true,
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give ESM output a real one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const dist = new URL('../dist/', import.meta.url).pathname;
const current = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
for (const dir of [dist, path.join(dist, 'chunks')]) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    continue;
  }
  for (const f of entries) {
    const p = path.join(dir, f);
    const st = statSync(p);
    if (st.isFile() && !current.has(p) && Date.now() - st.mtimeMs > 10 * 60_000) rmSync(p, { force: true });
  }
}
