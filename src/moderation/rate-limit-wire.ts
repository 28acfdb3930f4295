import { formatDuration, type BucketConfig, type CommandLayerConfig, type RateLimitConfig } from '../config/index.js';

/** Rate-limit settings back in their config-file form (snake_case, durations as "1s"), as `rate_limits_get` shows them. */
export function rateLimitsToWire(c: RateLimitConfig): Record<string, unknown> {
  const buckets = (bs: readonly BucketConfig[]) => bs.map((b) => ({ interval: formatDuration(b.interval), rate: b.rate }));
  const group = (g: { enabled: boolean; buckets: readonly BucketConfig[] }) => ({ enabled: g.enabled, buckets: buckets(g.buckets) });
  const channel = (g: CommandLayerConfig['publish']) => ({
    ...group(g),
    namespace_overrides: g.namespaceOverrides.map((o) => ({ namespace_name: o.namespace_name, enabled: o.enabled, buckets: buckets(o.buckets) })),
  });
  const layer = (l: CommandLayerConfig) => ({
    enabled: l.enabled,
    dry_run: l.dryRun,
    total: group(l.total),
    default: group(l.default),
    connect: group(l.connect),
    subscribe: channel(l.subscribe),
    unsubscribe: channel(l.unsubscribe),
    publish: channel(l.publish),
    history: channel(l.history),
    presence: channel(l.presence),
    presence_stats: channel(l.presenceStats),
    refresh: group(l.refresh),
    sub_refresh: channel(l.subRefresh),
    rpc: { ...group(l.rpc), method_overrides: l.rpc.methodOverrides.map((o) => ({ method: o.method, enabled: o.enabled, buckets: buckets(o.buckets) })) },
    map_publish: channel(l.mapPublish),
    map_remove: channel(l.mapRemove),
    track: channel(l.track),
    untrack: channel(l.untrack),
  });
  return {
    client_command: { ...layer(c.clientCommand), disconnect_on_accounted_limit: c.clientCommand.disconnectOnAccountedLimit },
    user_command: layer(c.userCommand),
    redis_user_command: layer(c.redisUserCommand),
    client_error: { enabled: c.clientError.enabled, dry_run: c.clientError.dryRun, total: group(c.clientError.total) },
    ip_connect: { enabled: c.ipConnect.enabled, dry_run: c.ipConnect.dryRun, buckets: buckets(c.ipConnect.buckets), max_tracked_ips: c.ipConnect.maxTrackedIps, max_concurrent_per_ip: c.ipConnect.maxConcurrentPerIp },
  };
}
