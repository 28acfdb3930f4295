import type { MapChannelOptions } from '../../engine/map-types.js';
import type { Client } from '../session/client.js';
import type { ChannelInfo } from './channel-rules.js';
import { isMapChannel, mapOptionsOf } from './map-channel.js';
import type { ChannelSubscription } from './subscription.js';

const EMPTY = new Uint8Array(0);

/** A presence channel (prefix + channel) and the options of its namespace, when it is a map one. */
function presenceTarget(client: Client, channel: string): { channel: string; opts: MapChannelOptions } | undefined {
  try {
    const ch = client.node.rules.resolve(channel);
    return isMapChannel(ch) ? { channel, opts: mapOptionsOf(ch) } : undefined;
  } catch {
    // The config check makes prefixes resolve; a name too long for the rules is skipped.
    return undefined;
  }
}

/**
 * Map presence of a live subscription: the client's entry (key = client id, with its info)
 * in the `map_clients` channel and the user's (key = user id) in the `map_users` one, each
 * written only when new and refreshed on the presence tick. On leave the client's entry is
 * removed; a user's entry expires by TTL, as other connections of the user may still be there.
 * With `remove_client_on_unsubscribe` the client's own key in the channel goes too.
 */
export function joinMapPresence(client: Client, ch: ChannelInfo, sub: ChannelSubscription): void {
  const { node } = client;
  const o = ch.options;
  const writes: Array<() => Promise<unknown>> = [];
  const leaves: Array<() => Promise<unknown>> = [];
  const clients = o.mapClientsPresenceChannelPrefix && presenceTarget(client, o.mapClientsPresenceChannelPrefix + ch.channel);
  if (clients) {
    const info = sub.info(client.info());
    writes.push(() => node.mapBroker.publish(clients.channel, client.id, { data: EMPTY, info, keyMode: 'if_new', refreshTtlOnSuppress: true }, clients.opts));
    leaves.push(() => node.mapBroker.remove(clients.channel, client.id, {}, clients.opts));
  }
  const users = o.mapUsersPresenceChannelPrefix && client.user ? presenceTarget(client, o.mapUsersPresenceChannelPrefix + ch.channel) : undefined;
  if (users) {
    writes.push(() => node.mapBroker.publish(users.channel, client.user, { data: EMPTY, keyMode: 'if_new', refreshTtlOnSuppress: true }, users.opts));
  }
  if (o.map.removeClientOnUnsubscribe) leaves.push(() => node.mapBroker.remove(ch.channel, client.id, {}, mapOptionsOf(ch)));
  const run = async (fns: Array<() => Promise<unknown>>): Promise<void> => {
    for (const fn of fns) await fn();
  };
  if (writes.length > 0) {
    sub.onPresenceTick = () => run(writes);
    run(writes).catch((err: unknown) => client.log.error({ err, channel: ch.channel }, 'map presence failed'));
  }
  if (leaves.length > 0) sub.onLeave = () => run(leaves);
}
