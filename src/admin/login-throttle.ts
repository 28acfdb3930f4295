import type { Clock } from '../lib/index.js';

interface Failures {
  count: number;
  /** No attempt from this address is looked at before this time (ms). */
  blockedUntil: number;
  lastAt: number;
}

/** Free failed attempts per address before the waits begin. */
const FREE = 3;
const MAX_WAIT = 60_000;
/** An address that stops failing for this long starts afresh. */
const FORGET_AFTER = 15 * 60_000;

/**
 * Slows password guessing per client address: after a few failures each further failure
 * doubles the wait before the next attempt is even checked (1 s, 2 s, 4 s… up to a minute).
 * A success clears the address.
 */
export class LoginThrottle {
  private readonly byAddress = new Map<string, Failures>();

  constructor(private readonly clock: Clock) {}

  /** Ms the address must still wait, 0 when it may try now. */
  wait(address: string): number {
    const f = this.byAddress.get(address);
    if (!f) return 0;
    return Math.max(0, f.blockedUntil - this.clock.now());
  }

  failed(address: string): void {
    const now = this.clock.now();
    this.prune(now);
    const f = this.byAddress.get(address) ?? { count: 0, blockedUntil: 0, lastAt: now };
    f.count++;
    f.lastAt = now;
    if (f.count > FREE) f.blockedUntil = now + Math.min(MAX_WAIT, 1000 * 2 ** (f.count - FREE - 1));
    this.byAddress.set(address, f);
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }

  private prune(now: number): void {
    if (this.byAddress.size < 10_000) return;
    for (const [a, f] of this.byAddress) if (now - f.lastAt > FORGET_AFTER) this.byAddress.delete(a);
  }
}
