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
/**
 * Terminal widths dist/help.json is checked for and used at; wider terminals have commander render the help.
 * 0 is a terminal that reports no size (e.g. under `script`).
 */
const HELP_WIDTHS = [0, 400];

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
for (const f of ['help.txt', 'help.json']) rmSync(path.join(dist, f), { force: true });
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

const current = new Set([
  ...Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f)),
  ...['version.txt', 'help.txt', 'help.json', 'help-format.js'].map((f) => path.join(dist, f)),
]);
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
 * `regctl --help` (also `-h`, `help`) prints what the build wrote for it, without loading the bundle:
 * - stdout not a terminal (scripts, CI): one exact text, captured here from the bundle itself → dist/help.txt;
 * - on a terminal commander wraps it at the terminal's width: dist/help.json holds the help's parts and
 *   dist/help-format.js (a copy of bin/help-format.js) lays them out as commander does. help.json is written only
 *   when that pair gives exactly the bundle's text at every width it lists (HELP_WIDTHS); at any other width, or
 *   without help.json, bin/regctl.js has commander render it.
 */
async function writeHelp() {
  const { main, buildProgram, addStub } = await import(pathToFileURL(path.join(dist, 'cli.js')).href);
  const { PassThrough } = await import('node:stream');
  const capture = async (argv, env, tty) => {
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: { write: (s) => ((out += s), true), isTTY: Boolean(tty), ...tty },
      stderr: { write: (s) => ((err += s), true), isTTY: false },
      stdin: new PassThrough(),
      env,
      signal: new AbortController().signal,
    });
    return code === 0 && !err ? out : undefined;
  };
  const helpArgs = [['--help'], ['-h'], ['help']];
  const texts = [];
  for (const argv of helpArgs) texts.push(await capture(argv, {}));
  texts.push(await capture(['--help'], { FORCE_COLOR: '1', COLUMNS: '40' }));
  if (texts[0] && texts.every((t) => t === texts[0])) writeAtomic('help.txt', texts[0]);
  else {
    rmSync(path.join(dist, 'help.txt'), { force: true });
    console.warn('build: `regctl --help` output is not constant; no dist/help.txt (bin/regctl.js has commander render it)');
  }

  // On a terminal: the program main() builds for these argv (src/cli.ts registerCommands: the manifest's stubs).
  const noJson = (why) => console.warn(`build: ${why}; no dist/help.json (on a terminal bin/regctl.js has commander render the help)`);
  writeAtomic('help-format.js', readFileSync(path.join(root, 'bin/help-format.js')));
  const fmt = await import(pathToFileURL(path.join(dist, 'help-format.js')).href);
  const program = buildProgram();
  for (const e of manifest) for (const s of e.commands) addStub(program, s);
  let json;
  try {
    json = JSON.stringify({ ...fmt.helpData(program), widths: HELP_WIDTHS });
  } catch (e) {
    return noJson(`the help's data: ${e.message}`);
  }
  // Every width it serves, and a terminal that reports none (src/cli.ts: columns ?? 120, as bin/regctl.js).
  const cases = [[{ columns: undefined }, 120]];
  for (let w = HELP_WIDTHS[0]; w <= HELP_WIDTHS[1]; w++) cases.push([{ columns: w }, w]);
  for (const [tty, width] of cases) {
    const mine = fmt.renderHelp(json, width);
    for (const argv of helpArgs) {
      const theirs = await capture(argv, {}, { isTTY: true, ...tty });
      if (mine === undefined || mine !== theirs) return noJson(`dist/help-format.js renders \`regctl ${argv[0]}\` unlike commander at width ${tty.columns ?? 'unknown'}`);
    }
  }
  writeAtomic('help.json', `${json}\n`);
}
