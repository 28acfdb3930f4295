/** One token bucket: at most `rate` tokens, refilled at `rate` per `interval` ms. */
export interface BucketSpec {
  interval: number;
  rate: number;
}

/**
 * The state of many buckets in one Float64Array (tokens, last refill per slot), so a check
 * allocates nothing. A slot never used counts as full. Not shared: one owner (a connection,
 * a node-wide key) per instance.
 */
export class BucketArray {
  private readonly state: Float64Array;

  constructor(private readonly specs: readonly BucketSpec[]) {
    this.state = new Float64Array(specs.length * 2).fill(Number.NaN);
  }

  private refill(slot: number, now: number): number {
    const { interval, rate } = this.specs[slot]!;
    const tokens = this.state[slot * 2]!;
    if (Number.isNaN(tokens)) return rate;
    const at = this.state[slot * 2 + 1]!;
    return Math.min(rate, tokens + (Math.max(0, now - at) * rate) / interval);
  }

  /**
   * Takes `score` tokens from every slot when all of them have that many; else takes none.
   * Returns 0 when taken, else the ms until the emptiest slot would have them.
   */
  take(slots: readonly number[], now: number, score = 1): number {
    let wait = 0;
    for (const slot of slots) {
      const tokens = this.refill(slot, now);
      if (tokens < score) {
        const { interval, rate } = this.specs[slot]!;
        wait = Math.max(wait, Math.ceil(((score - tokens) * interval) / rate));
      }
    }
    if (wait > 0) return wait;
    for (const slot of slots) {
      this.state[slot * 2] = this.refill(slot, now) - score;
      this.state[slot * 2 + 1] = now;
    }
    return 0;
  }

  /** Whole tokens left in the emptiest slot (after refilling to `now`). */
  left(slots: readonly number[], now: number): number {
    let min = Infinity;
    for (const slot of slots) min = Math.min(min, Math.floor(this.refill(slot, now)));
    return min === Infinity ? 0 : min;
  }
}
