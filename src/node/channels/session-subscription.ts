import type { ChannelSubscription } from './subscription.js';
import type { SharedPollSubscription } from './shared-poll-subscription.js';

/**
 * Any subscription a session holds, one per channel. Each kind cleans up after itself in
 * `close()`; code that needs the stream kind's options (presence, positions, token
 * expiry) narrows with `instanceof ChannelSubscription`.
 */
export type SessionSubscription = ChannelSubscription | SharedPollSubscription;
