import type { Logger } from 'pino';
import { TrackSignatureVerifier, type TokenVerifier } from '../auth/index.js';
import { sharedPollConcurrency } from '../config/index.js';
import type { Config } from '../config/types.js';
import type { ProxyRegistry } from '../proxy/index.js';
import { isHealthReporter, type Broker, type BrokerEventHandler, type EnginePublication, type PresenceManager } from '../engine/types.js';
import type { MapBroker, MapEventHandler, MapPublication } from '../engine/map-types.js';
import { randomString, systemTimers, type Clock, type TimerWheel } from '../lib/index.js';
import { MessageType, type Metrics } from '../metrics/index.js';
import type { ClientInfo, Publication, StreamPosition } from '../protocol/index.js';
import { ChannelRules, type ChannelInfo } from './channels/channel-rules.js';
import { isMapChannel, mapOptionsOf } from './channels/map-channel.js';
import { PositionRecheck } from './channels/position-recheck.js';
import { ConnectionSnapshots } from './cluster/connection-snapshots.js';
import { ControlPlane, type NodeInfo } from './cluster/control-plane.js';
import type { Client } from './session/client.js';
import { Hub, type Subscriber } from './hub.js';
import { ChannelSubscription } from './channels/subscription.js';
import { sweepRevoked, type RevocationStore } from './cluster/revocation.js';
import type { ActivityRecorder, ActivityStore, RateLimits, UserBlocking } from '../moderation/index.js';
import { sweepBlocked } from './cluster/blocks.js';
import { SharedPollManager, type PublishRelay } from './shared-poll/poll-manager.js';
import { relayChannelOf, relayTags, relayedItem } from './channels/shared-poll-relay.js';
import { WriteBatches } from './session/write-batches.js';
import { ConnectingSessions } from './session/connecting-sessions.js';

export interface NodeDeps {
  config: Readonly<Config>;
  broker: Broker;
  presence: PresenceManager;
  /** State and change stream of map channels. */
  mapBroker: MapBroker;
  clock: Clock;
  wheel: TimerWheel;
  logger: Logger;
  connectionTokens: TokenVerifier;
  subscriptionTokens: TokenVerifier;
  /** Application backends asked about connects, subscriptions, publications and RPC. */
  proxies: ProxyRegistry;
  version: string;
  name: string;
  /** Checked on connect, subscribe, refresh and sub_refresh when set (the token broker's store). */
  revocations?: RevocationStore;
  /** Where the node, its sessions and the server API count (instruments do nothing when metrics are off). */
  metrics: Metrics;
  /** Blocked users, refused on connect (kept current by the control plane). */
  blocking?: UserBlocking;
  /** Command, error and connect-attempt limits (kept current by the control plane). */
  rateLimits?: RateLimits;
  /** Records sessions and channel traffic when `parsec.activity.enabled`. */
  activity?: ActivityRecorder;
  /** Where the recorder writes, for the activity API methods. */
  activityStore?: ActivityStore;
  /** Channels that also get a copy of some publications (the MQTT front door's wildcard buckets). */
  mirror?: PublicationMirror;
  /** The node's id, when something built before the node must name it (traces); else a random one. */
  id?: string;
}

/**
 * Derived channels a publication is copied to, without history, so that a listener for
 * many channels (an MQTT wildcard filter) subscribes to a few channels instead of all.
 * The copy carries the original channel in the tag `MIRROR_ORIGIN_TAG`.
 */
export interface PublicationMirror {
  /** The channels a publication to `channel` is copied to; empty for channels it does not cover. */
  mirrorsOf(channel: string): readonly string[];
}

/** Tag of a mirrored copy naming the channel it was published to. */
export const MIRROR_ORIGIN_TAG = 'parsec_origin';

export interface NodePublishOptions {
  info?: ClientInfo;
  tags?: Record<string, string>;
  skipHistory?: boolean;
  idempotencyKey?: string;
  /** Allow delta encoding for this publication (also on when the namespace sets `delta_publish`). */
  delta?: boolean;
}

/** A session the node can end (the shutdown path and server API ops act through this). */
export interface Disconnectable {
  disconnect(code: number, reason?: string): void;
}

/**
 * One Parsec node: channel rules, the local hub, and the engine behind them. Client
 * sessions and the server API act through it; it is the engine's event handler.
 */
