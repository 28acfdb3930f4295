import { z } from 'zod';

/**
 * Server API requests in their wire form (snake_case, as Centrifugo's api.proto
 * names them in JSON). Unknown fields are ignored, like protobuf JSON does.
 */

const json = z.unknown();
const int = z.number().int();
const uint = z.number().int().min(0);
const position = z.object({ offset: uint.default(0), epoch: z.string().default('') });
const boolValue = z.object({ value: z.boolean() }).optional();

const publishFields = {
  data: json.optional(),
  b64data: z.string().optional(),
  skip_history: z.boolean().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  idempotency_key: z.string().max(256).optional(),
  delta: z.boolean().optional(),
  version: uint.optional(),
  version_epoch: z.string().optional(),
};

/**
 * `data` or its base64 twin `b64data` must be given. A refinement has no JSON Schema form, so
 * the OpenAPI document learns the same rule from the `anyOf` set beside the check.
 */
const withPayload = <T extends z.ZodObject<typeof publishFields>>(o: T): T =>
  o.refine((r) => r.data !== undefined || r.b64data !== undefined, { message: 'data required' }).meta({ anyOf: [{ required: ['data'] }, { required: ['b64data'] }] });

export const publishRequest = withPayload(z.object({ channel: z.string().min(1, 'channel required'), ...publishFields }));
export const broadcastRequest = withPayload(z.object({ channels: z.array(z.string().min(1)).min(1, 'channels required'), ...publishFields }));

// A FilterNode is checked by filter/compileFilter, which names the bad node; here it only
// has to be an object (recursing in zod would let a deep nesting exhaust the stack).
const labelFilter = z.record(z.string(), z.unknown()).optional();

const targeting = {
  user: z.string().default(''),
  client: z.string().default(''),
  session: z.string().default(''),
  all_users: z.boolean().default(false),
  label_filter: labelFilter,
};

export const subscribeRequest = z.object({
  channel: z.string().min(1, 'channel required'),
  ...targeting,
  expire_at: int.min(0).optional(),
  info: json.optional(),
  b64info: z.string().optional(),
  data: json.optional(),
  b64data: z.string().optional(),
  recover_since: position.optional(),
  override: z
    .object({
      presence: boolValue,
      join_leave: boolValue,
      force_recovery: boolValue,
      force_positioning: boolValue,
      force_push_join_leave: boolValue,
    })
    .optional(),
});

export const unsubscribeRequest = z.object({ channel: z.string().min(1, 'channel required'), ...targeting });

export const disconnectRequest = z.object({
  ...targeting,
  disconnect: z.object({ code: int.min(3000).max(4999), reason: z.string().max(123).default('') }).optional(),
  whitelist: z.array(z.string()).default([]),
});

export const refreshRequest = z.object({
  ...targeting,
  expired: z.boolean().default(false),
  expire_at: int.min(0).optional(),
  info: json.optional(),
  b64info: z.string().optional(),
});

export const channelRequest = z.object({ channel: z.string().min(1, 'channel required') });

export const historyRequest = z.object({
  channel: z.string().min(1, 'channel required'),
  limit: int.min(-1).default(0),
  since: position.optional(),
  reverse: z.boolean().default(false),
});

const pageLimit = int.min(1).max(1000);

export const connectionsRequest = z.object({
  user: z.string().default(''),
  label_filter: labelFilter,
  // Centrifugo's name for the selector; here it takes a FilterNode too (CEL strings are refused).
  expression: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  limit: pageLimit.default(100),
  cursor: z.string().default(''),
  snapshot: z.string().default(''),
});

export const connectionsSnapshotRequest = z.object({
  user: z.string().default(''),
  label_filter: labelFilter,
});

export const channelsRequest = z.object({ pattern: z.string().default('') });

