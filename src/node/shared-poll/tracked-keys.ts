/** What one connection holds of one tracked key. */
export interface KeyState {
  /** The version the connection has (from its track, then from each delivery); 0 = none. */
  version: number;
  /** The connection has full data for the key, so a fossil delta can apply (delta subscriptions). */
  deltaReady: boolean;
  /** Unix seconds the track signature expires; 0 = never. */
  expireAt: number;
}

/** A key as a track request commits it. */
export interface TrackCommit {
  key: string;
  version: number;
  expireAt: number;
}

/** The keys one connection tracks on one shared-poll channel. */
export class TrackedKeys {
  private readonly states = new Map<string, KeyState>();
  /** Lower bound of the earliest signature expiry; 0 = none expires (skips the scan). */
  private minExpireAt = 0;

  get size(): number {
    return this.states.size;
  }

  has(key: string): boolean {
    return this.states.has(key);
  }

  get(key: string): KeyState | undefined {
    return this.states.get(key);
  }

  keys(): IterableIterator<string> {
    return this.states.keys();
  }

  /** How many keys there would be after tracking `adding` and untracking `untracking` (re-tracks take no new slot). */
  countAfter(adding: Iterable<string>, untracking: ReadonlySet<string>): number {
    let n = this.states.size;
    const counted = new Set<string>();
    for (const key of adding) {
      if (!this.states.has(key) && !untracking.has(key) && !counted.has(key)) {
        counted.add(key);
        n++;
      }
    }
    for (const key of untracking) if (this.states.has(key)) n--;
    return n;
  }

  /** Records each key with the version the client has; a re-tracked key starts over. */
  commit(items: readonly TrackCommit[]): void {
    for (const { key, version, expireAt } of items) {
      this.states.set(key, { version, deltaReady: false, expireAt });
      if (expireAt > 0 && (this.minExpireAt === 0 || expireAt < this.minExpireAt)) this.minExpireAt = expireAt;
    }
  }

  /** Drops keys; returns those that were tracked. */
  remove(keys: Iterable<string>): string[] {
    const removed: string[] = [];
    for (const key of keys) if (this.states.delete(key)) removed.push(key);
    return removed;
  }

  /** Drops and returns every key. */
  clear(): string[] {
    const all = [...this.states.keys()];
    this.states.clear();
    this.minExpireAt = 0;
    return all;
  }

  /** Drops and returns keys whose signature expired more than `graceSeconds` before `nowSeconds`. */
  expire(nowSeconds: number, graceSeconds: number): string[] {
    if (this.minExpireAt === 0 || nowSeconds <= this.minExpireAt + graceSeconds) return [];
    const expired: string[] = [];
    let min = 0;
    for (const [key, s] of this.states) {
      if (s.expireAt === 0) continue;
      if (nowSeconds > s.expireAt + graceSeconds) {
        expired.push(key);
        this.states.delete(key);
      } else if (min === 0 || s.expireAt < min) {
        min = s.expireAt;
      }
    }
    this.minExpireAt = min;
    return expired;
  }
}
