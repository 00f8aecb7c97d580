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

// `regctl --version`, and `regctl --help` (`-h`, `help`) when stdout is not a terminal, print what the build wrote
// for them (scripts/build.mjs captures the bundle's own output) without loading the bundle.
const only = process.argv.length === 3 ? process.argv[2] : undefined;
const help = only === '--help' || only === '-h' || only === 'help';
const canned = only === '--version' ? readDist('version.txt') : help && !process.stdout.isTTY ? readDist('help.txt') : undefined;
if (canned) process.stdout.write(canned);
else run();

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
