import type { ResolvedMapOptions } from '../../config/index.js';
import type { MapPublication } from '../../engine/map-types.js';
import { matches } from '../../filter/index.js';
import {
  ClientError,
  DisconnectCode,
  ErrorCode,
  MapPhase,
  SubscriptionKind,
  type Publication,
  type StreamPosition,
  type SubscribeRequest,
  type SubscribeResult,
} from '../../protocol/index.js';
import { clampPageSize } from '../../config/index.js';
import type { ChannelInfo } from '../channels/channel-rules.js';
import { mapOptionsOf } from '../channels/map-channel.js';
import { keyedDeltas } from '../channels/map-delta.js';
import { joinMapPresence } from '../channels/map-presence.js';
import { MapSubscription } from '../channels/map-subscription.js';
import { asJsonString } from '../channels/publication-fanout.js';
import { expiry } from '../channels/subscribe-core.js';
import { sharedOptions, type SubscriptionOptions } from '../channels/subscription.js';
import { toProtocolMapPublication } from '../node.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { clientSubscriptionOptions, compileTagsFilter, grantFor, scheduleSubscriptionExpiry, usesChannelId, type Grant } from './subscribe-handler.js';

/*
 * The map subscribe flow: state pages (phase 2), stream catch-up (phase 1), then live
 * (phase 0), each a subscribe command of its own. The first command of a flow is authorised
 * and reserves the subscription, which buffers live changes from then on; the later ones
 * continue the reservation. Going live merges what the stream holds since the client's
 * position with what was buffered, by offset, so nothing is lost or repeated.
 */

/** A subscribe flow under way on one connection and channel. */
interface Reservation {
  sub: MapSubscription;
  options: SubscriptionOptions;
  grant: Grant | undefined;
  compact: boolean;
  startedAt: number;
  /** The position of the first state page: later pages and the catch-up continue from it. */
  frozen?: StreamPosition;
  /** The stream top at the first catch-up page: reaching it means going live. */
  streamStart?: number;
  /** A page is being read: a concurrent request is refused (113). */
  busy: boolean;
}

const flows = new WeakMap<Client, Map<string, Reservation>>();

function flowsOf(client: Client): Map<string, Reservation> {
  let m = flows.get(client);
  if (!m) flows.set(client, (m = new Map()));
  return m;
}

export async function handleMapSubscribe(client: Client, req: SubscribeRequest, ch: ChannelInfo): Promise<HandlerOutcome> {
  const channel = ch.channel;
  const mine = flowsOf(client);
  let r = mine.get(channel);
  // A flow whose subscription ended (unsubscribe, insufficient state) is over.
  if (r && client.subscriptions.get(channel) !== r.sub) {
    mine.delete(channel);
    r = undefined;
  }
  const phase = req.phase ?? MapPhase.live;
  const starts = (phase === MapPhase.state && !req.cursor) || (phase !== MapPhase.state && !r);
  if (r?.busy) throw new ClientError(ErrorCode.concurrentPagination);
  if (!starts && !r) throw new ClientError(ErrorCode.permissionDenied);
  if (phase === MapPhase.stream && !r && !req.recover) throw new ClientError(ErrorCode.permissionDenied);
  if (starts) {
    if (r) await cancel(client, r);
    r = await reserve(client, ch, req);
  }
  const flow = r!;
  const opts = mapOptionsOf(ch);
  if (opts.subscribeCatchUpTimeout > 0 && client.node.clock.now() - flow.startedAt > opts.subscribeCatchUpTimeout) {
    await cancel(client, flow);
    client.disconnect(DisconnectCode.slow);
    throw new ClientError(ErrorCode.internal, 'catch-up timeout');
  }
  flow.busy = true;
  try {
    if (phase === MapPhase.state) return await statePage(client, ch, opts, flow, req);
    if (phase === MapPhase.stream) return await streamPage(client, ch, opts, flow, req);
    const since = opts.hasStream ? { offset: req.offset ?? 0, epoch: req.epoch ?? '' } : undefined;
    return await goLive(client, ch, opts, flow, { since, recovering: req.recover ?? false });
  } catch (err) {
    await cancel(client, flow);
    throw err;
  } finally {
    flow.busy = false;
  }
}

