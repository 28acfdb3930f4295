import type { TimerHandle } from '../../lib/index.js';

/*
 * Shared poll on one node: per channel, the union of item keys its subscribers track is
 * polled from the backend (the `shared_poll_refresh` proxy) once per interval, and only
 * items that changed reach the connections tracking them.
 */

/**
 * `versioned`: the backend gives each item a version and may skip items at the version
 * the node sends. `versionless`: the node hashes the data and numbers changes itself.
 */
export type SharedPollMode = 'versioned' | 'versionless';

/** A namespace's `shared_poll` options, durations in ms, defaults applied. */
export interface SharedPollOptions {
  mode: SharedPollMode;
  refreshInterval: number;
  /** Keys per backend call; a larger poll set is split and spread over the interval. */
  refreshBatchSize: number;
  maxKeysPerConnection: number;
  /** How long a channel with no tracked keys keeps its state; negative = drop at once. */
  channelShutdownDelay: number;
  /** Grace after a track signature's expiry before its keys are dropped silently. */
  trackExpiredExtraDelay: number;
  /** `shared_poll_publish` may push items (versioned only). */
  publishEnabled: boolean;
  /** `default` = `channel.proxy.shared_poll_refresh`; else a `proxies[]` name. */
  proxyName: string;
}

/** Runs callbacks later (the node's timer wheel; a manual one in tests). */
export interface PollTimers {
  schedule(delayMs: number, fn: () => void): TimerHandle;
}

/** One item's new data, as every connection tracking its key may receive it. */
export interface ItemUpdate {
  readonly channel: string;
  readonly key: string;
  /** The version on the wire (synthetic in versionless mode); connections below it get the data. */
  readonly version: number;
  readonly data: Uint8Array;
  /** The data the previous version had, when known: the base of a fossil delta. */
  readonly prevData?: Uint8Array;
  /** The version `prevData` had; a delta only goes to a connection holding exactly it. */
  readonly prevVersion: number;
  /** Backend epoch (versioned mode); '' = none. */
  readonly epoch: string;
}

/** A connection's subscription as the shared-poll hub sees it. */
export interface KeyTracker {
  /** Sends the update when the connection holds an older version of the key. */
  deliverUpdate(update: ItemUpdate): void;
  /** The backend removed the item: the connection gets a removal and stops tracking it. */
  deliverRemoval(key: string): void;
  /** The backend's epoch changed: the connection must resubscribe and track from version 0. */
  resetEpoch(): void;
}
