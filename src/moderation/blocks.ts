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
 * The blocked users this node refuses, held in memory so a connect costs a Map lookup and
 * no storage round trip. Lapsed entries count as absent the moment they expire and are
 * swept by `prune`.
 */
export class BlockSet {
  /** User → expiry (unix ms, 0 = never). */
  private readonly users = new Map<string, number>();

  add(user: string, expireAt: number): void {
    this.users.set(user, expireAt);
  }

  delete(user: string): void {
    this.users.delete(user);
  }

  /** Replaces the whole set (a reload from the store). */
  replace(blocks: Iterable<Pick<UserBlock, 'user' | 'expireAt'>>): void {
    this.users.clear();
    for (const b of blocks) this.users.set(b.user, b.expireAt);
  }

  has(user: string, now: number): boolean {
    const expireAt = this.users.get(user);
    return expireAt !== undefined && (expireAt === 0 || expireAt > now);
  }

  /** Drops lapsed entries. */
  prune(now: number): void {
    for (const [user, expireAt] of this.users) if (expireAt !== 0 && expireAt <= now) this.users.delete(user);
  }

  get size(): number {
    return this.users.size;
  }
}
