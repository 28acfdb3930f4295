import { z } from 'zod';
import { ClientError, DisconnectError } from '../protocol/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';
import type { ProxyKind } from './requests.js';
import type {
  ConnectOutcome,
  MapPublishOutcome,
  MapRemoveOutcome,
  ProxySubscription,
  PublishOutcome,
  RefreshOutcome,
  RpcOutcome,
  SharedPollRefreshOutcome,
  SubRefreshOutcome,
  SubscriptionOverride,
} from './types.js';

/*
 * Backend replies in the shape of Centrifugo's proxy.proto, after the transport decoded
 * them (byte fields as Uint8Array). Each is `{result}`, `{error}` or `{disconnect}`;
 * anything else is malformed.
 */

const bytes = z
  .instanceof(Uint8Array)
  .nullish()
  .transform((b) => (b && b.length > 0 ? b : undefined));

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const b64 = z
  .string()
  .nullish()
  .refine((s) => !s || (BASE64.test(s) && s.length % 4 === 0), { message: 'expected base64' })
  .transform((s) => (s ? new Uint8Array(Buffer.from(s, 'base64')) : undefined));

// int64 arrives as a number from JSON and from gRPC (longs: Number); a string is accepted too.
const unixSeconds = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)])
  .nullish()
  .transform((n) => Math.max(0, n ?? 0));

const flag = z.boolean().nullish().transform((b) => b ?? false);
const stringMap = z.record(z.string(), z.string()).nullish();
// uint64 arrives as a number (JSON, gRPC with longs: Number); a string is accepted too.
const version = z
  .union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)])
  .nullish()
  .transform((n) => n ?? 0);

const boolValue = z.object({ value: z.boolean().nullish() }).nullish();

const overrideSchema = z
  .object({
    presence: boolValue,
    join_leave: boolValue,
    force_recovery: boolValue,
    force_positioning: boolValue,
    force_push_join_leave: boolValue,
  })
  .nullish()
  .transform((o): SubscriptionOverride | undefined => {
    if (!o) return undefined;
    // A BoolValue without `value` is proto3's encoding of false.
    const v = (b: { value?: boolean | null } | null | undefined): boolean | undefined => (b ? (b.value ?? false) : undefined);
    return {
      presence: v(o.presence),
      joinLeave: v(o.join_leave),
      forceRecovery: v(o.force_recovery),
      forcePositioning: v(o.force_positioning),
      forcePushJoinLeave: v(o.force_push_join_leave),
    };
  });

const subscriptionSchema = z
  .object({ expire_at: unixSeconds, info: bytes, b64info: b64, data: bytes, b64data: b64, override: overrideSchema })
  .transform((r): ProxySubscription => ({ expireAt: r.expire_at, info: r.info ?? r.b64info, data: r.data ?? r.b64data, override: r.override }));

const connectResult = z
  .object({
    user: z.string().nullish(),
    expire_at: unixSeconds,
    info: bytes,
    b64info: b64,
    data: bytes,
    b64data: b64,
    channels: z.array(z.string()).nullish(),
    subs: z.record(z.string(), subscriptionSchema).nullish(),
    meta: bytes,
    labels: stringMap,
  })
  .transform(
    (r): ConnectOutcome => ({
      user: r.user ?? '',
      expireAt: r.expire_at,
      info: r.info ?? r.b64info,
      data: r.data ?? r.b64data,
      channels: r.channels ?? [],
      subs: new Map(Object.entries(r.subs ?? {})),
      meta: r.meta,
      labels: r.labels ?? undefined,
    }),
  );

const refreshResult = z
  .object({ expired: flag, expire_at: unixSeconds, info: bytes, b64info: b64, meta: bytes })
  .transform((r): RefreshOutcome => ({ expired: r.expired, expireAt: r.expire_at, info: r.info ?? r.b64info, meta: r.meta }));

const publishResult = z
  .object({ data: bytes, b64data: b64, skip_history: flag, tags: stringMap, idempotency_key: z.string().nullish(), delta: flag })
  .transform(
    (r): PublishOutcome => ({
      data: r.data ?? r.b64data,
      skipHistory: r.skip_history,
      tags: r.tags && Object.keys(r.tags).length > 0 ? r.tags : undefined,
      idempotencyKey: r.idempotency_key || undefined,
      delta: r.delta,
    }),
  );

