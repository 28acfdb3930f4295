import { resolveSharedPollOptions } from '../../config/index.js';
import type { ApiContext } from '../context.js';
import { resolveChannel } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { payloadOf } from '../payload.js';
import type { SharedPollPublishRequest } from '../schemas.js';

/**
 * Pushes one item of a shared-poll channel now instead of at the next poll: connections
 * on this node tracking the key at an older version get it, and the next timed poll skips
 * the key. Only for versioned namespaces with `publish_enabled`.
 */
export async function sharedPollPublish(ctx: ApiContext, req: SharedPollPublishRequest): Promise<Record<string, never>> {
  const ch = resolveChannel(ctx, req.channel);
  if (ch.options.subscriptionType !== 'shared_poll') throw new ApiError(ApiErrorCode.badRequest, 'bad request: channel is not a shared_poll channel');
  if (!ch.options.sharedPoll.publishEnabled) throw new ApiError(ApiErrorCode.notAvailable, 'not available: shared_poll.publish_enabled is off for this channel');
  const data = payloadOf(req.data, req.b64data, 'data');
  if (!data || data.length === 0) throw new ApiError(ApiErrorCode.badRequest, 'bad request: data required');
  await ctx.node.sharedPoll.publishEverywhere(ch.channel, resolveSharedPollOptions(ch.options.sharedPoll), req.key, req.version, req.epoch, data);
  return {};
}
