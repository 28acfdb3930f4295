import type { UserBlock } from './blocks.js';

/** A listing of blocks: in force only, or (`history`) every block kept, newest first. */
export interface BlockQuery {
  /** Only this user's blocks; '' = everyone's. */
  user: string;
  history: boolean;
  /** At most this many (≥ 1). */
  limit: number;
  /** Where the previous page ended ('' = from the newest). */
  cursor: string;
  now: number;
}

export interface BlockPage {
  blocks: UserBlock[];
  /** Pass as `cursor` for the next page; '' when this was the last. */
  nextCursor: string;
}

/** Rate-limit settings changed at runtime, with who changed them and when (unix ms). */
export interface StoredRateLimits {
  /** The `client.rate_limit` shape (wire names), validated before it is stored. */
  settings: Record<string, unknown>;
  updatedAt: number;
  updatedBy: string;
}

/**
 * Where blocks, block history and rate-limit overrides are kept: process memory, Redis or
 * PostgreSQL. Every method rejects when the store cannot be reached; callers decide whether
 * that refuses the operation or degrades it.
 */
export interface ModerationStore {
  /** True when every node reads the same data (Redis, PostgreSQL); a memory store is fed from the control plane. */
  readonly shared: boolean;
  /** Which store this is, for logs and readiness. */
  readonly kind: 'memory' | 'redis' | 'postgres';
  /** Records a block; a block of the same user still in force is lifted by it (lifted by the new blocker, at its time). */
  block(b: UserBlock): Promise<void>;
  /** Lifts the user's block in force at `at`; resolves with it as lifted, or undefined when there was none. */
  unblock(user: string, by: string, at: number): Promise<UserBlock | undefined>;
  /** Every block in force at `now` (what a node loads into its BlockSet). */
  activeBlocks(now: number): Promise<UserBlock[]>;
  listBlocks(q: BlockQuery): Promise<BlockPage>;
  /** The stored rate-limit overrides, or undefined when none were ever set. */
  rateLimits(): Promise<StoredRateLimits | undefined>;
  /** Replaces the stored overrides. */
  setRateLimits(r: StoredRateLimits): Promise<void>;
  /** Releases connections and timers; idempotent. */
  close(): Promise<void>;
}

/** Block history kept at most (oldest past blocks go first) by stores that must bound it in memory. */
export const MAX_BLOCK_HISTORY = 100_000;

/** A page cursor: the sort key of the last block on the page. */
export function cursorOf(b: UserBlock): string {
  return `${b.blockedAt}:${b.id}`;
}

/** The sort key a cursor names (a time and an id); undefined for '' (the first page). Throws on a malformed cursor. */
export function parseCursor(cursor: string): { at: number; id: string } | undefined {
  if (cursor === '') return undefined;
  const sep = cursor.indexOf(':');
  const at = Number(cursor.slice(0, sep));
  if (sep <= 0 || !Number.isSafeInteger(at)) throw new BadCursorError(cursor);
  return { at, id: cursor.slice(sep + 1) };
}

export class BadCursorError extends Error {
  override readonly name = 'BadCursorError';
  readonly code = 'PARSEC_BAD_CURSOR';

  constructor(cursor: string) {
    super(`cursor ${JSON.stringify(cursor)} is not one a listing returned`);
  }
}

/**
 * One page of a listing from blocks already in newest-first order: the query's filter,
 * then everything after the cursor, then the limit. For stores that sort in memory.
 */
export function pageOf(sorted: readonly UserBlock[], q: BlockQuery, inForce: (b: UserBlock) => boolean): BlockPage {
  const after = parseCursor(q.cursor);
  const out: UserBlock[] = [];
  for (const b of sorted) {
    if (q.user !== '' && b.user !== q.user) continue;
    if (!q.history && !inForce(b)) continue;
    if (after && (b.blockedAt > after.at || (b.blockedAt === after.at && b.id >= after.id))) continue;
    if (out.length === q.limit) return { blocks: out, nextCursor: cursorOf(out[out.length - 1]!) };
    out.push(b);
  }
  return { blocks: out, nextCursor: '' };
}
