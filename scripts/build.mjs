// Bundles src/cli.ts into dist/ with code splitting. Every command's spec (src/commands/<name>.ts) is in the entry
// chunk (dist/cli.js); its run (src/commands/<name>.run.ts) is reached only through the spec's `load` (a dynamic
// import()), and so are the heavy libraries (@kubernetes/client-node, undici, ora: ctx.cluster(), ctx.registry(),
// the spinner), so they all land in lazy chunks. The build fails if the entry chunk, or a chunk it imports
// statically, includes a run module or a heavy package (checkEntryChunk).
import { build } from 'esbuild';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
/** Packages that must not be loaded by `regctl --help`, usage errors or `regctl <cmd> --help`. */
const HEAVY = ['@kubernetes/client-node', 'undici', 'ora'];

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
 * - @kubernetes/client-node's index re-exports every API class, model, watch, exec, cp (ws, tar) …: regctl imports
 *   its config module directly, and that module's import of the generated API's index gets only what it uses.
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
    // client-node's KubeConfig (src/cluster/kubeconfig.ts imports dist/config.js) takes two names from the
    // generated API's index, which re-exports every API class and model: give it only those two.
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (a) =>
      a.importer.endsWith(`${path.sep}@kubernetes${path.sep}client-node${path.sep}dist${path.sep}config.js`)
        ? { path: path.join(a.resolveDir, 'gen'), namespace: 'lean-kube-gen' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lean-kube-gen' }, (a) => ({
      contents: "export { createConfiguration } from './configuration.js'; export { ServerConfiguration } from './servers.js';",
      resolveDir: a.path,
      loader: 'js',
    }));
  },
};

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
  plugins: [lean],
});
checkEntryChunk(result.metafile);
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// bin/regctl.js answers `--version` and a non-terminal `--help` from these files without loading the bundle.
writeAtomic('version.txt', `${version}\n`);
await writeHelp();

const current = new Set([...Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f)), ...['version.txt', 'help.txt'].map((f) => path.join(dist, f))]);
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

/**
 * Fails the build when dist/cli.js, or a chunk it imports statically, contains a module of a heavy package or a
 * command's run module (src/commands/*.run.ts): they must be reached through import() only (start-up cost of
 * `--help` and usage errors).
 */
function checkEntryChunk(metafile) {
  const seen = new Set();
  const bad = [];
  const visit = (out) => {
    if (seen.has(out)) return;
    seen.add(out);
    const o = metafile.outputs[out];
    for (const input of Object.keys(o.inputs)) {
      const pkg = HEAVY.find((p) => input.includes(`node_modules/${p}/`));
      if (pkg) bad.push(`${pkg} (${input}) via ${out}`);
      if (/^src\/commands\/[^/]+\.run\.ts$/.test(input)) bad.push(`${input} via ${out} (import a command's run only through its spec's load)`);
    }
    for (const i of o.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit('dist/cli.js');
  if (bad.length) {
    console.error(`build: the start-up code statically includes heavy packages or command run modules (reach them through import() only):\n  ${[...new Set(bad)].slice(0, 10).join('\n  ')}`);
    process.exit(1);
  }
}

/** Replaces dist/<file> in one step: a CLI starting meanwhile reads the old or the new text, never half. */
function writeAtomic(file, text) {
  const tmp = path.join(dist, `.${file}.${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(dist, file));
}

/** `regctl --help` (also `-h`, `help`) with stdout not a terminal: the bundle's own text → dist/help.txt. */
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
  const texts = [];
  for (const argv of [['--help'], ['-h'], ['help']]) texts.push(await capture(argv, {}));
  texts.push(await capture(['--help'], { FORCE_COLOR: '1', COLUMNS: '40' }));
  if (texts[0] && texts.every((t) => t === texts[0])) writeAtomic('help.txt', texts[0]);
  else console.warn('build: `regctl --help` output is not constant; no dist/help.txt (bin/regctl.js has commander render it)');
}
