import type { Logger } from 'pino';
import { newSortableId, type Clock } from '../lib/index.js';
import { BlockSet, type UserBlock } from './blocks.js';
import type { BlockPage, BlockQuery, ModerationStore } from './store.js';

/** A block change as the control plane carries it to every node. */
export type BlockNotice = { kind: 'block'; block: UserBlock } | { kind: 'unblock'; user: string; by: string; at: number };

export interface UserBlockingDeps {
  store: ModerationStore;
  clock: Clock;
  log: Logger;
  /** ms between reloads of the block set from a shared store (catches notices lost while the engine was away); 0 = none. */
  reloadInterval: number;
}

export interface BlockRequest {
  user: string;
  /** unix ms; 0 = never lapses. */
  expireAt: number;
  reason: string;
  by: string;
}

/**
 * User blocking on one node: the store for what is kept and listed, and the in-memory
 * BlockSet every connect and token issuance is checked against. The set is loaded at
 * start, kept current by notices from the control plane, and reloaded periodically from a
 * shared store; when that store is away, checks go on from the set as last known.
 */
export class UserBlocking {
  private readonly set = new BlockSet();
  private timer: NodeJS.Timeout | undefined;
  /** Changes made while a reload reads the store: re-applied over what it read, which may predate them. */
  private duringReload: BlockNotice[] | undefined;

  constructor(private readonly deps: UserBlockingDeps) {}

  get store(): ModerationStore {
    return this.deps.store;
  }

  /** Loads the block set; rejects when the store cannot answer (a start that should fail). */
  async start(): Promise<void> {
    await this.reload();
    const every = this.deps.reloadInterval;
    if (every > 0 && this.deps.store.shared) {
      this.timer = setInterval(() => void this.reload().catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'block set reload failed; checks use the set as last loaded')), every);
      this.timer.unref();
    }
  }

  /** Replaces the set with what the store holds in force now; rejects when it cannot answer (the set stays). */
  async reload(): Promise<void> {
    const changes: BlockNotice[] = [];
    this.duringReload = changes;
    try {
      const blocks = await this.deps.store.activeBlocks(this.deps.clock.now());
      this.set.replace(blocks);
      for (const n of changes) this.follow(n);
    } finally {
      if (this.duringReload === changes) this.duringReload = undefined;
    }
  }

  /** The set follows a change (and remembers it while a reload is reading). */
  private follow(n: BlockNotice): void {
    if (n.kind === 'block') this.set.add(n.block.user, n.block.expireAt);
    else this.set.delete(n.user);
  }

  private change(n: BlockNotice): void {
    this.duringReload?.push(n);
    this.follow(n);
  }

  /** Whether the user is blocked now: a Map lookup, no storage round trip. Anonymous ('') never is. */
  isBlocked(user: string): boolean {
    return user !== '' && this.set.has(user, this.deps.clock.now());
  }

  /** Stores a block and applies it here; the caller sends the notice to the other nodes. */
  async block(r: BlockRequest): Promise<BlockNotice> {
    const now = this.deps.clock.now();
    const block: UserBlock = { id: newSortableId(now), user: r.user, reason: r.reason, blockedBy: r.by, blockedAt: now, expireAt: r.expireAt, liftedAt: 0, liftedBy: '' };
    await this.deps.store.block(block);
    this.change({ kind: 'block', block });
    this.deps.log.info({ user: r.user, by: r.by, expire_at: r.expireAt || undefined, reason: r.reason || undefined }, 'user blocked');
    return { kind: 'block', block };
  }

  /** Lifts a block in the store and here; undefined when the user was not blocked. */
  async unblock(user: string, by: string): Promise<{ notice: BlockNotice; lifted: UserBlock | undefined }> {
    const at = this.deps.clock.now();
    const lifted = await this.deps.store.unblock(user, by, at);
    const notice: BlockNotice = { kind: 'unblock', user, by, at };
    this.change(notice);
    if (lifted) this.deps.log.info({ user, by }, 'user unblocked');
    return { notice, lifted };
  }

  /**
   * A notice from the control plane (this node's own included): the set follows it, and a
   * node-local store records what another node decided, so its listings agree.
   */
  async apply(notice: BlockNotice, fromOtherNode: boolean): Promise<void> {
    this.change(notice);
    if (this.deps.store.shared || !fromOtherNode) return;
    if (notice.kind === 'block') await this.deps.store.block(notice.block);
    else await this.deps.store.unblock(notice.user, notice.by, notice.at);
  }

  list(q: Omit<BlockQuery, 'now'>): Promise<BlockPage> {
    return this.deps.store.listBlocks({ ...q, now: this.deps.clock.now() });
  }

  /** How many blocks are in force on this node's set now (lapsed ones are swept first). */
  inForce(): number {
    this.set.prune(this.deps.clock.now());
    return this.set.size;
  }

  /** How many users the set holds (lapsed ones not yet swept included). */
  get size(): number {
    return this.set.size;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
