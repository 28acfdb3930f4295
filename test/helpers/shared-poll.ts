import type { SharedPollOptions } from '../../src/node/shared-poll/types.js';

/** Resolved shared-poll options for unit tests: versioned, 1 s interval, 1 s shutdown delay. */
export function pollOptions(o: Partial<SharedPollOptions> = {}): SharedPollOptions {
  return {
    mode: 'versioned',
    refreshInterval: 1000,
    refreshBatchSize: 100,
    maxKeysPerConnection: 100,
    channelShutdownDelay: 1000,
    trackExpiredExtraDelay: 25_000,
    publishEnabled: false,
    proxyName: 'default',
    ...o,
  };
}
