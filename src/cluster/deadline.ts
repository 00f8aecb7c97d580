// Waiting on a watch with a time limit: one signal that aborts when the caller's does (Ctrl-C) or when the time is up.

export interface Deadline {
  signal: AbortSignal;
  /** True when the time ran out (not when the caller aborted). */
  timedOut(): boolean;
  /** Ends the wait: stops the timer, forgets the caller's signal and aborts (closing an open watch). */
  dispose(): void;
}

export function withDeadline(parent: AbortSignal, timeoutMs: number): Deadline {
  const ac = new AbortController();
  const stop = () => ac.abort();
  parent.addEventListener('abort', stop);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', stop);
      ac.abort();
    },
  };
}
