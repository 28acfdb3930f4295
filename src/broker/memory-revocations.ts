import type { Clock } from '../lib/index.js';
import { coveredByUserRevocation, type RevocationStore, type RevokedToken, type RevokedUser, type TokenIdentity } from '../node/index.js';

export interface MemoryRevocationsOptions {
  clock: Clock;
  /** ms an entry stays in force: at least the longest token lifetime. */
  maxTtl: number;
  /** ms between sweeps of aged entries; 0 = no timer (entries still expire on read). */
  pruneInterval: number;
}

/**
 * Revocations in this process. Each node keeps its own; the control plane tells every node
 * of every revocation, so nodes that were up at the time agree.
 */
export class MemoryRevocations implements RevocationStore {
  readonly shared = false;
  private readonly tokens = new Map<string, RevokedToken>();
  private readonly users = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: MemoryRevocationsOptions) {
    if (opts.pruneInterval > 0) {
      this.timer = setInterval(() => this.prune(opts.clock.now()), opts.pruneInterval);
      this.timer.unref();
    }
  }

  private live(revokedAt: number, now = this.opts.clock.now()): boolean {
    return now - revokedAt < this.opts.maxTtl;
  }

  async revokeTokens(tokens: readonly RevokedToken[]): Promise<void> {
    for (const t of tokens) this.tokens.set(t.tokenId, { ...t });
  }

  async unrevokeTokens(tokenIds: readonly string[]): Promise<void> {
    for (const id of tokenIds) this.tokens.delete(id);
  }

  async revokeUser({ user, revokedAt }: RevokedUser): Promise<void> {
    this.users.set(user, Math.max(revokedAt, this.users.get(user) ?? 0));
  }

  async isRevoked(t: TokenIdentity): Promise<boolean> {
    const token = t.tokenId ? this.tokens.get(t.tokenId) : undefined;
    if (token && this.live(token.revokedAt)) return true;
    const userAt = t.user ? this.users.get(t.user) : undefined;
    return userAt !== undefined && this.live(userAt) && coveredByUserRevocation(t.issuedAt, userAt);
  }

  async list(): Promise<{ tokens: RevokedToken[]; users: RevokedUser[] }> {
    this.prune(this.opts.clock.now());
    return {
      tokens: [...this.tokens.values()].sort((a, b) => b.revokedAt - a.revokedAt),
      users: [...this.users].map(([user, revokedAt]) => ({ user, revokedAt })).sort((a, b) => b.revokedAt - a.revokedAt),
    };
  }

  /** Drops every entry older than the max TTL at `now`. */
  prune(now: number): void {
    for (const [id, t] of this.tokens) if (!this.live(t.revokedAt, now)) this.tokens.delete(id);
    for (const [user, at] of this.users) if (!this.live(at, now)) this.users.delete(user);
  }

  /** How many entries are held (tokens and users), aged or not. */
  get size(): number {
    return this.tokens.size + this.users.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
