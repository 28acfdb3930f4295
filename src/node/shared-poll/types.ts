import type { ResolvedSharedPollOptions } from '../../config/index.js';
import type { Timers } from '../../lib/index.js';

/*
 * Shared poll on one node: per channel, the union of item keys its subscribers track is
 * polled from the backend (the `shared_poll_refresh` proxy) once per interval, and only
 * items that changed reach the connections tracking them.
 */

/** A namespace's `shared_poll` options with defaults applied (durations in ms; shutdown delay 0 = at once). */
export type SharedPollOptions = ResolvedSharedPollOptions;

/** Runs callbacks later (system timers; a manual one in tests). */
export type PollTimers = Timers;

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
