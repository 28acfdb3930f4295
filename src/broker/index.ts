/*
 * The token broker's public surface: built from the config by app.ts, which hands it the
 * node's control plane (to end revoked sessions everywhere) and, for the Redis store, a client.
 */
export { createRevocationStore, startTokenBroker, type RunningTokenBroker, type TokenBrokerParts } from './build.js';
export { MemoryRevocations, type MemoryRevocationsOptions } from './memory-revocations.js';
export { RedisRevocations, type RedisRevocationsOptions } from './redis-revocations.js';
export { BrokerError, BrokerErrorCode } from './errors.js';
export { brokerRouteDocs, type BrokerRouteDoc } from './route-docs.js';
