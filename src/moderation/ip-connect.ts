import type { RateLimitConfig } from '../config/index.js';
import { BucketArray, type BucketSpec } from '../lib/index.js';

/**
 * Connect attempts per client address: every bucket must allow the attempt. At most
 * `max_tracked_ips` addresses are tracked; past that, new addresses are let through
 * rather than evicting tracked ones (Centrifugo PRO fails open here too: the cap bounds
 * memory, not admission).
 */
export class IpConnectLimiter {
  private readonly buckets = new Map<string, BucketArray>();
  private readonly specs: BucketSpec[];
  private readonly slots: number[];

  constructor(readonly cfg: RateLimitConfig['ipConnect']) {
    this.specs = cfg.buckets.map((b) => ({ interval: b.interval, rate: b.rate }));
    this.slots = this.specs.map((_, i) => i);
  }

  get enabled(): boolean {
    return this.cfg.enabled && this.specs.length > 0;
  }

  /** Whether an attempt from `ip` is within its buckets (it is charged when it is). */
  take(ip: string, now: number): boolean {
    let b = this.buckets.get(ip);
    if (!b) {
      if (this.buckets.size >= this.cfg.maxTrackedIps) this.sweep(now);
      if (this.buckets.size >= this.cfg.maxTrackedIps) return true;
      this.buckets.set(ip, (b = new BucketArray(this.specs)));
    }
    return b.take(this.slots, now) === 0;
  }

  /** Forgets addresses whose buckets are full again (nothing to remember about them). */
  private sweep(now: number): void {
    for (const [ip, b] of this.buckets) if (this.specs.every((s, i) => b.left([i], now) >= s.rate)) this.buckets.delete(ip);
  }
}
