/** The first retry delay and the cap, as Centrifugo's consumers use. */
const MIN_MS = 10;
const MAX_MS = 5000;

/** The delay before retry number `attempt` (1, 2, …): doubling from 10–20 ms (jittered), at most 5 s. */
export function backoffDelay(attempt: number): number {
  const base = MIN_MS + Math.random() * MIN_MS;
  return Math.min(MAX_MS, base * 2 ** Math.min(attempt, 20));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