export class Node implements BrokerEventHandler, MapEventHandler {
  readonly id: string;
  readonly startedAt: number;
  readonly hub = new Hub<Client>();
  readonly rules: ChannelRules;
  readonly log: Logger;
  /** Open sessions, connected or not. */
  private sessionCount = 0;
  /** Sessions that have not connected yet, each ended as stale if it does not in time. */
  readonly connecting: ConnectingSessions<Client>;
  /** Emulated sessions by session id, so `/emulation` requests reach their Client. */
  private readonly emulated = new Map<string, Client>();
  private closing = false;
  /** Per channel, the end of its queue of broker subscribe/unsubscribe calls (see `inChannelOrder`). */
  private readonly channelOps = new Map<string, Promise<void>>();
  private presenceTimer: NodeJS.Timeout | undefined;
  private positionTimer: NodeJS.Timeout | undefined;
  /** Position checks after an engine interruption, repeated for channels whose check failed. */
  private readonly positionRecheck: PositionRecheck;
  readonly control: ControlPlane;
  /** Connection listings frozen for paging (the connections API). */
  readonly snapshots: ConnectionSnapshots;
  /** This node's shared-poll loops, one per channel some local connection tracks keys of. */
  readonly sharedPoll: SharedPollManager;
  /** Checks the signatures shared-poll clients track keys under. */
  readonly trackSignatures: TrackSignatureVerifier;
  /** Relay channels subscribed at the broker, to their shared-poll channel. */
  private readonly relays = new Map<string, string>();
  /** Where sessions' pushes wait for `client.write_delay`; undefined when it is 0. */
  readonly writeBatches: WriteBatches | undefined;

  constructor(readonly deps: NodeDeps) {
    this.id = deps.id ?? randomString(8);
    this.rules = new ChannelRules(deps.config.channel);
    this.startedAt = deps.clock.now();
    this.connecting = new ConnectingSessions(deps.wheel, deps.clock, deps.config.client.staleCloseDelay);
    const { writeDelay } = deps.config.client;
    this.writeBatches = writeDelay > 0 ? new WriteBatches(deps.clock, writeDelay) : undefined;
    this.log = deps.logger.child({ component: 'node' });
    this.snapshots = new ConnectionSnapshots(deps.clock);
    this.control = new ControlPlane(this, deps.broker, deps.clock, this.log.child({ component: 'control' }));
    // Without a periodic check, rechecks go on up to its default period.
    const checkEvery = deps.config.client.channelPositionCheckDelay;
    this.positionRecheck = new PositionRecheck((channels) => this.verifyPositions(false, channels), this.log, checkEvery > 0 ? checkEvery : 40_000);
    const { hub } = this;
    deps.metrics.node.watch(() => ({
      clients: hub.numClients,
      users: hub.numUsers,
      subscriptions: hub.numSubscriptions,
      channels: hub.numChannels,
      nodes: this.control.nodes().length,
    }));
    const sp = deps.config.sharedPoll;
    this.sharedPoll = new SharedPollManager({
      refreshProxy: (name) => deps.proxies.sharedPollRefresh(name),
      concurrencyLimit: sharedPollConcurrency(sp.concurrencyLimit),
      timers: systemTimers,
      clock: deps.clock,
      log: this.log.child({ component: 'shared_poll' }),
      relay: this.sharedPollRelay(),
    });
    this.trackSignatures = new TrackSignatureVerifier(
      { secret: sp.hmacSecretKey, previousSecret: sp.hmacPreviousSecretKey, previousValidUntil: sp.hmacPreviousSecretKeyValidUntil },
      deps.clock,
    );
  }

  get metrics(): Metrics {
    return this.deps.metrics;
  }

  /** `shared_poll_publish` through the broker, on one relay channel per shared-poll channel. */
  private sharedPollRelay(): PublishRelay {
    const failed = (channel: string) => (err: unknown) => this.log.error({ err, channel }, 'shared poll relay failed');
    return {
      join: (channel) => {
        const relay = relayChannelOf(channel);
        this.relays.set(relay, channel);
        this.inChannelOrder(relay, () => this.deps.broker.subscribe(relay)).catch(failed(channel));
      },
      leave: (channel) => {
        const relay = relayChannelOf(channel);
        if (!this.relays.delete(relay)) return;
        this.inChannelOrder(relay, async () => {
          // Joined again while earlier operations ran: still wanted.
          if (!this.relays.has(relay)) await this.deps.broker.unsubscribe(relay);
        }).catch(failed(channel));
      },
      publish: async (channel, key, version, epoch, data) => {
        const tags = relayTags(key, version, epoch);
        await this.deps.broker.publish(relayChannelOf(channel), data, { historySize: 0, historyTtl: 0, historyMetaTtl: 0, tags });
      },
    };
  }

