// For commands that keep running (logs -f, --watch): wait until their output so far satisfies a predicate.

/** Resolves when `pred(text so far)` holds; rejects after timeoutMs with what was seen (no timing assertion). */
export function waitForOutput(get: () => string, pred: (s: string) => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (pred(get())) {
        clearInterval(t);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(t);
        reject(new Error(`output condition not met within ${timeoutMs} ms; output:\n${get().slice(-3000)}`));
      }
    }, 50);
  });
}
