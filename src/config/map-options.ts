import type { MapOptions, SharedPollOptions } from './types.js';

/*
 * The effective map and shared-poll options: the file keeps 0 for "the default" (so rules can
 * tell unset from set); everything that runs reads these instead. Defaults are the centrifuge
 * library's.
 */

export type MapMode = 'ephemeral' | 'recoverable' | 'persistent';

export interface ResolvedMapOptions {
  mode: MapMode;
  /** A change stream is kept (recoverable, persistent): subscriptions are positioned. */
  hasStream: boolean;
  /** ms; 0 = keys never expire (persistent). */
  keyTtl: number;
  streamSize: number;
  /** ms. */
  streamTtl: number;
  /** ms; 0 = the channel's meta (epoch, top offset) never expires. */
  metaTtl: number;
  defaultPageSize: number;
  minPageSize: number;
  maxPageSize: number;
  liveTransitionMaxPublicationLimit: number;
  /** ms; 0 = no limit. */
  subscribeCatchUpTimeout: number;
}

const DEFAULT_STREAM_SIZE = 100;
const DEFAULT_STREAM_TTL = 60_000;
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_MAX_PAGE_SIZE = 1000;
const DEFAULT_CATCH_UP_TIMEOUT = 5000;

/** Effective options of a map namespace; `mode` '' (only outside map namespaces) reads as ephemeral. */
export function resolveMapOptions(o: MapOptions): ResolvedMapOptions {
  const mode: MapMode = o.mode || 'ephemeral';
  const hasStream = mode !== 'ephemeral';
  const streamTtl = hasStream ? o.streamTtl || DEFAULT_STREAM_TTL : 0;
  let metaTtl = 0;
  if (mode === 'recoverable') metaTtl = o.metaTtl || Math.max(streamTtl * 10, o.keyTtl);
  else if (mode === 'persistent') metaTtl = o.metaTtl;
  const minPageSize = o.minPageSize || DEFAULT_PAGE_SIZE;
  const maxPageSize = Math.max(o.maxPageSize || DEFAULT_MAX_PAGE_SIZE, minPageSize);
  const defaultPageSize = Math.min(Math.max(o.defaultPageSize || DEFAULT_PAGE_SIZE, minPageSize), maxPageSize);
  return {
    mode,
    hasStream,
    keyTtl: mode === 'persistent' ? 0 : o.keyTtl,
    streamSize: hasStream ? o.streamSize || DEFAULT_STREAM_SIZE : 0,
    streamTtl,
    metaTtl,
    defaultPageSize,
    minPageSize,
    maxPageSize,
    liveTransitionMaxPublicationLimit: o.liveTransitionMaxPublicationLimit || maxPageSize,
    subscribeCatchUpTimeout: o.subscribeCatchUpTimeout < 0 ? 0 : o.subscribeCatchUpTimeout || DEFAULT_CATCH_UP_TIMEOUT,
  };
}

/** A requested page size clamped as Centrifugo does: 0 → default, then into [min, max]. */
export function clampPageSize(o: ResolvedMapOptions, limit: number): number {
  const asked = limit > 0 ? limit : o.defaultPageSize;
  return Math.min(Math.max(asked, o.minPageSize), o.maxPageSize);
}

export interface ResolvedSharedPollOptions {
  /** `default` = `channel.proxy.shared_poll_refresh`; else a `proxies[]` name. */
  proxyName: string;
  mode: 'versionless' | 'versioned';
  /** ms. */
  refreshInterval: number;
  refreshBatchSize: number;
  maxKeysPerConnection: number;
  /** ms; 0 = immediately. */
  channelShutdownDelay: number;
  /** ms. */
  trackExpiredExtraDelay: number;
  publishEnabled: boolean;
}

/** Effective options of a shared-poll namespace. */
export function resolveSharedPollOptions(o: SharedPollOptions): ResolvedSharedPollOptions {
  return {
    proxyName: o.proxyName || 'default',
    mode: o.mode || 'versionless',
    refreshInterval: o.refreshInterval || 10_000,
    refreshBatchSize: o.refreshBatchSize || 1000,
    maxKeysPerConnection: o.maxKeysPerConnection || 5000,
    channelShutdownDelay: o.channelShutdownDelay < 0 ? 0 : o.channelShutdownDelay || 1000,
    trackExpiredExtraDelay: o.trackExpiredExtraDelay || 25_000,
    publishEnabled: o.publishEnabled,
  };
}

/** Backend calls in flight at once over all shared-poll channels (`shared_poll.concurrency_limit`, 0 = 64). */
export function sharedPollConcurrency(limit: number): number {
  return limit > 0 ? limit : 64;
}