  /** This node's identity and load, as `info` reports it. */
  info(): NodeInfo {
    const cpu = process.cpuUsage();
    const uptimeMs = Math.max(1, this.clock.now() - this.startedAt);
    const { hub } = this;
    return {
      uid: this.id,
      name: this.deps.name,
      version: this.deps.version,
      num_clients: hub.numClients,
      num_users: hub.numUsers,
      num_channels: hub.numChannels,
      num_subs: hub.numSubscriptions,
      uptime: Math.floor(uptimeMs / 1000),
      // Centrifugo reports CPU as a percentage; this is the average over the node's lifetime.
      process: { cpu: Math.round(((cpu.user + cpu.system) / 1000 / uptimeMs) * 1000) / 10, rss: process.memoryUsage.rss() },
    };
  }

  get config(): Readonly<Config> {
    return this.deps.config;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  async run(): Promise<void> {
    await this.deps.broker.run(this);
    await this.deps.mapBroker.run(this);
    this.control.start();
    const checkEvery = this.config.client.channelPositionCheckDelay;
    if (checkEvery > 0) {
      this.positionTimer = setInterval(() => void this.verifyPositions(true), checkEvery);
      this.positionTimer.unref();
    }
    const every = this.config.client.presenceUpdateInterval;
    if (every > 0) {
      this.presenceTimer = setInterval(() => void this.refreshPresence(), every);
      this.presenceTimer.unref();
    }
  }

  /** Undefined while the node can serve, else why not (engine down, shutting down). */
  unhealthyReason(): string | undefined {
    if (this.closing) return 'shutting down';
    return isHealthReporter(this.deps.broker) ? this.deps.broker.unhealthyReason() : undefined;
  }

  /**
   * Re-adds presence for every local subscription that has it: engines expire entries
   * not refreshed within their TTL, which is how a dead node's clients leave presence.
   */
  private async refreshPresence(): Promise<void> {
    for (const client of this.hub.allClients()) {
      for (const sub of client.subscriptions.values()) {
        if (!(sub instanceof ChannelSubscription) || !sub.active) continue;
        try {
          await sub.onPresenceTick?.();
          if (!sub.opts.presence) continue;
          await this.deps.presence.addPresence(sub.channel, client.id, sub.info(client.info()));
        } catch (err) {
          this.log.warn({ channel: sub.channel, err: (err as Error).message }, 'presence refresh failed');
          return;
        }
      }
    }
  }

  /** Stops the node's own timers (sessions are ended by `shutdown`). */
  close(): void {
    clearInterval(this.presenceTimer);
    clearInterval(this.positionTimer);
    this.positionRecheck.stop();
    this.control.stop();
    this.sharedPoll.close();
    this.writeBatches?.close();
  }

  /** Publishes into a channel with its namespace's history settings. */
  async publish(ch: ChannelInfo, data: Uint8Array, opts: NodePublishOptions = {}): Promise<StreamPosition> {
    const history = ch.history && !opts.skipHistory;
    this.deps.activity?.published(ch.channel, data.length);
    const { broker, mirror } = this.deps;
    const position = await broker.publish(ch.channel, data, {
      historySize: history ? ch.options.historySize : 0,
      historyTtl: history ? ch.options.historyTtl : 0,
      historyMetaTtl: ch.historyMetaTtl,
      info: opts.info,
      tags: opts.tags,
      idempotencyKey: opts.idempotencyKey,
      delta: opts.delta || ch.options.deltaPublish,
    });
    const mirrors = mirror?.mirrorsOf(ch.channel);
    if (mirrors && mirrors.length > 0) {
      const tags = { ...opts.tags, [MIRROR_ORIGIN_TAG]: ch.channel };
      await Promise.all(mirrors.map((m) => broker.publish(m, data, { historySize: 0, historyTtl: 0, historyMetaTtl: ch.historyMetaTtl, info: opts.info, tags })));
    }
    return position;
  }

  /**
   * Registers a subscriber; the first one on this node makes the broker deliver the channel
   * here. Resolves once the broker does, so the caller's history read cannot miss a
   * publication that no node would deliver.
   */
  /** Registers a subscriber; a promise only when the broker must be asked (and may refuse). */
  addSubscriber(channel: string, sub: Subscriber): Promise<void> | undefined {
    const first = this.hub.subscribe(channel, sub);
    // Not the first, but the broker subscribe made for an earlier subscriber may still be
    // under way (or may fail): wait for it, and ask again, which is idempotent.
    if (!first && !this.channelOps.has(channel)) return undefined;
    const source = this.sourceOf(sub);
    return this.inChannelOrder(channel, () => source.subscribe(channel));
  }

  /** Unregisters this subscriber (not a newer one of the same client); the last one makes the broker stop. */
  removeSubscriber(channel: string, sub: Subscriber): Promise<void> | undefined {
    if (!this.hub.unsubscribe(channel, sub)) return undefined;
    // Others still listen here: nothing for the broker (the last one to leave queues the
    // unsubscribe), and no promise chain made per leave.
    if (this.hub.numSubscribers(channel) > 0) return undefined;
    const source = this.sourceOf(sub);
    return this.inChannelOrder(channel, async () => {
      // Someone subscribed while earlier operations ran: the channel is wanted again.
      if (this.hub.numSubscribers(channel) === 0) await source.unsubscribe(channel);
    });
  }

  /** Where a subscriber's channel is delivered from: map channels from the map broker. */
  private sourceOf(sub: Subscriber): Pick<Broker, 'subscribe' | 'unsubscribe'> {
    return sub.source === 'map' ? this.deps.mapBroker : this.deps.broker;
  }

  get mapBroker(): MapBroker {
    return this.deps.mapBroker;
  }

  /**
   * Runs a channel's broker subscribe/unsubscribe after the ones before it, as the
   * centrifuge library does under a per-channel lock: an unsubscribe still under way when
   * the channel is wanted again would otherwise land after the new subscribe.
   */
  private inChannelOrder(channel: string, op: () => Promise<void>): Promise<void> {
    const previous = this.channelOps.get(channel);
    // Nothing queued: call now, so an idle channel's timing is what it was without the queue.
    const run = previous ? previous.then(op) : op();
    // The queue goes on after a failure; the caller still sees it.
    const tail = run.catch(() => undefined);
    this.channelOps.set(channel, tail);
    void tail.then(() => {
      if (this.channelOps.get(channel) === tail) this.channelOps.delete(channel);
    });
    return run;
  }

  get broker(): Broker {
    return this.deps.broker;
  }

  get presence(): PresenceManager {
    return this.deps.presence;
  }

  /** Called by every Client when it is created; `untrackSession` when it closes. */
  trackSession(c: Client): void {
    this.sessionCount++;
    // Only emulated sessions take commands by session id; a unidirectional one takes none.
    if (c.session && c.transport.emulation) this.emulated.set(c.session, c);
  }

  untrackSession(c: Client): void {
    this.sessionCount--;
    if (c.session && c.transport.emulation) this.emulated.delete(c.session);
  }

  /** The open emulated session with this id on this node, if any. */
  emulatedSession(session: string): Client | undefined {
    return this.emulated.get(session);
  }

  get numSessions(): number {
    return this.sessionCount;
  }

  handlePublication(channel: string, pub: EnginePublication, position: StreamPosition): void {
    const polled = this.relays.get(channel);
    if (polled !== undefined) {
      const item = relayedItem(pub.tags);
      if (item) this.sharedPoll.publish(polled, item.key, item.version, item.epoch, pub.data);
      return;
    }
    const { node } = this.deps.metrics;
    node.messageReceived(MessageType.publication);
    const started = this.deps.metrics.enabled ? performance.now() : 0;
    this.hub.broadcastPublication(channel, toProtocolPublication(pub), position, pub.delta ?? false, this.lagged(pub));
    if (started > 0) node.observeBroadcast((performance.now() - started) / 1000);
    this.deps.activity?.delivered(channel, this.hub.numSubscribers(channel));
  }

  handleMapPublication(channel: string, pub: MapPublication, position: StreamPosition, delta: boolean, prevData: Uint8Array | undefined): void {
    this.hub.broadcastMapPublication(channel, toProtocolMapPublication(pub), position, delta, prevData, this.lagged(pub));
  }

  /**
   * Whether a positioned publication took longer from publish to this node than
   * `client.channel_position_max_time_lag` allows: a stream that far behind can't be trusted
   * live, so its positioned subscribers resync from history.
   */
  private lagged(pub: { offset: number; time: number }): boolean {
    const maxLag = this.config.client.channelPositionMaxTimeLag;
    return maxLag > 0 && pub.offset > 0 && pub.time > 0 && this.deps.clock.now() - pub.time > maxLag;
  }

  /** Map changes may have been lost while the map broker's delivery was down: positioned map subscriptions resync when behind. */
  handleMapDeliveryResumed(): void {
    this.positionRecheck.start();
  }

  handleJoin(channel: string, info: ClientInfo): void {
    this.deps.metrics.node.messageReceived(MessageType.join);
    this.hub.broadcastJoinLeave(channel, 'join', info);
  }

  handleLeave(channel: string, info: ClientInfo): void {
    this.deps.metrics.node.messageReceived(MessageType.leave);
    this.hub.broadcastJoinLeave(channel, 'leave', info);
  }

  /**
   * The engine's delivery was interrupted: publications may have been lost in between.
   * Every positioned subscription on this node is checked against its stream top and
   * resyncs (recovers from history) when behind, so nothing is silently skipped.
   */
  handleDeliveryResumed(): void {
    this.positionRecheck.start();
    // Revocation notices sent during the interruption are lost too; the shared store is not.
    sweepRevoked(this)
      .then((ended) => ended > 0 && this.log.warn({ ended }, 'sessions with tokens revoked during an engine interruption disconnected'))
      .catch((err: unknown) => this.log.error({ err }, 'revocation sweep failed'));
    sweepBlocked(this)
      .then((ended) => ended > 0 && this.log.warn({ ended }, 'sessions of users blocked during an engine interruption disconnected'))
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'block set reload failed; checks use the set as last loaded'));
  }

  /**
   * Compares positioned subscriptions with their stream tops. After an interruption any
   * gap counts; the periodic check (`client.channel_position_check_delay`) tolerates
   * publications still in flight and catches a publication the engine lost on the way.
   * Checks `channels` (every channel with subscribers here when undefined); resolves with
   * those whose check failed, said in one line however many they are.
   */
  private async verifyPositions(lagTolerant: boolean, channels: readonly string[] = [...this.hub.channelNames()]): Promise<string[]> {
    const failed: string[] = [];
    let firstError = '';
    for (const channel of channels) {
      let ch: ChannelInfo;
      try {
        ch = this.rules.resolve(channel);
      } catch {
        continue;
      }
      try {
        const top = await this.streamTop(ch);
        if (top) this.hub.checkPositions(channel, top, lagTolerant);
      } catch (err) {
        if (failed.length === 0) firstError = (err as Error).message;
        failed.push(channel);
      }
    }
    if (failed.length > 0) this.log.warn({ channels: failed.length, first: failed[0], err: firstError }, 'position check failed');
    return failed;
  }

  /** The top of a channel's stream (a map's change stream), or undefined when it keeps none. */
  private async streamTop(ch: ChannelInfo): Promise<StreamPosition | undefined> {
    if (isMapChannel(ch)) {
      const opts = mapOptionsOf(ch);
      if (!opts.hasStream) return undefined;
      return (await this.deps.mapBroker.readStream(ch.channel, { limit: 0, reverse: false }, opts)).position;
    }
    if (!ch.history) return undefined;
    return (await this.deps.broker.history(ch.channel, { limit: 0, reverse: false, historyMetaTtl: ch.historyMetaTtl })).position;
  }

  handleControl(data: Uint8Array): void {
    this.deps.metrics.node.messageReceived(MessageType.control);
    this.control.handle(data);
  }

  /** Ends every session with `shutdown` (3001: clients reconnect, to another node). */
  shutdown(code: number, reason: string): void {
    this.closing = true;
    // Connected sessions are in the hub; the others wait to connect.
    const open: Disconnectable[] = [...this.hub.allClients(), ...this.connecting.waiting()];
    for (const s of open) s.disconnect(code, reason);
  }
}

export function toProtocolPublication(pub: EnginePublication): Publication {
  const out: Publication = { data: pub.data, info: pub.info, offset: pub.offset || undefined, tags: pub.tags };
  if (pub.channel !== undefined) out.channel = pub.channel;
  return out;
}

/** A map change as clients receive it: key, value or removal, offset in positioned maps. */
export function toProtocolMapPublication(pub: MapPublication): Publication {
  return {
    data: pub.data,
    key: pub.key,
    removed: pub.removed || undefined,
    info: pub.info,
    offset: pub.offset || undefined,
    tags: pub.tags,
    version: pub.version || undefined,
  };
}
