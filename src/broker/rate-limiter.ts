import { BucketsByKey, type BucketSpec, type Clock } from '../lib/index.js';

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

const ONE: readonly number[] = [0];

/** A token bucket per caller (`parsec.token_broker.rate_limit`), the longest-idle callers forgotten past `maxCallers`. */
export class RateLimiter {
  private readonly buckets: BucketsByKey;
  private readonly specs: readonly BucketSpec[];

  constructor(private readonly opts: RateLimiterOptions) {
    this.specs = [{ interval: opts.interval, rate: opts.requests, burst: opts.burst }];
    this.buckets = new BucketsByKey(opts.maxCallers ?? 100_000);
  }

  /** 0 when the caller may go ahead (and is charged), else ms until it may. */
  take(caller: string): number {
    if (this.opts.requests <= 0) return 0;
    return this.buckets.get(caller, this.specs).take(ONE, this.opts.clock.now());
  }
}
