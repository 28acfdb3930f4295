/*
 * Asynchronous consumers: server API commands read from a PostgreSQL outbox table, Redis
 * streams or NATS JetStream and run through the same executors as the HTTP and gRPC API.
 */
export { startConsumers, type RunningConsumers, type StartConsumersOptions } from './start.js';
