import type { ChannelOverride } from '../../auth/index.js';
import type { Config } from '../../config/types.js';
import { ClientError, ErrorCode, type Publication, type StreamPosition, type SubscribeResult } from '../../protocol/index.js';
import { matches } from '../../filter/index.js';
import type { ChannelInfo } from './channel-rules.js';
import type { Client } from '../session/client.js';
import { toProtocolPublication } from '../node.js';
import { asJsonString } from './publication-fanout.js';
import { ChannelSubscription, sharedOptions, type SubscriptionOptions } from './subscription.js';

/** Everything decided about a subscription before it is made. */
export interface SubscribePlan {
  ch: ChannelInfo;
  options: SubscriptionOptions;
  /** Client asked to recover from this position (`recover: true`). */
  recoverFrom?: StreamPosition;
  /** Reply 112 instead of `recovered: false` (SDK flag bit 2). */
  rejectUnrecovered: boolean;
  /**
   * Channel compaction (SDK flag bit 1): the reply carries the channel's id and pushes use
   * it. Only a client's own subscribe asks; server-side subscriptions keep the name.
   */
  compact: boolean;
  /** Returned to the client in the subscribe result (`data`). */
  data?: Uint8Array;
  /** The sub_refresh proxy extends the subscription: the client is not told of an expiry. */
  serverRefresh?: boolean;
}

/** Flag bits of SubscribeRequest.flag. */
export const SubscribeFlag = { channelCompaction: 1, rejectUnrecovered: 2 } as const;

/** Namespace options with a token's per-channel override applied. */
export function effectiveFlags(ch: ChannelInfo, override: ChannelOverride | undefined) {
  const o = ch.options;
  return {
    presence: override?.presence ?? o.presence,
    joinLeave: override?.joinLeave ?? o.joinLeave,
    forcePushJoinLeave: override?.forcePushJoinLeave ?? o.forcePushJoinLeave,
    forceRecovery: ch.history && (override?.forceRecovery ?? o.forceRecovery),
    forcePositioning: ch.history && (override?.forcePositioning ?? o.forcePositioning),
  };
}

/**
 * Options of a server-side subscription (token `channels`/`subs`, personal channel,
 * server API): namespace rules with the override; nobody asked for join/leave pushes,
 * so only `force_push_join_leave` sends them.
 */
export function serverSideOptions(ch: ChannelInfo, override: ChannelOverride | undefined, chanInfo: Uint8Array | undefined, expireAt: number): SubscriptionOptions {
  const flags = effectiveFlags(ch, override);
  return {
    serverSide: true,
    positioned: flags.forceRecovery || flags.forcePositioning,
    recoverable: flags.forceRecovery,
    pushJoinLeave: flags.forcePushJoinLeave,
    presence: flags.presence,
    joinLeave: flags.joinLeave,
    chanInfo,
    expireAt,
    delta: false,
  };
}

const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** `expires`/`ttl` of a result for an expiration time in Unix seconds (0 = never). */
export function expiry(expireAt: number, nowMs: number): { expires?: boolean; ttl?: number } {
  if (!expireAt) return {};
  return { expires: true, ttl: Math.min(MAX_TTL_SECONDS, Math.max(0, Math.ceil(expireAt - nowMs / 1000))) };
}

interface Recovery {
  publications: Publication[];
  recovered: boolean;
  top: StreamPosition;
}

async function readPosition(client: Client, plan: SubscribePlan): Promise<Recovery> {
  const { node } = client;
  const { ch, recoverFrom } = plan;
  const metaTtl = ch.historyMetaTtl;
  if (!recoverFrom || !plan.options.recoverable) {
    const page = await node.broker.history(ch.channel, { limit: 0, reverse: false, historyMetaTtl: metaTtl });
    return { publications: [], recovered: false, top: page.position };
  }
  if (ch.options.forceRecoveryMode === 'cache') {
    // Cache mode: the client only needs the latest state, not the missed stream.
    const page = await node.broker.history(ch.channel, { limit: 1, reverse: true, historyMetaTtl: metaTtl });
    const latest = page.publications[0];
    const fresh = latest && (page.position.epoch !== recoverFrom.epoch || latest.offset > recoverFrom.offset);
    return { publications: fresh ? [toProtocolPublication(latest)] : [], recovered: true, top: page.position };
  }
  const limit = node.config.client.recoveryMaxPublicationLimit;
  const page = await node.broker.history(ch.channel, {
    since: recoverFrom,
    limit: limit > 0 ? limit : -1,
    reverse: false,
    historyMetaTtl: metaTtl,
  });
  const top = page.position;
  const pubs = page.publications;
  const epochOk = recoverFrom.epoch === '' || recoverFrom.epoch === top.epoch;
  const recovered =
    epochOk &&
    (pubs.length === 0
      ? top.offset === recoverFrom.offset
      : pubs[0]!.offset === recoverFrom.offset + 1 && pubs[pubs.length - 1]!.offset === top.offset);
  const filter = plan.options.tagsFilter;
  const kept = recovered ? (filter ? pubs.filter((p) => matches(filter, p.tags)) : pubs) : [];
  return { publications: kept.map(toProtocolPublication), recovered, top };
}

/** A made subscription: the result for the reply, and what runs once the reply is queued. */
export interface Subscribed {
  result: SubscribeResult;
  after: () => void;
}

