import { formatDuration } from './duration.js';
import { mapBrokerRedis, namesRedisServer } from './map-broker.js';
import { redisAddressRule, clientTlsRule } from './redis-rules.js';
import type { RuleViolation } from './rules.js';
import type { ParsedConfig } from './schema.js';
import { MAP_SUBSCRIPTION_TYPES, type ChannelOptions } from './types.js';

/*
 * Checks of map and shared-poll settings that span keys, each one Centrifugo refuses to start
 * with (internal/config/validate.go). Proxy references are checked with the others in rules.ts.
 */

type Section = readonly [at: string, context: string, options: ChannelOptions];

export function mapRules(c: ParsedConfig): RuleViolation | undefined {
  const broker = mapBrokerRule(c);
  if (broker) return broker;
  const sections: Section[] = [
    ['channel.without_namespace', '', c.channel.withoutNamespace],
    ...c.channel.namespaces.map((ns, i): Section => [`channel.namespaces[${i}]`, `namespace ${JSON.stringify(ns.name)}: `, ns]),
  ];
  for (const section of sections) {
    const broken = mapSection(section) ?? sharedPollSection(c, section) ?? presencePrefixes(c, section);
    if (broken) return broken;
  }
  return undefined;
}

function mapBrokerRule(c: ParsedConfig): RuleViolation | undefined {
  if (c.mapBroker.type === 'postgres') {
    return { key: 'map_broker.type', detail: 'the postgres map broker is not supported by Parsec; use "memory" or "redis"' };
  }
  if (c.mapBroker.type !== 'redis') return undefined;
  const own = c.mapBroker.redis;
  const broken = redisAddressRule(own, 'map_broker.redis');
  if (broken) return broken;
  const reused = !namesRedisServer(own) && c.engine.type === 'redis';
  if (reused && !namesRedisServer(mapBrokerRedis(c))) {
    return { key: 'map_broker.redis.address', detail: 'no Redis address: map_broker.redis names none and engine.redis, whose Redis it would use, names none either' };
  }
  return clientTlsRule(mapBrokerRedis(c), reused ? 'engine.redis' : 'map_broker.redis');
}

function mapSection([at, context, o]: Section): RuleViolation | undefined {
  const m = o.map;
  const key = (k: string): string => `${at}.map.${k}`;
  const isMap = MAP_SUBSCRIPTION_TYPES.has(o.subscriptionType);
  if (isMap && m.mode === '') {
    return { key: key('mode'), detail: `${context}required when subscription_type is "${o.subscriptionType}": "ephemeral", "recoverable" or "persistent"` };
  }
  if ((m.mode === 'ephemeral' || m.mode === 'recoverable') && m.keyTtl === 0) {
    return { key: key('key_ttl'), detail: `${context}required when map.mode is "${m.mode}" (keys expire after it)` };
  }
  if (m.mode === 'persistent' && m.keyTtl !== 0) {
    return { key: key('key_ttl'), detail: `${context}must not be set when map.mode is "persistent" (entries don't expire)` };
  }
  if (m.mode === 'persistent' && (o.subscriptionType === 'map_clients' || o.subscriptionType === 'map_users')) {
    return {
      key: key('mode'),
      detail: `${context}"persistent" is not allowed with subscription_type "${o.subscriptionType}": presence entries need TTL cleanup; use "ephemeral" or "recoverable"`,
    };
  }
  if (m.mode === 'ephemeral') {
    for (const [k, v] of [['stream_size', m.streamSize], ['stream_ttl', m.streamTtl], ['meta_ttl', m.metaTtl]] as const) {
      if (v !== 0) return { key: key(k), detail: `${context}must be 0 for map.mode "ephemeral" (it keeps no stream)` };
    }
  }
  if (m.metaTtl !== 0 && (m.mode === 'recoverable' || m.mode === 'persistent')) {
    const streamTtl = m.streamTtl || 60_000;
    if (m.metaTtl < streamTtl) {
      return { key: key('meta_ttl'), detail: `${context}(${formatDuration(m.metaTtl)}) must be at least map.stream_ttl (${formatDuration(streamTtl)}): the meta must outlive the stream` };
    }
    if (m.metaTtl < m.keyTtl) {
      return { key: key('meta_ttl'), detail: `${context}(${formatDuration(m.metaTtl)}) must be at least map.key_ttl (${formatDuration(m.keyTtl)})` };
    }
  }
  if (m.removeClientOnUnsubscribe && !isMap) {
    return { key: key('remove_client_on_unsubscribe'), detail: `${context}needs subscription_type "map", "map_clients" or "map_users"` };
  }
  if (m.clientKey !== '' && (m.publishProxyEnabled || m.removeProxyEnabled)) {
    const proxy = m.publishProxyEnabled ? 'publish_proxy_enabled' : 'remove_proxy_enabled';
    return { key: key('client_key'), detail: `${context}not compatible with map.${proxy}: the proxy decides the key when enabled` };
  }
  const { minPageSize: min, maxPageSize: max, defaultPageSize: def } = m;
  if (min > 0 && max > 0 && min > max) return { key: key('min_page_size'), detail: `${context}(${min}) must not exceed map.max_page_size (${max})` };
  if (def > 0 && max > 0 && def > max) return { key: key('default_page_size'), detail: `${context}(${def}) must not exceed map.max_page_size (${max})` };
  if (def > 0 && min > 0 && def < min) return { key: key('default_page_size'), detail: `${context}(${def}) must not be below map.min_page_size (${min})` };
  return undefined;
}

function sharedPollSection(c: ParsedConfig, [at, context, o]: Section): RuleViolation | undefined {
  if (o.subscriptionType !== 'shared_poll') return undefined;
  if (c.sharedPoll.hmacSecretKey === '') {
    return { key: 'shared_poll.hmac_secret_key', detail: `required: ${context || 'channels without namespace: '}subscription_type is "shared_poll" (${at})` };
  }
  const p = o.sharedPoll;
  if (p.publishEnabled && p.mode !== 'versioned') {
    return { key: `${at}.shared_poll.publish_enabled`, detail: `${context}needs shared_poll.mode "versioned": publishes carry explicit versions` };
  }
  return undefined;
}

/**
 * A presence prefix names the channel presence is kept in: prefix + channel. Its namespace
 * (the prefix up to the boundary, or channels without namespace) must exist with the matching type.
 */
function presencePrefixes(c: ParsedConfig, [at, context, o]: Section): RuleViolation | undefined {
  const prefixes = [
    ['map_clients_presence_channel_prefix', o.mapClientsPresenceChannelPrefix, 'map_clients'],
    ['map_users_presence_channel_prefix', o.mapUsersPresenceChannelPrefix, 'map_users'],
  ] as const;
  for (const [k, prefix, expected] of prefixes) {
    if (prefix === '') continue;
    const boundary = c.channel.namespaceBoundary;
    const cut = prefix.indexOf(boundary);
    const name = cut >= 0 ? prefix.slice(0, cut) : '';
    const target = name === '' ? c.channel.withoutNamespace : c.channel.namespaces.find((ns) => ns.name === name);
    const where = name === '' ? 'channels without namespace' : `namespace ${JSON.stringify(name)}`;
    if (!target) return { key: `${at}.${k}`, detail: `${context}${JSON.stringify(prefix)} resolves to ${where}, which does not exist` };
    if (target.subscriptionType !== expected) {
      return {
        key: `${at}.${k}`,
        detail: `${context}${JSON.stringify(prefix)} resolves to ${where}, whose subscription_type must be "${expected}" (it is "${target.subscriptionType}")`,
      };
    }
  }
  return undefined;
}
