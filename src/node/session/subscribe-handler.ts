import { ClientError, DisconnectCode, DisconnectError, ErrorCode, SubscriptionKind, UnsubscribeCode, type FilterNode, type SubscribeRequest } from '../../protocol/index.js';
import type { SubscriptionClaims } from '../../auth/index.js';
import { FilterError, compileFilter, type CompiledFilter } from '../../filter/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { mayReadHistory, maySubscribe, mayReadPresence } from '../channels/permissions.js';
import { refuseRevoked } from '../cluster/revocation.js';
import { SubscribeFlag, effectiveFlags, subscribeChannel, type Subscribed } from '../channels/subscribe-core.js';
import { ChannelSubscription, type SubscriptionOptions } from '../channels/subscription.js';
import { subscribeSharedPoll } from '../channels/shared-poll-subscribe.js';
import { checkSubscriptionClaims, verifySubscriptionToken } from './token-outcomes.js';
import { callerOf } from './proxy-caller.js';
import { subRefreshByProxy, subRefreshProxy } from './proxy-refresh.js';
import { isMapChannel, requestKindOf } from '../channels/map-channel.js';
import { handleMapSubscribe } from './map-subscribe-handler.js';

/**
 * Client-side subscribe: checks, permission (token or namespace rules), then the shared
 * subscribe path; without a promise when neither the permission nor the engine needs one.
 */
export function handleSubscribe(client: Client, req: SubscribeRequest): HandlerOutcome | Promise<HandlerOutcome> {
  const channel = req.channel ?? '';
  if (channel === '') throw new DisconnectError(DisconnectCode.badRequest);
  const { node } = client;
  const ch = node.rules.resolve(channel);
  checkSubscriptionKind(ch, req.type ?? 0);
  if (isMapChannel(ch)) return handleMapSubscribe(client, req, ch);
  const sharedPoll = ch.options.subscriptionType === 'shared_poll';
  if (client.subscriptions.has(channel)) throw new ClientError(ErrorCode.alreadySubscribed);
  if (client.subscriptions.size >= node.config.client.channelLimit) throw new ClientError(ErrorCode.limitExceeded);
  if (sharedPoll) return Promise.resolve(grantFor(client, ch, req)).then((grant) => ({ reply: { subscribe: subscribeSharedPoll(client, ch, req, grant) } }));
  const tagsFilter = req.tf ? compileTagsFilter(ch, req.tf) : undefined;
  const grant = grantFor(client, ch, req);
  if (grant instanceof Promise) return grant.then((g) => subscribeAs(client, ch, req, tagsFilter, g));
  return subscribeAs(client, ch, req, tagsFilter, grant);
}

/** The subscribe once permitted, with what the permission granted. */
function subscribeAs(client: Client, ch: ChannelInfo, req: SubscribeRequest, tagsFilter: CompiledFilter | undefined, grant: Grant | undefined): HandlerOutcome | Promise<HandlerOutcome> {
  const flags = effectiveFlags(ch, grant?.override);
  const historyAccess = ch.history && mayReadHistory(ch, client, true);
  const recoverable = flags.forceRecovery || (ch.history && !!req.recoverable && (ch.options.allowRecovery || historyAccess));
  const positioned = recoverable || flags.forcePositioning || (ch.history && !!req.positioned && (ch.options.allowPositioning || historyAccess));

  const made = subscribeChannel(client, {
    ch,
    options: clientSubscriptionOptions(client, ch, req, grant, { positioned, recoverable, tagsFilter }),
    recoverFrom: req.recover ? { offset: req.offset ?? 0, epoch: req.epoch ?? '' } : undefined,
    rejectUnrecovered: ((req.flag ?? 0) & SubscribeFlag.rejectUnrecovered) !== 0,
    compact: usesChannelId(client, req),
    data: grant?.data,
    serverRefresh: ch.options.subRefreshProxyEnabled,
  });
  if (made instanceof Promise) return made.then((m) => subscribeOutcome(client, ch.channel, grant, m));
  return subscribeOutcome(client, ch.channel, grant, made);
}

function subscribeOutcome(client: Client, channel: string, grant: Grant | undefined, { result, after }: Subscribed): HandlerOutcome {
  return {
    reply: { subscribe: result },
    after: () => {
      after();
      if (grant?.expireAt) scheduleSubscriptionExpiry(client, channel);
    },
  };
}

/** Options of a client's own subscribe (any kind), once its position tracking is decided. */
export function clientSubscriptionOptions(
  client: Client,
  ch: ChannelInfo,
  req: SubscribeRequest,
  grant: Grant | undefined,
  decided: Pick<SubscriptionOptions, 'positioned' | 'recoverable' | 'tagsFilter'>,
): SubscriptionOptions {
  const flags = effectiveFlags(ch, grant?.override);
  return {
    serverSide: false,
    ...decided,
    pushJoinLeave: flags.forcePushJoinLeave || (!!req.joinLeave && flags.joinLeave && mayReadPresence(ch, client, true)),
    presence: flags.presence,
    joinLeave: flags.joinLeave,
    chanInfo: grant?.info,
    expireAt: grant?.expireAt ?? 0,
    delta: req.delta === 'fossil' && ch.options.allowedDeltaTypes.includes('fossil'),
  };
}

/**
 * Each namespace serves one kind of subscription and the client must ask for that kind, with
 * Centrifugo's codes: shared poll asked of another namespace 108, another kind asked of a
 * shared-poll namespace 107, any other mismatch 103.
 */
