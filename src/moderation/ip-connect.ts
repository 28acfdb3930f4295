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

/**
 * Connections open per address, for `ip_connect.max_concurrent_per_ip`. An address has an
 * entry only while it holds a connection, so the map is bounded by the open connections.
 */
export class IpConcurrency {
  private readonly open = new Map<string, number>();

  held(ip: string): number {
    return this.open.get(ip) ?? 0;
  }

  /** Counts a connection of `ip`; the returned function uncounts it (once, however often it is called). */
  hold(ip: string): () => void {
    this.open.set(ip, this.held(ip) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.held(ip) - 1;
      if (n > 0) this.open.set(ip, n);
      else this.open.delete(ip);
    };
  }
}
