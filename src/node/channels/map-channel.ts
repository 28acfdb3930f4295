import { resolveMapOptions, type ResolvedMapOptions } from '../../config/index.js';
import type { ChannelOptions, SubscriptionType } from '../../config/types.js';
import { ClientError, ErrorCode, SubscriptionKind } from '../../protocol/index.js';
import type { ChannelInfo } from './channel-rules.js';

/** Resolved once per namespace options object: they are frozen for the node's life. */
const resolved = new WeakMap<ChannelOptions, ResolvedMapOptions>();

/** The effective map options of a channel's namespace. */
export function mapOptionsOf(ch: ChannelInfo): ResolvedMapOptions {
  let o = resolved.get(ch.options);
  if (!o) {
    o = resolveMapOptions(ch.options.map);
    resolved.set(ch.options, o);
  }
  return o;
}

/** Whether the channel's namespace holds keyed state. */
export function isMapChannel(ch: ChannelInfo): boolean {
  const t = ch.options.subscriptionType;
  return t === 'map' || t === 'map_clients' || t === 'map_users';
}

/** The `SubscribeRequest.type` a namespace's subscribers must send. */
export const requestKindOf: Readonly<Record<SubscriptionType, number>> = {
  stream: SubscriptionKind.stream,
  map: SubscriptionKind.map,
  map_clients: SubscriptionKind.mapClients,
  map_users: SubscriptionKind.mapUsers,
  shared_poll: SubscriptionKind.sharedPoll,
};

/** A map channel for a server API call or a client write: else 107, as Centrifugo answers. */
export function requireMapChannel(ch: ChannelInfo): ResolvedMapOptions {
  if (!isMapChannel(ch)) throw new ClientError(ErrorCode.badRequest, 'not a map channel');
  return mapOptionsOf(ch);
}

/**
 * Why a channel cannot be a server-side subscription (token or connect proxy `channels`/`subs`,
 * the personal channel, the server `subscribe` API), or undefined when it can. Server-side
 * subscriptions are stream subscriptions: Centrifugo makes no map or shared-poll ones, and the
 * SDK has no server-side map or shared-poll subscription to apply them.
 */
export function serverSideRefusal(ch: ChannelInfo): string | undefined {
  const type = ch.options.subscriptionType;
  if (type === 'stream') return undefined;
  return `channel ${JSON.stringify(ch.channel)} is a ${type} channel: it can only be subscribed from the client (server-side subscriptions are stream subscriptions)`;
}
