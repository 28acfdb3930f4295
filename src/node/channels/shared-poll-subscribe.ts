import { resolveSharedPollOptions } from '../../config/index.js';
import { ClientError, ErrorCode, SubscriptionKind, type SubscribeRequest, type SubscribeResult } from '../../protocol/index.js';
import type { ChannelInfo } from './channel-rules.js';
import type { Client } from '../session/client.js';
import { SharedPollSubscription } from './shared-poll-subscription.js';
import { expiry } from './subscribe-core.js';

/** What the subscribe permission (token or proxy) granted; undefined when namespace rules allowed it. */
export interface SharedPollGrant {
  expireAt?: number;
  info?: Uint8Array;
  data?: Uint8Array;
}

/**
 * Subscribes a client to a shared-poll channel: no stream, position or broker, so the
 * subscription is live at once. It receives nothing until the client tracks keys
 * (sub_refresh type 1). The reply's epoch tells the client whether the versions it
 * holds from an earlier subscription still mean anything.
 */
export function subscribeSharedPoll(client: Client, ch: ChannelInfo, req: SubscribeRequest, grant: SharedPollGrant | undefined): SubscribeResult {
  const { node } = client;
  // The permission check may have waited (proxy, revocations): the session or a twin subscribe moved on meanwhile.
  if (client.state === 'closed') throw new ClientError(ErrorCode.internal, 'subscription cancelled');
  if (client.subscriptions.has(ch.channel)) throw new ClientError(ErrorCode.alreadySubscribed);
  const now = node.clock.now();
  const expireAt = grant?.expireAt ?? 0;
  if (expireAt && expireAt * 1000 <= now) throw new ClientError(ErrorCode.expired);
  const poll = resolveSharedPollOptions(ch.options.sharedPoll);
  const delta = req.delta === 'fossil' && ch.options.allowedDeltaTypes.includes('fossil');
  const expiredCloseDelay = node.config.client.expiredSubCloseDelay;
  const sub = new SharedPollSubscription(client, ch.channel, { poll, delta, expireAt: 0, expiredCloseDelay, chanInfo: grant?.info }, node.sharedPoll, node.deps.wheel, () => node.clock.now());
  client.subscriptions.set(ch.channel, sub);
  // The client refreshes with sub_refresh and a fresh token; the sub_refresh proxy is not asked (as in Centrifugo).
  sub.expireAt(expireAt);
  return {
    type: SubscriptionKind.sharedPoll,
    epoch: node.sharedPoll.epoch(ch.channel, poll) || undefined,
    delta: delta || undefined,
    data: grant?.data,
    ...expiry(expireAt, now),
  };
}
