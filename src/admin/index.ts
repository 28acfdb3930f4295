export { handleHealth } from './health.js';
export { handleMetrics } from './metrics.js';
export { handleReadiness, type ReadinessCheck } from './readiness.js';
