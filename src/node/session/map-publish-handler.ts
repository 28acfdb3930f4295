import type { MapOptions } from '../../config/types.js';
import { ClientError, ErrorCode, type PublishRequest } from '../../protocol/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import { requireMapChannel } from '../channels/map-channel.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';

/**
 * A client's map write (`publish` with type 1): sets `key` to `data`, or removes it with
 * `removed`. Permission by the namespace's `map.allow_{publish,remove}_for_*` options (or
 * `client.insecure`), then the final key: the client's own, or forced to its connection or
 * user id by `map.client_key`.
 */
export async function handleMapPublish(client: Client, ch: ChannelInfo, req: PublishRequest): Promise<HandlerOutcome> {
  const opts = requireMapChannel(ch);
  const m = ch.options.map;
  const removing = req.removed ?? false;
  // Map publish and remove proxies are recognised in the config; Parsec does not call them yet.
  if (removing ? m.removeProxyEnabled : m.publishProxyEnabled) throw new ClientError(ErrorCode.notAvailable);
  if (!mayWrite(client, ch, m, removing)) throw new ClientError(ErrorCode.permissionDenied);
  const key = finalKey(client, m, req.key ?? '');
  if (key === '') throw new ClientError(ErrorCode.badRequest, 'key required');
  const { mapBroker } = client.node;
  if (removing) {
    await mapBroker.remove(ch.channel, key, {}, opts);
    return { reply: { publish: {} } };
  }
  const data = req.data;
  if (!data || data.length === 0) throw new ClientError(ErrorCode.badRequest, 'data required');
  const sub = client.subscriptions.get(ch.channel);
  const info = sub ? sub.info(client.info()) : client.info();
  await mapBroker.publish(ch.channel, key, { data, info, delta: ch.options.deltaPublish }, opts);
  return { reply: { publish: {} } };
}

function mayWrite(client: Client, ch: ChannelInfo, m: MapOptions, removing: boolean): boolean {
  const [forClient, forSubscriber, forAnonymous] = removing
    ? [m.allowRemoveForClient, m.allowRemoveForSubscriber, m.allowRemoveForAnonymous]
    : [m.allowPublishForClient, m.allowPublishForSubscriber, m.allowPublishForAnonymous];
  const identified = client.user !== '' || forAnonymous;
  if (forClient && identified) return true;
  if (forSubscriber && identified && client.subscriptions.get(ch.channel)?.active) return true;
  return client.insecure;
}

function finalKey(client: Client, m: MapOptions, asked: string): string {
  if (m.clientKey === 'client_id') return client.id;
  if (m.clientKey === 'user_id') {
    // An anonymous client has no user id to write under.
    if (client.user === '') throw new ClientError(ErrorCode.permissionDenied);
    return client.user;
  }
  return asked;
}
