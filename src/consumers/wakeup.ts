/**
 * A poll loop's sleep that a notification can cut short. A notification that arrives while
 * the loop is busy is remembered, so the next wait returns at once and no row is left for a
 * whole poll interval.
 */
export class Wakeup {
  private wake: (() => void) | undefined;
  private pending = false;

  notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }

  /** Resolves after `ms`, on `notify()`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
