import type { ChannelOverride } from '../../auth/index.js';
import { DisconnectCode, UnsubscribeCode, type StreamPosition } from '../../protocol/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import type { Client } from '../session/client.js';
import { EncodedReply } from '../channels/encoded-reply.js';
import { expiry, serverSideOptions, subscribeChannel } from '../channels/subscribe-core.js';
import { scheduleSubscriptionExpiry } from '../session/subscribe-handler.js';

/** Operations the server API applies to one live session on this node. */

export interface ServerSubscribeOptions {
  info?: Uint8Array;
  data?: Uint8Array;
  /** Unix seconds; 0 = never. */
  expireAt: number;
  recoverSince?: StreamPosition;
  override?: ChannelOverride;
}

/**
 * Subscribes a connected client from the server side: the client learns of it with a
 * `subscribe` push (then any recovered publications as regular pushes). A client
 * already subscribed to the channel is left as it is.
 */
export async function serverSubscribe(client: Client, ch: ChannelInfo, opts: ServerSubscribeOptions): Promise<void> {
  if (client.state !== 'connected' || client.subscriptions.has(ch.channel)) return;
  const { result, after } = await subscribeChannel(client, {
    ch,
    options: serverSideOptions(ch, opts.override, opts.info, opts.expireAt),
    recoverFrom: opts.recoverSince,
    rejectUnrecovered: false,
    compact: false,
    data: opts.data,
  });
  client.send(
    new EncodedReply({
      push: {
        channel: ch.channel,
        subscribe: { recoverable: result.recoverable, epoch: result.epoch, offset: result.offset, positioned: result.positioned, data: result.data },
      },
    }),
  );
  for (const pub of result.publications ?? []) client.send(new EncodedReply({ push: { channel: ch.channel, pub } }));
  after();
  // An `expire_at` ends the subscription (3006) unless its sub_refresh proxy extends it.
  if (opts.expireAt) scheduleSubscriptionExpiry(client, ch.channel);
}

/** Removes a subscription and tells the client (unsubscribe push 2000). */
export async function serverUnsubscribe(client: Client, channel: string): Promise<void> {
  await client.unsubscribe(channel, UnsubscribeCode.server);
}

export interface ServerRefreshOptions {
  expired: boolean;
  /** Unix seconds; undefined keeps the current expiry. */
  expireAt?: number;
  info?: Uint8Array;
}

/** Changes a session's expiry or info; `expired` ends it with 3005 (the SDK reconnects with a new token). */
export function serverRefresh(client: Client, opts: ServerRefreshOptions): void {
  if (opts.expired) {
    client.disconnect(DisconnectCode.expired);
    return;
  }
  const expireAt = opts.expireAt ?? client.credentials.expireAt;
  client.credentials = { ...client.credentials, expireAt, info: opts.info ?? client.credentials.info };
  client.scheduleExpiry();
  client.send(new EncodedReply({ push: { refresh: expiry(expireAt, client.node.clock.now()) } }));
}