// expire_at is Unix seconds, as in Centrifugo PRO; 0 or absent = the block never lapses.
export const blockUserRequest = z.object({ user: z.string().min(1, 'user required'), expire_at: uint.default(0), reason: z.string().max(1024).default('') });
export const unblockUserRequest = z.object({ user: z.string().min(1, 'user required') });
// Centrifugo PRO's distributed rate limit: `interval` in milliseconds.
export const rateLimitRequest = z.object({
  key: z.string().min(1, 'key required'),
  interval: int.min(1, 'interval (ms) required'),
  rate: int.min(1, 'rate required'),
  score: int.min(1).default(1),
});
export const rateLimitsGetRequest = z.object({});
// The layers of `client.rate_limit` to replace; checked against the config schema by moderation/.
export const rateLimitsSetRequest = z.object({ settings: z.record(z.string(), z.unknown()) });
// Times are Unix seconds; 0 = unbounded.
export const activitySessionsRequest = z.object({
  user: z.string().default(''),
  since: uint.default(0),
  until: uint.default(0),
  open_only: z.boolean().default(false),
  limit: pageLimit.default(100),
  cursor: z.string().default(''),
});
export const activityChannelsRequest = z.object({
  since: uint.default(0),
  until: uint.default(0),
  channel_prefix: z.string().default(''),
  top: int.min(1).max(1000).default(20),
});
export const blockedUsersRequest = z.object({
  user: z.string().default(''),
  history: z.boolean().default(false),
  limit: pageLimit.default(100),
  cursor: z.string().default(''),
});
export const infoRequest = z.object({});
export const rpcRequest = z.object({ method: z.string().default(''), params: json.optional() });

const mapChannel = z.string().min(1, 'channel required');
const mapKey = z.string().min(1, 'key required');

export const mapPublishRequest = z.object({
  channel: mapChannel,
  key: mapKey,
  data: json.optional(),
  b64data: z.string().optional(),
  // Centrifugo PRO's separate stream payload and score ordering: accepted, not used.
  stream_data: json.optional(),
  b64stream_data: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  idempotency_key: z.string().max(256).optional(),
  delta: z.boolean().optional(),
  version: uint.optional(),
  version_epoch: z.string().optional(),
  score: int.optional(),
  key_mode: z.enum(['', 'if_new', 'if_exists'], { message: 'expected "", "if_new" or "if_exists"' }).default(''),
});

export const mapRemoveRequest = z.object({ channel: mapChannel, key: mapKey, idempotency_key: z.string().max(256).optional() });

export const mapReadStateRequest = z.object({
  channel: mapChannel,
  cursor: z.string().default(''),
  limit: int.min(-1).default(0),
  key: z.string().default(''),
  asc: z.boolean().default(false),
  revision_offset: uint.default(0),
  revision_epoch: z.string().default(''),
});

export const mapReadStreamRequest = z.object({
  channel: mapChannel,
  since_offset: uint.default(0),
  since_epoch: z.string().default(''),
  limit: int.min(-1).default(0),
  reverse: z.boolean().default(false),
});

export const mapChannelRequest = z.object({ channel: mapChannel });

export type MapPublishRequest = z.infer<typeof mapPublishRequest>;
export type MapRemoveRequest = z.infer<typeof mapRemoveRequest>;
export type MapReadStateRequest = z.infer<typeof mapReadStateRequest>;
export type MapReadStreamRequest = z.infer<typeof mapReadStreamRequest>;
export type MapChannelRequest = z.infer<typeof mapChannelRequest>;
export type PublishRequest = z.infer<typeof publishRequest>;
export type BroadcastRequest = z.infer<typeof broadcastRequest>;
export type SubscribeRequest = z.infer<typeof subscribeRequest>;
export type UnsubscribeRequest = z.infer<typeof unsubscribeRequest>;
export type DisconnectRequest = z.infer<typeof disconnectRequest>;
export type RefreshRequest = z.infer<typeof refreshRequest>;
export type ChannelRequest = z.infer<typeof channelRequest>;
export type HistoryRequest = z.infer<typeof historyRequest>;
export type ChannelsRequest = z.infer<typeof channelsRequest>;
export type ConnectionsRequest = z.infer<typeof connectionsRequest>;
export type ConnectionsSnapshotRequest = z.infer<typeof connectionsSnapshotRequest>;
export type RpcRequest = z.infer<typeof rpcRequest>;
export type BlockUserRequest = z.infer<typeof blockUserRequest>;
export type UnblockUserRequest = z.infer<typeof unblockUserRequest>;
export type BlockedUsersRequest = z.infer<typeof blockedUsersRequest>;
export type ActivitySessionsRequest = z.infer<typeof activitySessionsRequest>;
export type ActivityChannelsRequest = z.infer<typeof activityChannelsRequest>;
export type RateLimitRequest = z.infer<typeof rateLimitRequest>;
export type RateLimitsSetRequest = z.infer<typeof rateLimitsSetRequest>;


export const sharedPollPublishRequest = z.object({
  channel: z.string().min(1, 'channel required'),
  key: z.string().min(1, 'key required'),
  data: json.optional(),
  b64data: z.string().optional(),
  version: z.number().int().min(1, 'version must be greater than 0'),
  epoch: z.string().default(''),
});
export type SharedPollPublishRequest = z.infer<typeof sharedPollPublishRequest>;
