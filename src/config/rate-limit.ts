import { z } from 'zod';
import { durationMs } from './duration.js';
import { bool, int, section } from './fields.js';

/*
 * `client.rate_limit`, Centrifugo PRO's shape: layers of token buckets, each bucket
 * `{interval, rate}` (rate tokens per interval, at most rate at once). The same schema checks
 * the file and the live settings of `rate_limits_set`.
 */

/** One token bucket: `rate` commands per `interval` (1s–1h, as Centrifugo PRO bounds it). */
const bucket = z.object({
  interval: z.unknown().transform((v, ctx) => {
    const ms = durationMs(v);
    if (ms !== undefined && ms >= 1000 && ms <= 3_600_000) return ms;
    ctx.addIssue({ code: 'custom', message: 'expected a duration from "1s" to "1h"', input: v });
    return z.NEVER;
  }),
  rate: z.int().min(1),
});

const buckets = () => z.array(bucket).default(() => []);

/** A set of buckets that all must allow a command; off unless `enabled`. */
const bucketGroup = section({ enabled: bool(), buckets: buckets() });

const rpcGroup = section({
  enabled: bool(),
  buckets: buckets(),
  // Per RPC method; an override without buckets uses `default`, as in Centrifugo PRO.
  method_overrides: z.array(z.object({ method: z.string().min(1), enabled: z.boolean().default(false), buckets: buckets() })).default(() => []),
});

/**
 * A channel command's buckets, and per channel namespace buckets that replace them for that
 * namespace's channels (an override without buckets uses `default`, as in Centrifugo PRO).
 */
const channelGroup = section({
  enabled: bool(),
  buckets: buckets(),
  namespace_overrides: z.array(z.object({ namespace_name: z.string().min(1), enabled: z.boolean().default(false), buckets: buckets() })).default(() => []),
});

/** The commands a layer can limit, each with its own buckets (`default` for those not given). */
const commandBuckets = {
  total: bucketGroup,
  default: bucketGroup,
  connect: bucketGroup,
  subscribe: channelGroup,
  unsubscribe: channelGroup,
  publish: channelGroup,
  history: channelGroup,
  presence: channelGroup,
  presence_stats: channelGroup,
  refresh: bucketGroup,
  sub_refresh: channelGroup,
  rpc: rpcGroup,
  // Map subscriptions' writes (a `publish` to a map channel, or its removal of a key) and
  // shared poll's `track`/`untrack` (sent as `sub_refresh` with a type).
  map_publish: channelGroup,
  map_remove: channelGroup,
  track: channelGroup,
  untrack: channelGroup,
};

const commandLayer = section({ enabled: bool(), dry_run: bool(), ...commandBuckets });

/** The per-connection layer: the only one that may end a connection (the per-user layers never do, as in Centrifugo PRO). */
const clientCommandLayer = section({
  enabled: bool(),
  dry_run: bool(),
  // An `unsubscribe` or `untrack` over its own buckets is never refused; with this it ends the connection (3503).
  disconnect_on_accounted_limit: bool(),
  ...commandBuckets,
});

export const rateLimitShape = {
  // Per connection, in memory (`connect` does not apply: a connection has no commands before it).
  client_command: clientCommandLayer,
  // Per user on this node, in memory; checked after client_command, before redis_user_command.
  user_command: commandLayer,
  // Per user across the cluster: Redis buckets with a Redis engine, else per node.
  redis_user_command: commandLayer,
  // Client errors per connection; an empty bucket disconnects (3509 too many errors).
  client_error: section({ enabled: bool(), dry_run: bool(), total: bucketGroup }),
  // Connect attempts per client address (after parsec.trusted_proxies); over → HTTP 429.
  // `max_concurrent_per_ip` caps the connections an address holds open at once (0 = no cap).
  ip_connect: section({ enabled: bool(), dry_run: bool(), buckets: buckets(), max_tracked_ips: int(100_000, 1), max_concurrent_per_ip: int(0, 0) }),
};

export const rateLimitSchema = section(rateLimitShape);

/**
 * The live settings `rate_limits_set` takes: any of the layers, each replacing the file's
 * layer of that name as a whole (a layer left out keeps the file's; zod fills it with the
 * defaults, so readers look at which keys were given).
 */
export const rateLimitOverridesSchema = z
  .object({
    client_command: rateLimitShape.client_command.optional(),
    user_command: rateLimitShape.user_command.optional(),
    redis_user_command: rateLimitShape.redis_user_command.optional(),
    client_error: rateLimitShape.client_error.optional(),
    ip_connect: rateLimitShape.ip_connect.optional(),
  })
  .strict();

export type RateLimitConfig = z.output<typeof rateLimitSchema>;
export type RateLimitOverrides = z.output<typeof rateLimitOverridesSchema>;
/** A command layer as the per-user layers have it; `client_command` adds `disconnectOnAccountedLimit`. */
export type CommandLayerConfig = RateLimitConfig['userCommand'];
export type BucketConfig = CommandLayerConfig['total']['buckets'][number];
