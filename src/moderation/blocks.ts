import { StringFilter } from '../lib/index.js';

/** One block of a user, current or past, as every store keeps it. Times are unix ms. */
export interface UserBlock {
  /** Unique per block (a user blocked twice has two). */
  id: string;
  user: string;
  /** Why, as the blocker said; '' when not given. */
  reason: string;
  /** Who blocked: the API key name (`apikey`) or `jwt:<subject>` of a Bearer token. */
  blockedBy: string;
  blockedAt: number;
  /** When the block lapses by itself; 0 = never. */
  expireAt: number;
  /** When it was lifted (unblocked, or replaced by a newer block of the same user); 0 = not lifted. */
  liftedAt: number;
  liftedBy: string;
}

/** Whether a block is in force at `now`: not lifted and not lapsed. */
export function isInForce(b: Pick<UserBlock, 'expireAt' | 'liftedAt'>, now: number): boolean {
  return b.liftedAt === 0 && (b.expireAt === 0 || b.expireAt > now);
}

/** Newest first, ties by id, as every listing orders blocks. */
export function newestFirst(a: UserBlock, b: UserBlock): number {
  return b.blockedAt - a.blockedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * The blocked users this node refuses, held in memory so a connect costs no storage round
 * trip. A compact filter answers first: most users are not blocked, and "no" from it skips
 * the Map, whose miss reads keys spread over the heap. Lapsed entries count as absent the
 * moment they expire and are swept by `prune`.
 */
export class BlockSet {
  /** User → expiry (unix ms, 0 = never). */
  private readonly users = new Map<string, number>();
  private filter = new StringFilter(0);
  /** Users taken out since the filter was built: their bits stay set until it is rebuilt. */
  private removed = 0;

  add(user: string, expireAt: number): void {
    this.users.set(user, expireAt);
    if (this.users.size > this.filter.capacity) this.rebuild();
    else this.filter.add(user);
  }

  delete(user: string): void {
    if (this.users.delete(user) && ++this.removed > Math.max(1024, this.users.size)) this.rebuild();
  }

  /** Replaces the whole set (a reload from the store). */
  replace(blocks: Iterable<Pick<UserBlock, 'user' | 'expireAt'>>): void {
    this.users.clear();
    for (const b of blocks) this.users.set(b.user, b.expireAt);
    this.rebuild();
  }

  has(user: string, now: number): boolean {
    if (!this.filter.mayHave(user)) return false;
    const expireAt = this.users.get(user);
    return expireAt !== undefined && (expireAt === 0 || expireAt > now);
  }

  /** Drops lapsed entries. */
  prune(now: number): void {
    for (const [user, expireAt] of this.users) if (expireAt !== 0 && expireAt <= now) this.delete(user);
  }

  get size(): number {
    return this.users.size;
  }

  private rebuild(): void {
    this.filter = new StringFilter(this.users.size);
    for (const user of this.users.keys()) this.filter.add(user);
    this.removed = 0;
  }
}
