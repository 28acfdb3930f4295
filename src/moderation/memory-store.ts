import { isInForce, newestFirst, type UserBlock } from './blocks.js';
import { MAX_BLOCK_HISTORY, pageOf, type BlockPage, type BlockQuery, type ModerationStore, type StoredRateLimits } from './store.js';

/**
 * Blocks and overrides in this process only: lost on restart, and each node keeps its own
 * copy (the control plane tells every node of every change, so nodes that were up agree).
 * History is bounded: past MAX_BLOCK_HISTORY the oldest lifted or lapsed blocks go.
 */
export class MemoryModerationStore implements ModerationStore {
  readonly shared = false;
  readonly kind = 'memory';
  /** By id, in insertion order (oldest first), which is what trimming needs. */
  private readonly blocks = new Map<string, UserBlock>();
  /** User → id of the newest block not lifted. */
  private readonly current = new Map<string, string>();
  private limits: StoredRateLimits | undefined;

  constructor(private readonly maxHistory = MAX_BLOCK_HISTORY) {}

  /** The user's block in force at `now`, if any. */
  private inForce(user: string, now: number): UserBlock | undefined {
    const id = this.current.get(user);
    const b = id === undefined ? undefined : this.blocks.get(id);
    return b && isInForce(b, now) ? b : undefined;
  }

  async block(b: UserBlock): Promise<void> {
    if (this.blocks.has(b.id)) return;
    const previous = this.inForce(b.user, b.blockedAt);
    if (previous) Object.assign(previous, { liftedAt: b.blockedAt, liftedBy: b.blockedBy });
    this.blocks.set(b.id, { ...b });
    this.current.set(b.user, b.id);
    this.trim(b.blockedAt);
  }

  async unblock(user: string, by: string, at: number): Promise<UserBlock | undefined> {
    const b = this.inForce(user, at);
    this.current.delete(user);
    if (!b) return undefined;
    Object.assign(b, { liftedAt: at, liftedBy: by });
    return { ...b };
  }

  async activeBlocks(now: number): Promise<UserBlock[]> {
    const out: UserBlock[] = [];
    for (const user of this.current.keys()) {
      const b = this.inForce(user, now);
      if (b) out.push({ ...b });
    }
    return out;
  }

  async listBlocks(q: BlockQuery): Promise<BlockPage> {
    const sorted = [...this.blocks.values()].sort(newestFirst);
    const page = pageOf(sorted, q, (b) => isInForce(b, q.now));
    return { ...page, blocks: page.blocks.map((b) => ({ ...b })) };
  }

  async rateLimits(): Promise<StoredRateLimits | undefined> {
    return this.limits && structuredClone(this.limits);
  }

  async setRateLimits(r: StoredRateLimits): Promise<void> {
    this.limits = structuredClone(r);
  }

  /** Forgets the oldest blocks no longer in force once past the bound. */
  private trim(now: number): void {
    if (this.blocks.size <= this.maxHistory) return;
    for (const [id, b] of this.blocks) {
      if (this.blocks.size <= this.maxHistory) return;
      if (!isInForce(b, now)) this.blocks.delete(id);
    }
  }

  async close(): Promise<void> {}
}