function checkSubscriptionKind(ch: ChannelInfo, kind: number): void {
  const expected = requestKindOf[ch.options.subscriptionType];
  if (kind === expected) return;
  if (kind === SubscriptionKind.sharedPoll) throw new ClientError(ErrorCode.notAvailable);
  if (expected === SubscriptionKind.sharedPoll) throw new ClientError(ErrorCode.badRequest);
  throw new ClientError(ErrorCode.permissionDenied);
}

/**
 * Whether a subscription negotiates channel compaction: the client asks (flag bit 1), the
 * node allows it (`parsec.channel_compaction`), and the session speaks JSON. Protobuf
 * sessions keep the channel name: the centrifuge SDK's protobuf build decodes the int64 id
 * as a Long object, and two Longs are never `===`, so it would drop every compacted push.
 */
export function usesChannelId(client: Client, req: SubscribeRequest): boolean {
  return client.node.config.parsec.channelCompaction && client.codec.name === 'json' && ((req.flag ?? 0) & SubscribeFlag.channelCompaction) !== 0;
}

/** What a subscription token or the subscribe proxy granted beyond the namespace options. */
export type Grant = Pick<SubscriptionClaims, 'expireAt' | 'info' | 'data' | 'override'>;

/**
 * The permission to subscribe, in Centrifugo's order: a subscription token; else the
 * subscribe proxy when the namespace uses one (never for private or user-limited
 * channels); else the namespace rules. Undefined when the namespace rules allow it.
 */
const revokedOnSubscribe = (): Error => new ClientError(ErrorCode.permissionDenied);

export function grantFor(client: Client, ch: ChannelInfo, req: SubscribeRequest): Grant | undefined | Promise<Grant | undefined> {
  if (req.token) return grantByToken(client, ch, req.token);
  // The connection's own token too: a revocation whose control message this node missed still holds.
  const revoked = refuseRevoked(client, [client.credentials], revokedOnSubscribe);
  return revoked ? revoked.then(() => grantByRules(client, ch, req)) : grantByRules(client, ch, req);
}

async function grantByToken(client: Client, ch: ChannelInfo, token: string): Promise<Grant> {
  const claims = await verifySubscriptionToken(client, token, 'subscribe');
  checkSubscriptionClaims(client, claims, ch.channel);
  if (claims.expireAt && claims.expireAt * 1000 <= client.node.clock.now()) throw new ClientError(ErrorCode.expired);
  await refuseRevoked(client, [client.credentials, claims], revokedOnSubscribe);
  return claims;
}

/** The subscribe proxy when the namespace uses one (never for private or user-limited channels); else the namespace rules. */
function grantByRules(client: Client, ch: ChannelInfo, req: SubscribeRequest): Grant | undefined | Promise<Grant | undefined> {
  const { node } = client;
  const userLimited = ch.allowedUsers.length > 0 && ch.options.allowUserLimitedChannels;
  if (ch.options.subscribeProxyEnabled && !ch.private && !userLimited) {
    const proxy = node.deps.proxies.subscribe(ch.options.subscribeProxyName);
    if (!proxy) throw new ClientError(ErrorCode.notAvailable);
    return proxy.subscribe(callerOf(client), { channel: ch.channel, data: req.data });
  }
  if (!maySubscribe(ch, client)) throw new ClientError(ErrorCode.permissionDenied);
  return undefined;
}

/**
 * Compiled tags filters by their JSON text: subscribers sending the same filter share one
 * object, so a fan-out evaluates it once per publication for all of them. Bounded: when
 * full it starts over (a filter is only an optimisation key, never state).
 */
const sharedFilters = new Map<string, CompiledFilter>();
const MAX_SHARED_FILTERS = 4096;

export function compileTagsFilter(ch: ChannelInfo, tf: FilterNode): CompiledFilter {
  if (!ch.options.allowTagsFilter) throw new ClientError(ErrorCode.badRequest, 'tags filter not allowed in this channel');
  try {
    const key = JSON.stringify(tf);
    let compiled = sharedFilters.get(key);
    if (!compiled) {
      compiled = compileFilter(tf);
      if (sharedFilters.size >= MAX_SHARED_FILTERS) sharedFilters.clear();
      sharedFilters.set(key, compiled);
    }
    return compiled;
  } catch (err) {
    if (err instanceof FilterError) throw new ClientError(ErrorCode.badRequest, `bad tags filter: ${err.message}`);
    throw err;
  }
}

/** Unsubscribes (2501) or disconnects (3006, server-side) a subscription whose token expired unrefreshed. */
export function scheduleSubscriptionExpiry(client: Client, channel: string): void {
  const sub = client.subscriptions.get(channel);
  if (!(sub instanceof ChannelSubscription)) return;
  sub.expiryTimer?.cancel();
  sub.expiryTimer = undefined;
  if (!sub.opts.expireAt) return;
  const { node } = client;
  const delay = sub.opts.expireAt * 1000 - node.clock.now() + node.config.client.expiredSubCloseDelay;
  const proxy = subRefreshProxy(client, channel);
  if (proxy) {
    // Server-side refresh: the backend is asked at the expiry instead of the client.
    sub.expiryTimer = node.deps.wheel.schedule(Math.max(0, sub.opts.expireAt * 1000 - node.clock.now()), () => {
      void subRefreshByProxy(client, sub, proxy);
    });
    return;
  }
  sub.expiryTimer = node.deps.wheel.schedule(Math.max(0, delay), () => {
    if (client.subscriptions.get(channel) !== sub || sub.opts.expireAt * 1000 > node.clock.now()) return;
    if (sub.opts.serverSide) client.disconnect(DisconnectCode.subExpired);
    else void client.unsubscribe(channel, UnsubscribeCode.expired);
  });
}
