import { Semaphore, SemaphoreAbortError } from '../lib/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';

/**
 * Bounds the calls in flight to one backend. Callers past the bound wait in order until a
 * slot frees or their signal aborts (the proxy's timeout), so a slow backend holds at most
 * `max` requests and its callers fail on time instead of piling up.
 */
export class Limiter {
  private readonly slots: Semaphore;

  constructor(max: number) {
    this.slots = new Semaphore(max);
  }

  get inFlight(): number {
    return this.slots.inUse;
  }

  /**
   * Resolves with the function that frees the slot (call it exactly once).
   * @throws ProxyCallError (timeout) when `signal` aborts first
   */
  async acquire(signal: AbortSignal): Promise<() => void> {
    try {
      return await this.slots.acquire(signal);
    } catch (err) {
      if (err instanceof SemaphoreAbortError) throw new ProxyCallError(ProxyCallErrorCode.timeout, err.message, { cause: err });
      throw err;
    }
  }
}
