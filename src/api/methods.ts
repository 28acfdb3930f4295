import type { z } from 'zod';
import type { ApiContext } from './context.js';
import { ApiError, ApiErrorCode, apiErrorCode, asApiError } from './errors.js';
import { channels, history, historyRemove, presence, presenceStats } from './executors/channel-queries.js';
import { connections, connectionsSnapshot } from './executors/connections.js';
import { blockedUsers, blockUser, unblockUser } from './executors/blocks.js';
import { info } from './executors/info.js';
import { activityChannels, activitySessions } from './executors/activity.js';
import { rateLimit, rateLimitsGet, rateLimitsSet } from './executors/rate-limits.js';

import { mapClear, mapPublish, mapReadState, mapReadStream, mapRemove, mapStats } from './executors/map.js';
import { broadcast, publish } from './executors/publish.js';
import { disconnect, refresh, subscribe, unsubscribe } from './executors/user-ops.js';
import { sharedPollPublish } from './executors/shared-poll.js';
import * as s from './schemas.js';

interface Method<S extends z.ZodType> {
  schema: S;
  run(ctx: ApiContext, req: z.infer<S>): Promise<unknown>;
}

const method = <S extends z.ZodType>(schema: S, run: (ctx: ApiContext, req: z.infer<S>) => Promise<unknown>): Method<S> => ({ schema, run });

/**
 * Every server API method, by its wire name. HTTP (`/api/<name>`, legacy `/api`),
 * batch and gRPC all dispatch through this one table.
 */
export const methods = {
  publish: method(s.publishRequest, publish),
  broadcast: method(s.broadcastRequest, broadcast),
  subscribe: method(s.subscribeRequest, subscribe),
  unsubscribe: method(s.unsubscribeRequest, unsubscribe),
  disconnect: method(s.disconnectRequest, disconnect),
  refresh: method(s.refreshRequest, refresh),
  presence: method(s.channelRequest, presence),
  presence_stats: method(s.channelRequest, presenceStats),
  history: method(s.historyRequest, history),
  history_remove: method(s.channelRequest, historyRemove),
  channels: method(s.channelsRequest, channels),
  info: method(s.infoRequest, info),
  connections: method(s.connectionsRequest, connections),
  connections_snapshot: method(s.connectionsSnapshotRequest, connectionsSnapshot),
  block_user: method(s.blockUserRequest, blockUser),
  unblock_user: method(s.unblockUserRequest, unblockUser),
  blocked_users: method(s.blockedUsersRequest, blockedUsers),
  rate_limit: method(s.rateLimitRequest, rateLimit),
  rate_limits_get: method(s.rateLimitsGetRequest, rateLimitsGet),
  rate_limits_set: method(s.rateLimitsSetRequest, rateLimitsSet),

  map_publish: method(s.mapPublishRequest, mapPublish),
  map_remove: method(s.mapRemoveRequest, mapRemove),
  map_read_state: method(s.mapReadStateRequest, mapReadState),
  map_read_stream: method(s.mapReadStreamRequest, mapReadStream),
  map_stats: method(s.mapChannelRequest, mapStats),
  map_clear: method(s.mapChannelRequest, mapClear),
  shared_poll_publish: method(s.sharedPollPublishRequest, sharedPollPublish),
  activity_sessions: method(s.activitySessionsRequest, activitySessions),
  activity_channels: method(s.activityChannelsRequest, activityChannels),
  rpc: method(s.rpcRequest, async () => {
    // No server-side RPC extensions exist yet.
    throw new ApiError(ApiErrorCode.notFound);
  }),
} as const;

export type MethodName = keyof typeof methods | 'batch';

export function isMethod(name: string): name is MethodName {
  return name === 'batch' || Object.hasOwn(methods, name);
}

function validate<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new ApiError(ApiErrorCode.badRequest, `bad request: ${field ? `${field}: ` : ''}${issue.message}`);
}

const MAX_PARALLEL = 1024;

interface BatchReply {
  [method: string]: unknown;
  error?: ApiError;
}

/** Runs a batch: each command is `{"<method>": params}`; replies keep the input order. */
async function batch(ctx: ApiContext, params: unknown): Promise<{ replies: BatchReply[] }> {
  if (typeof params !== 'object' || params === null) throw new ApiError(ApiErrorCode.badRequest, 'bad request: expected an object');
  // An absent `commands` is an empty batch, as protobuf decodes an empty repeated field.
  const { commands = [], parallel } = params as { commands?: unknown; parallel?: unknown };
  if (!Array.isArray(commands)) throw new ApiError(ApiErrorCode.badRequest, 'bad request: commands: expected an array');
  const runOne = async (cmd: unknown): Promise<BatchReply> => {
    if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return { error: new ApiError(ApiErrorCode.badRequest, 'bad request: a batch command must be an object such as {"publish": {…}}') };
    const name = Object.keys(cmd).find((k) => Object.hasOwn(methods, k));
    if (!name) return { error: new ApiError(ApiErrorCode.notFound) };
    try {
      // A result without fields is still present (`{"subscribe": {}}`), as in Centrifugo's Reply.
      return { [name]: (await execute(ctx, name, (cmd as Record<string, unknown>)[name])) ?? {} };
    } catch (err) {
      return { error: asApiError(ctx, err) };
    }
  };
  if (parallel !== true) {
    const replies: BatchReply[] = [];
    for (const cmd of commands) replies.push(await runOne(cmd));
    return { replies };
  }
  const replies = new Array<BatchReply>(commands.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < commands.length) {
      const i = next++;
      replies[i] = await runOne(commands[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL, commands.length) }, worker));
  return { replies };
}

/**
 * Validates params and runs one method. Throws ApiError. Every known method is counted and
 * timed (`centrifugo_api_*`), a batch's commands each on their own as in Centrifugo.
 */
export async function execute(ctx: ApiContext, name: string, params: unknown): Promise<unknown> {
  if (name !== 'batch' && !Object.hasOwn(methods, name)) throw new ApiError(ApiErrorCode.notFound);
  const metrics = ctx.node.metrics.api;
  const started = performance.now();
  try {
    if (name === 'batch') return await batch(ctx, params);
    const m = methods[name as keyof typeof methods] as Method<z.ZodType>;
    return await m.run(ctx, validate(m.schema, params));
  } catch (err) {
    metrics.error(ctx.protocol, name, apiErrorCode(err));
    throw err;
  } finally {
    metrics.observe(ctx.protocol, name, (performance.now() - started) / 1000);
  }
}
