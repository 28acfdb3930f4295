import type { BlockNotice, UserBlock, UserBlocking } from '../../moderation/index.js';
import { BadCursorError } from '../../moderation/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { BlockedUsersRequest, BlockUserRequest, UnblockUserRequest } from '../schemas.js';

/** A block as `blocked_users` lists it; times in Unix seconds like `expire_at` (0 = not set). */
interface BlockEntry {
  id: string;
  user: string;
  reason: string;
  blocked_by: string;
  blocked_at: number;
  expire_at: number;
  lifted_at: number;
  lifted_by: string;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

const entryOf = (b: UserBlock): BlockEntry => ({
  id: b.id,
  user: b.user,
  reason: b.reason,
  blocked_by: b.blockedBy,
  blocked_at: seconds(b.blockedAt),
  expire_at: seconds(b.expireAt),
  lifted_at: seconds(b.liftedAt),
  lifted_by: b.liftedBy,
});

function blockingOf(ctx: ApiContext): UserBlocking {
  const blocking = ctx.node.deps.blocking;
  if (!blocking) throw new ApiError(ApiErrorCode.notAvailable, 'user blocking is not available on this server');
  return blocking;
}

/** Runs a store operation; a store that can't answer is the server's trouble (100), said plainly and logged once. */
async function stored<T>(ctx: ApiContext, op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BadCursorError) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${err.message}`);
    ctx.log.error({ err, op }, 'moderation store failed');
    throw new ApiError(ApiErrorCode.internal, 'moderation store unavailable: retry later');
  }
}

/** Tells every node (this one included), which disconnects the user's sessions there. */
async function broadcast(ctx: ApiContext, notice: BlockNotice): Promise<void> {
  try {
    await ctx.node.control.block(notice);
  } catch (err) {
    // Stored and in force here; other nodes pick it up when they next reload their block set.
    ctx.log.error({ err, kind: notice.kind }, 'block notice could not be sent to other nodes');
    throw new ApiError(ApiErrorCode.internal, `${notice.kind} stored, but other nodes could not be told yet: retry`);
  }
}

/** Centrifugo PRO's `block_user`: the user's sessions end on every node, and connects are refused until it lapses or is lifted. */
export async function blockUser(ctx: ApiContext, req: BlockUserRequest): Promise<Record<string, never>> {
  const blocking = blockingOf(ctx);
  const expireAt = req.expire_at * 1000;
  if (expireAt !== 0 && expireAt <= ctx.node.clock.now()) throw new ApiError(ApiErrorCode.badRequest, 'bad request: expire_at is in the past (Unix seconds expected)');
  const notice = await stored(ctx, 'block_user', () => blocking.block({ user: req.user, expireAt, reason: req.reason, by: ctx.caller }));
  await broadcast(ctx, notice);
  return {};
}

/** Centrifugo PRO's `unblock_user`; unblocking a user who is not blocked is no error. */
export async function unblockUser(ctx: ApiContext, req: UnblockUserRequest): Promise<Record<string, never>> {
  const blocking = blockingOf(ctx);
  const { notice } = await stored(ctx, 'unblock_user', () => blocking.unblock(req.user, ctx.caller));
  await broadcast(ctx, notice);
  return {};
}

/** Parsec's `blocked_users`: blocks in force, or with `history` every block kept; newest first, paged by `cursor`. */
export async function blockedUsers(ctx: ApiContext, req: BlockedUsersRequest): Promise<{ blocks: BlockEntry[]; next_cursor?: string }> {
  const blocking = blockingOf(ctx);
  const page = await stored(ctx, 'blocked_users', () => blocking.list({ user: req.user, history: req.history, limit: req.limit, cursor: req.cursor }));
  return { blocks: page.blocks.map(entryOf), next_cursor: page.nextCursor || undefined };
}
