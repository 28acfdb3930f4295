import { RecentKeys } from './bounded-map.js';

/**
 * One token bucket: refilled at `rate` tokens per `interval` ms, holding at most
 * `rate + burst` (burst defaults to 0: at most one interval's worth at once).
 */
export interface BucketSpec {
  interval: number;
  rate: number;
  /** Extra tokens a quiet owner may spend at once. */
  burst?: number;
}

/** An empty state per spec list (every slot full), copied for each BucketArray: one allocation, not one per push. */
const emptyStates = new WeakMap<readonly BucketSpec[], readonly number[]>();

function emptyState(specs: readonly BucketSpec[]): number[] {
  let empty = emptyStates.get(specs);
  if (empty === undefined) {
    const state: number[] = [];
    for (let i = 0; i < specs.length * 2; i++) state.push(Number.NaN);
    emptyStates.set(specs, (empty = state));
  }
  return empty.slice();
}

/**
 * The state of many buckets in one array of numbers (tokens, last refill per slot), so a
 * check allocates nothing. A slot never used counts as full. Not shared: one owner (a
 * connection, a caller, a node-wide key) per instance. A plain array, not a Float64Array:
 * one is made per connection and per user, and a small typed array costs a backing store
 * each (about 20× the time to make); it is a copy of an empty one kept per spec list
 * (about a quarter of the time of filling a new one).
 */
export class BucketArray {
  private readonly state: number[];

  constructor(private readonly specs: readonly BucketSpec[]) {
    this.state = emptyState(specs);
  }

  private refill(slot: number, now: number): number {
    const { interval, rate, burst = 0 } = this.specs[slot]!;
    const tokens = this.state[slot * 2]!;
    if (Number.isNaN(tokens)) return rate + burst;
    const at = this.state[slot * 2 + 1]!;
    // A clock that stepped back refills nothing (rather than taking tokens away).
    return Math.min(rate + burst, tokens + (Math.max(0, now - at) * rate) / interval);
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

/**
 * Bucket arrays by key, at most `maxKeys` of them, the long unused forgotten first (see
 * RecentKeys). Forgetting a key errs on the side of allowing (its owner starts again with
 * full buckets): the bound wins over exactness.
 */
export class BucketsByKey {
  private readonly keys: RecentKeys<BucketArray>;

  constructor(maxKeys: number) {
    this.keys = new RecentKeys(maxKeys);
  }

  /** The key's buckets (made from `specs` when the key is new). */
  get(key: string, specs: readonly BucketSpec[]): BucketArray {
    let b = this.keys.get(key);
    if (b === undefined) this.keys.set(key, (b = new BucketArray(specs)));
    return b;
  }
}
