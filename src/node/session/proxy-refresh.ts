import { ClientError, DisconnectCode, DisconnectError, UnsubscribeCode } from '../../protocol/index.js';
import type { RefreshProxy, SubRefreshProxy } from '../../proxy/index.js';
import type { Client } from './client.js';
import { callerOf } from './proxy-caller.js';
import { scheduleSubscriptionExpiry } from './subscribe-handler.js';
import type { ChannelSubscription } from '../channels/subscription.js';

/*
 * Server-side refresh through the refresh and sub_refresh proxies: at an expiry the backend,
 * not the client, says whether the session or subscription lives on.
 */

/** How long a session or subscription lives on when its backend cannot be asked (Centrifugo's choice). */
const RETRY_SECONDS = 60;

interface Extension {
  expired: boolean;
  /** Unix seconds; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
}

/**
 * Asks a backend on an expiry timer. Its disconnect ends the session (undefined); a failed
 * call or a backend `error` keeps things for RETRY_SECONDS (the proxy logged why); an
 * `expire_at` already past counts as expired. Never rejects: nothing awaits a timer.
 */
async function askToExtend<T extends Extension>(client: Client, ask: () => Promise<T>): Promise<(Partial<T> & Extension) | undefined> {
  const now = client.node.clock.now();
  try {
    const o = await ask();
    return o.expireAt && o.expireAt * 1000 <= client.node.clock.now() ? { ...o, expired: true } : o;
  } catch (err) {
    if (err instanceof DisconnectError) {
      client.disconnect(err.code, err.reason);
      return undefined;
    }
    if (!(err instanceof ClientError)) client.log.error({ err }, 'server-side refresh failed');
    const kept: Extension = { expired: false, expireAt: Math.floor(now / 1000) + RETRY_SECONDS };
    // Every field of T beyond Extension is optional in the result, so this is the whole answer.
    return kept as Partial<T> & Extension;
  }
}

/** The session reached its expiry: the backend extends it (maybe with new info and meta) or it ends with 3005. */
export async function refreshByProxy(client: Client, proxy: RefreshProxy): Promise<void> {
  if (client.state !== 'connected') return;
  const o = await askToExtend(client, () => proxy.refresh(callerOf(client)));
  if (!o || client.state !== 'connected') return;
  if (o.expired) {
    client.disconnect(DisconnectCode.expired);
    return;
  }
  const c = client.credentials;
  client.credentials = { ...c, expireAt: o.expireAt, info: o.info ?? c.info, meta: o.meta ?? c.meta };
  client.scheduleExpiry();
}

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

/** A subscription reached its expiry: the backend extends it or it ends (unsubscribe push; 3006 for a server-side one). */
export async function subRefreshByProxy(client: Client, sub: ChannelSubscription, proxy: SubRefreshProxy): Promise<void> {
  const current = (): boolean => client.state === 'connected' && client.subscriptions.get(sub.channel) === sub;
  if (!current()) return;
  const o = await askToExtend(client, () => proxy.subRefresh(callerOf(client), { channel: sub.channel }));
  if (!o || !current()) return;
  if (o.expired) {
    if (sub.opts.serverSide) client.disconnect(DisconnectCode.subExpired);
    else await client.unsubscribe(sub.channel, UnsubscribeCode.expired);
    return;
  }
  sub.opts = { ...sub.opts, expireAt: o.expireAt, chanInfo: o.info ?? sub.opts.chanInfo };
  scheduleSubscriptionExpiry(client, sub.channel);
}
