// Bundles src/cli.ts into dist/ with code splitting, so heavy modules loaded with import()
// (@kubernetes/client-node, undici, ora) stay out of the --help/--version path.
// Each command module is its own lazy chunk: a manifest of src/commands/index.ts (names, arguments, summaries)
// is compiled into dist/cli.js, so `regctl status` loads only status.ts and `regctl --help` no command at all.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  keepNames: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // Bundled CommonJS dependencies call require(); give ESM output a real one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

/**
 * Less to load at start-up, and less code to parse when a command connects to the cluster (the chunk with
 * KubeConfig went from 970 KB to 190 KB):
 * - node-fetch 2 requires whatwg-url (and tr46's 260 KB Unicode table) but only uses it where Node has no global
 *   URL (`Url.URL || whatwgUrl.URL`); Node always has one, so it gets a shim.
 * - @kubernetes/client-node's index re-exports every API class, model, watch, exec, cp (ws, tar) …; its modules
 *   have no import-time side effects, so marking them side-effect free lets esbuild keep only what KubeConfig uses.
 */
const lean = {
  name: 'lean',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'lean' }));
    b.onLoad({ filter: /^whatwg-url$/, namespace: 'lean' }, () => ({
      contents: 'module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };',
      loader: 'js',
    }));
    // commander requires node:child_process (and with it net, dgram, …) for executable subcommands, which regctl
    // does not have: load it on first use instead of at every start.
    b.onResolve({ filter: /^node:child_process$/ }, (a) =>
      a.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'lazy-child-process', namespace: 'lean' } : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'lean' }, () => ({
      contents: "let cp; module.exports = new Proxy({}, { get: (_, k) => (cp ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData?.lean || !a.importer.includes(`${path.sep}@kubernetes${path.sep}client-node${path.sep}`)) return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: { lean: true } });
      return r.path.includes(`${path.sep}@kubernetes${path.sep}client-node${path.sep}dist${path.sep}`) ? { ...r, sideEffects: false } : r;
    });
  },
};

/**
 * Registers every module of src/commands/index.ts on its own program and records the top-level commands it adds.
 * Fails when the stubs would not give the same `regctl --help` as the modules themselves.
 */
async function commandManifest() {
  const index = readFileSync(path.join(root, 'src/commands/index.ts'), 'utf8');
  const files = [...index.matchAll(/^import \* as (\w+) from '\.\/([\w-]+)\.js';$/gm)].map((m) => m[2]);
  const entry = `
import { commands } from './src/commands/index.ts';
import { addStub, buildProgram, stubOf } from './src/cli.ts';
import { VERSION } from './src/context.ts';
${files.map((f, i) => `import * as m${i} from './src/commands/${f}.ts';`).join('\n')}
const files = [${files.map((f, i) => `[${JSON.stringify(f)}, m${i}]`).join(', ')}];
const rt = { action: () => async () => {} };
const manifest = commands.map((mod) => {
  const found = files.find(([, m]) => m === mod);
  if (!found) throw new Error('src/commands/index.ts: import each command module as \`import * as x from "./file.js";\`');
  const p = buildProgram();
  const before = p.options.length;
  mod.register(p, rt);
  if (p.options.length !== before) throw new Error(found[0] + '.ts changes the program\\'s own options; commands may only add subcommands');
  return { file: found[0], commands: p.commands.map(stubOf) };
});
const full = buildProgram();
for (const mod of commands) mod.register(full, rt);
const light = buildProgram();
for (const e of manifest) for (const s of e.commands) addStub(light, s);
for (const w of [40, 80, 100, 120, 200]) {
  for (const p of [full, light]) p.configureOutput({ getOutHelpWidth: () => w, getOutHasColors: () => false });
  if (full.helpInformation() !== light.helpInformation()) throw new Error('regctl --help from the manifest differs from the commands\\' own (width ' + w + ')');
}
export default { manifest, version: VERSION };
`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'regctl-manifest-'));
  try {
    const out = path.join(tmp, 'manifest.mjs');
    await build({ ...common, stdin: { contents: entry, resolveDir: root, sourcefile: 'manifest-entry.ts', loader: 'ts' }, outfile: out });
    return (await import(pathToFileURL(out).href)).default;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const { manifest, version } = await commandManifest();
// Until this build has captured the new help, bin/regctl.js has commander render it.
rmSync(path.join(dist, 'help.txt'), { force: true });
// dist/ is not wiped first: a CLI process started from the previous build keeps finding its
// content-hashed chunks while this one writes. Chunks no build references any more are pruned
// once they are old enough that nothing can still be loading them.
const result = await build({
  ...common,
  metafile: true,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  splitting: true,
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __REGCTL_COMMANDS__: JSON.stringify(manifest) },
  plugins: [lean],
});
// bin/regctl.js answers `--version` from this file without loading the bundle.
writeAtomic('version.txt', `${version}\n`);
await writeHelp();

const current = new Set([...Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f)), path.join(dist, 'version.txt'), path.join(dist, 'help.txt')]);
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

/** Replaces dist/<file> in one step: a CLI starting meanwhile reads the old or the new text, never half. */
function writeAtomic(file, text) {
  const tmp = path.join(dist, `.${file}.${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(dist, file));
}

/**
 * `regctl --help` when stdout is not a terminal (scripts, CI) has one exact text: captured here from the bundle itself
 * for bin/regctl.js to print without loading it. On a terminal the width varies, so commander renders it.
 */
async function writeHelp() {
  const { main } = await import(pathToFileURL(path.join(dist, 'cli.js')).href);
  const { PassThrough } = await import('node:stream');
  const capture = async (argv, env) => {
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: { write: (s) => ((out += s), true), isTTY: false },
      stderr: { write: (s) => ((err += s), true), isTTY: false },
      stdin: new PassThrough(),
      env,
      signal: new AbortController().signal,
    });
    return code === 0 && !err ? out : undefined;
  };
  const texts = [await capture(['--help'], {}), await capture(['-h'], {}), await capture(['--help'], { FORCE_COLOR: '1', COLUMNS: '40' })];
  if (texts[0] && texts.every((t) => t === texts[0])) writeAtomic('help.txt', texts[0]);
  else {
    rmSync(path.join(dist, 'help.txt'), { force: true });
    console.warn('build: `regctl --help` output is not constant; no dist/help.txt (bin/regctl.js has commander render it)');
  }
}
