import { ProxyCallError, ProxyCallErrorCode } from './errors.js';

/**
 * Bounds the calls in flight to one backend. Callers past the bound wait in order until a
 * slot frees or their signal aborts (the proxy's timeout), so a slow backend holds at most
 * `max` requests and its callers fail on time instead of piling up.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  get inFlight(): number {
    return this.active;
  }

  /**
   * Resolves with the function that frees the slot (call it exactly once).
   * @throws ProxyCallError (timeout) when `signal` aborts first
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new ProxyCallError(ProxyCallErrorCode.timeout, 'no free slot in time'));
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', abort);
        this.active++;
        resolve(this.releaser());
      };
      const abort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new ProxyCallError(ProxyCallErrorCode.timeout, `no free slot in time (${this.max} calls in flight)`));
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', abort, { once: true });
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
