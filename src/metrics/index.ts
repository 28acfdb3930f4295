export { Metrics, type MetricsOptions } from './metrics.js';
export { FrameType } from './frame-types.js';
export { MessageType } from './node-metrics.js';
export type { TransportCounts } from './transport-metrics.js';
export type { ApiProtocol } from './api-metrics.js';
export type { ProxyMeter, ProxyOutcome } from './proxy-metrics.js';
export type { EngineMetrics, EngineOp, FleetTarget, IssueKind, JwksUse, TokenBrokerMetrics } from './parsec-metrics.js';
export type { ModerationMetrics, ModerationSources, RateLimitHitCount } from './moderation-metrics.js';
export type { ConsumerMetrics, ConsumerOutcome } from './consumer-metrics.js';
