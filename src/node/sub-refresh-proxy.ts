import { ClientError, DisconnectCode, DisconnectError, UnsubscribeCode } from '../protocol/index.js';
import type { SubRefreshProxy } from '../proxy/index.js';
import type { Client } from './client.js';
import { callerOf } from './proxy-caller.js';
import { scheduleSubscriptionExpiry } from './subscribe-handler.js';
import type { ChannelSubscription } from './subscription.js';

/** How long a subscription lives on when the sub_refresh proxy cannot be asked. */
const RETRY_SECONDS = 60;

/** The sub_refresh proxy of a channel whose namespace uses one, else undefined. */
export function subRefreshProxy(client: Client, channel: string): SubRefreshProxy | undefined {
  const { rules, deps } = client.node;
  let options;
  try {
    options = rules.resolve(channel).options;
  } catch {
    return undefined;
  }
  return options.subRefreshProxyEnabled ? deps.proxies.subRefresh(options.subRefreshProxyName) : undefined;
}

/**
 * Asks the backend at a subscription's expiry: a new `expire_at` (and maybe info) keeps it;
 * `expired` ends it (unsubscribe push, or disconnect 3006 for a server-side one). When the
 * backend cannot be asked the subscription is kept and asked again a minute later.
 */
export async function subRefreshByProxy(client: Client, sub: ChannelSubscription, proxy: SubRefreshProxy): Promise<void> {
  const { node } = client;
  const current = (): boolean => client.state === 'connected' && client.subscriptions.get(sub.channel) === sub;
  if (!current()) return;
  let expired: boolean;
  let expireAt: number;
  let info: Uint8Array | undefined;
  try {
    ({ expired, expireAt, info } = await proxy.subRefresh(callerOf(client), { channel: sub.channel }));
  } catch (err) {
    if (err instanceof DisconnectError) {
      client.disconnect(err.code, err.reason);
      return;
    }
    // The proxy logged its failure (a backend `error` is treated the same way); this runs on a timer, so nothing rethrows.
    if (!(err instanceof ClientError)) client.log.error({ err, channel: sub.channel }, 'sub refresh failed');
    [expired, expireAt] = [false, Math.floor(node.clock.now() / 1000) + RETRY_SECONDS];
  }
  if (!current()) return;
  if (expired || (expireAt > 0 && expireAt * 1000 <= node.clock.now())) {
    if (sub.opts.serverSide) client.disconnect(DisconnectCode.subExpired);
    else await client.unsubscribe(sub.channel, UnsubscribeCode.expired);
    return;
  }
  sub.opts = { ...sub.opts, expireAt, chanInfo: info ?? sub.opts.chanInfo };
  scheduleSubscriptionExpiry(client, sub.channel);
}