/** Authorises the subscription and registers it, buffering live changes until it goes live. */
async function reserve(client: Client, ch: ChannelInfo, req: SubscribeRequest): Promise<Reservation> {
  const { node } = client;
  if (client.subscriptions.has(ch.channel)) throw new ClientError(ErrorCode.alreadySubscribed);
  if (client.subscriptions.size >= node.config.client.channelLimit) throw new ClientError(ErrorCode.limitExceeded);
  const tagsFilter = req.tf ? compileTagsFilter(ch, req.tf) : undefined;
  const grant = await grantFor(client, ch, req);
  const { hasStream } = mapOptionsOf(ch);
  const options = clientSubscriptionOptions(client, ch, req, grant, { positioned: hasStream, recoverable: hasStream, tagsFilter });
  // Checked again: the grant may have waited on a proxy while another subscribe got in.
  if (client.subscriptions.has(ch.channel)) throw new ClientError(ErrorCode.alreadySubscribed);
  const compact = usesChannelId(client, req);
  const sub = new MapSubscription(client, ch.channel, sharedOptions(options), compact);
  client.subscriptions.set(ch.channel, sub);
  const r: Reservation = { sub, options, grant, compact, startedAt: node.clock.now(), busy: false };
  flowsOf(client).set(ch.channel, r);
  await node.addSubscriber(ch.channel, sub);
  return r;
}

/** Ends a flow that did not go live: its subscription leaves the hub unannounced. */
async function cancel(client: Client, r: Reservation): Promise<void> {
  const mine = flowsOf(client);
  if (mine.get(r.sub.channel) === r) mine.delete(r.sub.channel);
  if (client.subscriptions.get(r.sub.channel) === r.sub) client.subscriptions.delete(r.sub.channel);
  if (r.sub.active) return;
  r.sub.close();
  await client.node.removeSubscriber(r.sub.channel, r.sub);
}

function filtered(r: Reservation, entries: MapPublication[]): MapPublication[] {
  const filter = r.options.tagsFilter;
  return filter ? entries.filter((e) => matches(filter, e.tags)) : entries;
}

/** Delta-negotiated JSON clients keep values as exact text, the base of later deltas: they get strings. */
function forClient(client: Client, r: Reservation, entries: MapPublication[]): Publication[] {
  const asString = r.options.delta && client.codec.name === 'json';
  return entries.map((e) => {
    const pub = toProtocolMapPublication(e);
    return asString && !pub.removed ? { ...pub, data: asJsonString(pub.data) } : pub;
  });
}

async function statePage(client: Client, ch: ChannelInfo, opts: ResolvedMapOptions, r: Reservation, req: SubscribeRequest): Promise<HandlerOutcome> {
  const limit = clampPageSize(opts, req.limit ?? 0);
  const page = await client.node.mapBroker.readState(ch.channel, { cursor: req.cursor ?? '', limit }, opts);
  const continuing = !!req.cursor;
  if (!continuing) r.frozen = page.position;
  const frozen = r.frozen ?? page.position;
  if (page.position.epoch !== frozen.epoch || (req.epoch && req.epoch !== page.position.epoch)) {
    throw new ClientError(ErrorCode.unrecoverablePosition);
  }
  // Written after the first page: the stream catch-up brings those.
  let entries = continuing && opts.hasStream ? page.entries.filter((e) => e.offset <= frozen.offset) : page.entries;
  entries = filtered(r, entries);
  if (page.cursor === '' && (!opts.hasStream || frozen.offset + limit >= page.position.offset)) {
    return goLive(client, ch, opts, r, { since: opts.hasStream ? frozen : undefined, state: entries, recovering: false });
  }
  const result: SubscribeResult = {
    type: SubscriptionKind.map,
    phase: MapPhase.state,
    cursor: page.cursor || undefined,
    epoch: frozen.epoch,
    offset: opts.hasStream ? frozen.offset : undefined,
    recoverable: opts.hasStream || undefined,
    state: forClient(client, r, entries),
  };
  return { reply: { subscribe: result } };
}

