import type { ClientInfo, StreamPosition } from '../protocol/index.js';

/**
 * The contract of map channels: a channel holds keyed state and, in the recoverable and
 * persistent modes, a change stream whose offsets count every write and removal. Like the
 * Broker, a MapBroker never knows about clients; it delivers each change, in offset order
 * per channel, to the node that listens.
 */

/** How a channel's state is kept, from its namespace (config's resolved map options). */
export interface MapChannelOptions {
  /** A change stream is kept (recoverable, persistent): writes get offsets. */
  hasStream: boolean;
  /** ms a key lives after its last write; 0 = forever. */
  keyTtl: number;
  streamSize: number;
  /** ms the stream keeps entries. */
  streamTtl: number;
  /** ms the channel's epoch and offset outlive its last write; 0 = forever. */
  metaTtl: number;
}

/** One key's value (or its removal) as the broker stores and delivers it. */
export interface MapPublication {
  key: string;
  data: Uint8Array;
  removed?: boolean;
  info?: ClientInfo;
  tags?: Record<string, string>;
  /** Position in the channel stream; 0 in ephemeral mode. */
  offset: number;
  /** Unix ms the broker accepted it. */
  time: number;
  version?: number;
}

export type MapKeyMode = '' | 'if_new' | 'if_exists';

export interface MapPublishOptions {
  data: Uint8Array;
  tags?: Record<string, string>;
  info?: ClientInfo;
  /** Subscribers that negotiated delta may get this as a delta against the key's previous value. */
  delta?: boolean;
  idempotencyKey?: string;
  /** ms; default 5 minutes. */
  idempotentResultTtl?: number;
  /** Suppress the write unless it is newer than the key's stored version (stream modes only). */
  version?: number;
  versionEpoch?: string;
  keyMode?: MapKeyMode;
  /** A write suppressed by keyMode still extends the key's TTL (presence keepalive). */
  refreshTtlOnSuppress?: boolean;
  /** Compare-and-set: write only while the stream is at this position. */
  expectedPosition?: StreamPosition;
}

export interface MapRemoveOptions {
  idempotencyKey?: string;
  idempotentResultTtl?: number;
}

export type MapSuppressReason = 'idempotency' | 'version' | 'key_exists' | 'key_not_found' | 'position_mismatch';

export interface MapWriteResult {
  /** The stream position after the write (or now, when suppressed). */
  position: StreamPosition;
  suppressed: boolean;
  suppressReason?: MapSuppressReason;
}

export interface MapStateQuery {
  /** The last key of the previous page; '' = from the start. */
  cursor: string;
  /** Entries per page; -1 = all, 0 = none (position only). */
  limit: number;
  /** Look up this key only. */
  key?: string;
  /** The state as of this position: a different epoch is refused (unrecoverable). */
  revision?: StreamPosition;
}

export interface MapStatePage {
  /** In key order. */
  entries: MapPublication[];
  /** The stream top (epoch even in ephemeral mode, offset 0 there). */
  position: StreamPosition;
  /** The key to continue after; '' on the last page. */
  cursor: string;
}

export interface MapStreamQuery {
  /** Entries strictly after (or, reversed, before) this position. */
  since?: StreamPosition;
  /** -1 = all, 0 = none (position only). */
  limit: number;
  reverse: boolean;
}

export interface MapStreamPage {
  entries: MapPublication[];
  position: StreamPosition;
}

/** Receives the changes of the map channels this node listens to, in offset order per channel. */
export interface MapEventHandler {
  /** `prevData` is the key's value before this change, the base for a per-key delta: always given when `delta` and the key had a value (a broker may give it otherwise too). */
  handleMapPublication(channel: string, pub: MapPublication, position: StreamPosition, delta: boolean, prevData: Uint8Array | undefined): void;
  /** Delivery was interrupted (a broker connection came back): changes may have been missed in between. */
  handleMapDeliveryResumed(): void;
}

export interface MapBroker {
  /** Starts delivering to `handler`. Called once, before anything else. */
  run(handler: MapEventHandler): Promise<void>;
  /** This node now wants the changes of `channel`. Idempotent. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Sets `key`; checks run in order idempotency, version, keyMode, expected position. */
  publish(channel: string, key: string, opts: MapPublishOptions, ch: MapChannelOptions): Promise<MapWriteResult>;
  /** Removes `key`; a missing key is suppressed (`key_not_found`) and nothing is delivered. */
  remove(channel: string, key: string, opts: MapRemoveOptions, ch: MapChannelOptions): Promise<MapWriteResult>;
  readState(channel: string, query: MapStateQuery, ch: MapChannelOptions): Promise<MapStatePage>;
  readStream(channel: string, query: MapStreamQuery, ch: MapChannelOptions): Promise<MapStreamPage>;
  stats(channel: string, ch: MapChannelOptions): Promise<{ numKeys: number }>;
  /** Drops state, stream and position: the next access starts a new epoch. */
  clear(channel: string, ch: MapChannelOptions): Promise<void>;
}

/** The broker refused a read for a position it cannot continue from (another epoch, a trimmed stream). */
export class UnrecoverablePositionError extends Error {
  override readonly name = 'UnrecoverablePositionError';
}
