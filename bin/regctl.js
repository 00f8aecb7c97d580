#!/usr/bin/env node
// Launcher: check the Node version with a readable message before loading anything else.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  process.stderr.write(`error: regctl needs Node.js 20.18 or newer; this is ${process.version}\nhint: install a current Node.js LTS (https://nodejs.org) and run regctl again\n`);
  process.exit(1);
}

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
