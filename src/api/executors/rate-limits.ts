import { RateLimitSettingsError, rateLimitsToWire, type RateLimits } from '../../moderation/index.js';
import { RawPayload, type ApiContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { RateLimitRequest, RateLimitsSetRequest } from '../schemas.js';

function limitsOf(ctx: ApiContext): RateLimits {
  const limits = ctx.node.deps.rateLimits;
  if (!limits) throw new ApiError(ApiErrorCode.notAvailable, 'rate limits are not available on this server');
  return limits;
}

interface RateLimitResult {
  allowed: boolean;
  tokens_left: number;
  allowed_in?: number;
  server_time?: number;
}

/**
 * Centrifugo PRO's distributed `rate_limit`: one token bucket per key, its spec in the
 * request (`interval` ms, `rate` tokens, `score` taken, default 1); in Redis with a Redis
 * engine, else in this node. A refusal says when the request would pass.
 */
export async function rateLimit(ctx: ApiContext, req: RateLimitRequest): Promise<RateLimitResult> {
  let v;
  try {
    v = await limitsOf(ctx).rateLimit(req.key, { interval: req.interval, rate: req.rate }, req.score);
  } catch (err) {
    ctx.log.error({ err }, 'rate limit store failed');
    throw new ApiError(ApiErrorCode.internal, 'rate limit store unavailable: retry later');
  }
  return v.allowed ? { allowed: true, tokens_left: v.tokensLeft } : { allowed: false, tokens_left: v.tokensLeft, allowed_in: v.allowedIn, server_time: v.serverTime };
}

/** Parsec's `rate_limits_get`: the settings in force (file values with live overrides), the overrides, and this node's refusal counts. */
export async function rateLimitsGet(ctx: ApiContext): Promise<Record<string, unknown>> {
  const limits = limitsOf(ctx);
  const { config, stored } = limits.current();
  const hits = [...limits.hitCounts()].map(({ layer, command, dryRun, count }) => ({ layer, command, dry_run: dryRun, count }));
  // As raw JSON, so gRPC carries them as `bytes` like any payload and HTTP shows them as they are.
  const json = (v: unknown): RawPayload => new RawPayload(Buffer.from(JSON.stringify(v)));
  return {
    settings: json(rateLimitsToWire(config)),
    overrides: json(stored?.settings ?? {}),
    updated_at: stored ? Math.floor(stored.updatedAt / 1000) : undefined,
    updated_by: stored?.updatedBy,
    hits,
  };
}

/**
 * Parsec's `rate_limits_set`: replaces the live overrides (each layer given replaces the
 * file's as a whole; `{}` returns to the file), stores them and applies them on every node.
 */
export async function rateLimitsSet(ctx: ApiContext, req: RateLimitsSetRequest): Promise<Record<string, never>> {
  const limits = limitsOf(ctx);
  let notice;
  try {
    notice = await limits.set(req.settings, ctx.caller);
  } catch (err) {
    if (err instanceof RateLimitSettingsError) throw new ApiError(ApiErrorCode.badRequest, `bad request: ${err.message}`);
    ctx.log.error({ err }, 'moderation store failed');
    throw new ApiError(ApiErrorCode.internal, 'moderation store unavailable: retry later');
  }
  try {
    await ctx.node.control.rateLimits(notice);
  } catch (err) {
    ctx.log.error({ err }, 'rate limit notice could not be sent to other nodes');
    throw new ApiError(ApiErrorCode.internal, 'rate limits stored, but other nodes could not be told yet: retry');
  }
  return {};
}
