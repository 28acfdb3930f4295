import type { Clock } from '../lib/index.js';

export interface RateLimiterOptions {
  clock: Clock;
  /** Requests per `interval`; 0 = no limit. */
  requests: number;
  /** ms. */
  interval: number;
  /** Extra requests a quiet caller may spend at once. */
  burst: number;
  /** Callers tracked at most; the longest-idle are forgotten first. */
  maxCallers?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per caller. Buckets live in a Map in last-use order; past `maxCallers`
 * the least recently used is dropped (it would have refilled by then anyway, or the
 * caller gets a fresh bucket: the bound wins over exactness).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly perMs: number;
  private readonly maxCallers: number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.capacity = opts.requests + opts.burst;
    this.perMs = opts.requests / opts.interval;
    this.maxCallers = opts.maxCallers ?? 100_000;
  }

  /** 0 when the caller may go ahead (and is charged), else ms until it may. */
  take(caller: string): number {
    if (this.opts.requests <= 0) return 0;
    const now = this.opts.clock.now();
    const b = this.buckets.get(caller) ?? { tokens: this.capacity, at: now };
    this.buckets.delete(caller);
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(caller, b);
    if (this.buckets.size > this.maxCallers) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perMs);
  }
}