const mapPublishResult = z
  .object({
    key: z.string().nullish(),
    data: bytes,
    b64data: b64,
    tags: stringMap,
    key_mode: z.enum(['', 'if_new', 'if_exists']).nullish(),
    idempotency_key: z.string().nullish(),
    delta: flag,
    version,
    version_epoch: z.string().nullish(),
  })
  .transform(
    (r): MapPublishOutcome => ({
      key: r.key || undefined,
      data: r.data ?? r.b64data,
      tags: r.tags && Object.keys(r.tags).length > 0 ? r.tags : undefined,
      keyMode: r.key_mode ?? '',
      idempotencyKey: r.idempotency_key || undefined,
      delta: r.delta,
      version: r.version,
      versionEpoch: r.version_epoch || undefined,
    }),
  );

const mapRemoveResult = z
  .object({ key: z.string().nullish(), idempotency_key: z.string().nullish() })
  .transform((r): MapRemoveOutcome => ({ key: r.key || undefined, idempotencyKey: r.idempotency_key || undefined }));

const rpcResult = z.object({ data: bytes, b64data: b64 }).transform((r): RpcOutcome => ({ data: r.data ?? r.b64data }));

const subRefreshResult = z
  .object({ expired: flag, expire_at: unixSeconds, info: bytes, b64info: b64 })
  .transform((r): SubRefreshOutcome => ({ expired: r.expired, expireAt: r.expire_at, info: r.info ?? r.b64info }));

const sharedPollItem = z.object({ key: z.string(), data: bytes, version, removed: flag, prev_data: bytes });

const sharedPollRefreshResult = z
  .object({ items: z.array(sharedPollItem).nullish(), epoch: z.string().nullish() })
  .transform(
    (r): SharedPollRefreshOutcome => ({
      items: (r.items ?? []).map((i) => ({ key: i.key, data: i.data, version: i.version, removed: i.removed, prevData: i.prev_data })),
      epoch: r.epoch ?? '',
    }),
  );

const results = {
  connect: connectResult,
  refresh: refreshResult,
  subscribe: subscriptionSchema,
  publish: publishResult,
  map_publish: mapPublishResult,
  map_remove: mapRemoveResult,
  rpc: rpcResult,
  sub_refresh: subRefreshResult,
  shared_poll_refresh: sharedPollRefreshResult,
} as const;

/** The result of each call, as node/ sees it. */
export type ResultOf = { [K in ProxyKind]: z.output<(typeof results)[K]> };

const errorSchema = z.object({ code: z.number().int().min(0), message: z.string().nullish(), temporary: z.boolean().nullish() });

// Disconnect codes end up as WebSocket close codes, which must be 3000–4999 here.
const disconnectSchema = z.object({ code: z.number().int().min(3000).max(4999), reason: z.string().nullish() });

const envelope = <T extends z.ZodType>(result: T) =>
  z.object({ result: result.nullish(), error: errorSchema.nullish(), disconnect: disconnectSchema.nullish() });

// Built once: zod schemas are not free to construct.
const envelopes = {
  connect: envelope(connectResult),
  refresh: envelope(refreshResult),
  subscribe: envelope(subscriptionSchema),
  publish: envelope(publishResult),
  map_publish: envelope(mapPublishResult),
  map_remove: envelope(mapRemoveResult),
  rpc: envelope(rpcResult),
  sub_refresh: envelope(subRefreshResult),
  shared_poll_refresh: envelope(sharedPollRefreshResult),
} as const;

/**
 * The result of a decoded reply; the backend's `disconnect` or `error` is thrown as the
 * protocol error the client gets. A reply without any of the three gives undefined.
 * @throws ProxyCallError (malformed) when the reply is not shaped as proxy.proto says
 */
export function settle<K extends ProxyKind>(kind: K, reply: unknown): ResultOf[K] | undefined {
  const parsed = envelopes[kind].safeParse(reply);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProxyCallError(ProxyCallErrorCode.malformed, `${issue.path.join('.') || 'reply'}: ${issue.message}`);
  }
  const { result, error, disconnect } = parsed.data;
  if (disconnect) throw new DisconnectError(disconnect.code, disconnect.reason || undefined);
  if (error) throw new ClientError(error.code, error.message ?? '', error.temporary ?? false);
  // zod keeps the union of all kinds' outputs here; `envelopes[kind]` produced this one.
  return (result ?? undefined) as ResultOf[K] | undefined;
}
