import {
  ClientError,
  DisconnectCode,
  DisconnectError,
  ErrorCode,
  PublishKind,
  type ChannelRequest,
  type HistoryRequest,
  type PublishRequest,
} from '../../protocol/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { toProtocolPublication } from '../node.js';
import { mayPublish, mayReadHistory, mayReadPresence } from '../channels/permissions.js';
import { callerOf } from './proxy-caller.js';
import { handleMapPublish } from './map-publish-handler.js';
import { isMapChannel } from '../channels/map-channel.js';
import { publicationDataProblem } from '../channels/publication-format.js';

/** A publish without data: whether that is allowed is the channel's publication_data_format's say. */
const NO_DATA = new Uint8Array(0);
import { isWildcardSubscription } from '../channels/subscribe-core.js';

/** A channel-targeted command needs a channel name; its absence is a protocol violation. */
function requireChannel(channel: string | undefined): string {
  if (!channel) throw new DisconnectError(DisconnectCode.badRequest);
  return channel;
}

export async function handleUnsubscribe(client: Client, req: ChannelRequest): Promise<HandlerOutcome> {
  await client.unsubscribe(requireChannel(req.channel));
  return { reply: { unsubscribe: {} } };
}

export async function handlePublish(client: Client, req: PublishRequest): Promise<HandlerOutcome> {
  const ch = client.node.rules.resolve(requireChannel(req.channel));
  if (req.type === PublishKind.map) return handleMapPublish(client, ch, req);
  // A map channel changes by key only: a keyless publication would reach its subscribers as nothing they can apply.
  if (isMapChannel(ch)) throw new ClientError(ErrorCode.badRequest, 'map channel: publish with a key');
  const sub = client.subscriptions.get(ch.channel);
  const proxied = ch.options.publishProxyEnabled;
  // With a publish proxy the backend decides instead of the namespace rules.
  if (!proxied && !mayPublish(ch, client, sub !== undefined)) throw new ClientError(ErrorCode.permissionDenied);
  const data = req.data ?? NO_DATA;
  const problem = publicationDataProblem(data, ch.options.publicationDataFormat, client.codec.name === 'json');
  if (problem) throw new ClientError(ErrorCode.badRequest, problem);
  const info = sub ? sub.info(client.info()) : client.info();
  if (proxied) {
    // The backend may rewrite what is published, and how.
    const proxy = client.node.deps.proxies.publish(ch.options.publishProxyName);
    if (!proxy) throw new ClientError(ErrorCode.notAvailable);
    const o = await proxy.publish(callerOf(client), { channel: ch.channel, data });
    await client.node.publish(ch, o.data ?? data, { info, skipHistory: o.skipHistory, tags: o.tags, idempotencyKey: o.idempotencyKey, delta: o.delta });
    return { reply: { publish: {} } };
  }
  await client.node.publish(ch, data, { info });
  return { reply: { publish: {} } };
}

function presenceChannel(client: Client, channel: string | undefined): ChannelInfo {
  const ch = client.node.rules.resolve(requireChannel(channel));
  if (!ch.options.presence) throw new ClientError(ErrorCode.notAvailable);
  if (isWildcardSubscription(client.node.config.broker, ch.channel)) throw new ClientError(ErrorCode.badRequest, 'a NATS wildcard channel has no presence');
  if (!mayReadPresence(ch, client, client.subscriptions.has(ch.channel))) throw new ClientError(ErrorCode.permissionDenied);
  return ch;
}

export async function handlePresence(client: Client, req: ChannelRequest): Promise<HandlerOutcome> {
  const ch = presenceChannel(client, req.channel);
  return { reply: { presence: { presence: await client.node.presence.presence(ch.channel) } } };
}

export async function handlePresenceStats(client: Client, req: ChannelRequest): Promise<HandlerOutcome> {
  const ch = presenceChannel(client, req.channel);
  return { reply: { presenceStats: await client.node.presence.presenceStats(ch.channel) } };
}

export async function handleHistory(client: Client, req: HistoryRequest): Promise<HandlerOutcome> {
  const ch = client.node.rules.resolve(requireChannel(req.channel));
  if (!ch.history) throw new ClientError(ErrorCode.notAvailable);
  if (!mayReadHistory(ch, client, client.subscriptions.has(ch.channel))) throw new ClientError(ErrorCode.permissionDenied);
  const reverse = req.reverse ?? false;
  if (reverse && req.since && req.since.offset === 0) throw new ClientError(ErrorCode.badRequest);
  const max = client.node.config.client.historyMaxPublicationLimit;
  let limit = req.limit ?? 0;
  if (max > 0 && (limit < 0 || limit > max)) limit = max;
  const page = await client.node.broker.history(ch.channel, {
    since: req.since,
    limit,
    reverse,
    historyMetaTtl: ch.historyMetaTtl,
  });
  if (req.since?.epoch && req.since.epoch !== page.position.epoch) throw new ClientError(ErrorCode.unrecoverablePosition);
  return {
    reply: {
      history: { publications: page.publications.map(toProtocolPublication), epoch: page.position.epoch, offset: page.position.offset },
    },
  };
}
