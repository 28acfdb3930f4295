/** Thrown by `Semaphore.acquire` when its signal aborts before a slot frees. */
export class SemaphoreAbortError extends Error {
  override readonly name = 'SemaphoreAbortError';
}

/**
 * A bound on concurrent work (calls in flight to one backend, or shared-poll calls of
 * every channel of a node): past the bound, callers wait in order for a slot.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  get inUse(): number {
    return this.active;
  }

  /**
   * Resolves with the function that frees the slot (idempotent).
   * @throws SemaphoreAbortError when `signal` aborts first
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new SemaphoreAbortError('no free slot in time'));
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', abort);
        this.active++;
        resolve(this.releaser());
      };
      const abort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new SemaphoreAbortError(`no free slot in time (${this.max} in use)`));
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}
