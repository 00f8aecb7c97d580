#!/usr/bin/env node
// Launcher: check the Node version with a readable message before loading anything else.
// No static imports: builtins come from process.getBuiltinModule (cheaper than ESM facades), after the check.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  process.stderr.write(`error: regctl needs Node.js 20.18 or newer; this is ${process.version}\nhint: install a current Node.js LTS (https://nodejs.org) and run regctl again\n`);
  process.exit(1);
}
// Node ≥ 22.1 keeps compiled code of the bundle on disk between runs; Node 20 has no such API.
process.getBuiltinModule('node:module').enableCompileCache?.();

const ac = new AbortController();
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  ac.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
});

// `regctl --version` and `regctl --help` (`-h`, `help`) print what the build wrote for them without loading the
// bundle (scripts/build.mjs checks it against the bundle's own output): the version; the help as text when stdout
// is not a terminal; on a terminal, laid out at its width by dist/help-format.js from dist/help.json.
const only = process.argv.length === 3 ? process.argv[2] : undefined;
const help = only === '--help' || only === '-h' || only === 'help';
if (only === '--version') print(readDist('version.txt'));
else if (help && !process.stdout.isTTY) print(readDist('help.txt'));
else if (help) ttyHelp();
else run();

function print(text) {
  if (text) process.stdout.write(text);
  else run();
}

/** The help at the terminal's width (as src/cli.ts gives commander); commander renders it when anything is amiss. */
function ttyHelp() {
  const json = readDist('help.json');
  if (!json) return run();
  import('../dist/help-format.js')
    .then(({ renderHelp }) => renderHelp(json, process.stdout.columns ?? 120))
    .catch(() => undefined)
    .then(print);
}

function readDist(file) {
  try {
    return process.getBuiltinModule('node:fs').readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

function run() {
  import('../dist/cli.js')
    .then(({ main }) =>
      main(process.argv.slice(2), {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
        env: process.env,
        signal: ac.signal,
      }),
    )
    .then(
      (code) => {
        // Flush stdout before exiting: open sockets (keep-alive, watches) must not keep us alive.
        process.stdout.write('', () => process.exit(interrupted ? 130 : code));
      },
      (e) => {
        if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
          process.stderr.write('error: regctl is not built\nhint: run `npm run build` (npm ci builds it too)\n');
        } else {
          process.stderr.write(`error: ${e && e.message ? e.message : e}\n`);
        }
        process.exit(1);
      },
    );
}