async function streamPage(client: Client, ch: ChannelInfo, opts: ResolvedMapOptions, r: Reservation, req: SubscribeRequest): Promise<HandlerOutcome> {
  if (!opts.hasStream) throw new ClientError(ErrorCode.badRequest, 'this map keeps no stream');
  const { mapBroker } = client.node;
  const since = { offset: req.offset ?? 0, epoch: req.epoch ?? '' };
  const limit = clampPageSize(opts, req.limit ?? 0);
  if (r.streamStart === undefined) {
    const top = await mapBroker.readStream(ch.channel, { limit: 0, reverse: false }, opts);
    if (top.position.epoch !== since.epoch) throw new ClientError(ErrorCode.unrecoverablePosition);
    r.streamStart = top.position.offset;
  }
  if (since.offset + limit >= r.streamStart) return goLive(client, ch, opts, r, { since, recovering: req.recover ?? false });
  const page = await mapBroker.readStream(ch.channel, { since, limit, reverse: false }, opts);
  const first = page.entries[0];
  if (page.position.epoch !== since.epoch || !first || first.offset !== since.offset + 1) throw new ClientError(ErrorCode.unrecoverablePosition);
  const last = page.entries[page.entries.length - 1]!;
  const result: SubscribeResult = {
    type: SubscriptionKind.map,
    phase: MapPhase.stream,
    epoch: page.position.epoch,
    // Filtered-out changes still move the position.
    offset: last.offset,
    recoverable: true,
    publications: forClient(client, r, filtered(r, page.entries)),
  };
  return { reply: { subscribe: result } };
}

interface LiveStart {
  /** The client's position (stream modes): what the stream holds after it is sent now. */
  since?: StreamPosition;
  /** The last state page, when going live right after it. */
  state?: MapPublication[];
  recovering: boolean;
}

/**
 * The live transition: the stream since the client's position (at most
 * `live_transition_max_publication_limit` changes, else 112), then live delivery from the
 * stream top, buffered changes up to it dropped as already sent.
 */
async function goLive(client: Client, ch: ChannelInfo, opts: ResolvedMapOptions, r: Reservation, start: LiveStart): Promise<HandlerOutcome> {
  const { node } = client;
  const { sub, options } = r;
  let top: StreamPosition;
  let missed: MapPublication[] = [];
  if (opts.hasStream) {
    const since = start.since ?? { offset: 0, epoch: '' };
    const max = opts.liveTransitionMaxPublicationLimit;
    const page = await node.mapBroker.readStream(ch.channel, { since, limit: max + 1, reverse: false }, opts);
    top = page.position;
    const epochMoved = since.epoch !== '' && since.epoch !== top.epoch;
    const gap = since.offset < top.offset && page.entries[0]?.offset !== since.offset + 1;
    if (epochMoved || gap || page.entries.length > max || since.offset > top.offset) throw new ClientError(ErrorCode.unrecoverablePosition);
    missed = page.entries;
  } else {
    top = (await node.mapBroker.readStream(ch.channel, { limit: 0, reverse: false }, opts)).position;
  }
  if (options.presence) await node.presence.addPresence(ch.channel, client.id, sub.info(client.info()));
  if (client.state === 'closed' || client.subscriptions.get(ch.channel) !== sub) throw new ClientError(ErrorCode.internal, 'subscription cancelled');
  flowsOf(client).delete(ch.channel);
  const recovered = filtered(r, missed).map(toProtocolMapPublication);
  const publications = r.options.delta ? keyedDeltas(recovered, client.codec.name === 'json') : recovered;
  const result: SubscribeResult = {
    ...(ch.options.subRefreshProxyEnabled ? {} : expiry(options.expireAt, node.clock.now())),
    type: SubscriptionKind.map,
    epoch: top.epoch,
    offset: opts.hasStream ? top.offset : undefined,
    recoverable: opts.hasStream || undefined,
    state: start.state && start.state.length > 0 ? forClient(client, r, start.state) : undefined,
    publications: publications.length > 0 ? publications : undefined,
    data: r.grant?.data,
    delta: options.delta || undefined,
    wasRecovering: start.recovering || undefined,
    recovered: start.recovering || undefined,
  };
  if (r.compact) result.id = node.hub.channelId(ch.channel) || undefined;
  return {
    reply: { subscribe: result },
    after: () => {
      sub.activate(top, true);
      if (!sub.active) return;
      if (options.joinLeave) node.broker.publishJoin(ch.channel, sub.info(client.info())).catch((err: unknown) => client.log.error({ err }, 'join failed'));
      joinMapPresence(client, ch, sub);
      if (options.expireAt) scheduleSubscriptionExpiry(client, ch.channel);
    },
  };
}
