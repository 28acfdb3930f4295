import type { ClientInfo, StreamPosition } from '../protocol/index.js';

/**
 * The contracts between a node and its engine. A node never knows whether the
 * engine is in memory, Redis or NATS; engines never know about clients.
 */

/** A publication as engines store and deliver it. `data` is opaque bytes. */
export interface EnginePublication {
  data: Uint8Array;
  info?: ClientInfo;
  /** Position in the channel stream; 0 when the channel keeps no history. */
  offset: number;
  tags?: Record<string, string>;
  /** Unix ms when the engine accepted it. */
  time: number;
  /** The publisher allows delta encoding against the channel's previous publication. */
  delta?: boolean;
  /** The channel it was published to, when it differs from the subscribed one (a NATS wildcard or raw subject). */
  channel?: string;
}

export interface PublishOptions {
  /** Max publications kept; 0 = no history (then offset is 0 and epoch empty). */
  historySize: number;
  /** How long publications stay in history, ms. */
  historyTtl: number;
  /** How long the stream's position (offset, epoch) outlives its last publication, ms. */
  historyMetaTtl: number;
  info?: ClientInfo;
  tags?: Record<string, string>;
  /** Subscribers that negotiated delta compression may get this as a delta against the previous publication. */
  delta?: boolean;
  /** Publishing the same key again within `idempotentResultTtl` returns the first result and delivers nothing. */
  idempotencyKey?: string;
  idempotentResultTtl?: number;
}

export interface HistoryQuery {
  /** Publications strictly after (or, reversed, before) this position. */
  since?: StreamPosition;
  /** -1 = all, 0 = none (only the stream top), n > 0 = at most n. */
  limit: number;
  reverse: boolean;
  /** Needed to create the stream's meta with the right expiry if it is missing. */
  historyMetaTtl: number;
}

export interface HistoryPage {
  publications: EnginePublication[];
  /** The stream top: latest offset and current epoch. */
  position: StreamPosition;
}

/** Receives what the engine delivers to this node. Calls for one channel arrive in publish order. */
export interface BrokerEventHandler {
  handlePublication(channel: string, pub: EnginePublication, position: StreamPosition): void;
  handleJoin(channel: string, info: ClientInfo): void;
  handleLeave(channel: string, info: ClientInfo): void;
  /** A cluster control message published by any node (this one included). */
  handleControl(data: Uint8Array): void;
  /**
   * Delivery was interrupted (the engine's PUB/SUB connection dropped) and has resumed:
   * publications in between may never arrive, so positioned subscribers must check
   * their stream positions. Engines with lossless delivery never call it.
   */
  handleDeliveryResumed(): void;
}

/**
 * Delivers publications to every node that listens to a channel and keeps channel
 * history. `publish` appends to history and delivers atomically per channel: two
 * publishes never reach subscribers in an order different from their offsets.
 *
 * A broker that keeps no history (NATS) rejects a history-keeping `publish`, `history`
 * and `removeHistory` with `EngineError` `PARSEC_ENGINE_NOT_SUPPORTED`; a broker whose
 * backing service is unreachable rejects with `PARSEC_ENGINE_UNAVAILABLE`.
 */
export interface Broker {
  /** Starts delivering to `handler`. Called once, before anything else. */
  run(handler: BrokerEventHandler): Promise<void>;
  /** This node now wants publications of `channel`. Idempotent. */
  subscribe(channel: string): Promise<void>;
  /** This node no longer wants `channel`. Idempotent. */
  unsubscribe(channel: string): Promise<void>;
  /** Appends (when history is on) and delivers; resolves to the stream position of the publication. */
  publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<StreamPosition>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** Delivers a control message to every node, this one included. */
  publishControl(data: Uint8Array): Promise<void>;
  /** Reads history; always reports the current stream top. */
  history(channel: string, query: HistoryQuery): Promise<HistoryPage>;
  removeHistory(channel: string): Promise<void>;
  /**
   * Why `subscribe(channel)` would be refused on any node (a channel this broker cannot
   * carry), for callers that ask other nodes to subscribe (the server API) to say so at
   * once; undefined when it would not be. Brokers that take every channel have none.
   */
  subscribeRefusal?(channel: string): string | undefined;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/** Who is subscribed to a channel, across the cluster. */
export interface PresenceManager {
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  presenceStats(channel: string): Promise<PresenceStats>;
  /** Adds or refreshes one client's entry; entries not refreshed within the engine's TTL vanish. */
  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void>;
  removePresence(channel: string, clientId: string, userId: string): Promise<void>;
}

/** Optional ability: engines that can be down report why, so `/health` can say 503 and the reason. */
export interface HealthReporter {
  /** Undefined while healthy, else what is wrong. */
  unhealthyReason(): string | undefined;
}

export function isHealthReporter(v: unknown): v is HealthReporter {
  return typeof (v as Partial<HealthReporter>)?.unhealthyReason === 'function';
}

/** Optional ability: engines holding connections or timers release them. */
export interface Closer {
  close(): Promise<void>;
}

export function isCloser(v: unknown): v is Closer {
  return typeof (v as Partial<Closer>)?.close === 'function';
}
