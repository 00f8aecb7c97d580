// Benchmark 4's stdout sink, a process of its own so counting never slows the sandbox: reads stdin, counts bytes,
// and at the sentinel prints {first, end, bytes} (process.hrtime, the same monotonic clock as the benchmark's) and exits.
const sentinel = Buffer.from(process.argv[2] ?? '');
let first;
let bytes = 0;
let tail = Buffer.alloc(0);
process.stdin.on('data', (c) => {
  first ??= process.hrtime.bigint();
  bytes += c.length;
  const head = Buffer.concat([tail, c.subarray(0, sentinel.length)]);
  if (head.includes(sentinel) || c.includes(sentinel)) {
    process.stdout.write(JSON.stringify({ first: String(first), end: String(process.hrtime.bigint()), bytes }) + '\n', () => process.exit(0));
    process.stdin.pause();
    return;
  }
  tail = Buffer.from(c.subarray(Math.max(0, c.length - sentinel.length)));
});
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({ first: first === undefined ? null : String(first), end: null, bytes }) + '\n', () => process.exit(1));
});
