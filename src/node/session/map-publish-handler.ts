import type { MapOptions } from '../../config/types.js';
import type { MapChannelOptions } from '../../engine/map-types.js';
import { ClientError, ErrorCode, type ClientInfo, type PublishRequest } from '../../protocol/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import { requireMapChannel } from '../channels/map-channel.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { callerOf } from './proxy-caller.js';

const DONE: HandlerOutcome = { reply: { publish: {} } };

/**
 * A client's map write (`publish` with type 1): sets `key` to `data`, or removes it with
 * `removed`. With the namespace's `map.publish_proxy_enabled` (`remove_proxy_enabled`) the
 * backend decides, and may change the key and how the write is made; otherwise permission
 * comes from `map.allow_{publish,remove}_for_*` (or `client.insecure`), and the final key is
 * the client's own or forced to its connection or user id by `map.client_key`.
 */
export async function handleMapPublish(client: Client, ch: ChannelInfo, req: PublishRequest): Promise<HandlerOutcome> {
  const opts = requireMapChannel(ch);
  const m = ch.options.map;
  const removing = req.removed ?? false;
  if (removing && m.removeProxyEnabled) return proxiedRemove(client, ch, opts, req);
  if (!removing && m.publishProxyEnabled) return proxiedPublish(client, ch, opts, req);
  if (!mayWrite(client, ch, m, removing)) throw new ClientError(ErrorCode.permissionDenied);
  const key = requireKey(finalKey(client, m, req.key ?? ''));
  if (removing) {
    await client.node.mapBroker.remove(ch.channel, key, {}, opts);
    return DONE;
  }
  const data = requireData(req.data);
  await client.node.mapBroker.publish(ch.channel, key, { data, info: infoOf(client, ch), delta: ch.options.deltaPublish }, opts);
  return DONE;
}

/**
 * The backend allows the write (its `error` or `disconnect` reaches the client instead) and
 * may replace key and data and set tags, key mode, idempotency key, delta and version. It
 * decides in place of the namespace's permissions; `map.client_key` cannot be set with it.
 */
async function proxiedPublish(client: Client, ch: ChannelInfo, opts: MapChannelOptions, req: PublishRequest): Promise<HandlerOutcome> {
  const name = ch.options.map.publishProxyName;
  const proxy = client.node.deps.proxies.mapPublish(name);
  if (!proxy) throw new ClientError(ErrorCode.notAvailable);
  const asked = req.key ?? '';
  const o = await proxy.mapPublish(callerOf(client), { channel: ch.channel, key: asked, data: req.data ?? new Uint8Array() });
  const key = requireKey(o.key ?? asked);
  const data = requireData(o.data ?? req.data);
  if (o.version > 0 && !opts.hasStream) {
    // Versions are compared along the change stream: the backend asked for what this map cannot do.
    client.log.error({ proxy: name, channel: ch.channel }, 'map publish proxy set a version on a map without a stream');
    throw new ClientError(ErrorCode.internal);
  }
  await client.node.mapBroker.publish(
    ch.channel,
    key,
    {
      data,
      info: infoOf(client, ch),
      tags: o.tags,
      keyMode: o.keyMode || undefined,
      idempotencyKey: o.idempotencyKey,
      delta: o.delta || ch.options.deltaPublish,
      version: o.version || undefined,
      versionEpoch: o.versionEpoch,
    },
    opts,
  );
  return DONE;
}

/** The backend allows the removal and may name another key or an idempotency key. */
async function proxiedRemove(client: Client, ch: ChannelInfo, opts: MapChannelOptions, req: PublishRequest): Promise<HandlerOutcome> {
  const proxy = client.node.deps.proxies.mapRemove(ch.options.map.removeProxyName);
  if (!proxy) throw new ClientError(ErrorCode.notAvailable);
  const asked = req.key ?? '';
  const o = await proxy.mapRemove(callerOf(client), { channel: ch.channel, key: asked });
  await client.node.mapBroker.remove(ch.channel, requireKey(o.key ?? asked), { idempotencyKey: o.idempotencyKey }, opts);
  return DONE;
}

function requireKey(key: string): string {
  if (key === '') throw new ClientError(ErrorCode.badRequest, 'key required');
  return key;
}

function requireData(data: Uint8Array | undefined): Uint8Array {
  if (!data || data.length === 0) throw new ClientError(ErrorCode.badRequest, 'data required');
  return data;
}

/** The writer as subscribers see it: with the subscription's channel info when subscribed. */
function infoOf(client: Client, ch: ChannelInfo): ClientInfo {
  const sub = client.subscriptions.get(ch.channel);
  return sub ? sub.info(client.info()) : client.info();
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
