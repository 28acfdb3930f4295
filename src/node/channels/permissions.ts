import type { ChannelInfo } from './channel-rules.js';

/** Who is asking: what channel permissions depend on. */
export interface Requester {
  user: string;
  /** `client.insecure`: every client-side permission check passes. */
  insecure: boolean;
}

const anonymous = (r: Requester): boolean => r.user === '';

/** Subscribing without a subscription token. Private channels always need one. */
export function maySubscribe(ch: ChannelInfo, r: Requester): boolean {
  if (r.insecure) return true;
  if (ch.private) return false;
  if (ch.allowedUsers.length > 0 && ch.options.allowUserLimitedChannels) return !anonymous(r) && ch.allowedUsers.includes(r.user);
  if (anonymous(r)) return ch.options.allowSubscribeForAnonymous;
  return ch.options.allowSubscribeForClient;
}

export function mayPublish(ch: ChannelInfo, r: Requester, subscribed: boolean): boolean {
  if (r.insecure) return true;
  const o = ch.options;
  if (o.allowPublishForSubscriber && subscribed) return true;
  return anonymous(r) ? o.allowPublishForAnonymous : o.allowPublishForClient;
}

export function mayReadPresence(ch: ChannelInfo, r: Requester, subscribed: boolean): boolean {
  if (r.insecure) return true;
  const o = ch.options;
  if (o.allowPresenceForSubscriber && subscribed) return true;
  return anonymous(r) ? o.allowPresenceForAnonymous : o.allowPresenceForClient;
}

export function mayReadHistory(ch: ChannelInfo, r: Requester, subscribed: boolean): boolean {
  if (r.insecure) return true;
  const o = ch.options;
  if (o.allowHistoryForSubscriber && subscribed) return true;
  return anonymous(r) ? o.allowHistoryForAnonymous : o.allowHistoryForClient;
}