/**
 * Whether `channel` is a NATS subject wildcard (`broker.nats.allow_wildcards`). It stands
 * for every channel it matches, so presence and join/leave, which belong to one channel,
 * cannot go with it (Centrifugo documents the same limit).
 */
export function isWildcardSubscription(broker: Config['broker'], channel: string): boolean {
  return broker.enabled && broker.type === 'nats' && broker.nats.allowWildcards && (channel.includes('*') || channel.includes('>'));
}

/**
 * Makes a subscription: registers it (so live publications start buffering), reads
 * the stream position or recovers, adds presence. Returns the result for the reply
 * and the work to run once the reply is queued (live delivery, join push); without a
 * promise when nothing needs the engine (a channel the node already listens to, no
 * position, no presence).
 */
export function subscribeChannel(client: Client, plan: SubscribePlan): Subscribed | Promise<Subscribed> {
  const { ch, options } = plan;
  if ((options.presence || options.joinLeave || options.pushJoinLeave) && isWildcardSubscription(client.node.config.broker, ch.channel)) {
    throw new ClientError(ErrorCode.badRequest, 'a NATS wildcard channel has no presence or join/leave: turn them off in its namespace');
  }
  const sub = new ChannelSubscription(client, ch.channel, sharedOptions(options), plan.compact);
  client.subscriptions.set(ch.channel, sub);
  let registering: Promise<void> | undefined;
  try {
    registering = client.node.addSubscriber(ch.channel, sub);
  } catch (err) {
    if (client.subscriptions.get(ch.channel) === sub) return undo(client, plan, sub).then(() => Promise.reject(err));
    throw err;
  }
  if (registering || options.positioned || options.presence) return subscribeWithEngine(client, plan, sub, registering);
  return subscribed(client, plan, sub, undefined);
}

/** Drops a subscription that will not be made. */
async function undo(client: Client, plan: SubscribePlan, sub: ChannelSubscription): Promise<void> {
  const { node } = client;
  const { ch, options } = plan;
  if (client.subscriptions.get(ch.channel) === sub) client.subscriptions.delete(ch.channel);
  sub.close();
  await node.removeSubscriber(ch.channel, sub);
  // A newer subscription of this client to the channel now owns its presence entry.
  if (options.presence && !client.subscriptions.has(ch.channel)) await node.presence.removePresence(ch.channel, client.id, client.user);
}

async function subscribeWithEngine(client: Client, plan: SubscribePlan, sub: ChannelSubscription, registering: Promise<void> | undefined): Promise<Subscribed> {
  const { node } = client;
  const { ch, options } = plan;
  try {
    await registering;
    let recovery: Recovery | undefined;
    if (options.positioned) recovery = await readPosition(client, plan);
    if (recovery && plan.recoverFrom && !recovery.recovered && plan.rejectUnrecovered) {
      throw new ClientError(ErrorCode.unrecoverablePosition);
    }
    if (options.presence) await node.presence.addPresence(ch.channel, client.id, sub.info(client.info()));
    if (client.state === 'closed' || client.subscriptions.get(ch.channel) !== sub) {
      // The session ended (or was unsubscribed) while we were waiting on the engine.
      await undo(client, plan, sub);
      throw new ClientError(ErrorCode.internal, 'subscription cancelled');
    }
    return subscribed(client, plan, sub, recovery);
  } catch (err) {
    if (client.subscriptions.get(ch.channel) === sub) await undo(client, plan, sub);
    throw err;
  }
}

/** The subscribe result once the subscription is registered (and positioned, when it is). */
function subscribed(client: Client, plan: SubscribePlan, sub: ChannelSubscription, recovery: Recovery | undefined): Subscribed {
  const { node } = client;
  const { ch, options } = plan;
  const recovering = plan.recoverFrom !== undefined;
  const result: SubscribeResult = {
    ...(plan.serverRefresh ? {} : expiry(options.expireAt, node.clock.now())),
    recoverable: options.recoverable || undefined,
    positioned: options.positioned || undefined,
    data: plan.data,
    wasRecovering: recovering || undefined,
  };
  const recovered = recovery?.publications ?? [];
  if (recovery) {
    result.epoch = recovery.top.epoch;
    result.offset = recovery.recovered && recovering ? plan.recoverFrom!.offset : recovery.top.offset;
    result.recovered = recovery.recovered || undefined;
    // Delta-negotiated JSON clients read every payload as a JSON string, recovered ones included.
    const asString = options.delta && client.codec.name === 'json';
    result.publications = recovered.length > 0 ? (asString ? recovered.map((p) => ({ ...p, data: asJsonString(p.data) })) : recovered) : undefined;
  }
  result.delta = options.delta || undefined;
  // Registered above, so the hub has handed out the id live pushes are already using.
  if (plan.compact) result.id = node.hub.channelId(ch.channel) || undefined;
  const top = recovery?.top ?? NO_POSITION;
  node.metrics.client.subscriptionAccepted(client.app.name);
  if (recovery && recovering) node.metrics.client.recover(recovery.recovered, recovered.length);
  return {
    result,
    after: () => {
      // The last recovered publication is the stream top: the client can apply a delta to it.
      sub.activate(top, recovered.length > 0);
      if (sub.active && options.joinLeave) {
        node.broker.publishJoin(ch.channel, sub.info(client.info())).catch((err: unknown) => client.log.error({ err }, 'join failed'));
      }
    },
  };
}

const NO_POSITION: Readonly<StreamPosition> = Object.freeze({ offset: 0, epoch: '' });
